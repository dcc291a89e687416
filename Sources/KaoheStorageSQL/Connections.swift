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
    /// A connection that may write. SQLite: the single writer connection, so writes serialize in the process.
    func withConnection<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R
    /// A connection for reading only. SQLite: one of several reader connections, which never wait for the
    /// writer (WAL) and refuse any write (`query_only`); PostgreSQL: the same pool as writes.
    func withReadConnection<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R)
        async throws -> R
    func shutdown() async
    /// Whether closing has begun (by ``shutdown()`` or when the provider is dropped) and when it is done.
    var closing: ShutdownFlag { get }
}

/// SQLite: one writer connection and a few reader connections on the same file, each statement run on a
/// thread of the provider's own thread pool.
final class SQLiteProvider: ConnectionProvider, @unchecked Sendable {
    let threadPool: NIOThreadPool
    let writer: SQLiteConnectionSlots
    let readers: SQLiteConnectionSlots
    let closing = ShutdownFlag()

    /// Set on the writer. WAL: readers never wait for the writer and a commit appends to the log instead of
    /// rewriting pages; synchronous=NORMAL: the log is synced at checkpoints, not at every commit — a commit
    /// survives a crash of the process, a power loss may undo the last commits but never corrupts the file.
    /// busy_timeout: another process (`kaohe user add`, `audit verify`) waits instead of failing.
    static let writerPragmas = [
        "PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA busy_timeout=5000", "PRAGMA foreign_keys=ON",
    ]
    /// Set on each reader: a write on a reader is a bug, and fails instead of taking the file's write lock.
    static let readerPragmas = ["PRAGMA busy_timeout=5000", "PRAGMA query_only=ON"]

    /// - Parameter readers: reader connections at most (opened on first demand).
    init(path: String, logger: Logger, readers: Int = max(2, System.coreCount)) {
        let threadPool = NIOThreadPool(numberOfThreads: readers + 1)
        threadPool.start()
        self.threadPool = threadPool
        func opener(_ pragmas: [String]) -> @Sendable () async throws -> SQLiteConnection {
            {
                let connection = try await SQLiteConnection.open(
                    storage: .file(path: path), threadPool: threadPool, logger: logger,
                    on: MultiThreadedEventLoopGroup.singleton.any())
                do {
                    for pragma in pragmas { try await connection.query(pragma, []) { _ in } }
                } catch {
                    try? await connection.close()
                    throw error
                }
                return connection
            }
        }
        self.writer = SQLiteConnectionSlots(limit: 1, open: opener(Self.writerPragmas))
        self.readers = SQLiteConnectionSlots(limit: readers, open: opener(Self.readerPragmas))
    }

    func withConnection<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R
    {
        try await writer.with { try await body($0.sql(queryLogLevel: nil)) }
    }

    func withReadConnection<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R)
        async throws -> R
    {
        // Before the writer has set WAL mode on a new file, readers would wait for writers: open it first.
        if writer.neverOpened { try await writer.with { _ in } }
        return try await readers.with { try await body($0.sql(queryLogLevel: nil)) }
    }

    func shutdown() async {
        guard closing.begin() else { return }
        await Self.close(writer, readers, threadPool, closing)
    }

    /// A store dropped without ``shutdown()`` (e.g. after an error) still closes its connections.
    deinit {
        guard closing.begin() else { return }
        let (writer, readers, threadPool, closing) = (self.writer, self.readers, self.threadPool, self.closing)
        Task { await Self.close(writer, readers, threadPool, closing) }
    }

    private static func close(
        _ writer: SQLiteConnectionSlots, _ readers: SQLiteConnectionSlots, _ threadPool: NIOThreadPool,
        _ closing: ShutdownFlag
    ) async {
        await writer.close()
        await readers.close()
        try? await threadPool.shutdownGracefully()
        closing.finish()
    }
}

/// Up to `limit` SQLite connections, opened on first demand, each lent to one caller at a time; callers
/// beyond the limit wait in order. Lending an idle connection takes a lock, no thread hop.
final class SQLiteConnectionSlots: @unchecked Sendable {
    private let lock = NSLock()
    private let limit: Int
    private let open: @Sendable () async throws -> SQLiteConnection
    private var idle: [SQLiteConnection] = []
    private var opened = 0
    private var everOpened = false
    private var closed = false
    /// Callers waiting for a connection; resumed with one, or with nil: a slot is free, open a connection.
    private var waiters: [CheckedContinuation<SQLiteConnection?, any Error>] = []

