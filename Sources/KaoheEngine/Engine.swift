/// The facts of one unit, one optional value per fact slot of the scheme.
public struct FactSheet: Sendable, Equatable {
    public var values: [FactValue?]
    public init(slotCount: Int) { values = Array(repeating: nil, count: slotCount) }
    public subscript(slot: Int) -> FactValue? {
        get { values[slot] }
        set { values[slot] = newValue }
    }
}

/// One assessed unit to score.
public struct UnitInput: Sendable {
    public var id: String
    public var name: String
    /// One of the scheme's unit types, when it has any.
    public var unitType: String?
    public var facts: FactSheet
    public init(id: String, name: String, unitType: String? = nil, facts: FactSheet) {
        self.id = id
        self.name = name
        self.unitType = unitType
        self.facts = facts
    }
}

/// Everything from outside the engine that scoring depends on.
public struct ScoringContext: Sendable {
    public var calendar: WorkCalendar
    /// Per-assessment parameter values overriding the scheme's defaults.
    public var parameters: [String: ExactDecimal]
    public init(calendar: WorkCalendar, parameters: [String: ExactDecimal] = [:]) {
        self.calendar = calendar
        self.parameters = parameters
    }
}

/// What was computed for an item, step by step; `Explainer` renders it in Chinese.
public enum Step: Sendable, Equatable {
    case pass(slot: Int, value: Bool, score: ExactDecimal)
    case perCount(slot: Int, count: Int, points: ExactDecimal, amount: ExactDecimal)
    /// Term `term` of the item's rule held and yielded `amount`.
    case condition(term: Int, amount: ExactDecimal)
    /// Term `term` (a `zero` term) of the item's rule held.
    case zeroed(term: Int)
    /// The measure of term `term` (nil: of the rule itself) fell in band `band`.
    case band(term: Int?, value: ExactDecimal, band: Int, result: ExactDecimal)
    case dates(
        slot: Int, records: Int, late: Int, missing: Int, perLate: ExactDecimal, perMissing: ExactDecimal,
        amount: ExactDecimal)
    case months(slot: Int, shortMonths: [Int], atLeast: Int, points: ExactDecimal, amount: ExactDecimal)
    case levels(slot: Int, counts: [(String, Int, ExactDecimal)], amount: ExactDecimal)
    case value(slot: Int, amount: ExactDecimal)
    case choice(slot: Int, value: String, score: ExactDecimal)
    case linear(
        slot: Int, value: ExactDecimal, base: ExactDecimal, baseline: ExactDecimal, per: ExactDecimal, raw: ExactDecimal
    )
    case timely(slot: Int, records: Int, late: Int, missing: Int, atLeast: Int, workingDays: Int, ok: Bool)
    case manual(slot: Int, value: ExactDecimal)
    case raters(
        groups: [(slot: Int, score: ExactDecimal, weight: ExactDecimal)], average: ExactDecimal, scale: ExactDecimal)
    case effect(reason: String)

    public static func == (lhs: Step, rhs: Step) -> Bool { String(describing: lhs) == String(describing: rhs) }
}

/// State of an item after scoring.
public enum ItemState: Sendable, Equatable {
    case scored
    /// Required facts are missing (qualified `item/fact` names).
    case pending(missing: [String])
    /// Another item's finding set this one to 0.
    case zeroedByEffect(reason: String)
}

/// The score of one item, with the steps that explain it.
public struct ItemResult: Sendable, Equatable {
    public var itemID: String
    public var kind: CategoryKind
    public var score: ExactDecimal
    public var max: ExactDecimal
    public var state: ItemState
    public var steps: [Step]
    /// Sum of deductions (deduct rules) or additions (award rules) before clamping.
    public var rawAmount: ExactDecimal
}

/// The result of one unit.
public struct UnitResult: Sendable, Equatable {
    public var id: String
    public var name: String
    public var unitType: String?
    public var items: [ItemResult]
    public var base: ExactDecimal
    public var baseMax: ExactDecimal
    public var bonus: ExactDecimal
    public var penalty: ExactDecimal
    /// base + bonus − penalty.
    public var total: ExactDecimal
    /// total × annual weight ÷ 100, rounded to 2 places, when the scheme has an annual weight.
    public var annual: ExactDecimal?
    /// Grade name; nil when the scheme has no grades or the result is incomplete.
    public var grade: String?
    public var downgrade: Bool
    public var downgradeReasons: [String]
    /// Items whose facts are incomplete.
    public var pending: [String]
    public var complete: Bool { pending.isEmpty }
    /// 1-based; ties share a rank (1, 1, 3). Within the unit type when the scheme has unit types.
    public var rank: Int

