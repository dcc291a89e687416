import Foundation
import ZIPFoundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Why an XLSX file could not be read (Chinese, naming what is wrong).
public struct XLSXReadError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong.
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

/// Reads the first worksheet of an XLSX workbook row by row: the ZIP container with ZIPFoundation, the XML
/// with Foundation's `XMLParser`. The sheet is extracted to a temporary file and parsed as a stream, so a
/// sheet of a million rows is never held whole; only the shared strings are kept in memory.
///
/// Cells come back as text: shared and inline strings as written, numbers as Excel stores them
/// (`45017`, `0.5`), booleans as `1`/`0`, formulas as their cached value. Dates are numbers (serial days) unless
/// the sheet holds them as text; ``date(fromSerial:)`` converts.
public final class XLSXReader {
    /// The path of the first sheet inside the archive (`xl/worksheets/sheet1.xml`).
    public let sheetPath: String
    /// The first sheet's name (`Sheet1`, `办件`), when the workbook names it.
    public let sheetName: String?
    /// The number of rows the sheet says it spans (`<dimension ref="A1:K1001">`), when it says so.
    public private(set) var dimensionRows: Int?
    private let archive: Archive
    private let sharedStrings: [String]

    /// Opens `path`; a file that is not a ZIP archive, is cut short, or lacks a worksheet is refused.
    public init(path: String) throws(XLSXReadError) {
        guard FileManager.default.fileExists(atPath: path) else { throw XLSXReadError("文件不存在或无法读取") }
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            throw XLSXReadError("不是有效的 XLSX 文件：ZIP 结构损坏或文件不完整（可能上传或复制时被截断），请用 Excel/WPS 重新保存后再导入")
        }
        let (sheet, name) = try Self.firstSheet(archive)
        sheetPath = sheet
        sheetName = name
        if let entry = archive["xl/sharedStrings.xml"] {
            let collector = SharedStringsCollector()
            try Self.parse(archive, entry, what: "共享字符串表（xl/sharedStrings.xml）", delegate: collector)
            sharedStrings = collector.strings
        } else {
            sharedStrings = []
        }
    }

    /// Calls `body` with each non-empty row: its number as Excel shows it (1 = the first row) and its cells by
    /// column (A = 0; missing cells are empty). `body` returns false to stop reading.
    public func forEachRow(_ body: (_ row: Int, _ cells: [String]) -> Bool) throws(XLSXReadError) {
        guard let entry = archive[sheetPath] else { throw XLSXReadError("缺少工作表 \(sheetPath)") }
        let found: (Int?, XLSXReadError?) = withoutActuallyEscaping(body) { body in
            let rows = SheetRowsCollector(sharedStrings: sharedStrings, body: body)
            do throws(XLSXReadError) {
                try Self.parse(archive, entry, what: "工作表（\(sheetPath)）", delegate: rows)
            } catch {
                return (rows.dimensionRows, error)
            }
            return (rows.dimensionRows, rows.failure)
        }
        dimensionRows = found.0
        if let error = found.1 { throw error }
    }

    /// Reads only the sheet's dimension (the rows it spans), stopping at the first row.
    public func readDimension() throws(XLSXReadError) -> Int? {
        guard let entry = archive[sheetPath] else { throw XLSXReadError("缺少工作表 \(sheetPath)") }
        let rows = SheetRowsCollector(sharedStrings: sharedStrings) { _, _ in false }
        try Self.parse(archive, entry, what: "工作表（\(sheetPath)）", delegate: rows)
        dimensionRows = rows.dimensionRows
        return dimensionRows
    }

    /// An Excel date serial number (days since 1899-12-30 in the 1900 date system; a fraction is the time of
    /// day) as `YYYY-MM-DD`; nil when the text is not a number or outside 1900-03-01…9999-12-31.
    public static func date(fromSerial text: String) -> String? {
        guard let value = Double(text), value.isFinite, value >= 61, value < 2_958_466 else { return nil }
        let days = Int(value.rounded(.down)) - 25_569  // days from 1970-01-01
        let date = Date(timeIntervalSince1970: TimeInterval(days) * 86_400)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        guard let year = parts.year, let month = parts.month, let day = parts.day else { return nil }
        return String(format: "%04d-%02d-%02d", year, month, day)
    }

    /// The 0-based column of a cell reference (`B3` → 1); nil when it has no letters.
    static func column(ofReference reference: String) -> Int? {
        var column = 0
        var letters = 0
        for scalar in reference.unicodeScalars {
            let value = scalar.value
            if value >= 65 && value <= 90 {
                column = column * 26 + Int(value - 64)
            } else if value >= 97 && value <= 122 {
                column = column * 26 + Int(value - 96)
            } else {
                break
            }
            letters += 1
        }
        return letters == 0 || letters > 3 ? nil : column - 1
    }

    /// The number of the last row of a dimension (`A1:K1001` → 1001).
    static func lastRow(ofDimension reference: String) -> Int? {
        guard let last = reference.split(separator: ":").last else { return nil }
        return Int(last.drop { !$0.isNumber })
    }

    // MARK: Workbook structure

    /// The first sheet's path and name from `xl/workbook.xml` and its relationships, else `sheet1.xml`.
    static func firstSheet(_ archive: Archive) throws(XLSXReadError) -> (String, String?) {
        let fallback = "xl/worksheets/sheet1.xml"
        guard let workbook = archive["xl/workbook.xml"] else {
            if archive[fallback] != nil { return (fallback, nil) }
            throw XLSXReadError("不是有效的 XLSX 文件：缺少 xl/workbook.xml（可能不是 Excel 工作簿）")
        }
        let sheets = AttributesCollector(element: "sheet")
        try parse(archive, workbook, what: "工作簿（xl/workbook.xml）", delegate: sheets)
        guard let first = sheets.found.first else { throw XLSXReadError("工作簿中没有工作表") }
        let name = first["name"]
        guard let relation = first["r:id"] ?? first.first(where: { $0.key.hasSuffix(":id") })?.value,
            let rels = archive["xl/_rels/workbook.xml.rels"]
        else { return (archive[fallback] != nil ? fallback : "xl/worksheets/sheet1.xml", name) }
        let links = AttributesCollector(element: "Relationship")
        try parse(archive, rels, what: "工作簿关系（xl/_rels/workbook.xml.rels）", delegate: links)
        guard let target = links.found.first(where: { $0["Id"] == relation })?["Target"] else {
            throw XLSXReadError("工作簿关系中找不到第一个工作表（\(relation)）")
        }
        let path = target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target
        guard archive[path] != nil else { throw XLSXReadError("缺少工作表 \(path)") }
        return (path, name)
    }

    /// Extracts `entry` to a temporary file (CRC checked) and parses it as a stream with `delegate`.
    static func parse(_ archive: Archive, _ entry: Entry, what: String, delegate: some XMLParserDelegate)
        throws(XLSXReadError)
    {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "kaohe-xlsx-\(UUID().uuidString).xml")
        defer { try? FileManager.default.removeItem(at: url) }
        do {
            _ = try archive.extract(entry, to: url)
        } catch {
            throw XLSXReadError("\(what)已损坏，无法解压（文件可能不完整）")
        }
        guard let stream = InputStream(url: url) else { throw XLSXReadError("\(what)无法读取") }
        let parser = XMLParser(stream: stream)
        parser.delegate = delegate
        let ok = parser.parse()
        if let rows = delegate as? SheetRowsCollector, rows.stoppedByCaller || rows.failure != nil { return }
        guard ok else {
            let line = parser.lineNumber
            let reason = parser.parserError.map { " \(($0 as NSError).code)" } ?? ""
            throw XLSXReadError("\(what)的 XML 格式错误（第\(line)行\(reason.isEmpty ? "" : "，错误码" + reason)），文件可能已损坏")
        }
    }
}

