import Foundation
import KaoheEngine
import KaoheStorage

/// Each role's start page: what waits for the user today, every number a link to the list behind it.
/// A user with several roles sees each role's part.
public struct Dashboard: Sendable {
    /// The viewer.
    public var user: User
    /// Today in China.
    public var today: Day
    /// Counts for administrators and organizers (organizations, units, users; nil when not theirs to see).
    public var totals: DashboardTotals
    /// Organizers: every assessment not yet 定稿, with what waits in it.
    public var organizer: [OrganizerCard]
    /// Evaluators: the assessments they are assigned to, with what is left to score or review.
    public var evaluator: [EvaluatorCard]
    /// Reporters: their unit's assessments.
    public var reporter: ReporterPart?
    /// Leaders: the latest published results and bulletins.
    public var leader: [LeaderCard]
}

/// Counts of the things an administrator or organizer keeps.
public struct DashboardTotals: Sendable, Equatable {
    /// Organizations (nil when the viewer may not list them).
    public var organizations: Int?
    /// Units visible to the viewer.
    public var units: Int
    /// User accounts (administrators only).
    public var users: Int?
    /// Assessments visible to the viewer.
    public var assessments: Int
    /// The e-mail outbox (administrators only).
    public var mail: OutboxSummary? = nil
}

/// A deadline with the working days left until it.
public struct DashboardDeadline: Sendable, Equatable {
    /// What ends: 自评提交截止, 异议截止, 评议截止…
    public var label: String
    /// The last day.
    public var day: Day
    /// Working days after today up to and including `day` (0 on the day itself and after it).
    public var workingDaysLeft: Int
    /// Whether the day has passed.
    public var passed: Bool
}

/// An open rater round's response so far.
public struct RaterRoundProgress: Sendable, Equatable {
    /// The round.
    public var roundID: RaterRoundID
    /// Its title.
    public var title: String
    /// Sheets submitted (codes used) over all groups.
    public var submitted: Int
    /// Sheets expected (named raters, rating units, codes issued) over all groups.
    public var expected: Int
    /// When it closes by itself, if set.
    public var closesAt: Date?

    /// `75.00%`, or `—` when nothing is expected.
    public var rate: String { RaterRules.rate(submitted, of: expected) }
}

/// One assessment on the organizer's dashboard.
public struct OrganizerCard: Sendable {
    /// The assessment.
    public var assessment: Assessment
    /// The counts behind the numbers.
    public var workload: AssessmentWorkload
    /// The nearest deadline still ahead (or the latest passed one while the stage lasts).
    public var nextDeadline: DashboardDeadline?
    /// The month whose bulletin is due and not yet published (assessments scored from platform records).
    public var bulletinDue: BulletinPeriod?
    /// Open rater rounds.
    public var raterRounds: [RaterRoundProgress]

    /// Items returned to units and not yet answered, over all units.
    public var returnedItems: Int { workload.returned.values.reduce(0, +) }
    /// Answers to returns waiting for an evaluator, over all units.
    public var answersToReview: Int { workload.answersToReview.values.reduce(0, +) }
}

/// One assessment on an evaluator's dashboard: the units and items assigned and what is left.
public struct EvaluatorCard: Sendable {
    /// The assessment.
    public var assessment: Assessment
    /// Units the assignments cover.
    public var units: Int
    /// The items assigned (empty: every item).
    public var items: [(id: String, name: String)]
    /// (unit, item) pairs in the assignment still missing facts (待评).
    public var leftToScore: Int
    /// Units with at least one such item.
    public var unitsLeftToScore: Int
    /// Assigned units whose latest submission waits for a review.
    public var awaitingReview: [AssessedUnit]
    /// Answers to returns waiting for a review, over the assigned units.
    public var answersToReview: Int
    /// Rectification answers waiting for verification (assessment-wide).
    public var rectificationsToVerify: Int
}

/// The reporter's part: the own unit and each of its assessments.
public struct ReporterPart: Sendable {
    /// The reporter's unit.
    public var unit: AssessedUnit
    /// One card per assessment the unit takes part in.
    public var cards: [ReporterCard]
}

/// One assessment on the reporter's dashboard.
public struct ReporterCard: Sendable {
    /// The assessment.
    public var assessment: Assessment
    /// The unit's self-assessment status.
    public var status: SubmissionStatus
    /// The unit's submission deadline (its extension, else the assessment's).
    public var deadline: DashboardDeadline?
    /// Items returned for correction, with the evaluator's reason.
    public var returned: [(itemID: String, itemName: String, reason: String)]
    /// The unit's rectification items not yet 已销号.
    public var rectifications: [RectificationItem]
    /// The unit's objections that were answered.
    public var answeredObjections: [Objection]
    /// Objections still waiting for an answer.
    public var openObjections: Int
}

/// One assessment on the leader's dashboard.
public struct LeaderCard: Sendable {
    /// The assessment.
    public var assessment: Assessment
    /// The latest published version of its results, if any.
    public var publication: Publication?
    /// The latest published bulletin, if any.
    public var bulletin: BulletinHeading?
}
