import Foundation
import Hummingbird
import HummingbirdTesting
import KaoheStorage
import Testing

@testable import KaoheApplication
@testable import KaoheWeb

@Suite("Records page, import jobs and the batch API")
struct RecordPageTests {
    /// Posts files to the records page as the browser's form does and returns the job page's path.
    func upload(
        _ browser: Browser, _ fixture: Fixture, files: [(name: String, text: String)], type: String = ""
    ) async throws -> String {
        let body = MultipartBody.make(
            fields: [("type", type)], files: files.map { (field: "file", name: $0.name, bytes: Array($0.text.utf8)) })
        var headers = HTTPFields()
        headers[.cookie] = browser.cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ")
        headers[.contentType] = MultipartBody.contentType
        let url = SiteURL.organizationRecords(.value(fixture.org.id)).path(query: [("_csrf", browser.csrf)])
        let response = try await browser.client.executeRequest(
            uri: url, method: .post, headers: headers, body: ByteBuffer(bytes: body))
        #expect(response.status == .seeOther, "\(response.text)")
        return try #require(response.headers[.location])
    }

    /// Polls the job's JSON status until it leaves `running`; returns the statuses seen.
    func waitForJob(_ browser: Browser, _ job: String) async throws -> [[String: Any]] {
        var seen: [[String: Any]] = []
        for _ in 0..<400 {
            let response = try await browser.get(job + "/status")
            #expect(response.status == .ok)
            let status = try #require(try response.json() as? [String: Any])
            seen.append(status)
            if status["state"] as? String != "running" { return seen }
            try await Task.sleep(for: .milliseconds(25))
        }
        Issue.record("the import job did not finish")
        return seen
    }

    @Test("Upload → job page with progress → counts; a refused upload lists the errors and writes nothing")
    func uploadAndProgress() async throws {
        let fixture = try await Fixture.make()
        try await fixture.test { client in
            let browser = Browser(client)
            try await browser.login("organizer")
            let page = try await browser.get(SiteURL.organizationRecords(.value(fixture.org.id)).path)
            #expect(page.status == .ok)
            #expect(page.text.contains("整份不导入，不写入任何记录"))
            #expect(page.text.contains("enctype=\"multipart/form-data\""))
            var text = caseCSVHeader
            for index in 0..<3000 { text += "c\(index),A01,online,2023-03-01,,3,5\n" }
            let job = try await upload(browser, fixture, files: [("case.csv", text)])
            let statuses = try await waitForJob(browser, job)
            let last = try #require(statuses.last)
            #expect(last["state"] as? String == "done" && last["percent"] as? Int == 100)
            for status in statuses {
                let percent = try #require(status["percent"] as? Int)
                #expect((0...100).contains(percent))
                #expect(status["summary"] is String && status["rowsPerSecond"] is Double)
            }
            let done = try await browser.get(job)
            #expect(done.text.contains("<progress max=\"100\" value=\"100\""))
            #expect(done.text.contains("新增 3000 条"))
            #expect(try await fixture.store.recordCounts(organization: fixture.org.id)["case"] == 3000)
            // The history on the records page names the file, who and the SHA-256.
            let history = try await browser.get(SiteURL.organizationRecords(.value(fixture.org.id)).path)
            #expect(history.text.contains("case.csv") && history.text.contains(String(SHA256.hex(text).prefix(12))))
            #expect(history.text.contains(fixture.users[.organizer]!.displayName))

            let bad = caseCSVHeader + "d1,A01,online,2023-02-30,,3,5\nd2,Q01,online,2023-03-01,,3,5\n"
            let refused = try await upload(browser, fixture, files: [("case.csv", bad)])
            _ = try await waitForJob(browser, refused)
            let errors = try await browser.get(refused)
            #expect(errors.text.contains("本次没有写入任何记录"))
            #expect(errors.text.contains("<td>case.csv</td><td class=\"num\">2</td><td>accepted</td>"))
            #expect(errors.text.contains("<td class=\"num\">3</td><td>unit</td>") && errors.text.contains("Q01"))
            #expect(try await fixture.store.recordCounts(organization: fixture.org.id)["case"] == 3000)
        }
    }

