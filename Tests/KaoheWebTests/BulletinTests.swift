import Foundation
import Hummingbird
import HummingbirdTesting
import KaoheEngine
import KaoheRecords
import KaoheStorage
import Testing

@testable import KaoheApplication
@testable import KaoheWeb

/// Three units of the fixture's Xinbei assessment (2023) with a few cases in January to March and one in
/// December. Item 13 deducts 2 per offline case (max 30); item 23 deducts 3 per case past its legal term (a case
/// past its legal term is not also counted past its promised term); the bonus adds 2 when there is any online case
/// (no case of 2022, so last year's count stays 0). Items 22 (checks, required) and 24 (two rates, required) stay
/// pending and count 0 — except unit A's item 22, entered as 250 checks (no deduction): a manual fact as it stands.
/// So a unit starts at 100 − 2 − 2 = 96 (A: 98).
///
/// | case | unit | channel | accepted | finished | promised / legal | |
/// |---|---|---|---|---|---|---|
/// | a1 | A01 | offline | 01-05 | 01-06 | 5 / 10 | |
/// | a2 | A01 | offline | 02-10 | 02-13 | 5 / 10 | |
/// | a3 | A01 | online | 03-01 | 03-02 | 5 / 10 | |
/// | a4 | A01 | offline | 12-20 | 12-21 | 5 / 10 | |
/// | b1 | B01 | online | 01-09 | 01-10 | 5 / 10 | |
/// | b2 | B01 | online | 02-01 (Wed) | — | 1 / 2 | legal term 02-03: overdue from February on |
/// | b3 | B01 | offline | 03-06 | 03-07 | 5 / 10 | |
/// | c1 | C01 | offline | 01-03 | 01-04 | 5 / 10 | |
/// | c2 | C01 | offline | 01-16 | 01-17 | 5 / 10 | |
/// | c3 | C01 | online | 03-15 (Wed) | 04-20 | 5 / 10 | legal term 03-29: overdue on 03-31 (04-20 not yet known), late in the year |
///
/// As of 01-31: A 98 − 2 = 96, B 96 + 2 = 98, C 96 − 4 = 92 → B 1, A 2, C 3.
/// As of 02-28: A 98 − 4 = 94, B 96 − 3 + 2 = 95, C 92 → B 1, A 2, C 3.
/// As of 03-31: A 98 − 4 + 2 = 96, B 96 − 2 − 3 + 2 = 93, C 96 − 4 − 3 + 2 = 91 → A 1 (▲1), B 2 (▼1), C 3.
struct BulletinWorld {
    let f: Fixture
    let unitC: AssessedUnit
    var a: AssessmentID { f.assessment.id }
    var organizer: User { f.users[.organizer]! }
    var operations: Operations { Operations(f.deps) }

    static let cases:
        [(
            id: String, unit: String, channel: String, accepted: String, finished: String, promised: Int,
            legal: Int
        )] = [
            ("a1", "A01", "offline", "2023-01-05", "2023-01-06", 5, 10),
            ("a2", "A01", "offline", "2023-02-10", "2023-02-13", 5, 10),
            ("a3", "A01", "online", "2023-03-01", "2023-03-02", 5, 10),
            ("a4", "A01", "offline", "2023-12-20", "2023-12-21", 5, 10),
            ("b1", "B01", "online", "2023-01-09", "2023-01-10", 5, 10),
            ("b2", "B01", "online", "2023-02-01", "", 1, 2),
            ("b3", "B01", "offline", "2023-03-06", "2023-03-07", 5, 10),
            ("c1", "C01", "offline", "2023-01-03", "2023-01-04", 5, 10),
            ("c2", "C01", "offline", "2023-01-16", "2023-01-17", 5, 10),
            ("c3", "C01", "online", "2023-03-15", "2023-04-20", 5, 10),
        ]

