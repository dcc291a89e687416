/// A calendar date without time zone, stored as days since 1970-01-01.
public struct Day: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var daysSinceEpoch: Int32

    public init(daysSinceEpoch: Int32) { self.daysSinceEpoch = daysSinceEpoch }

    /// Creates a day from a proleptic Gregorian date; nil when the date does not exist.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= Day.daysInMonth(year: year, month: month) else {
            return nil
        }
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        self.daysSinceEpoch = Int32(era * 146097 + doe - 719468)
    }

    /// Parses `YYYY-MM-DD`.
    public init?(iso text: some StringProtocol) {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                let byte = bytes[index]
                guard byte >= 48 && byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10) else { return nil }
        self.init(year: year, month: month, day: day)
    }

    /// (year, month, day) of this date.
    public var components: (year: Int, month: Int, day: Int) {
        let z = Int(daysSinceEpoch) + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    public var year: Int { components.year }

    /// 1 = Monday … 7 = Sunday.
    public var isoWeekday: Int {
        let d = Int(daysSinceEpoch)
        // 1970-01-01 was a Thursday (4).
        return ((d % 7 + 7) % 7 + 3) % 7 + 1
    }

    public var isWeekend: Bool { isoWeekday >= 6 }

    public func adding(days: Int) -> Day { Day(daysSinceEpoch: daysSinceEpoch + Int32(days)) }

    /// `YYYY-MM-DD`.
    public var description: String {
        let (y, m, d) = components
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
    }

    public static func < (lhs: Day, rhs: Day) -> Bool { lhs.daysSinceEpoch < rhs.daysSinceEpoch }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

/// The official working-day calendar: weekends and public holidays are off,
/// adjusted working days (调休, a weekend day declared a working day) are on.
///
/// The data comes from outside the engine (a data file), so it can be updated without a rebuild.
public struct WorkCalendar: Sendable {
    /// Kind of a day listed in the calendar data.
    public enum Entry: Sendable, Equatable {
        case holiday(String)
        case workday(String)
    }

    /// Years for which the calendar data is authoritative.
    public let years: ClosedRange<Int>
    private let entries: [Day: Entry]
    /// Working-day flags for every day of the covered years, for fast look-ups.
    private let flags: [Bool]
    private let flagsStart: Int32

    /// - Parameters:
    ///   - years: the years the data covers completely.
    ///   - entries: holidays and adjusted working days.
    public init(years: ClosedRange<Int>, entries: [Day: Entry]) {
        self.years = years
        self.entries = entries
        let start = Day(year: years.lowerBound, month: 1, day: 1) ?? Day(daysSinceEpoch: 0)
        let end = Day(year: years.upperBound, month: 12, day: 31) ?? start
        flagsStart = start.daysSinceEpoch
        flags = (start.daysSinceEpoch...max(start.daysSinceEpoch, end.daysSinceEpoch)).map { offset in
            let day = Day(daysSinceEpoch: offset)
            switch entries[day] {
            case .holiday: return false
            case .workday: return true
            case nil: return !day.isWeekend
            }
        }
    }

    /// Whether the calendar covers the year of `day`.
    public func covers(_ day: Day) -> Bool { years.contains(day.year) }

    /// The calendar entry for `day` (a named holiday or an adjusted working day), if any.
    public func entry(for day: Day) -> Entry? { entries[day] }

    /// True when `day` is a working day.
    public func isWorkingDay(_ day: Day) -> Bool {
        let offset = Int(day.daysSinceEpoch - flagsStart)
        if offset >= 0 && offset < flags.count { return flags[offset] }
        switch entries[day] {
        case .holiday: return false
        case .workday: return true
        case nil: return !day.isWeekend
        }
    }

    /// The `n`-th working day after `day` (counting starts the day after; n ≥ 1).
    public func workingDay(_ n: Int, after day: Day) -> Day {
        var current = day
        var remaining = n
        while remaining > 0 {
            current = current.adding(days: 1)
            if isWorkingDay(current) { remaining -= 1 }
        }
        return current
    }

    /// Number of working days in the interval (`start`, `end`]: the days after `start` up to and including `end`.
    /// Zero when `end` ≤ `start`.
    public func workingDays(after start: Day, through end: Day) -> Int {
        guard end > start else { return 0 }
        var count = 0
        var current = start
        while current < end {
            current = current.adding(days: 1)
            if isWorkingDay(current) { count += 1 }
        }
        return count
    }
}
