import Foundation
import KaoheEngine
import KaoheRecords
import Yams

/// A problem in a scheme file, with its line.
public struct SchemeFileProblem: Sendable, Equatable, CustomStringConvertible {
    public var line: Int?
    public var message: String
    public var description: String { line.map { "第\($0)行：\(message)" } ?? message }
}

/// A scheme file that could not be loaded: every problem found, each with its line.
public struct SchemeFileError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var problems: [SchemeFileProblem]
    public var description: String {
        problems.map { problem in
            "\(file)\(problem.line.map { ":\($0)" } ?? ""): \(problem.message)"
        }.joined(separator: "\n")
    }
}

/// Reads scheme files (YAML, see docs/scheme-format.md) into validated `Scheme`s.
public enum SchemeFile {
    /// Loads and validates a scheme from YAML text; `file` names it in errors.
    public static func load(yaml: String, file: String) throws(SchemeFileError) -> Scheme {
        try loadWithDerivations(yaml: yaml, file: file).scheme
    }

    /// Loads and validates a scheme and the derivations its items declare (`derive:`, see records.md).
    public static func loadWithDerivations(yaml: String, file: String) throws(SchemeFileError) -> (
        scheme: Scheme, derivations: [Derivation]
    ) {
        var reader = SchemeReader(file: file)
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: yaml) else {
                throw SchemeFileError(file: file, problems: [SchemeFileProblem(line: 1, message: "文件为空")])
            }
            root = node
        } catch let error as SchemeFileError {
            throw error
        } catch let error as YamlError {
            throw SchemeFileError(file: file, problems: [yamlProblem(error)])
        } catch {
            throw SchemeFileError(file: file, problems: [SchemeFileProblem(line: nil, message: "\(error)")])
        }
        let scheme = reader.scheme(root)
        if !reader.problems.isEmpty {
            throw SchemeFileError(file: file, problems: reader.problems.sorted { ($0.line ?? 0) < ($1.line ?? 0) })
        }
        guard let scheme else {
            throw SchemeFileError(file: file, problems: [SchemeFileProblem(line: nil, message: "无法读取方案")])
        }
        return (scheme, reader.derived)
    }

    /// Loads a scheme file from disk.
    public static func load(path: String) throws(SchemeFileError) -> Scheme {
        try loadWithDerivations(path: path).scheme
    }

    /// Loads a scheme file and its derivations from disk.
    public static func loadWithDerivations(path: String) throws(SchemeFileError) -> (
        scheme: Scheme, derivations: [Derivation]
    ) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SchemeFileError(file: path, problems: [SchemeFileProblem(line: nil, message: "无法读取文件")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw SchemeFileError(file: path, problems: [SchemeFileProblem(line: nil, message: "文件不是 UTF-8 编码")])
        }
        return try loadWithDerivations(yaml: text, file: path)
    }

    static func yamlProblem(_ error: YamlError) -> SchemeFileProblem {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let prefix = context.map { "\($0.text)：" } ?? ""
            return SchemeFileProblem(line: mark.line, message: "YAML 语法错误：\(prefix)\(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return SchemeFileProblem(
                line: context.mark.line, message: "YAML 中键名重复：\(duplicates.joined(separator: "、"))")
        default:
            return SchemeFileProblem(line: nil, message: "YAML 错误：\(error)")
        }
    }
}

/// Walks the YAML tree, collecting problems with lines instead of stopping at the first.
struct SchemeReader {
    let file: String
    var problems: [SchemeFileProblem] = []
    var lines: [SchemeLocation: Int] = [:]
    /// Derivations declared by the items (`derive:`).
    var derived: [Derivation] = []

    init(file: String) { self.file = file }

    mutating func fail(_ node: Node?, _ message: String) {
        problems.append(SchemeFileProblem(line: node?.mark?.line, message: message))
    }

    // MARK: Basic readers

    typealias Fields = [(key: String, node: Node)]

