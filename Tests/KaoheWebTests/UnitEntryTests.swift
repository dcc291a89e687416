import Foundation
import Hummingbird
import HummingbirdTesting
import KaoheStorage
import Testing

@testable import KaoheApplication
@testable import KaoheWeb

extension Fixture {
    func entryPath(_ unit: AssessedUnit) -> String { SiteURL.unitEntry(.value(a), .value(unit.id)).path }
}

@Suite("Whole-sheet entry: a unit's every item saved in one go")
struct UnitEntryTests {
    @Test("The sheet shows every item with its version and values; one save writes the changed items only")
    func saveAll() async throws {
        let f = try await openFixture()
        _ = try await f.store.saveFacts(
            assessment: f.a, unit: f.unitA.id, item: "3", json: #"{"late":2,"missing":1}"#, expectedVersion: 0,
            by: .system)
        _ = try await f.store.saveFacts(
            assessment: f.a, unit: f.unitA.id, item: "4", json: #"{"missed_trainings":0}"#, expectedVersion: 0,
            by: .system)
        try await f.test { client in
            let browser = Browser(client)
            try await browser.login("admin")
            let page = try await browser.get(f.entryPath(f.unitA)).text
            #expect(page.contains(#"name="v.3" value="1""#) && page.contains(#"name="i.3.f.late" value="2""#))
            #expect(page.contains(#"name="v.22" value="0""#) && page.contains("保存整表"))
            let stored4 = try await f.stored(f.unitA, "4")
            let response = try await browser.post(
                f.entryPath(f.unitA),
                [
                    ("v.3", "1"), ("i.3.f.late", "1"), ("i.3.f.missing", "1"),
                    ("v.4", "1"), ("i.4.f.missed_trainings", "0"),
                    ("v.22", "0"),
                    ("reason", "整表核查"),
                ])
            #expect(response.status == .seeOther)
            #expect(response.headers[.location]?.contains("done=sheet&n=1") == true)
            #expect(try await f.stored(f.unitA, "3")?.json == #"{"late":1,"missing":1}"#)
            #expect(try await f.stored(f.unitA, "3")?.version == 2)
            // Item 4 had no change and item 22 was left empty: nothing written for either.
            #expect(try await f.stored(f.unitA, "4") == stored4)
            #expect(try await f.stored(f.unitA, "22") == nil)
            let audit = try await f.store.auditLog(entityPrefix: "facts:", limit: 100)
            #expect(audit.filter { $0.reason == "整表核查" }.count == 1)
        }
    }

    @Test("A conflict and a bad value stay on their items with what was typed; the other items are saved")
    func conflictOnOneItem() async throws {
        let f = try await openFixture()
        try await f.test { client in
            let browser = Browser(client)
            try await browser.login("organizer")
            _ = try await browser.get(f.entryPath(f.unitA))
            // Someone else saves item 4 after the sheet was opened.
            _ = try await f.store.saveFacts(
                assessment: f.a, unit: f.unitA.id, item: "4", json: #"{"missed_trainings":5}"#, expectedVersion: 0,
                by: .system)
            let response = try await browser.post(
                f.entryPath(f.unitA),
                [
                    ("v.3", "0"), ("i.3.f.late", "1"), ("i.3.f.missing", "0"),
                    ("v.4", "0"), ("i.4.f.missed_trainings", "2"),
                    ("v.5", "0"), ("i.5.f.incidents", "abc"),
                ])
            #expect(response.status == .conflict)
            #expect(try await f.stored(f.unitA, "3")?.json == #"{"late":1,"missing":0}"#)
            #expect(try await f.stored(f.unitA, "4")?.json == #"{"missed_trainings":5}"#)
            #expect(try await f.stored(f.unitA, "5") == nil)
            let html = response.text
            #expect(html.contains("2 项未保存（见标红的项目），其余 1 项已保存"))
            // Item 4 keeps the typed 2 and now carries the current version, so a second save overwrites knowingly.
            #expect(
                html.contains(#"name="v.4" value="1""#) && html.contains(#"name="i.4.f.missed_trainings" value="2""#))
            #expect(html.contains("保存冲突"))
            // Item 5 names the fact and keeps the typed text.
            #expect(html.contains(#"name="i.5.f.incidents" value="abc""#) && html.contains("“abc”不是有效的数字"))
        }
    }

    @Test("Only the items the evaluator may record are on the sheet; a reporter may not open it")
    func permissions() async throws {
        let f = try await Fixture.opened(evaluatorItems: ["3"])
        try await f.test { client in
            let browser = Browser(client)
            try await browser.login("evaluator")
            let page = try await browser.get(f.entryPath(f.unitA)).text
            #expect(page.contains(#"name="v.3""#) && !page.contains(#"name="v.4""#))
            let refused = try await browser.post(f.entryPath(f.unitA), [("v.4", "0"), ("i.4.f.missed_trainings", "1")])
            #expect(refused.status == .badRequest)
            #expect(try await f.stored(f.unitA, "4") == nil)
            let reporter = Browser(client)
            try await reporter.login("reporter")
            #expect(try await reporter.get(f.entryPath(f.unitA)).status == .forbidden)
        }
    }
}
