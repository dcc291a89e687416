import Foundation
import Hummingbird
import HummingbirdTesting
import KaoheEngine
import KaoheStorage
import KaoheTestSupport
import Testing

@testable import KaoheApplication
@testable import KaoheWeb

/// Small files of each kind, made by hand.
enum Samples {
    static let pdf = Array("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".utf8)
    static let png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: UInt8(7), count: 120)
    static let exe =
        Array("MZ".utf8) + Array(repeating: UInt8(0x90), count: 300)
        + Array("This program cannot be run in DOS mode".utf8)
    static let html = Array(
        "<!-- x -->\n<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".utf8)

    /// A ZIP of stored entries (CRCs not filled in: only the central directory is ever read), with
    /// optional ZIP64 declared uncompressed sizes.
    static func zip(_ entries: [(name: String, data: [UInt8], declared: UInt64?)]) -> [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        func le16(_ v: Int, into a: inout [UInt8]) { a += [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
        func le32(_ v: UInt64, into a: inout [UInt8]) {
            for s in [0, 8, 16, 24] { a.append(UInt8((v >> UInt64(s)) & 0xFF)) }
        }
        func le64(_ v: UInt64, into a: inout [UInt8]) {
            for s in stride(from: 0, to: 64, by: 8) { a.append(UInt8((v >> UInt64(s)) & 0xFF)) }
        }
        for entry in entries {
            let name = Array(entry.name.utf8)
            let offset = UInt64(out.count)
            out += [0x50, 0x4B, 0x03, 0x04]
            le16(20, into: &out); le16(0, into: &out); le16(entry.declared == nil ? 0 : 8, into: &out)
            le16(0, into: &out); le16(0, into: &out); le32(0, into: &out)
            le32(UInt64(entry.data.count), into: &out); le32(UInt64(entry.data.count), into: &out)
            le16(name.count, into: &out); le16(0, into: &out)
            out += name + entry.data
            central += [0x50, 0x4B, 0x01, 0x02]
            le16(45, into: &central); le16(45, into: &central); le16(0, into: &central)
            le16(entry.declared == nil ? 0 : 8, into: &central); le16(0, into: &central); le16(0, into: &central)
            le32(0, into: &central); le32(UInt64(entry.data.count), into: &central)
            le32(entry.declared == nil ? UInt64(entry.data.count) : 0xFFFF_FFFF, into: &central)
            le16(name.count, into: &central); le16(entry.declared == nil ? 0 : 12, into: &central)
            le16(0, into: &central); le16(0, into: &central); le16(0, into: &central); le32(0, into: &central)
            le32(offset, into: &central)
            central += name
            if let declared = entry.declared {
                le16(1, into: &central); le16(8, into: &central); le64(declared, into: &central)
            }
        }
        let start = UInt64(out.count)
        out += central
        out += [0x50, 0x4B, 0x05, 0x06, 0, 0, 0, 0]
        le16(entries.count, into: &out); le16(entries.count, into: &out)
        le32(UInt64(central.count), into: &out); le32(start, into: &out); le16(0, into: &out)
        return out
    }

    static var docx: [UInt8] {
        zip([
            ("[Content_Types].xml", Array("<Types/>".utf8), nil),
            ("word/document.xml", Array("<w:document/>".utf8), nil),
        ])
    }

    /// 2 KB on disk, declaring 5 GB once expanded.
    static var bomb: [UInt8] {
        zip([("bomb.bin", Array(repeating: 0, count: 2000), 5_000_000_000)])
    }
}

extension Browser {
    /// Posts a multipart upload; the CSRF token goes in the query (as the page's form does) unless `csrf` is false.
    @discardableResult
    func upload(
        _ url: SiteURL, name: String, bytes: [UInt8], fields: [(String, String)] = [], csrf: Bool = true,
        body: [UInt8]? = nil
    ) async throws -> TestResponse {
        var headers = HTTPFields()
        headers[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ")
        headers[.contentType] = MultipartBody.contentType
        let uri = csrf ? url.path(query: [("_csrf", self.csrf)]) : url.path
        let payload = body ?? MultipartBody.make(fields: fields, files: [(field: "file", name: name, bytes: bytes)])
        return try await client.executeRequest(
            uri: uri, method: .post, headers: headers, body: ByteBuffer(bytes: payload))
    }
}

/// An app over the standard fixture with its own evidence folder: the assessment is open, unit B enrolled
/// too with its own reporter (`reporterB`), the evaluator assigned to unit A only.
struct EvidenceWorld {
    let fixture: Fixture
    let deps: AppDependencies
    var evidence: EvidenceStore { deps.evidence }
    var a: AssessmentID { fixture.assessment.id }
    var unitA: UnitID { fixture.unitA.id }
    var unitB: UnitID { fixture.unitB.id }
    /// The first two items of the scheme that apply to the units.
    let items: [String]

    static func run(
        maxBytes: Int = 1 << 20,
        _ body: @escaping @Sendable (EvidenceWorld, any TestClientProtocol) async throws -> Void
    ) async throws {
        let fixture = try await Fixture.make()
        var deps = fixture.deps
        deps.evidence = .temporary(maxFileSize: maxBytes)
        let store = fixture.store
        try await store.enrol([fixture.unitB.id], in: fixture.assessment.id, by: .system)
        _ = try await store.transition(fixture.assessment.id, to: .open, by: .system)
        try await store.assign(
            EvaluatorAssignment(
                assessmentID: fixture.assessment.id, userID: fixture.users[.evaluator]!.id, unitID: fixture.unitA.id,
                itemID: nil), by: .system)
        _ = try await AuthService(deps).createUser(
            username: "reporterB", displayName: "岭东区填报人", password: testPassword, roles: [.reporter],
            organizationID: nil, unitID: fixture.unitB.id, by: .system)
        let scheme = try await SchemeCatalog(deps).scheme(fixture.assessment.schemeID).scheme
        let items = ScoreGroup.all(in: scheme, unitType: ScoringRules.schemeUnitType(for: fixture.unitA, in: scheme))
            .compactMap(\.item).map(\.id)
        let world = EvidenceWorld(fixture: fixture, deps: deps, items: items)
        let app = Application(router: buildRouter(deps))
        do {
            try await app.test(.router) { client in try await body(world, client) }
        } catch {
            await store.shutdown()
            try? FileManager.default.removeItem(atPath: deps.evidence.directory)
            throw error
        }
        await store.shutdown()
        try? FileManager.default.removeItem(atPath: deps.evidence.directory)
    }

    func browser(_ client: any TestClientProtocol, _ user: String) async throws -> Browser {
        let browser = Browser(client)
        try await browser.login(user)
        return browser
    }

    func uploadURL(_ unit: UnitID? = nil, item: String? = nil) -> SiteURL {
        .evidenceUpload(.value(a), .value(unit ?? unitA), .value(item ?? items[0]))
    }

    func records(_ unit: UnitID? = nil) async throws -> [EvidenceFile] {
        try await fixture.store.evidence(assessment: a, unit: unit)
    }

    /// Nothing half-written anywhere, and exactly `blobs` stored files.
    func expectClean(blobs: Int, _ comment: Comment? = nil) {
        #expect(evidence.temporaryFiles().isEmpty, comment)
        #expect(evidence.blobs().count == blobs, comment)
    }
}

@Suite("Evidence: uploads, downloads, access, index and package")
struct EvidenceTests {
    @Test("PDF, PNG and DOCX are stored by content; identical content is stored once for two records")
    func uploadAndDedup() async throws {
        try await EvidenceWorld.run { w, client in
            let reporter = try await w.browser(client, "reporter")
            for (name, bytes) in [("自查报告.pdf", Samples.pdf), ("现场照片.png", Samples.png), ("台账.docx", Samples.docx)] {
                let response = try await reporter.upload(w.uploadURL(), name: name, bytes: bytes)
                #expect(response.status == .seeOther, "\(name): \(response.status) \(response.text.prefix(300))")
                #expect(
                    response.headers[.location]
                        == SiteURL.selfAssessment(.value(w.a), .value(w.unitA)).path + "#item-"
                        + SiteURL.encode(w.items[0]))
            }
            // The same bytes again under another name, for another item.
            try await reporter.upload(w.uploadURL(item: w.items[1]), name: "再次上传.pdf", bytes: Samples.pdf)
            let records = try await w.records(w.unitA)
            #expect(records.count == 4)
            let byName = Dictionary(uniqueKeysWithValues: records.map { ($0.fileName, $0) })
            #expect(byName["自查报告.pdf"]?.contentType == "application/pdf")
            #expect(byName["现场照片.png"]?.contentType == "image/png")
            #expect(byName["台账.docx"]?.contentType == EvidenceKind.docx.contentType)
            #expect(byName["自查报告.pdf"]?.purpose == .selfAssessment)
            #expect(byName["自查报告.pdf"]?.sha256 == byName["再次上传.pdf"]?.sha256)
            w.expectClean(blobs: 3)
            let path = try w.evidence.path(for: byName["自查报告.pdf"]!.sha256)
            #expect(FileManager.default.contents(atPath: path) == Data(Samples.pdf))
            #expect(path.hasPrefix(w.evidence.directory + "/" + String(byName["自查报告.pdf"]!.sha256.prefix(2)) + "/"))
            // Uploads are audited.
            let audit = try await w.fixture.store.auditLog(entityPrefix: "evidence:", limit: 20)
            #expect(audit.filter { $0.action == "upload" }.count == 4)
        }
    }

    @Test("Downloads stream the stored bytes with the content's type, an encoded attachment name and nosniff")
    func download() async throws {
        try await EvidenceWorld.run { w, client in
            let reporter = try await w.browser(client, "reporter")
            try await reporter.upload(w.uploadURL(), name: "扫描件 \"第1页\".pdf", bytes: Samples.pdf)
            let file = try #require(try await w.records().first)
            let response = try await reporter.get(SiteURL.evidenceFile(.value(file.id)).path)
            #expect(response.status == .ok)
            #expect(Array(response.body.readableBytesView) == Samples.pdf)
            #expect(response.headers[.contentType] == "application/pdf")
            #expect(response.headers[.xContentTypeOptions] == "nosniff")
            let disposition = try #require(response.headers[.contentDisposition])
            #expect(disposition.hasPrefix("attachment;"))
            #expect(disposition.contains("filename*=UTF-8''%E6%89%AB%E6%8F%8F%E4%BB%B6%20_%E7%AC%AC1%E9%A1%B5_.pdf"))
            // The evaluator assigned to unit A and the organizer read it too.
            for user in ["evaluator", "organizer", "admin"] {
                let other = try await w.browser(client, user)
                #expect(try await other.get(SiteURL.evidenceFile(.value(file.id)).path).status == .ok, "\(user)")
            }
        }
    }

    @Test("Over the limit: 413 naming the file and the limit, nothing in the store or its temporary folder")
    func tooLarge() async throws {
        try await EvidenceWorld.run(maxBytes: 64 * 1024) { w, client in
            let reporter = try await w.browser(client, "reporter")
            let big = Samples.pdf + Array(repeating: UInt8(0x20), count: 70 * 1024)
            let response = try await reporter.upload(w.uploadURL(), name: "大文件.pdf", bytes: big)
            #expect(response.status == .contentTooLarge)
            #expect(
                response.text.contains("大文件.pdf") && response.text.contains("64 KB"), "\(response.text.prefix(500))")
            w.expectClean(blobs: 0)
            #expect(try await w.records().isEmpty)
            // Far over the limit: refused on Content-Length, still naming the file.
            let huge = Samples.pdf + Array(repeating: UInt8(0x20), count: 3 << 20)
            let early = try await reporter.upload(w.uploadURL(), name: "巨大.pdf", bytes: huge)
            #expect(early.status == .contentTooLarge)
            #expect(early.text.contains("巨大.pdf"), "\(early.text.prefix(500))")
            w.expectClean(blobs: 0)
            // While streaming, without a declared length.
            let ops = EvidenceOperations(w.deps)
            let body = MultipartBody.make(files: [(field: "file", name: "流式.pdf", bytes: big)])
            do {
                _ = try await ops.receive(
                    body: ChunkedBody(bytes: body, sizes: [8192]), boundary: MultipartBody.boundary, declaredLength: nil
                )
                Issue.record("accepted a file over the limit")
            } catch let error as AppError {
                #expect(error.status == .contentTooLarge)
                guard case .tooLarge(let message) = error else { throw error }
                #expect(message.contains("流式.pdf"))
            }
            w.expectClean(blobs: 0)
        }
    }

    @Test("The type comes from the content: an EXE named .pdf and an SVG with script are refused with 415")
    func lyingTypes() async throws {
        try await EvidenceWorld.run { w, client in
            let reporter = try await w.browser(client, "reporter")
            let exe = try await reporter.upload(w.uploadURL(), name: "通知.pdf", bytes: Samples.exe)
            #expect(exe.status == .unsupportedMediaType)
            #expect(exe.text.contains("通知.pdf") && exe.text.contains("Windows 可执行程序"), "\(exe.text.prefix(500))")
            let svg = try await reporter.upload(w.uploadURL(), name: "图.txt", bytes: Samples.html)
            #expect(svg.status == .unsupportedMediaType)
            #expect(svg.text.contains("图.txt") && svg.text.contains("HTML/SVG"))
            w.expectClean(blobs: 0)
            #expect(try await w.records().isEmpty)
            // A PNG called .pdf is accepted as what it is, and its name says so.
            #expect(try await reporter.upload(w.uploadURL(), name: "照片.pdf", bytes: Samples.png).status == .seeOther)
            let stored = try #require(try await w.records().first)
            #expect(stored.contentType == "image/png" && stored.fileName == "照片.pdf.png")
        }
    }

    @Test("The sniffer: magic numbers, Office containers by their directories, text, and refusals")
    func sniffer() throws {
        func sniff(_ bytes: [UInt8]) throws -> SniffResult {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("sniff-\(UUID().uuidString)").path
            _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
            defer { try? FileManager.default.removeItem(atPath: path) }
            return ContentSniffer.sniff(
                path: path, size: bytes.count, head: Array(bytes.prefix(ContentSniffer.headLength)))
        }
        #expect(try sniff(Samples.pdf) == .accepted(.pdf))
        #expect(try sniff([0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]) == .accepted(.jpeg))
        #expect(try sniff(Array("GIF89a....".utf8)) == .accepted(.gif))
        #expect(try sniff(Array("RIFF\u{0}\u{0}\u{0}\u{0}WEBPVP8 ".utf8)) == .accepted(.webp))
        #expect(try sniff(Samples.docx) == .accepted(.docx))
        #expect(
            try sniff(Samples.zip([("[Content_Types].xml", [], nil), ("xl/workbook.xml", [], nil)])) == .accepted(.xlsx)
        )
        #expect(
            try sniff(Samples.zip([("[Content_Types].xml", [], nil), ("ppt/presentation.xml", [], nil)]))
                == .accepted(.pptx))
        #expect(try sniff(Samples.zip([("OFD.xml", [], nil)])) == .accepted(.ofd))
        #expect(try sniff(Samples.zip([("a.txt", Array("hi".utf8), nil)])) == .accepted(.zip))
        #expect(
            try sniff(Samples.zip([("[Content_Types].xml", [], nil), ("word/vbaProject.bin", [], nil)]))
                .isRefused(containing: "宏"))
        #expect(try sniff(Array("一、自查情况\r\n二、整改措施\n".utf8)) == .accepted(.text))
        #expect(try sniff([0xD2, 0xBB, 0xA1, 0xA2, 0x0A]) == .accepted(.legacyText))  // GB18030 text
        #expect(try sniff(Samples.exe).isRefused(containing: "Windows 可执行程序"))
        #expect(try sniff([0x7F, 0x45, 0x4C, 0x46, 2, 1, 1]).isRefused(containing: "ELF"))
        #expect(try sniff(Array("<html><body>x</body></html>".utf8)).isRefused(containing: "HTML"))
        #expect(try sniff(Array("text then <script>alert(1)</script>".utf8)).isRefused(containing: "HTML"))
        #expect(try sniff([0, 1, 2, 3, 4]).isRefused(containing: "二进制"))
        #expect(try sniff(Array("Rar!\u{1A}\u{07}\u{00}".utf8)).isRefused(containing: "RAR"))
        #expect(try sniff(Array("PK\u{03}\u{04}broken".utf8)).isRefused(containing: "损坏"))
        // An OLE2 header whose directory names no Office stream (as an MSI installer's) is refused.
        var ole = [UInt8](repeating: 0, count: 512 * 3)
        ole.replaceSubrange(0..<8, with: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1])
        ole[0x1E] = 9  // 512-byte sectors
        ole[0x30] = 0  // directory in sector 0 (file offset 512)
        ole[0x4C] = 1  // FAT in sector 1
        ole.replaceSubrange(0x4D..<0x50, with: [0, 0, 0])
        for i in 0..<128 { ole[1024 + i * 4..<1024 + i * 4 + 4] = [0xFE, 0xFF, 0xFF, 0xFF][...] }
        func entry(_ name: String, at slot: Int, type: UInt8) {
            let units = Array(name.utf16) + [0]
            for (i, unit) in units.enumerated() {
                ole[512 + slot * 128 + i * 2] = UInt8(unit & 0xFF)
                ole[512 + slot * 128 + i * 2 + 1] = UInt8(unit >> 8)
            }
            ole[512 + slot * 128 + 0x40] = UInt8(units.count * 2)
            ole[512 + slot * 128 + 0x42] = type
        }
        entry("Root Entry", at: 0, type: 5)
        entry("\u{5}SummaryInformation", at: 1, type: 2)
        #expect(try sniff(ole).isRefused(containing: "OLE"))
        entry("WordDocument", at: 2, type: 2)
        #expect(try sniff(ole) == .accepted(.doc))
    }

    @Test("A ZIP declaring 5 GB is refused at once from its central directory, never expanded")
    func zipBomb() async throws {
        try await EvidenceWorld.run { w, client in
            let reporter = try await w.browser(client, "reporter")
            let started = Date()
            let response = try await reporter.upload(w.uploadURL(), name: "材料.zip", bytes: Samples.bomb)
            let elapsed = Date().timeIntervalSince(started)
            #expect(response.status == .unsupportedMediaType)
            #expect(response.text.contains("材料.zip") && response.text.contains("压缩炸弹"), "\(response.text.prefix(500))")
            // Expanding 5 GB takes minutes; the bound is loose so a busy machine never fails it.
            #expect(elapsed < 30, "took \(elapsed) s")
            w.expectClean(blobs: 0)
            // Nothing was written but the 2 KB upload itself, which is gone.
            let used = try FileManager.default.subpathsOfDirectory(atPath: w.evidence.directory).count
            #expect(used <= 1)  // only tmp/
        }
    }

    @Test("File names: path parts, control characters, NUL and bidi overrides are removed; long names shortened")
    func fileNames() async throws {
        #expect(EvidenceNames.clean("../../etc/passwd") == "passwd")
        #expect(EvidenceNames.clean("C:\\Users\\x\\y.pdf") == "y.pdf")
        #expect(EvidenceNames.clean("a\u{0}b\u{1}c\u{7F}d.pdf") == "abcd.pdf")
        #expect(EvidenceNames.clean("invoice\u{202E}fdp.exe") == "invoicefdp.exe")
        #expect(EvidenceNames.clean("  ..  ") == "未命名文件")
        #expect(EvidenceNames.clean("a<b>:c|d?.pdf") == "a_b__c_d_.pdf")
        #expect(EvidenceNames.clean("CON.pdf") == "_CON.pdf")
        let long = EvidenceNames.clean(String(repeating: "长", count: 300) + ".docx")
        #expect(long.count == EvidenceNames.maxLength && long.hasSuffix(".docx"))
        try await EvidenceWorld.run { w, client in
            let reporter = try await w.browser(client, "reporter")
            for name in ["../../etc/passwd.pdf", "C:\\x\\y.pdf", "evil\u{1}\u{202E}fdp.exe"] {
                #expect(try await reporter.upload(w.uploadURL(), name: name, bytes: Samples.pdf).status == .seeOther)
            }
            let names = Set(try await w.records().map(\.fileName))
            #expect(names == ["passwd.pdf", "y.pdf", "evilfdp.exe.pdf"])
            w.expectClean(blobs: 1)
        }
    }

    @Test("Interrupted uploads leave nothing behind and no record")
    func interrupted() async throws {
        try await EvidenceWorld.run { w, client in
            let reporter = try await w.browser(client, "reporter")
            // The body ends without its closing boundary.
            let body = MultipartBody.make(
                files: [(field: "file", name: "半截.pdf", bytes: Samples.pdf + Array(repeating: 0x20, count: 20_000))],
                close: false)
            let response = try await reporter.upload(w.uploadURL(), name: "", bytes: [], body: body)
            #expect(response.status == .badRequest)
            #expect(response.text.contains("上传中断"), "\(response.text.prefix(400))")
            w.expectClean(blobs: 0)
            #expect(try await w.records().isEmpty)
            // The client goes away half way through the file.
            let ops = EvidenceOperations(w.deps)
            let whole = MultipartBody.make(
                files: [(field: "file", name: "断开.pdf", bytes: Samples.pdf + Array(repeating: 0x20, count: 50_000))])
            do {
                _ = try await ops.receive(
                    body: ChunkedBody(bytes: whole, sizes: [4096], failAfter: 30_000), boundary: MultipartBody.boundary,
                    declaredLength: whole.count)
                Issue.record("an interrupted body was accepted")
            } catch is ChunkedBody.Interrupted {
            }
            w.expectClean(blobs: 0)
            // Stale temporary files of a crashed run are removed on start; fresh ones (other instances) stay.
            let old = w.evidence.temporaryDirectory + "/old.part", fresh = w.evidence.temporaryDirectory + "/fresh.part"
            _ = FileManager.default.createFile(atPath: old, contents: Data([1]))
            _ = FileManager.default.createFile(atPath: fresh, contents: Data([2]))
            try FileManager.default.setAttributes(
                [.modificationDate: Date().addingTimeInterval(-7200)], ofItemAtPath: old)
            #expect(try w.evidence.prepare() == 1)
            #expect(w.evidence.temporaryFiles() == ["fresh.part"])
        }
    }

    @Test("Another unit's evidence is not found for a reporter: file by id, index and package; leaders are refused")
    func isolation() async throws {
        try await EvidenceWorld.run { w, client in
            let reporterB = try await w.browser(client, "reporterB")
            #expect(
                try await reporterB.upload(w.uploadURL(w.unitB), name: "岭东区.pdf", bytes: Samples.pdf).status
                    == .seeOther)
            let fileB = try #require(try await w.records(w.unitB).first)
            let reporterA = try await w.browser(client, "reporter")
            for path in [
                SiteURL.evidenceFile(.value(fileB.id)).path, SiteURL.evidenceIndex(.value(w.a), .value(w.unitB)).path,
                SiteURL.evidencePackage(.value(w.a), .value(w.unitB)).path,
                SiteURL.evidenceFile(.value(EvidenceID("nope"))).path,
            ] {
                let response = try await reporterA.get(path)
                #expect(response.status == .notFound, "\(path): \(response.status)")
                #expect(!response.text.contains("岭东区.pdf"))
            }
            // Not even by withdrawing or uploading into it.
            #expect(
                try await reporterA.post(SiteURL.evidenceWithdraw(.value(fileB.id)).path, [("reason", "x")]).status
                    == .notFound)
            #expect(
                try await reporterA.upload(w.uploadURL(w.unitB), name: "a.pdf", bytes: Samples.pdf).status == .notFound)
            // The evaluator is assigned to unit A only.
            let evaluator = try await w.browser(client, "evaluator")
            #expect(try await evaluator.get(SiteURL.evidenceFile(.value(fileB.id)).path).status == .notFound)
            let leader = try await w.browser(client, "leader")
            for path in [
                SiteURL.evidenceFile(.value(fileB.id)).path, SiteURL.evidenceIndex(.value(w.a), .value(w.unitB)).path,
                SiteURL.evidencePackage(.value(w.a), .value(w.unitB)).path,
            ] {
                #expect(try await leader.get(path).status == .forbidden, "\(path)")
            }
            #expect(try await leader.upload(w.uploadURL(), name: "a.pdf", bytes: Samples.pdf).status == .forbidden)
            #expect(try await w.records(w.unitA).isEmpty)
            // Evaluators' finding evidence of unit A stays hidden from its reporter until 公示.
            #expect(try await evaluator.upload(w.uploadURL(), name: "问题截图.png", bytes: Samples.png).status == .seeOther)
            let finding = try #require(try await w.records(w.unitA).first)
            #expect(finding.purpose == .finding)
            #expect(try await reporterA.get(SiteURL.evidenceFile(.value(finding.id)).path).status == .notFound)
        }
    }

    @Test("A multipart upload without the CSRF token is refused before anything is read or stored")
    func csrf() async throws {
        try await EvidenceWorld.run { w, client in
            let reporter = try await w.browser(client, "reporter")
            let missing = try await reporter.upload(w.uploadURL(), name: "a.pdf", bytes: Samples.pdf, csrf: false)
            #expect(missing.status == .forbidden && missing.text.contains("CSRF"))
            reporter.csrf = String(repeating: "0", count: 64)
            let wrong = try await reporter.upload(w.uploadURL(), name: "a.pdf", bytes: Samples.pdf)
            #expect(wrong.status == .forbidden)
            w.expectClean(blobs: 0)
            #expect(try await w.records().isEmpty)
        }
    }

    @Test("Withdrawing needs a reason, keeps the record and the file, shows who, when and why, and is audited")
    func withdraw() async throws {
        try await EvidenceWorld.run { w, client in
            let reporter = try await w.browser(client, "reporter")
            try await reporter.upload(w.uploadURL(), name: "旧版.pdf", bytes: Samples.pdf)
            let file = try #require(try await w.records().first)
            let url = SiteURL.evidenceWithdraw(.value(file.id)).path
            #expect(try await reporter.post(url, [("reason", "  ")]).status == .badRequest)
            let done = try await reporter.post(url, [("reason", "上传错了版本")])
            #expect(done.status == .seeOther)
            let after = try #require(try await w.fixture.store.evidence(file.id))
            #expect(after.withdrawnAt != nil && after.withdrawnReason == "上传错了版本")
            #expect(after.withdrawnBy == w.fixture.users[.reporter]!.id)
            #expect(try await reporter.post(url, [("reason", "again")]).status == .conflict)
            // Still downloadable; listed struck through with who and why.
            #expect(try await reporter.get(SiteURL.evidenceFile(.value(file.id)).path).status == .ok)
            let index = try await reporter.get(SiteURL.evidenceIndex(.value(w.a), .value(w.unitA)).path)
            #expect(index.text.contains("<del>") && index.text.contains("上传错了版本"))
            #expect(index.text.contains(w.fixture.users[.reporter]!.displayName))
            let audit = try await w.fixture.store.auditLog(entityPrefix: "evidence:\(w.a)/\(w.unitA)", limit: 10)
            #expect(Set(audit.map(\.action)) == ["upload", "withdraw"])
            w.expectClean(blobs: 1)
            // An evaluator may not withdraw the unit's own evidence.
            try await reporter.upload(w.uploadURL(), name: "新版.pdf", bytes: Samples.png)
            let current = try #require(try await w.records().first { $0.withdrawnAt == nil })
            let evaluator = try await w.browser(client, "evaluator")
            #expect(
                try await evaluator.post(SiteURL.evidenceWithdraw(.value(current.id)).path, [("reason", "x")]).status
                    == .forbidden)
        }
    }

    @Test("The index numbers files per item in the scheme's order; the ZIP holds the report, the index and the files")
    func indexAndPackage() async throws {
        try await EvidenceWorld.run { w, client in
            let reporter = try await w.browser(client, "reporter")
            try await reporter.upload(w.uploadURL(item: w.items[1]), name: "第二项.pdf", bytes: Samples.pdf)
            w.fixture.clock.advance(60)
            try await reporter.upload(w.uploadURL(item: w.items[0]), name: "第一项-a.png", bytes: Samples.png)
            w.fixture.clock.advance(60)
            try await reporter.upload(w.uploadURL(item: w.items[0]), name: "第一项-b.docx", bytes: Samples.docx)
            _ = try await w.fixture.store.saveSelfAssessment(
                SelfAssessmentEntry(
                    assessmentID: w.a, unitID: w.unitA, itemID: w.items[0], selfScore: "4.5", note: "已按要求整改",
                    claimedFacts: nil), expectedVersion: 0, by: .system)
            let page = try await reporter.get(SiteURL.evidenceIndex(.value(w.a), .value(w.unitA)).path)
            #expect(page.status == .ok)
            let text = page.text
            // The numbers as table cells: bare "2-1" also occurs inside random ids and dates on the page.
            let order = [
                "<td class=\"num\">1-1</td>", "第一项-a.png", "<td class=\"num\">1-2</td>", "第一项-b.docx",
                "<td class=\"num\">2-1</td>", "第二项.pdf",
            ].map { text.range(of: $0)?.lowerBound }
            #expect(!order.contains(nil), "\(text.prefix(2000))")
            #expect(order.compactMap { $0 } == order.compactMap { $0 }.sorted())
            #expect(text.contains("佐证材料目录清单") && text.contains(String(Samples.pdf.sha256Hex.prefix(12))))

            let zip = try await reporter.get(SiteURL.evidencePackage(.value(w.a), .value(w.unitA)).path)
            #expect(zip.status == .ok)
            #expect(zip.headers[.contentType] == "application/zip")
            let bytes = Array(zip.body.readableBytesView)
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("pkg-\(UUID().uuidString).zip")
                .path
            _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
            defer { try? FileManager.default.removeItem(atPath: path) }
            guard case .success(let entries) = ContentSniffer.zipDirectory(path: path, size: bytes.count) else {
                Issue.record("the package is not a readable ZIP")
                return
            }
            let names = entries.map(\.name)
            let first = EvidenceNames.zipComponent(w.items[0]), second = EvidenceNames.zipComponent(w.items[1])
            #expect(
                names == [
                    "自查报告.html", "佐证材料目录清单.html", "1_\(first)/1-1_第一项-a.png", "1_\(first)/1-2_第一项-b.docx",
                    "2_\(second)/2-1_第二项.pdf",
                ])
            #expect(bytes.firstRange(of: Samples.docx) != nil)
            let report = String(decoding: bytes, as: UTF8.self)
            #expect(report.contains("自查报告") && report.contains("已按要求整改") && report.contains("尚未提交"))
            #expect(report.contains("<b>4.5</b>"))
            // Where python3 is installed, its zipfile module checks every CRC.
            if FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
                process.arguments = [
                    "-c", "import sys, zipfile; sys.exit(zipfile.ZipFile(sys.argv[1]).testzip() is not None)", path,
                ]
                try process.run()
                process.waitUntilExit()
                #expect(process.terminationStatus == 0, "python zipfile found a bad entry")
            }
        }
    }

    @Test("Uploads follow the assessment's state; the item must be one of the scheme's")
    func states() async throws {
        try await EvidenceWorld.run { w, client in
            let reporter = try await w.browser(client, "reporter")
            let unknown = try await reporter.upload(
                w.uploadURL(item: "no-such-item"), name: "a.pdf", bytes: Samples.pdf)
            #expect(unknown.status == .notFound)
            try await w.fixture.store.move(w.a, to: .scoring)
            #expect(try await reporter.upload(w.uploadURL(), name: "补正.pdf", bytes: Samples.pdf).status == .seeOther)
            try await w.fixture.store.move(w.a, to: .publicity)
            let publicity = try await reporter.upload(w.uploadURL(), name: "迟交.pdf", bytes: Samples.png)
            #expect(publicity.status == .conflict && publicity.text.contains("异议"))
            try await w.fixture.store.move(w.a, to: .final)
            let organizer = try await w.browser(client, "organizer")
            let final = try await organizer.upload(w.uploadURL(), name: "定稿后.pdf", bytes: Samples.png)
            #expect(final.status == .conflict && final.text.contains("定稿"))
            w.expectClean(blobs: 1)
            #expect(try await w.records().count == 1)
        }
    }

    @Test("Objection evidence: a multipart form with text fields and a file, stored with purpose objection")
    func objectionEvidence() async throws {
        try await EvidenceWorld.run { w, client in
            try await w.fixture.store.move(w.a, to: .scoring)
            try await w.fixture.store.move(w.a, to: .publicity)
            let reporter = w.fixture.users[.reporter]!
            let ops = EvidenceOperations(w.deps)
            let body = MultipartBody.make(
                fields: [("item", w.items[0]), ("text", "第1项漏计培训记录")],
                files: [(field: "file", name: "培训签到表.pdf", bytes: Samples.pdf)])
            let received = try await ops.receive(
                body: ChunkedBody(bytes: body, sizes: [100]), boundary: MultipartBody.boundary,
                declaredLength: body.count,
                maxFiles: 5)
            #expect(received.fields["item"] == w.items[0] && received.fields["text"] == "第1项漏计培训记录")
            let file = try #require(received.files.first)
            let stored = try await ops.storeObjectionEvidence(
                file, assessment: w.a.rawValue, unit: w.unitA.rawValue, item: w.items[0], by: reporter)
            #expect(stored.purpose == .objection && stored.fileName == "培训签到表.pdf")
            received.discard()
            w.expectClean(blobs: 1)
            // Another unit's reporter cannot.
            let other = try #require(try await w.fixture.store.user(username: "reporterB"))
            await #expect(throws: AppError.self) {
                _ = try await ops.storeObjectionEvidence(
                    file, assessment: w.a.rawValue, unit: w.unitA.rawValue, item: w.items[0], by: other)
            }
        }
    }

    @Test("The item's evidence view: list with withdrawn files struck through and a multipart upload form")
    func itemView() {
        let a = AssessmentID("a1"), u = UnitID("u1")
        let current = EvidenceFile(
            assessmentID: a, unitID: u, itemID: "3", sha256: String(repeating: "a", count: 64), fileName: "<报告>.pdf",
            contentType: "application/pdf", size: 2048, purpose: .selfAssessment, uploadedBy: nil,
            uploadedAt: Date(timeIntervalSince1970: 1_700_000_000))
        var old = current
        old.id = .generate()
        old.withdrawnAt = Date(timeIntervalSince1970: 1_700_000_600)
        old.withdrawnReason = "重复"
        let html = EvidenceViews.itemEvidence(
            files: [current, old], uploadURL: .evidenceUpload(.value(a), .value(u), .value("3")), csrf: "tok"
        ).text
        #expect(html.contains("enctype=\"multipart/form-data\""))
        #expect(html.contains("action=\"/assessments/a1/units/u1/items/3/evidence?_csrf=tok\""))
        #expect(html.contains("&lt;报告&gt;.pdf") && !html.contains("<报告>"))
        #expect(html.contains("<del>") && html.contains("重复"))
        #expect(html.contains("2 KB") && html.contains("2023-11-15 06:13"))
        let readOnly = EvidenceViews.itemEvidence(files: [current], uploadURL: nil, csrf: "tok").text
        #expect(!readOnly.contains("<form"))
    }
}

extension SniffResult {
    func isRefused(containing text: String) -> Bool {
        if case .refused(let message) = self { return message.contains(text) }
        return false
    }
}

extension Array where Element == UInt8 {
    var sha256Hex: String {
        KaoheStorage.SHA256.hex(self)
    }
}
