import KaoheEngine

/// A bad facts document: what is wrong and where (line, unit, item, fact).
public struct FactsError: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int?
    public var unit: String?
    public var item: String?
    public var fact: String?
    public var message: String

    public init(line: Int?, unit: String? = nil, item: String? = nil, fact: String? = nil, message: String) {
        self.line = line
        self.unit = unit
        self.item = item
        self.fact = fact
        self.message = message
    }

    public var description: String {
        var parts: [String] = []
        if let line { parts.append("第\(line)行") }
        if let unit { parts.append("单位“\(unit)”") }
        if let item { parts.append("考核项“\(item)”") }
        if let fact { parts.append("事实“\(fact)”") }
        return (parts.isEmpty ? "" : parts.joined(separator: " ") + "：") + message
    }
}

/// The input of `kaohe score`: a scheme id, optional parameter values and units with their facts.
public struct FactsDocument: Sendable {
    public var schemeID: String?
    public var parameters: [String: ExactDecimal]
    public var units: [UnitInput]

    /// Reads the `scheme` field only, to pick the scheme before decoding facts.
    public static func schemeID(in root: JSONNode) throws(FactsError) -> String? {
        guard case .object = root.value else { throw FactsError(line: root.line, message: "文档应为 JSON 对象") }
        guard let node = root["scheme"] else { return nil }
        guard case .string(let id) = node.value else { throw FactsError(line: node.line, message: "scheme 应为字符串") }
        return id
    }

    /// Decodes and checks a whole document against a scheme.
    public static func decode(_ root: JSONNode, scheme: Scheme, calendar: WorkCalendar) throws(FactsError)
        -> FactsDocument
    {
        guard case .object(let members) = root.value else { throw FactsError(line: root.line, message: "文档应为 JSON 对象") }
        for member in members where !["scheme", "parameters", "units"].contains(member.key) {
            throw FactsError(line: member.node.line, message: "未知字段“\(member.key)”（可用：scheme、parameters、units）")
        }
        var parameters: [String: ExactDecimal] = [:]
        if let node = root["parameters"] {
            guard case .object(let list) = node.value else {
                throw FactsError(line: node.line, message: "parameters 应为对象")
            }
            for (key, valueNode) in list {
                guard scheme.parameters.contains(where: { $0.id == key }) else {
                    let known = scheme.parameters.map(\.id).joined(separator: "、")
                    throw FactsError(line: valueNode.line, message: "方案没有参数“\(key)”（可用：\(known.isEmpty ? "无" : known)）")
                }
                guard case .number(let text) = valueNode.value, let value = ExactDecimal(text) else {
                    throw FactsError(line: valueNode.line, message: "参数“\(key)”应为数字")
                }
                parameters[key] = value
            }
        }
        guard let unitsNode = root["units"] else { throw FactsError(line: root.line, message: "缺少 units 列表") }
        guard case .array(let unitNodes) = unitsNode.value else {
            throw FactsError(line: unitsNode.line, message: "units 应为数组")
        }
        var units: [UnitInput] = []
        units.reserveCapacity(unitNodes.count)
        var seen: Set<String> = []
        let context = ScoringContext(calendar: calendar, parameters: parameters)
        for node in unitNodes {
            let unit = try decodeUnit(node, scheme: scheme)
            guard seen.insert(unit.id).inserted else {
                throw FactsError(line: node.line, unit: unit.id, message: "单位 id 重复")
            }
            if let problem = Engine.problems(in: unit, scheme: scheme, context: context).first {
                let factLine = factLine(node, item: problem.item, fact: problem.fact)
                throw FactsError(
                    line: factLine ?? node.line, unit: problem.unit, item: problem.item, fact: problem.fact,
                    message: problem.message)
            }
            units.append(unit)
        }
        return FactsDocument(schemeID: scheme.id, parameters: parameters, units: units)
    }

    static func factLine(_ unitNode: JSONNode, item: String, fact: String) -> Int? {
        unitNode["facts"]?[item]?[fact]?.line
    }

