import KaoheEngine
import KaoheRecords
import Testing

/// Records from rows of `type: [[field: text]]`.
func records(_ rows: [RecordType: [[String: String]]]) throws -> RecordSet {
    var importer = RecordImport(years: 2019...2021)
    for (type, list) in rows {
        for (index, row) in list.enumerated() { try importer.add(row, type: type, row: index + 2) }
    }
    return importer.records
}

let year2020 = day("2020-01-01")...day("2020-12-31")

func derive(_ set: RecordSet, _ derivations: [Derivation], asOf: Day = day("2020-12-31"), units: [String]? = nil)
    -> DerivationResult
{
    Deriver.derive(set, derivations, period: year2020, asOf: asOf, calendar: calendar2020, units: units)
}

@Suite struct DerivationTests {
    @Test func countWithFilterTracesItsRecords() throws {
        let set = try records([
            .case: [
                [
                    "id": "c1", "unit": "u1", "channel": "offline", "accepted": "2020-02-03", "promised_days": "1",
                    "legal_days": "1",
                ],
                [
                    "id": "c2", "unit": "u1", "channel": "online", "accepted": "2020-02-04", "promised_days": "1",
                    "legal_days": "1",
                ],
                [
                    "id": "c3", "unit": "u1", "channel": "offline", "accepted": "2020-12-31", "promised_days": "1",
                    "legal_days": "1",
                ],
                [
                    "id": "c4", "unit": "u1", "channel": "offline", "accepted": "2021-01-04", "promised_days": "1",
                    "legal_days": "1",
                ],
                [
                    "id": "c5", "unit": "u2", "channel": "offline", "accepted": "2019-12-31", "promised_days": "1",
                    "legal_days": "1",
                ],
                [
                    "id": "c6", "unit": "u1", "channel": "offline", "accepted": "2020-06-01", "promised_days": "1",
                    "legal_days": "1",
                ],
            ]
        ])
        let offline = Derivation(
            item: "13", fact: "offline_cases", source: .case,
            condition: RecordCondition(filters: [FieldFilter("channel", "offline")]), measure: .count(except: nil))
        let result = derive(set, [offline], units: ["u1", "u2", "u3"])
        // c1, c3 (accepted on the period's last day), c6; c4 is after the period.
        let u1 = try #require(result.unit("u1")?.fact("13", "offline_cases"))
        #expect(u1.value == .count(3))
        #expect(Set(set.ids(u1)) == ["c1", "c3", "c6"])
        // u2's only case is outside the window; u3 has none: zeros.
        #expect(result.unit("u2")?.fact("13", "offline_cases")?.value == .count(0))
        #expect(result.unit("u3")?.fact("13", "offline_cases")?.value == .count(0))
        // As of 30 June: c1 and c6 only.
        #expect(derive(set, [offline], asOf: day("2020-06-30")).unit("u1")?.facts.first?.value == .count(2))
        // Without `units`: every unit with case records, u2 included.
        #expect(derive(set, [offline]).units.map(\.unit).sorted() == ["u1", "u2"])
    }

    @Test func exceptCountsACaseOnce() throws {
        let set = try records([
            .case: [
                // Past both terms (promised = legal): legal only.
                [
                    "id": "a", "unit": "u", "accepted": "2020-03-02", "finished": "2020-03-10", "promised_days": "2",
                    "legal_days": "2",
                ],
                // Past the promised term only.
                [
                    "id": "b", "unit": "u", "accepted": "2020-03-02", "finished": "2020-03-05", "promised_days": "2",
                    "legal_days": "5",
                ],
                // On time.
                [
                    "id": "c", "unit": "u", "accepted": "2020-03-02", "finished": "2020-03-04", "promised_days": "2",
                    "legal_days": "5",
                ],
            ]
        ])
        let late: Set<DeadlineStatus> = [.late, .overdue]
        let legal = Derivation(
            item: "23", fact: "over_legal", source: .case, condition: RecordCondition(statuses: late),
            deadline: Deadline(.workingDaysField("legal_days"), done: "finished"), measure: .count(except: nil))
        let promised = Derivation(
            item: "23", fact: "over_promised", source: .case, condition: RecordCondition(statuses: late),
            deadline: Deadline(.workingDaysField("promised_days"), done: "finished"),
            measure: .count(except: "over_legal"))
        let unit = try #require(derive(set, [legal, promised]).unit("u"))
        #expect(unit.fact("23", "over_legal")?.value == .count(1))
        #expect(set.ids(unit.fact("23", "over_legal")!) == ["a"])
        #expect(unit.fact("23", "over_promised")?.value == .count(1))
        #expect(set.ids(unit.fact("23", "over_promised")!) == ["b"])
    }

