import KaoheEngine

/// Scoring a facts document end to end: JSON bytes in, results JSON bytes out.
public enum ScoreRun {
    /// Any error of a scoring run, printable as one Chinese message naming where.
    public enum Failure: Error, CustomStringConvertible {
        case syntax(JSONSyntaxError)
        case facts(FactsError)
        case scheme(SchemeFileError)
        case noScheme

        public var description: String {
            switch self {
            case .syntax(let error): "JSON 语法错误：\(error)"
            case .facts(let error): "\(error)"
            case .scheme(let error): "\(error)"
            case .noScheme: "事实文档缺少 scheme 字段，也没有用 --scheme 指定方案"
            }
        }
    }

    /// Parses and checks a facts document; `scheme` overrides the document's `scheme` field.
    public static func decode(_ bytes: [UInt8], scheme override: Scheme?, calendar: WorkCalendar) throws(Failure)
        -> (Scheme, FactsDocument)
    {
        let root: JSONNode
        do { root = try JSONParser.parse(bytes) } catch { throw .syntax(error) }
        let scheme: Scheme
        do {
            let id = try FactsDocument.schemeID(in: root)
            if let override {
                if let id, id != override.id {
                    throw Failure.facts(
                        FactsError(line: root["scheme"]?.line, message: "文档的 scheme“\(id)”与指定的方案“\(override.id)”不一致"))
                }
                scheme = override
            } else {
                guard let id else { throw Failure.noScheme }
                do {
                    guard let builtIn = try BuiltInSchemes.load(id) else {
                        throw Failure.facts(
                            FactsError(
                                line: root["scheme"]?.line,
                                message:
                                    "未知方案“\(id)”（内置：\(BuiltInSchemes.ids.joined(separator: "、"))；自定义方案请用 --scheme FILE）"
                            ))
                    }
                    scheme = builtIn
                } catch let error as SchemeFileError {
                    throw Failure.scheme(error)
                }
            }
            return (scheme, try FactsDocument.decode(root, scheme: scheme, calendar: calendar))
        } catch let error as FactsError {
            throw .facts(error)
        } catch let error as Failure {
            throw error
        } catch {
            throw .noScheme
        }
    }

    /// Scores a facts document and returns the results document.
    public static func run(_ bytes: [UInt8], scheme: Scheme?, calendar: WorkCalendar, pretty: Bool = false)
        throws(Failure) -> [UInt8]
    {
        var all: [UInt8] = []
        try run(bytes, scheme: scheme, calendar: calendar, pretty: pretty) { all.append(contentsOf: $0) }
        return all
    }

    /// Scores a facts document and streams the results document to `output` in chunks.
    /// Nothing is written unless the whole input is valid.
    public static func run(
        _ bytes: [UInt8], scheme: Scheme?, calendar: WorkCalendar, pretty: Bool = false, output: ([UInt8]) -> Void
    ) throws(Failure) {
        let (scheme, document) = try decode(bytes, scheme: scheme, calendar: calendar)
        try score(document, scheme: scheme, calendar: calendar, pretty: pretty, output: output)
    }

    /// Scores a decoded document and streams the results document to `output`.
    public static func score(
        _ document: FactsDocument, scheme: Scheme, calendar: WorkCalendar, pretty: Bool = false,
        output: ([UInt8]) -> Void
    ) throws(Failure) {
        let context = ScoringContext(calendar: calendar, parameters: document.parameters)
        let results = Engine.score(units: document.units, scheme: scheme, context: context)
        ResultsJSON.encode(scheme: scheme, units: document.units, results: results, pretty: pretty, output: output)
    }
}
