import KaoheEngine

/// One derivation run: plans resolved against the records, then one pass over each table read.
struct Run {
    let records: RecordSet
    let window: DerivationWindow
    let workingDays: WorkingDayIndex
    /// Record-set unit index → output position (−1: not derived for).
    let outputIndex: [Int32]
    let unitCount: Int
    let trace: Bool
    var plans: [Plan] = []
    /// Per coverage plan: (unit << 32 | text code of the catalog id in the covering table) seen in the window.
    var covered: [Int: Set<Int64>] = [:]

    // Window bounds as days since 1970.
    let first: Int32
    let last: Int32
    let asOf: Int32
    let previousFirst: Int32
    let previousLast: Int32
    let previousAsOf: Int32

    init(
        records: RecordSet, derivations: [Derivation], window: DerivationWindow, workingDays: WorkingDayIndex,
        outputIndex: [Int32], unitCount: Int, trace: Bool
    ) {
        self.records = records
        self.window = window
        self.workingDays = workingDays
        self.outputIndex = outputIndex
        self.unitCount = unitCount
        self.trace = trace
        first = window.period.lowerBound.daysSinceEpoch
        last = window.lastEventDay.daysSinceEpoch
        asOf = window.asOf.daysSinceEpoch
        let previous = window.previousYear
        previousFirst = previous.period.lowerBound.daysSinceEpoch
        previousLast = previous.lastEventDay.daysSinceEpoch
        previousAsOf = previous.asOf.daysSinceEpoch
        let span = max(0, Int(last - first) + 1)
        for derivation in derivations {
            let table = records[derivation.source]
            let type = derivation.source
            var kind = -1
            var days = 0
            var column = -1
            var done = -1
            if let deadline = derivation.deadline {
                done = type.fieldIndex(deadline.done) ?? -1
                switch deadline.limit {
                case .workingDays(let n):
                    kind = 0
                    days = n
                case .workingDaysField(let name):
                    kind = 1
                    column = type.fieldIndex(name) ?? -1
                case .dateField(let name):
                    kind = 2
                    column = type.fieldIndex(name) ?? -1
                }
            }
            var numerator: ResolvedCondition? = nil
            if case .rate(let condition, _) = derivation.measure {
                numerator = ResolvedCondition(condition, table: table)
            }
            let isDistinct = derivation.measure == .distinctDates
            plans.append(
                Plan(
                    derivation: derivation, table: type.ordinal,
                    condition: ResolvedCondition(derivation.condition, table: table), deadlineKind: kind,
                    deadlineDays: days, deadlineColumn: column, doneColumn: done, exceptPlan: nil,
                    numerator: numerator, previous: derivation.window == .previousYear, isCatalog: type.isCatalog,
                    isMatter: type == .matter, kind: Self.kind(derivation.measure),
                    coverageBy: { if case .coverage(let by, _, _) = derivation.measure { by.ordinal } else { -1 } }(),
                    counts: Array(repeating: 0, count: unitCount), numerators: Array(repeating: 0, count: unitCount),
                    rows: Array(repeating: [], count: trace ? unitCount : 0),
                    numeratorRows: Array(repeating: [], count: trace ? unitCount : 0),
                    pairs: Array(repeating: [], count: derivation.measure == .pairs ? unitCount : 0),
                    months: Array(repeating: 0, count: unitCount * 12),
                    days: Array(repeating: false, count: isDistinct ? unitCount * span : 0)))
        }
        for index in plans.indices {
            guard case .count(let except?) = plans[index].derivation.measure else { continue }
            let item = plans[index].derivation.item
            plans[index].exceptPlan = plans.firstIndex {
                $0.derivation.item == item && $0.derivation.fact == except
            }
        }
    }

    static func kind(_ measure: DerivedMeasure) -> Int {
        switch measure {
        case .count: 0
        case .distinctDates: 1
        case .rate: 2
        case .pairs: 3
        case .monthly: 4
        case .coverage: 5
        }
    }

