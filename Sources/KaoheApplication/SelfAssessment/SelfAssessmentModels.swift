import Foundation
import KaoheEngine
import KaoheFormats
import KaoheStorage

/// Where a unit stands in its self-assessment.
public enum SubmissionStatus: Sendable, Equatable {
    /// Nothing entered yet.
    case notStarted
    /// Entries saved, not submitted.
    case draft
    /// Submitted (late when after the assessment's own deadline, within an extension).
    case submitted(late: Bool)
    /// Items returned for correction wait for the unit.
    case returned(items: Int)
    /// Every returned item answered; the corrected self-assessment waits to be resubmitted.
    case answered

    /// The Chinese label.
    public var label: String {
        switch self {
        case .notStarted: "未开始"
        case .draft: "填报中（未提交）"
        case .submitted(let late): late ? "已提交（逾期）" : "已提交"
        case .returned(let items): "退回补正（\(items)项待补正）"
        case .answered: "已补正，待重新提交"
        }
    }
}

/// One item of a unit's workflow page: the scheme's wording, the unit's entry, evidence, review and scores.
public struct WorkflowItem: Sendable {
    /// The scheme item.
    public var item: Item
    /// Its category name.
    public var category: String
    /// The fact fields of the item (the claimed facts).
    public var specs: [FactSpec]
    /// The unit's entry, if saved.
    public var entry: SelfAssessmentEntry?
    /// The claimed facts decoded (for the form and the review).
    public var claimed: [String: FactValue]
    /// Evidence files, withdrawn ones included.
    public var evidence: [EvidenceFile]
    /// Review steps, oldest first.
    public var reviews: [ReviewAction]
    /// The evaluators' current score of the item (nil when pending or not scored).
    public var evaluatorScore: ExactDecimal?
    /// The evaluators' explanation.
    public var evaluatorExplanation: String?
    /// The published score (publicity or final), when published.
    public var publishedScore: ExactDecimal?
    /// The published explanation.
    public var publishedExplanation: String?
    /// Objections to this item.
    public var objections: [Objection]
    /// Whether the viewer may edit the entry now.
    public var editable: Bool

    /// The review state.
    public var review: ItemReviewState { ItemReviewState(reviews) }

    /// The self-score as a decimal.
    public var selfScore: ExactDecimal? { entry?.selfScore.flatMap { ExactDecimal($0) } }

    /// Final (published, else evaluator) score minus the self-score.
    public var difference: ExactDecimal? {
        guard let mine = selfScore, let theirs = publishedScore ?? evaluatorScore else { return nil }
        return theirs - mine
    }
}

/// The whole self-assessment of one unit as its pages show it.
public struct UnitWorkflow: Sendable {
    /// The assessment.
    public var assessment: Assessment
    /// The unit.
    public var unit: AssessedUnit
    /// The scheme.
    public var scheme: Scheme
    /// The items that apply to the unit, in scheme order.
    public var items: [WorkflowItem]
    /// Submissions, oldest first.
    public var submissions: [Submission]
    /// The deadline that applies to the unit (an extension, else the assessment's).
    public var deadline: Day?
    /// The extension in force, if any.
    public var deadlineExtension: DeadlineExtension?
    /// Today in China (Asia/Shanghai).
    public var today: Day
    /// The status.
    public var status: SubmissionStatus
    /// Why the unit cannot edit or submit now, when so.
    public var lockedReason: String?
    /// Whether the viewer may submit now.
    public var canSubmit: Bool
    /// Whether the viewer acts for the unit (its reporter, or an administrator).
    public var actsForUnit: Bool
    /// Whether the viewer may review (accept / return) items.
    public var canReview: Bool
    /// The latest published version, if any.
    public var publicationVersion: Int?
    /// Whether objections may be lodged now (公示, within the window, the unit's own reporter).
    public var canObject: Bool
    /// Names of users.
    public var userNames: [UserID: String]
    /// The largest evidence file accepted, in bytes.
    public var maxUploadBytes: Int

    /// The sum of the self-scores given so far.
    public var selfTotal: ExactDecimal { items.reduce(ExactDecimal.zero) { $0 + ($1.selfScore ?? .zero) } }
    /// The sum of the evaluators' item scores (published ones when published).
    public var finalTotal: ExactDecimal? {
        var sum = ExactDecimal.zero
        for item in items {
            guard let score = item.publishedScore ?? item.evaluatorScore else { return nil }
            sum = sum + score
        }
        return sum
    }
    /// Items without a self-score.
    public var missing: [WorkflowItem] { items.filter { $0.selfScore == nil } }
}

/// One row of the organizer's dashboard.
public struct SubmissionRow: Sendable {
    /// The unit.
    public var unit: AssessedUnit
    /// Its status.
    public var status: SubmissionStatus
    /// Items with a self-score / items in total.
    public var filled: Int, total: Int
    /// The latest submission.
    public var lastSubmission: Submission?
    /// The deadline that applies.
    public var deadline: Day?
    /// The extension in force.
    public var deadlineExtension: DeadlineExtension?
    /// Whether the unit is past its deadline without having submitted.
    public var overdue: Bool
    /// The sum of the self-scores.
    public var selfTotal: ExactDecimal
    /// The evaluators' base score (nil while items are pending).
    public var evaluatorTotal: ExactDecimal?
}

