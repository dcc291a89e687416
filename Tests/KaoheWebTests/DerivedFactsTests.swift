import Foundation
import HummingbirdTesting
import KaoheApplication
import KaoheEngine
import KaoheFormats
import KaoheRecords
import KaoheStorage
import KaoheStorageSQL
import KaoheWeb
import Testing

@Suite("Derived facts on the platform: scoring from records, the records behind a fact, overrides")
struct DerivedFactsTests {
    /// Unit A01's cases, counted by hand for xinbei-sanheyi 2023:
    /// - c1 offline, accepted Wed 03-01, finished 03-02: on time.
    /// - c2 offline, accepted Mon 05-08, finished 05-30; legal term 5 working days → due 05-15: past the legal
    ///   term (counted there only, not also past the promised one).
    /// - c3 online, accepted Thu 06-01, finished Wed 06-07; promised 3 → due Tue 06-06, legal 5 → due Thu 06-08:
    ///   past the promised term only.
    /// Item 13: 2 offline cases × 2 = −4 → 26. Item 23: −3 − 2 → 4.
    static let cases: [[String: String]] = [
        [
            "id": "c1", "unit": "A01", "channel": "offline", "accepted": "2023-03-01", "finished": "2023-03-02",
            "promised_days": "3", "legal_days": "5",
        ],
        [
            "id": "c2", "unit": "A01", "channel": "网下", "accepted": "2023-05-08", "finished": "2023-05-30",
            "promised_days": "3", "legal_days": "5",
        ],
        [
            "id": "c3", "unit": "A01", "channel": "online", "accepted": "2023-06-01", "finished": "2023-06-07",
            "promised_days": "3", "legal_days": "5",
        ],
    ]

    static func importCases(_ fixture: Fixture) async throws {
        var importer = RecordImport(years: try CalendarFile.current().years)
        for (index, row) in cases.enumerated() { try importer.add(row, type: .case, row: index + 2) }
        _ = try await fixture.store.writeRecords(
            RecordCodec.stored(importer.records, type: .case), organization: fixture.org.id, importID: "t1",
            by: .system)
    }

    static func score(_ fixture: Fixture, _ item: String) async throws -> String? {
        try await Operations(fixture.deps).unitScoring(
            fixture.assessment.id.rawValue, unit: fixture.unitA.id.rawValue, for: fixture.users[.organizer]!
        ).itemResult(item)?.score.description
    }