    mutating func execute() {
        for index in plans.indices {
            if case .coverage(let by, let through, let condition) = plans[index].derivation.measure {
                markCoverage(index, by: by, through: through, condition: condition)
            }
        }
        for type in RecordType.allCases {
            let group = plans.indices.filter { plans[$0].table == type.ordinal }
            if !group.isEmpty { pass(records[type], group) }
        }
    }

    /// Marks (unit, catalog id) pairs having a covering record in the window.
    mutating func markCoverage(_ index: Int, by: RecordType, through: String, condition: RecordCondition) {
        let table = records[by]
        guard let column = by.fieldIndex(through), let eventColumn = by.eventField else { return }
        let resolved = ResolvedCondition(condition, table: table)
        let columns = table.columns
        var seen: Set<Int64> = []
        for row in 0..<table.count {
            let event = columns[eventColumn][row]
            guard event >= first && event <= last, resolved.matches(columns, row) else { continue }
            let code = columns[column][row]
            guard code != RecordTable.absent else { continue }
            seen.insert(Int64(table.units[row]) << 32 | Int64(code))
        }
        covered[index] = seen
    }

    /// The status bit of a record taken by the plan, 0 when it has no deadline; nil when not taken
    /// (outside the window, filtered out, open).
    @inline(__always)
    func select(_ plan: Plan, _ columns: [[Int32]], _ row: Int, event: Int32) -> UInt8? {
        if plan.isCatalog {
            if plan.isMatter && !inCatalog(columns, row) { return nil }
        } else if plan.previous {
            if event < previousFirst || event > previousLast { return nil }
        } else if event < first || event > last {
            return nil
        }
        if !plan.condition.matches(columns, row) { return nil }
        guard plan.deadlineKind >= 0 else { return 0 }
        let deadline: Int32
        switch plan.deadlineKind {
        case 0: deadline = workingDays.deadline(plan.deadlineDays, after: event)
        case 1:
            let n = columns[plan.deadlineColumn][row]
            deadline = workingDays.deadline(n == RecordTable.absent ? 0 : Int(n), after: event)
        default: deadline = columns[plan.deadlineColumn][row]
        }
        let status = DeadlineStatus.Raw.status(
            deadline: deadline, completion: columns[plan.doneColumn][row], asOf: plan.previous ? previousAsOf : asOf)
        if status == .open { return nil }
        return ResolvedCondition.bit(status)
    }

    /// A catalog record is in the catalog on A when `listed` is empty or ≤ A and `removed` empty or later than A.
    @inline(__always)
    func inCatalog(_ columns: [[Int32]], _ row: Int) -> Bool {
        let listed = columns[1][row]
        let removed = columns[2][row]
        if listed != RecordTable.absent && listed > asOf { return false }
        if removed != RecordTable.absent && removed <= asOf { return false }
        return true
    }

    /// One pass over a table for every plan that reads it.
    mutating func pass(_ table: RecordTable, _ group: [Int]) {
        let columns = table.columns
        let units = table.units
        let eventColumn = table.type.eventField
        let span = max(0, Int(last - first) + 1)
        for row in 0..<table.count {
            let event = eventColumn.map { columns[$0][row] } ?? 0
            let unit = units[row]
            let out = Int(outputIndex[Int(unit)])
            for index in group {
                guard let bit = select(plans[index], columns, row, event: event) else { continue }
                if plans[index].previous { plans[index].anyInWindow = true }
                guard out >= 0 else { continue }
                if bit != 0 && plans[index].condition.statusMask & bit == 0 {
                    // Taken for a rate's denominator only when the status fits; counts skip it.
                    continue
                }
                let row32 = Int32(row)
                switch plans[index].kind {
                case 0:
                    if let except = plans[index].exceptPlan,
                        let other = select(plans[except], columns, row, event: event),
                        other == 0 || plans[except].condition.statusMask & other != 0
                    {
                        continue
                    }
                    plans[index].counts[out] += 1
                    if trace { plans[index].rows[out].append(row32) }
                case 1:
                    if trace { plans[index].rows[out].append(row32) }
                    let slot = out * span + Int(event - first)
                    if !plans[index].days[slot] {
                        plans[index].days[slot] = true
                        plans[index].counts[out] += 1
                    }
                case 2:
                    plans[index].counts[out] += 1
                    if trace { plans[index].rows[out].append(row32) }
                    if let numerator = plans[index].numerator, numerator.matches(columns, row),
                        bit == 0 || numerator.statusMask & bit != 0
                    {
                        plans[index].numerators[out] += 1
                        if trace { plans[index].numeratorRows[out].append(row32) }
                    }
                case 3:
                    let done = columns[plans[index].doneColumn][row]
                    let shown = bit == ResolvedCondition.bit(.overdue) ? RecordTable.absent : done
                    plans[index].pairs[out].append((event, shown, row32))
                    if trace { plans[index].rows[out].append(row32) }
                case 4:
                    let month = Day(daysSinceEpoch: event).components.month
                    plans[index].months[out * 12 + month - 1] += 1
                    plans[index].counts[out] += 1
                    if trace { plans[index].rows[out].append(row32) }
                default:
                    plans[index].counts[out] += 1
                    if trace { plans[index].rows[out].append(row32) }
                    guard let code = records.tables[plans[index].coverageBy].textCode(table.ids[row]),
                        covered[index]?.contains(Int64(unit) << 32 | Int64(code)) == true
                    else { continue }
                    plans[index].numerators[out] += 1
                    if trace { plans[index].numeratorRows[out].append(row32) }
                }
            }
        }
    }

