import KaoheEngine

/// A condition on one field of a record: `channel = offline`, `adopted = true`, `matter = M01`.
public struct FieldFilter: Sendable, Equatable {
    public var field: String
    /// An option id for choice fields, `true`/`false` for bools, the text or the number otherwise.
    public var value: String

    public init(_ field: String, _ value: String) {
        self.field = field
        self.value = value
    }
}

/// A deadline: N working days after the record's event date (N a constant or a count field), or a date field.
public struct Deadline: Sendable, Equatable {
    public enum Limit: Sendable, Equatable {
        /// The N-th working day after the event date (0: the event date).
        case workingDays(Int)
        /// The N-th working day after the event date, N read from a count field (`legal_days`).
        case workingDaysField(String)
        /// A date field used as it is (`due`, `reply_due`).
        case dateField(String)
    }

    public var limit: Limit
    /// The completion date field (`finished`, `replied`, `closed`…).
    public var done: String

    public init(_ limit: Limit, done: String) {
        self.limit = limit
        self.done = done
    }
}

/// Which records a derivation takes: field filters, and with a deadline, the statuses wanted.
public struct RecordCondition: Sendable, Equatable {
    /// All must hold.
    public var filters: [FieldFilter]
    /// With a deadline: the statuses counted (`open` never is); nil takes every status but `open`.
    public var statuses: Set<DeadlineStatus>?

    public init(filters: [FieldFilter] = [], statuses: Set<DeadlineStatus>? = nil) {
        self.filters = filters
        self.statuses = statuses
    }
}

/// What a derivation computes from the records it takes.
public enum DerivedMeasure: Sendable, Equatable {
    /// Number of records (a `count` fact). `except`: a fact of the same item whose records are not counted
    /// again (xinbei `over_promised` leaves out the cases in `over_legal`).
    case count(except: String?)
    /// Records meeting `numerator` ÷ records taken (a `rate` fact); `whenEmpty` when none is taken,
    /// nil: the fact is not derived then.
    case rate(numerator: RecordCondition, whenEmpty: ExactDecimal?)
    /// (event date, completion date) of each record taken, the completion null when overdue (a `dates` fact of
    /// two fields); needs a deadline, open records are left out.
    case pairs
    /// Records by calendar month of their event date (a `counts12` fact); a month whose last day is after the
    /// as-of date is not yet due and gets at least `notDueMinimum`, so it is never counted short.
    case monthly(notDueMinimum: Int)
    /// Number of distinct event dates with at least one record taken (a `count` fact).
    case distinctDates
    /// Catalog records (on the as-of date) with at least one record of `by` in the window whose field `through`
    /// holds the catalog record's id, for the same unit ÷ catalog records (a `rate` fact); not derived for a
    /// unit whose catalog is empty.
    case coverage(by: RecordType, through: String, byCondition: RecordCondition)
}

/// Which window a derivation counts in.
public enum WindowChoice: String, Sendable, Equatable {
    case current
    /// One year earlier; derived only when the organization has records of the type dated in that window.
    case previousYear = "previous_year"
}

/// How one fact of one item is derived from records (the `derive:` entries of a scheme file).
public struct Derivation: Sendable, Equatable {
    public var item: String
    public var fact: String
    /// The record type taken (for a coverage: the catalog type).
    public var source: RecordType
    public var condition: RecordCondition
    public var deadline: Deadline?
    public var measure: DerivedMeasure
    public var window: WindowChoice

    public init(
        item: String, fact: String, source: RecordType, condition: RecordCondition = RecordCondition(),
        deadline: Deadline? = nil, measure: DerivedMeasure, window: WindowChoice = .current
    ) {
        self.item = item
        self.fact = fact
        self.source = source
        self.condition = condition
        self.deadline = deadline
        self.measure = measure
        self.window = window
    }

    /// The record types read: the source and, for a coverage, the covering type.
    public var recordTypes: [RecordType] {
        if case .coverage(let by, _, _) = measure { return [source, by] }
        return [source]
    }

    /// The fact type the measure yields (`count`, `rate`, `dates`, `counts12`).
    public var factTypeName: String {
        switch measure {
        case .count, .distinctDates: "count"
        case .rate, .coverage: "rate"
        case .pairs: "dates"
        case .monthly: "counts12"
        }
    }

