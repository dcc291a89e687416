/// A labelled option of an enum, levels or dates fact (`effective` → `作用发挥到位`).
public struct FactOption: Sendable, Equatable {
    public var id: String
    public var label: String
    public init(_ id: String, _ label: String) {
        self.id = id
        self.label = label
    }
}

/// The type of an input fact, as the reference spec names them.
public enum FactType: Sendable, Equatable {
    case bool
    /// Integer ≥ 0.
    case count
    /// Number in [0, 1].
    case rate
    /// Any decimal, optionally bounded.
    case number(min: ExactDecimal?, max: ExactDecimal?)
    /// One of the listed values.
    case choice([FactOption])
    /// List of records whose fields are ISO dates or null.
    case dates(fields: [FactOption])
    /// List of level names.
    case levels([FactOption])
    /// Twelve counts, January to December.
    case counts12

    /// The name used in scheme files and in `kaohe describe`.
    public var name: String {
        switch self {
        case .bool: "bool"
        case .count: "count"
        case .rate: "rate"
        case .number: "number"
        case .choice: "enum"
        case .dates: "dates"
        case .levels: "levels"
        case .counts12: "counts12"
        }
    }
}

/// A value of a fact.
public enum FactValue: Sendable, Equatable {
    case bool(Bool)
    case count(Int)
    case decimal(ExactDecimal)
    case choice(String)
    /// Records; each holds one optional day per field of the fact's type, in field order.
    case dates([[Day?]])
    case levels([String])
    case counts([Int])
}

/// One input an evaluator records for an item.
public struct FactSpec: Sendable, Equatable {
    public var name: String
    /// Chinese label, phrased so that `label：是/否` or `label 3件` reads naturally.
    public var label: String
    /// Counting word for counts (件, 次, 项…).
    public var unit: String
    public var type: FactType
    /// Value used when the fact is absent; nil means the item is pending without it.
    public var defaultValue: FactValue?

    /// - Parameter required: when false, counts default to 0, lists to empty; for other types pass `defaultValue`.
    public init(
        _ name: String, _ type: FactType, label: String, unit: String = "", required: Bool = false,
        defaultValue: FactValue? = nil
    ) {
        self.name = name
        self.type = type
        self.label = label
        self.unit = unit
        if required {
            self.defaultValue = nil
        } else if let defaultValue {
            self.defaultValue = defaultValue
        } else {
            switch type {
            case .count: self.defaultValue = .count(0)
            case .dates: self.defaultValue = .dates([])
            case .levels: self.defaultValue = .levels([])
            case .counts12: self.defaultValue = .counts(Array(repeating: 0, count: 12))
            default: self.defaultValue = nil
            }
        }
    }

    /// True when an absent value makes the item pending.
    public var isRequired: Bool { defaultValue == nil }
}

/// A reference to a fact: by name within the current item, or qualified by an item (or `downgrade`) id.
/// `slot` is filled in when the scheme is compiled.
public struct FactName: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The names live in one shared box so that copying a rule while scoring costs one retain.
    private final class Names: Sendable {
        let group: String?
        let name: String
        init(group: String?, name: String) {
            self.group = group
            self.name = name
        }
    }

    private var names: Names
    public internal(set) var slot: Int = -1

    public init(_ name: String, in group: String? = nil) {
        names = Names(group: group, name: name)
    }

    /// Item (or `downgrade`) id; nil means the current item.
    public var group: String? {
        get { names.group }
        set { names = Names(group: newValue, name: names.name) }
    }

    public var name: String { names.name }

    public var description: String { group.map { "\($0)/\(name)" } ?? name }

    public static func == (lhs: FactName, rhs: FactName) -> Bool { lhs.group == rhs.group && lhs.name == rhs.name }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(group)
        hasher.combine(name)
    }
}

/// A number read from facts.
public enum Measure: Sendable, Equatable {
    case fact(FactName)
    /// Sum of several counts.
    case sum([FactName])
    /// numerator ÷ denominator, `whenZero` if the denominator is 0.
    case ratio(numerator: FactName, denominator: FactName, whenZero: ExactDecimal)
}

/// One end of an interval.
public struct Bound: Sendable, Equatable {
    public var value: ExactDecimal
    public var inclusive: Bool
    public init(_ value: ExactDecimal, inclusive: Bool) {
        self.value = value
        self.inclusive = inclusive
    }
}

/// An interval of values; nil ends are unbounded.
public struct Interval: Sendable, Equatable {
    public var lower: Bound?
    public var upper: Bound?
    public init(lower: Bound? = nil, upper: Bound? = nil) {
        self.lower = lower
        self.upper = upper
    }