    /// Decodes one unit object.
    public static func decodeUnit(_ node: JSONNode, scheme: Scheme) throws(FactsError) -> UnitInput {
        guard case .object(let members) = node.value else { throw FactsError(line: node.line, message: "单位应为 JSON 对象") }
        guard let idNode = node["id"] else { throw FactsError(line: node.line, message: "单位缺少 id") }
        let id: String
        switch idNode.value {
        case .string(let text) where !text.isEmpty: id = text
        case .number(let text): id = text
        default: throw FactsError(line: idNode.line, message: "单位 id 应为非空字符串")
        }
        for member in members where !["id", "name", "type", "facts"].contains(member.key) {
            throw FactsError(line: member.node.line, unit: id, message: "未知字段“\(member.key)”（可用：id、name、type、facts）")
        }
        var name = id
        if let nameNode = node["name"] {
            guard case .string(let text) = nameNode.value else {
                throw FactsError(line: nameNode.line, unit: id, message: "name 应为字符串")
            }
            name = text
        }
        var unitType: String? = nil
        if let typeNode = node["type"] {
            guard case .string(let text) = typeNode.value, scheme.unitTypes.contains(where: { $0.id == text }) else {
                let known = scheme.unitTypes.map { "\($0.id)（\($0.name)）" }.joined(separator: "、")
                throw FactsError(
                    line: typeNode.line, unit: id,
                    message: known.isEmpty ? "方案不区分单位类型，不应给出 type" : "type 应为以下之一：\(known)")
            }
            unitType = text
        } else if !scheme.unitTypes.isEmpty {
            let known = scheme.unitTypes.map { "\($0.id)（\($0.name)）" }.joined(separator: "、")
            throw FactsError(line: node.line, unit: id, message: "方案区分单位类型，须给出 type：\(known)")
        }
        var sheet = FactSheet(slotCount: scheme.slots.count)
        if let factsNode = node["facts"] {
            guard case .object(let groups) = factsNode.value else {
                throw FactsError(line: factsNode.line, unit: id, message: "facts 应为对象（考核项编号 → 事实）")
            }
            for (group, groupNode) in groups {
                try decodeItem(groupNode, item: group, scheme: scheme, unitType: unitType, unit: id, into: &sheet)
            }
        }
        return UnitInput(id: id, name: name, unitType: unitType, facts: sheet)
    }
}

extension FactsDocument {
    /// Decodes the facts object of one item (the value of `facts.<item>` in a document: fact name → value)
    /// into `sheet`, checked exactly as a document's item is: the item must be one of the scheme's (or
    /// `downgrade` when the scheme has downgrade facts) and apply to `unitType` when one is given; every fact
    /// must be one of the item's, with a value of its type within its range; `null` leaves a fact unset.
    /// Errors name the line, the item, the fact and `unit` when given.
    public static func decodeItem(
        _ node: JSONNode, item group: String, scheme: Scheme, unitType: String? = nil, unit: String? = nil,
        into sheet: inout FactSheet
    ) throws(FactsError) {
        guard let table = scheme.slotTable(group: group), group != downgradeGroupID || !table.isEmpty else {
            throw FactsError(line: node.line, unit: unit, item: group, message: "方案“\(scheme.id)”中没有这个考核项")
        }
        if unitType != nil, group != downgradeGroupID, let item = scheme.item(group),
            !scheme.applies(item, to: unitType)
        {
            throw FactsError(
                line: node.line, unit: unit, item: group, message: "该考核项不适用于单位类型“\(unitType ?? "")”")
        }
        guard case .object(let values) = node.value else {
            throw FactsError(line: node.line, unit: unit, item: group, message: "应为对象（事实名 → 值）")
        }
        for (factName, valueNode) in values {
            guard let slot = table[factName] else {
                let known = (scheme.factSpecs(group: group) ?? []).map(\.name).joined(separator: "、")
                throw FactsError(
                    line: valueNode.line, unit: unit, item: group, fact: factName,
                    message: "没有这个事实（可用：\(known.isEmpty ? "无" : known)）")
            }
            if case .null = valueNode.value { continue }
            do {
                sheet[slot] = try FactValueCoding.decode(valueNode, spec: scheme.slots[slot].spec)
            } catch {
                throw FactsError(line: error.line, unit: unit, item: group, fact: factName, message: error.message)
            }
        }
    }

    /// Decodes and checks one item's facts given as JSON text on their own (`{"fact": value, …}`), as the
    /// facts of that item in a document would be: JSON syntax, the item, each fact's name, type and range
    /// (``decodeItem(_:item:scheme:unitType:unit:into:)``), then the engine's checks of the item (limits
    /// between its facts, dates within the working-day calendar). Errors carry the line of the value at
    /// fault. Returns a fact sheet holding this item's values only.
    public static func decodeItem(
        json text: String, item group: String, scheme: Scheme, unitType: String? = nil, calendar: WorkCalendar
    ) throws(FactsError) -> FactSheet {
        let root: JSONNode
        do { root = try JSONParser.parse(text) } catch {
            throw FactsError(line: error.line, item: group, message: "第\(error.column)列 JSON 语法错误：\(error.message)")
        }
        var sheet = FactSheet(slotCount: scheme.slots.count)
        try decodeItem(root, item: group, scheme: scheme, unitType: unitType, into: &sheet)
        let unit = UnitInput(id: "", name: "", unitType: unitType, facts: sheet)
        if let problem = Engine.problems(in: unit, scheme: scheme, context: ScoringContext(calendar: calendar)).first(
            where: { $0.item == group })
        {
            throw FactsError(
                line: root[problem.fact]?.line ?? root.line, item: group, fact: problem.fact, message: problem.message)
        }
        return sheet
    }
}

/// Converts fact values between JSON and `FactValue`, checking them against their spec.
public enum FactValueCoding {
    public struct Problem: Error {
        public var line: Int
        public var message: String
    }

