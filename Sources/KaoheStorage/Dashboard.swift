import Foundation
import KaoheEngine

/// What waits in one assessment, counted by the database: the dashboards read these counts, never the rows
/// behind them, so they stay fast with thousands of units.
public struct AssessmentWorkload: Sendable, Equatable {
    /// The assessment.
    public var assessmentID: AssessmentID
    /// Units enrolled.
    public var enrolled: Int
    /// Enrolled units that saved a self-assessment entry but never submitted.
    public var drafting: Int
    /// Units that submitted at least once.
    public var submitted: Int
    /// Of those, units whose first submission came after the assessment's own deadline.
    public var submittedLate: Int
    /// Enrolled units that never submitted although their deadline (their latest extension, else the
    /// assessment's) is before today.
    public var overdue: Int
    /// Units whose latest submission no evaluator has accepted or returned an item of since.
    public var awaitingReview: [UnitID]
    /// Per unit, the items whose latest review step is the unit's answer to a return (the evaluator's turn).
    public var answersToReview: [UnitID: Int]
    /// Per unit, the items whose latest review step is a return (the unit's turn).
    public var returned: [UnitID: Int]
    /// Objections not answered yet.
    public var openObjections: Int
    /// Rectification items not 已销号.
    public var openRectifications: Int
    /// Of those, past their deadline.
    public var overdueRectifications: Int
    /// Of those, answered by the unit and waiting for the evaluator's verification (已整改待核验).
    public var rectificationsToVerify: Int
    /// The latest published bulletin, if any.
    public var latestBulletin: BulletinHeading?

    /// Creates a workload (all counts zero by default).
    public init(
        assessmentID: AssessmentID, enrolled: Int = 0, drafting: Int = 0, submitted: Int = 0, submittedLate: Int = 0,
        overdue: Int = 0, awaitingReview: [UnitID] = [], answersToReview: [UnitID: Int] = [:],
        returned: [UnitID: Int] = [:], openObjections: Int = 0, openRectifications: Int = 0,
        overdueRectifications: Int = 0, rectificationsToVerify: Int = 0, latestBulletin: BulletinHeading? = nil
    ) {
        self.assessmentID = assessmentID
        self.enrolled = enrolled
        self.drafting = drafting
        self.submitted = submitted
        self.submittedLate = submittedLate
        self.overdue = overdue
        self.awaitingReview = awaitingReview
        self.answersToReview = answersToReview
        self.returned = returned
        self.openObjections = openObjections
        self.openRectifications = openRectifications
        self.overdueRectifications = overdueRectifications
        self.rectificationsToVerify = rectificationsToVerify
        self.latestBulletin = latestBulletin
    }

    /// Enrolled units with nothing saved and nothing submitted.
    public var notStarted: Int { max(0, enrolled - submitted - drafting) }
}

/// A published bulletin's heading (without its document).
public struct BulletinHeading: Sendable, Equatable {
    /// 第 n 期.
    public var number: Int
    /// The title.
    public var title: String
    /// The period's text, e.g. `2023-03` or `2023-Q1`.
    public var period: String
    /// When it was published.
    public var publishedAt: Date

    /// Creates a heading.
    public init(number: Int, title: String, period: String, publishedAt: Date) {
        self.number = number
        self.title = title
        self.period = period
        self.publishedAt = publishedAt
    }
}

/// The counts behind the dashboards.
public protocol DashboardStore: Sendable {
    /// The workload of each assessment named (in that order), as of `today`.
    func workloads(_ assessments: [AssessmentID], today: Day) async throws -> [AssessmentWorkload]
    /// The number of units of every organization.
    func unitCount() async throws -> Int
    /// One evaluator's assignments in an assessment.
    func assignments(of assessment: AssessmentID, user: UserID) async throws -> [EvaluatorAssignment]
}
