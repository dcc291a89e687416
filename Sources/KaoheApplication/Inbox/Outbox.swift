import Foundation
import KaoheStorage
import Logging

/// Sends one e-mail (SMTP in production, a recording double in tests).
public protocol MailTransport: Sendable {
    /// Sends `mail` from `from`; throws when the server cannot be reached or refuses it.
    func send(_ mail: OutboxMail, from: String) async throws
}

/// How the outbox is drained.
public struct OutboxPolicy: Sendable, Equatable {
    /// How often the outbox is looked at.
    public var interval: TimeInterval
    /// How long a claimed mail is reserved for one worker (longer than one send can take).
    public var lease: TimeInterval
    /// The wait after the first failure; doubled after each further one.
    public var firstRetry: TimeInterval
    /// The longest wait between attempts (a mail is kept and retried however often it fails).
    public var maximumRetry: TimeInterval
    /// Mails claimed per round.
    public var batch: Int
    /// The Shanghai hour at which daily digests are built.
    public var digestHour: Int

    /// Creates a policy; defaults: every 5 s, retries after 10 s doubling up to 1 hour, digests at 8:00.
    public init(
        interval: TimeInterval = 5, lease: TimeInterval = 120, firstRetry: TimeInterval = 10,
        maximumRetry: TimeInterval = 3600, batch: Int = 20, digestHour: Int = 8
    ) {
        self.interval = interval
        self.lease = lease
        self.firstRetry = firstRetry
        self.maximumRetry = maximumRetry
        self.batch = batch
        self.digestHour = digestHour
    }

    /// The wait before the next attempt after `attempts` failures (1 → ``firstRetry``).
    public func retryDelay(afterFailures attempts: Int) -> TimeInterval {
        min(firstRetry * pow(2, Double(min(max(attempts - 1, 0), 30))), maximumRetry)
    }
}

/// Drains the outbox: claims due mails (so that several instances never send one twice), sends them, and
/// records each success or failure (retried with backoff, never dropped). Also builds the daily digests.
public struct OutboxWorker: Sendable {
    /// The store.
    public let store: any KaoheStore
    /// The transport.
    public let transport: any MailTransport
    /// The sender address.
    public let from: String
    /// Timing.
    public let policy: OutboxPolicy
    /// The site address for links in digests.
    public let baseURL: String
    /// This worker's name in claims (unique per process).
    public let name: String
    /// The clock.
    public let now: @Sendable () -> Date
    let logger = Logger(label: "kaohe.outbox")

    /// Creates a worker.
    public init(
        store: any KaoheStore, transport: any MailTransport, from: String, policy: OutboxPolicy = OutboxPolicy(),
        baseURL: String = "", name: String = "worker-" + UUID().uuidString.lowercased(),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.store = store
        self.transport = transport
        self.from = from
        self.policy = policy
        self.baseURL = baseURL
        self.name = name
        self.now = now
    }

    /// What one round did.
    public struct Round: Sendable, Equatable {
        /// Mails sent.
        public var sent = 0
        /// Mails that failed (kept for a retry).
        public var failed = 0
        /// Digests queued.
        public var digests = 0
    }

    /// One round: queue the digests that are due, then send what is due.
    @discardableResult
    public func runOnce() async throws -> Round {
        var round = Round()
        round.digests = try await queueDigests()
        let start = now()
        let mails = try await store.claimMail(
            worker: name, now: start, leaseUntil: start.addingTimeInterval(policy.lease), limit: policy.batch)
        for mail in mails {
            do {
                try await transport.send(mail, from: from)
                try await store.markMailSent(mail.id, worker: name, at: now())
                round.sent += 1
            } catch {
                let retry = now().addingTimeInterval(policy.retryDelay(afterFailures: mail.attempts + 1))
                try await store.markMailFailed(
                    mail.id, worker: name, error: String(describing: error), retryAt: retry)
                logger.warning("邮件发送失败（第\(mail.attempts + 1)次，\(mail.to)）：\(error)")
                round.failed += 1
            }
        }
        return round
    }

    /// The start of today's digest period: today's digest hour (Shanghai) if it has passed, else yesterday's.
    func digestBoundary(_ date: Date) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        let today = calendar.date(bySettingHour: policy.digestHour, minute: 0, second: 0, of: date) ?? date
        return today <= date ? today : today.addingTimeInterval(-86400)
    }

    /// Queues one digest per user in `digest` mode whose last digest is before the latest digest hour, with
    /// the notifications since (none: nothing is mailed, the period still moves on). Returns how many.
    public func queueDigests() async throws -> Int {
        let current = now()
        let boundary = digestBoundary(current)
        var queued = 0
        for due in try await store.digestsDue(before: boundary, since: boundary.addingTimeInterval(-86400)) {
            let mail = MailComposer.digest(
                due.notifications, user: due.userID, to: due.preferences.email, baseURL: baseURL, at: current)
            // With nothing to report the period moves on without a mail.
            let moved = try await store.enqueueDigest(
                mail, user: due.userID, expected: due.preferences.lastDigestAt, now: current)
            if moved && mail != nil { queued += 1 }
        }
        return queued
    }

    /// Runs rounds every ``OutboxPolicy/interval`` until the task is cancelled; a failing round is logged.
    public func run() async {
        while !Task.isCancelled {
            do {
                try await runOnce()
            } catch {
                logger.error("发件箱处理失败：\(error)")
            }
            try? await Task.sleep(nanoseconds: UInt64(max(policy.interval, 0.05) * 1_000_000_000))
        }
    }
}
