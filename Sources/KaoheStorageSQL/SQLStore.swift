import Foundation
import KaoheEngine
import KaoheStorage
import Logging
import SQLKit

/// One audited change: what changed (`facts:…`, `finding:…`), how, and the values before and after.
struct AuditChange: Sendable {
    let entity: String
    let action: String
    let old: String?
    let new: String?
}

/// The audit chain head last written by this store: sequence number and hash, or nil.
final class ChainHead: @unchecked Sendable {
    private let lock = NSLock()
    private var head: (seq: Int, hash: String)?

    var current: (seq: Int, hash: String)? {
        get { lock.withLock { head } }
        set { lock.withLock { head = newValue } }
    }
}

/// Lists last read, per key, with the audit chain head they were read at. Every change of what they hold is
/// audited in its transaction, so an unmoved head means an unchanged list, also when another instance wrote.
final class HeadCache<Key: Hashable & Sendable, Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var lists: [Key: (head: Int, value: Value)] = [:]
    private let capacity: Int

    init(capacity: Int = 16) { self.capacity = capacity }

    func value(_ key: Key, at head: Int) -> Value? {
        lock.withLock { lists[key].flatMap { $0.head == head ? $0.value : nil } }
    }

    func keep(_ value: Value, _ key: Key, at head: Int) {
        lock.withLock {
            if lists.count >= capacity, lists[key] == nil { lists.removeAll() }
            lists[key] = (head, value)
        }
    }
}

/// The transaction a task runs in through `atomically`: the store's calls inside it join it.
struct AmbientTransaction: Sendable {
    let store: ObjectIdentifier
    let db: any SQLDatabase
}

extension SQLStore {
    /// The transaction of `atomically` the current task runs in.
    @TaskLocal static var ambient: AmbientTransaction?
}

/// A filtered audit query and the cap of its count.
struct AuditCountKey: Hashable, Sendable {
    let query: AuditQuery
    let cap: Int
}

/// The live ``KaoheStore`` on SQLKit. One SQL code path serves SQLite (embedded default) and PostgreSQL
/// (production, several app instances on one database).
public final class SQLStore: KaoheStore {
    let provider: any ConnectionProvider
    /// Where the data lives.
    public let location: DatabaseLocation
    /// The clock used for audit times and record times.
    let now: @Sendable () -> Date
    /// The audit chain head as this store last moved it (a guess that saves a statement; see `audit`).
    let chainHead = ChainHead()
    /// Public ballot sheets waiting to be written together (see ``PublicBallotQueue``).
    let publicBallots = PublicBallotQueue()
    /// Unit lists per organization (nil: all) and chain head (see `units(in:)`).
    let unitLists = HeadCache<OrganizationID?, [AssessedUnit]>()
    /// Enrolments and evaluator assignments per assessment and chain head (see `enrolments(of:)`).
    let enrolmentLists = HeadCache<AssessmentID, [Enrolment]>()
    let assignmentLists = HeadCache<AssessmentID, [EvaluatorAssignment]>()
    /// Capped counts of filtered audit queries per chain head (see `auditCount`).
    let auditCounts = HeadCache<AuditCountKey, Int>(capacity: 256)

    /// Opens (without migrating) the database at `location`. SQLite files and their folders are created when
    /// missing, private to the account (folders 0700, the file and its `-wal`/`-shm` 0600; see ``PrivateFiles``).
    ///
    /// - Parameter postgresSchema: on PostgreSQL, a schema to work in (set as `search_path`); tests use one per test.
    public init(
        location: DatabaseLocation, logger: Logger = Logger(label: "kaohe.sql"), postgresSchema: String? = nil,
        now: @escaping @Sendable () -> Date = { Date() }
    ) throws {
        self.location = location
        self.now = now
        switch location {
        case .sqlite(let path):
            try PrivateFiles.makeDirectory(URL(fileURLWithPath: path).deletingLastPathComponent().path)
            try PrivateFiles.prepareSQLiteFile(path)
            self.provider = SQLiteProvider(path: path, logger: logger)
        case .postgres(let url):
            self.provider = try PostgresProvider(url: url, logger: logger, searchPath: postgresSchema.map { [$0] })
        }
    }