    static func make(backend: String = "sqlite") async throws -> BulletinWorld {
        let f = try await Fixture.make(backend: backend)
        let unitC = AssessedUnit(organizationID: f.org.id, code: "C01", name: "宝山区", type: .county)
        try await f.store.createUnits([unitC], by: .system)
        try await f.store.enrol([f.unitB.id, unitC.id], in: f.assessment.id, by: .system)
        _ = try await f.store.transition(f.assessment.id, to: .open, by: .system)
        _ = try await f.store.saveFacts(
            assessment: f.assessment.id, unit: f.unitA.id, item: "22", json: #"{"checks":250}"#, expectedVersion: 0,
            by: .system)
        let records = cases.map {
            StoredRecord(
                type: "case", id: $0.id, unitCode: $0.unit,
                fields: RecordFields.join([
                    "", $0.channel, $0.accepted, $0.finished, String($0.promised), String($0.legal), "false", "false",
                    "false",
                ]))
        }
        let counts = try await f.store.writeRecords(records, organization: f.org.id, importID: "t", by: .system)
        #expect(counts.new == cases.count)
        return BulletinWorld(f: f, unitC: unitC)
    }

    func draft(_ period: String, rules: BulletinRules = BulletinRules()) async throws -> BulletinDocument {
        try await operations.bulletinDraft(
            a.rawValue, BulletinRequest(period: try #require(BulletinPeriod(period)), rules: rules), for: organizer)
    }

    func publish(_ period: String) async throws -> StoredBulletin {
        try await operations.publishBulletin(
            a.rawValue, BulletinRequest(period: try #require(BulletinPeriod(period))), by: organizer)
    }
}

extension BulletinDocument {
    func unit(_ code: String) -> BulletinUnit? { units.first { $0.code == code } }

    /// The (period, year-to-date) values of one indicator of one unit.
    func figures(_ code: String, _ item: String, _ fact: String) -> (String?, String?)? {
        guard let column = indicators.firstIndex(where: { $0.item == item && $0.fact == fact }),
            let unit = unit(code), column < unit.figures.count
        else { return nil }
        return (unit.figures[column].current?.value, unit.figures[column].ytd?.value)
    }

    var ranking: [String] { units.map { "\($0.code) \($0.rank) \($0.total)" } }
}

@Suite("Monthly bulletins (月度通报)")
struct BulletinTests {
    @Test(
        "March against a hand computation: month and year-to-date counts, provisional scores, ranks and flags",
        arguments: Fixture.backends)
    func march(_ backend: String) async throws {
        let w = try await BulletinWorld.make(backend: backend)
        let march = try await w.draft("2023-03")
        #expect(march.draft && march.number == 1 && march.title == "2023年第1期（2023年3月）")
        #expect(march.periodStart == "2023-03-01" && march.periodEnd == "2023-03-31" && march.asOf == "2023-03-31")
        #expect(march.yearStart == "2023-01-01" && march.previous == nil)
        #expect(march.ranking == ["A01 1 96", "B01 2 93", "C01 3 91"])
        // Item 13 (offline), 23 (past the legal and the promised term) and the bonus's online cases.
        #expect(march.figures("A01", "13", "offline_cases")! == ("0", "2"))
        #expect(march.figures("B01", "13", "offline_cases")! == ("1", "1"))
        #expect(march.figures("C01", "13", "offline_cases")! == ("0", "2"))
        #expect(march.figures("A01", "23", "over_legal")! == ("0", "0"))
        #expect(march.figures("B01", "23", "over_legal")! == ("0", "1"))
        #expect(march.figures("C01", "23", "over_legal")! == ("1", "1"))
        for code in ["A01", "B01", "C01"] { #expect(march.figures(code, "23", "over_promised")! == ("0", "0")) }
        #expect(march.figures("A01", "bonus", "online_cases")! == ("1", "1"))
        #expect(march.figures("B01", "bonus", "online_cases")! == ("0", "2"))
        #expect(march.figures("C01", "bonus", "online_cases")! == ("1", "1"))
        let c = try #require(march.unit("C01"))
        #expect(c.deductions.map { "\($0.item):\($0.points)" } == ["13:4", "23:3"])
        #expect(c.pending == ["22", "24"] && w.f.assessment.year == 2023)
        // Flags by default: the overdue cases (b2 unfinished; c3 finished only in April), deductions of 2 or more.
        #expect(march.unit("A01")!.flags.map(\.kind) == ["deduction"])
        #expect(march.unit("B01")!.flags.map(\.kind) == ["overdue", "deduction", "deduction"])
        #expect(march.unit("B01")!.flags[0].records == ["case:b2"])
        #expect(march.unit("C01")!.flags[0].records == ["case:c3"])
        #expect(march.unit("C01")!.flags.map(\.text).contains("23 全过程监控扣3分"))
        // Other rules: a deduction of 4 or more, a score below 95, no overdue flag.
        let strict = try await w.draft(
            "2023-03", rules: BulletinRules(overdue: false, deductionAtLeast: "4", scoreBelow: "95"))
        #expect(strict.unit("A01")!.flags.map(\.text) == ["13 权力事项网上运行扣4分"])
        #expect(strict.unit("B01")!.flags.map(\.kind) == ["low_score"])
        #expect(strict.unit("C01")!.flags.map(\.kind) == ["deduction", "low_score"])

        // The first quarter: its own figures are January to March, the same as the year to date.
        let quarter = try await w.draft("2023-Q1")
        #expect(quarter.title == "2023年第1期（2023年第一季度）" && quarter.ownLabel == "本季度")
        #expect(quarter.figures("A01", "13", "offline_cases")! == ("2", "2"))
        #expect(quarter.figures("B01", "bonus", "online_cases")! == ("2", "2"))
        #expect(quarter.ranking == march.ranking)
        await w.f.store.shutdown()
    }

    @Test(
        "Published bulletins are numbered 1, 2, 3 and each ranks against the previous one", arguments: Fixture.backends)
    func rankChange(_ backend: String) async throws {
        let w = try await BulletinWorld.make(backend: backend)
        let published = [
            try await w.publish("2023-01"), try await w.publish("2023-02"), try await w.publish("2023-03"),
        ]
        #expect(published.map(\.number) == [1, 2, 3])
        #expect(published.map(\.title) == ["2023年第1期（2023年1月）", "2023年第2期（2023年2月）", "2023年第3期（2023年3月）"])
        #expect(published.map(\.asOf) == ["2023-01-31", "2023-02-28", "2023-03-31"])
        let stored = try await w.f.store.bulletins(assessment: w.a)
        let documents = try stored.map { try BulletinDocument.read($0.body) }
        #expect(documents.map(\.draft) == [false, false, false])
        #expect(documents[0].ranking == ["B01 1 98", "A01 2 96", "C01 3 92"])
        #expect(documents[1].ranking == ["B01 1 95", "A01 2 94", "C01 3 92"])
        #expect(documents[2].ranking == ["A01 1 96", "B01 2 93", "C01 3 91"])
        #expect(documents[0].units.map(\.rankChange) == [nil, nil, nil])
        #expect(documents[1].previous?.number == 1 && documents[1].units.map(\.rankChange) == [0, 0, 0])
        #expect(documents[2].previous?.number == 2)
        #expect(
            documents[2].units.map { "\($0.code) \($0.previousRank ?? 0) \($0.rankChange ?? 99)" } == [
                "A01 2 1", "B01 1 -1", "C01 3 0",
            ])
        // The February bulletin's year-to-date figures as of its day: b2 overdue, nothing known of March.
        #expect(documents[1].figures("B01", "23", "over_legal")! == ("1", "1"))
        #expect(documents[1].figures("C01", "bonus", "online_cases")! == ("0", "0"))
        // A draft for April compares with March; one for February again with January (the latest before it).
        #expect(try await w.draft("2023-04").previous?.number == 3)
        #expect(try await w.draft("2023-02").previous?.number == 1)
        #expect(try await w.draft("2023-04").number == 4)
        // Published bodies do not change when the records do.
        _ = try await w.f.store.writeRecords(
            [
                StoredRecord(
                    type: "case", id: "a9", unitCode: "A01",
                    fields: RecordFields.join([
                        "", "offline", "2023-03-20", "2023-03-21", "5", "10", "false", "false", "false",
                    ]))
            ],
            organization: w.f.org.id, importID: "t2", by: .system)
        #expect(try await w.f.store.bulletins(assessment: w.a).map(\.body) == stored.map(\.body))
        #expect(try await w.draft("2023-03").unit("A01")?.total == "94")
        await w.f.store.shutdown()
    }

    @Test("December's year-to-date figures are the annual derived facts", arguments: Fixture.backends)
    func december(_ backend: String) async throws {
        let w = try await BulletinWorld.make(backend: backend)
        let december = try await w.draft("2023-12")
        let annual = try #require(try await w.operations.derivations(of: w.f.assessment))
        #expect(annual.window.asOf == Day("2023-12-31") && december.asOf == "2023-12-31")
        #expect(december.indicators.count == annual.derivations.count && december.indicators.count >= 7)
        var compared = 0
        for unit in december.units {
            let facts = try #require(annual.facts(of: unit.code))
            for (indicator, figures) in zip(december.indicators, unit.figures) {
                let fact = facts.fact(indicator.item, indicator.fact)
                #expect(figures.ytd == fact.map { BulletinBuilder.figure($0, unit: indicator.unit) })
                compared += 1
            }
        }
        #expect(compared == 3 * december.indicators.count)
        // By hand: a4 is December's only case; c3 was finished late, b2 never.
        #expect(december.figures("A01", "13", "offline_cases")! == ("1", "3"))
        #expect(december.figures("B01", "23", "over_legal")! == ("0", "1"))
        #expect(december.figures("C01", "23", "over_legal")! == ("0", "1"))
        // The provisional scores as of 31 December are the results' scores.
        let results = try await w.operations.scores(of: w.f.assessment)
        #expect(
            december.ranking.sorted()
                == results.rows.map { "\($0.unit.code) \($0.result.rank) \($0.result.total)" }.sorted())
        #expect(december.unit("A01")?.total == "94")
        await w.f.store.shutdown()
    }

    @Test("Period and flag rules are read with Chinese errors")
    func requests() throws {
        let today = Day("2023-11-14")!
        let parsed = try BulletinRequest.parse(
            period: nil, overdue: nil, deduction: nil, below: nil, year: 2023, today: today)
        #expect(parsed.period.text == "2023-11" && parsed.rules == BulletinRules())
        #expect(BulletinRequest.defaultPeriod(year: 2022, today: today).text == "2022-12")
        #expect(BulletinRequest.defaultPeriod(year: 2024, today: today).text == "2024-01")
        let custom = try BulletinRequest.parse(
            period: "2023-q2", overdue: "0", deduction: "1.5", below: "", year: 2023, today: today)
        #expect(custom.period.label == "2023年第二季度" && custom.period.range == Day("2023-04-01")!...Day("2023-06-30")!)
        #expect(custom.rules == BulletinRules(overdue: false, deductionAtLeast: "1.5", scoreBelow: nil))
        #expect(BulletinPeriod("2024-02")!.last == Day("2024-02-29")! && BulletinPeriod("2023-2")?.text == "2023-02")
        for bad in ["2023-13", "2023-Q5", "2023", "三月", "2023-00"] { #expect(BulletinPeriod(bad) == nil, "\(bad)") }
        #expect(throws: AppError.invalid("通报期间“2023-13”无效，应为“年-月”（如 2023-03）或“年-季度”（如 2023-Q1）")) {
            try BulletinRequest.parse(
                period: "2023-13", overdue: nil, deduction: nil, below: nil, year: 2023, today: today)
        }
        #expect(throws: AppError.invalid("通报期间“2022-03”不在考核年度（2023年）内")) {
            try BulletinRequest.parse(
                period: "2022-03", overdue: nil, deduction: nil, below: nil, year: 2023, today: today)
        }
        #expect(throws: AppError.self) {
            try BulletinRequest.parse(period: nil, overdue: nil, deduction: "0", below: nil, year: 2023, today: today)
        }
    }
}
