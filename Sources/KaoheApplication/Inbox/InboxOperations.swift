import Foundation
import KaoheEngine
import KaoheRecords
import KaoheStorage
import Logging

/// What a notification links to; ``path`` is the site path (checked against the web routes by a test).
public enum NotificationTarget: Sendable, Equatable {
    /// A unit's self-assessment page.
    case selfAssessment(AssessmentID, UnitID)
    /// A unit's objections.
    case unitObjections(AssessmentID, UnitID)
    /// One rectification item of the ledger.
    case ledgerItem(AssessmentID, String)
    /// One spot-check plan.
    case spotCheck(AssessmentID, String)
    /// A rater round's ballot for one group.
    case raterBallot(RaterRoundID, String)

    /// The site path.
    public var path: String {
        switch self {
        case .selfAssessment(let a, let u): "/assessments/\(a)/units/\(u)/self"
        case .unitObjections(let a, let u): "/assessments/\(a)/units/\(u)/objections"
        case .ledgerItem(let a, let item): "/assessments/\(a)/ledger/\(item)"
        case .spotCheck(let a, let plan): "/assessments/\(a)/spot-checks/\(plan)"
        case .raterBallot(let round, let group): "/raters/\(round)/ballot/\(group)"
        }
    }
}

/// One page of a user's inbox.
public struct InboxPage: Sendable {
    /// Unread first, newest first.
    public var notifications: [InboxNotification]
    /// How many are unread.
    public var unread: Int
    /// The user's e-mail settings.
    public var preferences: MailPreferences
}

/// How many working days ahead a deadline is announced.
public let inboxDeadlineWorkingDays = 3

extension Operations {
    /// The user's inbox (their own notifications only).
    public func inbox(for user: User, limit: Int = 200) async throws -> InboxPage {
        InboxPage(
            notifications: try await store.notifications(of: user.id, limit: limit),
            unread: try await store.unreadNotificationCount(of: user.id),
            preferences: try await store.mailPreferences(of: user.id))
    }

    /// How many of the user's notifications are unread (for the page header).
    public func unreadCount(for user: User) async throws -> Int {
        try await store.unreadNotificationCount(of: user.id)
    }

    /// Marks one of the user's notifications read; a notification of someone else is "not found".
    public func markNotificationRead(_ id: String, for user: User) async throws {
        let changed = try await store.markNotificationsRead(of: user.id, id: id, at: deps.now())
        if changed == 0, !(try await store.notifications(of: user.id, limit: 10_000).contains { $0.id == id }) {
            throw AppError.notFound("通知 \(id)")
        }
    }

    /// Marks all of the user's notifications read; returns how many changed.
    @discardableResult
    public func markAllNotificationsRead(for user: User) async throws -> Int {
        try await store.markNotificationsRead(of: user.id, id: nil, at: deps.now())
    }

    /// Sets the user's own e-mail address and mode (audited).
    public func setMailPreferences(email emailText: String, mode modeText: String, for user: User) async throws {
        let email = emailText.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let mode = MailMode(rawValue: modeText) else {
            throw AppError.invalid("邮件提醒方式“\(modeText)”无效：应为 off（不发送）、immediate（即时）或 digest（每日汇总）")
        }
        if !email.isEmpty { try Self.checkEmail(email) }
        if mode != .off && email.isEmpty { throw AppError.invalid("选择邮件提醒时须填写“电子邮箱”") }
        try await store.setMailPreferences(of: user.id, email: email, mode: mode, by: .user(user))
    }

    static func checkEmail(_ email: String) throws { try OperationsCheck.email(email) }
}

/// Input checks shared with the configuration.
enum OperationsCheck {
    /// A plain check of an address: one `@`, something before, a dotted domain after, no spaces or controls.
    static func email(_ email: String) throws {
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        let bad =
            email.count > 254 || parts.count != 2 || parts[0].isEmpty || !parts[1].contains(".")
            || parts[1].hasPrefix(".") || parts[1].hasSuffix(".")
            || email.unicodeScalars.contains {
                $0.value <= 0x20 || $0.value == 0x7f || "<>,;\"()[]\\".unicodeScalars.contains($0)
            }
        if bad { throw AppError.invalid("“电子邮箱”格式不正确：\(email)") }
    }
}

extension Operations {
    /// Adds notifications (those already there by dedupe key are skipped) and queues mail for users who
    /// want each one at once. Never throws: a failure is logged (for the sweep, whose notifications are found
    /// again on its next run).
    @discardableResult
    func notify(_ notifications: [InboxNotification]) async -> [InboxNotification] {
        do {
            return try await deliver(notifications)
        } catch {
            Logger(label: "kaohe.inbox").error("通知写入失败：\(error)")
            return []
        }
    }