    public init(
        id: String, name: String, unitType: String?, items: [ItemResult], base: ExactDecimal, baseMax: ExactDecimal,
        bonus: ExactDecimal, penalty: ExactDecimal, total: ExactDecimal, annual: ExactDecimal?, grade: String?,
        downgrade: Bool, downgradeReasons: [String], pending: [String], rank: Int
    ) {
        self.id = id
        self.name = name
        self.unitType = unitType
        self.items = items
        self.base = base
        self.baseMax = baseMax
        self.bonus = bonus
        self.penalty = penalty
        self.total = total
        self.annual = annual
        self.grade = grade
        self.downgrade = downgrade
        self.downgradeReasons = downgradeReasons
        self.pending = pending
        self.rank = rank
    }
}

/// Input errors found in a unit's facts (wrong values that types alone cannot catch).
public struct FactProblem: Sendable, Equatable, CustomStringConvertible {
    public var unit: String
    public var item: String
    public var fact: String
    public var message: String
    public var description: String { "单位“\(unit)” 考核项“\(item)” 事实“\(fact)”：\(message)" }
}

/// The scoring engine: pure functions from a scheme, facts and a context to results.
public enum Engine {
    /// Checks cross-fact constraints and calendar coverage that per-value parsing cannot.
    public static func problems(in unit: UnitInput, scheme: Scheme, context: ScoringContext) -> [FactProblem] {
        var problems: [FactProblem] = []
        for item in scheme.items {
            for constraint in item.constraints {
                guard let a = scheme.slot(group: item.id, fact: constraint.fact),
                    let b = scheme.slot(group: item.id, fact: constraint.atMost),
                    let left = numeric(unit.facts[a]), let right = numeric(unit.facts[b])
                else { continue }
                if left > right {
                    problems.append(
                        FactProblem(
                            unit: unit.id, item: item.id, fact: constraint.fact,
                            message: "\(constraint.fact)（\(left)）不能大于 \(constraint.atMost)（\(right)）"))
                }
            }
        }
        for (slot, info) in scheme.slots.enumerated() {
            guard case .dates(let records)? = unit.facts[slot], case .dates(let fields) = info.spec.type else {
                continue
            }
            for (index, record) in records.enumerated() {
                for (f, day) in record.enumerated() {
                    if let day, !context.calendar.covers(day) {
                        problems.append(
                            FactProblem(
                                unit: unit.id, item: info.group, fact: info.spec.name,
                                message:
                                    "第\(index + 1)条的 \(fields[f].id) 日期 \(day) 超出工作日历覆盖的年份（\(context.calendar.years.lowerBound)—\(context.calendar.years.upperBound)），请更新日历数据"
                            ))
                    }
                }
                if record.count >= 2, let first = record[0], let last = record[record.count - 1], last < first {
                    problems.append(
                        FactProblem(
                            unit: unit.id, item: info.group, fact: info.spec.name,
                            message:
                                "第\(index + 1)条的 \(fields[fields.count - 1].id)（\(last)）早于 \(fields[0].id)（\(first)）"))
                }
            }
        }
        return problems
    }

    private static func numeric(_ value: FactValue?) -> ExactDecimal? {
        switch value {
        case .count(let n)?: ExactDecimal(n)
        case .decimal(let d)?: d
        default: nil
        }
    }

    /// Scores several units and ranks them (ties share a rank; per unit type when the scheme has types).
    public static func score(units: [UnitInput], scheme: Scheme, context: ScoringContext) -> [UnitResult] {
        var results = units.map { score($0, scheme: scheme, context: context) }
        rank(&results)
        return results
    }

    /// Assigns competition ranks (1, 1, 3) by total, within each unit type.
    public static func rank(_ results: inout [UnitResult]) {
        var groups: [String: [Int]] = [:]
        for index in results.indices { groups[results[index].unitType ?? "", default: []].append(index) }
        for (_, members) in groups {
            let sorted = members.sorted { results[$0].total > results[$1].total }
            var previous: ExactDecimal? = nil
            var rank = 0
            for (position, index) in sorted.enumerated() {
                if results[index].total != previous {
                    rank = position + 1
                    previous = results[index].total
                }
                results[index].rank = rank
            }
        }
    }

