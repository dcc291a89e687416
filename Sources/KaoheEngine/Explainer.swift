/// Renders item results as Chinese explanations that show the arithmetic,
/// e.g. `网下办件3件 × 2分 = 扣6分；30 − 6 = 24分`.
public struct Explainer: Sendable {
    public let scheme: Scheme
    public init(scheme: Scheme) { self.scheme = scheme }

    func spec(_ slot: Int) -> FactSpec { scheme.slots[slot].spec }

    func label(_ name: FactName) -> String { name.slot >= 0 ? spec(name.slot).label : name.name }

    func isPercent(_ measure: Measure) -> Bool {
        switch measure {
        case .ratio: return true
        case .fact(let name): return name.slot >= 0 && spec(name.slot).type == .rate
        case .sum: return false
        }
    }

    func show(_ value: ExactDecimal, _ measure: Measure) -> String {
        if isPercent(measure) { return value.rounded(places: 6).percentText }
        if case .fact(let name) = measure, name.slot >= 0 { return "\(value)\(spec(name.slot).unit)" }
        return value.description
    }

    func unit(of measure: Measure) -> String {
        if case .fact(let name) = measure, name.slot >= 0 { return spec(name.slot).unit }
        return ""
    }

    func measureText(_ measure: Measure) -> String {
        switch measure {
        case .fact(let name): return label(name)
        case .sum(let names): return names.map(label).joined(separator: "+")
        case .ratio(let n, let d, _): return "\(label(n))/\(label(d))"
        }
    }

    /// Text of a condition as it held for the unit.
    public func conditionText(_ condition: Condition, _ facts: FactSheet) -> String {
        switch condition {
        case .isTrue(let name): return "\(label(name))：是"
        case .isFalse(let name): return "\(label(name))：否"
        case .compare(let measure, let comparison, let operand):
            var value = ""
            if case .fact(let name) = measure, let v = facts[name.slot] ?? spec(name.slot).defaultValue {
                value = show(numeric(v), measure)
            } else if case .sum(let names) = measure {
                value = names.map { name -> String in
                    let v = facts[name.slot] ?? spec(name.slot).defaultValue
                    return "\(label(name))\(v.map { numeric($0).description } ?? "?")"
                }.joined(separator: " + ")
            }
            let right: String
            switch operand {
            case .constant(let c): right = show(c, measure)
            case .scaledFact(let name, let factor):
                let other = (facts[name.slot] ?? spec(name.slot).defaultValue).map(numeric)
                right = "\(factor) × \(label(name))\(other.map { "\($0)" } ?? "?")"
            }
            return "\(measureText(measure))\(value.isEmpty ? "" : " \(value)") \(comparison.symbol) \(right)"
        case .any(let list):
            var evaluator = [Int]()
            let holding = list.filter {
                Evaluator(scheme: scheme, facts: facts, context: Explainer.noCalendar).condition($0, &evaluator)
                    == true
            }
            return (holding.isEmpty ? list : holding).map { conditionText($0, facts) }.joined(separator: "，或")
        case .all(let list): return list.map { conditionText($0, facts) }.joined(separator: "，且")
        case .totalBelow(let limit): return "总分低于\(limit)分"
        }
    }

    static let noCalendar = ScoringContext(calendar: WorkCalendar(years: 0...0, entries: [:]))

    func numeric(_ value: FactValue) -> ExactDecimal {
        switch value {
        case .count(let n): ExactDecimal(n)
        case .decimal(let d): d
        default: .zero
        }
    }

    func terms(of rule: Rule) -> [Term] {
        switch rule {
        case .deduct(let terms), .award(let terms): terms
        default: []
        }
    }

