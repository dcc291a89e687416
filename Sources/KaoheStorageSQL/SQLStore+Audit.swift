import Foundation
import KaoheStorage
import SQLKit

extension SQLStore {
    public func auditLog(entityPrefix: String?, limit: Int) async throws -> [AuditEntry] {
        try await read { db in
            if let entityPrefix {
                let pattern =
                    entityPrefix.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                    .replacingOccurrences(of: "_", with: "\\_") + "%"
                return try await db.raw(
                    "SELECT * FROM audit_log WHERE entity LIKE \(bind: pattern) ESCAPE '\\' ORDER BY seq LIMIT \(bind: limit)"
                ).all().map(Self.auditEntry)
            }
            return try await db.raw("SELECT * FROM audit_log ORDER BY seq LIMIT \(bind: limit)").all().map(
                Self.auditEntry)
        }
    }

    public func auditLog(scope: String, limit: Int) async throws -> [AuditEntry] {
        let escaped =
            scope.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
        let exact = "%:" + escaped, under = "%:" + escaped + "/%"
        let newestFirst = try await read { db in
            try await db.raw(
                """
                SELECT * FROM audit_log WHERE entity LIKE \(bind: exact) ESCAPE '\\' OR entity LIKE \(bind: under) ESCAPE '\\'
                ORDER BY seq DESC LIMIT \(bind: limit)
                """
            ).all().map(Self.auditEntry)
        }
        return newestFirst.reversed()
    }

    public func auditPage(_ query: AuditQuery, offset: Int, limit: Int) async throws -> [AuditEntry] {
        let order: SQLQueryString = query.newestFirst ? "DESC" : "ASC"
        return try await read { db in
            if query.isUnfiltered {
                // The chain has every sequence number from 1 to the head: a page is a range, however deep.
                let head = try await Self.auditHeadSeq(db)
                let (low, high) =
                    query.newestFirst
                    ? (head - offset - limit + 1, head - offset) : (offset + 1, offset + limit)
                return try await db.raw(
                    """
                    SELECT * FROM audit_log WHERE seq >= \(bind: low) AND seq <= \(bind: high) ORDER BY seq \(order)
                    """
                ).all().map(Self.auditEntry)
            }
            // An entity prefix that matches many entries is better walked in sequence order than read from its
            // index and sorted. PostgreSQL's planner knows that from its statistics. SQLite's has none: there a
            // prefix that a probe finds broad is written so that no index applies (`|| ''`), and the planner
            // walks the primary key (or the actor or action index). (Written that way on PostgreSQL, the
            // condition's selectivity was guessed at 0.15 % instead of 70 %, and a deep page of all facts
            // entries became a scan and sort of the whole log: 5.8 s p50 under load.) A date range is read from
            // the (at, seq) index in its order: entries are appended in time order, so that is newest first too
            // (ties by sequence number), without a sort.
            let broadPrefix =
                db.dialect.name == "sqlite"
                ? try await Self.isBroad(db, query.entityPrefix.map { Self.prefixRange($0) }) : false
            // The page's sequence numbers are found first and only its entries read: an index holds every column
            // the walk needs (sequence number with the entity, actor, action or time), so the entries skipped
            // by the offset are never read from the table.
            let ordering: SQLQueryString =
                Self.dateRange(query) == nil ? "seq \(order)" : "at \(order), seq \(order)"
            return try await db.raw(
                """
                SELECT * FROM audit_log WHERE seq IN (
                    SELECT seq FROM audit_log WHERE \(Self.auditConditions(query, broadPrefix: broadPrefix))
                    ORDER BY \(ordering) LIMIT \(bind: limit) OFFSET \(bind: offset))
                ORDER BY \(ordering)
                """
            ).all().map(Self.auditEntry)
        }
    }

    /// Entity prefixes matching at least this many entries are walked in sequence order (see ``auditPage``).
    static let broadAuditRange = 2_000

