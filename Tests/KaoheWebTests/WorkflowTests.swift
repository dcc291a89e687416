import Foundation
import Hummingbird
import HummingbirdTesting
import KaoheEngine
import KaoheStorage
import Testing

@testable import KaoheApplication
@testable import KaoheWeb

/// A `pingqiao-2022` assessment (10 items) in state open with units A and B, the evaluator assigned to unit A.
struct WorkflowFixture {
    let f: Fixture
    let a: AssessmentID
    let scheme: Scheme

    static func make() async throws -> WorkflowFixture {
        let f = try await Fixture.make()
        let assessment = Assessment(
            organizationID: f.org.id, schemeID: "pingqiao-2022", year: 2022, title: "2022年度“互联网+监管”考核")
        try await f.store.createAssessment(assessment, by: .system)
        try await f.store.enrol([f.unitA.id, f.unitB.id], in: assessment.id, by: .system)
        _ = try await f.store.transition(assessment.id, to: .open, by: .system)
        try await f.store.assign(
            EvaluatorAssignment(
                assessmentID: assessment.id, userID: f.users[.evaluator]!.id, unitID: f.unitA.id, itemID: nil),
            by: .system)
        return WorkflowFixture(
            f: f, a: assessment.id, scheme: try await SchemeCatalog(f.deps).scheme("pingqiao-2022").scheme)
    }

    func selfPath(_ unit: AssessedUnit) -> String { SiteURL.selfAssessment(.value(a), .value(unit.id)).path }
    func itemPath(_ unit: AssessedUnit, _ item: String) -> String {
        SiteURL.selfAssessmentItem(.value(a), .value(unit.id), .value(item)).path
    }
    func submitPath(_ unit: AssessedUnit) -> String { SiteURL.selfAssessmentSubmit(.value(a), .value(unit.id)).path }
    func reviewPath(_ unit: AssessedUnit, _ item: String) -> String {
        SiteURL.reviewItem(.value(a), .value(unit.id), .value(item)).path
    }

    /// Fills every item of unit A with its maximum as the self-score.
    func fillAll(_ browser: Browser) async throws {
        for item in scheme.items {
            let response = try await browser.post(
                itemPath(f.unitA, item.id),
                [("version", "0"), ("self_score", item.max.description), ("note", "\(item.id)自查说明")])
            #expect(response.status == .seeOther, "item \(item.id): \(response.text.prefix(300))")
        }
    }
}