    mutating func fields(_ node: Node, _ what: String, allowed: [String]) -> Fields? {
        guard case .mapping(let mapping) = node else {
            fail(node, "\(what)应为映射（key: value）")
            return nil
        }
        var result: Fields = []
        for (key, value) in mapping {
            guard let name = key.string else {
                fail(key, "\(what)的键名应为文本")
                continue
            }
            if !allowed.contains(name) {
                fail(key, "\(what)中有未知字段“\(name)”（可用：\(allowed.joined(separator: "、"))）")
                continue
            }
            result.append((name, value))
        }
        return result
    }

    func field(_ fields: Fields, _ key: String) -> Node? { fields.first { $0.key == key }?.node }

    mutating func required(_ fields: Fields, _ key: String, in node: Node, _ what: String) -> Node? {
        if let value = field(fields, key) { return value }
        fail(node, "\(what)缺少字段“\(key)”")
        return nil
    }

    mutating func text(_ node: Node?, _ what: String) -> String? {
        guard let node, let string = scalarText(node, what), case .scalar(let scalar) = node else { return nil }
        // YAML reads these unquoted words as null or a bool, not as text (quote them to mean the word).
        if scalar.style == .plain, Self.nonTextWords.contains(scalar.string) {
            fail(node, "\(what)应为文本，未加引号的“\(string)”在 YAML 中是空值或真假值；如确为文本请加引号")
            return nil
        }
        return string
    }

    /// A scalar as written, where a bool is a value too (a derivation's filter `correct: true`).
    mutating func scalarText(_ node: Node?, _ what: String) -> String? {
        guard let node else { return nil }
        guard case .scalar(let scalar) = node else {
            fail(node, "\(what)应为文本")
            return nil
        }
        return scalar.string
    }

    static let nonTextWords: Set<String> = [
        "~", "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE",
    ]

    mutating func decimal(_ node: Node?, _ what: String) -> ExactDecimal? {
        guard let node else { return nil }
        guard case .scalar(let scalar) = node, let value = ExactDecimal(scalar.string) else {
            fail(node, "\(what)应为数字（最多9位小数），而不是“\(node.string ?? "…")”")
            return nil
        }
        return value
    }

    mutating func integer(_ node: Node?, _ what: String) -> Int? {
        guard let value = decimal(node, what) else { return nil }
        guard let integer = value.integerValue else {
            fail(node, "\(what)应为整数")
            return nil
        }
        return integer
    }

    mutating func boolean(_ node: Node?, _ what: String) -> Bool? {
        guard let node else { return nil }
        guard case .scalar(let scalar) = node, ["true", "false"].contains(scalar.string) else {
            fail(node, "\(what)应为 true 或 false")
            return nil
        }
        return scalar.string == "true"
    }

    mutating func list(_ node: Node?, _ what: String) -> [Node]? {
        guard let node else { return nil }
        guard case .sequence(let sequence) = node else {
            fail(node, "\(what)应为列表")
            return nil
        }
        return Array(sequence)
    }

    mutating func strings(_ node: Node?, _ what: String) -> [String]? {
        guard let nodes = list(node, what) else { return nil }
        return nodes.compactMap { text($0, what) }
    }

    /// A mapping from ids to Chinese labels (`{effective: 作用发挥到位}`).
    mutating func options(_ node: Node?, _ what: String) -> [FactOption]? {
        guard let node else { return nil }
        guard case .mapping(let mapping) = node else {
            fail(node, "\(what)应为“编号: 名称”的映射")
            return nil
        }
        var options: [FactOption] = []
        for (key, value) in mapping {
            guard let id = text(key, what), let label = text(value, what) else { continue }
            options.append(FactOption(id, label))
        }
        return options
    }

    // MARK: Scheme