    /// Scores one unit. Pending items count as 0 and are listed in `pending`.
    public static func score(_ unit: UnitInput, scheme: Scheme, context: ScoringContext) -> UnitResult {
        let evaluator = Evaluator(scheme: scheme, facts: unit.facts, context: context)

        // Effects first: which items are zeroed by other items' findings.
        var zeroed: [String: String] = [:]
        var effectPending: [String: [String]] = [:]
        for effect in scheme.effects {
            var missing: [Int] = []
            switch evaluator.condition(effect.condition, &missing) {
            case true?: for target in effect.zeroItems where zeroed[target] == nil { zeroed[target] = effect.reason }
            case nil:
                for target in effect.zeroItems {
                    effectPending[target, default: []].append(contentsOf: missing.map(evaluator.qualifiedName))
                }
            case false?: break
            }
        }

        var items: [ItemResult] = []
        items.reserveCapacity(scheme.slots.count)
        var base = ExactDecimal.zero
        var bonus = ExactDecimal.zero
        var penalty = ExactDecimal.zero
        var pending: [String] = []
        for section in scheme.sections {
            var categorySum = ExactDecimal.zero
            for plan in section.items where plan.appliesTo(unit.unitType) {
                var result: ItemResult
                if !zeroed.isEmpty, let reason = zeroed[plan.item.id] {
                    result = ItemResult(
                        itemID: plan.item.id, kind: section.kind, score: .zero, max: plan.item.max,
                        state: .zeroedByEffect(reason: reason), steps: [.effect(reason: reason)], rawAmount: .zero)
                } else {
                    result = evaluator.evaluate(plan, kind: section.kind)
                    if !effectPending.isEmpty, case .scored = result.state, let missing = effectPending[plan.item.id] {
                        result.state = .pending(missing: missing)
                        result.score = .zero
                    }
                }
                if case .pending = result.state { pending.append(plan.item.id) }
                categorySum += result.score
                items.append(result)
            }
            switch section.kind {
            case .base: base += categorySum
            case .bonus: bonus += ExactDecimal.min(categorySum, section.cap ?? categorySum)
            case .penalty: penalty += ExactDecimal.min(categorySum, section.cap ?? categorySum)
            }
        }
        let total = base + bonus - penalty
        var annual: ExactDecimal? = nil
        if let parameter = scheme.annualWeightParameter,
            let weight = scheme.parameter(parameter, overrides: context.parameters)
        {
            annual = (total * weight / ExactDecimal(100)).rounded(places: 2)
        }
        let complete = pending.isEmpty
        var grade: String? = nil
        if complete {
            grade = scheme.grades.first { $0.interval.contains(total) }?.name
        }
        var reasons: [String] = []
        for trigger in scheme.downgradeTriggers {
            var missing: [Int] = []
            if case .totalBelow = trigger.condition, !complete { continue }
            if evaluator.condition(trigger.condition, &missing, total: total) == true {
                reasons.append(trigger.reason)
            }
        }
        return UnitResult(
            id: unit.id, name: unit.name, unitType: unit.unitType, items: items, base: base,
            baseMax: scheme.cachedBaseMaximum(for: unit.unitType), bonus: bonus, penalty: penalty, total: total,
            annual: annual, grade: grade, downgrade: !reasons.isEmpty, downgradeReasons: reasons, pending: pending,
            rank: 1)
    }
}

/// Evaluates rules over one unit's facts.
struct Evaluator {
    let scheme: Scheme
    let facts: FactSheet
    let context: ScoringContext

    func qualifiedName(_ slot: Int) -> String {
        let info = scheme.slots[slot]
        return "\(info.group)/\(info.spec.name)"
    }

    func value(_ name: FactName, _ missing: inout [Int]) -> FactValue? {
        if let value = facts[name.slot] ?? scheme.defaults[name.slot] { return value }
        if !missing.contains(name.slot) { missing.append(name.slot) }
        return nil
    }

    func number(_ name: FactName, _ missing: inout [Int]) -> ExactDecimal? {
        switch value(name, &missing) {
        case .count(let n)?: ExactDecimal(n)
        case .decimal(let d)?: d
        default: nil
        }
    }