/// The organizer's dashboard of an assessment's submissions.
public struct SubmissionsDashboard: Sendable {
    /// The assessment.
    public var assessment: Assessment
    /// One row per enrolled unit, by code.
    public var rows: [SubmissionRow]
    /// Today in China.
    public var today: Day
    /// Whether the viewer may change deadlines.
    public var canManage: Bool

    /// How many rows have `predicate`.
    public func count(_ predicate: (SubmissionRow) -> Bool) -> Int { rows.filter(predicate).count }
}

/// One item's self-assessment as the unit enters it.
public struct SelfAssessmentInput: Sendable {
    /// The version the form was opened with (0 when nothing was saved); nil when missing.
    public var version: Int?
    /// The self-score as typed (empty: none yet).
    public var selfScore: String
    /// The explanation (说明).
    public var note: String
    /// The facts the unit claims.
    public var claimedFacts: FactsInput
    /// The answer to a return of the item, when it was returned.
    public var answer: String?

    /// Creates the input.
    public init(
        version: Int?, selfScore: String, note: String, claimedFacts: FactsInput = .none, answer: String? = nil
    ) {
        self.version = version
        self.selfScore = selfScore
        self.note = note
        self.claimedFacts = claimedFacts
        self.answer = answer
    }
}

/// Where a unit's self-assessment stands, read without scoring: what saves, answers and submissions check.
struct SelfAssessmentStanding: Sendable {
    let assessment: Assessment
    let unit: AssessedUnit
    let scheme: Scheme
    let entries: [SelfAssessmentEntry]
    let reviews: [ReviewAction]
    let submissions: [Submission]
    let deadline: Day?
    let deadlineExtension: DeadlineExtension?
    let today: Day
    let actsForUnit: Bool
    /// The review steps by item, oldest first (grouped once: every item's state is asked for).
    let reviewsByItem: [String: [ReviewAction]]

    init(
        assessment: Assessment, unit: AssessedUnit, scheme: Scheme, entries: [SelfAssessmentEntry],
        reviews: [ReviewAction], submissions: [Submission], deadline: Day?, deadlineExtension: DeadlineExtension?,
        today: Day, actsForUnit: Bool
    ) {
        self.assessment = assessment
        self.unit = unit
        self.scheme = scheme
        self.entries = entries
        self.reviews = reviews
        self.submissions = submissions
        self.deadline = deadline
        self.deadlineExtension = deadlineExtension
        self.today = today
        self.actsForUnit = actsForUnit
        self.reviewsByItem = Dictionary(grouping: reviews, by: \.itemID)
    }

    /// The status from entries, submissions and review steps.
    var status: SubmissionStatus {
        Operations.status(entries: entries.count, submissions: submissions, reviews: reviews)
    }
    /// Whether self-assessment is going on (进行中 or 评分).
    var phaseOpen: Bool { assessment.state == .open || assessment.state == .scoring }
    /// Whether the unit's deadline has not passed (no deadline: never passes).
    var beforeDeadline: Bool { deadline.map { today <= $0 } ?? true }
    /// Whether objections may still be lodged (the window has not closed).
    var objectionWindowOpen: Bool { assessment.objectionDeadline.map { today <= $0 } ?? true }

    /// The review state of one item.
    func review(of item: String) -> ItemReviewState { ItemReviewState(reviewsByItem[item] ?? []) }

    /// Whether the viewer may edit the item now: the unit's side, while open, before the deadline until the
    /// first submission and afterwards only items returned for correction.
    func editable(_ item: String) -> Bool {
        guard actsForUnit && phaseOpen else { return false }
        if submissions.isEmpty { return beforeDeadline }
        if case .returned = review(of: item) { return true }
        return false
    }

    /// Why the unit cannot edit or submit now, when so.
    var lockedReason: String? {
        if assessment.state == .final { return "本考核已定稿锁定" }
        if assessment.state == .draft { return "考核尚未开始（草稿），开始后才能填报" }
        if !phaseOpen { return "考核处于“\(assessment.state.displayName)”阶段，自评已结束" }
        if submissions.isEmpty && !beforeDeadline {
            return "已超过截止日期（\(deadline!)），不能再填报；如需延期请联系考核办"
        }
        if !submissions.isEmpty, case .submitted = status { return "自评已提交；如有退回补正的项目，可在该项目下修改并答复" }
        return nil
    }

    /// Whether the viewer may submit now, given whether every item has a self-score.
    func canSubmit(complete: Bool) -> Bool {
        guard actsForUnit && phaseOpen && complete else { return false }
        switch status {
        case .notStarted, .draft: return beforeDeadline
        case .answered: return true
        case .submitted, .returned: return false
        }
    }
}
