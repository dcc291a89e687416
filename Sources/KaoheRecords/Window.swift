import KaoheEngine

/// Working-day deadlines in O(1): the ordinal of every day over the calendar's years (and one year after,
/// where deadlines of December events fall), and the day of every working-day ordinal.
public struct WorkingDayIndex: Sendable {
    public let calendar: WorkCalendar
    private let start: Int32
    /// `ordinals[d − start]`: number of working days in [start, d].
    private let ordinals: [Int32]
    /// `workdays[k]`: the (k+1)-th working day from `start`.
    private let workdays: [Int32]

    public init(calendar: WorkCalendar) {
        self.calendar = calendar
        let first = Day(year: calendar.years.lowerBound, month: 1, day: 1) ?? Day(daysSinceEpoch: 0)
        let last = Day(year: calendar.years.upperBound + 1, month: 12, day: 31) ?? first
        start = first.daysSinceEpoch
        var ordinals: [Int32] = []
        var workdays: [Int32] = []
        ordinals.reserveCapacity(Int(last.daysSinceEpoch - start) + 1)
        var count: Int32 = 0
        for offset in start...max(start, last.daysSinceEpoch) {
            if calendar.isWorkingDay(Day(daysSinceEpoch: offset)) {
                count += 1
                workdays.append(offset)
            }
            ordinals.append(count)
        }
        self.ordinals = ordinals
        self.workdays = workdays
    }

    /// The `n`-th working day after `day` (counting starts the day after; `n` = 0 is `day` itself),
    /// as rule 6 of reference-schemes.md reads "within n working days".
    public func deadline(_ n: Int, after day: Day) -> Day {
        Day(daysSinceEpoch: deadline(n, after: day.daysSinceEpoch))
    }

    func deadline(_ n: Int, after day: Int32) -> Int32 {
        if n <= 0 { return day }
        let offset = Int(day - start)
        if offset >= 0 && offset < ordinals.count {
            let target = Int(ordinals[offset]) + n - 1
            if target < workdays.count { return workdays[target] }
        }
        return calendar.workingDay(n, after: Day(daysSinceEpoch: day)).daysSinceEpoch
    }
}

/// Where a record stands against its deadline on the as-of date (records.md, "Window, as-of date and status").
public enum DeadlineStatus: String, Sendable, Equatable, CaseIterable {
    /// Done on or before the deadline.
    case onTime = "on_time"
    /// Done after the deadline.
    case late
    /// Not done, and the deadline is before the as-of date.
    case overdue
    /// Not done, and the deadline is not yet past: left out of every count, rate and list that uses it.
    case open

    /// The status of a record with deadline `deadline` and completion `completion` (nil: not done) on `asOf`;
    /// a completion later than `asOf` is not yet known and counts as not done.
    public static func of(deadline: Day, completion: Day?, asOf: Day) -> DeadlineStatus {
        Raw.status(
            deadline: deadline.daysSinceEpoch, completion: completion?.daysSinceEpoch ?? RecordTable.absent,
            asOf: asOf.daysSinceEpoch)
    }

    enum Raw {
        @inline(__always)
        static func status(deadline: Int32, completion: Int32, asOf: Int32) -> DeadlineStatus {
            if completion != RecordTable.absent && completion <= asOf {
                return completion <= deadline ? .onTime : .late
            }
            return deadline < asOf ? .overdue : .open
        }
    }
}

/// The period of an assessment and the as-of date A of the facts: dated records count when their event date
/// lies in [period start, the earlier of A and the period's end].
public struct DerivationWindow: Sendable, Equatable {
    public var period: ClosedRange<Day>
    public var asOf: Day

    public init(period: ClosedRange<Day>, asOf: Day) {
        self.period = period
        self.asOf = asOf
    }

    /// The calendar year as the period, as of its last day.
    public init?(year: Int) {
        guard let start = Day(year: year, month: 1, day: 1), let end = Day(year: year, month: 12, day: 31) else {
            return nil
        }
        self.init(period: start...end, asOf: end)
    }

    /// The last event date that counts: the earlier of A and the period's end.
    public var lastEventDay: Day { min(asOf, period.upperBound) }

    /// The same window one year earlier ([period start − 1 year, A − 1 year]).
    public var previousYear: DerivationWindow {
        DerivationWindow(
            period: Self.yearEarlier(period.lowerBound)...Self.yearEarlier(period.upperBound),
            asOf: Self.yearEarlier(asOf))
    }

    /// The same date a year earlier; 29 February becomes 28 February.
    static func yearEarlier(_ day: Day) -> Day {
        let (year, month, date) = day.components
        return Day(year: year - 1, month: month, day: date) ?? Day(year: year - 1, month: month, day: date - 1) ?? day
    }
}
