import Foundation
import KaoheStorage
import SQLKit

/// What the audit log records when API tokens are revoked.
struct AuditedRevocation: Encodable {
    let tokenIDs: [String]
    let names: [String]
    /// `revoke` (one token, by its owner or an administrator), `all`, `password` (a change or a reset) or
    /// `roles` (a role was taken away).
    let cause: String
}

/// What the audit log records when an administrator lifts login delays.
struct AuditedUnlock: Encodable {
    let key: String, failures: Int, blockedUntil: Date?
}

extension SQLStore {
    // MARK: API tokens

    static func apiToken(_ row: any SQLRow) throws -> APIToken {
        APIToken(
            id: APITokenID(try row.decode(column: "id", as: String.self)),
            tokenHash: try row.decode(column: "token_hash", as: String.self),
            userID: UserID(try row.decode(column: "user_id", as: String.self)),
            name: try row.decode(column: "name", as: String.self),
            createdAt: date(try row.decode(column: "created_at", as: Int.self)),
            expiresAt: date(try row.decode(column: "expires_at", as: Int.self)),
            lastUsedAt: try row.decode(column: "last_used_at", as: Int?.self).map(date))
    }

    public func apiToken(id: APITokenID) async throws -> APIToken? {
        try await read { db in
            try await db.raw("SELECT * FROM api_tokens WHERE id = \(bind: id.rawValue)").first().map(Self.apiToken)
        }
    }

    public func apiTokens(of userID: UserID) async throws -> [APIToken] {
        try await read { db in
            try await db.raw(
                "SELECT * FROM api_tokens WHERE user_id = \(bind: userID.rawValue) ORDER BY created_at DESC, id"
            ).all().map(Self.apiToken)
        }
    }

    public func revokeAPIToken(_ id: APITokenID, by actor: AuditActor) async throws {
        try await transaction { db in
            guard
                let token = try await db.raw("DELETE FROM api_tokens WHERE id = \(bind: id.rawValue) RETURNING *")
                    .first().map(Self.apiToken)
            else { throw StorageError.notFound(what: "API令牌", id: id.rawValue) }
            try await self.audit(
                db, actor, entity: "user:\(token.userID)", action: "api-token-revoke", old: nil,
                new: Self.json(AuditedRevocation(tokenIDs: [token.id.rawValue], names: [token.name], cause: "revoke")))
        }
    }

    public func revokeAPITokens(of userID: UserID, by actor: AuditActor) async throws -> Int {
        try await transaction { db in try await self.revokeAPITokens(db, of: userID, cause: "all", by: actor) }
    }

    /// Deletes the user's tokens inside the caller's transaction and audits it when there were any.
    @discardableResult
    func revokeAPITokens(_ db: any SQLDatabase, of userID: UserID, cause: String, by actor: AuditActor) async throws
        -> Int
    {
        let tokens = try await db.raw("DELETE FROM api_tokens WHERE user_id = \(bind: userID.rawValue) RETURNING *")
            .all().map(Self.apiToken).sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
        guard !tokens.isEmpty else { return 0 }
        try await audit(
            db, actor, entity: "user:\(userID)", action: "api-token-revoke", old: nil,
            new: Self.json(
                AuditedRevocation(tokenIDs: tokens.map(\.id.rawValue), names: tokens.map(\.name), cause: cause)))
        return tokens.count
    }

    public func recordAPITokenUse(tokenHash: String, at now: Date) async throws {
        try await write { db in
            try await db.raw(
                "UPDATE api_tokens SET last_used_at = \(bind: Self.seconds(now)) WHERE token_hash = \(bind: tokenHash)"
            ).run()
        }
    }

    // MARK: Login throttling

    static func throttleState(_ row: any SQLRow) throws -> LoginThrottleState {
        LoginThrottleState(
            key: try row.decode(column: "throttle_key", as: String.self),
            failures: try row.decode(column: "failures", as: Int.self),
            blockedUntil: try row.decode(column: "blocked_until", as: Int?.self).map(date),
            lastFailure: date(try row.decode(column: "last_failure", as: Int.self)))
    }

    public func loginThrottle(_ keys: [String]) async throws -> [LoginThrottleState] {
        guard !keys.isEmpty else { return [] }
        return try await read { db in
            try await db.raw(
                "SELECT * FROM login_throttle WHERE throttle_key IN (\(binds: keys)) ORDER BY throttle_key"
            ).all().map(Self.throttleState)
        }
    }