@Suite("Self-assessment, review, publication and objections")
struct WorkflowTests {
    @Test("The whole unit path: fill, submit, return, answer, resubmit, publish, object, correct, final")
    func wholePath() async throws {
        let w = try await WorkflowFixture.make()
        let f = w.f
        try await f.test { client in
            let reporter = Browser(client)
            try await reporter.login("reporter")
            // The dashboard links the reporter to the unit's self-assessment.
            #expect(try await reporter.get(SiteURL.dashboard.path).text.contains(w.selfPath(f.unitA)))
            let page = try await reporter.get(w.selfPath(f.unitA))
            #expect(page.status == .ok)
            #expect(page.text.contains("组织机构建立情况"))  // the document's wording
            #expect(page.text.contains("未开始"))

            // Partly filled: submitting is refused and names what is missing.
            _ = try await reporter.post(
                w.itemPath(f.unitA, "1.1"), [("version", "0"), ("self_score", "5"), ("note", "已成立领导小组")])
            let early = try await reporter.post(w.submitPath(f.unitA), [])
            #expect(early.status == .badRequest)
            #expect(early.text.contains("还有9个项目未填自评分"))
            // A second writer from an older version gets a conflict; the input comes back with the current version.
            let stale = try await reporter.post(
                w.itemPath(f.unitA, "1.1"), [("version", "0"), ("self_score", "4"), ("note", "另一人的说明")])
            #expect(stale.status == .conflict)
            #expect(stale.text.contains("已被他人修改（您基于第0版，当前为第1版）"))
            #expect(stale.text.contains("另一人的说明"))
            #expect(
                try await f.store.selfAssessment(assessment: w.a, unit: f.unitA.id).first?.note == "已成立领导小组")
            // A self-score above the item's maximum is refused; what was typed comes back.
            let tooHigh = try await reporter.post(
                w.itemPath(f.unitA, "1.2"), [("version", "0"), ("self_score", "11"), ("note", "方案已制定并印发")])
            #expect(tooHigh.status == .badRequest)
            #expect(tooHigh.text.contains("1.2") && tooHigh.text.contains("0到10分"))
            #expect(tooHigh.text.contains("方案已制定并印发"))

            for item in w.scheme.items where item.id != "1.1" {
                let response = try await reporter.post(
                    w.itemPath(f.unitA, item.id),
                    [("version", "0"), ("self_score", item.max.description), ("note", "\(item.id)自查说明")])
                #expect(response.status == .seeOther)
            }
            #expect(try await reporter.post(w.submitPath(f.unitA), []).status == .seeOther)
            let submitted = try await reporter.get(w.selfPath(f.unitA))
            #expect(submitted.text.contains("已提交"))
            #expect(submitted.text.contains("第1次提交"))
            #expect(!submitted.text.contains("&lt;"), "markup escaped as text")
            #expect(try await reporter.post(w.submitPath(f.unitA), []).status == .conflict)
            // After submission the entries are frozen.
            let frozen = try await reporter.post(
                w.itemPath(f.unitA, "1.1"), [("version", "1"), ("self_score", "4"), ("note", "改")])
            #expect(frozen.status == .conflict)

            // The evaluator returns item 2.1 with a reason; a return without a reason is refused.
            let evaluator = Browser(client)
            try await evaluator.login("evaluator")
            #expect(try await evaluator.get(SiteURL.review(.value(w.a), .value(f.unitA.id)).path).text.contains("退回补正"))
            #expect(
                try await evaluator.post(w.reviewPath(f.unitA, "2.1"), [("decision", "return"), ("text", "")]).status
                    == .badRequest)
            #expect(
                try await evaluator.post(
                    w.reviewPath(f.unitA, "2.1"), [("decision", "return"), ("text", "请补充监管事项覆盖率佐证")]
                ).status == .seeOther)
            #expect(
                try await evaluator.post(w.reviewPath(f.unitA, "1.1"), [("decision", "accept")]).status == .seeOther)
            // Not assigned to unit B.
            #expect(
                try await evaluator.post(w.reviewPath(f.unitB, "1.1"), [("decision", "accept")]).status == .forbidden)

            // The unit sees the return, cannot resubmit before answering, corrects and answers, resubmits.
            let returned = try await reporter.get(w.selfPath(f.unitA))
            #expect(returned.text.contains("请补充监管事项覆盖率佐证"))
            #expect(returned.text.contains("退回补正（1项待补正）"))
            #expect(try await reporter.post(w.submitPath(f.unitA), []).status == .conflict)
            #expect(
                try await reporter.post(
                    w.itemPath(f.unitA, "2.1"),
                    [("version", "1"), ("self_score", "15"), ("note", "覆盖率70%"), ("answer", "已补充覆盖率统计表")]
                ).status == .seeOther)
            #expect(try await reporter.post(w.submitPath(f.unitA), []).status == .seeOther)
            let submissions = try await f.store.submissions(assessment: w.a, unit: f.unitA.id)
            #expect(submissions.map(\.number) == [1, 2])
            #expect(submissions.last?.snapshot.contains("已补充") == false)
            #expect(submissions.last?.snapshot.contains("覆盖率70%") == true)

            // The evaluator scores 2.1 (coverage 70% → 15) and 1.1; the review page shows self vs evaluator.
            _ = try await f.store.saveFacts(
                assessment: w.a, unit: f.unitA.id, item: "2.1", json: #"{"coverage":0.5}"#, expectedVersion: 0,
                by: .system)
            let review = try await evaluator.get(SiteURL.review(.value(w.a), .value(f.unitA.id)).path)
            #expect(review.text.contains("评分：10分"))
            #expect(review.text.contains("−5"))

            // 评分 → 公示: version 1 is published.
            let organizer = Browser(client)
            try await organizer.login("organizer")
            for state in ["scoring", "publicity"] {
                let moved = try await organizer.post(
                    SiteURL.assessmentState(.value(w.a)).path, [("state", state), ("reason", "按计划")])
                #expect(moved.status == .seeOther, "\(state): \(moved.text.prefix(300))")
            }
            #expect(try await f.store.publications(of: w.a).map(\.version) == [1])
            let published = try await reporter.get(w.selfPath(f.unitA))
            #expect(published.text.contains("公示得分："))
            let publishedScores = { (page: TestResponse) in
                page.text.matches(of: #/class="published-score">([^<]+)</span>/#).map { String($0.output.1) }
            }
            #expect(publishedScores(published).contains("10"))
            // During 公示 the unit objects to 2.1 with a file (multipart); without a text nothing is kept.
            let objectionsPath = SiteURL.unitObjections(.value(w.a), .value(f.unitA.id)).path(query: [
                ("_csrf", reporter.csrf)
            ])
            let pdf = Array("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n".utf8)
            func objection(_ text: String) -> String {
                String(
                    decoding: MultipartBody.make(
                        fields: [("item", "2.1"), ("text", text)], files: [(field: "file", name: "统计表.pdf", bytes: pdf)]
                    ),
                    as: UTF8.self)
            }
            let emptyText = try await reporter.request(
                .post, objectionsPath, body: objection(""), contentType: MultipartBody.contentType)
            #expect(emptyText.status == .badRequest)
            #expect(try await f.store.evidence(assessment: w.a, unit: f.unitA.id).isEmpty)
            let lodged = try await reporter.request(
                .post, objectionsPath, body: objection("覆盖率实为70%，见统计表"), contentType: MultipartBody.contentType)
            #expect(lodged.status == .seeOther, "\(lodged.text.prefix(300))")
            let objectionFiles = try await f.store.evidence(assessment: w.a, unit: f.unitA.id)
            #expect(objectionFiles.map(\.purpose) == [.objection])
            #expect(
                try await f.store.objections(assessment: w.a, unit: nil).first?.evidenceIDs == objectionFiles.map(\.id))
            #expect(
                try await reporter.post(
                    SiteURL.unitObjections(.value(w.a), .value(f.unitA.id)).path, [("item", "2.1"), ("text", "")]
                ).status == .badRequest)
            // Final is refused while the objection is open.
            let tooSoon = try await organizer.post(
                SiteURL.assessmentState(.value(w.a)).path, [("state", "final")])
            #expect(tooSoon.status == .conflict)
            #expect(tooSoon.text.contains("1条异议未答复"))
            let objection = try #require(try await f.store.objections(assessment: w.a, unit: nil).first)
            #expect(objection.scoreBefore == "10")
            let answerPath = SiteURL.objectionAnswer(.value(w.a), .value(objection.id)).path
            // Upheld without a correction is refused; after correcting the facts it publishes version 2.
            #expect(
                try await organizer.post(answerPath, [("decision", "upheld"), ("answer", "核实属实")]).status == .conflict)
            let record = try #require(try await f.store.facts(assessment: w.a, unit: f.unitA.id, item: "2.1"))
            _ = try await f.store.saveFacts(
                assessment: w.a, unit: f.unitA.id, item: "2.1", json: #"{"coverage":0.7}"#,
                expectedVersion: record.version, by: .system)
            #expect(
                try await organizer.post(answerPath, [("decision", "upheld"), ("answer", "核实属实，已更正")]).status
                    == .seeOther)
            let versions = try await f.store.publications(of: w.a)
            #expect(versions.map(\.version) == [1, 2])
            #expect(versions.last?.note.contains("10 → 15") == true)
            // The unit's page shows the scores of the new version (a kept parse of version 1 is not reused).
            let republished = publishedScores(try await reporter.get(w.selfPath(f.unitA)))
            #expect(republished.contains("15") && republished != publishedScores(published))
            #expect(republished.count == publishedScores(published).count)
            let compare = try await reporter.get(
                SiteURL.publicationCompare(.value(w.a)).path(query: [("a", "1"), ("b", "2")]))
            #expect(compare.status == .ok)
            #expect(compare.text.contains("有变化的单位：1个"))
            for page in [compare, try await organizer.get(SiteURL.publications(.value(w.a)).path), published] {
                #expect(!page.text.contains("&lt;"), "markup escaped as text")
            }
            #expect(compare.text.contains("2.1 事项覆盖率：10 → 15"))
            // Final, locked: the unit cannot change anything any more.
            #expect(
                try await organizer.post(SiteURL.assessmentState(.value(w.a)).path, [("state", "final")]).status
                    == .seeOther)
            #expect(try await f.store.assessment(w.a)?.state == .final)
            let afterFinal = try await reporter.post(
                w.itemPath(f.unitA, "1.1"), [("version", "1"), ("self_score", "0"), ("note", "改")])
            #expect(afterFinal.status == .conflict)
            #expect(
                try await f.store.selfAssessment(assessment: w.a, unit: f.unitA.id).first { $0.itemID == "1.1" }?
                    .selfScore == "5")

            // Every step is in the audit log.
            let audit = try await f.store.auditLog(entityPrefix: nil, limit: 10_000)
            for prefix in ["self:\(w.a)/", "workflow:\(w.a)/", "review:\(w.a)/", "objection:\(w.a)/"] {
                #expect(audit.contains { $0.entity.hasPrefix(prefix) }, "\(prefix)")
            }
            #expect(audit.filter { $0.entity == "assessment:\(w.a)" && $0.action == "publish" }.count == 2)
            #expect(try await f.store.verifyAudit() == .intact(entries: audit.count))
        }
    }

    @Test("Deadlines: refused after the day, extended per unit with a reason (working days), late submissions marked")
    func deadlines() async throws {
        let w = try await WorkflowFixture.make()
        let f = w.f
        try await f.test { client in
            // The fixture's clock is 2023-11-15 in China (a Wednesday).
            let organizer = Browser(client)
            try await organizer.login("organizer")
            let deadlinesPath = SiteURL.assessmentDeadlines(.value(w.a)).path
            let bad = try await organizer.post(deadlinesPath, [("submission_deadline", "明天")])
            #expect(bad.status == .badRequest)
            #expect(bad.text.contains("自评截止日期"))
            #expect(
                try await organizer.post(deadlinesPath, [("submission_deadline", "2023-11-14"), ("reason", "通知要求")])
                    .status == .seeOther)

            let reporter = Browser(client)
            try await reporter.login("reporter")
            let late = try await reporter.post(
                w.itemPath(f.unitA, "1.1"), [("version", "0"), ("self_score", "5"), ("note", "x")])
            #expect(late.status == .conflict)
            #expect(late.text.contains("已超过截止日期（2023-11-14）"))

            let extensionPath = SiteURL.deadlineExtension(.value(w.a), .value(f.unitA.id)).path
            #expect(try await organizer.post(extensionPath, [("deadline", "3个工作日")]).status == .badRequest)
            #expect(
                try await organizer.post(extensionPath, [("deadline", "3个工作日"), ("reason", "单位系统故障")]).status
                    == .seeOther)
            #expect(try await f.store.deadlineExtensions(of: w.a).first?.deadline == Day("2023-11-20"))

            try await w.fillAll(reporter)
            #expect(try await reporter.post(w.submitPath(f.unitA), []).status == .seeOther)
            #expect(try await f.store.submissions(assessment: w.a, unit: f.unitA.id).first?.late == true)

            let dashboard = try await organizer.get(SiteURL.submissions(.value(w.a)).path)
            #expect(dashboard.status == .ok)
            #expect(dashboard.text.contains("已提交（逾期）"))
            #expect(!dashboard.text.contains("&lt;"), "markup escaped as text")
            #expect(dashboard.text.contains("单位系统故障"))
            #expect(dashboard.text.contains(#"<b id="count-submitted">1</b>"#))
            #expect(dashboard.text.contains(#"<b id="count-not-started">1</b>"#))
            #expect(dashboard.text.contains("未开始，已逾期"))  // unit B
            let audit = try await f.store.auditLog(entityPrefix: "workflow:\(w.a)/\(f.unitA.id)", limit: 10)
            #expect(audit.map(\.action) == ["extend", "submit"])
            #expect(audit.first?.reason == "单位系统故障")
        }
    }

    @Test("The same path through the JSON API: save items with versions, submit, read submissions and versions")
    func api() async throws {
        let w = try await WorkflowFixture.make()
        let f = w.f
        try await f.test { client in
            let reporter = try await APIClient.login(client, "reporter")
            func put(_ item: String, _ body: String, version: String?) async throws -> TestResponse {
                try await reporter.call(
                    .put, .api(.selfAssessmentItem(.value(w.a), .value(f.unitA.id), .value(item))), raw: body,
                    headers: version.map { [.ifMatch: $0] } ?? [:])
            }
            #expect(try await put("1.1", #"{"selfScore":"5"}"#, version: nil).status == .preconditionRequired)
            let badFacts = try await put("1.1", #"{"selfScore":"5","claimedFacts":{"established":3}}"#, version: "0")
            #expect(badFacts.status == .badRequest)
            #expect(badFacts.errorMessage?.contains("1.1") == true)
            let first = try await put(
                "1.1", #"{"selfScore":5,"note":"已成立","claimedFacts":{"established":true}}"#, version: "0")
            #expect(first.status == .ok, "\(first.text.prefix(300))")
            #expect(try await put("1.1", #"{"selfScore":"4"}"#, version: "0").status == .conflict)
            for item in w.scheme.items where item.id != "1.1" {
                #expect(try await put(item.id, #"{"selfScore":"\#(item.max)"}"#, version: "0").status == .ok)
            }
            let submitted = try await reporter.call(.post, .api(.selfAssessmentSubmit(.value(w.a), .value(f.unitA.id))))
            #expect(submitted.status == .created)
            #expect((try submitted.json() as? [String: Any])?["number"] as? Int == 1)
            let unit = try #require(
                try await reporter.call(.get, .api(.selfAssessment(.value(w.a), .value(f.unitA.id)))).json()
                    as? [String: Any])
            #expect(unit["status"] as? String == "已提交")
            let items = try #require(unit["items"] as? [[String: Any]])
            #expect(items.first?["selfScore"] as? String == "5")
            #expect(try await f.store.selfAssessment(assessment: w.a, unit: f.unitA.id).first?.claimedFacts != nil)

            let organizer = try await APIClient.login(client, "organizer")
            let rows = try #require(
                try await organizer.call(.get, .api(.submissions(.value(w.a)))).json() as? [[String: Any]])
            #expect(rows.map { $0["code"] as? String } == ["A01", "B01"])
            #expect(rows.map { $0["status"] as? String } == ["已提交", "未开始"])
            #expect(try await organizer.call(.get, .api(.publication(.value(w.a), .value(1)))).status == .notFound)
            for state in ["scoring", "publicity"] {
                #expect(
                    try await organizer.call(
                        .post, .api(.assessmentState(.value(w.a))), json: #"{"state":"\#(state)"}"#
                    ).status == .ok)
            }
            let versions = try #require(
                try await reporter.call(.get, .api(.publications(.value(w.a)))).json() as? [[String: Any]])
            #expect(versions.map { $0["version"] as? Int } == [1])
            let results = try #require(
                try await reporter.call(.get, .api(.publication(.value(w.a), .value(1)))).json() as? [String: Any])
            #expect((results["units"] as? [[String: Any]])?.map { $0["id"] as? String } == ["A01", "B01"])
        }
    }

    @Test("Isolation: a reporter sees and changes only its own unit; leaders and the unassigned are refused")
    func isolation() async throws {
        let w = try await WorkflowFixture.make()
        let f = w.f
        try await f.test { client in
            let reporter = Browser(client)
            try await reporter.login("reporter")
            #expect(try await reporter.get(w.selfPath(f.unitB)).status == .notFound)
            #expect(
                try await reporter.post(w.itemPath(f.unitB, "1.1"), [("version", "0"), ("self_score", "5")]).status
                    == .notFound)
            #expect(try await reporter.post(w.submitPath(f.unitB), []).status == .notFound)
            #expect(
                try await reporter.post(w.reviewPath(f.unitA, "1.1"), [("decision", "accept")]).status == .forbidden)
            #expect(try await reporter.get(SiteURL.submissions(.value(w.a)).path).status == .forbidden)
            // Nothing published yet: nothing to compare.
            #expect(try await reporter.get(SiteURL.publicationCompare(.value(w.a)).path).status == .notFound)
            let leader = Browser(client)
            try await leader.login("leader")
            #expect(try await leader.get(w.selfPath(f.unitA)).status == .forbidden)
            #expect(try await f.store.selfAssessments(assessment: w.a).isEmpty)
        }
    }
}
