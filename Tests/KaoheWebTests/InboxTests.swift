import Foundation
import Hummingbird
import HummingbirdTesting
import KaoheEngine
import KaoheStorage
import KaoheStorageSQL
import Testing

@testable import KaoheApplication
@testable import KaoheWeb

/// A transport that records what it sends, or fails while ``failing`` is set.
final class RecordingTransport: MailTransport, @unchecked Sendable {
    private let lock = NSLock()
    private var _sent: [OutboxMail] = []
    private var _failing = false
    private var _delay: TimeInterval = 0

    var sent: [OutboxMail] { lock.withLock { _sent } }
    var failing: Bool {
        get { lock.withLock { _failing } }
        set { lock.withLock { _failing = newValue } }
    }
    var delay: TimeInterval {
        get { lock.withLock { _delay } }
        set { lock.withLock { _delay = newValue } }
    }

    func send(_ mail: OutboxMail, from: String) async throws {
        if delay > 0 { try await Task.sleep(nanoseconds: UInt64(delay * 1_000_000_000)) }
        if failing { throw SMTPError(description: "连接被拒绝（测试）") }
        lock.withLock { _sent.append(mail) }
    }
}

extension WorkflowFixture {
    /// Fills and submits unit A through the reporter's browser.
    func submitUnitA(_ reporter: Browser) async throws {
        try await fillAll(reporter)
        #expect(try await reporter.post(submitPath(f.unitA), []).status == .seeOther)
    }

    /// A second reporter, of unit B.
    func reporterB() async throws -> User {
        try await AuthService(f.deps).createUser(
            username: "reporter-b", displayName: "岭东区填报人", password: testPassword, roles: [.reporter],
            organizationID: nil, unitID: f.unitB.id, by: .system)
    }
}