    /// The derived facts of the unit at output position `unit`, in declaration order.
    func facts(unit: Int) -> [DerivedFact] {
        var facts: [DerivedFact] = []
        for plan in plans {
            let derivation = plan.derivation
            if plan.previous && !plan.anyInWindow { continue }
            let value: FactValue
            switch derivation.measure {
            case .count, .distinctDates:
                value = .count(plan.counts[unit])
            case .rate(_, let whenEmpty):
                if plan.counts[unit] == 0 {
                    guard let whenEmpty else { continue }
                    value = .decimal(whenEmpty)
                } else {
                    value = .decimal(ExactDecimal(plan.numerators[unit]) / ExactDecimal(plan.counts[unit]))
                }
            case .coverage:
                guard plan.counts[unit] > 0 else { continue }
                value = .decimal(ExactDecimal(plan.numerators[unit]) / ExactDecimal(plan.counts[unit]))
            case .pairs:
                let sorted = plan.pairs[unit].sorted { ($0.event, $0.row) < ($1.event, $1.row) }
                value = .dates(
                    sorted.map { pair in
                        [
                            Day(daysSinceEpoch: pair.event),
                            pair.done == RecordTable.absent ? nil : Day(daysSinceEpoch: pair.done),
                        ]
                    })
            case .monthly(let minimum):
                value = .counts(monthlyCounts(plan, unit: unit, minimum: minimum))
            }
            var rows = trace ? plan.rows[unit] : []
            if trace, derivation.measure == .pairs {
                rows = plan.pairs[unit].sorted { ($0.event, $0.row) < ($1.event, $1.row) }.map(\.row)
            }
            facts.append(
                DerivedFact(
                    item: derivation.item, fact: derivation.fact, value: value, recordType: derivation.source,
                    rows: rows, numeratorRows: trace ? plan.numeratorRows[unit] : []))
        }
        return facts
    }

    /// Twelve counts, January to December; months not yet due on A (or outside the period) get at least
    /// `minimum`.
    func monthlyCounts(_ plan: Plan, unit: Int, minimum: Int) -> [Int] {
        let start = window.period.lowerBound.components
        return (1...12).map { month in
            let count = plan.months[unit * 12 + month - 1]
            let year = month >= start.month ? start.year : start.year + 1
            guard let firstDay = Day(year: year, month: month, day: 1),
                let nextMonth = Day(year: month == 12 ? year + 1 : year, month: month % 12 + 1, day: 1)
            else { return count }
            let lastDay = nextMonth.adding(days: -1)
            let due =
                lastDay <= window.asOf && firstDay <= window.period.upperBound
                && lastDay >= window.period.lowerBound
            return due ? count : max(count, minimum)
        }
    }
}