    /// Adds notifications and queues their immediate mails; throws what the store throws.
    func deliver(_ notifications: [InboxNotification]) async throws -> [InboxNotification] {
        guard !notifications.isEmpty else { return [] }
        let baseURL = deps.siteBaseURL
        return try await store.addNotifications(notifications) { note, preferences in
            MailComposer.immediate(note, to: preferences.email, baseURL: baseURL)
        }
    }

    /// Applies `change` and adds the notifications it causes (`notes` of its result, with their mails) in one
    /// transaction: both are written, or neither. A notification is never lost after its change.
    func committing<R: Sendable>(
        _ change: @escaping @Sendable () async throws -> R,
        notifying notes: @escaping @Sendable (R) async throws -> [InboxNotification]
    ) async throws -> R {
        let operations = self
        do {
            return try await store.atomically {
                let result = try await change()
                _ = try await operations.deliver(try await notes(result))
                return result
            }
        } catch let error as StorageError {
            throw AppError(error)
        }
    }

    /// One notification value for each of `users`.
    func notes(
        for users: [UserID], kind: NotificationKind, title: String, body: String, target: NotificationTarget,
        key: String
    ) -> [InboxNotification] {
        let now = deps.now()
        return Set(users).sorted().map {
            InboxNotification(
                userID: $0, kind: kind, title: title, body: body, link: target.path, dedupeKey: key, createdAt: now)
        }
    }

    /// The reporters of a unit.
    func reporters(of unit: UnitID) async throws -> [UserID] {
        try await store.users().filter { $0.unitID == unit && $0.has(.reporter) }.map(\.id)
    }

    // MARK: Triggers

    /// After an evaluator returned an item: the unit's reporters.
    func itemReturnedNotes(
        _ assessment: Assessment, unit: AssessedUnit, item: String, itemName: String, reason: String
    ) async throws -> [InboxNotification] {
        let key = "item-returned:\(assessment.id)/\(unit.id)/\(item)/\(Int(deps.now().timeIntervalSince1970))"
        return notes(
            for: try await reporters(of: unit.id), kind: .itemReturned, title: "自评项目“\(item) \(itemName)”被退回补正",
            body: "\(assessment.title)：\(unit.name)。退回理由：\(reason)", target: .selfAssessment(assessment.id, unit.id),
            key: key)
    }

    /// After an objection was answered: who lodged it and the unit's reporters.
    func objectionAnsweredNotes(_ objection: Objection, assessment: Assessment) async throws -> [InboxNotification] {
        let verdict = objection.status == .upheld ? "异议成立" : "异议不成立"
        return notes(
            for: [objection.createdBy].compactMap { $0 } + (try await reporters(of: objection.unitID)),
            kind: .objectionAnswered, title: "对第\(objection.itemID)项的异议已答复：\(verdict)",
            body: "\(assessment.title)。答复：\(objection.answer ?? "")",
            target: .unitObjections(assessment.id, objection.unitID), key: "objection-answered:\(objection.id)")
    }

    /// After a rectification item was opened or returned: the unit's reporters.
    func rectificationNotes(_ item: RectificationItem, event: String, text: String) async throws
        -> [InboxNotification]
    {
        let title =
            event == "open"
            ? "新的整改事项 #\(item.number)：限\(item.deadline)前完成" : "整改事项 #\(item.number) 被退回，请继续整改"
        return notes(
            for: try await reporters(of: item.unitID), kind: .rectification, title: title,
            body: "\(item.problem)\(text.isEmpty ? "" : "\n\(text)")", target: .ledgerItem(item.assessmentID, item.id),
            key: "rectification-\(event):\(item.id)/\(item.version)")
    }

    /// After a spot-check plan was published: its inspectors.
    func spotCheckAssignedNotes(_ plan: SpotCheckPlan, assessment: Assessment) -> [InboxNotification] {
        notes(
            for: plan.inspectors, kind: .spotCheckAssigned, title: "您被列为抽查计划“\(plan.title)”的检查人员",
            body: "\(assessment.title)：抽取后请按分配记录检查结果。", target: .spotCheck(assessment.id, plan.id),
            key: "spot-check-assigned:\(plan.id)")
    }