    /// Runs one SQL statement as it is, outside the audited API. For maintenance and for tests that must
    /// change data behind the application's back (e.g. to prove the audit chain detects it).
    public func unsafeExecute(_ sql: String) async throws {
        try await write { db in try await db.raw(SQLQueryString(sql)).run() }
    }

    /// Closes all connections. Call once, when done.
    public func shutdown() async {
        await provider.shutdown()
    }

    // MARK: - Migrations

    /// Applies every migration not yet recorded in `schema_migrations`, each in its own transaction.
    /// Safe to run from several processes at once on PostgreSQL. Returns the names of those applied now.
    @discardableResult
    public func migrate(_ migrations: [Migration] = allMigrations) async throws -> [String] {
        try await write { db in
            try await db.raw(
                "CREATE TABLE IF NOT EXISTS schema_migrations (id BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)"
            ).run()
        }
        var applied: [String] = []
        for migration in migrations.sorted(by: { $0.id < $1.id }) {
            if try await appliedMigrationIDs().contains(migration.id) { continue }
            do {
                try await transaction { db in
                    try await db.raw(
                        "INSERT INTO schema_migrations (id, name, applied_at) VALUES (\(bind: migration.id), \(bind: migration.fullName), \(bind: Self.seconds(self.now())))"
                    ).run()
                    for statement in migration.statements {
                        try await db.raw(SQLQueryString(statement)).run()
                    }
                }
                applied.append(migration.fullName)
            } catch {
                // Another process may have applied it at the same moment.
                if try await appliedMigrationIDs().contains(migration.id) { continue }
                throw SQLStoreError.migrationFailed(
                    id: migration.id, name: migration.name, message: Self.describe(error))
            }
        }
        return applied
    }

    /// The ids of the migrations recorded as applied.
    public func appliedMigrationIDs() async throws -> Set<Int> {
        try await write { db in
            Set(
                try await db.raw("SELECT id FROM schema_migrations").all().map {
                    try $0.decode(column: "id", as: Int.self)
                })
        }
    }

    // MARK: - Plumbing

