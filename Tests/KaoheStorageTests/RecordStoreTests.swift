import Foundation
import KaoheEngine
import KaoheStorage
import KaoheStorageSQL
import Testing

@Suite("SQL store: platform records, header mappings, overrides of derived facts, bulletins")
struct RecordStoreTests {
    static func record(_ id: String, unit: String = "A01", fields: [String]) -> StoredRecord {
        StoredRecord(type: "case", id: id, unitCode: unit, fields: RecordFields.join(fields))
    }

    @Test("Field values with tabs, line breaks and backslashes survive the text encoding")
    func fieldEncoding() {
        let values = ["a\tb", "line1\nline2\r", "back\\slash", "", "plain", "\\t literally"]
        #expect(RecordFields.split(RecordFields.join(values)) == values)
        #expect(RecordFields.join(["x", "", "y"]) == "x\t\ty")
        // The stored form, byte for byte (what earlier versions wrote reads back the same).
        #expect(RecordFields.join(["a\tb", #"c\d"#, "e\nf"]) == #"a\tb"# + "\t" + #"c\\d"# + "\t" + #"e\nf"#)
        let more = ["办件“网上”\r\n第二行", "", "结尾\\", "\t", "😀"]
        #expect(RecordFields.split(RecordFields.join(more)) == more)
        #expect(RecordFields.split("") == [""])
        var bytes: [UInt8] = []
        var bounds: [Int] = []
        RecordFields.appendCells(RecordFields.join(more), to: &bytes, bounds: &bounds)
        #expect(bounds.count == 2 * more.count)
        #expect(String(decoding: bytes[bounds[0]..<bounds[1]], as: UTF8.self) == more[0])
    }

