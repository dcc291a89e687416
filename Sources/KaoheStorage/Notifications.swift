import Foundation

/// What a notification in a user's inbox is about.
public enum NotificationKind: String, Sendable, Codable, CaseIterable {
    /// An evaluator returned a self-assessment item for correction.
    case itemReturned = "item-returned"
    /// An objection the unit lodged was answered.
    case objectionAnswered = "objection-answered"
    /// The self-assessment deadline is within 3 working days.
    case deadlineSoon = "deadline-soon"
    /// A rectification item was opened, returned, is due within 3 working days or is overdue.
    case rectification = "rectification"
    /// The user was named inspector of a spot-check plan.
    case spotCheckAssigned = "spot-check-assigned"
    /// A rater round waits for the user's ballot.
    case raterReminder = "rater-reminder"

    /// The Chinese label.
    public var label: String {
        switch self {
        case .itemReturned: "退回补正"
        case .objectionAnswered: "异议已答复"
        case .deadlineSoon: "截止临近"
        case .rectification: "整改"
        case .spotCheckAssigned: "抽查任务"
        case .raterReminder: "评议提醒"
        }
    }
}

/// One notification in one user's inbox.
public struct InboxNotification: Sendable, Codable, Equatable, Identifiable {
    /// The notification's id.
    public var id: String
    /// Whose inbox it is in.
    public var userID: UserID
    /// What it is about.
    public var kind: NotificationKind
    /// One line.
    public var title: String
    /// A few lines more.
    public var body: String
    /// The site path of the thing it is about (e.g. `/assessments/A/units/U/self`), or empty.
    public var link: String
    /// Unique per user: the same event never lands twice (a sweep run again adds nothing).
    public var dedupeKey: String
    /// When it was created.
    public var createdAt: Date
    /// When the user marked it read (nil: unread).
    public var readAt: Date?

    /// Creates a notification.
    public init(
        id: String = UUID().uuidString.lowercased(), userID: UserID, kind: NotificationKind, title: String,
        body: String, link: String, dedupeKey: String, createdAt: Date, readAt: Date? = nil
    ) {
        self.id = id
        self.userID = userID
        self.kind = kind
        self.title = title
        self.body = body
        self.link = link
        self.dedupeKey = dedupeKey
        self.createdAt = createdAt
        self.readAt = readAt
    }
}

/// How a user wants notifications by e-mail.
public enum MailMode: String, Sendable, Codable, CaseIterable {
    /// No e-mail (the default).
    case off
    /// One e-mail per notification, soon after it is created.
    case immediate
    /// One e-mail a day with the notifications since the last one.
    case digest

    /// The Chinese label.
    public var label: String {
        switch self {
        case .off: "不发送邮件"
        case .immediate: "每条通知即时发送"
        case .digest: "每日汇总一封"
        }
    }
}

/// A user's e-mail settings.
public struct MailPreferences: Sendable, Codable, Equatable {
    /// The address (empty: none).
    public var email: String
    /// How notifications are mailed.
    public var mode: MailMode
    /// When the last daily digest was built (nil: never).
    public var lastDigestAt: Date?

    /// Creates settings.
    public init(email: String = "", mode: MailMode = .off, lastDigestAt: Date? = nil) {
        self.email = email
        self.mode = mode
        self.lastDigestAt = lastDigestAt
    }
}

/// One e-mail in the outbox: kept until sent, retried with backoff.
public struct OutboxMail: Sendable, Codable, Equatable, Identifiable {
    /// The mail's id.
    public var id: String
    /// The user it is for.
    public var userID: UserID
    /// The recipient address.
    public var to: String
    /// The subject (UTF-8 text; encoded when sent).
    public var subject: String
    /// The plain-text body.
    public var body: String
    /// When it was queued.
    public var createdAt: Date
    /// Failed attempts so far.
    public var attempts: Int
    /// Not tried again before then.
    public var nextAttemptAt: Date
    /// When it was sent (nil: not yet).
    public var sentAt: Date?
    /// The last failure's message.
    public var lastError: String?

    /// Creates a mail (not yet tried).
    public init(
        id: String = UUID().uuidString.lowercased(), userID: UserID, to: String, subject: String, body: String,
        createdAt: Date, attempts: Int = 0, nextAttemptAt: Date? = nil, sentAt: Date? = nil, lastError: String? = nil
    ) {
        self.id = id
        self.userID = userID
        self.to = to
        self.subject = subject
        self.body = body
        self.createdAt = createdAt
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt ?? createdAt
        self.sentAt = sentAt
        self.lastError = lastError
    }
}