    func count(_ name: FactName, _ missing: inout [Int]) -> Int? {
        if case .count(let n)? = value(name, &missing) { return n }
        return nil
    }

    func bool(_ name: FactName, _ missing: inout [Int]) -> Bool? {
        if case .bool(let b)? = value(name, &missing) { return b }
        return nil
    }

    func measure(_ measure: Measure, _ missing: inout [Int]) -> ExactDecimal? {
        switch measure {
        case .fact(let name): return number(name, &missing)
        case .sum(let names):
            var sum = ExactDecimal.zero
            var known = true
            for name in names {
                if let n = number(name, &missing) { sum += n } else { known = false }
            }
            return known ? sum : nil
        case .ratio(let numerator, let denominator, let whenZero):
            let n = count(numerator, &missing)
            let d = count(denominator, &missing)
            guard let n, let d else { return nil }
            return d == 0 ? whenZero : ExactDecimal(n) / ExactDecimal(d)
        }
    }

    /// Three-valued: nil when a needed fact is missing and the others do not decide.
    func condition(_ condition: Condition, _ missing: inout [Int], total: ExactDecimal? = nil) -> Bool? {
        switch condition {
        case .isTrue(let name): return bool(name, &missing)
        case .isFalse(let name): return bool(name, &missing).map { !$0 }
        case .compare(let m, let comparison, let operand):
            let left = measure(m, &missing)
            let right: ExactDecimal?
            switch operand {
            case .constant(let value): right = value
            case .scaledFact(let name, let factor): right = number(name, &missing).map { $0 * factor }
            }
            guard let left, let right else { return nil }
            if case .ratio(let n, let d, _) = m, comparison != .equal, case .constant = operand,
                let num = count(n, &missing), let den = count(d, &missing), den > 0
            {
                // Compare the exact fraction by cross-multiplying.
                return comparison.holds(ExactDecimal(num), right * den)
            }
            return comparison.holds(left, right)
        case .any(let list):
            var unknown = false
            for item in list {
                switch self.condition(item, &missing, total: total) {
                case true?: return true
                case nil: unknown = true
                case false?: break
                }
            }
            return unknown ? nil : false
        case .all(let list):
            var unknown = false
            for item in list {
                switch self.condition(item, &missing, total: total) {
                case false?: return false
                case nil: unknown = true
                case true?: break
                }
            }
            return unknown ? nil : true
        case .totalBelow(let limit):
            return total.map { $0 < limit }
        }
    }

    /// The index of the band a value falls in; on a shared boundary the more favourable one.
    func band(_ bands: [Band], _ measure: Measure, _ value: ExactDecimal, higherIsBetter: Bool) -> Int? {
        var chosen: Int? = nil
        for index in bands.indices where contains(bands[index].interval, measure, value) {
            if let current = chosen {
                let better =
                    higherIsBetter
                    ? bands[index].result > bands[current].result : bands[index].result < bands[current].result
                if better { chosen = index }
            } else {
                chosen = index
            }
        }
        return chosen
    }

    /// Interval membership for a measure, exact for count ratios.
    func contains(_ interval: Interval, _ measure: Measure, _ value: ExactDecimal) -> Bool {
        if case .ratio(let n, let d, _) = measure, case .count(let den)? = facts[d.slot], den > 0,
            case .count(let num)? = facts[n.slot]
        {
            let numerator = ExactDecimal(num)
            if let lower = interval.lower {
                let scaled = lower.value * den
                if lower.inclusive ? numerator < scaled : numerator <= scaled { return false }
            }
            if let upper = interval.upper {
                let scaled = upper.value * den
                if upper.inclusive ? numerator > scaled : numerator >= scaled { return false }
            }
            return true
        }
        return interval.contains(value)
    }

    struct DateTally {
        var records = 0
        var late = 0
        var missing = 0
    }

    func tally(_ name: FactName, from: String, to: String, workingDays: Int, _ missing: inout [Int]) -> DateTally? {
        guard case .dates(let records)? = value(name, &missing),
            case .dates(let fields) = scheme.slots[name.slot].spec.type,
            let fromIndex = fields.firstIndex(where: { $0.id == from }),
            let toIndex = fields.firstIndex(where: { $0.id == to })
        else { return nil }
        var tally = DateTally()
        for record in records {
            tally.records += 1
            guard let start = record[fromIndex] else {
                tally.missing += 1
                continue
            }
            guard let end = record[toIndex] else {
                tally.missing += 1
                continue
            }
            if end > context.calendar.workingDay(workingDays, after: start) { tally.late += 1 }
        }
        return tally
    }

