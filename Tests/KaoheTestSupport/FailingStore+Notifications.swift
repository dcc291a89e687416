import Foundation
import KaoheStorage

extension FailingStore {
    public func addNotifications(
        _ notifications: [InboxNotification],
        mail: @escaping @Sendable (InboxNotification, MailPreferences) -> OutboxMail?
    ) async throws -> [InboxNotification] { throw failure() }
    public func notifications(of user: UserID, limit: Int) async throws -> [InboxNotification] { throw failure() }
    public func unreadNotificationCount(of user: UserID) async throws -> Int { throw failure() }
    public func markNotificationsRead(of user: UserID, id: String?, at now: Date) async throws -> Int {
        throw failure()
    }
    public func mailPreferences(of user: UserID) async throws -> MailPreferences { throw failure() }
    public func setMailPreferences(of user: UserID, email: String, mode: MailMode, by actor: AuditActor)
        async throws
    { throw failure() }
    public func enqueueMail(_ mail: OutboxMail) async throws { throw failure() }
    public func claimMail(worker: String, now: Date, leaseUntil: Date, limit: Int) async throws -> [OutboxMail] {
        throw failure()
    }
    public func markMailSent(_ id: String, worker: String, at now: Date) async throws { throw failure() }
    public func markMailFailed(_ id: String, worker: String, error: String, retryAt: Date) async throws {
        throw failure()
    }
    public func outbox(limit: Int) async throws -> [OutboxMail] { throw failure() }
    public func outboxSummary(sentSince since: Date) async throws -> OutboxSummary { throw failure() }
    public func outboxMails(sent: Bool, limit: Int) async throws -> [OutboxMail] { throw failure() }
    public func retryMail(_ id: String?, now: Date, by actor: AuditActor) async throws -> Int { throw failure() }
    public func digestsDue(before: Date, since: Date) async throws -> [DigestDue] { throw failure() }
    public func enqueueDigest(_ mail: OutboxMail?, user: UserID, expected: Date?, now: Date) async throws -> Bool {
        throw failure()
    }
}
