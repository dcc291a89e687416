import KaoheEngine
import KaoheFormats
import Testing

@Suite struct CalendarFileTests {
    func day(_ s: String) -> Day { Day(iso: s)! }

    @Test func builtInCalendarCoversTheDocumentsYears() {
        #expect(builtInCalendar.years == 2017...2026)
        for year in 2017...2026 {
            // Every year has New Year's Day and National Day off.
            #expect(!builtInCalendar.isWorkingDay(Day(year: year, month: 1, day: 1)!))
            #expect(!builtInCalendar.isWorkingDay(Day(year: year, month: 10, day: 1)!))
        }
    }

    @Test func specExamplesAroundNationalDay2020() {
        #expect(builtInCalendar.isWorkingDay(day("2020-09-27")))
        #expect(builtInCalendar.isWorkingDay(day("2020-10-10")))
        #expect(!builtInCalendar.isWorkingDay(day("2020-10-08")))
        #expect(builtInCalendar.workingDay(3, after: day("2020-09-25")) == day("2020-09-29"))
        #expect(builtInCalendar.workingDay(3, after: day("2020-09-30")) == day("2020-10-12"))
        #expect(builtInCalendar.workingDays(after: day("2020-09-25"), through: day("2020-09-29")) == 3)
    }

    @Test func yearEnds() {
        // 2017-12-30/31 weekend, 2018-01-01 holiday → 3rd working day after Fri 2017-12-29 is Thu 2018-01-04.
        #expect(builtInCalendar.workingDay(3, after: day("2017-12-29")) == day("2018-01-04"))
        // 2019-12-31 (Tue) → Jan 1 off → Jan 2, 3, 6 (Mon).
        #expect(builtInCalendar.workingDay(3, after: day("2019-12-31")) == day("2020-01-06"))
        // 2025-12-31 (Wed): 2026-01-01..03 off, Sun 2026-01-04 is an adjusted working day.
        #expect(builtInCalendar.isWorkingDay(day("2026-01-04")))
        #expect(builtInCalendar.workingDay(1, after: day("2025-12-31")) == day("2026-01-04"))
        #expect(builtInCalendar.workingDay(2, after: day("2025-12-31")) == day("2026-01-05"))
        // 2026 Spring Festival: Feb 15-23 off, Sat Feb 14 and Feb 28 on.
        #expect(builtInCalendar.isWorkingDay(day("2026-02-14")))
        #expect(!builtInCalendar.isWorkingDay(day("2026-02-23")))
        #expect(builtInCalendar.isWorkingDay(day("2026-02-28")))
    }

    @Test func replacementFileIsParsedWithLineErrors() throws {
        let calendar = try CalendarFile.parse(
            "# test\nyears 2030-2030\n2030-10-01 holiday 国庆节\n2030-09-29 workday 调休\n", file: "c.txt")
        #expect(!calendar.isWorkingDay(day("2030-10-01")))
        #expect(calendar.isWorkingDay(day("2030-09-29")))
        #expect(throws: CalendarFileError.self) {
            try CalendarFile.parse("years 2030-2030\n2030-13-01 holiday x\n", file: "c.txt")
        }
        do {
            _ = try CalendarFile.parse("years 2030-2030\n2030-10-01 vacation x\n", file: "c.txt")
            Issue.record("expected an error")
        } catch {
            #expect(error.line == 2)
            #expect(error.description.contains("c.txt:2"))
        }
        #expect(throws: CalendarFileError.self) { try CalendarFile.parse("2030-10-01 holiday x\n", file: "c.txt") }
    }
}
