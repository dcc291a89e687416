import Foundation
import KaoheStorage
import Logging
import NIOCore
import NIOPosix
import SQLKit
import SQLiteKit

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A migration recorded in a database's `schema_migrations`.
public struct AppliedMigration: Sendable, Codable, Equatable {
    /// The number.
    public var id: Int
    /// The full name, e.g. `001_initial`.
    public var name: String

    /// Creates a record.
    public init(id: Int, name: String) {
        self.id = id
        self.name = name
    }
}

/// What an SQLite snapshot holds, read from the snapshot file itself (opened read-only: reading it changes
/// no byte of it).
public struct DatabaseSnapshot: Sendable, Equatable {
    /// The migrations applied, by number.
    public var migrations: [AppliedMigration]
    /// Rows per table.
    public var rowCounts: [String: Int]
    /// The audit chain head: the number of audit entries and the hash of the last.
    public var auditSeq: Int
    /// The hash of the audit chain head.
    public var auditHash: String
    /// The result of checking the audit chain in the snapshot.
    public var audit: AuditVerification
    /// The SHA-256 of every evidence file a record names (withdrawn ones included), sorted.
    public var evidenceHashes: [String]
}

/// A snapshot could not be written or read.
public struct SnapshotError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, in Chinese.
    public let message: String
    public var description: String { message }
}

extension SQLStore {
    /// SQLite only: writes a consistent snapshot of the whole database to the new file `target` (0600) with
    /// `VACUUM INTO`, while the server keeps reading and writing: the snapshot is one read transaction (WAL:
    /// it neither waits for writers nor holds them up), so it holds exactly the transactions committed before
    /// it began. The file is synced before this returns.
    public func writeSQLiteSnapshot(to target: String) async throws {
        guard case .sqlite = location else {
            throw SnapshotError(message: "VACUUM INTO 快照只适用于 SQLite 数据库（当前：\(location)）")
        }
        guard !FileManager.default.fileExists(atPath: target) else {
            throw SnapshotError(message: "快照文件 \(target) 已存在")
        }
        // VACUUM INTO accepts an empty file: created here, so that it is private from the first byte.
        try PrivateFiles.makeFile(target)
        do {
            try await write { db in try await db.raw("VACUUM INTO \(bind: target)").run() }
            // VACUUM INTO does not sync what it wrote.
            let fd = open(target, O_RDONLY | O_CLOEXEC)
            guard fd >= 0, fsync(fd) == 0 else {
                if fd >= 0 { close(fd) }
                throw SnapshotError(message: "无法同步快照文件 \(target)：\(String(cString: strerror(errno)))")
            }
            close(fd)
        } catch {
            unlink(target)
            throw error
        }
    }

    /// Reads what the SQLite file at `path` holds (a snapshot, or a database no server is using), opened
    /// read-only; fails when SQLite's `quick_check` finds damage.
    public static func readSQLiteSnapshot(at path: String, logger: Logger = Logger(label: "kaohe.sql"))
        async throws -> DatabaseSnapshot
    {
        guard FileManager.default.fileExists(atPath: path) else {
            throw SnapshotError(message: "数据库文件 \(path) 不存在")
        }
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        let escaped = absolute.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? absolute
        let threadPool = NIOThreadPool(numberOfThreads: 1)
        threadPool.start()
        defer { threadPool.shutdownGracefully { _ in } }
        let connection = try await SQLiteConnection.open(
            storage: .file(path: "file:\(escaped)?mode=ro"), threadPool: threadPool, logger: logger,
            on: MultiThreadedEventLoopGroup.singleton.any())
        do {
            let snapshot = try await read(connection.sql(queryLogLevel: nil), path: path)
            try await connection.close()
            return snapshot
        } catch {
            try? await connection.close()
            if error is SnapshotError { throw error }
            throw SnapshotError(message: "无法读取数据库文件 \(path)：\(describe(error))")
        }
    }

    private static func read(_ db: any SQLDatabase, path: String) async throws -> DatabaseSnapshot {
        let check = try await db.raw("PRAGMA quick_check").all().map {
            try $0.decode(column: "quick_check", as: String.self)
        }
        guard check == ["ok"] else {
            throw SnapshotError(message: "数据库文件 \(path) 已损坏：\(check.prefix(3).joined(separator: "；"))")
        }
        let tables = try await db.raw(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        ).all().map { try $0.decode(column: "name", as: String.self) }
        for required in ["schema_migrations", "audit_log", "audit_head", "evidence_files"]
        where !tables.contains(required) {
            throw SnapshotError(message: "数据库文件 \(path) 不是考核平台的数据库（缺少表 \(required)）")
        }
        var counts: [String: Int] = [:]
        for table in tables {
            let quoted = "\"" + table.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            counts[table] = try await db.raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: quoted)").first()?.decode(
                column: "n", as: Int.self)
        }
        let migrations = try await db.raw("SELECT id, name FROM schema_migrations ORDER BY id").all().map {
            AppliedMigration(
                id: try $0.decode(column: "id", as: Int.self), name: try $0.decode(column: "name", as: String.self))
        }
        guard let head = try await db.raw("SELECT seq, hash FROM audit_head WHERE id = 1").first() else {
            throw SnapshotError(message: "数据库文件 \(path) 缺少审计链头记录（audit_head）")
        }
        let seq = try head.decode(column: "seq", as: Int.self), hash = try head.decode(column: "hash", as: String.self)
        let entries = try await db.raw("SELECT * FROM audit_log ORDER BY seq").all().map(auditEntry)
        var audit = AuditVerification.check(entries)
        if case .intact(let count) = audit, count != seq || (entries.last?.hash ?? AuditEntry.genesisHash) != hash {
            audit = .broken(seq: count, reason: "链尾与链头记录不符（有记录被删除）：链头为第\(seq)条")
        }
        let evidence = try await db.raw("SELECT DISTINCT sha256 FROM evidence_files ORDER BY sha256").all().map {
            try $0.decode(column: "sha256", as: String.self)
        }
        return DatabaseSnapshot(
            migrations: migrations, rowCounts: counts, auditSeq: seq, auditHash: hash, audit: audit,
            evidenceHashes: evidence)
    }
}
