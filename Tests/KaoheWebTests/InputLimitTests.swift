import Foundation
import Hummingbird
import HummingbirdTesting
import KaoheEngine
import KaoheStorage
import Testing

@testable import KaoheApplication
@testable import KaoheWeb

/// Input that must be refused with a clear error before anything is stored: control characters, unknown
/// items, texts and bodies over their limits.
@Suite("Input limits: control characters, unknown items, long texts, large bodies")
struct InputLimitTests {
    /// The fixture's assessment opened, the evaluator assigned to unit A for every item.
    func prepared() async throws -> Fixture { try await Fixture.opened(evaluatorItems: [nil]) }

    @Test("A NUL or another control character in a finding's item id is refused and the audit chain stays whole")
    func controlCharacters() async throws {
        let fixture = try await prepared()
        let a = fixture.assessment.id, u = fixture.unitA.id
        try await fixture.test { client in
            let evaluator = try await APIClient.login(client, "evaluator")
            for bad in [#"\u0000"#, #"13\u0000"#, #"1\u001b3"#, #"13\u202e"#] {
                let response = try await evaluator.call(
                    .post, .api(.findings(.value(a), .value(u))),
                    json: #"{"itemID":"\#(bad)","date":"2023-02-28","note":"网下办件"}"#)
                #expect(response.status == .badRequest, "\(bad): \(response.status)")
                #expect(response.errorMessage?.contains("控制字符") == true, "\(bad): \(response.text)")
            }
            // A NUL in the note is refused too (it would be stored cut short).
            let nulNote = try await evaluator.call(
                .post, .api(.findings(.value(a), .value(u))),
                json: #"{"itemID":"13","date":"2023-02-28","note":"网下\u0000办件"}"#)
            #expect(nulNote.status == .badRequest)
            #expect(try await fixture.store.findings(assessment: a).isEmpty)
            // Positive control: the same finding without the control character is stored.
            let good = try await evaluator.call(
                .post, .api(.findings(.value(a), .value(u))),
                json: #"{"itemID":"13","date":"2023-02-28","note":"网下办件\n第二行"}"#)
            #expect(good.status == .created)
            #expect(try await fixture.store.findings(assessment: a).map(\.itemID) == ["13"])
            let entries = try await fixture.store.auditLog(entityPrefix: nil, limit: 100_000).count
            #expect(try await fixture.store.verifyAudit() == .intact(entries: entries))
        }
    }

    @Test("The store itself refuses a NUL anywhere in what it would audit")
    func storeRefusesNUL() async throws {
        let fixture = try await prepared()
        let finding = Finding(
            assessmentID: fixture.assessment.id, unitID: fixture.unitA.id, itemID: "13\u{0}", factName: nil,
            date: Day("2023-02-28")!, note: "x", evidenceRef: nil, createdBy: nil, createdAt: Date())
        await #expect(throws: StorageError.self) { try await fixture.store.addFinding(finding, by: .system) }
        var noted = finding
        noted.itemID = "13"
        noted.note = "a\u{0}b"
        await #expect(throws: StorageError.self) { try await fixture.store.addFinding(noted, by: .system) }
        noted.note = "ab"
        try await fixture.store.addFinding(noted, by: .system)
        #expect(try await fixture.store.findings(assessment: fixture.assessment.id).map(\.note) == ["ab"])
        await fixture.store.shutdown()
    }

    @Test("An item the scheme does not have is not found, naming the item; a fact it does not have is refused")
    func unknownItem() async throws {
        let fixture = try await prepared()
        let a = fixture.assessment.id, u = fixture.unitA.id
        try await fixture.test { client in
            let evaluator = try await APIClient.login(client, "evaluator")
            let unknown = try await evaluator.call(
                .post, .api(.findings(.value(a), .value(u))),
                json: #"{"itemID":"no-such-item","date":"2023-02-28","note":"网下办件"}"#)
            #expect(unknown.status == .notFound)
            #expect(unknown.errorMessage?.contains("no-such-item") == true)
            #expect(try await fixture.store.findings(assessment: a).isEmpty)
        }
    }

    @Test("Texts over their limit are refused with the field and the limit; nothing is stored")
    func longTexts() async throws {
        let fixture = try await prepared()
        let a = fixture.assessment.id, u = fixture.unitA.id
        try await fixture.test { client in
            let evaluator = try await APIClient.login(client, "evaluator")
            let long = String(repeating: "长", count: 4_500_000 / 3)
            let response = try await evaluator.call(
                .post, .api(.findings(.value(a), .value(u))),
                json: #"{"itemID":"13","date":"2023-02-28","note":"\#(long)"}"#)
            #expect(response.status == .badRequest)
            #expect(response.errorMessage?.contains("不能超过2000个字") == true, "\(response.text.prefix(300))")
            let atLimit = try await evaluator.call(
                .post, .api(.findings(.value(a), .value(u))),
                json: #"{"itemID":"13","date":"2023-02-28","note":"\#(String(repeating: "长", count: 2000))"}"#)
            #expect(atLimit.status == .created)
            #expect(try await fixture.store.findings(assessment: a).count == 1)
        }
    }

    @Test("Bodies over 5 MB get 413 with a clear message on every endpoint that reads a body")
    func largeBodies() async throws {
        let fixture = try await prepared()
        let a = fixture.assessment.id, u = fixture.unitA.id
        let big = String(repeating: "x", count: 5 * 1024 * 1024 + 1)
        try await fixture.test { client in
            let organizer = try await APIClient.login(client, "organizer")
            let anonymous = APIClient(client: client)
            let cases: [(String, APIClient, HTTPRequest.Method, SiteURL, String, HTTPFields)] = [
                ("tokens", anonymous, .post, .api(.tokens), "", [:]),
                ("findings", organizer, .post, .api(.findings(.value(a), .value(u))), "", [:]),
                ("facts", organizer, .put, .api(.itemFacts(.value(a), .value(u), .value("13"))), "", [.ifMatch: "0"]),
                ("facts import", organizer, .post, .api(.factsImport(.value(a))), "", [:]),
                ("scheme upload", organizer, .post, .api(.schemes), "", [:]),
                ("units import", organizer, .post, .api(.unitImport), "?organization=\(fixture.org.id)", [:]),
            ]
            for (name, caller, method, url, query, headers) in cases {
                var all = headers
                all[.contentType] = "application/json"
                let response = try await caller.call(method, url, query: query, raw: big, headers: all)
                #expect(response.status == .contentTooLarge, "\(name): \(response.status) \(response.text.prefix(200))")
                #expect(response.errorMessage?.contains("上限") == true, "\(name): \(response.text.prefix(200))")
            }
            // The login form: 413 as a page, not a 500.
            let login = try await client.executeRequest(
                uri: SiteURL.login.path, method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: "a=" + big))
            #expect(login.status == .contentTooLarge)
            #expect(String(buffer: login.body).contains("上限"))
        }
    }
}

@Suite("Methods a route does not answer")
struct MethodNotAllowedTests {
    @Test("A known path asked with another method gets 405 with Allow; an unknown path stays 404")
    func methodNotAllowed() async throws {
        let fixture = try await Fixture.make()
        try await fixture.test { client in
            let wrong = try await client.executeRequest(
                uri: SiteURL.login.path, method: .delete, headers: [:], body: nil)
            #expect(wrong.status == .methodNotAllowed)
            #expect(wrong.headers[.allow]?.contains("GET") == true && wrong.headers[.allow]?.contains("POST") == true)
            let api = try await client.executeRequest(
                uri: SiteURL.api(.units).path, method: .patch, headers: [:], body: nil)
            #expect(api.status == .methodNotAllowed && api.errorMessage == "不支持该请求方法")
            let unit = try await client.executeRequest(
                uri: SiteURL.api(.assessment(.value(fixture.assessment.id))).path, method: .delete, headers: [:],
                body: nil)
            #expect(unit.status == .methodNotAllowed)
            // A literal segment hides a parameter one, as in the router: `PUT …/self/{item}` does not serve
            // `…/self/submit`, so Allow names POST only.
            let submit = try await client.executeRequest(
                uri: SiteURL.api(
                    .selfAssessmentSubmit(.value(fixture.assessment.id), .value(fixture.unitA.id))
                ).path, method: .options, headers: [:], body: nil)
            #expect(submit.status == .methodNotAllowed && submit.headers[.allow] == "POST")
            // Positive and negative controls: the right method is served, an unknown path is not found.
            let login = try await client.executeRequest(uri: SiteURL.login.path, method: .get, headers: [:], body: nil)
            #expect(login.status == .ok)
            let unknown = try await client.executeRequest(uri: "/no-such-page", method: .get, headers: [:], body: nil)
            #expect(unknown.status == .notFound)
        }
    }
}