    public func contains(_ value: ExactDecimal) -> Bool {
        if let lower, lower.inclusive ? value < lower.value : value <= lower.value { return false }
        if let upper, upper.inclusive ? value > upper.value : value >= upper.value { return false }
        return true
    }

    /// Chinese text in the reading-rule vocabulary: `80%以上`, `低于60%`, `60%—80%`.
    public func text(percent: Bool, unit: String = "") -> String {
        func show(_ value: ExactDecimal) -> String { percent ? value.percentText : value.description + unit }
        switch (lower, upper) {
        case (nil, nil): return "任意"
        case (let lower?, nil): return lower.inclusive ? "\(show(lower.value))以上" : "超过\(show(lower.value))"
        case (nil, let upper?): return upper.inclusive ? "\(show(upper.value))以下" : "低于\(show(upper.value))"
        case (let lower?, let upper?):
            if lower.value == upper.value && lower.inclusive && upper.inclusive { return "等于\(show(lower.value))" }
            switch (lower.inclusive, upper.inclusive) {
            case (true, true): return "\(show(lower.value))—\(show(upper.value))"
            case (true, false): return "\(show(lower.value))以上、低于\(show(upper.value))"
            case (false, true): return "超过\(show(lower.value))、\(show(upper.value))以下"
            case (false, false): return "超过\(show(lower.value))、低于\(show(upper.value))"
            }
        }
    }
}

/// A value band and what it yields (a score, or points added or deducted).
public struct Band: Sendable, Equatable {
    public var interval: Interval
    public var result: ExactDecimal
    public init(_ interval: Interval, _ result: ExactDecimal) {
        self.interval = interval
        self.result = result
    }
}

/// Comparison operators in the reading-rule vocabulary (以上 ≥, 超过 >, 以下 ≤, 低于 <).
public enum Comparison: String, Sendable, Equatable, CaseIterable {
    case above, atLeast, below, atMost, equal

    func holds(_ lhs: ExactDecimal, _ rhs: ExactDecimal) -> Bool {
        switch self {
        case .above: lhs > rhs
        case .atLeast: lhs >= rhs
        case .below: lhs < rhs
        case .atMost: lhs <= rhs
        case .equal: lhs == rhs
        }
    }

    var symbol: String {
        switch self {
        case .above: ">"
        case .atLeast: "≥"
        case .below: "<"
        case .atMost: "≤"
        case .equal: "="
        }
    }
}

/// The right-hand side of a comparison.
public enum Operand: Sendable, Equatable {
    case constant(ExactDecimal)
    /// `factor × fact`, e.g. 1.3 × last year's online cases.
    case scaledFact(FactName, factor: ExactDecimal)
}

/// A condition on facts (or, in downgrade triggers, on the total).
public indirect enum Condition: Sendable, Equatable {
    case isTrue(FactName)
    case isFalse(FactName)
    case compare(Measure, Comparison, Operand)
    case any([Condition])
    case all([Condition])
    /// The unit's total is below the value (downgrade triggers only).
    case totalBelow(ExactDecimal)
}

/// One line of an additive rule: an amount deducted (in `deduct`) or added (in `award`).
public enum Term: Sendable, Equatable {
    /// count × points.
    case perCount(FactName, points: ExactDecimal)
    /// Fixed points when the condition holds.
    case points(ExactDecimal, when: Condition)
    /// The item scores 0 when the condition holds (不得分).
    case zero(when: Condition)
    /// A fraction of the item's maximum when the condition holds (得分减半 → 0.5).
    case fractionOfMax(ExactDecimal, when: Condition)
    /// Points by the band the measure falls in.
    case banded(Measure, [Band])
    /// Date pairs that must be within N working days: points per late record and per record never done.
    case lateDates(
        FactName, from: String, to: String, workingDays: Int, perLate: ExactDecimal, perMissing: ExactDecimal)
    /// Months (of twelve) with fewer than `atLeast`: points per such month.
    case monthsShort(FactName, atLeast: Int, points: ExactDecimal)
    /// Points per occurrence of each level.
    case perLevel(FactName, [String: ExactDecimal])
    /// The fact's number itself (discretionary points).
    case value(FactName)
}

/// A weighted rater group of a year-end evaluation (年终评议).
public struct RaterGroup: Sendable, Equatable {
    /// Fact holding the group's score on a 0…`scale` scale.
    public var fact: FactName
    /// Parameter holding the group's weight.
    public var weightParameter: String
    public init(fact: FactName, weightParameter: String) {
        self.fact = fact
        self.weightParameter = weightParameter
    }
}