    /// Evaluates one additive term; returns the amount and appends its step.
    func term(
        _ term: Term, index: Int, max: ExactDecimal, higherIsBetter: Bool, _ steps: inout [Step], _ missing: inout [Int]
    ) -> ExactDecimal? {
        switch term {
        case .perCount(let name, let points):
            guard let n = count(name, &missing) else { return nil }
            let amount = points * n
            if n > 0 { steps.append(.perCount(slot: name.slot, count: n, points: points, amount: amount)) }
            return amount
        case .points(let points, let when):
            guard let holds = condition(when, &missing) else { return nil }
            if holds { steps.append(.condition(term: index, amount: points)) }
            return holds ? points : .zero
        case .zero:
            return .zero  // handled before other terms
        case .fractionOfMax(let fraction, let when):
            guard let holds = condition(when, &missing) else { return nil }
            let amount = holds ? max * fraction : .zero
            if holds { steps.append(.condition(term: index, amount: amount)) }
            return amount
        case .banded(let m, let bands):
            guard let value = measure(m, &missing) else { return nil }
            // For deductions the favourable band is the smaller amount.
            guard let chosen = band(bands, m, value, higherIsBetter: higherIsBetter) else { return .zero }
            steps.append(.band(term: index, value: value, band: chosen, result: bands[chosen].result))
            return bands[chosen].result
        case .lateDates(let name, let from, let to, let days, let perLate, let perMissing):
            guard let t = tally(name, from: from, to: to, workingDays: days, &missing) else { return nil }
            let amount = perLate * t.late + perMissing * t.missing
            steps.append(
                .dates(
                    slot: name.slot, records: t.records, late: t.late, missing: t.missing, perLate: perLate,
                    perMissing: perMissing, amount: amount))
            return amount
        case .monthsShort(let name, let atLeast, let points):
            guard case .counts(let months)? = value(name, &missing) else { return nil }
            let short = months.indices.filter { months[$0] < atLeast }.map { $0 + 1 }
            let amount = points * short.count
            steps.append(.months(slot: name.slot, shortMonths: short, atLeast: atLeast, points: points, amount: amount))
            return amount
        case .perLevel(let name, let points):
            guard case .levels(let levels)? = value(name, &missing),
                case .levels(let options) = scheme.slots[name.slot].spec.type
            else { return nil }
            var counts: [(String, Int, ExactDecimal)] = []
            var amount = ExactDecimal.zero
            for option in options {
                let n = levels.lazy.filter { $0 == option.id }.count
                if n > 0 {
                    let points = (points[option.id] ?? .zero) * n
                    counts.append((option.id, n, points))
                    amount += points
                }
            }
            steps.append(.levels(slot: name.slot, counts: counts, amount: amount))
            return amount
        case .value(let name):
            guard let value = number(name, &missing)?.rounded(places: 2) else { return nil }
            if value != .zero { steps.append(.value(slot: name.slot, amount: value)) }
            return value
        }
    }

    func evaluate(_ plan: ItemPlan, kind: CategoryKind) -> ItemResult {
        guard let terms = plan.perCountTerms else { return evaluate(plan.item, kind: kind) }
        // Fast path for per-incident deductions; anything unusual (a missing required count) takes the general path.
        var steps: [Step] = []
        var sum = ExactDecimal.zero
        for (slot, points) in terms {
            guard case .count(let count)? = facts[slot] ?? scheme.defaults[slot] else {
                return evaluate(plan.item, kind: kind)
            }
            if count > 0 {
                let amount = points * count
                steps.append(.perCount(slot: slot, count: count, points: points, amount: amount))
                sum += amount
            }
        }
        let max = plan.item.max
        return ItemResult(
            itemID: plan.item.id, kind: kind, score: (max - sum).clamped(.zero, max), max: max, state: .scored,
            steps: steps, rawAmount: sum)
    }

