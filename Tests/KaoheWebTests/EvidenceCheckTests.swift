import ArgumentParser
import Foundation
import Testing

@testable import KaoheApplication
@testable import KaoheCLI
@testable import KaoheWeb

@Suite("Evidence store check: missing files, unreferenced files, prune")
struct EvidenceCheckTests {
    /// Stores `text` as a blob and backdates it by `age` seconds; returns its digest.
    static func blob(_ text: String, in store: EvidenceStore, age: TimeInterval) throws -> String {
        let staged = try store.stage()
        try staged.write(Array(text.utf8))
        let digest = try staged.finish()
        try staged.commit()
        let then = timeval(tv_sec: Int(Date().timeIntervalSince1970 - age), tv_usec: 0)
        #expect(utimes(try store.path(for: digest), [then, then]) == 0)
        return digest
    }

    @Test("Records without their file are missing; files without a record are listed, removed only when old")
    func check() throws {
        let store = EvidenceStore.temporary()
        try store.prepare()
        let kept = try Self.blob("自查报告", in: store, age: 0)
        let old = try Self.blob("上传后记录未保存的旧文件", in: store, age: 48 * 3600)
        let fresh = try Self.blob("正在上传的文件", in: store, age: 60)
        let gone = String(repeating: "ab", count: 32)

        let report = try store.check(referenced: [kept, gone])
        #expect(report.missing == [gone] && report.stored == 3 && report.removed.isEmpty)
        #expect(Set(report.unreferenced.map(\.sha256)) == [old, fresh])
        #expect(report.unreferenced.first { $0.sha256 == fresh }?.bytes == "正在上传的文件".utf8.count)
        #expect(store.blobs().count == 3)  // only looked

        let pruned = try store.check(referenced: [kept], removeOlderThan: 24 * 3600)
        #expect(pruned.removed == [old] && pruned.missing.isEmpty)
        #expect(Set(store.blobs()) == [kept, fresh])
        #expect(try store.check(referenced: [kept, fresh]).unreferenced.isEmpty)
    }

    @Test("kaohe evidence check: lists, prunes with --prune, refuses a negative age")
    func command() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kaohe-ev-\(UUID().uuidString)").path
        let evidence = EvidenceStore(directory: dir + "/evidence")
        try evidence.prepare()
        let old = try Self.blob("孤立文件", in: evidence, age: 30 * 3600)
        let fresh = try Self.blob("新文件", in: evidence, age: 0)
        func run(_ arguments: [String]) async throws {
            let command = try #require(try KaoheCommand.parseAsRoot(arguments) as? EvidenceCheckCommand)
            try await command.run()
        }
        try await run(["evidence", "check", "--data-dir", dir])
        #expect(Set(evidence.blobs()) == [old, fresh])
        try await run(["evidence", "check", "--prune", "--data-dir", dir])
        #expect(evidence.blobs() == [fresh])
        try await run(["evidence", "check", "--prune", "--older-than-hours", "0", "--data-dir", dir])
        #expect(evidence.blobs().isEmpty)
        #expect(throws: (any Error).self) {
            try KaoheCommand.parseAsRoot(["evidence", "check", "--older-than-hours", "-1"])
        }
    }
}