/// How an item is scored. Every method the four documents use.
public enum Rule: Sendable, Equatable {
    /// Veto / pass-fail (否决计分法): true → full marks, false → 0.
    case pass(FactName)
    /// Start at full marks and deduct each term (扣完为止: floored at 0).
    case deduct([Term])
    /// Start at 0 and add each term, capped at the maximum.
    case award([Term])
    /// Score by the band the measure falls in.
    case bands(Measure, [Band])
    /// Score by an enum value.
    case choice(FactName, [String: ExactDecimal])
    /// base + (value − baseline) × per, floored at `floor` (no cap when the item may exceed its maximum).
    case linear(FactName, base: ExactDecimal, baseline: ExactDecimal, per: ExactDecimal, floor: ExactDecimal)
    /// At least `atLeast` records and every one done within N working days → full marks, else 0.
    case timely(FactName, from: String, to: String, workingDays: Int, atLeast: Int)
    /// A score entered by the evaluator within [0, max].
    case manual(FactName)
    /// Weighted average of rater groups' scores (0…scale), converted to the item's maximum.
    case raters([RaterGroup], scale: ExactDecimal)
}

/// A check across facts of one item, e.g. on-time complaints ≤ received complaints.
public struct FactConstraint: Sendable, Equatable {
    public var fact: String
    public var atMost: String
    public init(fact: String, atMost: String) {
        self.fact = fact
        self.atMost = atMost
    }
}

/// A scored line of the score sheet.
public struct Item: Sendable, Equatable {
    public var id: String
    public var name: String
    /// The document's wording of what is assessed (考核内容 / 目标要求).
    public var content: String
    /// The document's wording of how it is scored (考核标准 / 评分说明).
    public var standard: String
    /// Evidence the unit is expected to provide (佐证材料).
    public var evidence: String
    public var max: ExactDecimal
    public var facts: [FactSpec]
    public var rule: Rule
    /// Only `changbai-2020-xinxi` items 1-2: the score is not capped at the maximum.
    public var mayExceedMax: Bool
    /// Unit types that see this item; empty = all.
    public var unitTypes: [String]
    public var constraints: [FactConstraint]
    public var note: String

    public init(
        id: String, name: String, content: String = "", standard: String = "", evidence: String = "",
        max: ExactDecimal, facts: [FactSpec], rule: Rule, mayExceedMax: Bool = false, unitTypes: [String] = [],
        constraints: [FactConstraint] = [], note: String = ""
    ) {
        self.id = id
        self.name = name
        self.content = content
        self.standard = standard
        self.evidence = evidence
        self.max = max
        self.facts = facts
        self.rule = rule
        self.mayExceedMax = mayExceedMax
        self.unitTypes = unitTypes
        self.constraints = constraints
        self.note = note
    }
}

/// Whether a category's items make up the base score, a bonus or a penalty.
public enum CategoryKind: String, Sendable, Equatable {
    case base, bonus, penalty
}

/// A section of the score sheet (项目).
public struct Category: Sendable, Equatable {
    public var id: String
    public var name: String
    public var kind: CategoryKind
    /// For bonus and penalty sections: the most points the section can add or take.
    public var cap: ExactDecimal?
    public var items: [Item]

    public init(id: String, name: String, kind: CategoryKind = .base, cap: ExactDecimal? = nil, items: [Item]) {
        self.id = id
        self.name = name
        self.kind = kind
        self.cap = cap
        self.items = items
    }
}

/// One item zeroing others (e.g. 电子监察系统未启动 → 4.2、4.3 不得分).
public struct Effect: Sendable, Equatable {
    public var condition: Condition
    public var zeroItems: [String]
    public var reason: String
    public init(condition: Condition, zeroItems: [String], reason: String) {
        self.condition = condition
        self.zeroItems = zeroItems
        self.reason = reason
    }
}

/// A grade band on the total (优秀 / 合格 / 不合格).
public struct GradeBand: Sendable, Equatable {
    public var interval: Interval
    public var name: String
    public init(_ interval: Interval, _ name: String) {
        self.interval = interval
        self.name = name
    }
}

/// A downgrade trigger (直接降档) and the reason shown when it fires.
public struct DowngradeTrigger: Sendable, Equatable {
    public var condition: Condition
    public var reason: String
    public init(condition: Condition, reason: String) {
        self.condition = condition
        self.reason = reason
    }
}

/// A named number an organizer can set per assessment (weights, annual weight).
public struct Parameter: Sendable, Equatable {
    public var id: String
    public var name: String
    public var defaultValue: ExactDecimal
    public init(id: String, name: String, defaultValue: ExactDecimal) {
        self.id = id
        self.name = name
        self.defaultValue = defaultValue
    }
}

/// A kind of assessed unit that sees its own item set (乡镇, 县直部门…).
public struct UnitType: Sendable, Equatable {
    public var id: String
    public var name: String
    public init(id: String, name: String) {
        self.id = id
        self.name = name
    }
}

/// The id of the pseudo-item holding downgrade facts.
public let downgradeGroupID = "downgrade"