    func stepText(_ step: Step, _ facts: FactSheet, rule: Rule, deducting: Bool, itemMax: ExactDecimal) -> String {
        let verb = deducting ? "扣" : "加"
        switch step {
        case .pass(let slot, let value, let score):
            return "\(spec(slot).label)：\(value ? "是" : "否") → \(score)分"
        case .perCount(let slot, let count, let points, let amount):
            let unit = spec(slot).unit
            return "\(spec(slot).label)\(count)\(unit) × \(points)分 = \(verb)\(amount)分"
        case .condition(let index, let amount):
            let condition: Condition
            switch terms(of: rule)[index] {
            case .points(_, let when), .fractionOfMax(_, let when), .zero(let when): condition = when
            default: return "\(verb)\(amount)分"
            }
            return "\(conditionText(condition, facts)) → \(verb)\(amount)分"
        case .zeroed(let index):
            guard case .zero(let condition) = terms(of: rule)[index] else { return "不得分" }
            return "\(conditionText(condition, facts)) → 不得分"
        case .band(let index, let value, let bandIndex, let result):
            let measure: Measure
            let bands: [Band]
            if let index, case .banded(let m, let b) = terms(of: rule)[index] {
                (measure, bands) = (m, b)
            } else if case .bands(let m, let b) = rule {
                (measure, bands) = (m, b)
            } else {
                return "\(result)分"
            }
            let interval = bands[bandIndex].interval
            let range = interval.text(percent: isPercent(measure), unit: unit(of: measure))
            let subject = "\(measureText(measure))\(show(value, measure))"
            if case .ratio(let n, let d, let whenZero) = measure, case .count(0)? = facts[d.slot] {
                return "\(label(d))为0，\(label(n))比率按\(whenZero.percentText)计 → 属“\(range)” → \(result)分"
            }
            if case .ratio(let n, let d, _) = measure, case .count(let num)? = facts[n.slot],
                case .count(let den)? = facts[d.slot]
            {
                return
                    "\(measureText(measure)) = \(num)/\(den) = \(show(value, measure))，属“\(range)” → \(deducting ? "扣" : "")\(result)分"
            }
            return "\(subject)，属“\(range)” → \(deducting ? "扣" : "")\(result)分"
        case .dates(let slot, let records, let late, let missing, let perLate, let perMissing, let amount):
            let unit = spec(slot).unit.isEmpty ? "件" : spec(slot).unit
            guard records > 0 else { return "\(spec(slot).label)0\(unit)" }
            if late == 0 && missing == 0 { return "\(spec(slot).label)\(records)\(unit)，均按时办结" }
            return
                "\(spec(slot).label)\(records)\(unit)：超期\(late)\(unit) × \(perLate)分 + 未办理\(missing)\(unit) × \(perMissing)分 = \(verb)\(amount)分"
        case .months(let slot, let short, let atLeast, let points, let amount):
            if short.isEmpty { return "\(spec(slot).label)：每月均不少于\(atLeast)\(spec(slot).unit)" }
            let months = short.map { "\($0)月" }.joined(separator: "、")
            return
                "\(spec(slot).label)：\(months)不足\(atLeast)\(spec(slot).unit)，\(short.count)个月 × \(points)分 = \(verb)\(amount)分"
        case .levels(let slot, let counts, let amount):
            guard case .levels(let options) = spec(slot).type else { return "" }
            if counts.isEmpty { return "\(spec(slot).label)：无" }
            let parts = counts.map { id, count, points in
                let name = options.first { $0.id == id }?.label ?? id
                return "\(name)\(count)次 = \(points)分"
            }
            return "\(spec(slot).label)：\(parts.joined(separator: "，"))，合计\(amount)分"
        case .value(let slot, let amount):
            return "\(spec(slot).label)\(amount)分"
        case .choice(let slot, let value, let score):
            var name = value
            if case .choice(let options) = spec(slot).type, let option = options.first(where: { $0.id == value }) {
                name = option.label
            }
            return "\(spec(slot).label)：\(name) → \(score)分"
        case .linear(let slot, let value, let base, let baseline, let per, let raw):
            let perText = per == .one ? "" : " × \(per)"
            return "\(base) + (\(spec(slot).label)\(value)\(spec(slot).unit) − \(baseline))\(perText) = \(raw)分"
        case .timely(let slot, let records, let late, let missing, let atLeast, let days, let ok):
            let head = "\(spec(slot).label)\(records)件，\(days)个工作日内完成\(records - late - missing)件"
            let extra = late + missing > 0 ? "，超期\(late)件、未完成\(missing)件" : ""
            let need = records < atLeast ? "，少于要求的\(atLeast)件" : ""
            return "\(head)\(extra)\(need) → \(ok ? "\(itemMax)分" : "不得分")"
        case .manual(let slot, let value):
            return "\(spec(slot).label)：\(value)分"
        case .raters(let groups, let average, let scale):
            return ratersText(groups, average: average, scale: scale, itemMax: itemMax)
        case .effect(let reason):
            return "\(reason) → 不得分"
        }
    }