    @Test("Derived facts replace the entered ones in scores; without records the entered facts stand")
    func scoresUseDerivedFacts() async throws {
        let fixture = try await Fixture.opened(evaluatorItems: [nil])
        let a = fixture.assessment.id
        _ = try await fixture.store.saveFacts(
            assessment: a, unit: fixture.unitA.id, item: "13", json: #"{"offline_cases":5}"#, expectedVersion: 0,
            by: .system)
        // Before any record: the entered 5 offline cases → 30 − 10.
        #expect(try await Self.score(fixture, "13") == "20")
        try await Self.importCases(fixture)
        #expect(try await Self.score(fixture, "13") == "26")
        #expect(try await Self.score(fixture, "23") == "4")
        // The results of the whole assessment use them too.
        let scores = try await Operations(fixture.deps).scores(of: try #require(try await fixture.store.assessment(a)))
        let row = try #require(scores.rows.first { $0.unit.id == fixture.unitA.id })
        #expect(row.result.items.first { $0.itemID == "13" }?.score.description == "26")
        await fixture.store.shutdown()
    }

    @Test("The scoring page marks derived facts; the records page lists them with deadlines and exports them")
    func recordsBehindPages() async throws {
        let fixture = try await Fixture.opened(evaluatorItems: [nil])
        try await Self.importCases(fixture)
        let a = fixture.assessment.id, u = fixture.unitA.id
        try await fixture.test { client in
            let browser = Browser(client)
            try await browser.login("evaluator")
            let page = try await browser.get(SiteURL.unitScoring(.value(a), .value(u)).path)
            #expect(page.status == .ok)
            #expect(page.text.contains("平台推算"))
            #expect(
                page.text.contains(
                    SiteURL.recordsBehind(.value(a), .value(u), .value("13"), .value("offline_cases")).path))
            #expect(page.text.contains("网下办件：<b>2件</b>"))

            let legal = try await browser.get(
                SiteURL.recordsBehind(.value(a), .value(u), .value("23"), .value("over_legal")).path)
            #expect(legal.status == .ok)
            #expect(legal.text.contains("<code>c2</code>") && !legal.text.contains("<code>c3</code>"))
            #expect(legal.text.contains("2023-05-15") && legal.text.contains("逾期办结"))
            let promised = try await browser.get(
                SiteURL.recordsBehind(.value(a), .value(u), .value("23"), .value("over_promised")).path)
            #expect(promised.text.contains("<code>c3</code>") && promised.text.contains("2023-06-06"))
            #expect(!promised.text.contains("<code>c2</code>"))
            // Filters: a text that matches nothing leaves no row.
            let offline = SiteURL.recordsBehind(.value(a), .value(u), .value("13"), .value("offline_cases"))
            let filtered = try await browser.get(offline.path(query: [("q", "2023-05")]))
            #expect(filtered.text.contains("<code>c2</code>") && !filtered.text.contains("<code>c1</code>"))
            let csv = try await browser.get(
                SiteURL.recordsBehindCSV(.value(a), .value(u), .value("13"), .value("offline_cases")).path)
            #expect(
                csv.status == .ok && csv.text.contains("记录编号") && csv.text.contains("c1") && csv.text.contains("c2"))
            let xlsx = try await browser.get(
                SiteURL.recordsBehindXLSX(.value(a), .value(u), .value("13"), .value("offline_cases")).path)
            #expect(xlsx.status == .ok && xlsx.body.readableBytes > 100)
            // A fact that is not derived has no records page.
            let manual = try await browser.get(
                SiteURL.recordsBehind(.value(a), .value(u), .value("1"), .value("nope")).path)
            #expect(manual.status == .notFound)
        }
    }

    @Test("An override needs a reason, changes the score, is shown beside the derived value and audited")
    func override() async throws {
        let fixture = try await Fixture.opened(evaluatorItems: [nil])
        try await Self.importCases(fixture)
        let a = fixture.assessment.id, u = fixture.unitA.id
        let url = SiteURL.derivedOverride(.value(a), .value(u), .value("13"), .value("offline_cases")).path
        try await fixture.test { client in
            let browser = Browser(client)
            try await browser.login("evaluator")
            _ = try await browser.get(SiteURL.unitScoring(.value(a), .value(u)).path)
            let noReason = try await browser.post(url, [("f.offline_cases", "1"), ("reason", "")])
            #expect(noReason.status == .badRequest && noReason.text.contains("须填写理由"))
            #expect(try await Self.score(fixture, "13") == "26")
            let done = try await browser.post(url, [("f.offline_cases", "1"), ("reason", "c2为系统故障期间网下补办")])
            #expect(done.status == .seeOther)
            #expect(try await Self.score(fixture, "13") == "28")
            let page = try await browser.get(SiteURL.unitScoring(.value(a), .value(u)).path)
            #expect(page.text.contains("计分采用改动值") && page.text.contains("c2为系统故障期间网下补办"))
            #expect(page.text.contains("网下办件：<b>2件</b>"))
            let entry = try #require(
                try await fixture.store.auditLog(entityPrefix: "facts:\(a)/\(u)/13", limit: 10).last)
            #expect(entry.reason == "c2为系统故障期间网下补办" && entry.newValue == #"{"offline_cases":1}"#)
            _ = try await browser.post(url, [("restore", "1"), ("reason", "核实后恢复")])
            #expect(try await Self.score(fixture, "13") == "26")
        }
    }
}
