import KaoheEngine
import KaoheRecords
import Testing

@Suite struct DeadlineStatusTests {
    let index = WorkingDayIndex(calendar: calendar2020)

    @Test func statusOfOneRecordAgainstItsDerivationsDeadline() throws {
        // Fri 25 Sep 2020, legal term 3 working days: Sun 27 (adjusted), Mon 28, Tue 29 → due 29 Sep.
        let set = try records([
            .case: [
                [
                    "id": "on-time", "unit": "u1", "accepted": "2020-09-25", "finished": "2020-09-29",
                    "promised_days": "1", "legal_days": "3",
                ],
                [
                    "id": "late", "unit": "u1", "accepted": "2020-09-25", "finished": "2020-09-30",
                    "promised_days": "1", "legal_days": "3",
                ],
                ["id": "not-done", "unit": "u1", "accepted": "2020-09-25", "promised_days": "1", "legal_days": "3"],
                [
                    "id": "done-later", "unit": "u1", "accepted": "2020-09-25", "finished": "2020-11-02",
                    "promised_days": "1", "legal_days": "3",
                ],
            ],
            .supervision: [
                [
                    "id": "s1", "unit": "u1", "issued": "2020-03-02", "due": "2020-03-10", "reply_due": "2020-03-05",
                    "replied": "2020-03-05",
                ]
            ],
        ])
        let legal = Derivation(
            item: "23", fact: "over_legal", source: .case,
            condition: RecordCondition(statuses: [.late, .overdue]),
            deadline: Deadline(.workingDaysField("legal_days"), done: "finished"), measure: .count(except: nil))
        let table = set[.case]
        func status(_ id: String, asOf: String) -> DeadlineStatus? {
            legal.deadlineStatus(
                row: table.row(of: id)!, in: table, window: DerivationWindow(period: year2020, asOf: day(asOf)),
                workingDays: index)
        }
        #expect(status("on-time", asOf: "2020-12-31") == .onTime)
        #expect(status("late", asOf: "2020-12-31") == .late)
        #expect(status("not-done", asOf: "2020-09-29") == .open)
        #expect(status("not-done", asOf: "2020-09-30") == .overdue)
        // A completion after the as-of date is not yet known.
        #expect(status("done-later", asOf: "2020-10-31") == .overdue)
        #expect(status("done-later", asOf: "2020-12-31") == .late)
        // A deadline given as a date; no deadline at all.
        let feedback = Derivation(
            item: "24", fact: "feedback_rate", source: .supervision,
            deadline: Deadline(.dateField("reply_due"), done: "replied"),
            measure: .rate(numerator: RecordCondition(statuses: [.onTime]), whenEmpty: 1))
        let notices = set[.supervision]
        #expect(
            feedback.deadlineStatus(
                row: 0, in: notices, window: DerivationWindow(period: year2020, asOf: day("2020-12-31")),
                workingDays: index) == .onTime)
        let offline = Derivation(item: "13", fact: "offline_cases", source: .case, measure: .count(except: nil))
        #expect(
            offline.deadlineStatus(
                row: 0, in: table, window: DerivationWindow(period: year2020, asOf: day("2020-12-31")),
                workingDays: index) == nil)
    }
}