    @Test("An unknown header shows the mapping form; the mapping runs the import and is remembered")
    func mappingForm() async throws {
        let fixture = try await Fixture.make()
        try await fixture.test { client in
            let browser = Browser(client)
            try await browser.login("admin")
            let text = "id,unit,受理日期,promised_days,legal_days,渠道\nm1,A01,2023-03-01,3,5,网下\n"
            let job = try await upload(browser, fixture, files: [("records.csv", text)], type: "case")
            let statuses = try await waitForJob(browser, job)
            #expect(statuses.last?["state"] as? String == "needsMapping")
            let form = try await browser.get(job)
            #expect(form.text.contains("name=\"field_0_0\"") && form.text.contains("渠道"))
            #expect(form.text.contains("<option value=\"channel\">channel（办理渠道）</option>"))
            // Leaving a header unchosen is refused, naming it.
            let incomplete = try await browser.post(job + "/mapping", [("field_0_0", "?")])
            #expect(incomplete.status == .badRequest && incomplete.text.contains("“渠道”"))
            let mapped = try await browser.post(job + "/mapping", [("field_0_0", "channel")])
            #expect(mapped.status == .seeOther)
            let after = try await waitForJob(browser, job)
            #expect(after.last?["state"] as? String == "done", "\(after)")
            let stored = try await fixture.store.records(organization: fixture.org.id, type: "case", ids: ["m1"])
            #expect(stored.first?.fields.contains("offline") == true)
            #expect(
                try await fixture.store.headerMappings(organization: fixture.org.id, type: "case") == ["渠道": "channel"])
            // Next time the same header needs no mapping.
            let next = try await upload(
                browser, fixture, files: [("case.csv", text.replacingOccurrences(of: "m1,", with: "m2,"))])
            #expect(try await waitForJob(browser, next).last?["state"] as? String == "done")
        }
    }

    @Test("Evaluators, leaders and reporters cannot open the records page or its jobs")
    func pagePermissions() async throws {
        let fixture = try await Fixture.make()
        try await fixture.test { client in
            for role in ["evaluator", "leader", "reporter"] {
                let browser = Browser(client)
                try await browser.login(role)
                let page = try await browser.get(SiteURL.organizationRecords(.value(fixture.org.id)).path)
                #expect(page.status == .forbidden, "\(role)")
            }
            let organizer = Browser(client)
            try await organizer.login("organizer")
            let list = try await organizer.get(SiteURL.organizations.path)
            #expect(list.text.contains(SiteURL.organizationRecords(.value(fixture.org.id)).path))
            let missing = try await organizer.get(
                SiteURL.recordImportJob(.value(fixture.org.id), .value("nope")).path)
            #expect(missing.status == .notFound)
        }
    }

    @Test("The batch API validates like a file, counts, and refuses a bad batch whole with 400")
    func batchAPI() async throws {
        let fixture = try await Fixture.make()
        try await fixture.test { client in
            let api = try await APIClient.login(client, "organizer")
            let url = SiteURL.api(.organizationRecords(.value(fixture.org.id)))
            let body = """
                {"records":[{"type":"case","id":"a1","unit":"A01","channel":"offline","accepted":"2023-03-01","promised_days":3,"legal_days":5},
                {"type":"complaint","id":"k1","unit":"B01","received":"2023-03-02","closed":null}]}
                """
            let first = try await api.call(.post, url, json: body)
            #expect(first.status == .ok, "\(first.text)")
            let json = try #require(try first.json() as? [String: Any])
            #expect((json["counts"] as? [String: Int]) == ["new": 2, "changed": 0, "unchanged": 0])
            #expect(json["sha256"] as? String == SHA256.hex(body))
            let again = try #require(try await api.call(.post, url, json: body).json() as? [String: Any])
            #expect((again["counts"] as? [String: Int]) == ["new": 0, "changed": 0, "unchanged": 2])

            let bad = """
                {"records":[{"type":"case","id":"a2","unit":"A01","accepted":"2023-03-01","promised_days":3,"legal_days":5},
                {"type":"case","id":"a3","unit":"ZZ","accepted":"2023-03-01","promised_days":3,"legal_days":5},
                {"type":"case","id":" a4","unit":"A01","accepted":"2023-03-01","promised_days":9,"legal_days":5}]}
                """
            let refused = try await api.call(.post, url, json: bad)
            #expect(refused.status == .badRequest)
            let error = try #require((try refused.json() as? [String: Any])?["error"] as? [String: Any])
            let records = try #require(error["records"] as? [[String: Any]])
            #expect(records.map { $0["row"] as? Int } == [2, 3])
            #expect(records.map { $0["column"] as? String } == ["unit", "id"])
            #expect((error["message"] as? String)?.contains("没有写入任何记录") == true)
            #expect(try await fixture.store.recordCounts(organization: fixture.org.id)["case"] == 1)

            #expect(try await api.call(.post, url, json: #"{"records":[]}"#).status == .badRequest)
            #expect(try await api.call(.post, url, json: #"{"rows":1}"#).status == .badRequest)
            let reporter = try await APIClient.login(client, "reporter")
            #expect(try await reporter.call(.post, url, json: body).status == .forbidden)
            let unknown = try await api.call(
                .post, .api(.organizationRecords(.value(OrganizationID("nope")))), json: body)
            #expect(unknown.status == .notFound)
        }
    }
}