/// The outbox at a glance, for administrators.
public struct OutboxSummary: Sendable, Equatable {
    /// Unsent mails not tried yet or not failed yet.
    public var waiting: Int
    /// Unsent mails that failed at least once (retried with backoff).
    public var failing: Int
    /// Sent mails, in all.
    public var sent: Int
    /// Sent mails since the time asked for.
    public var sentSince: Int
    /// When the oldest unsent mail was queued (nil: none).
    public var oldestUnsentAt: Date?
    /// When the last mail was sent (nil: never).
    public var lastSentAt: Date?

    /// Creates a summary.
    public init(
        waiting: Int = 0, failing: Int = 0, sent: Int = 0, sentSince: Int = 0, oldestUnsentAt: Date? = nil,
        lastSentAt: Date? = nil
    ) {
        self.waiting = waiting
        self.failing = failing
        self.sent = sent
        self.sentSince = sentSince
        self.oldestUnsentAt = oldestUnsentAt
        self.lastSentAt = lastSentAt
    }
}

/// A user whose daily digest is due, with what it contains.
public struct DigestDue: Sendable, Equatable {
    /// The user.
    public var userID: UserID
    /// Their settings (the address and the last digest time the digest is claimed against).
    public var preferences: MailPreferences
    /// The notifications created since the last digest, oldest first.
    public var notifications: [InboxNotification]

    /// Creates a value.
    public init(userID: UserID, preferences: MailPreferences, notifications: [InboxNotification]) {
        self.userID = userID
        self.preferences = preferences
        self.notifications = notifications
    }
}

/// Each user's inbox and the e-mail outbox. Notifications are not audited (they record nothing new: the
/// change that caused them is); e-mail settings are.
public protocol NotificationStore: Sendable {
    /// Adds notifications; one whose (user, dedupe key) exists already is skipped. For each added one whose
    /// user has e-mail `immediate` and an address, a mail is queued in the same transaction, built by
    /// `mail` (nil: none). Returns those added.
    func addNotifications(
        _ notifications: [InboxNotification],
        mail: @escaping @Sendable (InboxNotification, MailPreferences) -> OutboxMail?
    ) async throws -> [InboxNotification]
    /// A user's notifications: unread first, newest first within each, at most `limit`.
    func notifications(of user: UserID, limit: Int) async throws -> [InboxNotification]
    /// How many of a user's notifications are unread.
    func unreadNotificationCount(of user: UserID) async throws -> Int
    /// Marks the user's notification `id` read (all unread ones when nil) at `now`; returns how many changed.
    /// Notifications of other users are never touched.
    func markNotificationsRead(of user: UserID, id: String?, at now: Date) async throws -> Int
    /// A user's e-mail settings (the defaults when never set).
    func mailPreferences(of user: UserID) async throws -> MailPreferences
    /// Replaces a user's address and mode (audited as `mail-settings` on `user:…`).
    func setMailPreferences(of user: UserID, email: String, mode: MailMode, by actor: AuditActor) async throws

    /// Queues one mail.
    func enqueueMail(_ mail: OutboxMail) async throws
    /// Claims up to `limit` unsent mails due at `now` for `worker` until `leaseUntil`: a mail claimed by one
    /// worker (of any instance on the database) is not handed to another until the lease runs out.
    func claimMail(worker: String, now: Date, leaseUntil: Date, limit: Int) async throws -> [OutboxMail]
    /// Records that `worker` sent mail `id` (only while it holds the claim).
    func markMailSent(_ id: String, worker: String, at now: Date) async throws
    /// Records a failed attempt by `worker`: the count goes up, the claim is released and the mail waits
    /// until `retryAt`.
    func markMailFailed(_ id: String, worker: String, error: String, retryAt: Date) async throws
    /// The outbox, newest first (for administrators and tests).
    func outbox(limit: Int) async throws -> [OutboxMail]
    /// The outbox at a glance: mails waiting, failing, sent (in all and since `since`).
    func outboxSummary(sentSince since: Date) async throws -> OutboxSummary
    /// Unsent mails, oldest first, or sent ones, newest first; at most `limit`.
    func outboxMails(sent: Bool, limit: Int) async throws -> [OutboxMail]
    /// Makes unsent mail `id` (every unsent one when nil) due at `now`, unless a worker holds it; audited as
    /// `retry` on `mail:…` (`mail:outbox` for all). Returns how many.
    func retryMail(_ id: String?, now: Date, by actor: AuditActor) async throws -> Int

    /// Users with mode `digest` and an address whose last digest is older than `before` (or who never had
    /// one), each with the notifications created after their last digest (or, the first time, after `since`).
    func digestsDue(before: Date, since: Date) async throws -> [DigestDue]
    /// Queues a user's digest mail (none when nil: nothing to report) and moves their last digest time to
    /// `now`, only when it is still `expected` (so two instances never queue the same digest). Returns whether
    /// this call moved it.
    func enqueueDigest(_ mail: OutboxMail?, user: UserID, expected: Date?, now: Date) async throws -> Bool
}
