import Foundation
import Hummingbird
import HummingbirdTesting
import KaoheStorage
import KaoheTestSupport
import Testing

@testable import KaoheApplication
@testable import KaoheWeb

@Suite("Facts and findings through the API")
struct FactsAPITests {
    /// The fixture's assessment (`xinbei-sanheyi`) opened, with the evaluator assigned to unit A, items 13 and
    /// 24 only.
    func prepared() async throws -> Fixture { try await Fixture.opened(evaluatorItems: ["13", "24"]) }

    @Test("Two evaluators save the same item: the second gets a clear conflict and nothing is lost")
    func conflict() async throws {
        let fixture = try await prepared()
        let url = SiteURL.api(.itemFacts(.value(fixture.assessment.id), .value(fixture.unitA.id), .value("24")))
        try await fixture.test { client in
            let evaluator = try await APIClient.login(client, "evaluator")
            let organizer = try await APIClient.login(client, "organizer")
            let noVersion = try await evaluator.call(.put, url, raw: #"{"supervision_rate":1}"#)
            #expect(noVersion.status == .preconditionRequired)
            #expect(noVersion.errorMessage?.contains("If-Match") == true)
            // Exact decimals and key order are stored as sent.
            let first = try await evaluator.call(
                .put, url, raw: #"{"supervision_rate":0.10,"feedback_rate":1}"#, headers: [.ifMatch: "\"0\""])
            #expect(first.status == .ok)
            #expect(first.headers[.eTag] == "\"1\"")
            #expect(first.text.contains(#""facts":{"supervision_rate":0.10,"feedback_rate":1}"#))
            let late = try await organizer.call(
                .put, url, raw: #"{"supervision_rate":0.5}"#, headers: [.ifMatch: "0"])
            #expect(late.status == .conflict)
            #expect(late.errorMessage?.contains("已被他人修改（您基于第0版，当前为第1版）") == true)
            let read = try await organizer.call(.get, url)
            #expect(read.headers[.eTag] == "\"1\"")
            #expect(read.text.contains(#""facts":{"supervision_rate":0.10,"feedback_rate":1}"#))
            let second = try await organizer.call(
                .put, url, query: "?reason=复核更正", raw: #"{"supervision_rate":0.9}"#, headers: [.ifMatch: "\"1\""])
            #expect(second.headers[.eTag] == "\"2\"")
            let audit = try await fixture.store.auditLog(entityPrefix: "facts:", limit: 10)
            #expect(audit.map(\.reason) == [nil, "复核更正"])
            #expect(audit.last?.oldValue == #"{"supervision_rate":0.10,"feedback_rate":1}"#)
        }
    }

    @Test("Bad input is named: body, version, assignment, unit, state")
    func errors() async throws {
        let fixture = try await prepared()
        let a = fixture.assessment.id
        try await fixture.test { client in
            let evaluator = try await APIClient.login(client, "evaluator")
            let notObject = try await evaluator.call(
                .put, .api(.itemFacts(.value(a), .value(fixture.unitA.id), .value("13"))), raw: "[1]",
                headers: [.ifMatch: "0"])
            #expect(notObject.status == .badRequest)
            #expect(notObject.errorMessage == "事实数据未保存：第1行 考核项“13”：应为对象（事实名 → 值）")
            let badVersion = try await evaluator.call(
                .put, .api(.itemFacts(.value(a), .value(fixture.unitA.id), .value("13"))), raw: "{}",
                headers: [.ifMatch: "abc"])
            #expect(badVersion.errorMessage?.hasPrefix("If-Match 头“abc”应为版本号") == true)
            let otherItem = try await evaluator.call(
                .put, .api(.itemFacts(.value(a), .value(fixture.unitA.id), .value("22"))), raw: "{}",
                headers: [.ifMatch: "0"])
            #expect(otherItem.status == .forbidden)
            #expect(otherItem.errorMessage == "无权操作：未分配您为该单位该项目（22）的评分人")
            let notEnrolled = try await evaluator.call(.get, .api(.unitFacts(.value(a), .value(fixture.unitB.id))))
            #expect(notEnrolled.status == .notFound)
            let badDate = try await evaluator.call(
                .post, .api(.findings(.value(a), .value(fixture.unitA.id))),
                json: #"{"itemID":"13","date":"2023-02-30","note":"逾期"}"#)
            #expect(badDate.errorMessage == "日期“2023-02-30”不是 yyyy-MM-dd 格式的有效日期")
            let finding = try await evaluator.call(
                .post, .api(.findings(.value(a), .value(fixture.unitA.id))),
                json: #"{"itemID":"13","date":"2023-02-28","note":"网下办件","evidenceRef":"sha256:ab"}"#)
            #expect(finding.status == .created)
            let list = try #require(
                try await evaluator.call(.get, .api(.findings(.value(a), .value(fixture.unitA.id))), query: "?item=13")
                    .json() as? [[String: Any]])
            #expect(list.map { $0["date"] as? String } == ["2023-02-28"])

            try await fixture.store.move(a, to: .scoring)
            try await fixture.store.move(a, to: .publicity)
            try await fixture.store.move(a, to: .final)
            let locked = try await evaluator.call(
                .put, .api(.itemFacts(.value(a), .value(fixture.unitA.id), .value("13"))), raw: "{}",
                headers: [.ifMatch: "0"])
            #expect(locked.status == .conflict)
            #expect(locked.errorMessage?.contains("已定稿锁定") == true)
            let lockedFinding = try await evaluator.call(
                .post, .api(.findings(.value(a), .value(fixture.unitA.id))),
                json: #"{"itemID":"13","date":"2023-02-28","note":"再记一条"}"#)
            #expect(lockedFinding.status == .conflict)
        }
    }

    @Test("PUT facts is checked against the scheme like a facts document: item, fact, type, range, line")
    func engineChecks() async throws {
        let fixture = try await prepared()
        let a = fixture.assessment.id, unit = fixture.unitA.id
        try await fixture.test { client in
            let evaluator = try await APIClient.login(client, "evaluator")
            let organizer = try await APIClient.login(client, "organizer")
            func put(_ api: APIClient, _ item: String, _ body: String) async throws -> TestResponse {
                try await api.call(
                    .put, .api(.itemFacts(.value(a), .value(unit), .value(item))), raw: body, headers: [.ifMatch: "0"])
            }
            let unknownItem = try await put(evaluator, "gk1", #"{"offline":2}"#)
            #expect(unknownItem.status == .notFound)
            #expect(unknownItem.errorMessage == "未找到：方案“xinbei-sanheyi”中的考核项“gk1”")
            let cases: [(String, String, String)] = [
                (
                    "24", "{\n  \"supervision\": 0.5\n}",
                    "事实数据未保存：第2行 考核项“24” 事实“supervision”：没有这个事实（可用：supervision_rate、feedback_rate）"
                ),
                ("24", #"{"supervision_rate": "high"}"#, "事实数据未保存：第1行 考核项“24” 事实“supervision_rate”：应为数字，而不是字符串"),
                (
                    "24", "{\"feedback_rate\": 1,\n\"supervision_rate\": 1.5}",
                    "事实数据未保存：第2行 考核项“24” 事实“supervision_rate”：比率应在 0 到 1 之间，而不是 1.5"
                ),
                ("13", #"{"offline_cases": -1}"#, "事实数据未保存：第1行 考核项“13” 事实“offline_cases”：次数不能为负数（-1）"),
                ("13", #"{"offline_cases": 1.5}"#, "事实数据未保存：第1行 考核项“13” 事实“offline_cases”：应为整数，而不是 1.5"),
            ]
            for (item, body, message) in cases {
                let response = try await put(evaluator, item, body)
                #expect(response.status == .badRequest, "\(body)")
                #expect(response.errorMessage == message)
            }
            let syntax = try await put(evaluator, "13", "{\n\"offline_cases\": }")
            #expect(syntax.status == .badRequest)
            #expect(syntax.errorMessage?.hasPrefix("事实数据未保存：第2行 考核项“13”：第") == true)
            #expect(syntax.errorMessage?.contains("JSON 语法错误") == true)
            // The engine's own checks: dates within the calendar, and in order.
            let outside = try await put(
                organizer, "21", #"{"consultations":[{"received":"2016-05-03","replied":null}]}"#)
            #expect(outside.status == .badRequest)
            #expect(outside.errorMessage?.contains("考核项“21” 事实“consultations”") == true)
            #expect(outside.errorMessage?.contains("日历") == true)
            let reversed = try await put(
                organizer, "21", #"{"consultations":[{"received":"2023-05-08","replied":"2023-05-04"}]}"#)
            #expect(reversed.errorMessage?.contains("早于") == true)
            // Nothing was saved by any of them; a correct body is.
            #expect(try await fixture.store.facts(assessment: a, unit: unit).isEmpty)
            let good = try await put(evaluator, "13", #"{"offline_cases": 2}"#)
            #expect(good.status == .ok)
            let downgrade = try await put(organizer, "downgrade", "{}")
            #expect(downgrade.status == .notFound)
        }
    }

    @Test("A reporter reads the facts of their own unit and gets nothing of another")
    func reporter() async throws {
        let fixture = try await prepared()
        try await fixture.store.enrol([fixture.unitB.id], in: fixture.assessment.id, by: .system)
        _ = try await fixture.store.saveFacts(
            assessment: fixture.assessment.id, unit: fixture.unitB.id, item: "13", json: #"{"offline_cases":987654}"#,
            expectedVersion: 0, by: .system)
        try await fixture.test { client in
            let reporter = try await APIClient.login(client, "reporter")
            let own = try await reporter.call(
                .get, .api(.unitFacts(.value(fixture.assessment.id), .value(fixture.unitA.id))))
            #expect(own.status == .ok && own.text == "[]")
            let other = try await reporter.call(
                .get, .api(.itemFacts(.value(fixture.assessment.id), .value(fixture.unitB.id), .value("13"))))
            #expect(other.status == .notFound)
            #expect(!other.text.contains("987654"))
            let write = try await reporter.call(
                .put, .api(.itemFacts(.value(fixture.assessment.id), .value(fixture.unitA.id), .value("13"))),
                raw: "{}", headers: [.ifMatch: "0"])
            #expect(write.status == .forbidden)
        }
    }
}
