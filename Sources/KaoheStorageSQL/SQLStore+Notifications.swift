import Foundation
import KaoheStorage
import SQLKit

/// What the audit log records when a user changes their e-mail settings.
struct AuditedMailSettings: Encodable {
    let email: String, mode: String
}

extension SQLStore {
    static func notification(_ row: any SQLRow) throws -> InboxNotification {
        let kindText = try row.decode(column: "kind", as: String.self)
        guard let kind = NotificationKind(rawValue: kindText) else {
            throw StorageError.database("通知类型无效：\(kindText)")
        }
        return InboxNotification(
            id: try row.decode(column: "id", as: String.self),
            userID: UserID(try row.decode(column: "user_id", as: String.self)), kind: kind,
            title: try row.decode(column: "title", as: String.self),
            body: try row.decode(column: "body", as: String.self),
            link: try row.decode(column: "link", as: String.self),
            dedupeKey: try row.decode(column: "dedupe_key", as: String.self),
            createdAt: date(try row.decode(column: "created_at", as: Int.self)),
            readAt: try row.decode(column: "read_at", as: Int?.self).map(date))
    }

    static func outboxMail(_ row: any SQLRow) throws -> OutboxMail {
        OutboxMail(
            id: try row.decode(column: "id", as: String.self),
            userID: UserID(try row.decode(column: "user_id", as: String.self)),
            to: try row.decode(column: "to_address", as: String.self),
            subject: try row.decode(column: "subject", as: String.self),
            body: try row.decode(column: "body", as: String.self),
            createdAt: date(try row.decode(column: "created_at", as: Int.self)),
            attempts: try row.decode(column: "attempts", as: Int.self),
            nextAttemptAt: date(try row.decode(column: "next_attempt_at", as: Int.self)),
            sentAt: try row.decode(column: "sent_at", as: Int?.self).map(date),
            lastError: try row.decode(column: "last_error", as: String?.self))
    }

    static func mailPreferences(_ row: any SQLRow) throws -> MailPreferences {
        let modeText = try row.decode(column: "mail_mode", as: String.self)
        return MailPreferences(
            email: try row.decode(column: "email", as: String.self), mode: MailMode(rawValue: modeText) ?? .off,
            lastDigestAt: try row.decode(column: "last_digest_at", as: Int?.self).map(date))
    }

    func insertMail(_ db: any SQLDatabase, _ mail: OutboxMail) async throws {
        try await db.raw(
            """
            INSERT INTO mail_outbox (id, user_id, to_address, subject, body, created_at, attempts, next_attempt_at,
            sent_at, last_error, claimed_by, claimed_until)
            VALUES (\(bind: mail.id), \(bind: mail.userID.rawValue), \(bind: mail.to), \(bind: mail.subject),
            \(bind: mail.body), \(bind: Self.seconds(mail.createdAt)), \(bind: mail.attempts),
            \(bind: Self.seconds(mail.nextAttemptAt)), NULL, NULL, NULL, NULL)
            """
        ).run()
    }

    public func addNotifications(
        _ notifications: [InboxNotification],
        mail: @escaping @Sendable (InboxNotification, MailPreferences) -> OutboxMail?
    ) async throws -> [InboxNotification] {
        guard !notifications.isEmpty else { return [] }
        return try await transaction { db in
            var added: [InboxNotification] = []
            for note in notifications {
                let inserted = try await db.raw(
                    """
                    INSERT INTO notifications (id, user_id, kind, title, body, link, dedupe_key, created_at, read_at)
                    VALUES (\(bind: note.id), \(bind: note.userID.rawValue), \(bind: note.kind.rawValue),
                    \(bind: note.title), \(bind: note.body), \(bind: note.link), \(bind: note.dedupeKey),
                    \(bind: Self.seconds(note.createdAt)), NULL)
                    ON CONFLICT (user_id, dedupe_key) DO NOTHING RETURNING id
                    """
                ).first()
                guard inserted != nil else { continue }
                added.append(note)
                guard
                    let row = try await db.raw(
                        "SELECT email, mail_mode, last_digest_at FROM users WHERE id = \(bind: note.userID.rawValue)"
                    ).first()
                else { continue }
                let preferences = try Self.mailPreferences(row)
                if preferences.mode == .immediate, !preferences.email.isEmpty, let message = mail(note, preferences) {
                    try await self.insertMail(db, message)
                }
            }
            return added
        }
    }

    public func notifications(of user: UserID, limit: Int) async throws -> [InboxNotification] {
        try await read { db in
            try await db.raw(
                """
                SELECT * FROM notifications WHERE user_id = \(bind: user.rawValue)
                ORDER BY CASE WHEN read_at IS NULL THEN 0 ELSE 1 END, created_at DESC, id LIMIT \(bind: limit)
                """
            ).all().map(Self.notification)
        }
    }

