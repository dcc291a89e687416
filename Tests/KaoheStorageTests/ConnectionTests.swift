import Foundation
import KaoheStorage
import SQLiteKit
import Testing

@testable import KaoheStorageSQL

@Suite("Connections: readers beside the writer")
struct ConnectionTests {
    @Test(
        "A read during an open write transaction neither waits for it nor sees it; after the commit it does",
        arguments: Backend.all)
    func readersBesideWriter(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let seenInside = try await store.transaction { db in
                try await db.raw(
                    "INSERT INTO organizations (id, parent_id, name, created_at) VALUES ('o1', NULL, '考核办', 0)"
                ).run()
                // The writer is held here; on SQLite a read on the same connection would have to wait for it.
                return try await store.organizations().map(\.id.rawValue)
            }
            #expect(seenInside == [])
            #expect(try await store.organizations().map(\.id.rawValue) == ["o1"])
        }
    }

    @Test(
        "The audit chain stays whole when another store moves its head and when a transaction rolls back",
        arguments: Backend.all)
    func chainHeadMovedElsewhere(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let world = try await World.make(in: store)
            let assessment = try await world.openAssessment(in: store)
            // A second store on the same database: another instance, or a command such as `kaohe user add`.
            let other = try await secondStore(on: store)
            func save(_ on: SQLStore, _ item: String) async throws {
                _ = try await on.saveFacts(
                    assessment: assessment.id, unit: world.unitA.id, item: item, json: "{}", expectedVersion: 0,
                    by: .system)
            }
            try await save(store, "a1")
            try await save(other, "b1")  // moves the head behind `store`'s back
            try await save(store, "a2")
            // Written and audited, then rolled back: the head this store remembers was never committed.
            await #expect(throws: StorageError.self) {
                try await store.transaction { db in
                    try await store.audit(db, .system, entity: "test:x", action: "try", old: nil, new: nil)
                    throw StorageError.database("回滚")
                }
            }
            try await save(store, "a3")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for n in 0..<8 {
                    group.addTask { try await save(n % 2 == 0 ? store : other, "c\(n)") }
                }
                try await group.waitForAll()
            }
            let log = try await store.auditLog(entityPrefix: nil, limit: 10_000)
            #expect(log.map(\.seq) == Array(1...log.count))
            #expect(!log.contains { $0.entity == "test:x" })
            #expect(try await store.verifyAudit() == .intact(entries: log.count))
            #expect(try await other.verifyAudit() == .intact(entries: log.count))
            await other.shutdown()
        }
    }

    @Test("SQLite readers refuse writes; nothing is written")
    func readersRefuseWrites() async throws {
        try await withStore(.sqlite) { store in
            await #expect(throws: StorageError.self) {
                try await store.read { db in
                    try await db.raw(
                        "INSERT INTO organizations (id, parent_id, name, created_at) VALUES ('o2', NULL, '考核办', 0)"
                    ).run()
                }
            }
            let organizations = try await store.organizations()
            #expect(organizations.isEmpty)
        }
    }

    @Test("SQLite connection slots: never more than the limit at once, waiters served, a closed one replaced")
    func slots() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kaohe-slots-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("slots.sqlite").path
        let opened = Locked(0)
        let slots = SQLiteConnectionSlots(limit: 2) {
            opened.withLock { $0 += 1 }
            return try await SQLiteConnection.open(storage: .file(path: path))
        }
        let busy = Locked((now: 0, most: 0))
        try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<8 {
                group.addTask {
                    try await slots.with { connection in
                        busy.withLock {
                            $0.now += 1
                            $0.most = max($0.most, $0.now)
                        }
                        try await Task.sleep(for: .milliseconds(20))
                        busy.withLock { $0.now -= 1 }
                        return try await connection.query("SELECT \(index) AS n", []).first?.column("n")?.integer ?? -1
                    }
                }
            }
            var answers: [Int] = []
            for try await answer in group { answers.append(answer) }
            #expect(answers.sorted() == Array(0..<8))
        }
        #expect(busy.withLock { $0.most } == 2)
        #expect(opened.withLock { $0 } == 2)

        // A connection that closes while lent out is not handed out again; its slot opens a new one.
        try await slots.with { connection in try await connection.close() }
        try await slots.with { connection in try await connection.close() }
        let answer = try await slots.with { try await $0.query("SELECT 7 AS n", []).first?.column("n")?.integer }
        #expect(answer == 7)
        #expect(opened.withLock { $0 } == 3)

        await slots.close()
        await #expect(throws: StorageError.self) { try await slots.with { _ in } }
    }
}

/// A value behind a lock, shared by concurrent test tasks.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<R>(_ body: (inout Value) -> R) -> R { lock.withLock { body(&value) } }
}
