import Foundation
import KaoheEngine
import KaoheFormats
import KaoheStorage

/// The review state of one item: the latest review step.
public enum ItemReviewState: Sendable, Equatable {
    /// Not reviewed yet.
    case pending
    /// Accepted by an evaluator.
    case accepted
    /// Returned for correction, with the reason.
    case returned(reason: String)
    /// The unit answered the return.
    case answered(answer: String)

    /// From the steps of one item, oldest first.
    init(_ actions: [ReviewAction]) {
        switch actions.last?.kind {
        case nil: self = .pending
        case .accept: self = .accepted
        case .return: self = .returned(reason: actions.last!.text)
        case .answer: self = .answered(answer: actions.last!.text)
        }
    }

    /// The Chinese label.
    public var label: String {
        switch self {
        case .pending: "待审核"
        case .accepted: "审核通过"
        case .returned: "退回补正"
        case .answered: "已补正，待复核"
        }
    }
}

extension Operations {
    /// Accepts or returns one item (evaluators where assigned). Accepting may adopt the unit's claimed facts
    /// as the item's facts when none were recorded yet.
    public func reviewItem(
        _ id: String, unit unitText: String, item itemID: String, decision: String, text: String, adopt: Bool,
        by user: User
    ) async throws {
        let (assessment, unit) = try await factsScope(id, unit: unitText, for: user)
        guard try await mayReview(assessment, unit: unit.id, item: itemID, user: user) else {
            throw AppError.forbidden("未分配您审核该单位该项目（\(itemID)）")
        }
        guard assessment.state == .open || assessment.state == .scoring else {
            throw AppError.conflict("考核处于“\(assessment.state.displayName)”阶段，不能审核自评")
        }
        let scheme = try await self.scheme(of: assessment)
        guard let item = Self.applicableItems(scheme, unit: unit).first(where: { $0.0.id == itemID }) else {
            throw AppError.notFound("适用于本单位的考核项目“\(itemID)”")
        }
        guard !(try await store.submissions(assessment: assessment.id, unit: unit.id)).isEmpty else {
            throw AppError.conflict("单位尚未提交自评，不能审核")
        }
        let kind: ReviewKind
        switch decision {
        case "accept": kind = .accept
        case "return":
            kind = .return
            guard !text.isEmpty else { throw AppError.invalid("退回补正须填写理由（考核项目“\(item.0.id) \(item.0.name)”）") }
        default: throw AppError.invalid("审核结论“\(decision)”无效：应为 accept（通过）或 return（退回补正）")
        }
        try InputRules.note(text, field: "审核意见", limit: InputRules.maxNoteLength)
        if kind == .accept && adopt {
            let entry = try await store.selfAssessment(assessment: assessment.id, unit: unit.id).first {
                $0.itemID == itemID
            }
            if let claimed = entry?.claimedFacts,
                try await store.facts(assessment: assessment.id, unit: unit.id, item: itemID) == nil
            {
                _ = try await store.saveFacts(
                    assessment: assessment.id, unit: unit.id, item: itemID, json: claimed, expectedVersion: 0,
                    by: .user(user, reason: "审核通过，采纳单位自报事实"))
            }
        }
        let review = ReviewAction(
            assessmentID: assessment.id, unitID: unit.id, itemID: itemID, kind: kind, text: text, createdBy: user.id,
            createdAt: deps.now())
        let (store, operations, itemName) = (store, self, item.0.name)
        try await committing {
            try await store.addReviewAction(review, by: .user(user))
        } notifying: { _ in
            kind == .return
                ? try await operations.itemReturnedNotes(
                    assessment, unit: unit, item: itemID, itemName: itemName, reason: text) : []
        }
    }

    /// The organizer's dashboard: who has submitted, who is late, who has not started.
    public func submissionsDashboard(_ id: String, for user: User) async throws -> SubmissionsDashboard {
        guard user.can(.manageAssessments) || user.can(.review) else {
            throw AppError.forbidden(Permission.review.label)
        }
        let detail = try await assessmentDetail(id, for: user)
        let assessment = detail.assessment
        let scheme = try await self.scheme(of: assessment)
        let entries = Dictionary(grouping: try await store.selfAssessments(assessment: assessment.id), by: \.unitID)
        let submissions = Dictionary(
            grouping: try await store.submissions(assessment: assessment.id, unit: nil), by: \.unitID)
        let reviews = Dictionary(
            grouping: try await store.reviewActions(assessment: assessment.id, unit: nil), by: \.unitID)
        let extensions = try await store.deadlineExtensions(of: assessment.id)
        let today = today()
        let scored = Dictionary(
            try await cachedScores(id, for: user).scores.rows.map { ($0.unit.id, $0.result) },
            uniquingKeysWith: { a, _ in a })
        let rows = detail.units.sorted { $0.code < $1.code }.map { unit -> SubmissionRow in
            let mine = entries[unit.id] ?? []
            let subs = submissions[unit.id] ?? []
            let (deadline, ext) = Self.deadline(of: unit.id, in: assessment, extensions: extensions)
            let items = Self.applicableItems(scheme, unit: unit).map(\.0.id)
            let filled = mine.filter { $0.selfScore != nil && items.contains($0.itemID) }
            return SubmissionRow(
                unit: unit,
                status: Self.status(entries: mine.count, submissions: subs, reviews: reviews[unit.id] ?? []),
                filled: filled.count, total: items.count, lastSubmission: subs.last, deadline: deadline,
                deadlineExtension: ext, overdue: subs.isEmpty && deadline.map { today > $0 } ?? false,
                selfTotal: filled.reduce(ExactDecimal.zero) { $0 + (ExactDecimal($1.selfScore!) ?? .zero) },
                evaluatorTotal: scored[unit.id].flatMap { $0.pending.isEmpty ? $0.base : nil })
        }
        return SubmissionsDashboard(
            assessment: assessment, rows: rows, today: today, canManage: user.can(.manageAssessments))
    }

}