    /// Reminders for the raters of a round who have not submitted: named raters and the reporters of units
    /// that rate. `key` tells reminders apart (the round opening, or one reminder a day).
    func raterNotes(_ round: RaterRound, key: String) async throws -> [InboxNotification] {
        let sheets = try await store.raterSheets(round: round.id)
        let users = try await store.users()
        let enrolled = Set(try await store.enrolments(of: round.assessmentID).map(\.unitID))
        var notes: [InboxNotification] = []
        for group in round.groups {
            let submitted = Set(sheets.filter { $0.groupID == group.id && $0.submitted }.map(\.raterID))
            var who: [UserID] = []
            switch group.kind {
            case .named: who = group.raters.filter { !submitted.contains($0.rawValue) }
            case .units:
                who = users.filter { user in
                    guard user.has(.reporter), let unit = user.unitID, enrolled.contains(unit) else { return false }
                    return (group.units.isEmpty || group.units.contains(unit)) && !submitted.contains(unit.rawValue)
                }.map(\.id)
            case .public: continue
            }
            notes += self.notes(
                for: who, kind: .raterReminder, title: "请参加评议：\(round.title)（\(group.label)）",
                body: round.closesAt.map { "评议截止：\(Self.shanghaiText($0))" } ?? "请尽快提交评议表。",
                target: .raterBallot(round.id, group.id), key: "rater:\(round.id)/\(group.id)/\(key)")
        }
        return notes
    }

    /// Reminds who has not voted in a round (organizers; at most one reminder per rater and day). Returns
    /// how many reminders were added.
    public func remindRaters(_ id: String, by user: User) async throws -> Int {
        let (round, _) = try await managedRound(id, by: user)
        return try await deliver(try await raterNotes(round, key: "remind-\(today())")).count
    }

    static func shanghaiText(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "zh_CN")
        formatter.timeZone = TimeZone(identifier: "Asia/Shanghai")
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: date)
    }

    // MARK: The sweep

    /// Time-based notifications for `today` (the Shanghai date of the clock when nil): self-assessment
    /// deadlines within 3 working days for units that have not submitted, open rectification items due
    /// within 3 working days or overdue, and the raters of rounds that opened by their date (the same reminder,
    /// under the same key, as opening by hand). Idempotent through the dedupe keys: run it as often as you
    /// like. Returns the notifications added.
    @discardableResult
    public func sweepNotifications(today given: Day? = nil) async throws -> [InboxNotification] {
        let today = given ?? self.today()
        let index = WorkingDayIndex(calendar: try SchemeCatalog(deps).calendar())
        let horizon = index.deadline(inboxDeadlineWorkingDays, after: today)
        let users = try await store.users()
        func reporters(_ unit: UnitID) -> [UserID] {
            users.filter { $0.unitID == unit && $0.has(.reporter) }.map(\.id)
        }
        var notes: [InboxNotification] = []
        var opened: [InboxNotification] = []
        for assessment in try await store.assessments() where assessment.state != .final {
            for round in try await store.raterRounds(assessment: assessment.id)
            where round.state == .draft && round.status(at: deps.now()) == .open {
                opened += await notify((try? await raterNotes(round, key: "opened")) ?? [])
            }
            let units = try await enrolledUnits(assessment)
            if assessment.state == .open {
                let extensions = try await store.deadlineExtensions(of: assessment.id)
                let submitted = Set(try await store.submissions(assessment: assessment.id, unit: nil).map(\.unitID))
                for unit in units where !submitted.contains(unit.id) {
                    let (deadline, _) = Self.deadline(of: unit.id, in: assessment, extensions: extensions)
                    guard let deadline, deadline >= today, deadline <= horizon else { continue }
                    notes += self.notes(
                        for: reporters(unit.id), kind: .deadlineSoon, title: "自评截止临近：\(deadline)",
                        body: "\(assessment.title)：\(unit.name)尚未提交自评，截止日期为\(deadline)。",
                        target: .selfAssessment(assessment.id, unit.id),
                        key: "deadline:\(assessment.id)/\(unit.id)/\(deadline)")
                }
            }
            for item in try await store.rectificationItems(assessment: assessment.id, unit: nil)
            where item.state.isOpen && item.state != .awaitingVerification {
                let overdue = item.deadline < today
                guard overdue || item.deadline <= horizon else { continue }
                notes += self.notes(
                    for: reporters(item.unitID), kind: .rectification,
                    title: overdue
                        ? "整改事项 #\(item.number) 已逾期（时限\(item.deadline)）" : "整改事项 #\(item.number) 即将到期：\(item.deadline)",
                    body: item.problem, target: .ledgerItem(assessment.id, item.id),
                    key: "rectification-\(overdue ? "overdue" : "due"):\(item.id)/\(item.deadline)")
            }
        }
        return opened + (await notify(notes))
    }
}
