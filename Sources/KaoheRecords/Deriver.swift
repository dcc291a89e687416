import KaoheEngine

/// One derived fact of one unit, with the records behind it.
public struct DerivedFact: Sendable, Equatable {
    public var item: String
    public var fact: String
    public var value: FactValue
    /// The type of the records in `rows`.
    public var recordType: RecordType
    /// Rows (of `recordType`'s table) behind the value: the records counted or listed; for a rate the
    /// denominator's, for a coverage the catalog's. Empty when derived without tracing.
    public var rows: [Int32]
    /// For a rate or a coverage: the rows of the numerator (a subset of `rows`).
    public var numeratorRows: [Int32]
}

/// The derived facts of one unit. Facts that are "not derived" (records.md) are absent.
public struct UnitFacts: Sendable, Equatable {
    public var unit: String
    public var facts: [DerivedFact]

    /// The derived fact, nil when not derived.
    public func fact(_ item: String, _ name: String) -> DerivedFact? {
        facts.first { $0.item == item && $0.fact == name }
    }
}

/// The facts derived for every unit.
public struct DerivationResult: Sendable {
    public var units: [UnitFacts]

    public init(units: [UnitFacts]) { self.units = units }

    /// The facts of a unit.
    public func unit(_ code: String) -> UnitFacts? { units.first { $0.unit == code } }
}

extension RecordSet {
    /// The ids of the records behind a derived fact (its numerator's when `numerator` is true).
    public func ids(_ fact: DerivedFact, numerator: Bool = false) -> [String] {
        let table = self[fact.recordType]
        return (numerator ? fact.numeratorRows : fact.rows).map { table.ids[Int($0)] }
    }
}

/// Derives facts from records: one pass per record type, deadlines in O(1) from a `WorkingDayIndex`.
public enum Deriver {
    /// Derives the facts of `derivations` for each unit, over the window of `period` as of `asOf`.
    /// - Parameters:
    ///   - units: the units to derive for (a unit without records gets zeros); nil: every unit with records of
    ///     a type the derivations read.
    ///   - trace: keep the rows behind each fact.
    public static func derive(
        _ records: RecordSet, _ derivations: [Derivation], period: ClosedRange<Day>, asOf: Day,
        calendar: WorkCalendar, units: [String]? = nil, trace: Bool = true
    ) -> DerivationResult {
        derive(
            records, derivations, window: DerivationWindow(period: period, asOf: asOf),
            workingDays: WorkingDayIndex(calendar: calendar), units: units, trace: trace)
    }

    /// As above, with a prepared working-day index (reuse it across derivations).
    public static func derive(
        _ records: RecordSet, _ derivations: [Derivation], window: DerivationWindow, workingDays: WorkingDayIndex,
        units: [String]? = nil, trace: Bool = true
    ) -> DerivationResult {
        var outputUnits: [String] = []
        if let units {
            outputUnits = units
        } else {
            let types = Set(derivations.flatMap(\.recordTypes))
            var present = Array(repeating: false, count: records.units.count)
            for type in types {
                for unit in records[type].units { present[Int(unit)] = true }
            }
            outputUnits = records.units.indices.filter { present[$0] }.map { records.units[$0] }
        }
        var outputIndex = Array(repeating: Int32(-1), count: records.units.count)
        for (position, code) in outputUnits.enumerated() {
            if let index = records.unit(code) { outputIndex[Int(index)] = Int32(position) }
        }
        var run = Run(
            records: records, derivations: derivations, window: window, workingDays: workingDays,
            outputIndex: outputIndex, unitCount: outputUnits.count, trace: trace)
        run.execute()
        return DerivationResult(
            units: outputUnits.enumerated().map { position, code in
                UnitFacts(unit: code, facts: run.facts(unit: position))
            })
    }
}

/// A filter resolved to a column and a stored value.
struct ResolvedFilter {
    var column: Int
    var value: Int32
    /// Stored nowhere: a text no record holds.
    static let never = Int32.min + 1
}

struct ResolvedCondition {
    var filters: [ResolvedFilter]
    /// Bit per `DeadlineStatus` case taken (on time 1, late 2, overdue 4).
    var statusMask: UInt8

    init(_ condition: RecordCondition, table: RecordTable) {
        let type = table.type
        filters = condition.filters.compactMap { filter in
            guard let column = type.fieldIndex(filter.field) else { return nil }
            let value: Int32
            switch type.fields[column].kind {
            case .bool: value = filter.value == "true" ? 1 : 0
            case .count: value = Int32(filter.value) ?? ResolvedFilter.never
            case .date: value = Day(iso: filter.value)?.daysSinceEpoch ?? ResolvedFilter.never
            case .choice(let options):
                value = options.firstIndex { $0.id == filter.value }.map(Int32.init) ?? ResolvedFilter.never
            case .text: value = table.textCode(filter.value) ?? ResolvedFilter.never
            }
            return ResolvedFilter(column: column, value: value)
        }
        statusMask = 0
        for status in condition.statuses ?? [.onTime, .late, .overdue] { statusMask |= Self.bit(status) }
    }

    @inline(__always)
    static func bit(_ status: DeadlineStatus) -> UInt8 {
        switch status {
        case .onTime: 1
        case .late: 2
        case .overdue: 4
        case .open: 8
        }
    }

    @inline(__always)
    func matches(_ columns: [[Int32]], _ row: Int) -> Bool {
        for filter in filters where columns[filter.column][row] != filter.value { return false }
        return true
    }
}

/// One derivation resolved against the record set, with its accumulators.
struct Plan {
    let derivation: Derivation
    let table: Int
    let condition: ResolvedCondition
    /// 0: constant working days, 1: working days from a field, 2: a date field; -1: no deadline.
    let deadlineKind: Int
    let deadlineDays: Int
    let deadlineColumn: Int
    let doneColumn: Int
    var exceptPlan: Int?
    var numerator: ResolvedCondition?
    let previous: Bool
    /// The source is a catalog (`matter` checks listed/removed).
    let isCatalog: Bool
    let isMatter: Bool
    /// 0 count, 1 distinct dates, 2 rate, 3 pairs, 4 monthly, 5 coverage.
    let kind: Int
    /// For a coverage: the covering table's ordinal.
    let coverageBy: Int
    var anyInWindow = false
    // Accumulators, by output unit.
    var counts: [Int]
    var numerators: [Int]
    var rows: [[Int32]]
    var numeratorRows: [[Int32]]
    var pairs: [[(event: Int32, done: Int32, row: Int32)]]
    var months: [Int]
    var days: [Bool]
}
