import Foundation
import KaoheEngine
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
        return scheme
    }

    /// Loads a scheme file from disk.
    public static func load(path: String) throws(SchemeFileError) -> Scheme {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SchemeFileError(file: path, problems: [SchemeFileProblem(line: nil, message: "无法读取文件")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw SchemeFileError(file: path, problems: [SchemeFileProblem(line: nil, message: "文件不是 UTF-8 编码")])
        }
        return try load(yaml: text, file: path)
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
        guard let node else { return nil }
        guard case .scalar(let scalar) = node else {
            fail(node, "\(what)应为文本")
            return nil
        }
        return scalar.string
    }

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
            "constraints", "rule",
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

    // MARK: Rules

    static let ruleKinds = ["pass", "deduct", "award", "bands", "choice", "linear", "timely", "manual", "raters"]

    mutating func factName(_ node: Node?, item: String?, _ what: String) -> FactName? {
        guard let name = text(node, what) else { return nil }
        return FactName(name, in: item)
    }

    mutating func rule(_ node: Node, item: String) -> Rule? {
        guard case .mapping(let mapping) = node, mapping.count == 1, let (keyNode, body) = mapping.first,
            let kind = keyNode.string
        else {
            fail(node, "考核项“\(item)”的 rule 应为只有一个键的映射，键为规则类型（\(Self.ruleKinds.joined(separator: "、"))）")
            return nil
        }
        let what = "考核项“\(item)”的 \(kind) 规则"
        switch kind {
        case "pass":
            return factName(body, item: nil, what).map(Rule.pass)
        case "deduct", "award":
            guard let nodes = list(body, what) else { return nil }
            let terms = nodes.compactMap { term($0, what) }
            guard terms.count == nodes.count else { return nil }
            return kind == "deduct" ? .deduct(terms) : .award(terms)
        case "bands":
            guard let f = fields(body, what, allowed: ["of", "bands"]),
                let measure = required(f, "of", in: body, what).flatMap({ self.measure($0, item: nil, what) }),
                let bands = required(f, "bands", in: body, what).flatMap({ self.bands($0, resultKey: "score", what) })
            else { return nil }
            return .bands(measure, bands)
        case "choice":
            guard let f = fields(body, what, allowed: ["fact", "scores"]),
                let fact = factName(required(f, "fact", in: body, what), item: nil, "fact"),
                let scoresNode = required(f, "scores", in: body, what)
            else { return nil }
            guard case .mapping(let mapping) = scoresNode else {
                fail(scoresNode, "\(what)的 scores 应为“选项: 分值”的映射")
                return nil
            }
            var scores: [String: ExactDecimal] = [:]
            for (key, value) in mapping {
                if let option = text(key, "选项"), let score = decimal(value, "选项“\(option)”的分值") {
                    scores[option] = score
                }
            }
            return .choice(fact, scores)
        case "linear":
            guard let f = fields(body, what, allowed: ["fact", "base", "baseline", "per", "floor"]),
                let fact = factName(required(f, "fact", in: body, what), item: nil, "fact"),
                let base = decimal(required(f, "base", in: body, what), "base"),
                let baseline = decimal(required(f, "baseline", in: body, what), "baseline")
            else { return nil }
            let per = field(f, "per").map { decimal($0, "per") ?? .one } ?? .one
            let floor = field(f, "floor").map { decimal($0, "floor") ?? .zero } ?? .zero
            return .linear(fact, base: base, baseline: baseline, per: per, floor: floor)
        case "timely":
            guard let f = fields(body, what, allowed: ["fact", "from", "to", "within_working_days", "at_least"]),
                let fact = factName(required(f, "fact", in: body, what), item: nil, "fact"),
                let from = text(required(f, "from", in: body, what), "from"),
                let to = text(required(f, "to", in: body, what), "to"),
                let days = integer(required(f, "within_working_days", in: body, what), "within_working_days")
            else { return nil }
            let atLeast = field(f, "at_least").map { integer($0, "at_least") ?? 0 } ?? 0
            return .timely(fact, from: from, to: to, workingDays: days, atLeast: atLeast)
        case "manual":
            return factName(body, item: nil, what).map(Rule.manual)
        case "raters":
            guard let f = fields(body, what, allowed: ["scale", "groups"]),
                let groupsNode = required(f, "groups", in: body, what), let nodes = list(groupsNode, "groups")
            else { return nil }
            let scale = field(f, "scale").map { decimal($0, "scale") ?? 100 } ?? 100
            var groups: [RaterGroup] = []
            for node in nodes {
                guard let g = fields(node, "评议组", allowed: ["fact", "weight"]),
                    let fact = factName(required(g, "fact", in: node, "评议组"), item: nil, "fact"),
                    let weight = text(required(g, "weight", in: node, "评议组"), "weight")
                else { continue }
                groups.append(RaterGroup(fact: fact, weightParameter: weight))
            }
            return .raters(groups, scale: scale)
        default:
            fail(keyNode, "考核项“\(item)”的规则类型“\(kind)”未知（可用：\(Self.ruleKinds.joined(separator: "、"))）")
            return nil
        }
    }

    static let termShapes =
        "{count, per}、{if, points}、{zero_if}、{if, fraction}、{of, bands}、{dates, …}、{months, at_least, per}、{levels, points}、{value}"

    mutating func term(_ node: Node, _ what: String) -> Term? {
        guard case .mapping(let mapping) = node else {
            fail(node, "\(what)的每一项应为映射，形如 \(Self.termShapes)")
            return nil
        }
        let keys = Set(mapping.keys.compactMap(\.string))
        let context = "\(what)的条目"
        if keys.contains("count") {
            guard let f = fields(node, context, allowed: ["count", "per"]),
                let fact = factName(field(f, "count"), item: nil, "count"),
                let per = decimal(required(f, "per", in: node, context), "per")
            else { return nil }
            return .perCount(fact, points: per)
        }
        if keys.contains("zero_if") {
            guard let f = fields(node, context, allowed: ["zero_if"]), let c = field(f, "zero_if"),
                let condition = condition(c, item: nil)
            else { return nil }
            return .zero(when: condition)
        }
        if keys.contains("if") {
            guard let f = fields(node, context, allowed: ["if", "points", "fraction"]), let c = field(f, "if"),
                let condition = condition(c, item: nil)
            else { return nil }
            if let fraction = field(f, "fraction") {
                return decimal(fraction, "fraction").map { .fractionOfMax($0, when: condition) }
            }
            guard let points = decimal(required(f, "points", in: node, context), "points") else { return nil }
            return .points(points, when: condition)
        }
        if keys.contains("bands") {
            guard let f = fields(node, context, allowed: ["of", "bands"]),
                let measure = required(f, "of", in: node, context).flatMap({ self.measure($0, item: nil, context) }),
                let bands = field(f, "bands").flatMap({ self.bands($0, resultKey: "points", context) })
            else { return nil }
            return .banded(measure, bands)
        }
        if keys.contains("dates") {
            let allowed = ["dates", "from", "to", "within_working_days", "per_late", "per_missing"]
            guard let f = fields(node, context, allowed: allowed),
                let fact = factName(field(f, "dates"), item: nil, "dates"),
                let from = text(required(f, "from", in: node, context), "from"),
                let to = text(required(f, "to", in: node, context), "to"),
                let days = integer(required(f, "within_working_days", in: node, context), "within_working_days"),
                let perLate = decimal(required(f, "per_late", in: node, context), "per_late"),
                let perMissing = decimal(required(f, "per_missing", in: node, context), "per_missing")
            else { return nil }
            return .lateDates(fact, from: from, to: to, workingDays: days, perLate: perLate, perMissing: perMissing)
        }
        if keys.contains("months") {
            guard let f = fields(node, context, allowed: ["months", "at_least", "per"]),
                let fact = factName(field(f, "months"), item: nil, "months"),
                let atLeast = integer(required(f, "at_least", in: node, context), "at_least"),
                let per = decimal(required(f, "per", in: node, context), "per")
            else { return nil }
            return .monthsShort(fact, atLeast: atLeast, points: per)
        }
        if keys.contains("levels") {
            guard let f = fields(node, context, allowed: ["levels", "points"]),
                let fact = factName(field(f, "levels"), item: nil, "levels"),
                let pointsNode = required(f, "points", in: node, context)
            else { return nil }
            guard case .mapping(let pm) = pointsNode else {
                fail(pointsNode, "levels 的 points 应为“级别: 分值”的映射")
                return nil
            }
            var points: [String: ExactDecimal] = [:]
            for (k, v) in pm {
                if let level = text(k, "级别"), let value = decimal(v, "级别“\(level)”的分值") { points[level] = value }
            }
            return .perLevel(fact, points)
        }
        if keys.contains("value") {
            guard let f = fields(node, context, allowed: ["value"]),
                let fact = factName(field(f, "value"), item: nil, "value")
            else { return nil }
            return .value(fact)
        }
        fail(node, "\(context)无法识别（字段：\(keys.sorted().joined(separator: "、"))），应为 \(Self.termShapes) 之一")
        return nil
    }

    mutating func measure(_ node: Node, item: String?, _ what: String) -> Measure? {
        if case .scalar = node { return factName(node, item: item, what).map(Measure.fact) }
        guard case .mapping(let mapping) = node else {
            fail(node, "\(what)的度量应为事实名、{sum: […]} 或 {ratio: [分子, 分母], when_zero: …}")
            return nil
        }
        let keys = Set(mapping.keys.compactMap(\.string))
        guard keys == ["sum"] || keys == ["ratio", "when_zero"] else {
            fail(node, "\(what)的度量无法识别，应为事实名、{sum: […]} 或 {ratio: [分子, 分母], when_zero: …}")
            return nil
        }
        return aggregate(node, item: item) { key in mapping.first { $0.key.string == key }?.value }
    }

    /// `{sum: [...]}` or `{ratio: [numerator, denominator], when_zero: …}`, read through `value`.
    mutating func aggregate(_ node: Node, item: String?, value: (String) -> Node?) -> Measure? {
        if let sumNode = value("sum") {
            return strings(sumNode, "sum").map { .sum($0.map { FactName($0, in: item) }) }
        }
        guard let names = strings(value("ratio"), "ratio") else { return nil }
        guard names.count == 2 else {
            fail(node, "ratio 应恰好列出两个事实：[分子, 分母]")
            return nil
        }
        guard let whenZeroNode = value("when_zero") else {
            fail(node, "ratio 缺少字段“when_zero”（分母为0时的比率）")
            return nil
        }
        let whenZero = decimal(whenZeroNode, "when_zero") ?? .one
        return .ratio(
            numerator: FactName(names[0], in: item), denominator: FactName(names[1], in: item), whenZero: whenZero)
    }

    static let comparisons: [(String, Comparison)] = [
        ("above", .above), ("at_least", .atLeast), ("below", .below), ("at_most", .atMost), ("equals", .equal),
    ]

    mutating func condition(_ node: Node, item: String?) -> Condition? {
        if case .scalar = node { return factName(node, item: item, "条件").map(Condition.isTrue) }
        guard case .mapping(let mapping) = node else {
            fail(node, "条件应为事实名或映射")
            return nil
        }
        var keys = Set(mapping.keys.compactMap(\.string))
        var item = item
        if keys.contains("item") {
            item = text(mapping.first { $0.key.string == "item" }?.value, "item")
            keys.remove("item")
        }
        func value(_ key: String) -> Node? { mapping.first { $0.key.string == key }?.value }
        let comparisonKeys = Self.comparisons.map(\.0)
        if keys == ["not"] { return factName(value("not"), item: item, "not").map(Condition.isFalse) }
        if keys == ["any"] || keys == ["all"] {
            let key = keys.first!
            guard let nodes = list(value(key), key) else { return nil }
            let conditions = nodes.compactMap { condition($0, item: item) }
            guard conditions.count == nodes.count else { return nil }
            return key == "any" ? .any(conditions) : .all(conditions)
        }
        if keys == ["total_below"] {
            return decimal(value("total_below"), "total_below").map(Condition.totalBelow)
        }
        let measureKeys = keys.subtracting(comparisonKeys)
        let usedComparisons = keys.intersection(comparisonKeys)
        guard usedComparisons.count == 1, let comparisonKey = usedComparisons.first else {
            fail(
                node,
                "条件无法识别（字段：\(keys.sorted().joined(separator: "、"))）：应为事实名、{not}、{any}、{all}、{total_below}，或度量加一个比较（\(comparisonKeys.joined(separator: "、"))）"
            )
            return nil
        }
        let measure: Measure?
        if measureKeys == ["fact"] {
            measure = factName(value("fact"), item: item, "fact").map(Measure.fact)
        } else if measureKeys == ["sum"] || measureKeys == ["ratio"] || measureKeys == ["ratio", "when_zero"] {
            measure = aggregate(node, item: item, value: value)
        } else {
            fail(node, "条件中的度量应为 fact、sum 或 ratio")
            return nil
        }
        guard let measure, let operandNode = value(comparisonKey) else { return nil }
        let comparison = Self.comparisons.first { $0.0 == comparisonKey }!.1
        if case .mapping = operandNode {
            guard let f = fields(operandNode, "比较对象", allowed: ["times", "fact"]),
                let factor = decimal(required(f, "times", in: operandNode, "比较对象"), "times"),
                let other = factName(required(f, "fact", in: operandNode, "比较对象"), item: item, "fact")
            else { return nil }
            return .compare(measure, comparison, .scaledFact(other, factor: factor))
        }
        return decimal(operandNode, comparisonKey).map { .compare(measure, comparison, .constant($0)) }
    }

    /// Reads interval keys from a band or grade mapping; returns the remaining fields too.
    mutating func interval(_ node: Node, _ what: String, extra: [String]) -> (Interval, Fields)? {
        let keys = ["at_least", "from", "above", "at_most", "to", "below", "equals"]
        guard let f = fields(node, what, allowed: keys + extra) else { return nil }
        var interval = Interval()
        for (key, valueNode) in f where keys.contains(key) {
            guard let value = decimal(valueNode, key) else { continue }
            switch key {
            case "at_least", "from", "above":
                if interval.lower != nil { fail(valueNode, "\(what)的下限重复") }
                interval.lower = Bound(value, inclusive: key != "above")
            case "equals":
                interval.lower = Bound(value, inclusive: true)
                interval.upper = Bound(value, inclusive: true)
            default:
                if interval.upper != nil { fail(valueNode, "\(what)的上限重复") }
                interval.upper = Bound(value, inclusive: key != "below")
            }
        }
        return (interval, f)
    }

    mutating func bands(_ node: Node, resultKey: String, _ what: String) -> [Band]? {
        guard let nodes = list(node, "\(what)的 bands") else { return nil }
        var bands: [Band] = []
        for bandNode in nodes {
            guard let (interval, f) = interval(bandNode, "分档", extra: [resultKey]),
                let result = decimal(required(f, resultKey, in: bandNode, "分档"), resultKey)
            else { continue }
            bands.append(Band(interval, result))
        }
        return bands.count == nodes.count ? bands : nil
    }
}