    public func unreadNotificationCount(of user: UserID) async throws -> Int {
        try await read { db in
            try await db.raw(
                "SELECT COUNT(*) AS n FROM notifications WHERE user_id = \(bind: user.rawValue) AND read_at IS NULL"
            ).first()?.decode(column: "n", as: Int.self) ?? 0
        }
    }

    public func markNotificationsRead(of user: UserID, id: String?, at now: Date) async throws -> Int {
        try await write { db in
            let rows: [any SQLRow]
            if let id {
                rows = try await db.raw(
                    """
                    UPDATE notifications SET read_at = \(bind: Self.seconds(now))
                    WHERE user_id = \(bind: user.rawValue) AND id = \(bind: id) AND read_at IS NULL RETURNING id
                    """
                ).all()
            } else {
                rows = try await db.raw(
                    """
                    UPDATE notifications SET read_at = \(bind: Self.seconds(now))
                    WHERE user_id = \(bind: user.rawValue) AND read_at IS NULL RETURNING id
                    """
                ).all()
            }
            return rows.count
        }
    }

    public func mailPreferences(of user: UserID) async throws -> MailPreferences {
        try await read { db in
            guard
                let row = try await db.raw(
                    "SELECT email, mail_mode, last_digest_at FROM users WHERE id = \(bind: user.rawValue)"
                ).first()
            else { throw StorageError.notFound(what: "用户", id: user.rawValue) }
            return try Self.mailPreferences(row)
        }
    }

    public func setMailPreferences(of user: UserID, email: String, mode: MailMode, by actor: AuditActor)
        async throws
    {
        try await transaction { db in
            guard
                let old = try await db.raw(
                    "SELECT email, mail_mode, last_digest_at FROM users WHERE id = \(bind: user.rawValue)"
                ).first().map(Self.mailPreferences)
            else { throw StorageError.notFound(what: "用户", id: user.rawValue) }
            // Switching to the digest starts it from now: earlier notifications were mailed (or not) already.
            let digestStart: Int? =
                mode == .digest && old.mode != .digest ? Self.seconds(self.now()) : old.lastDigestAt.map(Self.seconds)
            try await db.raw(
                """
                UPDATE users SET email = \(bind: email), mail_mode = \(bind: mode.rawValue),
                last_digest_at = \(bind: digestStart) WHERE id = \(bind: user.rawValue)
                """
            ).run()
            try await self.audit(
                db, actor, entity: "user:\(user)", action: "mail-settings",
                old: Self.json(AuditedMailSettings(email: old.email, mode: old.mode.rawValue)),
                new: Self.json(AuditedMailSettings(email: email, mode: mode.rawValue)))
        }
    }

    public func enqueueMail(_ mail: OutboxMail) async throws {
        try await write { db in try await self.insertMail(db, mail) }
    }

    public func claimMail(worker: String, now: Date, leaseUntil: Date, limit: Int) async throws -> [OutboxMail] {
        let nowSeconds = Self.seconds(now)
        // One conditional UPDATE: on PostgreSQL a row another worker claimed meanwhile is re-checked after its
        // lock is released and no longer matches; SQLite runs writers one at a time.
        return try await write { db in
            try await db.raw(
                """
                UPDATE mail_outbox SET claimed_by = \(bind: worker), claimed_until = \(bind: Self.seconds(leaseUntil))
                WHERE id IN (
                    SELECT id FROM mail_outbox WHERE sent_at IS NULL AND next_attempt_at <= \(bind: nowSeconds)
                    AND (claimed_until IS NULL OR claimed_until <= \(bind: nowSeconds))
                    ORDER BY next_attempt_at, created_at, id LIMIT \(bind: limit))
                AND sent_at IS NULL AND (claimed_until IS NULL OR claimed_until <= \(bind: nowSeconds))
                RETURNING *
                """
            ).all().map(Self.outboxMail).sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
        }
    }

    public func markMailSent(_ id: String, worker: String, at now: Date) async throws {
        try await write { db in
            try await db.raw(
                """
                UPDATE mail_outbox SET sent_at = \(bind: Self.seconds(now)), claimed_by = NULL, claimed_until = NULL
                WHERE id = \(bind: id) AND claimed_by = \(bind: worker) AND sent_at IS NULL
                """
            ).run()
        }
    }

    public func markMailFailed(_ id: String, worker: String, error: String, retryAt: Date) async throws {
        try await write { db in
            try await db.raw(
                """
                UPDATE mail_outbox SET attempts = attempts + 1, last_error = \(bind: String(error.prefix(500))),
                next_attempt_at = \(bind: Self.seconds(retryAt)), claimed_by = NULL, claimed_until = NULL
                WHERE id = \(bind: id) AND claimed_by = \(bind: worker) AND sent_at IS NULL
                """
            ).run()
        }
    }