    @Test("Importing again replaces by (type, id) and counts new, changed and unchanged", arguments: Backend.all)
    func idempotentImport(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let world = try await World.make(in: store)
            let actor = AuditActor.user(world.admin)
            #expect(try await store.recordsVersion(organization: world.org.id) == 0)
            let first = (0..<1500).map {
                Self.record("c\($0)", fields: ["offline", "2022-03-0\($0 % 9 + 1)", "", "3", "5"])
            }
            let counts = try await store.writeRecords(first, organization: world.org.id, importID: "i1", by: actor)
            #expect(counts == RecordWriteCounts(new: 1500, changed: 0, unchanged: 0))
            #expect(try await store.recordsVersion(organization: world.org.id) == 1)
            // Again, with two changed (one moves to another unit) and one new.
            var second = first
            second[7].fields = RecordFields.join(["online", "2022-03-08", "", "3", "5"])
            second[8].unitCode = "B01"
            second.append(Self.record("c-new", fields: ["online", "2022-04-01", "", "1", "1"]))
            let again = try await store.writeRecords(second, organization: world.org.id, importID: "i2", by: actor)
            #expect(again == RecordWriteCounts(new: 1, changed: 2, unchanged: 1498))
            #expect(try await store.recordsVersion(organization: world.org.id) == 2)
            // Nothing different: no new version, no audit entry.
            let audited = try await store.dataVersion()
            let same = try await store.writeRecords(second, organization: world.org.id, importID: "i3", by: actor)
            #expect(same == RecordWriteCounts(new: 0, changed: 0, unchanged: 1501))
            #expect(try await store.dataVersion() == audited)
            #expect(try await store.recordsVersion(organization: world.org.id) == 2)
            #expect(try await store.recordCounts(organization: world.org.id) == ["case": 1501])

            let found = try await store.records(organization: world.org.id, type: "case", ids: ["c7", "c8", "nope"])
            #expect(found.map(\.id).sorted() == ["c7", "c8"])
            #expect(found.first { $0.id == "c8" }?.unitCode == "B01")
            #expect(RecordFields.split(found.first { $0.id == "c7" }!.fields).first == "online")

            let pages = LockedList()
            try await store.forEachRecordPage(organization: world.org.id, type: "case", pageSize: 400) { page in
                pages.append(page.count, page.map(\.id))
            }
            #expect(pages.counts == [400, 400, 400, 301])
            #expect(Set(pages.ids).count == 1501)

            // The batch's audit entry names the touched units (A01 for the change, B01 for the moved record).
            let entries = try await store.auditLog(entityPrefix: "records:\(world.org.id)", limit: 10)
            #expect(entries.count == 2)
            #expect(entries.last?.newValue?.contains(#""units":["A01","B01"]"#) == true)
            guard case .intact = try await store.verifyAudit() else {
                Issue.record("audit chain broken")
                return
            }
        }
    }

    @Test(
        "Records of several types in one batch keep every byte of their fields (COPY's escapes on PostgreSQL)",
        arguments: Backend.all)
    func writeEveryByte(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let world = try await World.make(in: store)
            let odd = ["tab\there", "line\nbreak\r", #"back\slash \t \N"#, "", "办件“网上”", #"{"json":"a\"b"}"#]
            let cases = (0..<3).map { Self.record("c\($0)", unit: $0 == 2 ? "B01" : "A01", fields: odd + ["\($0)"]) }
            var complaint = Self.record("k1", fields: odd.reversed())
            complaint.type = "complaint"
            let counts = try await store.writeRecords(
                cases + [complaint], organization: world.org.id, importID: "i1", by: .user(world.admin))
            #expect(counts == RecordWriteCounts(new: 4, changed: 0, unchanged: 0))
            let found = try await store.records(organization: world.org.id, type: "case", ids: ["c0", "c1", "c2"])
            #expect(found.sorted { $0.id < $1.id } == cases)
            #expect(try await store.records(organization: world.org.id, type: "complaint", ids: ["k1"]) == [complaint])
            #expect(try await store.recordCounts(organization: world.org.id) == ["case": 3, "complaint": 1])
            // The same bytes again are unchanged: the stored text compares equal to what came in.
            let again = try await store.writeRecords(
                cases + [complaint], organization: world.org.id, importID: "i2", by: .user(world.admin))
            #expect(again == RecordWriteCounts(new: 0, changed: 0, unchanged: 4))
        }
    }

    @Test("A completed import is listed and audited with file, SHA-256 and counts", arguments: Backend.all)
    func importLog(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let world = try await World.make(in: store)
            let log = RecordImportLog(
                organizationID: world.org.id, fileName: "办件.csv", sha256: String(repeating: "ab", count: 32),
                types: ["case"], counts: RecordWriteCounts(new: 3, changed: 1, unchanged: 2), touchedUnits: ["A01"],
                userID: world.admin.id, createdAt: Date(timeIntervalSince1970: 1_700_000_000))
            try await store.finishRecordImport(log, by: .user(world.admin))
            let listed = try await store.recordImports(organization: world.org.id, limit: 10)
            #expect(listed == [log])
            let entry = try #require(
                try await store.auditLog(entityPrefix: "records:\(world.org.id)/import/", limit: 1).first)
            for fragment in ["办件.csv", String(repeating: "ab", count: 32), #""new":3"#, #""changed":1"#] {
                #expect(entry.newValue?.contains(fragment) == true, "\(fragment)")
            }
        }
    }

    @Test("Header mappings are remembered per organization and type", arguments: Backend.all)
    func headerMappings(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let world = try await World.make(in: store)
            try await store.saveHeaderMappings(
                ["办理方式": "channel", "受理时间": "accepted"], organization: world.org.id, type: "case",
                by: .user(world.admin))
            try await store.saveHeaderMappings(
                ["受理时间": "accepted", "完成时间": "finished"], organization: world.org.id, type: "case",
                by: .user(world.admin))
            #expect(
                try await store.headerMappings(organization: world.org.id, type: "case")
                    == ["办理方式": "channel", "受理时间": "accepted", "完成时间": "finished"])
            #expect(try await store.headerMappings(organization: world.org.id, type: "complaint").isEmpty)
        }
    }

    @Test("An override needs a reason, is audited with old and new value, and can be removed", arguments: Backend.all)
    func overrides(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let world = try await World.make(in: store)
            let a = try await world.openAssessment(in: store)
            let actor = AuditActor.user(world.evaluator)
            await #expect(throws: StorageError.self) {
                try await store.setFactOverride(
                    assessment: a.id, unit: world.unitA.id, item: "13", fact: "offline_cases", valueJSON: "2",
                    reason: " ", by: actor)
            }
            try await store.setFactOverride(
                assessment: a.id, unit: world.unitA.id, item: "13", fact: "offline_cases", valueJSON: "2",
                reason: "1件为系统故障补录", by: actor)
            try await store.setFactOverride(
                assessment: a.id, unit: world.unitA.id, item: "13", fact: "offline_cases", valueJSON: "1",
                reason: "又核实1件", by: actor)
            let overrides = try await store.factOverrides(assessment: a.id)
            #expect(overrides.map(\.valueJSON) == ["1"] && overrides.first?.reason == "又核实1件")
            let entries = try await store.auditLog(entityPrefix: "facts:\(a.id)/\(world.unitA.id)/13", limit: 5)
            #expect(
                entries.last?.oldValue == #"{"offline_cases":2}"# && entries.last?.newValue == #"{"offline_cases":1}"#
            )
            #expect(entries.last?.reason == "又核实1件")
            try await store.setFactOverride(
                assessment: a.id, unit: world.unitA.id, item: "13", fact: "offline_cases", valueJSON: nil,
                reason: "恢复推算值", by: actor)
            #expect(try await store.factOverrides(assessment: a.id).isEmpty)
            // A unit not enrolled is refused.
            let other = AssessedUnit(organizationID: world.org.id, code: "C01", name: "其他", type: .other)
            try await store.createUnits([other], by: .system)
            await #expect(throws: StorageError.self) {
                try await store.setFactOverride(
                    assessment: a.id, unit: other.id, item: "13", fact: "offline_cases", valueJSON: "1", reason: "x",
                    by: actor)
            }
        }
    }

    @Test("Bulletins are numbered in their transaction, kept as published, oldest first", arguments: Backend.all)
    func bulletins(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let world = try await World.make(in: store)
            let a = try await world.openAssessment(in: store)
            func bulletin(_ period: String) -> StoredBulletin {
                StoredBulletin(
                    assessmentID: a.id, number: 0, title: "通报 \(period)", period: period, asOf: "\(period)-28",
                    body: #"{"period":"\#(period)"}"#, publishedBy: nil, publishedAt: Date())
            }
            let first = try await store.publishBulletin(bulletin("2022-01"), by: .user(world.admin))
            let second = try await store.publishBulletin(bulletin("2022-02"), by: .user(world.admin))
            #expect(first.number == 1 && second.number == 2 && second.publishedBy == world.admin.id)
            let all = try await store.bulletins(assessment: a.id)
            #expect(
                all.map(\.number) == [1, 2] && all.map(\.body) == [#"{"period":"2022-01"}"#, #"{"period":"2022-02"}"#])
        }
    }
}

/// Collects pages from a `@Sendable` callback.
final class LockedList: @unchecked Sendable {
    private let lock = NSLock()
    private var _counts: [Int] = []
    private var _ids: [String] = []
    func append(_ count: Int, _ ids: [String]) {
        lock.withLock {
            _counts.append(count)
            _ids += ids
        }
    }
    var counts: [Int] { lock.withLock { _counts } }
    var ids: [String] { lock.withLock { _ids } }
}