    public func recordLoginFailure(_ keys: [LoginThrottleKey], at now: Date, policy: LoginThrottlePolicy)
        async throws -> [LoginThrottleState]
    {
        guard !keys.isEmpty else { return [] }
        let nowSeconds = Self.seconds(now)
        let forgetBefore = Self.seconds(now.addingTimeInterval(-policy.forgetAfter))
        // One key order for every writer, so that two transactions never wait for each other's rows.
        let ordered = Set(keys).sorted { $0.text < $1.text }
        return try await transaction { db in
            // Counts nobody needs any more (forgotten and not blocking) are removed as new ones come.
            try await db.raw(
                """
                DELETE FROM login_throttle WHERE last_failure < \(bind: forgetBefore)
                AND (blocked_until IS NULL OR blocked_until <= \(bind: nowSeconds))
                """
            ).run()
            var states: [LoginThrottleState] = []
            for key in ordered {
                guard
                    let row = try await db.raw(
                        """
                        INSERT INTO login_throttle (throttle_key, failures, blocked_until, last_failure)
                        VALUES (\(bind: key.text), 1, NULL, \(bind: nowSeconds))
                        ON CONFLICT (throttle_key) DO UPDATE SET
                        failures = CASE WHEN login_throttle.last_failure < \(bind: forgetBefore) THEN 1
                            ELSE login_throttle.failures + 1 END,
                        blocked_until = CASE WHEN login_throttle.last_failure < \(bind: forgetBefore) THEN NULL
                            ELSE login_throttle.blocked_until END,
                        last_failure = \(bind: nowSeconds)
                        RETURNING *
                        """
                    ).first()
                else { throw StorageError.database("登录限制记录写入失败：\(key.text)") }
                var state = try Self.throttleState(row)
                let delay = policy.delay(afterFailures: state.failures, threshold: policy.threshold(for: key))
                if delay > 0 {
                    // Rounded up to whole seconds: a delay is never shorter than the policy says.
                    let until = Int(now.addingTimeInterval(delay).timeIntervalSince1970.rounded(.up))
                    let blocked = max(until, state.blockedUntil.map(Self.seconds) ?? 0)
                    try await db.raw(
                        "UPDATE login_throttle SET blocked_until = \(bind: blocked) WHERE throttle_key = \(bind: key.text)"
                    ).run()
                    state.blockedUntil = Self.date(blocked)
                }
                states.append(state)
            }
            return states
        }
    }

    public func clearLoginThrottle(_ keys: [String]) async throws {
        guard !keys.isEmpty else { return }
        try await write { db in
            try await db.raw("DELETE FROM login_throttle WHERE throttle_key IN (\(binds: keys))").run()
        }
    }

    public func unlockLogin(_ key: LoginThrottleKey, entity: String, by actor: AuditActor) async throws -> Bool {
        try await transaction { db in
            guard
                let state = try await db.raw(
                    "DELETE FROM login_throttle WHERE throttle_key = \(bind: key.text) RETURNING *"
                ).first().map(Self.throttleState)
            else { return false }
            try await self.audit(
                db, actor, entity: entity, action: "unlock", old: nil,
                new: Self.json(
                    AuditedUnlock(key: state.key, failures: state.failures, blockedUntil: state.blockedUntil)))
            return true
        }
    }

    public func accountThrottles(since: Date) async throws -> [LoginThrottleState] {
        try await read { db in
            try await db.raw(
                """
                SELECT * FROM login_throttle WHERE throttle_key LIKE 'account:%'
                AND last_failure >= \(bind: Self.seconds(since)) ORDER BY throttle_key
                """
            ).all().map(Self.throttleState)
        }
    }

    public func rememberLoginAddress(of userID: UserID, address: String, at now: Date, forgetBefore: Date)
        async throws
    {
        try await transaction { db in
            try await db.raw(
                """
                DELETE FROM login_addresses WHERE user_id = \(bind: userID.rawValue)
                AND last_login < \(bind: Self.seconds(forgetBefore))
                """
            ).run()
            try await db.raw(
                """
                INSERT INTO login_addresses (user_id, address, last_login)
                VALUES (\(bind: userID.rawValue), \(bind: address), \(bind: Self.seconds(now)))
                ON CONFLICT (user_id, address) DO UPDATE SET last_login = excluded.last_login
                """
            ).run()
        }
    }

    public func isKnownLoginAddress(of userID: UserID, address: String, since: Date) async throws -> Bool {
        try await read { db in
            try await db.raw(
                """
                SELECT user_id FROM login_addresses WHERE user_id = \(bind: userID.rawValue)
                AND address = \(bind: address) AND last_login >= \(bind: Self.seconds(since))
                """
            ).first() != nil
        }
    }
}
