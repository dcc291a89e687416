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
    /// Rater groups' tallies from a rater round, by fact slot: they take the place of the groups' facts, and a
    /// group left out (too few ballots) is not missing but dropped with its weight (raters.md rule 3).
    public var raterTallies: [Int: RaterTally]
    public init(
        id: String, name: String, unitType: String? = nil, facts: FactSheet, raterTallies: [Int: RaterTally] = [:]
    ) {
        self.id = id
        self.name = name
        self.unitType = unitType
        self.facts = facts
        self.raterTallies = raterTallies
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
    case raters(groups: [RaterPart], average: ExactDecimal, scale: ExactDecimal)
    case effect(reason: String)

    public static func == (lhs: Step, rhs: Step) -> Bool { String(describing: lhs) == String(describing: rhs) }
}

/// One rater group of a `raters` item as scored: its score (nil when left out for too few ballots), its weight and,
/// when a rater round supplied it, the tally of its ballots.
public struct RaterPart: Sendable, Equatable {
    public var slot: Int
    public var score: ExactDecimal?
    public var weight: ExactDecimal
    public var tally: RaterTally?
    public init(slot: Int, score: ExactDecimal?, weight: ExactDecimal, tally: RaterTally?) {
        self.slot = slot
        self.score = score
        self.weight = weight
        self.tally = tally
    }
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
        let evaluator = Evaluator(scheme: scheme, facts: unit.facts, context: context, tallies: unit.raterTallies)

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