    public static func decode(_ node: JSONNode, spec: FactSpec) throws(Problem) -> FactValue {
        func fail(_ message: String, _ line: Int = node.line) -> Problem { Problem(line: line, message: message) }
        func number(_ node: JSONNode) throws(Problem) -> ExactDecimal {
            guard case .number(let text) = node.value else { throw fail("应为数字，而不是\(node.value.typeName)", node.line) }
            guard let value = ExactDecimal(text) else { throw fail("数字“\(text)”超出范围或小数位过多（最多9位）", node.line) }
            return value
        }
        func count(_ node: JSONNode) throws(Problem) -> Int {
            let value = try number(node)
            guard let integer = value.integerValue else { throw fail("应为整数，而不是 \(value)", node.line) }
            guard integer >= 0 else { throw fail("次数不能为负数（\(integer)）", node.line) }
            return integer
        }
        switch spec.type {
        case .bool:
            guard case .bool(let value) = node.value else { throw fail("应为 true 或 false，而不是\(node.value.typeName)") }
            return .bool(value)
        case .count:
            return .count(try count(node))
        case .rate:
            let value = try number(node)
            guard value >= .zero && value <= .one else { throw fail("比率应在 0 到 1 之间，而不是 \(value)") }
            return .decimal(value)
        case .number(let min, let max):
            let value = try number(node)
            if let min, value < min { throw fail("不能小于 \(min)（实际 \(value)）") }
            if let max, value > max { throw fail("不能大于 \(max)（实际 \(value)）") }
            return .decimal(value)
        case .choice(let options):
            guard case .string(let value) = node.value, options.contains(where: { $0.id == value }) else {
                throw fail("应为以下之一：\(options.map { "\($0.id)（\($0.label)）" }.joined(separator: "、"))")
            }
            return .choice(value)
        case .levels(let options):
            guard case .array(let elements) = node.value else { throw fail("应为数组") }
            var levels: [String] = []
            for element in elements {
                guard case .string(let value) = element.value, options.contains(where: { $0.id == value }) else {
                    throw fail(
                        "级别应为以下之一：\(options.map { "\($0.id)（\($0.label)）" }.joined(separator: "、"))", element.line)
                }
                levels.append(value)
            }
            return .levels(levels)
        case .counts12:
            guard case .array(let elements) = node.value, elements.count == 12 else {
                throw fail("应为12个月的次数组成的数组（1月到12月）")
            }
            var counts: [Int] = []
            for element in elements { counts.append(try count(element)) }
            return .counts(counts)
        case .dates(let fields):
            guard case .array(let elements) = node.value else { throw fail("应为数组，每条记录是一个对象") }
            var records: [[Day?]] = []
            records.reserveCapacity(elements.count)
            for (index, element) in elements.enumerated() {
                guard case .object(let members) = element.value else {
                    throw fail("第\(index + 1)条记录应为对象：\(fields.map(\.id).joined(separator: "、"))", element.line)
                }
                var record: [Day?] = Array(repeating: nil, count: fields.count)
                for (key, valueNode) in members {
                    guard let position = fields.firstIndex(where: { $0.id == key }) else {
                        throw fail(
                            "第\(index + 1)条记录有未知字段“\(key)”（可用：\(fields.map(\.id).joined(separator: "、"))）",
                            valueNode.line)
                    }
                    switch valueNode.value {
                    case .null: record[position] = nil
                    case .string(let text):
                        guard let day = Day(iso: text) else {
                            throw fail("第\(index + 1)条记录的 \(key)“\(text)”不是有效日期（YYYY-MM-DD）", valueNode.line)
                        }
                        record[position] = day
                    default:
                        throw fail("第\(index + 1)条记录的 \(key) 应为日期字符串或 null", valueNode.line)
                    }
                }
                if record[0] == nil {
                    throw fail("第\(index + 1)条记录缺少 \(fields[0].id)（\(fields[0].label)）", element.line)
                }
                records.append(record)
            }
            return .dates(records)
        }
    }

    /// Writes a fact value as JSON (the same shape `decode` reads).
    public static func encode(_ value: FactValue, spec: FactSpec, into writer: inout JSONWriter) {
        switch value {
        case .bool(let b): writer.bool(b)
        case .count(let n): writer.number(n)
        case .decimal(let d): writer.number(d)
        case .choice(let s): writer.string(s)
        case .levels(let list):
            writer.raw("[")
            for (i, level) in list.enumerated() {
                if i > 0 { writer.raw(",") }
                writer.string(level)
            }
            writer.raw("]")
        case .counts(let list):
            writer.raw("[" + list.map(String.init).joined(separator: ",") + "]")
        case .dates(let records):
            guard case .dates(let fields) = spec.type else { return }
            writer.raw("[")
            for (i, record) in records.enumerated() {
                if i > 0 { writer.raw(",") }
                writer.raw("{")
                for (f, field) in fields.enumerated() {
                    if f > 0 { writer.raw(",") }
                    writer.key(field.id)
                    if let day = record[f] { writer.string(day.description) } else { writer.null() }
                }
                writer.raw("}")
            }
            writer.raw("]")
        }
    }
}