    /// The Chinese explanation of one item's result.
    public func explain(_ result: ItemResult, facts: FactSheet) -> String {
        guard let item = scheme.item(result.itemID) else { return "" }
        switch result.state {
        case .pending(let missing):
            let names = missing.map { qualified -> String in
                let parts = qualified.split(separator: "/", maxSplits: 1).map(String.init)
                if parts.count == 2, let slot = scheme.slot(group: parts[0], fact: parts[1]) {
                    return "\(spec(slot).label)（\(parts[0] == item.id ? parts[1] : qualified)）"
                }
                return qualified
            }
            return "待评：缺少\(names.joined(separator: "、"))"
        case .zeroedByEffect(let reason):
            return "\(reason) → 不得分"
        case .scored: break
        }
        var deducting = false
        if case .deduct = item.rule { deducting = true }
        let lines = result.steps.map { stepText($0, facts, rule: item.rule, deducting: deducting, itemMax: item.max) }
        switch item.rule {
        case .deduct:
            if result.steps.isEmpty { return "无扣分情形 → \(result.score)分" }
            if case .zeroed? = result.steps.first { return lines.joined(separator: "；") }
            let floorNote = item.max - result.rawAmount < .zero ? "，扣完为止" : ""
            return "\(lines.joined(separator: "；"))；\(item.max) − \(result.rawAmount) = \(result.score)分\(floorNote)"
        case .award:
            if result.steps.isEmpty { return result.kind == .penalty ? "无减分情形 → 0分" : "无加分情形 → 0分" }
            let capNote = result.rawAmount > item.max ? "，最高不超过\(item.max)分" : ""
            let sum = result.steps.count > 1 ? "；合计\(result.rawAmount)分" : ""
            return "\(lines.joined(separator: "；"))\(sum) → \(result.score)分\(capNote)"
        case .linear:
            let floorNote = result.score > (lines.isEmpty ? .zero : .zero) ? "" : "，最低0分"
            return "\(lines.joined(separator: "；")) → \(result.score)分\(floorNote)"
        case .manual:
            let clampNote = result.steps.count == 1 ? "" : ""
            return lines.joined(separator: "；") + clampNote
        default:
            return lines.joined(separator: "；")
        }
    }
}

extension Explainer {
    /// A rater group's name: its fact's label without a trailing 得分 (县领导评议得分 → 县领导评议).
    func raterLabel(_ slot: Int) -> String {
        let label = spec(slot).label
        return label.hasSuffix("得分") && label.count > 2 ? String(label.dropLast(2)) : label
    }

    /// raters.md rule 4: `县领导评议 92.50（8票）×40% + … = 88.96；25 × 88.96% = 22.24分`.
    func ratersText(_ groups: [RaterPart], average: ExactDecimal, scale: ExactDecimal, itemMax: ExactDecimal) -> String
    {
        let allWeights = groups.reduce(ExactDecimal.zero) { $0 + $1.weight }
        func share(_ weight: ExactDecimal) -> String {
            guard allWeights > .zero else { return "0%" }
            return "\(weight.divided(by: allWeights, places: 4).percentText)"
        }
        var terms: [String] = []
        var notes: [String] = []
        var keptWeight = ExactDecimal.zero
        for part in groups {
            let label = raterLabel(part.slot)
            switch part.tally {
            case .counted(let ballots, let dropped, let mean)?:
                let trim =
                    dropped == 0 ? "" : dropped == 2 ? "，去掉最高最低" : "，去掉\(dropped / 2)个最高分和\(dropped / 2)个最低分"
                terms.append("\(label) \(mean.twoDecimals)（\(groupedCount(ballots))票\(trim)）×\(share(part.weight))")
                keptWeight += part.weight
            case .leftOut(let ballots, let minimum)?:
                notes.append("\(label)\(groupedCount(ballots))票，少于\(minimum)票，不计入")
            case nil:
                if let score = part.score {
                    terms.append("\(label) \(score.twoDecimals)×\(share(part.weight))")
                    keptWeight += part.weight
                }
            }
        }
        var text = terms.joined(separator: " + ")
        if !notes.isEmpty {
            text =
                "(\(text)) ÷ \(share(keptWeight)) = \(average.twoDecimals)（\(notes.joined(separator: "；"))，其余评议组权重按比例放大）"
        } else {
            text += " = \(average.twoDecimals)"
        }
        let score = RaterArithmetic.itemScore(weighted: average, max: itemMax, scale: scale).clamped(.zero, itemMax)
        let conversion =
            scale == ExactDecimal(100)
            ? "\(itemMax) × \(average.twoDecimals)% = \(score.twoDecimals)分"
            : "\(itemMax) × \(average.twoDecimals) ÷ \(scale) = \(score.twoDecimals)分"
        return "\(text)；\(conversion)"
    }
}
