import Foundation
import KaoheStorage
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import SQLKit
import SQLiteKit

/// The errors of the SQL storage module that are not ``StorageError``s: configuration and connection.
public enum SQLStoreError: Error, Sendable, CustomStringConvertible {
    /// The database address cannot be understood.
    case badDatabaseURL(String, reason: String)
    /// A migration failed.
    case migrationFailed(id: Int, name: String, message: String)

    /// The message in Chinese.
    public var description: String {
        switch self {
        case .badDatabaseURL(let url, let reason): "数据库地址“\(url)”无效：\(reason)"
        case .migrationFailed(let id, let name, let message):
            "数据库迁移 \(String(format: "%03d", id))_\(name) 失败：\(message)"
        }
    }
}

/// Where the data lives: an SQLite file (the embedded default) or a PostgreSQL server.
public enum DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    /// An SQLite database file at `path` (created if missing).
    case sqlite(path: String)
    /// A PostgreSQL server, as `postgres://user:password@host:port/database`.
    case postgres(url: String)

    /// Parses `postgres://…`, `postgresql://…`, `sqlite:PATH`, `sqlite://PATH` or a plain file path.
    public static func parse(_ text: String) throws -> DatabaseLocation {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw SQLStoreError.badDatabaseURL(text, reason: "地址为空") }
        if trimmed.hasPrefix("postgres://") || trimmed.hasPrefix("postgresql://") {
            let normalized =
                trimmed.hasPrefix("postgresql://") ? "postgres://" + trimmed.dropFirst("postgresql://".count) : trimmed
            do { _ = try SQLPostgresConfiguration(url: normalized) } catch {
                throw SQLStoreError.badDatabaseURL(text, reason: "应为 postgres://用户:密码@主机:端口/数据库")
            }
            return .postgres(url: normalized)
        }
        if trimmed.hasPrefix("sqlite://") { return .sqlite(path: String(trimmed.dropFirst("sqlite://".count))) }
        if trimmed.hasPrefix("sqlite:") { return .sqlite(path: String(trimmed.dropFirst("sqlite:".count))) }
        if trimmed.contains("://") {
            throw SQLStoreError.badDatabaseURL(text, reason: "只支持 postgres:// 或 SQLite 文件路径")
        }
        return .sqlite(path: trimmed)
    }

    /// The address with any password replaced by `***`, for printing.
    public var description: String {
        switch self {
        case .sqlite(let path): return "sqlite:\(path)"
        case .postgres(let url):
            guard var components = URLComponents(string: url) else { return "postgres://…" }
            if components.password != nil { components.password = "***" }
            return components.string ?? "postgres://…"
        }
    }
}

/// Hands out one database connection at a time to a closure; the closure's queries all run on that connection.
protocol ConnectionProvider: Sendable {
    func withConnection<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R
    func shutdown() async
}

/// SQLite: one event loop, one connection, so writes are serialized inside the process.
final class SQLiteProvider: ConnectionProvider, @unchecked Sendable {
    let group: MultiThreadedEventLoopGroup
    let pool: EventLoopGroupConnectionPool<SQLiteConnectionSource>
    let logger: Logger
    let closing = ShutdownFlag()
    let prepared = PreparedConnection()

    /// Set on each new connection. WAL: readers never wait for the writer and a commit appends to the log
    /// instead of rewriting pages; synchronous=NORMAL: the log is synced at checkpoints, not at every commit —
    /// a commit survives a crash of the process, a power loss may undo the last commits but never corrupts
    /// the file. busy_timeout: another process (`kaohe user add`, `audit verify`) waits instead of failing.
    static let pragmas = ["PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA busy_timeout=5000"]

    init(path: String, logger: Logger) {
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        self.logger = logger
        let source = SQLiteConnectionSource(configuration: .init(storage: .file(path: path), enableForeignKeys: true))
        self.pool = EventLoopGroupConnectionPool(
            source: source, maxConnectionsPerEventLoop: 1, requestTimeout: .seconds(30), logger: logger, on: group)
    }

    func withConnection<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R
    {
        let connection = try await pool.requestConnection(logger: logger).get()
        do {
            if prepared.needsSetup(connection) {
                for pragma in Self.pragmas {
                    try await connection.sql(queryLogLevel: nil).raw(SQLQueryString(pragma)).run()
                }
                prepared.mark(connection)
            }
            let result = try await body(connection.sql(queryLogLevel: nil))
            pool.releaseConnection(connection, logger: logger)
            return result
        } catch {
            pool.releaseConnection(connection, logger: logger)
            throw error
        }
    }

    func shutdown() async {
        guard closing.begin() else { return }
        try? await pool.shutdownAsync()
        try? await group.shutdownGracefully()
    }

    /// A store dropped without ``shutdown()`` (e.g. after an error) still closes its connections.
    deinit {
        guard closing.begin() else { return }
        let group = self.group
        pool.shutdownGracefully { _ in group.shutdownGracefully { _ in } }
    }
}

/// PostgreSQL: a pool of connections on the shared event loops.
final class PostgresProvider: ConnectionProvider, @unchecked Sendable {
    let pool: EventLoopGroupConnectionPool<PostgresConnectionSource>
    let logger: Logger
    let closing = ShutdownFlag()

    init(url: String, logger: Logger, searchPath: [String]?, maxConnectionsPerEventLoop: Int = 4) throws {
        var configuration = try SQLPostgresConfiguration(url: url)
        configuration.searchPath = searchPath
        // TLS follows the URL (`?sslmode=disable|prefer|require`); PostgresKit's default is `prefer`.
        self.logger = logger
        self.pool = EventLoopGroupConnectionPool(
            source: PostgresConnectionSource(sqlConfiguration: configuration),
            maxConnectionsPerEventLoop: maxConnectionsPerEventLoop, requestTimeout: .seconds(30), logger: logger,
            on: MultiThreadedEventLoopGroup.singleton)
    }

    func withConnection<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R
    {
        let connection = try await pool.requestConnection(logger: logger).get()
        do {
            let result = try await body(connection.sql(queryLogLevel: nil))
            pool.releaseConnection(connection, logger: logger)
            return result
        } catch {
            pool.releaseConnection(connection, logger: logger)
            throw error
        }
    }

    func shutdown() async {
        guard closing.begin() else { return }
        try? await pool.shutdownAsync()
    }

    /// A store dropped without ``shutdown()`` (e.g. after an error) still closes its connections.
    deinit {
        guard closing.begin() else { return }
        pool.shutdownGracefully { _ in }
    }
}

/// The SQLite connection whose pragmas are set (the pool keeps one; a replacement is set up again).
final class PreparedConnection: @unchecked Sendable {
    private let lock = NSLock()
    private weak var connection: SQLiteConnection?

    /// True until ``mark(_:)`` was called with this connection.
    func needsSetup(_ connection: SQLiteConnection) -> Bool { lock.withLock { self.connection !== connection } }

    /// Records that `connection` is set up.
    func mark(_ connection: SQLiteConnection) { lock.withLock { self.connection = connection } }
}

/// Makes shutdown happen once, whether from `shutdown()` or from `deinit`.
final class ShutdownFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var started = false

    /// True the first time only.
    func begin() -> Bool {
        lock.withLock {
            defer { started = true }
            return !started
        }
    }
}
