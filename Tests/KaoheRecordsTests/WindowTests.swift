import KaoheEngine
import KaoheRecords
import Testing

/// The 2020 arrangements of the State Council notice (Spring Festival extended to 2 February), Qingming,
/// National Day, and New Year 2021.
let calendar2020: WorkCalendar = {
    var entries: [Day: WorkCalendar.Entry] = [:]
    func day(_ text: String) -> Day { Day(iso: text)! }
    entries[day("2020-01-01")] = .holiday("元旦")
    entries[day("2020-01-19")] = .workday("春节调休")
    for d in 24...31 { entries[Day(year: 2020, month: 1, day: d)!] = .holiday("春节") }
    for d in 1...2 { entries[Day(year: 2020, month: 2, day: d)!] = .holiday("春节") }
    for d in 4...6 { entries[Day(year: 2020, month: 4, day: d)!] = .holiday("清明节") }
    entries[day("2020-09-27")] = .workday("国庆节调休")
    for d in 1...8 { entries[Day(year: 2020, month: 10, day: d)!] = .holiday("国庆节、中秋节") }
    entries[day("2020-10-10")] = .workday("国庆节调休")
    for d in 1...3 { entries[Day(year: 2021, month: 1, day: d)!] = .holiday("元旦") }
    return WorkCalendar(years: 2019...2021, entries: entries)
}()

func day(_ text: String) -> Day { Day(iso: text)! }

@Suite struct WorkingDayIndexTests {
    let index = WorkingDayIndex(calendar: calendar2020)

    @Test func nationalDayBoundaries() {
        // Fri 25 Sep: Sun 27 (adjusted working day), Mon 28, Tue 29.
        #expect(index.deadline(3, after: day("2020-09-25")) == day("2020-09-29"))
        // Wed 30 Sep: 1-8 Oct off, Fri 9, Sat 10 (adjusted), Mon 12.
        #expect(index.deadline(1, after: day("2020-09-30")) == day("2020-10-09"))
        #expect(index.deadline(2, after: day("2020-09-30")) == day("2020-10-10"))
        #expect(index.deadline(3, after: day("2020-09-30")) == day("2020-10-12"))
        // N = 0 is the event date itself, even on a holiday.
        #expect(index.deadline(0, after: day("2020-10-03")) == day("2020-10-03"))
    }

    @Test func springFestivalAndYearEnd() {
        // Fri 17 Jan: Sun 19 Jan was a working day.
        #expect(index.deadline(1, after: day("2020-01-17")) == day("2020-01-19"))
        // Thu 23 Jan: 24 Jan – 2 Feb off, Mon 3 Feb.
        #expect(index.deadline(1, after: day("2020-01-23")) == day("2020-02-03"))
        // Qingming: Fri 3 Apr + 1 → Tue 7 Apr (4-6 Apr off).
        #expect(index.deadline(1, after: day("2020-04-03")) == day("2020-04-07"))
        // Wed 30 Dec 2020: Thu 31 (1), 1-3 Jan off, Mon 4 (2), Tue 5 (3).
        #expect(index.deadline(3, after: day("2020-12-30")) == day("2021-01-05"))
        // Past the calendar's years and the index's spare year: weekends only (Fri → Mon, Tue, Wed).
        #expect(index.deadline(3, after: day("2022-12-30")) == day("2023-01-04"))
        // Before the calendar: weekends only.
        #expect(index.deadline(1, after: day("2018-12-28")) == day("2018-12-31"))
    }

    @Test func agreesWithTheCalendarsOwnCount() {
        var current = day("2019-12-01")
        while current <= day("2021-12-31") {
            for n in [0, 1, 3, 7, 20] {
                let expected = n == 0 ? current : calendar2020.workingDay(n, after: current)
                #expect(index.deadline(n, after: current) == expected, "\(current) + \(n)")
            }
            current = current.adding(days: 1)
        }
    }
}

@Suite struct StatusTests {
    @Test func onTimeLateOverdueOpen() {
        let deadline = day("2020-06-10")
        let asOf = day("2020-06-30")
        #expect(DeadlineStatus.of(deadline: deadline, completion: day("2020-06-10"), asOf: asOf) == .onTime)
        #expect(DeadlineStatus.of(deadline: deadline, completion: day("2020-06-11"), asOf: asOf) == .late)
        #expect(DeadlineStatus.of(deadline: deadline, completion: nil, asOf: asOf) == .overdue)
        // Deadline on or after A with no completion: open.
        #expect(DeadlineStatus.of(deadline: asOf, completion: nil, asOf: asOf) == .open)
        #expect(DeadlineStatus.of(deadline: day("2020-07-05"), completion: nil, asOf: asOf) == .open)
    }

    @Test func completionAfterTheAsOfDateIsNotYet() {
        let asOf = day("2020-06-30")
        // Done on 2 July, unknown on 30 June: overdue when the deadline had passed, open otherwise.
        #expect(DeadlineStatus.of(deadline: day("2020-06-10"), completion: day("2020-07-02"), asOf: asOf) == .overdue)
        #expect(DeadlineStatus.of(deadline: day("2020-07-03"), completion: day("2020-07-02"), asOf: asOf) == .open)
    }

    @Test func windowOfAYear() throws {
        let window = try #require(DerivationWindow(year: 2020))
        #expect(window.period == day("2020-01-01")...day("2020-12-31"))
        #expect(window.asOf == day("2020-12-31"))
        let early = DerivationWindow(period: window.period, asOf: day("2020-03-31"))
        #expect(early.lastEventDay == day("2020-03-31"))
        let late = DerivationWindow(period: window.period, asOf: day("2021-02-01"))
        #expect(late.lastEventDay == day("2020-12-31"))
        let leap = DerivationWindow(period: day("2020-01-01")...day("2020-12-31"), asOf: day("2020-02-29"))
        #expect(leap.previousYear.asOf == day("2019-02-28"))
        #expect(leap.previousYear.period == day("2019-01-01")...day("2019-12-31"))
    }
}