    init(limit: Int, open: @escaping @Sendable () async throws -> SQLiteConnection) {
        self.limit = limit
        self.open = open
    }

    /// True until a connection was opened successfully.
    var neverOpened: Bool { lock.withLock { !everOpened } }

    /// Connections open now (idle or lent out).
    var openCount: Int { lock.withLock { opened } }

    /// Runs `body` with a connection of its own.
    func with<R>(_ body: (SQLiteConnection) async throws -> R) async throws -> R {
        let connection = try await acquire()
        do {
            let result = try await body(connection)
            release(connection)
            return result
        } catch {
            release(connection)
            throw error
        }
    }

    private enum Next {
        case ready(SQLiteConnection)
        case openOne
        case wait
        case refused
    }

    private func acquire() async throws -> SQLiteConnection {
        let next: Next = lock.withLock {
            if closed { return .refused }
            if let connection = idle.popLast() { return .ready(connection) }
            if opened < limit {
                opened += 1
                return .openOne
            }
            return .wait
        }
        switch next {
        case .ready(let connection): return connection
        case .refused: throw StorageError.database("数据库连接已关闭")
        case .openOne: return try await openCounted()
        case .wait:
            let handed = try await withCheckedThrowingContinuation { continuation in
                let refused = lock.withLock {
                    if closed { return true }
                    waiters.append(continuation)
                    return false
                }
                if refused { continuation.resume(throwing: StorageError.database("数据库连接已关闭")) }
            }
            if let handed { return handed }
            return try await openCounted()
        }
    }

    /// Opens a connection for a slot already counted in `opened`; gives the slot back when that fails.
    private func openCounted() async throws -> SQLiteConnection {
        do {
            let connection = try await open()
            lock.withLock { everOpened = true }
            return connection
        } catch {
            freeSlot()
            throw error
        }
    }

    private func release(_ connection: SQLiteConnection) {
        if connection.isClosed { return freeSlot() }
        let (waiter, closeIt): (CheckedContinuation<SQLiteConnection?, any Error>?, Bool) = lock.withLock {
            if closed {
                opened -= 1
                return (nil, true)
            }
            if !waiters.isEmpty { return (waiters.removeFirst(), false) }
            idle.append(connection)
            return (nil, false)
        }
        if closeIt { Task { try? await connection.close() } }
        waiter?.resume(returning: connection)
    }

    /// A connection is gone: the first waiter, if any, may open a new one in its slot.
    private func freeSlot() {
        let waiter: CheckedContinuation<SQLiteConnection?, any Error>? = lock.withLock {
            if !closed, !waiters.isEmpty { return waiters.removeFirst() }
            opened -= 1
            return nil
        }
        waiter?.resume(returning: nil)
    }

    /// Closes the idle connections (those lent out close when given back) and refuses every waiter.
    func close() async {
        let (connections, refused) = lock.withLock {
            closed = true
            defer {
                opened -= idle.count
                idle = []
                waiters = []
            }
            return (idle, waiters)
        }
        for waiter in refused { waiter.resume(throwing: StorageError.database("数据库连接已关闭")) }
        for connection in connections { try? await connection.close() }
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

    func withReadConnection<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R)
        async throws -> R
    {
        try await withConnection(body)
    }

    func shutdown() async {
        guard closing.begin() else { return }
        try? await pool.shutdownAsync()
        closing.finish()
    }

    /// A store dropped without ``shutdown()`` (e.g. after an error) still closes its connections.
    deinit {
        guard closing.begin() else { return }
        let closing = self.closing
        pool.shutdownGracefully { _ in closing.finish() }
    }
}

/// Makes shutdown happen once, whether from `shutdown()` or from `deinit`.
final class ShutdownFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var started = false
    private var done = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// True once closing has begun.
    var began: Bool { lock.withLock { started } }

    /// Closing is done: every connection is closed. Wakes those waiting in ``finished()``.
    func finish() {
        let waiting = lock.withLock {
            done = true
            defer { waiters = [] }
            return waiters
        }
        for waiter in waiting { waiter.resume() }
    }

    /// Returns once ``finish()`` was called.
    func finished() async {
        await withCheckedContinuation { continuation in
            let already = lock.withLock {
                if done { return true }
                waiters.append(continuation)
                return false
            }
            if already { continuation.resume() }
        }
    }

    /// True the first time only.
    func begin() -> Bool {
        lock.withLock {
            defer { started = true }
            return !started
        }
    }
}
