import Foundation
import Hummingbird
import HummingbirdTesting
import KaoheStorage
import Testing

@testable import KaoheApplication
@testable import KaoheWeb

/// A small valid scheme file: one category of two items, a bonus section, grades and a note.
func sampleSchemeYAML(id: String, title: String = "测试上传方案") -> String {
    """
    id: \(id)
    title: \(title)
    organizer: 测试考核办
    year: 2024
    total: 10
    notes:
      - 上传方案的说明。
    categories:
      - id: "1"
        name: 基础工作
        items:
          - id: "1.1"
            name: 制度建设
            max: 6
            content: 建立工作制度并落实。
            standard: 未建立制度的不得分。
            facts:
              ok: {type: bool, label: 已建立制度}
            rule:
              pass: ok
          - id: "1.2"
            name: 信息报送
            max: 4
            content: 按时报送信息。
            standard: 迟报一次扣1分。
            facts:
              late: {type: count, label: 迟报次数, unit: 次}
            rule:
              deduct: [{count: late, per: 1}]

    """
}

@Suite("Schemes pages: list, upload with line errors, score table")
struct SchemePageTests {
    @Test("The list shows built-in schemes; each opens as the document's score table")
    func builtInTable() async throws {
        let fixture = try await Fixture.make()
        try await fixture.test { client in
            let browser = Browser(client)
            try await browser.login("leader")
            let list = try await browser.get(SiteURL.schemes.path)
            #expect(list.status == .ok)
            #expect(list.text.contains(SiteURL.scheme(.value("pingqiao-2022")).path))
            #expect(!list.text.contains("id=\"scheme-upload\""))  // leaders cannot upload
            let page = try await browser.get(SiteURL.scheme(.value("shuangyashan-2017")).path)
            #expect(page.status == .ok)
            let text = page.text
            for header in ["<th>项目</th>", "<th>序号</th>", "<th>考核内容</th>", "<th>考核标准</th>", "<th>分值</th>"] {
                #expect(text.contains(header), "missing \(header)")
            }
            #expect(text.contains("完善组织和制度保障") && text.contains("工作机构和专职人员"))
            #expect(text.contains("未落实工作机构的") && text.contains("<td class=\"num\">1.1</td>"))
            #expect(text.contains("加分项"))  // （七）创新服务机制
            #expect(text.contains("id=\"notes\"") && text.contains("分档边界"))
            #expect(text.contains("合计（基础分）"))
            let changbai = try await browser.get(SiteURL.scheme(.value("changbai-2020-fangguanfu")).path).text
            #expect(changbai.contains("id=\"grades\"") && changbai.contains("优秀"))
            #expect(changbai.contains("id=\"downgrades\""))
            let missing = try await browser.get(SiteURL.scheme(.value("no-such-scheme")).path)
            #expect(missing.status == .notFound)
        }
    }

    @Test("An organizer uploads a scheme; it is listed, shown, audited and usable for an assessment")
    func upload() async throws {
        let fixture = try await Fixture.make()
        try await fixture.test { client in
            let browser = Browser(client)
            try await browser.login("organizer")
            #expect(try await browser.get(SiteURL.schemes.path).text.contains("id=\"scheme-upload\""))
            let response = try await browser.post(
                SiteURL.schemes.path, [("file_name", "C:\\方案\\my.yaml"), ("yaml", sampleSchemeYAML(id: "my-2024"))])
            #expect(response.status == .seeOther)
            #expect(response.headers[.location]?.hasPrefix(SiteURL.scheme(.value("my-2024")).path) == true)
            let table = try await browser.get(SiteURL.scheme(.value("my-2024")).path).text
            #expect(table.contains("测试上传方案") && table.contains("制度建设") && table.contains("迟报一次扣1分"))
            #expect(table.contains("上传：my.yaml"))
            #expect(try await browser.get(SiteURL.schemes.path).text.contains("上传：my.yaml"))
            let stored = try #require(try await fixture.store.uploadedScheme("my-2024"))
            #expect(stored.fileName == "my.yaml" && stored.uploadedBy == fixture.users[.organizer]!.id)
            let audit = try await fixture.store.auditLog(entityPrefix: "scheme:my-2024", limit: 10)
            #expect(audit.count == 1 && audit[0].action == "upload" && audit[0].newValue?.contains("sha256") == true)
            #expect(audit[0].newValue?.contains("制度建设") == false)  // the text itself is not copied into the log

            // Usable for a new assessment.
            let created = try await browser.post(
                SiteURL.assessments.path,
                [
                    ("organization_id", fixture.org.id.rawValue), ("scheme_id", "my-2024"), ("year", "2024"),
                    ("title", ""),
                ])
            #expect(created.status == .seeOther, "\(created.status) \(created.text.prefix(300))")
            #expect(try await fixture.store.assessments().contains { $0.schemeID == "my-2024" })

            // The same id again, or a built-in id: refused, nothing stored.
            let again = try await browser.post(
                SiteURL.schemes.path, [("file_name", "x.yaml"), ("yaml", sampleSchemeYAML(id: "my-2024", title: "别的"))])
            #expect(again.status == .conflict && again.text.contains("my-2024"))
            let builtIn = try await browser.post(
                SiteURL.schemes.path, [("file_name", "x.yaml"), ("yaml", sampleSchemeYAML(id: "pingqiao-2022"))])
            #expect(builtIn.status == .conflict && builtIn.text.contains("内置"))
            #expect(try await fixture.store.uploadedSchemes().map(\.id) == ["my-2024"])
        }
    }