    mutating func scheme(_ root: Node) -> Scheme? {
        let allowed = [
            "id", "title", "organizer", "year", "source", "total", "unit_types", "parameters", "annual_weight",
            "notes", "categories", "effects", "grades", "downgrade",
        ]
        guard let top = fields(root, "方案", allowed: allowed) else { return nil }
        for key in ["id", "title", "total", "categories"] {
            if let node = field(top, key) { lines[.scheme(field: key)] = node.mark?.line }
        }
        let id = text(required(top, "id", in: root, "方案"), "id") ?? ""
        if !id.isEmpty && !id.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }) {
            fail(field(top, "id"), "方案 id“\(id)”只能包含小写字母、数字和“-”")
        }
        let title = text(required(top, "title", in: root, "方案"), "title") ?? ""
        let total = decimal(required(top, "total", in: root, "方案"), "total") ?? .zero
        var unitTypes: [UnitType] = []
        for node in list(field(top, "unit_types"), "unit_types") ?? [] {
            guard let f = fields(node, "单位类型", allowed: ["id", "name"]) else { continue }
            if let typeID = text(required(f, "id", in: node, "单位类型"), "id"),
                let name = text(required(f, "name", in: node, "单位类型"), "name")
            {
                unitTypes.append(UnitType(id: typeID, name: name))
            }
        }
        var parameters: [Parameter] = []
        for node in list(field(top, "parameters"), "parameters") ?? [] {
            guard let f = fields(node, "参数", allowed: ["id", "name", "default"]) else { continue }
            if let parameterID = text(required(f, "id", in: node, "参数"), "id"),
                let name = text(required(f, "name", in: node, "参数"), "name"),
                let value = decimal(required(f, "default", in: node, "参数"), "default")
            {
                lines[.parameter(parameterID)] = node.mark?.line
                parameters.append(Parameter(id: parameterID, name: name, defaultValue: value))
            }
        }
        var categories: [Category] = []
        for node in list(required(top, "categories", in: root, "方案"), "categories") ?? [] {
            if let category = category(node) { categories.append(category) }
        }
        var effects: [Effect] = []
        for (index, node) in (list(field(top, "effects"), "effects") ?? []).enumerated() {
            lines[.effect(index)] = node.mark?.line
            guard let f = fields(node, "联动规则", allowed: ["if", "zero", "reason"]) else { continue }
            let condition = required(f, "if", in: node, "联动规则").flatMap { self.condition($0, item: nil) }
            let targets = strings(required(f, "zero", in: node, "联动规则"), "zero") ?? []
            let reason = text(required(f, "reason", in: node, "联动规则"), "reason") ?? ""
            if let condition { effects.append(Effect(condition: condition, zeroItems: targets, reason: reason)) }
        }
        var grades: [GradeBand] = []
        if let gradesNode = field(top, "grades") {
            lines[.grades] = gradesNode.mark?.line
            for node in list(gradesNode, "grades") ?? [] {
                if let (interval, f) = interval(node, "等级", extra: ["name"]),
                    let name = text(required(f, "name", in: node, "等级"), "name")
                {
                    grades.append(GradeBand(interval, name))
                }
            }
        }
        var downgradeFacts: [FactSpec] = []
        var triggers: [DowngradeTrigger] = []
        if let downgradeNode = field(top, "downgrade"),
            let f = fields(downgradeNode, "降档", allowed: ["facts", "triggers"])
        {
            lines[.downgrade(-1)] = downgradeNode.mark?.line
            if let factsNode = field(f, "facts") { downgradeFacts = facts(factsNode, group: downgradeGroupID) }
            for (index, node) in (list(field(f, "triggers"), "triggers") ?? []).enumerated() {
                lines[.downgrade(index)] = node.mark?.line
                guard let t = fields(node, "降档条件", allowed: ["if", "reason"]) else { continue }
                let condition = required(t, "if", in: node, "降档条件").flatMap { self.condition($0, item: nil) }
                let reason = text(required(t, "reason", in: node, "降档条件"), "reason") ?? ""
                if let condition { triggers.append(DowngradeTrigger(condition: condition, reason: reason)) }
            }
        }
        let year = field(top, "year").flatMap { integer($0, "year") }
        guard problems.isEmpty else { return nil }
        do {
            return try Scheme(
                id: id, title: title, organizer: text(field(top, "organizer"), "organizer") ?? "", year: year,
                source: text(field(top, "source"), "source") ?? "", total: total, categories: categories,
                effects: effects, grades: grades, downgradeFacts: downgradeFacts, downgradeTriggers: triggers,
                unitTypes: unitTypes, parameters: parameters,
                annualWeightParameter: text(field(top, "annual_weight"), "annual_weight"),
                notes: strings(field(top, "notes"), "notes") ?? [])
        } catch {
            for issue in error.issues {
                problems.append(SchemeFileProblem(line: line(for: issue.location), message: issue.message))
            }
            return nil
        }
    }

    func line(for location: SchemeLocation) -> Int? {
        if let line = lines[location] { return line }
        if case .fact(let item, _) = location { return lines[.item(item)] }
        if case .downgrade = location { return lines[.downgrade(-1)] }
        return lines[.scheme(field: "id")]
    }

    mutating func category(_ node: Node) -> Category? {
        guard let f = fields(node, "类别", allowed: ["id", "name", "kind", "cap", "for", "items"]) else { return nil }
        guard let id = text(required(f, "id", in: node, "类别"), "类别 id") else { return nil }
        lines[.category(id)] = node.mark?.line
        let name = text(required(f, "name", in: node, "类别“\(id)”"), "name") ?? id
        var kind = CategoryKind.base
        if let kindNode = field(f, "kind"), let kindText = text(kindNode, "kind") {
            if let parsed = CategoryKind(rawValue: kindText) {
                kind = parsed
            } else {
                fail(kindNode, "类别“\(id)”的 kind“\(kindText)”无效（可用：base、bonus、penalty）")
            }
        }
        let cap = decimal(field(f, "cap"), "cap")
        if cap != nil && kind == .base { fail(field(f, "cap"), "只有加分/减分类别可以设置 cap") }
        let forTypes = strings(field(f, "for"), "for") ?? []
        var items: [Item] = []
        for itemNode in list(required(f, "items", in: node, "类别“\(id)”"), "items") ?? [] {
            if var item = item(itemNode) {
                if item.unitTypes.isEmpty { item.unitTypes = forTypes }
                items.append(item)
            }
        }
        return Category(id: id, name: name, kind: kind, cap: cap, items: items)
    }

    mutating func item(_ node: Node) -> Item? {
        let allowed = [
            "id", "name", "max", "content", "standard", "evidence", "note", "for", "may_exceed_max", "facts",
            "constraints", "rule", "derive",
        ]
        guard let f = fields(node, "考核项", allowed: allowed) else { return nil }
        guard let id = text(required(f, "id", in: node, "考核项"), "考核项 id") else { return nil }
        let what = "考核项“\(id)”"
        lines[.item(id)] = (field(f, "rule") ?? node).mark?.line
        let name = text(required(f, "name", in: node, what), "name") ?? id
        let max = decimal(required(f, "max", in: node, what), "\(what)的 max") ?? .zero
        let factSpecs = field(f, "facts").map { facts($0, group: id) } ?? []
        var constraints: [FactConstraint] = []
        for c in list(field(f, "constraints"), "constraints") ?? [] {
            guard let cf = fields(c, "约束", allowed: ["fact", "at_most"]) else { continue }
            if let fact = text(required(cf, "fact", in: c, "约束"), "fact"),
                let atMost = text(required(cf, "at_most", in: c, "约束"), "at_most")
            {
                constraints.append(FactConstraint(fact: fact, atMost: atMost))
            }
        }
        guard let ruleNode = required(f, "rule", in: node, what), let rule = rule(ruleNode, item: id) else {
            return nil
        }
        if let deriveNode = field(f, "derive") { derivations(deriveNode, item: id, facts: factSpecs, rule: rule) }
        return Item(
            id: id, name: name, content: text(field(f, "content"), "content") ?? "",
            standard: text(field(f, "standard"), "standard") ?? "",
            evidence: text(field(f, "evidence"), "evidence") ?? "", max: max, facts: factSpecs, rule: rule,
            mayExceedMax: boolean(field(f, "may_exceed_max"), "may_exceed_max") ?? false,
            unitTypes: strings(field(f, "for"), "for") ?? [], constraints: constraints,
            note: text(field(f, "note"), "note") ?? "")
    }

    static let factTypes = ["bool", "count", "rate", "number", "enum", "dates", "levels", "counts12"]

    mutating func facts(_ node: Node, group: String) -> [FactSpec] {
        guard case .mapping(let mapping) = node else {
            fail(node, "facts 应为“事实名: 声明”的映射")
            return []
        }
        var specs: [FactSpec] = []
        for (key, value) in mapping {
            guard let name = text(key, "事实名") else { continue }
            lines[.fact(item: group, fact: name)] = key.mark?.line
            let what = "事实“\(name)”"
            guard
                let f = fields(
                    value, what,
                    allowed: ["type", "label", "unit", "required", "default", "values", "fields", "min", "max"])
            else { continue }
            guard let typeNode = required(f, "type", in: value, what), let typeName = text(typeNode, "type") else {
                continue
            }
            let label = text(required(f, "label", in: value, what), "label") ?? name
            let unit = text(field(f, "unit"), "unit") ?? ""
            let isRequired = boolean(field(f, "required"), "required") ?? false
            let type: FactType
            switch typeName {
            case "bool": type = .bool
            case "count": type = .count
            case "rate": type = .rate
            case "number": type = .number(min: decimal(field(f, "min"), "min"), max: decimal(field(f, "max"), "max"))
            case "enum": type = .choice(options(required(f, "values", in: value, what), "values") ?? [])
            case "levels": type = .levels(options(required(f, "values", in: value, what), "values") ?? [])
            case "dates": type = .dates(fields: options(required(f, "fields", in: value, what), "fields") ?? [])
            case "counts12": type = .counts12
            default:
                fail(typeNode, "\(what)的类型“\(typeName)”未知（可用：\(Self.factTypes.joined(separator: "、"))）")
                continue
            }
            for key in ["values", "fields"] where field(f, key) != nil {
                let fits =
                    (key == "values" && ["enum", "levels"].contains(typeName))
                    || (key == "fields" && typeName == "dates")
                if !fits { fail(field(f, key), "\(what)的类型 \(typeName) 不用字段“\(key)”") }
            }
            for key in ["min", "max"] where field(f, key) != nil && typeName != "number" {
                fail(field(f, key), "\(what)的类型 \(typeName) 不用字段“\(key)”")
            }
            var defaultValue: FactValue? = nil
            if let defaultNode = field(f, "default") {
                if isRequired { fail(defaultNode, "\(what)不能同时设置 required 和 default") }
                defaultValue = self.defaultValue(defaultNode, type: type, what)
            }
            specs.append(
                FactSpec(name, type, label: label, unit: unit, required: isRequired, defaultValue: defaultValue))
        }
        return specs
    }

    mutating func defaultValue(_ node: Node, type: FactType, _ what: String) -> FactValue? {
        switch type {
        case .bool: return boolean(node, "\(what)的 default").map(FactValue.bool)
        case .count: return integer(node, "\(what)的 default").map(FactValue.count)
        case .rate, .number: return decimal(node, "\(what)的 default").map(FactValue.decimal)
        case .choice(let options):
            guard let value = text(node, "default") else { return nil }
            if !options.contains(where: { $0.id == value }) { fail(node, "\(what)的 default“\(value)”不在可选值中") }
            return .choice(value)
        default:
            fail(node, "\(what)的类型不支持 default")
            return nil
        }
    }

}
