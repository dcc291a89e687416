import Foundation
import Hummingbird
import HummingbirdTesting
import KaoheExport
import KaoheRecords
import KaoheStorage
import Testing

@testable import KaoheApplication
@testable import KaoheWeb

/// Writes `bytes` to a fresh file named `name` and returns its path.
func recordFile(_ name: String, _ text: String) throws -> String { try recordFile(name, Array(text.utf8)) }

func recordFile(_ name: String, _ bytes: [UInt8]) throws -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kaohe-records-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let url = directory.appendingPathComponent(name)
    try Data(bytes).write(to: url)
    return url.path
}

let caseCSVHeader = "id,unit,channel,accepted,finished,promised_days,legal_days\n"

/// Collects progress calls.
final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [RecordImportProgress] = []
    func add(_ value: RecordImportProgress) { lock.withLock { values.append(value) } }
    var all: [RecordImportProgress] { lock.withLock { values } }
}

@Suite("Record import: validation, idempotent writes, audit, header mappings, progress")
struct RecordImportTests {
    static let backends = Fixture.backends

    func importCSV(
        _ fixture: Fixture, _ name: String, _ text: String, type: String? = nil,
        mappings: [String: [String: String]] = [:], role: Role = .organizer
    ) async throws -> RecordImportReport {
        let path = try recordFile(name, text)
        return try await Operations(fixture.deps).importRecords(
            RecordImportInput(
                organizationID: fixture.org.id.rawValue, files: [RecordImportFile(path: path, name: name)], type: type,
                mappings: mappings),
            by: .user(fixture.users[role]!))
    }

    /// The refusal of an import (nil when it was accepted).
    func refusal(_ fixture: Fixture, files: [(String, [UInt8])]) async throws -> [RecordError]? {
        let paths = try files.map { RecordImportFile(path: try recordFile($0.0, $0.1), name: $0.0) }
        do {
            _ = try await Operations(fixture.deps).importRecords(
                RecordImportInput(organizationID: fixture.org.id.rawValue, files: paths),
                by: .user(fixture.users[.organizer]!))
            return nil
        } catch RecordImportFailure.refused(let errors, _) {
            return errors
        }
    }

    @Test("Bad files are refused whole, naming file, row and column, and nothing is written", arguments: backends)
    func refusals(_ backend: String) async throws {
        let fixture = try await Fixture.make(backend: backend)
        defer { Task { await fixture.store.shutdown() } }
        let good = "g1,A01,online,2023-03-01,2023-03-02,3,5\n"
        // GBK: 编号,单位,办理渠道,受理日期,promised_days,legal_days / c1,A01,网下,… / c2,<unit>,网下,….
        func gbkFile(secondUnit: String) -> [UInt8] {
            var gbk: [UInt8] = [0xB1, 0xE0, 0xBA, 0xC5, 0x2C, 0xB5, 0xA5, 0xCE, 0xBB, 0x2C]
            gbk += [
                0xB0, 0xEC, 0xC0, 0xED, 0xC7, 0xFE, 0xB5, 0xC0, 0x2C, 0xCA, 0xDC, 0xC0, 0xED, 0xC8, 0xD5, 0xC6, 0xDA,
            ]
            gbk += Array(",promised_days,legal_days\r\nc1,A01,".utf8) + [0xCD, 0xF8, 0xCF, 0xC2]
            gbk += Array(",2023-09-25,3,5\r\nc2,\(secondUnit),".utf8) + [0xCD, 0xF8, 0xCF, 0xC2]
            return gbk + Array(",2023-09-26,3,5\r\n".utf8)
        }
        let gbk = gbkFile(secondUnit: "Z99")
        var book = XLSXWriter()
        try book.addSheet(
            XLSXSheet(
                name: "办件", header: ["id", "unit", "accepted", "promised_days", "legal_days"],
                rows: [[.text("x1"), .text("A01"), .text("2023-03-01"), .integer(3), .integer(5)]]))
        let date = Date(timeIntervalSince1970: 1_700_000_000)
        let xlsx = Array(try book.data(properties: XLSXProperties(title: "t", created: date, modified: date)))
        let cases: [(name: String, bytes: [UInt8], row: Int?, column: String?, fragment: String)] = [
            (
                "case.csv", Array((caseCSVHeader + good + "c1,A01,online,2023-02-30,,3,5\n").utf8), 3, "accepted",
                "2023-02-30"
            ),
            ("case.csv", Array((caseCSVHeader + good + "c1,Z99,online,2023-03-01,,3,5\n").utf8), 3, "unit", "Z99"),
            ("case.csv", Array((caseCSVHeader + good + "g1,B01,online,2023-03-01,,3,5\n").utf8), 3, "id", "重复"),
            (
                "case.csv", Array((caseCSVHeader + good + "c1,A01,online,2023-03-01,,6,5\n").utf8), 3, "promised_days",
                "超过法定时限"
            ),
            ("办件.csv", gbk, 3, "unit", "Z99"),
            ("case.xlsx", Array(xlsx.prefix(xlsx.count - 40)), nil, nil, "不完整"),
        ]
        for item in cases {
            // Each bad file goes with a good one: the whole upload is refused.
            let errors = try await refusal(
                fixture,
                files: [
                    ("complaint.csv", Array("id,unit,received\nk1,B01,2023-04-03\n".utf8)), (item.name, item.bytes),
                ])
            let error = try #require(errors?.first, "\(item.name) was accepted")
            #expect(errors?.count == 1)
            #expect(error.file == item.name)
            #expect(error.row == item.row && error.column == item.column, "\(error)")
            #expect(error.description.contains(item.fragment), "\(error)")
        }
        #expect(try await fixture.store.recordCounts(organization: fixture.org.id).values.reduce(0, +) == 0)
        #expect(try await fixture.store.recordImports(organization: fixture.org.id, limit: 10).isEmpty)
        // The GBK file itself imports once its row is right, with its Chinese headers and values decoded.
        #expect(try await refusal(fixture, files: [("办件.csv", gbkFile(secondUnit: "B01"))]) == nil)
        let stored = try await fixture.store.records(organization: fixture.org.id, type: "case", ids: ["c1"])
        #expect(stored.first?.fields.contains("offline") == true)
    }

