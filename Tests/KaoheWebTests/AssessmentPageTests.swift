import Foundation
import Hummingbird
import HummingbirdTesting
import KaoheStorage
import Testing

@testable import KaoheApplication
@testable import KaoheWeb

@Suite("Assessments: create, enrol, assign, life cycle, lock")
struct AssessmentPageTests {
    @Test("An organizer runs an assessment from creation to final; final refuses every change")
    func lifeCycle() async throws {
        let fixture = try await Fixture.make()
        try await fixture.test { client in
            let browser = Browser(client)
            try await browser.login("organizer")
            let badScheme = try await browser.post(
                SiteURL.assessments.path,
                [("organization_id", fixture.org.id.rawValue), ("scheme_id", "nope"), ("year", "2022")])
            #expect(badScheme.status == .notFound)
            #expect(badScheme.text.contains("考核方案“nope”，可用：pingqiao-2022"))
            let badYear = try await browser.post(
                SiteURL.assessments.path,
                [("organization_id", fixture.org.id.rawValue), ("scheme_id", "pingqiao-2022"), ("year", "22")])
            #expect(badYear.text.contains("考核年度“22”无效"))
            let created = try await browser.post(
                SiteURL.assessments.path,
                [("organization_id", fixture.org.id.rawValue), ("scheme_id", "pingqiao-2022"), ("year", "2022")])
            #expect(created.status == .seeOther)
            let location = try #require(created.headers[.location])
            let page = try await browser.get(location)
            #expect(page.text.contains("考核已创建"))
            #expect(page.text.contains("2022年度 平桥区“互联网+监管”工作绩效考核办法"))
            #expect(page.text.contains("<li class=\"current\">草稿</li>"))
            let id = try #require(try await fixture.store.assessments().first { $0.schemeID == "pingqiao-2022" }?.id)

            let byType = try await browser.post(
                SiteURL.assessmentEnrolments(.value(id)).path, [("unit_type", "county")])
            #expect(byType.status == .seeOther)
            #expect(
                Set(try await fixture.store.enrolments(of: id).map(\.unitID)) == [fixture.unitA.id, fixture.unitB.id])
            let nothing = try await browser.post(SiteURL.assessmentEnrolments(.value(id)).path, [("unit_type", "")])
            #expect(nothing.text.contains("请选择要参加考核的单位"))
            let assign = try await browser.post(
                SiteURL.assessmentAssignments(.value(id)).path,
                [
                    ("user_id", fixture.users[.evaluator]!.id.rawValue), ("unit_id", fixture.unitA.id.rawValue),
                    ("item_id", "2.1"),
                ])
            #expect(assign.status == .seeOther)
            let notEvaluator = try await browser.post(
                SiteURL.assessmentAssignments(.value(id)).path, [("user_id", fixture.users[.leader]!.id.rawValue)])
            #expect(notEvaluator.status == .badRequest)
            #expect(notEvaluator.text.contains("没有评分人角色"))
            #expect(try await browser.get(SiteURL.assessment(.value(id)).path).text.contains("评分人</td>"))

            let skip = try await browser.post(SiteURL.assessmentState(.value(id)).path, [("state", "final")])
            #expect(skip.status == .conflict)
            #expect(skip.text.contains("考核状态不能从“草稿”变为“定稿”"))
            for state in ["open", "scoring", "publicity", "final"] {
                let response = try await browser.post(
                    SiteURL.assessmentState(.value(id)).path, [("state", state), ("reason", "按计划")])
                #expect(response.status == .seeOther, "\(state)")
            }
            let final = try await browser.get(SiteURL.assessment(.value(id)).path)
            #expect(final.text.contains("已定稿锁定"))
            #expect(!final.text.contains("变更状态"))
            let locked = try await browser.post(
                SiteURL.assessmentEnrolments(.value(id)).path, [("unit_ids", fixture.unitA.id.rawValue)])
            #expect(locked.status == .conflict)
            #expect(locked.text.contains("已定稿锁定，不能再修改"))
            let back = try await browser.post(SiteURL.assessmentState(.value(id)).path, [("state", "scoring")])
            #expect(back.status == .conflict)
            let audit = try await fixture.store.auditLog(entityPrefix: "assessment:\(id)", limit: 100)
            #expect(audit.filter { $0.action == "state" }.map(\.reason) == Array(repeating: "按计划", count: 4))
        }
    }

    @Test("Reporters see only assessments of their own unit, and only their unit in them")
    func reporterScope() async throws {
        let fixture = try await Fixture.make()
        let other = Assessment(organizationID: fixture.org.id, schemeID: "pingqiao-2022", year: 2022, title: "只有岭东区参加")
        try await fixture.store.createAssessment(other, by: .system)
        try await fixture.store.enrol([fixture.unitB.id], in: other.id, by: .system)
        try await fixture.store.enrol([fixture.unitB.id], in: fixture.assessment.id, by: .system)
        try await fixture.test { client in
            let browser = Browser(client)
            try await browser.login("reporter")
            let list = try await browser.get(SiteURL.assessments.path)
            #expect(list.text.contains(fixture.assessment.title))
            #expect(!list.text.contains("只有岭东区参加"))
            let detail = try await browser.get(SiteURL.assessment(.value(fixture.assessment.id)).path)
            #expect(detail.text.contains("尖山区") && !detail.text.contains("岭东区"))
            #expect(!detail.text.contains("分配评分人"))
            #expect(try await browser.get(SiteURL.assessment(.value(other.id)).path).status == .notFound)
            let api = try await APIClient.login(client, "reporter")
            #expect(try await api.call(.get, .api(.assessment(.value(other.id)))).status == .notFound)
            let mine = try #require(
                try await api.call(.get, .api(.assessment(.value(fixture.assessment.id)))).json() as? [String: Any])
            #expect((mine["units"] as? [[String: Any]])?.compactMap { $0["code"] as? String } == ["A01"])
            #expect((try await api.call(.get, .api(.assessments)).json() as? [[String: Any]])?.count == 1)
            // A leader reads everything, changes nothing.
            let leader = try await APIClient.login(client, "leader")
            #expect((try await leader.call(.get, .api(.assessments)).json() as? [[String: Any]])?.count == 2)
            #expect(
                try await leader.call(.post, .api(.assessmentState(.value(other.id))), json: #"{"state":"open"}"#)
                    .status == .forbidden)
        }
    }

    @Test("The API drives the same life cycle with Chinese errors")
    func api() async throws {
        let fixture = try await Fixture.make()
        try await fixture.test { client in
            let api = try await APIClient.login(client, "admin")
            let created = try await api.call(
                .post, .api(.assessments),
                json: #"{"organizationID":"\#(fixture.org.id)","schemeID":"shuangyashan-2017","year":2017}"#)
            #expect(created.status == .created)
            let id = try #require((try created.json() as? [String: Any])?["id"] as? String)
            let enrolled = try await api.call(
                .post, .api(.assessmentEnrolments(.value(AssessmentID(id)))), json: #"{"unitType":"县区"}"#)
            #expect((try enrolled.json() as? [String: Any])?["enrolled"] as? Int == 2)
            let badState = try await api.call(
                .post, .api(.assessmentState(.value(AssessmentID(id)))), json: #"{"state":"done"}"#)
            #expect(badState.errorMessage == "未知的考核状态“done”，可用：draft、open、scoring、publicity、final")
            let open = try await api.call(
                .post, .api(.assessmentState(.value(AssessmentID(id)))), json: #"{"state":"open","reason":"启动"}"#)
            #expect((try open.json() as? [String: Any])?["state"] as? String == "open")
            let missing = try await api.call(.get, .api(.assessment(.value(AssessmentID("nope")))))
            #expect(missing.status == .notFound)
            #expect(missing.errorMessage == "未找到：考核 nope")
        }
    }
}