    /// Runs `body` on a connection that may write (outside a transaction: each statement commits alone).
    func write<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        if let db = joined { return try await Self.mappingErrors { try await body(db) } }
        return try await Self.mappingErrors { try await self.provider.withConnection(body) }
    }

    /// The transaction of ``atomically(_:)`` this task runs in, when it is this store's.
    var joined: (any SQLDatabase)? {
        Self.ambient.flatMap { $0.store == ObjectIdentifier(self) ? $0.db : nil }
    }

    /// What `read` reads, kept in `cache` under `key` while the chain head stays where it was (the head is read
    /// first, so a value is never older than its head). Not kept inside ``atomically(_:)``, whose head may be
    /// rolled back and reached again by other changes.
    func headCached<Key, Value>(
        _ cache: HeadCache<Key, Value>, _ key: Key, on db: any SQLDatabase, read: () async throws -> Value
    ) async throws -> Value {
        let head = try await Self.auditHeadSeq(db)
        if let kept = cache.value(key, at: head) { return kept }
        let value = try await read()
        if joined == nil { cache.keep(value, key, at: head) }
        return value
    }

    public func atomically<R: Sendable>(_ body: @escaping @Sendable () async throws -> R) async throws -> R {
        if joined != nil { return try await body() }
        let id = ObjectIdentifier(self)
        return try await transaction { db in
            try await Self.$ambient.withValue(AmbientTransaction(store: id, db: db)) { try await body() }
        }
    }

    /// Runs `body`, which only reads, on a reader connection: on SQLite it neither waits for the writer nor
    /// holds it up. Each statement sees what was committed when it started.
    func read<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        if let db = joined { return try await Self.mappingErrors { try await body(db) } }
        return try await Self.mappingErrors { try await self.provider.withReadConnection(body) }
    }

    private static func mappingErrors<R>(_ body: () async throws -> R) async throws -> R {
        do {
            return try await body()
        } catch let error as StorageError {
            throw error
        } catch let error as SQLStoreError {
            throw error
        } catch {
            throw StorageError.database(Self.describe(error))
        }
    }

    func transaction<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        // Inside ``atomically(_:)`` the statements join its transaction (`write` runs them there).
        if joined != nil { return try await write(body) }
        return try await write { db in
            // SQLite: take the write lock at once, so that a writer in another process (a command, a second
            // store on the file) makes this one wait (busy_timeout) instead of failing when a read-started
            // transaction tries to write. PostgreSQL locks rows as it writes.
            try await db.raw(db.dialect.name == "sqlite" ? "BEGIN IMMEDIATE" : "BEGIN").run()
            do {
                let result = try await body(db)
                try await db.raw("COMMIT").run()
                return result
            } catch {
                try? await db.raw("ROLLBACK").run()
                throw error
            }
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? StorageError { return error.description }
        return String(reflecting: error)
    }

    static func seconds(_ date: Date) -> Int { Int(date.timeIntervalSince1970.rounded(.down)) }
    static func date(_ seconds: Int) -> Date { Date(timeIntervalSince1970: TimeInterval(seconds)) }

    static func json<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .secondsSince1970
        return (try? String(decoding: encoder.encode(value), as: UTF8.self)) ?? "null"
    }

    /// The sequence number of the audit chain head (see ``KaoheStore/dataVersion()``).
    public func dataVersion() async throws -> Int {
        try await read { db in
            guard let head = try await db.raw("SELECT seq FROM audit_head WHERE id = 1").first() else {
                throw StorageError.database("审计链头记录缺失（audit_head）")
            }
            return try head.decode(column: "seq", as: Int.self)
        }
    }

    public func auditEntities(after version: Int, upTo newer: Int, limit: Int) async throws -> [String]? {
        let entities = try await read { db in
            try await db.raw(
                """
                SELECT entity FROM audit_log WHERE seq > \(bind: version) AND seq <= \(bind: newer)
                ORDER BY seq LIMIT \(bind: limit + 1)
                """
            ).all().map { try $0.decode(column: "entity", as: String.self) }
        }
        return entities.count > limit ? nil : entities
    }

    public func enrolledUnit(_ unit: UnitID, in assessment: AssessmentID) async throws -> AssessedUnit? {
        try await read { db in
            try await db.raw(
                """
                SELECT units.* FROM units JOIN enrolments ON enrolments.unit_id = units.id
                WHERE enrolments.assessment_id = \(bind: assessment.rawValue) AND units.id = \(bind: unit.rawValue)
                """
            ).first().map(Self.unit)
        }
    }

    /// Appends one audit row inside the caller's transaction, linked to the current chain head, and returns
    /// its sequence number (also a total order of the audited rows, since writers serialize on the head).
    @discardableResult
    func audit(
        _ db: any SQLDatabase, _ actor: AuditActor, entity: String, action: String, old: String?, new: String?
    ) async throws -> Int {
        try await audit(db, actor, [AuditChange(entity: entity, action: action, old: old, new: new)])[0]
    }

    /// Appends one audit row per change, in order, inside the caller's transaction, and returns their
    /// sequence numbers. Usually two statements however many changes: the head this store moved last is
    /// moved again only if it is still there (one conditional UPDATE), then the rows are inserted. When
    /// anything else moved the head since — another instance, a command, a rolled-back transaction — that
    /// UPDATE matches nothing and the head is read and moved under its row lock instead (three statements).
    @discardableResult
    func audit(_ db: any SQLDatabase, _ actor: AuditActor, _ changes: [AuditChange]) async throws -> [Int] {
        guard !changes.isEmpty else { return [] }
        // A NUL would be stored cut short while the hash covers the whole text: refuse every write carrying
        // one (in ids, or escaped inside the JSON of old and new values), so the chain covers what is stored.
        for change in changes {
            for text in [change.entity, change.old, change.new, actor.name, actor.reason].compactMap({ $0 })
            where text.contains("\u{0}") || text.contains("\\u0000") {
                throw StorageError.invalid(
                    field: change.entity.replacingOccurrences(of: "\u{0}", with: "␀"), message: "含有不允许的控制字符（NUL）")
            }
        }
        let (head, rows, last) = try await moveHead(db, over: changes, actor: actor, at: Self.date(Self.seconds(now())))
        try await db.raw(
            """
            INSERT INTO audit_log (seq, at, actor_id, actor_name, entity, action, old_value, new_value, reason, prev_hash, hash)
            VALUES \(rows.joined(separator: ", "))
            """
        ).run()
        chainHead.current = (head.seq + changes.count, last)
        return Array((head.seq + 1)...(head.seq + changes.count))
    }

    /// Moves the chain head over `changes` and returns the head they follow, their rows and the new hash.
    private func moveHead(_ db: any SQLDatabase, over changes: [AuditChange], actor: AuditActor, at: Date)
        async throws -> (head: (seq: Int, hash: String), rows: [SQLQueryString], last: String)
    {
        if let known = chainHead.current {
            let (rows, last) = Self.chain(changes, after: known, actor: actor, at: at)
            let moved = try await db.raw(
                """
                UPDATE audit_head SET seq = \(bind: known.seq + changes.count), hash = \(bind: last)
                WHERE id = 1 AND seq = \(bind: known.seq) AND hash = \(bind: known.hash) RETURNING seq
                """
            ).first()
            if moved != nil { return (known, rows, last) }
        }
        guard
            let row = try await db.raw(
                "UPDATE audit_head SET seq = seq + \(bind: changes.count) WHERE id = 1 RETURNING seq, hash"
            ).first()
        else { throw StorageError.database("审计链头记录缺失（audit_head）") }
        let head = (
            seq: try row.decode(column: "seq", as: Int.self) - changes.count,
            hash: try row.decode(column: "hash", as: String.self)
        )
        let (rows, last) = Self.chain(changes, after: head, actor: actor, at: at)
        try await db.raw("UPDATE audit_head SET hash = \(bind: last) WHERE id = 1").run()
        return (head, rows, last)
    }

    /// The audit rows of `changes` linked after `head`, and the hash of the last.
    private static func chain(
        _ changes: [AuditChange], after head: (seq: Int, hash: String), actor: AuditActor, at: Date
    ) -> (rows: [SQLQueryString], last: String) {
        var previous = head.hash
        var rows: [SQLQueryString] = []
        rows.reserveCapacity(changes.count)
        for (offset, change) in changes.enumerated() {
            var entry = AuditEntry(
                seq: head.seq + 1 + offset, at: at, actorID: actor.userID, actorName: actor.name,
                entity: change.entity, action: change.action, oldValue: change.old, newValue: change.new,
                reason: actor.reason, prevHash: previous, hash: "")
            entry.hash = entry.expectedHash
            previous = entry.hash
            rows.append(
                """
                (\(bind: entry.seq), \(bind: Self.seconds(entry.at)), \(bind: entry.actorID?.rawValue), \(bind: entry.actorName),
                \(bind: entry.entity), \(bind: entry.action), \(bind: entry.oldValue), \(bind: entry.newValue), \(bind: entry.reason),
                \(bind: entry.prevHash), \(bind: entry.hash))
                """)
        }
        return (rows, previous)
    }

    // MARK: - Row decoding

    static func organization(_ row: any SQLRow) throws -> Organization {
        Organization(
            id: OrganizationID(try row.decode(column: "id", as: String.self)),
            parentID: try row.decode(column: "parent_id", as: String?.self).map(OrganizationID.init),
            name: try row.decode(column: "name", as: String.self),
            createdAt: date(try row.decode(column: "created_at", as: Int.self)))
    }

    static func unit(_ row: any SQLRow) throws -> AssessedUnit {
        let typeText = try row.decode(column: "unit_type", as: String.self)
        guard let type = UnitType(rawValue: typeText) else { throw StorageError.database("未知的单位类型：\(typeText)") }
        return AssessedUnit(
            id: UnitID(try row.decode(column: "id", as: String.self)),
            organizationID: OrganizationID(try row.decode(column: "organization_id", as: String.self)),
            parentID: try row.decode(column: "parent_id", as: String?.self).map(UnitID.init),
            code: try row.decode(column: "code", as: String.self),
            name: try row.decode(column: "name", as: String.self), type: type,
            createdAt: date(try row.decode(column: "created_at", as: Int.self)))
    }

    static func user(_ row: any SQLRow) throws -> User {
        let rolesText = try row.decode(column: "roles", as: String.self)
        var roles = Set<Role>()
        for part in rolesText.split(separator: ",") {
            guard let role = Role(rawValue: String(part)) else { throw StorageError.database("未知的角色：\(part)") }
            roles.insert(role)
        }
        return User(
            id: UserID(try row.decode(column: "id", as: String.self)),
            username: try row.decode(column: "username", as: String.self),
            displayName: try row.decode(column: "display_name", as: String.self),
            passwordHash: try row.decode(column: "password_hash", as: String.self), roles: roles,
            organizationID: try row.decode(column: "organization_id", as: String?.self).map(OrganizationID.init),
            unitID: try row.decode(column: "unit_id", as: String?.self).map(UnitID.init),
            createdAt: date(try row.decode(column: "created_at", as: Int.self)))
    }

    static func rolesText(_ roles: Set<Role>) -> String { roles.sorted().map(\.rawValue).joined(separator: ",") }

    static func assessment(_ row: any SQLRow) throws -> Assessment {
        let stateText = try row.decode(column: "state", as: String.self)
        guard let state = AssessmentState(rawValue: stateText) else {
            throw StorageError.database("未知的考核状态：\(stateText)")
        }
        return Assessment(
            id: AssessmentID(try row.decode(column: "id", as: String.self)),
            organizationID: OrganizationID(try row.decode(column: "organization_id", as: String.self)),
            schemeID: try row.decode(column: "scheme_id", as: String.self),
            year: try row.decode(column: "year", as: Int.self),
            title: try row.decode(column: "title", as: String.self), state: state,
            createdAt: date(try row.decode(column: "created_at", as: Int.self)),
            submissionDeadline: try day(row, "submission_deadline"),
            objectionDeadline: try day(row, "objection_deadline"),
            parameters: try row.decode(column: "parameters", as: String?.self))
    }

    /// A nullable `yyyy-MM-dd` column.
    static func day(_ row: any SQLRow, _ column: String) throws -> Day? {
        guard let text = try row.decode(column: column, as: String?.self) else { return nil }
        guard let day = Day(text) else { throw StorageError.database("无效的日期（\(column)）：\(text)") }
        return day
    }

    static func facts(_ row: any SQLRow) throws -> FactsRecord {
        FactsRecord(
            assessmentID: AssessmentID(try row.decode(column: "assessment_id", as: String.self)),
            unitID: UnitID(try row.decode(column: "unit_id", as: String.self)),
            itemID: try row.decode(column: "item_id", as: String.self),
            json: try row.decode(column: "json", as: String.self),
            version: try row.decode(column: "version", as: Int.self),
            updatedBy: try row.decode(column: "updated_by", as: String?.self).map(UserID.init),
            updatedAt: date(try row.decode(column: "updated_at", as: Int.self)))
    }

    static func finding(_ row: any SQLRow) throws -> Finding {
        let dayText = try row.decode(column: "occurred_on", as: String.self)
        guard let day = Day(dayText) else { throw StorageError.database("无效的日期：\(dayText)") }
        return Finding(
            id: FindingID(try row.decode(column: "id", as: String.self)),
            assessmentID: AssessmentID(try row.decode(column: "assessment_id", as: String.self)),
            unitID: UnitID(try row.decode(column: "unit_id", as: String.self)),
            itemID: try row.decode(column: "item_id", as: String.self),
            factName: try row.decode(column: "fact_name", as: String?.self), date: day,
            note: try row.decode(column: "note", as: String.self),
            evidenceRef: try row.decode(column: "evidence_ref", as: String?.self),
            createdBy: try row.decode(column: "created_by", as: String?.self).map(UserID.init),
            createdAt: date(try row.decode(column: "created_at", as: Int.self)))
    }

    static func auditEntry(_ row: any SQLRow) throws -> AuditEntry {
        AuditEntry(
            seq: try row.decode(column: "seq", as: Int.self), at: date(try row.decode(column: "at", as: Int.self)),
            actorID: try row.decode(column: "actor_id", as: String?.self).map(UserID.init),
            actorName: try row.decode(column: "actor_name", as: String.self),
            entity: try row.decode(column: "entity", as: String.self),
            action: try row.decode(column: "action", as: String.self),
            oldValue: try row.decode(column: "old_value", as: String?.self),
            newValue: try row.decode(column: "new_value", as: String?.self),
            reason: try row.decode(column: "reason", as: String?.self),
            prevHash: try row.decode(column: "prev_hash", as: String.self),
            hash: try row.decode(column: "hash", as: String.self))
    }
}
