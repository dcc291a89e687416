import Foundation
import Hummingbird
import HummingbirdTesting
import KaoheStorage
import Testing

@testable import KaoheApplication
@testable import KaoheWeb

@Suite("The administrators' mail outbox")
struct MailOutboxTests {
    @Test("Counts, failing mails with their error, retry now (audited), sent mails; administrators only")
    func outboxPage() async throws {
        let w = try await WorkflowFixture.make()
        let f = w.f
        let reporter = f.users[.reporter]!, admin = f.users[.admin]!
        var deps = f.deps
        deps.mailServer = "smtp.example.cn:25"
        deps.mailFrom = "kaohe@example.cn"
        let operations = Operations(deps)
        try await operations.setMailPreferences(email: "tianbao@example.cn", mode: "immediate", for: reporter)
        for problem in ["公示不及时", "办件超期"] {
            _ = try await operations.openLedgerItem(
                w.a.rawValue,
                LedgerItemInput(unit: f.unitA.id.rawValue, problem: problem, measures: "按时整改", workingDays: "5"),
                by: f.users[.organizer]!)
        }
        let transport = RecordingTransport()
        transport.failing = true
        let worker = OutboxWorker(
            store: f.store, transport: transport, from: deps.mailFrom, policy: OutboxPolicy(batch: 1),
            now: { f.clock.now })
        #expect(try await worker.runOnce().failed == 1)

        var page = try await operations.mailOutbox(for: admin)
        #expect(page.summary == OutboxSummary(waiting: 1, failing: 1, oldestUnsentAt: page.unsent.first?.createdAt))
        #expect(page.unsent.count == 2 && page.sent.isEmpty && page.server == "smtp.example.cn:25")
        let failed = try #require(page.unsent.first { $0.attempts == 1 })
        #expect(failed.lastError?.contains("连接被拒绝") == true && failed.nextAttemptAt > f.clock.now)
        #expect(page.userNames[reporter.id] == reporter.displayName)
        await #expect(throws: AppError.self) { try await operations.mailOutbox(for: reporter) }
        await #expect(throws: AppError.self) { try await operations.retryMail(nil, for: f.users[.organizer]!) }

        // Tried now instead of after its backoff, once; audited.
        #expect(try await operations.retryMail(failed.id, for: admin) == 1)
        #expect(try await operations.retryMail(failed.id, for: admin) == 0)
        let due = try #require(try await f.store.outboxMails(sent: false, limit: 10).first { $0.id == failed.id })
        #expect(due.nextAttemptAt <= f.clock.now && due.attempts == 1)
        let audit = try await f.store.auditLog(entityPrefix: "mail:\(failed.id)", limit: 10)
        #expect(audit.map(\.action) == ["retry"] && audit.first?.actorName == admin.username)
        transport.failing = false
        #expect(try await worker.runOnce().sent == 1)
        #expect(try await worker.runOnce().sent == 1)
        page = try await operations.mailOutbox(for: admin)
        #expect(page.summary.waiting == 0 && page.summary.failing == 0 && page.summary.sent == 2)
        #expect(page.summary.sentSince == 2 && page.sent.count == 2 && page.unsent.isEmpty)
        #expect(try await operations.retryMail(nil, for: admin) == 0)

        // The pages: the outbox with the failure, the dashboard's card, the retry form; others are refused.
        transport.failing = true
        _ = try await operations.openLedgerItem(
            w.a.rawValue,
            LedgerItemInput(unit: f.unitA.id.rawValue, problem: "档案缺失", measures: "补齐档案", workingDays: "5"),
            by: f.users[.organizer]!)
        #expect(try await worker.runOnce().failed == 1)
        let app = Application(router: buildRouter(deps))
        try await app.test(.router) { client in
            let browser = Browser(client)
            try await browser.login("admin")
            let html = try await browser.get(SiteURL.mailOutbox.path)
            #expect(html.status == .ok && html.text.contains("smtp.example.cn:25"))
            #expect(html.text.contains("连接被拒绝（测试）") && html.text.contains("tianbao@example.cn"))
            #expect(html.text.contains("<b>1</b>发送失败"))
            let home = try await browser.get(SiteURL.dashboard.path)
            #expect(home.text.contains("封邮件待发送") && home.text.contains("（1封发送失败）"))
            let retried = try await browser.post(SiteURL.mailRetry.path, [])
            #expect(retried.status == .seeOther && retried.headers[.location]?.contains("ok=mailRetried") == true)
            let organizer = Browser(client)
            try await organizer.login("organizer")
            #expect(try await organizer.get(SiteURL.mailOutbox.path).status == .forbidden)
        }
        #expect(try await worker.runOnce() == OutboxWorker.Round(sent: 0, failed: 1, digests: 0))
        await f.store.shutdown()
    }

    @Test("Without a mail server the page says how to configure one")
    func noServer() async throws {
        let f = try await Fixture.make()
        let page = try await Operations(f.deps).mailOutbox(for: f.users[.admin]!)
        await f.store.shutdown()
        #expect(page.server.isEmpty)
        let html = Views.mailOutbox(page, identity: Identity(user: f.users[.admin]!, session: nil), csrf: "x").text
        #expect(html.contains("未配置邮件服务器") && html.contains("--smtp-url") && html.contains("KAOHE_SMTP_URL"))
    }
}