    /// Problems of this declaration against the record types (unknown fields, bad filter values, measures that
    /// need a deadline or a dated type), in Chinese; empty when it is sound. `siblings` are the declarations of
    /// the same item (for `except`).
    public func problems(siblings: [Derivation] = []) -> [String] {
        var problems: [String] = []
        let what = "事实“\(fact)”的派生"
        func checkFilters(_ filters: [FieldFilter], on type: RecordType) {
            for filter in filters {
                guard let index = type.fieldIndex(filter.field) else {
                    problems.append("\(what)：\(type.rawValue) 没有字段“\(filter.field)”（可用：\(Self.fieldList(type))）")
                    continue
                }
                let field = type.fields[index]
                switch field.kind {
                case .bool where !["true", "false"].contains(filter.value):
                    problems.append("\(what)：字段“\(field.id)”是是否型，条件值应为 true 或 false，而不是“\(filter.value)”")
                case .choice(let options) where !options.contains(where: { $0.id == filter.value }):
                    let known = options.map(\.id).joined(separator: "、")
                    problems.append("\(what)：字段“\(field.id)”的条件值“\(filter.value)”不是可选值（\(known)）")
                case .count where Int(filter.value) == nil:
                    problems.append("\(what)：字段“\(field.id)”是次数，条件值应为整数")
                case .date where Day(iso: filter.value) == nil:
                    problems.append("\(what)：字段“\(field.id)”是日期，条件值应为 YYYY-MM-DD")
                default: break
                }
            }
        }
        func checkField(_ name: String, on type: RecordType, kind: String, _ fits: (RecordField.Kind) -> Bool) {
            guard let index = type.fieldIndex(name) else {
                problems.append("\(what)：\(type.rawValue) 没有字段“\(name)”（可用：\(Self.fieldList(type))）")
                return
            }
            if !fits(type.fields[index].kind) { problems.append("\(what)：字段“\(name)”应为\(kind)") }
        }
        checkFilters(condition.filters, on: source)
        if let deadline {
            if source.isCatalog { problems.append("\(what)：\(source.rawValue) 是目录，没有事件日期，不能设期限") }
            switch deadline.limit {
            case .workingDays(let n) where n < 0: problems.append("\(what)：工作日数不能为负")
            case .workingDaysField(let name): checkField(name, on: source, kind: "次数（工作日数）") { $0 == .count }
            case .dateField(let name): checkField(name, on: source, kind: "日期") { $0 == .date }
            default: break
            }
            checkField(deadline.done, on: source, kind: "日期（办结/回复日期）") { $0 == .date }
        }
        let statusesUsed = [condition.statuses] + (measure.numeratorStatuses.map { [$0] } ?? [])
        for statuses in statusesUsed.compactMap({ $0 }) {
            if deadline == nil { problems.append("\(what)：按办理状态筛选须设期限（deadline）") }
            if statuses.contains(.open) { problems.append("\(what)：未到期（open）的记录不计入任何统计") }
        }
        if window == .previousYear && source.isCatalog {
            problems.append("\(what)：\(source.rawValue) 是目录，没有事件日期，不能用上一年的窗口")
        }
        switch measure {
        case .count(let except):
            if let except {
                if let other = siblings.first(where: { $0.fact == except }) {
                    if other.source != source || other.factTypeName != "count" || other.fact == fact {
                        problems.append("\(what)：except 应为本考核项中同一记录类型的另一个计数事实")
                    }
                } else {
                    problems.append("\(what)：except“\(except)”不是本考核项派生的事实")
                }
            }
        case .rate(let numerator, _):
            checkFilters(numerator.filters, on: source)
        case .pairs:
            if deadline == nil { problems.append("\(what)：日期对（pairs）须设期限（deadline）") }
        case .monthly, .distinctDates:
            if source.isCatalog { problems.append("\(what)：\(source.rawValue) 是目录，没有事件日期") }
        case .coverage(let by, let through, let byCondition):
            if !source.isCatalog { problems.append("\(what)：覆盖率的目录类型应为 matter 或 power，而不是 \(source.rawValue)") }
            if by.isCatalog { problems.append("\(what)：覆盖率的记录类型 \(by.rawValue) 应有事件日期") }
            checkField(through, on: by, kind: "文本（目录编号）") { $0 == .text }
            checkFilters(byCondition.filters, on: by)
        }
        return problems
    }

    static func fieldList(_ type: RecordType) -> String { type.fields.map(\.id).joined(separator: "、") }
}

extension DerivedMeasure {
    var numeratorStatuses: Set<DeadlineStatus>? {
        if case .rate(let numerator, _) = self { return numerator.statuses }
        return nil
    }
}