    @Test(
        "Importing again counts new, then unchanged, then changed; audited with file name and SHA-256",
        arguments: backends)
    func idempotentAndAudited(_ backend: String) async throws {
        let fixture = try await Fixture.make(backend: backend)
        defer { Task { await fixture.store.shutdown() } }
        let text = caseCSVHeader + "c1,A01,online,2023-03-01,2023-03-02,3,5\nc2,B01,offline,2023-03-01,,3,5\n"
        let first = try await importCSV(fixture, "case.csv", text)
        #expect(first.counts == RecordWriteCounts(new: 2, changed: 0, unchanged: 0))
        let again = try await importCSV(fixture, "case.csv", text)
        #expect(again.counts == RecordWriteCounts(new: 0, changed: 0, unchanged: 2))
        let edited =
            text.replacingOccurrences(of: "c2,B01,offline,2023-03-01,,", with: "c2,B01,offline,2023-03-01,2023-03-09,")
            + "c3,A01,online,2023-04-01,,1,1\n"
        let third = try await importCSV(fixture, "case.csv", edited)
        #expect(third.counts == RecordWriteCounts(new: 1, changed: 1, unchanged: 1))
        #expect(try await fixture.store.recordCounts(organization: fixture.org.id)["case"] == 3)

        let sha = SHA256.hex(Array(edited.utf8))
        #expect(third.files.first?.sha256 == sha)
        let logs = try await fixture.store.recordImports(organization: fixture.org.id, limit: 10)
        #expect(logs.count == 3)
        #expect(logs.first { $0.sha256 == sha }?.counts == third.counts)
        #expect(logs.allSatisfy { $0.fileName == "case.csv" && $0.userID == fixture.users[.organizer]!.id })
        let audit = try await fixture.store.auditLog(entityPrefix: "records:\(fixture.org.id)/import", limit: 10)
        #expect(audit.count == 3)
        #expect(audit.contains { ($0.newValue ?? "").contains(sha) && ($0.newValue ?? "").contains("case.csv") })
        #expect(audit.allSatisfy { $0.actorName == "organizer" })
    }