    /// Whether `range` (a condition on one indexed column) matches at least ``broadAuditRange`` entries.
    static func isBroad(_ db: any SQLDatabase, _ range: SQLQueryString?) async throws -> Bool {
        guard let range else { return false }
        let n = try await db.raw(
            """
            SELECT COUNT(*) AS n FROM (SELECT 1 AS one FROM audit_log WHERE \(range) LIMIT \(bind: broadAuditRange)) probe
            """
        ).first()?.decode(column: "n", as: Int.self)
        return (n ?? 0) >= broadAuditRange
    }

    /// The index range of an entity prefix (`column` lets the caller write it so that no index applies).
    static func prefixRange(_ prefix: String, column: SQLQueryString = "entity") -> SQLQueryString {
        "\(column) >= \(bind: prefix) AND \(column) < \(bind: prefix + "\u{10FFFF}")"
    }

    /// The time range of a query, or nil.
    static func dateRange(_ query: AuditQuery) -> SQLQueryString? {
        var parts: [SQLQueryString] = []
        if let from = query.from { parts.append("at >= \(bind: seconds(from))") }
        if let before = query.before { parts.append("at < \(bind: seconds(before))") }
        return parts.isEmpty ? nil : parts.joined(separator: " AND ")
    }

    public func auditCount(_ query: AuditQuery, cap: Int) async throws -> Int {
        try await read { db in
            if query.isUnfiltered { return min(cap, try await Self.auditHeadSeq(db)) }
            // Kept per chain head (the log only grows by moving it): paging through one search counts it once.
            return try await self.headCached(self.auditCounts, AuditCountKey(query: query, cap: cap), on: db) {
                try await db.raw(
                    """
                    SELECT COUNT(*) AS n FROM (SELECT 1 AS one FROM audit_log WHERE \(Self.auditConditions(query))
                    LIMIT \(bind: cap)) capped
                    """
                ).first()?.decode(column: "n", as: Int.self) ?? 0
            }
        }
    }

    /// The sequence number of the chain head (the number of entries).
    static func auditHeadSeq(_ db: any SQLDatabase) async throws -> Int {
        guard let row = try await db.raw("SELECT seq FROM audit_head WHERE id = 1").first() else {
            throw StorageError.database("审计链头记录缺失（audit_head）")
        }
        return try row.decode(column: "seq", as: Int.self)
    }

    /// The WHERE conditions of an audit query (at least one; `1 = 1` for none). The entity prefix is a range on
    /// the entity index, checked again by LIKE; `broadPrefix` writes it so that no index applies.
    static func auditConditions(_ query: AuditQuery, broadPrefix: Bool = false) -> SQLQueryString {
        var conditions: [SQLQueryString] = []
        if let prefix = query.entityPrefix {
            let pattern =
                prefix.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                .replacingOccurrences(of: "_", with: "\\_") + "%"
            conditions.append(prefixRange(prefix, column: broadPrefix ? "(entity || '')" : "entity"))
            conditions.append("entity LIKE \(bind: pattern) ESCAPE '\\'")
        }
        if let actor = query.actor { conditions.append("actor_name = \(bind: actor)") }
        if let action = query.action { conditions.append("action = \(bind: action)") }
        if let range = dateRange(query) { conditions.append(range) }
        return conditions.isEmpty ? "1 = 1" : conditions.joined(separator: " AND ")
    }

    public func verifyAudit() async throws -> AuditVerification {
        let (entries, headSeq, headHash) = try await write { db in
            let entries = try await db.raw("SELECT * FROM audit_log ORDER BY seq").all().map(Self.auditEntry)
            guard let head = try await db.raw("SELECT seq, hash FROM audit_head WHERE id = 1").first()
            else { throw StorageError.database("审计链头记录缺失（audit_head）") }
            return (
                entries, try head.decode(column: "seq", as: Int.self), try head.decode(column: "hash", as: String.self)
            )
        }
        let result = AuditVerification.check(entries)
        guard case .intact(let count) = result else { return result }
        if count != headSeq || (entries.last?.hash ?? AuditEntry.genesisHash) != headHash {
            return .broken(seq: count, reason: "链尾与链头记录不符（有记录被删除）：链头为第\(headSeq)条")
        }
        return result
    }
}
