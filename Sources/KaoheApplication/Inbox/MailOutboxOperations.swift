import Foundation
import KaoheStorage

/// The administrators' view of the e-mail outbox: what waits, what fails and why, what was sent.
public struct MailOutboxPage: Sendable {
    /// The counts (sent since 24 hours ago).
    public var summary: OutboxSummary
    /// Unsent mails, oldest first (at most ``Operations/mailOutboxListLimit``).
    public var unsent: [OutboxMail]
    /// The latest sent mails, newest first.
    public var sent: [OutboxMail]
    /// The SMTP server mails go through (`host:port`, no password), or empty when none is configured.
    public var server: String
    /// The sender address.
    public var from: String
    /// The users the mails are for, by id (display names).
    public var userNames: [UserID: String]
    /// Now.
    public var now: Date
}

extension Operations {
    /// The most unsent and sent mails listed on the outbox page.
    public static let mailOutboxListLimit = 200

    /// The outbox counts with mails sent in the last 24 hours.
    func mailSummary() async throws -> OutboxSummary {
        try await store.outboxSummary(sentSince: deps.now().addingTimeInterval(-86_400))
    }

    /// The outbox page (administrators).
    public func mailOutbox(for user: User) async throws -> MailOutboxPage {
        guard user.can(.manageUsers) else { throw AppError.forbidden("查看邮件发件箱（需系统管理员角色）") }
        let unsent = try await store.outboxMails(sent: false, limit: Self.mailOutboxListLimit)
        let sent = try await store.outboxMails(sent: true, limit: 50)
        let wanted = Set((unsent + sent).map(\.userID))
        var names: [UserID: String] = [:]
        for account in try await store.users() where wanted.contains(account.id) {
            names[account.id] = account.displayName
        }
        return MailOutboxPage(
            summary: try await mailSummary(), unsent: unsent, sent: sent, server: deps.mailServer,
            from: deps.mailFrom, userNames: names, now: deps.now())
    }

    /// Makes the unsent mail `id` (every unsent one when nil) due now, so the outbox tries it in its next round
    /// instead of after its backoff (audited). Returns how many: none for a mail already sent, being sent or
    /// due anyway.
    public func retryMail(_ id: String?, for user: User) async throws -> Int {
        guard user.can(.manageUsers) else { throw AppError.forbidden("重试发送邮件（需系统管理员角色）") }
        let only = try id.map { try InputRules.id($0, field: "邮件") }
        do {
            return try await store.retryMail(only, now: deps.now(), by: .user(user))
        } catch let error as StorageError {
            throw AppError(error)
        }
    }
}