    @Test func rateNotDerivedWhenEmptyAndTracesNumerator() throws {
        let set = try records([
            .inspection: [
                ["id": "i1", "unit": "u1", "matter": "M1", "date": "2020-05-01", "correct": "true"],
                ["id": "i2", "unit": "u1", "matter": "M1", "date": "2020-05-02", "correct": "false"],
                ["id": "i3", "unit": "u1", "matter": "M2", "date": "2020-05-03", "correct": "是"],
            ],
            .matter: [["id": "M9", "unit": "u2", "name": "x", "listed": "2021-03-01"]],
        ])
        let accuracy = Derivation(
            item: "2.2", fact: "accuracy", source: .inspection,
            measure: .rate(numerator: RecordCondition(filters: [FieldFilter("correct", "true")]), whenEmpty: nil))
        let coverage = Derivation(
            item: "2.1", fact: "coverage", source: .matter,
            measure: .coverage(by: .inspection, through: "matter", byCondition: RecordCondition()))
        let result = derive(set, [accuracy, coverage], units: ["u1", "u2"])
        let u1 = try #require(result.unit("u1")?.fact("2.2", "accuracy"))
        #expect(u1.value == .decimal(ExactDecimal("0.666666667")!))
        #expect(Set(set.ids(u1, numerator: true)) == ["i1", "i3"])
        #expect(set.ids(u1).count == 3)
        // u2: no inspection (accuracy not derived) and an empty catalog on A (M9 is listed later): not derived.
        #expect(result.unit("u2")?.facts.isEmpty == true)
        // u1 has no catalog either.
        #expect(result.unit("u1")?.fact("2.1", "coverage") == nil)
    }

    @Test func monthlyMonthsNotYetDueAreNeverShort() throws {
        let dates = ["2020-01-05", "2020-01-20", "2020-03-03", "2020-06-10", "2020-06-30", "2020-07-01"]
        let set = try records([
            .report: dates.enumerated().map { index, date in
                ["id": "r\(index)", "unit": "u", "date": date, "topic": index == 1 ? "government" : "openness"]
            }
        ])
        let monthly = Derivation(
            item: "5", fact: "monthly", source: .report,
            condition: RecordCondition(filters: [FieldFilter("topic", "openness")]),
            measure: .monthly(notDueMinimum: 1))
        // As of 15 June: Jan 1 (r1 is government), Mar 1; June is not yet due (r3 counts, r4 is after A).
        let june = derive(set, [monthly], asOf: day("2020-06-15")).unit("u")?.facts.first?.value
        #expect(june == .counts([1, 0, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1]))
        // As of the year's end every month is due.
        let december = derive(set, [monthly]).unit("u")?.facts.first?.value
        #expect(december == .counts([1, 0, 1, 0, 0, 2, 1, 0, 0, 0, 0, 0]))
    }

    @Test func distinctDatesAndPreviousYear() throws {
        let set = try records([
            .monitorLogin: [
                ["id": "l1", "unit": "u", "date": "2020-03-02", "monitor": "张三"],
                ["id": "l2", "unit": "u", "date": "2020-03-02", "monitor": "李四"],
                ["id": "l3", "unit": "u", "date": "2020-03-03"],
                ["id": "l4", "unit": "u", "date": "2019-03-03"],
            ],
            .case: [
                [
                    "id": "c1", "unit": "u", "channel": "online", "accepted": "2020-03-02", "promised_days": "1",
                    "legal_days": "1",
                ]
            ],
        ])
        let checks = Derivation(item: "22", fact: "checks", source: .monitorLogin, measure: .distinctDates)
        let lastYear = Derivation(
            item: "bonus", fact: "online_cases_last_year", source: .case,
            condition: RecordCondition(filters: [FieldFilter("channel", "online")]), measure: .count(except: nil),
            window: .previousYear)
        let unit = try #require(derive(set, [checks, lastYear]).unit("u"))
        #expect(unit.fact("22", "checks")?.value == .count(2))
        #expect(unit.fact("22", "checks")?.rows.count == 3)
        // No case dated in 2019: not derived.
        #expect(unit.fact("bonus", "online_cases_last_year") == nil)
    }

    @Test func declarationProblems() {
        let unknownField = Derivation(
            item: "1", fact: "x", source: .case, condition: RecordCondition(filters: [FieldFilter("colour", "red")]),
            measure: .count(except: nil))
        #expect(unknownField.problems().first?.contains("colour") == true)
        let badOption = Derivation(
            item: "1", fact: "x", source: .case, condition: RecordCondition(filters: [FieldFilter("channel", "phone")]),
            measure: .count(except: nil))
        #expect(!badOption.problems().isEmpty)
        let statusWithoutDeadline = Derivation(
            item: "1", fact: "x", source: .case, condition: RecordCondition(statuses: [.late]),
            measure: .count(except: nil))
        #expect(!statusWithoutDeadline.problems().isEmpty)
        let pairsWithoutDeadline = Derivation(item: "1", fact: "x", source: .consultation, measure: .pairs)
        #expect(!pairsWithoutDeadline.problems().isEmpty)
        let fine = Derivation(
            item: "1", fact: "x", source: .consultation, deadline: Deadline(.workingDays(3), done: "replied"),
            measure: .pairs)
        #expect(fine.problems().isEmpty)
    }
}
