import Foundation
import Hummingbird
import HummingbirdTesting
import KaoheEngine
import KaoheFormats
import KaoheStorage
import KaoheTestSupport
import Testing

@testable import KaoheApplication
@testable import KaoheWeb

/// The HTML of one item's section on the scoring page.
func itemSection(_ html: String, _ item: String) -> String {
    guard let start = html.range(of: "<section class=\"item\" id=\"item-\(item)\">") else { return "" }
    let rest = html[start.upperBound...]
    return String(rest[..<(rest.range(of: "</section>")?.lowerBound ?? rest.endIndex)])
}

/// What `kaohe score --pretty` prints for a facts document: the built command run on a file holding it.
func cliResults(_ document: String) throws -> [UInt8] {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("kaohe-facts-\(UUID().uuidString).json")
    try Data(document.utf8).write(to: file)
    defer { try? FileManager.default.removeItem(at: file) }
    let output = try KaoheBinary.run(["score", "--pretty", file.path])
    guard output.status == 0, !output.stdoutBytes.isEmpty else {
        throw CLIScoreFailure(status: output.status, message: output.stderr)
    }
    return output.stdoutBytes
}

/// `kaohe score` exited with an error or printed nothing.
struct CLIScoreFailure: Error, CustomStringConvertible {
    var status: Int32
    var message: String
    var description: String { "kaohe score exited \(status): \(message)" }
}

@Suite("Evaluators per item, audit per unit and item, parameters, ranking groups")
struct AssessmentSettingsTests {
    @Test("The organizer picks a unit and an item from lists; the evaluator may edit only that item")
    func assignmentByItem() async throws {
        let f = try await openFixture()
        let c = AssessedUnit(organizationID: f.org.id, code: "C01", name: "未参加单位", type: .county)
        try await f.store.createUnits([c], by: .system)
        try await f.test { client in
            let organizer = Browser(client)
            try await organizer.login("organizer")
            let page = try await organizer.get(SiteURL.assessment(.value(f.a)).path).text
            #expect(page.contains(#"<select name="item_id"><option value="" selected>全部项目</option>"#))
            #expect(page.contains(#"<option value="13">13 权力事项网上运行</option>"#))
            #expect(page.contains(#"<option value="\#(f.unitA.id.rawValue)">A01 尖山区</option>"#))
            let evaluator = f.users[.evaluator]!.id.rawValue
            let path = SiteURL.assessmentAssignments(.value(f.a)).path
            let badItem = try await organizer.post(path, [("user_id", evaluator), ("item_id", "gk1")])
            #expect(badItem.status == .badRequest)
            #expect(badItem.text.contains("方案“xinbei-sanheyi”中没有考核项“gk1”"))
            let notEnrolled = try await organizer.post(path, [("user_id", evaluator), ("unit_id", c.id.rawValue)])
            #expect(notEnrolled.status == .badRequest)
            #expect(notEnrolled.text.contains("没有参加本考核"))
            let assigned = try await organizer.post(
                path, [("user_id", evaluator), ("unit_id", f.unitA.id.rawValue), ("item_id", "13")])
            #expect(assigned.status == .seeOther)
            let shown = try await organizer.get(SiteURL.assessment(.value(f.a)).path).text
            #expect(shown.contains("<td>评分人</td><td>A01 尖山区</td><td>13 权力事项网上运行</td>"))
            let stored = try await f.store.assignments(of: f.a)
            #expect(stored.map(\.itemID) == ["13"] && stored.map(\.unitID) == [f.unitA.id])

            let browser = Browser(client)
            try await browser.login("evaluator")
            let scoring = try await browser.get(f.scoringPath(f.unitA)).text
            #expect(scoring.components(separatedBy: "class=\"card facts\"").count - 1 == 1)
            #expect(scoring.contains("action=\"\(f.itemPath(f.unitA, "13"))\""))
            #expect(itemSection(scoring, "22").contains("<table class=\"facts\">"))
            #expect(!itemSection(scoring, "22").contains("<form"))
            let other = try await browser.get(f.scoringPath(f.unitB)).text
            #expect(!other.contains("class=\"card facts\""))
            let refused = try await browser.post(f.itemPath(f.unitA, "22"), [("version", "0"), ("f.checks", "180")])
            #expect(refused.status == .forbidden)
            let saved = try await browser.post(f.itemPath(f.unitA, "13"), [("version", "0"), ("f.offline_cases", "2")])
            #expect(saved.status == .seeOther)
            #expect(try await f.stored(f.unitA, "13")?.json == #"{"offline_cases":2}"#)
        }
    }