    func evaluate(_ item: borrowing Item, kind: CategoryKind) -> ItemResult {
        var steps: [Step] = []
        var missing: [Int] = []
        var raw = ExactDecimal.zero
        let score: ExactDecimal?
        switch item.rule {
        case .pass(let name):
            if let passed = bool(name, &missing) {
                score = passed ? item.max : .zero
                steps.append(.pass(slot: name.slot, value: passed, score: score!))
            } else {
                score = nil
            }
        case .deduct(let terms), .award(let terms):
            let deducting: Bool
            if case .deduct = item.rule { deducting = true } else { deducting = false }
            // Terms that zero the item decide first: facts needed only otherwise are not required.
            var zeroedBy: Int? = nil
            var zeroMissing: [Int] = []
            for index in terms.indices where zeroedBy == nil {
                if case .zero(let when) = terms[index], condition(when, &zeroMissing) == true { zeroedBy = index }
            }
            if let zeroedBy {
                steps.append(.zeroed(term: zeroedBy))
                score = .zero
                break
            }
            if !zeroMissing.isEmpty { missing.append(contentsOf: zeroMissing) }
            var sum = ExactDecimal.zero
            var known = true
            for index in terms.indices {
                if case .zero = terms[index] { continue }
                if let amount = term(
                    terms[index], index: index, max: item.max, higherIsBetter: !deducting, &steps, &missing)
                {
                    sum += amount
                } else {
                    known = false
                }
            }
            raw = sum
            if known && missing.isEmpty {
                let value = deducting ? item.max - sum : sum
                score = item.mayExceedMax ? ExactDecimal.max(value, .zero) : value.clamped(.zero, item.max)
            } else {
                score = nil
            }
        case .bands(let m, let bands):
            if let value = measure(m, &missing), let chosen = band(bands, m, value, higherIsBetter: true) {
                steps.append(.band(term: nil, value: value, band: chosen, result: bands[chosen].result))
                score = bands[chosen].result
            } else {
                score = nil
            }
        case .choice(let name, let scores):
            if case .choice(let option)? = value(name, &missing), let points = scores[option] {
                steps.append(.choice(slot: name.slot, value: option, score: points))
                score = points
            } else {
                score = nil
            }
        case .linear(let name, let base, let baseline, let per, let floor):
            if let value = number(name, &missing) {
                let raw = base + (value - baseline) * per
                steps.append(.linear(slot: name.slot, value: value, base: base, baseline: baseline, per: per, raw: raw))
                let floored = ExactDecimal.max(raw, floor)
                score = item.mayExceedMax ? floored : ExactDecimal.min(floored, item.max)
            } else {
                score = nil
            }
        case .timely(let name, let from, let to, let days, let atLeast):
            if let t = tally(name, from: from, to: to, workingDays: days, &missing) {
                let ok = t.records >= atLeast && t.late == 0 && t.missing == 0
                steps.append(
                    .timely(
                        slot: name.slot, records: t.records, late: t.late, missing: t.missing, atLeast: atLeast,
                        workingDays: days, ok: ok))
                score = ok ? item.max : .zero
            } else {
                score = nil
            }
        case .manual(let name):
            if let value = number(name, &missing)?.rounded(places: 2) {
                steps.append(.manual(slot: name.slot, value: value))
                score = value.clamped(.zero, item.max)
            } else {
                score = nil
            }
        case .raters(let groups, let scale):
            var parts: [(slot: Int, score: ExactDecimal, weight: ExactDecimal)] = []
            var weightedSum = ExactDecimal.zero
            var weightSum = ExactDecimal.zero
            for group in groups {
                let weight = scheme.parameter(group.weightParameter, overrides: context.parameters) ?? .zero
                if let value = number(group.fact, &missing) {
                    parts.append((group.fact.slot, value, weight))
                    weightedSum += value * weight
                    weightSum += weight
                }
            }
            if missing.isEmpty && weightSum > .zero {
                let average = (weightedSum / weightSum).rounded(places: 2)
                steps.append(.raters(groups: parts, average: average, scale: scale))
                score = (average * item.max / scale).rounded(places: 2).clamped(.zero, item.max)
            } else {
                score = nil
            }
        }
        if let score, missing.isEmpty {
            return ItemResult(
                itemID: item.id, kind: kind, score: score, max: item.max, state: .scored, steps: steps, rawAmount: raw)
        }
        return ItemResult(
            itemID: item.id, kind: kind, score: .zero, max: item.max,
            state: .pending(missing: missing.map(qualifiedName)), steps: [], rawAmount: .zero)
    }
}