    @Test("A file with errors is refused with each problem and its line; nothing is stored")
    func uploadErrors() async throws {
        let fixture = try await Fixture.make()
        try await fixture.test { client in
            let browser = Browser(client)
            try await browser.login("organizer")
            // Line 14 (0-based 13 after the header lines): an unknown fact type; the maxima no longer add up.
            let bad = sampleSchemeYAML(id: "bad-2024").replacingOccurrences(of: "type: bool", with: "type: boolean")
            let lineOfType =
                bad.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("boolean") }! + 1
            let response = try await browser.post(SiteURL.schemes.path, [("file_name", "bad.yaml"), ("yaml", bad)])
            #expect(response.status == .badRequest)
            #expect(response.text.contains("id=\"scheme-problems\""))
            #expect(response.text.contains("第\(lineOfType)行"), "\(response.text)")
            #expect(response.text.contains("boolean"))
            #expect(response.text.contains("type: boolean"))  // the text is kept in the form for correction
            let broken = try await browser.post(
                SiteURL.schemes.path, [("file_name", "broken.yaml"), ("yaml", "id: x\ntitle: [unclosed\n")])
            #expect(broken.status == .badRequest && broken.text.contains("第"))
            let empty = try await browser.post(SiteURL.schemes.path, [("file_name", ""), ("yaml", "  ")])
            #expect(empty.status == .badRequest)
            #expect(try await fixture.store.uploadedSchemes().isEmpty)
            #expect(try await fixture.store.auditLog(entityPrefix: "scheme:", limit: 10).isEmpty)
        }
    }

    @Test("API: upload as the request body, read the scheme as JSON, list includes it")
    func api() async throws {
        let fixture = try await Fixture.make()
        try await fixture.test { client in
            let organizer = try await APIClient.login(client, "organizer")
            let created = try await organizer.call(
                .post, .api(.schemes), query: "?file=api.yaml", raw: sampleSchemeYAML(id: "api-2024"))
            #expect(created.status == .created)
            #expect((try created.json() as? [String: Any])?["id"] as? String == "api-2024")
            let bad = try await organizer.call(
                .post, .api(.schemes), raw: sampleSchemeYAML(id: "x").replacingOccurrences(of: "max: 4", with: "max: 3")
            )
            #expect(bad.status == .badRequest)
            let evaluator = try await APIClient.login(client, "evaluator")
            let list = try #require(try await evaluator.call(.get, .api(.schemes)).json() as? [[String: Any]])
            #expect(
                list.contains { $0["id"] as? String == "api-2024" }
                    && list.contains { $0["id"] as? String == "pingqiao-2022" })
            let one = try await evaluator.call(.get, .api(.scheme(.value("api-2024"))))
            #expect(one.status == .ok)
            #expect((try one.json() as? [String: Any])?["id"] as? String == "api-2024")
            #expect(try await evaluator.call(.get, .api(.scheme(.value("nope")))).status == .notFound)
        }
    }
}

@Suite("Uploaded schemes in storage")
struct UploadedSchemeStorageTests {
    @Test("Stored verbatim, listed by id, duplicates refused, audited", arguments: Fixture.backends)
    func stored(backend: String) async throws {
        let fixture = try await Fixture.make(backend: backend)
        do {
            let organizer = fixture.users[.organizer]!
            let catalog = SchemeCatalog(fixture.deps)
            let yaml = sampleSchemeYAML(id: "zz-2024")
            _ = try await catalog.upload(fileName: "zz.yaml", yaml: "\u{FEFF}" + yaml, by: organizer)
            _ = try await catalog.upload(fileName: "", yaml: sampleSchemeYAML(id: "aa-2024"), by: organizer)
            let stored = try await fixture.store.uploadedSchemes()
            #expect(stored.map(\.id) == ["aa-2024", "zz-2024"])
            #expect(stored[1].yaml == yaml && stored[0].fileName == "粘贴的内容")
            await #expect(throws: AppError.self) {
                _ = try await catalog.upload(fileName: "again.yaml", yaml: yaml, by: organizer)
            }
            await #expect(throws: AppError.forbidden(Permission.manageAssessments.label)) {
                _ = try await catalog.upload(
                    fileName: "x.yaml", yaml: sampleSchemeYAML(id: "x-1"), by: fixture.users[.evaluator]!)
            }
            #expect(try await fixture.store.uploadedSchemes().count == 2)
            #expect(try await catalog.scheme("zz-2024").scheme.items.count == 2)
            #expect(try await catalog.summaries().suffix(2).map(\.id) == ["aa-2024", "zz-2024"])
            #expect(try await fixture.store.auditLog(entityPrefix: "scheme:", limit: 10).count == 2)
            #expect(
                try await fixture.store.verifyAudit()
                    == .intact(entries: try await fixture.store.auditLog(entityPrefix: nil, limit: 10_000).count))
        } catch {
            await fixture.store.shutdown()
            throw error
        }
        await fixture.store.shutdown()
    }
}