    @Test("A scoring form is checked by the engine across facts too: a reply dated before its consultation is refused")
    func formEngineChecks() async throws {
        let f = try await openFixture()
        try await f.test { client in
            let browser = Browser(client)
            try await browser.login("organizer")
            let refused = try await browser.post(
                f.itemPath(f.unitA, "21"),
                [
                    ("version", "0"), ("f.consultations.received", "2023-05-08"),
                    ("f.consultations.replied", "2023-05-04"),
                ])
            #expect(refused.status == .badRequest)
            #expect(refused.text.contains("考核项“21 "))
            #expect(refused.text.contains("早于"))
            #expect(refused.text.contains("value=\"2023-05-08\""))
            #expect(try await f.stored(f.unitA, "21") == nil)
        }
    }

    @Test(
        "Each item shows its change history; the unit's audit page lists all its changes, only to those who see the unit"
    )
    func auditPerUnitAndItem() async throws {
        let f = try await openFixture()
        try await f.store.extendDeadline(
            DeadlineExtension(
                assessmentID: f.a, unitID: f.unitA.id, deadline: Day("2024-01-31")!, reason: "系统故障顺延",
                createdBy: nil, createdAt: f.clock.now),
            by: .system)
        try await f.test { client in
            let organizer = Browser(client)
            try await organizer.login("organizer")
            for (version, count, reason) in [("0", "2", "首次录入"), ("1", "3", "复核更正")] {
                let response = try await organizer.post(
                    f.itemPath(f.unitA, "13"), [("version", version), ("f.offline_cases", count), ("reason", reason)])
                #expect(response.status == .seeOther)
            }
            let finding = try await organizer.post(
                SiteURL.unitFindings(.value(f.a), .value(f.unitA.id)).path,
                [("item", "3"), ("fact", "late"), ("date", "2023-03-01"), ("note", "三月材料迟报")])
            #expect(finding.status == .seeOther)
            try await organizer.post(
                f.itemPath(f.unitB, "13"), [("version", "0"), ("f.offline_cases", "9"), ("reason", "岭东区的录入")])

            let page = try await organizer.get(f.scoringPath(f.unitA)).text
            let item13 = itemSection(page, "13")
            #expect(item13.contains("修改记录（2条）"))
            #expect(item13.contains("首次录入") && item13.contains("复核更正") && item13.contains("考核组织者"))
            #expect(
                item13.contains(
                    "<code>{&quot;offline_cases&quot;:2}</code> → <code>{&quot;offline_cases&quot;:3}</code>"))
            #expect(item13.range(of: "复核更正")!.lowerBound < item13.range(of: "首次录入")!.lowerBound)
            #expect(!item13.contains("岭东区的录入"))
            let item3 = itemSection(page, "3")
            #expect(item3.contains("修改记录（2条）") && item3.contains("问题记录") && item3.contains("三月材料迟报"))
            #expect(itemSection(page, "22").contains("修改记录：暂无"))
            #expect(page.contains(SiteURL.unitAudit(.value(f.a), .value(f.unitA.id)).path))

            let auditPath = SiteURL.unitAudit(.value(f.a), .value(f.unitA.id)).path
            let audit = try await organizer.get(auditPath)
            #expect(audit.status == .ok)
            for text in ["13 权力事项网上运行", "3 材料报送", "复核更正", "三月材料迟报", "（整个单位）", "系统故障顺延", "延期"] {
                #expect(audit.text.contains(text), "\(text)")
            }
            #expect(!audit.text.contains("岭东区的录入"))

            let reporter = Browser(client)
            try await reporter.login("reporter")
            #expect(try await reporter.get(auditPath).status == .ok)
            let otherUnit = try await reporter.get(SiteURL.unitAudit(.value(f.a), .value(f.unitB.id)).path)
            #expect(otherUnit.status == .notFound && !otherUnit.text.contains("岭东区的录入"))
            let leader = Browser(client)
            try await leader.login("leader")
            #expect(try await leader.get(auditPath).text.contains("复核更正"))
        }
    }

    @Test(
        "The store reads a unit's entries in one query: its own and its items', not those of a unit with a longer id",
        arguments: Fixture.backends)
    func auditScope(backend: String) async throws {
        let f = try await Fixture.make(backend: backend)
        let u1 = AssessedUnit(id: UnitID("u1"), organizationID: f.org.id, code: "U1", name: "一", type: .other)
        let u10 = AssessedUnit(id: UnitID("u10"), organizationID: f.org.id, code: "U10", name: "十", type: .other)
        try await f.store.createUnits([u1, u10], by: .system)
        try await f.store.enrol([u1.id, u10.id], in: f.assessment.id, by: .system)
        _ = try await f.store.transition(f.assessment.id, to: .open, by: .system)
        for (unit, item) in [(u1, "3"), (u10, "3"), (u1, "13")] {
            _ = try await f.store.saveFacts(
                assessment: f.assessment.id, unit: unit.id, item: item, json: "{}", expectedVersion: 0, by: .system)
        }
        let entries = try await f.store.auditLog(scope: "\(f.assessment.id)/u1", limit: 10)
        #expect(entries.map(\.entity) == ["facts:\(f.assessment.id)/u1/3", "facts:\(f.assessment.id)/u1/13"])
        let newest = try await f.store.auditLog(scope: "\(f.assessment.id)/u1", limit: 1)
        #expect(newest.map(\.entity) == ["facts:\(f.assessment.id)/u1/13"])
        #expect(try await f.store.auditLog(scope: "\(f.assessment.id)/u_", limit: 10).isEmpty)
        await f.store.shutdown()
    }

    @Test("Parameters set on the assessment page change the results exactly as kaohe score's parameters do")
    func parameters() async throws {
        let f = try await Fixture.make()
        let assessment = Assessment(
            organizationID: f.org.id, schemeID: "shuangyashan-2017", year: 2017, title: "2017年度互联网+政务服务考核")
        try await f.store.createAssessment(assessment, by: .system)
        try await f.store.enrol([f.unitA.id, f.unitB.id], in: assessment.id, by: .system)
        _ = try await f.store.transition(assessment.id, to: .open, by: .system)
        let a = assessment.id
        let units = """
            [{"id": "A01", "name": "尖山区", "facts": {"1.1": {"has_agency": true, "has_staff": true, "has_mechanism": true},
               "1.3": {"missing_documents": 0}, "2.3": {"on_schedule": true}}},
             {"id": "B01", "name": "岭东区", "facts": {"1.3": {"missing_documents": 1}}}]
            """
        let document = #"{"scheme": "shuangyashan-2017", "units": \#(units)}"#
        let withWeight = #"{"scheme": "shuangyashan-2017", "parameters": {"annual_weight": 30}, "units": \#(units)}"#
        try await f.test { client in
            let api = try await APIClient.login(client, "organizer")
            #expect(try await api.call(.post, .api(.factsImport(.value(a))), raw: document).status == .ok)
            let before = try await api.call(.get, .api(.results(.value(a))))
            #expect(Array(before.text.utf8) == (try cliResults(document)))

            let browser = Browser(client)
            try await browser.login("organizer")
            let page = try await browser.get(SiteURL.assessment(.value(a)).path).text
            #expect(page.contains("本项考核在年度目标考核中所占分值（<code>annual_weight</code>，默认 100）"))
            #expect(page.contains(#"name="p.annual_weight""#))
            let path = SiteURL.assessmentParameters(.value(a)).path
            let letters = try await browser.post(path, [("p.annual_weight", "abc")])
            #expect(letters.status == .badRequest)
            #expect(letters.text.contains("参数“本项考核在年度目标考核中所占分值”（annual_weight）的值“abc”不是有效的数字"))
            let negative = try await browser.post(path, [("p.annual_weight", "-5")])
            #expect(negative.text.contains("参数“本项考核在年度目标考核中所占分值”（annual_weight）不能为负数"))
            #expect(try await f.store.assessment(a)?.parameters == nil)
            let saved = try await browser.post(path, [("p.annual_weight", "30"), ("reason", "按市委考核办通知")])
            #expect(saved.status == .seeOther)
            #expect(try await f.store.assessment(a)?.parameters == #"{"annual_weight":30}"#)
            let after = try await api.call(.get, .api(.results(.value(a))))
            #expect(Array(after.text.utf8) == (try cliResults(withWeight)))
            #expect(after.text != before.text)
            func annual(_ response: TestResponse) throws -> Double {
                let json = try #require(try response.json() as? [String: Any])
                let a01 = try #require((json["units"] as? [[String: Any]])?.first { $0["id"] as? String == "A01" })
                return try #require(a01["annual"] as? Double)
            }
            #expect(try annual(before) > 0)
            #expect(abs(try annual(after) - (try annual(before)) * 0.3) < 1e-9)
            let shown = try await browser.get(SiteURL.assessment(.value(a)).path).text
            #expect(shown.contains(#"name="p.annual_weight" inputmode="decimal" value="30""#))
            let audit = try await f.store.auditLog(entityPrefix: "assessment:\(a)", limit: 100)
            #expect(audit.last?.action == "parameters" && audit.last?.reason == "按市委考核办通知")

            let leader = Browser(client)
            try await leader.login("leader")
            let readOnly = try await leader.get(SiteURL.assessment(.value(a)).path).text
            #expect(readOnly.contains("本考核设定（默认 100）") && !readOnly.contains(#"name="p.annual_weight""#))

            let unknown = try await api.call(.put, .api(.assessmentParameters(.value(a))), raw: #"{"nope": 1}"#)
            #expect(unknown.status == .badRequest)
            #expect(unknown.errorMessage == "方案“shuangyashan-2017”没有参数“nope”（可用：annual_weight）")
            let reset = try await api.call(
                .put, .api(.assessmentParameters(.value(a))), raw: #"{"annual_weight": null}"#)
            #expect(reset.status == .ok)
            #expect(try await f.store.assessment(a)?.parameters == nil)
            #expect(try await api.call(.get, .api(.results(.value(a)))).text == before.text)
        }
    }

    @Test("With scheme unit types each type is ranked on its own, as kaohe score does")
    func rankingPerSchemeUnitType() async throws {
        let f = try await Fixture.make()
        let t1 = AssessedUnit(organizationID: f.org.id, code: "T1", name: "八道沟镇", type: .township)
        let t2 = AssessedUnit(organizationID: f.org.id, code: "T2", name: "十四道沟镇", type: .township)
        let d1 = AssessedUnit(organizationID: f.org.id, code: "D1", name: "县财政局", type: .districtDepartment)
        try await f.store.createUnits([t1, t2, d1], by: .system)
        let assessment = Assessment(
            organizationID: f.org.id, schemeID: "changbai-2020-xinyong", year: 2020, title: "2020年度信用体系建设考核")
        try await f.store.createAssessment(assessment, by: .system)
        try await f.store.enrol([t1.id, t2.id, d1.id], in: assessment.id, by: .system)
        _ = try await f.store.transition(assessment.id, to: .open, by: .system)
        let units = """
            [{"id": "T1", "name": "八道沟镇", "type": "township", "facts": {"1.1": {"score": 20}}},
             {"id": "T2", "name": "十四道沟镇", "type": "township", "facts": {"1.1": {"score": 10}}},
             {"id": "D1", "name": "县财政局", "type": "department", "facts": {"2.1": {"score": 5}}}]
            """
        try await f.test { client in
            let api = try await APIClient.login(client, "organizer")
            let imported = try await api.call(
                .post, .api(.factsImport(.value(assessment.id))),
                raw: #"{"scheme": "changbai-2020-xinyong", "units": \#(units)}"#)
            #expect(imported.status == .ok, "\(imported.text)")
            let results = try await api.call(.get, .api(.results(.value(assessment.id))))
            let json = try #require(try results.json() as? [String: Any])
            let ranks = Dictionary(
                uniqueKeysWithValues: (json["units"] as? [[String: Any]] ?? []).map {
                    ($0["id"] as? String ?? "", $0["rank"] as? Int ?? 0)
                })
            #expect(ranks == ["T1": 1, "T2": 2, "D1": 1])
            let cli = try #require(
                try JSONSerialization.jsonObject(
                    with: Data(try cliResults(#"{"scheme": "changbai-2020-xinyong", "units": \#(units)}"#)))
                    as? [String: Any])
            let cliRanks = Dictionary(
                uniqueKeysWithValues: (cli["units"] as? [[String: Any]] ?? []).map {
                    ($0["id"] as? String ?? "", $0["rank"] as? Int ?? 0)
                })
            #expect(cliRanks == ranks)
            let browser = Browser(client)
            try await browser.login("leader")
            let html = try await browser.get(SiteURL.results(.value(assessment.id)).path).text
            #expect(html.contains("<h2>乡镇（2个单位）</h2>") && html.contains("<h2>县直部门（1个单位）</h2>"))
        }
    }
}
