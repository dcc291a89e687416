import Foundation
import Hummingbird
import HummingbirdTesting
import KaoheStorage
import Testing

@testable import KaoheApplication
@testable import KaoheWeb

extension Fixture {
    func gridPath(_ item: String) -> String { SiteURL.itemGrid(.value(a), .value(item)).path }
    func gridRowPath(_ item: String, _ unit: AssessedUnit) -> String {
        SiteURL.itemGridRow(.value(a), .value(item), .value(unit.id)).path
    }
}

@Suite("Grid entry: one item for every unit in one table")
struct ItemGridTests {
    @Test("The grid lists every enrolled unit with its stored values, version, score and explanation")
    func page() async throws {
        let f = try await openFixture()
        _ = try await f.store.saveFacts(
            assessment: f.a, unit: f.unitA.id, item: "3", json: #"{"late":2,"missing":1}"#, expectedVersion: 0,
            by: .system)
        try await f.test { client in
            let browser = Browser(client)
            try await browser.login("admin")
            let html = try await browser.get(f.gridPath("3")).text
            #expect(html.contains("逐项录入：3 "))
            #expect(html.components(separatedBy: "<tr data-unit=").count - 1 == 2)
            #expect(html.contains(#"name="r0.unit" value="\#(f.unitA.id.rawValue)""#))
            #expect(html.contains(#"name="r0.version" value="1""#) && html.contains(#"name="r1.version" value="0""#))
            #expect(html.contains(#"name="r0.f.late" value="2""#) && html.contains(#"name="r0.f.missing" value="1""#))
            // Each unit's score of item 3 as the engine gives it, in its own row.
            let scores = try await Operations(f.deps).scores(of: try #require(try await f.store.assessment(f.a)))
            for (index, unit) in [f.unitA, f.unitB].enumerated() {
                let item = try #require(
                    scores.rows.first { $0.unit.id == unit.id }?.result.items.first { $0.itemID == "3" })
                let row = try #require(
                    html.components(separatedBy: "<tr data-unit=").dropFirst().dropFirst(index).first)
                #expect(row.contains("grid-score\"><span class=\"score\">\(item.score.description)</span>"))
            }
            // A rate is one percentage cell; a list of dates is left to the unit's page.
            let rates = try await browser.get(f.gridPath("24")).text
            #expect(rates.contains(#"name="r0.f.supervision_rate.pct""#))
            let dates = try await browser.get(f.gridPath("21")).text
            #expect(dates.contains("其他事实（在单位评分页录入）") && !dates.contains("r0.f.consultations"))
            // The assessment page links every item's grid.
            let assessment = try await browser.get(SiteURL.assessment(.value(f.a)).path).text
            #expect(assessment.contains("href=\"\(f.gridPath("3"))\""))
        }
    }

    @Test("Saving all rows: a conflict and a bad value stay on their rows, the other rows are saved")
    func saveAll() async throws {
        let f = try await openFixture()
        let unitC = AssessedUnit(organizationID: f.org.id, code: "C01", name: "宝山区", type: .county)
        try await f.store.createUnits([unitC], by: .system)
        try await f.store.enrol([unitC.id], in: f.a, by: .system)
        try await f.test { client in
            let browser = Browser(client)
            try await browser.login("admin")
            _ = try await browser.get(f.gridPath("3"))
            // Someone else saves unit B's item 3 after the grid was opened.
            _ = try await f.store.saveFacts(
                assessment: f.a, unit: f.unitB.id, item: "3", json: #"{"late":9}"#, expectedVersion: 0, by: .system)
            let response = try await browser.post(
                f.gridPath("3"),
                [
                    ("r0.unit", f.unitA.id.rawValue), ("r0.version", "0"), ("r0.f.late", "1"), ("r0.f.missing", "0"),
                    ("r1.unit", f.unitB.id.rawValue), ("r1.version", "0"), ("r1.f.late", "3"),
                    ("r2.unit", unitC.id.rawValue), ("r2.version", "0"), ("r2.f.late", "abc"),
                    ("reason", "逐项核查"),
                ])
            #expect(response.status == .conflict)
            #expect(try await f.stored(f.unitA, "3")?.json == #"{"late":1,"missing":0}"#)
            #expect(try await f.stored(f.unitB, "3")?.json == #"{"late":9}"#)
            #expect(try await f.stored(unitC, "3") == nil)
            let html = response.text
            #expect(html.contains("已保存1行；2行未保存"))
            // What was typed on the two failed rows is still there; unit B's row is saved over version 1 next time.
            #expect(html.contains(#"name="r1.f.late" value="3""#) && html.contains(#"name="r1.version" value="1""#))
            #expect(html.contains(#"name="r2.f.late" value="abc""#))
            #expect(html.contains("冲突：他人已保存第1版"))
            #expect(html.contains("单位“C01 宝山区”") && html.contains("不是有效的数字"))
            // The reason is in the audit log of unit A's save.
            let entries = try await f.store.auditLog(entityPrefix: nil, limit: 50)
            #expect(entries.contains { $0.reason == "逐项核查" })

            // Saved again as shown: unit B overwrites version 1, unit C is fixed; unit A is unchanged.
            let again = try await browser.post(
                f.gridPath("3"),
                [
                    ("r0.unit", f.unitA.id.rawValue), ("r0.version", "1"), ("r0.f.late", "1"), ("r0.f.missing", "0"),
                    ("r1.unit", f.unitB.id.rawValue), ("r1.version", "1"), ("r1.f.late", "3"),
                    ("r2.unit", unitC.id.rawValue), ("r2.version", "0"), ("r2.f.late", "4"),
                ])
            #expect(again.status == .seeOther)
            #expect(again.headers[.location]?.contains("saved=2") == true)
            #expect(try await f.stored(f.unitA, "3")?.version == 1)
            #expect(try await f.stored(f.unitB, "3")?.json == #"{"late":3}"#)
            #expect(try await f.stored(unitC, "3")?.json == #"{"late":4}"#)
        }
    }

    @Test("Many units: pages of the grid, a search, and saving a page returns to it")
    func pages() async throws {
        let f = try await openFixture()
        let more = (1...4).map {
            AssessedUnit(organizationID: f.org.id, code: "P0\($0)", name: "街道\($0)", type: .county)
        }
        try await f.store.createUnits(more, by: .system)
        try await f.store.enrol(more.map(\.id), in: f.a, by: .system)
        let ops = Operations(f.deps)
        let admin = f.users[.admin]!
        func grid(_ parameters: [String: String]) async throws -> ItemGrid {
            try await ops.itemGrid(
                f.a.rawValue, item: "3", list: try ListQuery.parse(parameters, spec: Operations.itemGridListSpec),
                for: admin)
        }
        let all = try await grid([:])
        #expect(all.page.total == 6 && all.rows.map(\.unit.code) == ["A01", "B01", "P01", "P02", "P03", "P04"])
        let second = try await grid(["size": "4", "page": "2"])
        #expect(second.rows.map(\.unit.code) == ["P03", "P04"] && second.page.total == 6 && !second.page.hasNext)
        #expect(second.page.rows == [more[2].id, more[3].id])
        let found = try await grid(["q": "街道2"])
        #expect(found.rows.map(\.unit.code) == ["P02"] && found.page.total == 1)
        await #expect(throws: AppError.self) { try await grid(["size": "201"]) }
        try await f.test { client in
            let browser = Browser(client)
            try await browser.login("admin")
            // One page: no search box or pager (the keyboard starts in the table).
            let whole = try await browser.get(f.gridPath("3")).text
            #expect(!whole.contains("查找单位") && whole.contains("6 个单位"))
            let path = SiteURL.itemGrid(.value(f.a), .value("3")).path(query: [("size", "4"), ("page", "2")])
            let html = try await browser.get(path).text
            #expect(html.components(separatedBy: "<tr data-unit=").count - 1 == 2)
            #expect(html.contains("查找单位") && html.contains("第 2 / 2 页，共 6 条"))
            #expect(html.contains(#"action="/assessments/\#(f.a.rawValue)/items/3/grid?size=4&amp;page=2""#))
            let saved = try await browser.post(
                path, [("r0.unit", more[2].id.rawValue), ("r0.version", "0"), ("r0.f.late", "1")])
            #expect(saved.status == .seeOther)
            #expect(saved.headers[.location]?.contains("size=4&page=2&saved=1") == true)
            #expect(try await f.stored(more[2], "3")?.json.contains(#""late":1"#) == true)
        }
    }

    @Test("One row saved from the page's script answers with the new score and explanation")
    func rowJSON() async throws {
        let f = try await openFixture()
        try await f.test { client in
            let browser = Browser(client)
            try await browser.login("admin")
            _ = try await browser.get(f.gridPath("3"))
            let saved = try await browser.post(
                f.gridRowPath("3", f.unitA), [("version", "0"), ("f.late", "2"), ("f.missing", "1")])
            #expect(saved.status == .ok)
            let answer = try #require(try saved.json() as? [String: Any])
            #expect(answer["status"] as? String == "saved" && answer["version"] as? Int == 1)
            let scores = try await Operations(f.deps).scores(of: try #require(try await f.store.assessment(f.a)))
            let item = try #require(
                scores.rows.first { $0.unit.id == f.unitA.id }?.result.items.first { $0.itemID == "3" })
            #expect(answer["score"] as? String == item.score.description)
            #expect((answer["explanation"] as? String)?.isEmpty == false)
            // The same version again: a conflict, nothing written.
            let stale = try await browser.post(f.gridRowPath("3", f.unitA), [("version", "0"), ("f.late", "5")])
            #expect(stale.status == .conflict)
            #expect((try stale.json() as? [String: Any])?["status"] as? String == "conflict")
            #expect(try await f.stored(f.unitA, "3")?.json == #"{"late":2,"missing":1}"#)
            let bad = try await browser.post(f.gridRowPath("3", f.unitA), [("version", "1"), ("f.late", "-1")])
            #expect(bad.status == .badRequest)
        }
    }

    @Test("An evaluator's grid has only the units assigned to them; a reporter has none")
    func evaluatorScope() async throws {
        let f = try await openFixture()
        let evaluator = try #require(f.users[.evaluator])
        try await f.store.assign(
            EvaluatorAssignment(assessmentID: f.a, userID: evaluator.id, unitID: f.unitB.id, itemID: "3"), by: .system)
        try await f.test { client in
            let browser = Browser(client)
            try await browser.login(evaluator.username)
            let html = try await browser.get(f.gridPath("3")).text
            #expect(html.components(separatedBy: "<tr data-unit=").count - 1 == 1)
            #expect(html.contains(#"name="r0.unit" value="\#(f.unitB.id.rawValue)""#))
            let other = try await browser.get(f.gridPath("4")).text
            #expect(other.contains("没有可录入本项目的单位"))
            let refused = try await browser.post(
                f.gridRowPath("3", f.unitA), [("version", "0"), ("f.late", "1")])
            #expect(refused.status == .notFound)
            #expect(try await f.stored(f.unitA, "3") == nil)
        }
    }
}