    @Test("Unknown headers are mapped once and the mapping is applied next time", arguments: backends)
    func headerMappings(_ backend: String) async throws {
        let fixture = try await Fixture.make(backend: backend)
        defer { Task { await fixture.store.shutdown() } }
        let text = "业务编号,unit,受理日期,承诺时限（工作日）,legal_days,经办人\nc1,A01,2023-03-01,3,5,张三\n"
        do {
            _ = try await importCSV(fixture, "case.csv", text)
            Issue.record("unknown headers were accepted")
        } catch RecordImportFailure.unmappedHeaders(let files) {
            #expect(files == [UnmappedHeaders(file: "case.csv", type: "case", headers: ["业务编号", "经办人"])])
        }
        // A mapping to a field the type lacks is refused, naming it.
        await #expect(throws: AppError.self) {
            _ = try await importCSV(fixture, "case.csv", text, mappings: ["case": ["业务编号": "nope"]])
        }
        let mapped = try await importCSV(fixture, "case.csv", text, mappings: ["case": ["业务编号": "id", "经办人": ""]])
        #expect(mapped.counts.new == 1)
        #expect(
            try await fixture.store.headerMappings(organization: fixture.org.id, type: "case") == [
                "业务编号": "id", "经办人": "",
            ])
        let next = try await importCSV(
            fixture, "办件2.csv", text.replacingOccurrences(of: "c1,", with: "c2,"), type: "办件")
        #expect(next.counts.new == 1)
        // Another type does not inherit the case mapping.
        do {
            _ = try await importCSV(fixture, "complaint.csv", "业务编号,unit,received\nk1,A01,2023-03-01\n")
            Issue.record("the case mapping was applied to complaints")
        } catch RecordImportFailure.unmappedHeaders(let files) {
            #expect(files.first?.headers == ["业务编号"])
        }
    }

    @Test("Progress goes through validating and writing to done, with rates and time left")
    func progress() async throws {
        let fixture = try await Fixture.make()
        defer { Task { await fixture.store.shutdown() } }
        var text = caseCSVHeader
        for index in 0..<12_000 { text += "c\(index),\(index % 2 == 0 ? "A01" : "B01"),online,2023-03-01,,3,5\n" }
        let path = try recordFile("case.csv", text)
        let log = ProgressLog()
        let report = try await Operations(fixture.deps).importRecords(
            RecordImportInput(
                organizationID: fixture.org.id.rawValue, files: [RecordImportFile(path: path, name: "case.csv")],
                batchSize: 1000),
            by: .user(fixture.users[.admin]!)
        ) { log.add($0) }
        #expect(report.counts.new == 12_000)
        let values = log.all
        let validating = values.filter { $0.phase == .validating }
        let writing = values.filter { $0.phase == .writing }
        #expect(!validating.isEmpty && !writing.isEmpty)
        #expect(values.last?.phase == .done && values.last?.percent == 100)
        #expect(writing.last?.rowsDone == 12_000 && writing.allSatisfy { $0.rowsTotal == 12_000 })
        #expect(writing.map(\.rowsDone) == writing.map(\.rowsDone).sorted())
        #expect(writing.allSatisfy { $0.rowsPerSecond > 0 && $0.secondsLeft != nil && (20...100).contains($0.percent) })
        #expect(validating.allSatisfy { $0.percent <= 20 && $0.rowsDone <= $0.rowsTotal })
        // The estimate from the bytes read is close to the real number of rows.
        if let estimate = validating.first(where: { $0.rowsDone < 12_000 }) {
            #expect(abs(estimate.rowsTotal - 12_000) < 1_200, "\(estimate)")
        }
        #expect(writing.first.map { $0.summary.contains("写入中") && $0.summary.contains("每秒") } == true)
    }

    @Test("Only organizers and administrators import; unknown organizations are 404")
    func permissions() async throws {
        let fixture = try await Fixture.make()
        defer { Task { await fixture.store.shutdown() } }
        let text = caseCSVHeader + "c1,A01,online,2023-03-01,,3,5\n"
        for role in [Role.evaluator, .leader, .reporter] {
            await #expect(throws: AppError.forbidden(Permission.manageRecords.label)) {
                _ = try await importCSV(fixture, "case.csv", text, role: role)
            }
        }
        let path = try recordFile("case.csv", text)
        await #expect(throws: AppError.notFound("组织 nope")) {
            _ = try await Operations(fixture.deps).importRecords(
                RecordImportInput(organizationID: "nope", files: [RecordImportFile(path: path, name: "case.csv")]),
                by: .commandLine)
        }
        let report = try await Operations(fixture.deps).importRecords(
            RecordImportInput(organizationID: fixture.org.id.rawValue, files: [RecordImportFile(path: path)]),
            by: .commandLine)
        #expect(report.counts.new == 1)
        let audit = try await fixture.store.auditLog(entityPrefix: "records:\(fixture.org.id)/import", limit: 1)
        #expect(audit.first?.actorName == "命令行" && audit.first?.actorID == nil)
    }
}
