import Foundation
import Hummingbird
import HummingbirdTesting
import KaoheStorage
import Testing

@testable import KaoheWeb

@Suite("Facts and findings through the API")
struct FactsAPITests {
    /// The fixture's assessment opened, with the evaluator assigned to unit A, item gk1 only.
    func prepared() async throws -> Fixture {
        let fixture = try await Fixture.make()
        _ = try await fixture.store.transition(fixture.assessment.id, to: .open, by: .system)
        try await fixture.store.assign(
            EvaluatorAssignment(
                assessmentID: fixture.assessment.id, userID: fixture.users[.evaluator]!.id, unitID: fixture.unitA.id,
                itemID: "gk1"),
            by: .system)
        return fixture
    }

    @Test("Two evaluators save the same item: the second gets a clear conflict and nothing is lost")
    func conflict() async throws {
        let fixture = try await prepared()
        let url = SiteURL.api(.itemFacts(.value(fixture.assessment.id), .value(fixture.unitA.id), .value("gk1")))
        try await fixture.test { client in
            let evaluator = try await APIClient.login(client, "evaluator")
            let organizer = try await APIClient.login(client, "organizer")
            let noVersion = try await evaluator.call(.put, url, raw: #"{"offline":3}"#)
            #expect(noVersion.status == .preconditionRequired)
            #expect(noVersion.errorMessage?.contains("If-Match") == true)
            // Exact decimals and key order are stored as sent.
            let first = try await evaluator.call(
                .put, url, raw: #"{"rate":0.1,"offline":3}"#, headers: [.ifMatch: "\"0\""])
            #expect(first.status == .ok)
            #expect(first.headers[.eTag] == "\"1\"")
            #expect(first.text.contains(#""facts":{"rate":0.1,"offline":3}"#))
            let late = try await organizer.call(.put, url, raw: #"{"offline":5}"#, headers: [.ifMatch: "0"])
            #expect(late.status == .conflict)
            #expect(late.errorMessage?.contains("已被他人修改（您基于第0版，当前为第1版）") == true)
            let read = try await organizer.call(.get, url)
            #expect(read.headers[.eTag] == "\"1\"")
            #expect(read.text.contains(#""facts":{"rate":0.1,"offline":3}"#))
            let second = try await organizer.call(
                .put, url, query: "?reason=复核更正", raw: #"{"offline":4}"#, headers: [.ifMatch: "\"1\""])
            #expect(second.headers[.eTag] == "\"2\"")
            let audit = try await fixture.store.auditLog(entityPrefix: "facts:", limit: 10)
            #expect(audit.map(\.reason) == [nil, "复核更正"])
            #expect(audit.last?.oldValue == #"{"rate":0.1,"offline":3}"#)
        }
    }

    @Test("Bad input is named: body, version, assignment, unit, state")
    func errors() async throws {
        let fixture = try await prepared()
        let a = fixture.assessment.id
        try await fixture.test { client in
            let evaluator = try await APIClient.login(client, "evaluator")
            let notObject = try await evaluator.call(
                .put, .api(.itemFacts(.value(a), .value(fixture.unitA.id), .value("gk1"))), raw: "[1]",
                headers: [.ifMatch: "0"])
            #expect(notObject.status == .badRequest)
            #expect(notObject.errorMessage == "事实数据（gk1）：必须是 JSON 对象 {…}")
            let badVersion = try await evaluator.call(
                .put, .api(.itemFacts(.value(a), .value(fixture.unitA.id), .value("gk1"))), raw: "{}",
                headers: [.ifMatch: "abc"])
            #expect(badVersion.errorMessage?.hasPrefix("If-Match 头“abc”应为版本号") == true)
            let otherItem = try await evaluator.call(
                .put, .api(.itemFacts(.value(a), .value(fixture.unitA.id), .value("gk2"))), raw: "{}",
                headers: [.ifMatch: "0"])
            #expect(otherItem.status == .forbidden)
            #expect(otherItem.errorMessage == "无权操作：未分配您为该单位该项目（gk2）的评分人")
            let notEnrolled = try await evaluator.call(.get, .api(.unitFacts(.value(a), .value(fixture.unitB.id))))
            #expect(notEnrolled.status == .notFound)
            let badDate = try await evaluator.call(
                .post, .api(.findings(.value(a), .value(fixture.unitA.id))),
                json: #"{"itemID":"gk1","date":"2023-02-30","note":"逾期"}"#)
            #expect(badDate.errorMessage == "日期“2023-02-30”不是 yyyy-MM-dd 格式的有效日期")
            let finding = try await evaluator.call(
                .post, .api(.findings(.value(a), .value(fixture.unitA.id))),
                json: #"{"itemID":"gk1","date":"2023-02-28","note":"网下办件","evidenceRef":"sha256:ab"}"#)
            #expect(finding.status == .created)
            let list = try #require(
                try await evaluator.call(.get, .api(.findings(.value(a), .value(fixture.unitA.id))), query: "?item=gk1")
                    .json() as? [[String: Any]])
            #expect(list.map { $0["date"] as? String } == ["2023-02-28"])

            _ = try await fixture.store.transition(a, to: .scoring, by: .system)
            _ = try await fixture.store.transition(a, to: .publicity, by: .system)
            _ = try await fixture.store.transition(a, to: .final, by: .system)
            let locked = try await evaluator.call(
                .put, .api(.itemFacts(.value(a), .value(fixture.unitA.id), .value("gk1"))), raw: "{}",
                headers: [.ifMatch: "0"])
            #expect(locked.status == .conflict)
            #expect(locked.errorMessage?.contains("已定稿锁定") == true)
            let lockedFinding = try await evaluator.call(
                .post, .api(.findings(.value(a), .value(fixture.unitA.id))),
                json: #"{"itemID":"gk1","date":"2023-02-28","note":"再记一条"}"#)
            #expect(lockedFinding.status == .conflict)
        }
    }

    @Test("A reporter reads the facts of their own unit and gets nothing of another")
    func reporter() async throws {
        let fixture = try await prepared()
        try await fixture.store.enrol([fixture.unitB.id], in: fixture.assessment.id, by: .system)
        _ = try await fixture.store.saveFacts(
            assessment: fixture.assessment.id, unit: fixture.unitB.id, item: "gk1", json: #"{"secret":1}"#,
            expectedVersion: 0, by: .system)
        try await fixture.test { client in
            let reporter = try await APIClient.login(client, "reporter")
            let own = try await reporter.call(
                .get, .api(.unitFacts(.value(fixture.assessment.id), .value(fixture.unitA.id))))
            #expect(own.status == .ok && own.text == "[]")
            let other = try await reporter.call(
                .get, .api(.itemFacts(.value(fixture.assessment.id), .value(fixture.unitB.id), .value("gk1"))))
            #expect(other.status == .notFound)
            #expect(!other.text.contains("secret"))
            let write = try await reporter.call(
                .put, .api(.itemFacts(.value(fixture.assessment.id), .value(fixture.unitA.id), .value("gk1"))),
                raw: "{}", headers: [.ifMatch: "0"])
            #expect(write.status == .forbidden)
        }
    }
}
