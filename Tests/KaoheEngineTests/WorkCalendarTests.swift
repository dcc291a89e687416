import KaoheEngine
import Testing

@Suite struct WorkCalendarTests {
    /// The 2020 National Day arrangement, as in the State Council notice.
    static let calendar: WorkCalendar = {
        var entries: [Day: WorkCalendar.Entry] = [:]
        for d in 1...8 { entries[Day(year: 2020, month: 10, day: d)!] = .holiday("国庆节、中秋节") }
        entries[Day(year: 2020, month: 9, day: 27)!] = .workday("国庆节调休")
        entries[Day(year: 2020, month: 10, day: 10)!] = .workday("国庆节调休")
        return WorkCalendar(years: 2020...2020, entries: entries)
    }()

    @Test func daysRoundTrip() throws {
        let day = try #require(Day(iso: "2020-02-29"))
        #expect(day.description == "2020-02-29")
        #expect(Day(iso: "2021-02-29") == nil)
        #expect(Day(iso: "2020-13-01") == nil)
        #expect(Day(iso: "2020-1-01") == nil)
        #expect(Day(year: 1970, month: 1, day: 1)?.daysSinceEpoch == 0)
        #expect(Day(iso: "2020-09-27")?.isoWeekday == 7)
        #expect(Day(iso: "2020-09-25")?.isoWeekday == 5)
        #expect(Day(iso: "1969-12-31")?.isoWeekday == 3)
    }

    @Test func adjustedSundayIsAWorkingDay() throws {
        let calendar = Self.calendar
        #expect(calendar.isWorkingDay(Day(iso: "2020-09-27")!))
        #expect(!calendar.isWorkingDay(Day(iso: "2020-09-26")!))
        #expect(!calendar.isWorkingDay(Day(iso: "2020-10-05")!))
        #expect(calendar.isWorkingDay(Day(iso: "2020-10-10")!))
        // Fri 2020-09-25: Sun 27 (on), Mon 28, Tue 29.
        #expect(calendar.workingDay(3, after: Day(iso: "2020-09-25")!).description == "2020-09-29")
        // Wed 2020-09-30: Oct 1-8 off, Fri 9, Sat 10 (on), Mon 12.
        #expect(calendar.workingDay(3, after: Day(iso: "2020-09-30")!).description == "2020-10-12")
        #expect(calendar.workingDays(after: Day(iso: "2020-09-30")!, through: Day(iso: "2020-10-12")!) == 3)
        #expect(calendar.workingDays(after: Day(iso: "2020-10-12")!, through: Day(iso: "2020-09-30")!) == 0)
    }
}
