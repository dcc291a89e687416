import Foundation
import KaoheEngine
import Yams

extension SchemeReader {
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
