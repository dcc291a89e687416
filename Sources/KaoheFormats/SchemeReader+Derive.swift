import KaoheEngine
import KaoheRecords
import Yams

/// The `derive:` section of an item: how its facts are derived from platform records (docs/scheme-format.md).
extension SchemeReader {
    static let measureKeys = ["count", "rate", "pairs", "monthly", "distinct_dates", "coverage"]

    /// Reads an item's `derive:` mapping (fact name → declaration) into `derivations`.
    mutating func derivations(_ node: Node, item: String, facts: [FactSpec], rule: Rule?) {
        guard case .mapping(let mapping) = node else {
            fail(node, "考核项“\(item)”的 derive 应为“事实名: 派生声明”的映射")
            return
        }
        var read: [(Derivation, Node)] = []
        for (key, value) in mapping {
            guard let name = text(key, "事实名") else { continue }
            guard let spec = facts.first(where: { $0.name == name }) else {
                let known = facts.map(\.name).joined(separator: "、")
                fail(key, "考核项“\(item)”没有事实“\(name)”，不能派生（本项事实：\(known.isEmpty ? "无" : known)）")
                continue
            }
            if let derivation = derivation(value, item: item, fact: spec, rule: rule) {
                read.append((derivation, value))
            }
        }
        let siblings = read.map(\.0)
        for (derivation, value) in read {
            let problems = derivation.problems(siblings: siblings)
            for problem in problems { fail(value, "考核项“\(item)”：\(problem)") }
            if problems.isEmpty { derived.append(derivation) }
        }
    }

    mutating func derivation(_ node: Node, item: String, fact spec: FactSpec, rule: Rule?) -> Derivation? {
        let what = "考核项“\(item)”事实“\(spec.name)”的派生"
        guard case .mapping(let mapping) = node else {
            fail(node, "\(what)应为映射，以 \(Self.measureKeys.joined(separator: "、")) 之一为键")
            return nil
        }
        let keys = Set(mapping.keys.compactMap(\.string))
        let measures = keys.intersection(Self.measureKeys)
        guard measures.count == 1, let measureKey = measures.first else {
            fail(node, "\(what)应恰有一个度量键：\(Self.measureKeys.joined(separator: "、"))")
            return nil
        }
        var allowed = [measureKey, "where", "status", "deadline", "window"]
        switch measureKey {
        case "count": allowed.append("except")
        case "rate": allowed += ["numerator", "when_empty"]
        case "coverage": allowed += ["by", "through", "by_where"]
        default: break
        }
        guard let f = fields(node, what, allowed: allowed) else { return nil }
        guard let source = recordType(field(f, measureKey), what) else { return nil }
        let filters = field(f, "where").map { self.filters($0, what) } ?? []
        let statuses = field(f, "status").flatMap { self.statuses($0, what) }
        let deadline = field(f, "deadline").flatMap { self.deadline($0, what) }
        var window = WindowChoice.current
        if let windowNode = field(f, "window"), let name = text(windowNode, "window") {
            guard let choice = WindowChoice(rawValue: name) else {
                fail(windowNode, "\(what)的 window 应为 current 或 previous_year，而不是“\(name)”")
                return nil
            }
            window = choice
        }
        let measure: DerivedMeasure
        switch measureKey {
        case "count":
            measure = .count(except: text(field(f, "except"), "except"))
        case "rate":
            var numerator = RecordCondition()
            if let numeratorNode = required(f, "numerator", in: node, what),
                let n = fields(numeratorNode, "\(what)的 numerator", allowed: ["where", "status"])
            {
                numerator.filters = field(n, "where").map { self.filters($0, what) } ?? []
                numerator.statuses = field(n, "status").flatMap { self.statuses($0, what) }
            }
            guard let whenEmptyNode = required(f, "when_empty", in: node, what) else { return nil }
            let whenEmpty: ExactDecimal?
            if whenEmptyNode.string == "not_derived" {
                whenEmpty = nil
            } else {
                guard let value = decimal(whenEmptyNode, "when_empty") else { return nil }
                if value < .zero || value > .one { fail(whenEmptyNode, "\(what)的 when_empty 应在 0 到 1 之间") }
                whenEmpty = value
            }
            measure = .rate(numerator: numerator, whenEmpty: whenEmpty)
        case "pairs":
            measure = .pairs
        case "monthly":
            measure = .monthly(notDueMinimum: Self.monthlyMinimum(rule, fact: spec.name))
        case "distinct_dates":
            measure = .distinctDates
        default:
            guard let by = recordType(required(f, "by", in: node, what), "\(what)的 by"),
                let through = text(required(f, "through", in: node, what), "through")
            else { return nil }
            let byFilters = field(f, "by_where").map { self.filters($0, what) } ?? []
            measure = .coverage(by: by, through: through, byCondition: RecordCondition(filters: byFilters))
        }
        let derivation = Derivation(
            item: item, fact: spec.name, source: source,
            condition: RecordCondition(filters: filters, statuses: statuses), deadline: deadline, measure: measure,
            window: window)
        var fits = spec.type.name == derivation.factTypeName
        if case .dates(let dateFields) = spec.type, dateFields.count != 2 { fits = false }
        if !fits {
            let wanted = derivation.factTypeName == "dates" ? "dates（两个日期字段）" : derivation.factTypeName
            fail(
                field(f, measureKey) ?? node,
                "\(what)：\(measureKey) 得出 \(wanted) 类型的事实，而“\(spec.name)”是 \(spec.type.name) 类型")
            return nil
        }
        return derivation
    }