/// Element names without a namespace prefix (`x:row` → `row`).
private func localName(_ name: String) -> Substring {
    guard let colon = name.lastIndex(of: ":") else { return Substring(name) }
    return name[name.index(after: colon)...]
}

/// The attributes of every element with a given name.
private final class AttributesCollector: NSObject, XMLParserDelegate {
    let element: String
    var found: [[String: String]] = []

    init(element: String) { self.element = element }

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        if localName(name) == element { found.append(attributes) }
    }
}

/// `xl/sharedStrings.xml`: the text of each `<si>` (runs joined, phonetic guides left out).
private final class SharedStringsCollector: NSObject, XMLParserDelegate {
    var strings: [String] = []
    private var current = ""
    private var inText = false
    private var phonetic = 0

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        switch localName(name) {
        case "si": current = ""
        case "t": inText = phonetic == 0
        case "rPh": phonetic += 1
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inText { current += string }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        switch localName(name) {
        case "si": strings.append(current)
        case "t": inText = false
        case "rPh": phonetic -= 1
        default: break
        }
    }
}

/// A worksheet's rows, handed out one at a time.
private final class SheetRowsCollector: NSObject, XMLParserDelegate {
    let sharedStrings: [String]
    let body: (Int, [String]) -> Bool
    var dimensionRows: Int?
    var stoppedByCaller = false
    var failure: XLSXReadError?
    private var row = 0
    private var cells: [String] = []
    private var column = 0
    private var cellType: String?
    private var value = ""
    private var collecting = false
    private var phonetic = 0

    init(sharedStrings: [String], body: @escaping (Int, [String]) -> Bool) {
        self.sharedStrings = sharedStrings
        self.body = body
    }

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        switch localName(name) {
        case "dimension":
            dimensionRows = attributes["ref"].flatMap(XLSXReader.lastRow(ofDimension:))
        case "row":
            row = attributes["r"].flatMap { Int($0) } ?? row + 1
            cells.removeAll(keepingCapacity: true)
        case "c":
            column = attributes["r"].flatMap(XLSXReader.column(ofReference:)) ?? cells.count
            cellType = attributes["t"]
            value = ""
        case "v": collecting = true
        case "t": collecting = phonetic == 0
        case "rPh": phonetic += 1
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if collecting { value += string }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        switch localName(name) {
        case "v", "t": collecting = false
        case "rPh": phonetic -= 1
        case "c":
            var text = value
            if cellType == "s" {
                guard let index = Int(value), index >= 0, index < sharedStrings.count else {
                    failure = XLSXReadError("工作表第\(row)行引用了不存在的共享字符串（\(value)），文件可能已损坏")
                    parser.abortParsing()
                    return
                }
                text = sharedStrings[index]
            }
            guard column < 16_384 else { return }
            if cells.count <= column { cells.append(contentsOf: repeatElement("", count: column + 1 - cells.count)) }
            cells[column] = text
        case "row":
            guard cells.contains(where: { !$0.isEmpty }) else { return }
            if !body(row, cells) {
                stoppedByCaller = true
                parser.abortParsing()
            }
        case "sheetData":
            break
        default: break
        }
    }
}
