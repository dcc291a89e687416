import Foundation
import KaoheEngine
import KaoheFormats
import KaoheStorage

extension Operations {
    /// Parses a deadline field: a date `yyyy-MM-dd`, or `N` working days (`10个工作日`, `10wd`) after `from`
    /// on the official calendar.
    func deadlineValue(_ text: String?, field: String, from start: Day) throws -> Day? {
        guard let text, !text.isEmpty else { return nil }
        if let day = Day(text) { return day }
        let digits = text.prefix { $0.isNumber }
        let rest = text.dropFirst(digits.count).trimmingCharacters(in: .whitespaces)
        guard let n = Int(digits), n > 0, n <= 250, ["个工作日", "工作日", "wd"].contains(rest) else {
            throw AppError.invalid("“\(field)”的值“\(text)”无效：应为日期（如 2026-12-31）或工作日数（如 10个工作日）")
        }
        let calendar = try SchemeCatalog(deps).calendar()
        guard calendar.covers(start) else {
            throw AppError.invalid("工作日历不包含\(start.year)年，无法按工作日计算“\(field)”，请直接填写日期")
        }
        let end = calendar.workingDay(n, after: start)
        guard calendar.covers(end) else {
            throw AppError.invalid("按工作日计算的“\(field)”超出工作日历覆盖的年份，请直接填写日期")
        }
        return end
    }

    /// Sets the submission and objection deadlines (dates, or working days from today).
    public func setDeadlines(_ id: String, _ input: DeadlinesInput, by user: User) async throws -> Assessment {
        guard user.can(.manageAssessments) else { throw AppError.forbidden(Permission.manageAssessments.label) }
        guard try await store.assessment(AssessmentID(id)) != nil else { throw AppError.notFound("考核 \(id)") }
        let today = today()
        let submission = try deadlineValue(input.submission, field: "自评截止日期", from: today)
        let objection = try deadlineValue(input.objection, field: "异议截止日期", from: today)
        return try await store.setDeadlines(
            AssessmentID(id), submission: submission, objection: objection,
            by: .user(user, reason: input.reason.flatMap { $0.isEmpty ? nil : $0 }))
    }

    /// Extends one unit's deadline, with a reason.
    public func extendDeadline(_ id: String, unit unitText: String, _ input: DeadlineExtensionInput, by user: User)
        async throws
        -> DeadlineExtension
    {
        guard user.can(.manageAssessments) else { throw AppError.forbidden(Permission.manageAssessments.label) }
        let (assessment, unit) = try await factsScope(id, unit: unitText, for: user)
        let reason = input.reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw AppError.invalid("请填写“延期理由”") }
        try InputRules.note(reason, field: "延期理由", limit: 1000)
        guard let deadline = try deadlineValue(input.deadline, field: "延期至", from: today()) else {
            throw AppError.invalid("请填写“延期至”（日期或工作日数）")
        }
        let ext = DeadlineExtension(
            assessmentID: assessment.id, unitID: unit.id, deadline: deadline, reason: reason, createdBy: user.id,
            createdAt: deps.now())
        try await store.extendDeadline(ext, by: .user(user, reason: reason))
        return ext
    }

}

/// The submission and objection deadlines of an assessment: each a date `yyyy-MM-dd`, `N个工作日` from today,
/// or empty for none.
public struct DeadlinesInput: Sendable {
    /// 自评截止日期.
    public var submission: String?
    /// 异议截止日期.
    public var objection: String?
    /// Why (optional, audited).
    public var reason: String?

    /// Creates the input.
    public init(submission: String?, objection: String?, reason: String? = nil) {
        self.submission = submission
        self.objection = objection
        self.reason = reason
    }
}

/// One unit's extended deadline (a date or `N个工作日`) and the required reason.
public struct DeadlineExtensionInput: Sendable {
    /// 延期至.
    public var deadline: String?
    /// 延期理由.
    public var reason: String

    /// Creates the input.
    public init(deadline: String?, reason: String) {
        self.deadline = deadline
        self.reason = reason
    }
}