    mutating func recordType(_ node: Node?, _ what: String) -> RecordType? {
        guard let name = text(node, what) else { return nil }
        guard let type = RecordType(rawValue: name) else {
            let known = RecordType.allCases.map(\.rawValue).joined(separator: "、")
            fail(node, "\(what)：未知记录类型“\(name)”（可用：\(known)）")
            return nil
        }
        return type
    }

    /// `{channel: offline, adopted: true}`: every field must hold the value.
    mutating func filters(_ node: Node, _ what: String) -> [FieldFilter] {
        guard case .mapping(let mapping) = node else {
            fail(node, "\(what)的 where 应为“字段: 值”的映射")
            return []
        }
        var filters: [FieldFilter] = []
        for (key, value) in mapping {
            guard let field = text(key, "字段名"), let wanted = scalarText(value, "字段“\(field)”的值") else { continue }
            filters.append(FieldFilter(field, wanted))
        }
        return filters
    }

    /// `late`, or a list such as `[late, overdue]`.
    mutating func statuses(_ node: Node, _ what: String) -> Set<DeadlineStatus>? {
        let names: [String]
        if case .sequence = node {
            names = strings(node, "status") ?? []
        } else {
            names = text(node, "status").map { [$0] } ?? []
        }
        var result: Set<DeadlineStatus> = []
        for name in names {
            guard let status = DeadlineStatus(rawValue: name), status != .open else {
                fail(node, "\(what)的 status“\(name)”无效（可用：on_time、late、overdue）")
                continue
            }
            result.insert(status)
        }
        return result.isEmpty ? nil : result
    }

    /// `{working_days: 3 | FIELD, done: FIELD}` or `{date: FIELD, done: FIELD}`.
    mutating func deadline(_ node: Node, _ what: String) -> Deadline? {
        guard let f = fields(node, "\(what)的 deadline", allowed: ["working_days", "date", "done"]),
            let done = text(required(f, "done", in: node, "\(what)的 deadline"), "done")
        else { return nil }
        switch (field(f, "working_days"), field(f, "date")) {
        case (let days?, nil):
            guard let value = text(days, "working_days") else { return nil }
            if let n = Int(value) { return Deadline(.workingDays(n), done: done) }
            return Deadline(.workingDaysField(value), done: done)
        case (nil, let date?):
            return text(date, "date").map { Deadline(.dateField($0), done: done) }
        default:
            fail(node, "\(what)的 deadline 应恰有 working_days（工作日数或字段）与 date（日期字段）之一")
            return nil
        }
    }

    /// The `at_least` of the item's `months` term on this fact: months not yet due get it.
    static func monthlyMinimum(_ rule: Rule?, fact: String) -> Int {
        let terms: [Term]
        switch rule {
        case .deduct(let list), .award(let list): terms = list
        default: return 0
        }
        for term in terms {
            if case .monthsShort(let name, let atLeast, _) = term, name.name == fact { return atLeast }
        }
        return 0
    }
}