@Suite("Each user's inbox and the e-mail outbox")
struct InboxTests {
    @Test("Notification links are the site's routes")
    func targets() {
        let a = AssessmentID("a1"), u = UnitID("u1"), r = RaterRoundID("r1")
        let pairs: [(NotificationTarget, SiteURL)] = [
            (.selfAssessment(a, u), .selfAssessment(.value(a), .value(u))),
            (.unitObjections(a, u), .unitObjections(.value(a), .value(u))),
            (.ledgerItem(a, "i1"), .ledgerItem(.value(a), .value("i1"))),
            (.spotCheck(a, "p1"), .spotCheck(.value(a), .value("p1"))),
            (.raterBallot(r, "g1"), .raterBallot(.value(r), .value("g1"))),
        ]
        for (target, url) in pairs { #expect(target.path == url.path) }
    }

    @Test("Returning an item notifies the unit's reporters only; read/unread; nobody sees or marks another's")
    func itemReturned() async throws {
        let w = try await WorkflowFixture.make()
        let f = w.f
        let otherReporter = try await w.reporterB()
        try await f.test { client in
            let reporter = Browser(client)
            try await reporter.login("reporter")
            try await w.submitUnitA(reporter)
            let evaluator = Browser(client)
            try await evaluator.login("evaluator")
            #expect(
                try await evaluator.post(
                    w.reviewPath(f.unitA, "2.1"), [("decision", "return"), ("text", "请补充覆盖率佐证")]
                ).status == .seeOther)
            // Accepting an item notifies nobody.
            #expect(
                try await evaluator.post(w.reviewPath(f.unitA, "1.1"), [("decision", "accept")]).status == .seeOther)

            let mine = try await f.store.notifications(of: f.users[.reporter]!.id, limit: 100)
            #expect(mine.count == 1)
            let note = try #require(mine.first)
            #expect(note.kind == .itemReturned)
            #expect(note.title.contains("2.1"))
            #expect(note.body.contains("请补充覆盖率佐证"))
            #expect(note.link == w.selfPath(f.unitA))
            for user in [f.users[.evaluator]!, f.users[.organizer]!, f.users[.admin]!, otherReporter] {
                #expect(try await f.store.notifications(of: user.id, limit: 100).isEmpty, "\(user.username)")
            }

            // The header shows the unread count; the inbox lists it with its link.
            let dashboard = try await reporter.get(SiteURL.dashboard.path)
            #expect(dashboard.text.contains("1条未读"))
            let inbox = try await reporter.get(SiteURL.inbox.path)
            #expect(inbox.status == .ok)
            #expect(inbox.text.contains("href=\"\(w.selfPath(f.unitA))\""))
            #expect(inbox.text.contains("class=\"unread\""))
            // Someone else cannot mark it read (not found) and does not see it.
            #expect(!(try await evaluator.get(SiteURL.inbox.path).text.contains("请补充覆盖率佐证")))
            #expect(try await evaluator.post(SiteURL.inboxRead(.value(note.id)).path, []).status == .notFound)
            #expect(try await f.store.unreadNotificationCount(of: f.users[.reporter]!.id) == 1)
            // The owner marks it read.
            #expect(try await reporter.post(SiteURL.inboxRead(.value(note.id)).path, []).status == .seeOther)
            #expect(try await f.store.unreadNotificationCount(of: f.users[.reporter]!.id) == 0)
            let after = try await reporter.get(SiteURL.inbox.path)
            #expect(after.text.contains("class=\"read\""))
            #expect(!after.text.contains("条未读"))
            // Marking it again changes nothing and is no error.
            #expect(try await reporter.post(SiteURL.inboxRead(.value(note.id)).path, []).status == .seeOther)
        }
    }

    @Test("Unread first, newest first; mark all read touches only one's own")
    func ordering() async throws {
        let f = try await Fixture.make()
        let reporter = f.users[.reporter]!, leader = f.users[.leader]!
        func note(_ user: User, _ key: String, at seconds: TimeInterval) -> InboxNotification {
            InboxNotification(
                userID: user.id, kind: .deadlineSoon, title: key, body: "", link: "/dashboard", dedupeKey: key,
                createdAt: Date(timeIntervalSince1970: seconds))
        }
        let added = try await f.store.addNotifications(
            [
                note(reporter, "a", at: 100), note(reporter, "b", at: 200), note(reporter, "c", at: 300),
                note(leader, "x", at: 50),
            ]
        ) { _, _ in nil }
        #expect(added.count == 4)
        // The same keys again add nothing.
        #expect(try await f.store.addNotifications([note(reporter, "a", at: 400)]) { _, _ in nil }.isEmpty)
        #expect(try await f.store.markNotificationsRead(of: reporter.id, id: added[2].id, at: Date()) == 1)
        #expect(try await f.store.notifications(of: reporter.id, limit: 10).map(\.title) == ["b", "a", "c"])
        #expect(try await f.store.markNotificationsRead(of: reporter.id, id: nil, at: Date()) == 2)
        #expect(try await f.store.unreadNotificationCount(of: leader.id) == 1)
        // Another user's notification cannot be marked through one's own id.
        #expect(try await f.store.markNotificationsRead(of: reporter.id, id: added[3].id, at: Date()) == 0)
        await f.store.shutdown()
    }

    @Test(
        "The sweep: deadlines within 3 working days around the National Day holiday and weekends; run twice adds nothing"
    )
    func sweepDeadlines() async throws {
        let w = try await WorkflowFixture.make()
        let f = w.f
        let reporterB = try await w.reporterB()
        let reporterA = f.users[.reporter]!
        _ = try await f.store.setDeadlines(w.a, submission: Day("2023-10-09"), objection: nil, by: .system)
        try await f.store.extendDeadline(
            DeadlineExtension(
                assessmentID: w.a, unitID: f.unitB.id, deadline: Day("2023-10-10")!, reason: "延期", createdBy: nil,
                createdAt: f.clock.now), by: .system)
        let operations = Operations(f.deps)
        // Wed 27 Sep: the next 3 working days are 28 Sep, Sat 7 Oct and Sun 8 Oct (调休) — 9 Oct is not yet near.
        #expect(try await operations.sweepNotifications(today: Day("2023-09-27")!).isEmpty)
        // Sat 23 Sep (weekend): 25–27 Sep.
        #expect(try await operations.sweepNotifications(today: Day("2023-09-23")!).isEmpty)
        // Thu 28 Sep: 7, 8 and 9 Oct: unit A's deadline, not unit B's extended one.
        let first = try await operations.sweepNotifications(today: Day("2023-09-28")!)
        #expect(first.map(\.userID) == [reporterA.id])
        #expect(first.first?.kind == .deadlineSoon && first.first?.title.contains("2023-10-09") == true)
        #expect(first.first?.link == w.selfPath(f.unitA))
        #expect(try await operations.sweepNotifications(today: Day("2023-09-28")!).isEmpty)
        // Sun 8 Oct (a working day by 调休): both; unit A's again adds nothing.
        let second = try await operations.sweepNotifications(today: Day("2023-10-08")!)
        #expect(second.map(\.userID) == [reporterB.id])
        // After the deadline, and once a unit submitted, nothing more.
        #expect(try await operations.sweepNotifications(today: Day("2023-10-11")!).isEmpty)
        #expect(try await f.store.notifications(of: reporterA.id, limit: 10).count == 1)
        #expect(try await f.store.notifications(of: f.users[.evaluator]!.id, limit: 10).isEmpty)
        await f.store.shutdown()
    }

    @Test("Rectification: opened and returned notify the unit; due within 3 working days, then overdue, once each")
    func rectification() async throws {
        let w = try await WorkflowFixture.make()
        let f = w.f
        let operations = Operations(f.deps)
        let reporter = f.users[.reporter]!
        // The clock's day is 2023-11-15 (Wed) in Shanghai: 5 working days → 22 Nov.
        let item = try await operations.openLedgerItem(
            w.a.rawValue,
            LedgerItemInput(unit: f.unitA.id.rawValue, problem: "公示不及时", measures: "按时公示", workingDays: "5"),
            by: f.users[.organizer]!)
        #expect(item.deadline == Day("2023-11-22"))
        var notes = try await f.store.notifications(of: reporter.id, limit: 10)
        #expect(notes.count == 1 && notes[0].kind == .rectification && notes[0].title.contains("#\(item.number)"))
        #expect(notes[0].link == SiteURL.ledgerItem(.value(w.a), .value(item.id)).path)
        #expect(try await f.store.notifications(of: f.users[.organizer]!.id, limit: 10).isEmpty)

        #expect(try await operations.sweepNotifications(today: Day("2023-11-16")!).isEmpty)  // horizon 21 Nov
        let due = try await operations.sweepNotifications(today: Day("2023-11-17")!)  // Fri: 20, 21, 22 Nov
        #expect(due.count == 1 && due[0].title.contains("即将到期"))
        #expect(try await operations.sweepNotifications(today: Day("2023-11-20")!).isEmpty)
        let overdue = try await operations.sweepNotifications(today: Day("2023-11-23")!)
        #expect(overdue.count == 1 && overdue[0].title.contains("已逾期"))
        #expect(try await operations.sweepNotifications(today: Day("2023-11-24")!).isEmpty)

        // The unit answers, the evaluator returns: the unit hears of it.
        _ = try await operations.stepLedgerItem(
            w.a.rawValue, item: item.id, action: "answer", text: "已公示", by: reporter)
        _ = try await operations.stepLedgerItem(
            w.a.rawValue, item: item.id, action: "return", text: "缺少公示截图", by: f.users[.organizer]!)
        notes = try await f.store.notifications(of: reporter.id, limit: 10)
        #expect(notes.count == 4)
        #expect(notes.contains { $0.title.contains("被退回") && $0.body.contains("缺少公示截图") })
        await f.store.shutdown()
    }

    @Test("Spot-check inspectors and named raters are notified; an objection's answer reaches the unit")
    func otherTriggers() async throws {
        let w = try await WorkflowFixture.make()
        let f = w.f
        let operations = Operations(f.deps)
        let plan = try await operations.publishSpotCheckPlan(
            w.a.rawValue,
            SpotCheckInput(
                title: "实地抽查", population: "units", count: "1", inspectors: [f.users[.evaluator]!.id.rawValue]),
            by: f.users[.organizer]!)
        let inspector = try await f.store.notifications(of: f.users[.evaluator]!.id, limit: 10)
        #expect(inspector.map(\.kind) == [.spotCheckAssigned])
        #expect(inspector.first?.link == SiteURL.spotCheck(.value(w.a), .value(plan.id)).path)
        #expect(try await f.store.notifications(of: f.users[.organizer]!.id, limit: 10).isEmpty)

        // Objection answered (rejected): the reporter who lodged it.
        try await f.test { client in
            let reporter = Browser(client)
            try await reporter.login("reporter")
            try await w.submitUnitA(reporter)
            let organizer = Browser(client)
            try await organizer.login("organizer")
            for state in ["scoring", "publicity"] {
                #expect(
                    try await organizer.post(SiteURL.assessmentState(.value(w.a)).path, [("state", state)]).status
                        == .seeOther)
            }
            let objection = try await operations.lodgeObjection(
                w.a.rawValue, unit: f.unitA.id.rawValue, item: "2.1", text: "有误", evidence: [],
                by: f.users[.reporter]!)
            _ = try await operations.answerObjection(
                w.a.rawValue, objection: objection.id.rawValue,
                ObjectionAnswer(decision: .rejected, answer: "经核实无误"), by: f.users[.organizer]!)
            let notes = try await f.store.notifications(of: f.users[.reporter]!.id, limit: 10)
            #expect(notes.map(\.kind) == [.objectionAnswered])
            #expect(notes.first?.body.contains("经核实无误") == true)
            #expect(notes.first?.link == SiteURL.unitObjections(.value(w.a), .value(f.unitA.id)).path)
        }
    }

    @Test("Opening a rater round reminds named raters and rating units' reporters; 提醒 once a day, not the voted")
    func raterReminders() async throws {
        let f = try await Fixture.make()
        let (_, round, groups) = try await RaterRoundTests.newRound(f)
        let operations = Operations(f.deps)
        let organizer = f.users[.organizer]!
        _ = try await operations.updateRaterRound(
            round.id.rawValue, RaterRoundForm(title: "年终评议", opensAt: "", closesAt: "", groups: groups), by: organizer)
        _ = try await operations.setRaterRoundState(round.id.rawValue, open: true, by: organizer)
        let leader = try await f.store.notifications(of: f.users[.leader]!.id, limit: 10)
        #expect(leader.map(\.kind) == [.raterReminder])
        #expect(leader.first?.link == SiteURL.raterBallot(.value(round.id), .value("leaders")).path)
        let reporterB = try #require(try await f.store.user(username: "reporter-b"))
        let unitGroups = round.groups.filter { $0.kind == .units }.count
        #expect(unitGroups > 0)
        #expect(try await f.store.notifications(of: f.users[.reporter]!.id, limit: 10).count == unitGroups)
        #expect(try await f.store.notifications(of: reporterB.id, limit: 10).count == unitGroups)
        #expect(try await f.store.notifications(of: f.users[.evaluator]!.id, limit: 10).isEmpty)
        // The organizer's reminder: once today (the opening's reminders are another key), then nothing more.
        let first = try await operations.remindRaters(round.id.rawValue, by: organizer)
        #expect(first == 1 + 2 * unitGroups)
        #expect(try await operations.remindRaters(round.id.rawValue, by: organizer) == 0)
        await #expect(throws: AppError.self) {
            try await operations.remindRaters(round.id.rawValue, by: f.users[.evaluator]!)
        }
        await f.store.shutdown()
    }

    @Test("A rater round that opens by its date reminds its raters at the next sweep, once")
    func raterRoundOpensByDate() async throws {
        let f = try await Fixture.make()
        let (_, round, groups) = try await RaterRoundTests.newRound(f)
        let operations = Operations(f.deps)
        let organizer = f.users[.organizer]!
        let opensAt = RaterRules.text(f.clock.now.addingTimeInterval(86_400))
        _ = try await operations.updateRaterRound(
            round.id.rawValue, RaterRoundForm(title: "年终评议", opensAt: opensAt, closesAt: "", groups: groups),
            by: organizer)
        let leader = f.users[.leader]!.id
        // Before its date: nothing.
        _ = try await operations.sweepNotifications()
        #expect(try await f.store.notifications(of: leader, limit: 10).isEmpty)
        f.clock.advance(2 * 86_400)
        let added = try await operations.sweepNotifications()
        #expect(added.contains { $0.userID == leader && $0.kind == .raterReminder })
        let notes = try await f.store.notifications(of: leader, limit: 10)
        #expect(notes.map(\.kind) == [.raterReminder])
        #expect(notes.first?.link == SiteURL.raterBallot(.value(round.id), .value("leaders")).path)
        // Swept again: no second reminder.
        #expect(try await operations.sweepNotifications().filter { $0.kind == .raterReminder }.isEmpty)
        #expect(try await f.store.notifications(of: leader, limit: 10).count == 1)
        await f.store.shutdown()
    }

    @Test(
        "Immediate mail: queued with the notification; kept and retried with backoff while SMTP fails, sent once after")
    func outboxRetry() async throws {
        let w = try await WorkflowFixture.make()
        let f = w.f
        let reporter = f.users[.reporter]!
        var deps = f.deps
        deps.siteBaseURL = "https://kaohe.example.cn"
        let operations = Operations(deps)
        await #expect(throws: AppError.self) {
            try await operations.setMailPreferences(email: "not-an-address", mode: "immediate", for: reporter)
        }
        await #expect(throws: AppError.self) {
            try await operations.setMailPreferences(email: "", mode: "immediate", for: reporter)
        }
        try await operations.setMailPreferences(email: "tianbao@example.cn", mode: "immediate", for: reporter)
        #expect(try await f.store.mailPreferences(of: reporter.id).mode == .immediate)
        #expect(
            try await f.store.auditLog(entityPrefix: "user:\(reporter.id)", limit: 10).contains {
                $0.action == "mail-settings"
            })
        _ = try await operations.openLedgerItem(
            w.a.rawValue,
            LedgerItemInput(unit: f.unitA.id.rawValue, problem: "公示不及时", measures: "按时公示", workingDays: "5"),
            by: f.users[.organizer]!)
        let queued = try await f.store.outbox(limit: 10)
        #expect(queued.count == 1)
        #expect(queued.first?.to == "tianbao@example.cn" && queued.first?.subject.contains("整改事项") == true)

        let transport = RecordingTransport()
        transport.failing = true
        let worker = OutboxWorker(
            store: f.store, transport: transport, from: "kaohe@example.cn",
            policy: OutboxPolicy(firstRetry: 10, maximumRetry: 40), baseURL: "https://kaohe.example.cn",
            now: { f.clock.now })
        #expect(try await worker.runOnce().failed == 1)
        var stored = try #require(try await f.store.outbox(limit: 10).first)
        #expect(stored.attempts == 1 && stored.sentAt == nil && stored.lastError?.contains("连接被拒绝") == true)
        #expect(
            stored.nextAttemptAt == Date(timeIntervalSince1970: (f.clock.now.timeIntervalSince1970 + 10).rounded(.down))
        )
        // Not due yet: nothing is tried.
        #expect(try await worker.runOnce() == OutboxWorker.Round())
        f.clock.advance(10)
        #expect(try await worker.runOnce().failed == 1)
        stored = try #require(try await f.store.outbox(limit: 10).first)
        #expect(stored.attempts == 2)
        #expect(stored.nextAttemptAt.timeIntervalSince(f.clock.now) > 19)  // 20 s after the second failure
        #expect(OutboxPolicy(firstRetry: 10, maximumRetry: 40).retryDelay(afterFailures: 5) == 40)
        // The server is back.
        transport.failing = false
        f.clock.advance(20)
        #expect(try await worker.runOnce().sent == 1)
        #expect(transport.sent.count == 1)
        #expect(transport.sent.first?.body.contains("https://kaohe.example.cn/assessments/") == true)
        f.clock.advance(3600)
        #expect(try await worker.runOnce().sent == 0)
        #expect(transport.sent.count == 1)
        #expect(try await f.store.outbox(limit: 10).first?.sentAt != nil)
        await f.store.shutdown()
    }

    @Test("Daily digest: one mail per user at the digest hour with the notifications since, grouped by kind")
    func digest() async throws {
        let f = try await Fixture.make()
        let reporter = f.users[.reporter]!
        let operations = Operations(f.deps)
        // The clock: 2023-11-14 22:13 UTC = 15 Nov 06:13 in Shanghai; digests at 8:00.
        try await operations.setMailPreferences(email: "tianbao@example.cn", mode: "digest", for: reporter)
        let base = f.clock.now
        func note(_ key: String, _ kind: NotificationKind, after seconds: TimeInterval) -> InboxNotification {
            InboxNotification(
                userID: reporter.id, kind: kind, title: "通知\(key)", body: "", link: "/inbox", dedupeKey: key,
                createdAt: base + seconds)
        }
        let added = try await f.store.addNotifications(
            [
                note("1", .rectification, after: 60), note("2", .itemReturned, after: 120),
                note("3", .rectification, after: 180),
            ]
        ) { _, _ in
            Issue.record("no immediate mail in digest mode"); return nil
        }
        #expect(added.count == 3)
        #expect(try await f.store.outbox(limit: 10).isEmpty)
        let transport = RecordingTransport()
        let worker = OutboxWorker(
            store: f.store, transport: transport, from: "kaohe@example.cn", policy: OutboxPolicy(digestHour: 8),
            now: { f.clock.now })
        // Before 8:00 the last digest (set when choosing the mode, 06:13) is after yesterday's 8:00: nothing.
        f.clock.advance(3600)
        #expect(try await worker.runOnce().digests == 0)
        // After 8:00: one digest with all three, grouped.
        f.clock.advance(3600)
        let round = try await worker.runOnce()
        #expect(round.digests == 1 && round.sent == 1)
        let mail = try #require(transport.sent.first)
        #expect(mail.subject.contains("3条"))
        let rectification = try #require(mail.body.range(of: "【整改】2条"))
        let returned = try #require(mail.body.range(of: "【退回补正】1条"))
        #expect(returned.lowerBound < rectification.lowerBound)
        // Again the same day: nothing new.
        f.clock.advance(3600)
        #expect(try await worker.runOnce().digests == 0)
        // The next day with nothing new: no mail, the period moves on.
        f.clock.advance(86400)
        #expect(try await worker.runOnce().digests == 0)
        #expect(transport.sent.count == 1)
        await f.store.shutdown()
    }

    @Test("Two workers on one database never send the same mail twice", arguments: Fixture.backends)
    func twoWorkers(_ backend: String) async throws {
        let f = try await Fixture.make(backend: backend)
        let second = try SQLStore(location: f.location, postgresSchema: f.schema, now: { f.clock.now })
        let reporter = f.users[.reporter]!
        for n in 0..<30 {
            try await f.store.enqueueMail(
                OutboxMail(
                    userID: reporter.id, to: "r\(n)@example.cn", subject: "第\(n)封", body: "正文", createdAt: f.clock.now))
        }
        let transport = RecordingTransport()
        transport.delay = 0.005
        let policy = OutboxPolicy(batch: 4)
        let workers = [
            OutboxWorker(store: f.store, transport: transport, from: "k@example.cn", policy: policy, name: "one"),
            OutboxWorker(store: second, transport: transport, from: "k@example.cn", policy: policy, name: "two"),
        ]
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in workers {
                group.addTask {
                    for _ in 0..<20 { try await worker.runOnce() }
                }
            }
            try await group.waitForAll()
        }
        let ids = transport.sent.map(\.id)
        #expect(ids.count == 30)
        #expect(Set(ids).count == 30)
        #expect(try await f.store.outbox(limit: 100).allSatisfy { $0.sentAt != nil })
        await second.shutdown()
        await f.store.shutdown()
    }

    @Test("SMTP message: RFC 2047 subject words, base64 UTF-8 body, URL parsing")
    func smtpMessage() throws {
        let subject = String(repeating: "考核平台通知", count: 6)
        let word = SMTPTransport.encodedWord(subject)
        let words = word.components(separatedBy: "\r\n ")
        #expect(words.count > 1)
        #expect(words.allSatisfy { $0.hasPrefix("=?UTF-8?B?") && $0.hasSuffix("?=") && $0.count <= 75 })
        let decoded = words.map { w -> String in
            let inner = w.dropFirst(10).dropLast(2)
            return String(decoding: Data(base64Encoded: String(inner))!, as: UTF8.self)
        }.joined()
        #expect(decoded == subject)
        #expect(SMTPTransport.encodedWord("Plain") == "Plain")
        let mail = OutboxMail(
            userID: UserID("u"), to: "a@example.cn", subject: "退回补正", body: "第一行\n第二行", createdAt: Date())
        let message = SMTPTransport.message(mail, from: "kaohe@example.cn")
        let parts = message.components(separatedBy: "\r\n\r\n")
        #expect(parts[0].contains("Content-Transfer-Encoding: base64"))
        #expect(parts[0].contains("Subject: =?UTF-8?B?"))
        let body = Data(base64Encoded: parts[1].replacingOccurrences(of: "\r\n", with: ""))!
        #expect(String(decoding: body, as: UTF8.self) == "第一行\r\n第二行")
        let server = try SMTPServer(url: "smtp://wang:p%40ss@mail.example.cn:2525")
        #expect(server.host == "mail.example.cn" && server.port == 2525)
        #expect(server.user == "wang" && server.password == "p@ss")
        #expect(try SMTPServer(url: "smtp://127.0.0.1").port == 25)
        #expect(throws: AppError.self) { try SMTPServer(url: "http://mail.example.cn") }
    }

    @Test("Mail configuration: command line over environment over defaults; bad values name the setting")
    func configuration() throws {
        let none = try AppConfig.resolve(cli: .init(), environment: [:])
        #expect(none.smtpURL == nil && none.mailFrom == "kaohe@localhost" && none.outboxInterval == 5)
        let env = ["KAOHE_SMTP_URL": "smtp://127.0.0.1:2525", "KAOHE_OUTBOX_INTERVAL": "0.5"]
        let fromEnv = try AppConfig.resolve(cli: .init(), environment: env)
        #expect(fromEnv.smtpURL == "smtp://127.0.0.1:2525" && fromEnv.outboxInterval == 0.5)
        let fromCLI = try AppConfig.resolve(
            cli: .init(smtpURL: "smtp://mail:25", mailFrom: "kh@example.cn", outboxInterval: 2), environment: env)
        #expect(
            fromCLI.smtpURL == "smtp://mail:25" && fromCLI.mailFrom == "kh@example.cn" && fromCLI.outboxInterval == 2)
        #expect(throws: AppError.self) { try AppConfig.resolve(cli: .init(smtpURL: "mail:25"), environment: [:]) }
        #expect(throws: AppError.self) {
            try AppConfig.resolve(cli: .init(), environment: ["KAOHE_OUTBOX_INTERVAL": "0"])
        }
        #expect(throws: AppError.self) { try AppConfig.resolve(cli: .init(mailFrom: "nobody"), environment: [:]) }
    }
}