    public func outbox(limit: Int) async throws -> [OutboxMail] {
        try await read { db in
            try await db.raw("SELECT * FROM mail_outbox ORDER BY created_at DESC, id LIMIT \(bind: limit)").all()
                .map(Self.outboxMail)
        }
    }

    public func outboxSummary(sentSince since: Date) async throws -> OutboxSummary {
        try await read { db in
            guard
                let row = try await db.raw(
                    """
                    SELECT SUM(CASE WHEN sent_at IS NULL AND attempts = 0 THEN 1 ELSE 0 END) AS waiting,
                    SUM(CASE WHEN sent_at IS NULL AND attempts > 0 THEN 1 ELSE 0 END) AS failing,
                    SUM(CASE WHEN sent_at IS NOT NULL THEN 1 ELSE 0 END) AS sent,
                    SUM(CASE WHEN sent_at >= \(bind: Self.seconds(since)) THEN 1 ELSE 0 END) AS sent_since,
                    MIN(CASE WHEN sent_at IS NULL THEN created_at END) AS oldest_unsent, MAX(sent_at) AS last_sent
                    FROM mail_outbox
                    """
                ).first()
            else { return OutboxSummary() }
            func count(_ column: String) throws -> Int { try row.decode(column: column, as: Int?.self) ?? 0 }
            return OutboxSummary(
                waiting: try count("waiting"), failing: try count("failing"), sent: try count("sent"),
                sentSince: try count("sent_since"),
                oldestUnsentAt: try row.decode(column: "oldest_unsent", as: Int?.self).map(Self.date),
                lastSentAt: try row.decode(column: "last_sent", as: Int?.self).map(Self.date))
        }
    }

    public func outboxMails(sent: Bool, limit: Int) async throws -> [OutboxMail] {
        try await read { db in
            try await db.raw(
                sent
                    ? "SELECT * FROM mail_outbox WHERE sent_at IS NOT NULL ORDER BY sent_at DESC, id LIMIT \(bind: limit)"
                    : "SELECT * FROM mail_outbox WHERE sent_at IS NULL ORDER BY created_at, id LIMIT \(bind: limit)"
            ).all().map(Self.outboxMail)
        }
    }

    public func retryMail(_ id: String?, now: Date, by actor: AuditActor) async throws -> Int {
        let nowSeconds = Self.seconds(now)
        return try await transaction { db in
            let only: SQLQueryString = id.map { "AND id = \(bind: $0)" } ?? ""
            let changed = try await db.raw(
                """
                UPDATE mail_outbox SET next_attempt_at = \(bind: nowSeconds) WHERE sent_at IS NULL
                AND next_attempt_at > \(bind: nowSeconds) AND (claimed_until IS NULL OR claimed_until <= \(bind: nowSeconds))
                \(only) RETURNING id
                """
            ).all().count
            if changed > 0 {
                try await self.audit(
                    db, actor, entity: "mail:\(id ?? "outbox")", action: "retry", old: nil, new: String(changed))
            }
            return changed
        }
    }

    public func digestsDue(before: Date, since: Date) async throws -> [DigestDue] {
        try await read { db in
            let users = try await db.raw(
                """
                SELECT id, email, mail_mode, last_digest_at FROM users WHERE mail_mode = 'digest' AND email <> ''
                AND (last_digest_at IS NULL OR last_digest_at < \(bind: Self.seconds(before))) ORDER BY id
                """
            ).all()
            var due: [DigestDue] = []
            for row in users {
                let user = UserID(try row.decode(column: "id", as: String.self))
                let preferences = try Self.mailPreferences(row)
                let start = preferences.lastDigestAt.map(Self.seconds) ?? Self.seconds(since)
                let notes = try await db.raw(
                    """
                    SELECT * FROM notifications WHERE user_id = \(bind: user.rawValue) AND created_at > \(bind: start)
                    ORDER BY created_at, id
                    """
                ).all().map(Self.notification)
                due.append(DigestDue(userID: user, preferences: preferences, notifications: notes))
            }
            return due
        }
    }

    public func enqueueDigest(_ mail: OutboxMail?, user: UserID, expected: Date?, now: Date) async throws -> Bool {
        try await transaction { db in
            let moved: (any SQLRow)?
            if let expected {
                moved = try await db.raw(
                    """
                    UPDATE users SET last_digest_at = \(bind: Self.seconds(now)) WHERE id = \(bind: user.rawValue)
                    AND last_digest_at = \(bind: Self.seconds(expected)) RETURNING id
                    """
                ).first()
            } else {
                moved = try await db.raw(
                    """
                    UPDATE users SET last_digest_at = \(bind: Self.seconds(now)) WHERE id = \(bind: user.rawValue)
                    AND last_digest_at IS NULL RETURNING id
                    """
                ).first()
            }
            guard moved != nil else { return false }
            if let mail { try await self.insertMail(db, mail) }
            return true
        }
    }
}
