import Foundation
import KaoheEngine

extension IDKind {
    /// Marker for ``SubmissionID``.
    public enum Submission {}
    /// Marker for ``EvidenceID``.
    public enum Evidence {}
    /// Marker for ``ReviewActionID``.
    public enum ReviewAction {}
    /// Marker for ``ObjectionID``.
    public enum Objection {}
    /// Marker for ``ExtensionID``.
    public enum DeadlineExtension {}
}

/// Identifies one submission of a unit's self-assessment.
public typealias SubmissionID = TypedID<IDKind.Submission>
/// Identifies one uploaded evidence file (佐证材料) attached to an item.
public typealias EvidenceID = TypedID<IDKind.Evidence>
/// Identifies one review action (accept, return, answer).
public typealias ReviewActionID = TypedID<IDKind.ReviewAction>
/// Identifies one objection (异议).
public typealias ObjectionID = TypedID<IDKind.Objection>
/// Identifies one deadline extension.
public typealias ExtensionID = TypedID<IDKind.DeadlineExtension>

/// A unit's self-assessment of one item (自评): self-score, explanation and the facts it claims. Saved as a
/// draft any number of times (each save audited with old and new); frozen into a ``Submission`` on submit.
public struct SelfAssessmentEntry: Sendable, Codable, Equatable {
    /// The assessment.
    public var assessmentID: AssessmentID
    /// The unit.
    public var unitID: UnitID
    /// The item id of the scheme.
    public var itemID: String
    /// The self-score as exact decimal text (e.g. `9.5`), or nil when not yet given.
    public var selfScore: String?
    /// The unit's explanation (说明).
    public var note: String
    /// The facts the unit claims, as a JSON object in the facts format, or nil.
    public var claimedFacts: String?
    /// 1 for the first save, +1 for each later one.
    public var version: Int
    /// Who saved last.
    public var updatedBy: UserID?
    /// When.
    public var updatedAt: Date

    /// Creates an entry value.
    public init(
        assessmentID: AssessmentID, unitID: UnitID, itemID: String, selfScore: String?, note: String,
        claimedFacts: String?, version: Int = 0, updatedBy: UserID? = nil, updatedAt: Date = Date()
    ) {
        self.assessmentID = assessmentID
        self.unitID = unitID
        self.itemID = itemID
        self.selfScore = selfScore
        self.note = note
        self.claimedFacts = claimedFacts
        self.version = version
        self.updatedBy = updatedBy
        self.updatedAt = updatedAt
    }
}

/// One submission of a unit's self-assessment: a frozen copy of every entry, never changed afterwards.
/// A resubmission after a return adds a new submission with the next number.
public struct Submission: Sendable, Codable, Equatable, Identifiable {
    /// The id.
    public var id: SubmissionID
    /// The assessment.
    public var assessmentID: AssessmentID
    /// The unit.
    public var unitID: UnitID
    /// 1 for the first submission, 2 for the first resubmission, …
    public var number: Int
    /// When it was submitted.
    public var submittedAt: Date
    /// By whom.
    public var submittedBy: UserID?
    /// Submitted after the assessment's deadline (within a granted extension).
    public var late: Bool
    /// The deadline that applied to this unit when it submitted.
    public var deadline: Day?
    /// The entries as submitted, a JSON array of ``SelfAssessmentEntry``.
    public var snapshot: String
    /// The position in the assessment's audit order (set by the store): compare with ``ReviewAction/seq``.
    public var seq: Int = 0

    /// Creates a submission value.
    public init(
        id: SubmissionID = .generate(), assessmentID: AssessmentID, unitID: UnitID, number: Int, submittedAt: Date,
        submittedBy: UserID?, late: Bool, deadline: Day?, snapshot: String
    ) {
        self.id = id
        self.assessmentID = assessmentID
        self.unitID = unitID
        self.number = number
        self.submittedAt = submittedAt
        self.submittedBy = submittedBy
        self.late = late
        self.deadline = deadline
        self.snapshot = snapshot
    }
}

extension Submission {
    /// The ``snapshot`` text of `entries`: a JSON array, keys sorted, times as Unix seconds.
    public static func snapshot(of entries: [SelfAssessmentEntry]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .secondsSince1970
        return String(decoding: try encoder.encode(entries), as: UTF8.self)
    }
}

/// An organizer's extension of one unit's submission deadline, with the reason. The latest one applies.
public struct DeadlineExtension: Sendable, Codable, Equatable, Identifiable {
    /// The id.
    public var id: ExtensionID
    /// The assessment.
    public var assessmentID: AssessmentID
    /// The unit.
    public var unitID: UnitID
    /// The new last day for submission.
    public var deadline: Day
    /// Why (required).
    public var reason: String
    /// Who granted it.
    public var createdBy: UserID?
    /// When.
    public var createdAt: Date

    /// Creates an extension value.
    public init(
        id: ExtensionID = .generate(), assessmentID: AssessmentID, unitID: UnitID, deadline: Day, reason: String,
        createdBy: UserID?, createdAt: Date
    ) {
        self.id = id
        self.assessmentID = assessmentID
        self.unitID = unitID
        self.deadline = deadline
        self.reason = reason
        self.createdBy = createdBy
        self.createdAt = createdAt
    }
}

/// Why an evidence file was uploaded.
public enum EvidencePurpose: String, Sendable, Codable, CaseIterable {
    /// 自评佐证 — with the unit's self-assessment of an item.
    case selfAssessment = "self"
    /// 异议佐证 — with an objection during 公示.
    case objection
    /// 问题佐证 — with an evaluator's finding.
    case finding
    /// 整改佐证 — with a unit's answer on a rectification item (整改台账).
    case rectification

    /// The Chinese label.
    public var displayName: String {
        switch self {
        case .selfAssessment: "自评佐证"
        case .objection: "异议佐证"
        case .finding: "问题佐证"
        case .rectification: "整改佐证"
        }
    }
}

/// One evidence file (佐证材料) attached to an item of a unit. The bytes live in the content-addressed
/// evidence store under ``sha256``; this record says whose file it is and what it is called. Records are
/// never deleted: a unit may withdraw a file, which is recorded with who, when and why.
public struct EvidenceFile: Sendable, Codable, Equatable, Identifiable {
    /// The id.
    public var id: EvidenceID
    /// The assessment.
    public var assessmentID: AssessmentID
    /// The unit the evidence belongs to.
    public var unitID: UnitID
    /// The item.
    public var itemID: String
    /// The SHA-256 of the content, lowercase hex: the key in the evidence store.
    public var sha256: String
    /// The file name as uploaded, cleaned of path parts and control characters.
    public var fileName: String
    /// The content type decided from the content (never from the name).
    public var contentType: String
    /// Size in bytes.
    public var size: Int
    /// Why it was uploaded.
    public var purpose: EvidencePurpose
    /// Who uploaded it.
    public var uploadedBy: UserID?
    /// When.
    public var uploadedAt: Date
    /// When it was withdrawn, if it was.
    public var withdrawnAt: Date?
    /// Who withdrew it.
    public var withdrawnBy: UserID?
    /// Why it was withdrawn.
    public var withdrawnReason: String?

    /// Creates an evidence record value.
    public init(
        id: EvidenceID = .generate(), assessmentID: AssessmentID, unitID: UnitID, itemID: String, sha256: String,
        fileName: String, contentType: String, size: Int, purpose: EvidencePurpose, uploadedBy: UserID?,
        uploadedAt: Date, withdrawnAt: Date? = nil, withdrawnBy: UserID? = nil, withdrawnReason: String? = nil
    ) {
        self.id = id
        self.assessmentID = assessmentID
        self.unitID = unitID
        self.itemID = itemID
        self.sha256 = sha256
        self.fileName = fileName
        self.contentType = contentType
        self.size = size
        self.purpose = purpose
        self.uploadedBy = uploadedBy
        self.uploadedAt = uploadedAt
        self.withdrawnAt = withdrawnAt
        self.withdrawnBy = withdrawnBy
        self.withdrawnReason = withdrawnReason
    }
}

/// What an evaluator or a unit did in the review of one item.
public enum ReviewKind: String, Sendable, Codable, CaseIterable {
    /// 审核通过 — the evaluator accepts the self-assessment of the item.
    case accept
    /// 退回补正 — the evaluator returns the item for correction, with a reason.
    case `return`
    /// 补正答复 — the unit answers a return.
    case answer

    /// The Chinese label.
    public var displayName: String {
        switch self {
        case .accept: "审核通过"
        case .return: "退回补正"
        case .answer: "补正答复"
        }
    }
}

/// One step in the review of an item; the item's review state is its latest step.
public struct ReviewAction: Sendable, Codable, Equatable, Identifiable {
    /// The id.
    public var id: ReviewActionID
    /// The assessment.
    public var assessmentID: AssessmentID
    /// The unit.
    public var unitID: UnitID
    /// The item.
    public var itemID: String
    /// What was done.
    public var kind: ReviewKind
    /// The reason (return), the answer (answer) or a remark (accept).
    public var text: String
    /// By whom.
    public var createdBy: UserID?
    /// When.
    public var createdAt: Date
    /// The position in the assessment's audit order (set by the store): compare with ``Submission/seq``.
    public var seq: Int = 0

    /// Creates a review action value.
    public init(
        id: ReviewActionID = .generate(), assessmentID: AssessmentID, unitID: UnitID, itemID: String,
        kind: ReviewKind, text: String, createdBy: UserID?, createdAt: Date
    ) {
        self.id = id
        self.assessmentID = assessmentID
        self.unitID = unitID
        self.itemID = itemID
        self.kind = kind
        self.text = text
        self.createdBy = createdBy
        self.createdAt = createdAt
    }
}

/// The state of an objection.
public enum ObjectionStatus: String, Sendable, Codable, CaseIterable {
    /// 待答复
    case open
    /// 异议成立 — the score was corrected.
    case upheld
    /// 异议不成立 — rejected with a reason.
    case rejected

    /// The Chinese label.
    public var displayName: String {
        switch self {
        case .open: "待答复"
        case .upheld: "异议成立"
        case .rejected: "异议不成立"
        }
    }
}

/// An objection (异议) a unit lodges against one item of its published score during 公示.
public struct Objection: Sendable, Codable, Equatable, Identifiable {
    /// The id.
    public var id: ObjectionID
    /// The assessment.
    public var assessmentID: AssessmentID
    /// The unit.
    public var unitID: UnitID
    /// The item objected to.
    public var itemID: String
    /// The unit's statement.
    public var text: String
    /// Evidence files uploaded with it.
    public var evidenceIDs: [EvidenceID]
    /// The published version it objects to.
    public var publicationVersion: Int
    /// The item's score in that version (exact decimal text).
    public var scoreBefore: String?
    /// Who lodged it.
    public var createdBy: UserID?
    /// When.
    public var createdAt: Date
    /// Open, upheld or rejected.
    public var status: ObjectionStatus
    /// The organizer's answer (the reason when rejected).
    public var answer: String?
    /// The item's score after the answer (upheld: the corrected score).
    public var scoreAfter: String?
    /// Who answered.
    public var answeredBy: UserID?
    /// When.
    public var answeredAt: Date?

    /// Creates an objection value (open).
    public init(
        id: ObjectionID = .generate(), assessmentID: AssessmentID, unitID: UnitID, itemID: String, text: String,
        evidenceIDs: [EvidenceID], publicationVersion: Int, scoreBefore: String?, createdBy: UserID?,
        createdAt: Date, status: ObjectionStatus = .open, answer: String? = nil, scoreAfter: String? = nil,
        answeredBy: UserID? = nil, answeredAt: Date? = nil
    ) {
        self.id = id
        self.assessmentID = assessmentID
        self.unitID = unitID
        self.itemID = itemID
        self.text = text
        self.evidenceIDs = evidenceIDs
        self.publicationVersion = publicationVersion
        self.scoreBefore = scoreBefore
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.status = status
        self.answer = answer
        self.scoreAfter = scoreAfter
        self.answeredBy = answeredBy
        self.answeredAt = answeredAt
    }
}

/// One published version of an assessment's results (公示 or 定稿): the full results as the engine
/// produced them, frozen. Versions are numbered from 1 and never changed.
public struct Publication: Sendable, Codable, Equatable {
    /// The assessment.
    public var assessmentID: AssessmentID
    /// 1, 2, …
    public var version: Int
    /// The state it was published in (publicity or final).
    public var state: AssessmentState
    /// The results JSON (the same format as `kaohe score`); empty in lists.
    public var results: String
    /// What changed, e.g. "异议成立，更正第3项".
    public var note: String
    /// Who published it.
    public var createdBy: UserID?
    /// When.
    public var createdAt: Date

    /// Creates a publication value.
    public init(
        assessmentID: AssessmentID, version: Int, state: AssessmentState, results: String, note: String,
        createdBy: UserID?, createdAt: Date
    ) {
        self.assessmentID = assessmentID
        self.version = version
        self.state = state
        self.results = results
        self.note = note
        self.createdBy = createdBy
        self.createdAt = createdAt
    }
}

/// The storage of the assessed units' side: self-assessments, submissions, deadlines, evidence records,
/// review, objections and published versions. Every write is audited in its own transaction; nothing is
/// ever deleted, and a final assessment refuses every write.
public protocol WorkflowStore: Sendable {
    /// Sets the submission deadline and the objection deadline (nil clears one).
    func setDeadlines(_ assessment: AssessmentID, submission: Day?, objection: Day?, by actor: AuditActor)
        async throws -> Assessment
    /// Sets the assessment's parameter values (a JSON object, or nil for the scheme's defaults).
    func setParameters(_ assessment: AssessmentID, json: String?, by actor: AuditActor) async throws -> Assessment
    /// Extends one unit's deadline.
    func extendDeadline(_ extension: DeadlineExtension, by actor: AuditActor) async throws
    /// All extensions of an assessment, oldest first.
    func deadlineExtensions(of assessment: AssessmentID) async throws -> [DeadlineExtension]

    /// A unit's self-assessment entries, by item.
    func selfAssessment(assessment: AssessmentID, unit: UnitID) async throws -> [SelfAssessmentEntry]
    /// Every unit's entries (for the organizer's dashboard), by unit and item.
    func selfAssessments(assessment: AssessmentID) async throws -> [SelfAssessmentEntry]
    /// Saves one item's entry; `expectedVersion` as for facts (0 for the first save). Throws
    /// ``StorageError/versionConflict(entity:expected:actual:)`` when someone saved in between.
    func saveSelfAssessment(_ entry: SelfAssessmentEntry, expectedVersion: Int, by actor: AuditActor) async throws
        -> SelfAssessmentEntry
    /// Records a submission; its number must be the next one for the unit.
    func submit(_ submission: Submission, by actor: AuditActor) async throws
    /// The submissions of an assessment (of one unit when given), by unit and number.
    func submissions(assessment: AssessmentID, unit: UnitID?) async throws -> [Submission]

    /// Records an uploaded evidence file whose bytes are already in the evidence store.
    func addEvidence(_ evidence: EvidenceFile, by actor: AuditActor) async throws
    /// One evidence record, or nil.
    func evidence(_ id: EvidenceID) async throws -> EvidenceFile?
    /// The evidence of a unit (all units when nil), withdrawn ones included, by item and upload time.
    func evidence(assessment: AssessmentID, unit: UnitID?) async throws -> [EvidenceFile]
    /// Withdraws a file (kept, marked withdrawn with who, when and why).
    func withdrawEvidence(_ id: EvidenceID, reason: String, by actor: AuditActor) async throws -> EvidenceFile
    /// Whether any record still refers to a blob (for checking the evidence store).
    func evidenceHashes() async throws -> Set<String>

    /// Records a review step.
    func addReviewAction(_ action: ReviewAction, by actor: AuditActor) async throws
    /// The review steps of an assessment (of one unit when given), oldest first.
    func reviewActions(assessment: AssessmentID, unit: UnitID?) async throws -> [ReviewAction]

    /// Records an objection; refused unless the assessment is in 公示.
    func addObjection(_ objection: Objection, by actor: AuditActor) async throws
    /// The objections of an assessment (of one unit when given), oldest first.
    func objections(assessment: AssessmentID, unit: UnitID?) async throws -> [Objection]
    /// Answers an open objection (status upheld or rejected); an answered one cannot be answered again.
    func answerObjection(
        _ id: ObjectionID, status: ObjectionStatus, answer: String, scoreAfter: String?, by actor: AuditActor
    ) async throws -> Objection

    /// The only way into 公示 and 定稿, and the way to publish a correction during 公示: in one transaction,
    /// with the assessment row locked, checks the rules (a transition the life cycle allows; for 定稿 no open
    /// objection and a closed objection window; for a correction, 公示 and changed results), answers the
    /// upheld objection if one is given, stores the next version when the results differ from the latest one
    /// (always for the first 公示) and changes the state. Nothing is written when a rule fails.
    func publish(_ request: PublicationRequest, by actor: AuditActor) async throws -> PublicationOutcome
    /// The published versions, oldest first, without their results text.
    func publications(of assessment: AssessmentID) async throws -> [Publication]
    /// One published version with its results, or nil.
    func publication(of assessment: AssessmentID, version: Int) async throws -> Publication?
}

/// What ``WorkflowStore/publish(_:by:)`` is asked to do.
public struct PublicationRequest: Sendable, Equatable {
    /// The assessment.
    public var assessmentID: AssessmentID
    /// The state to enter (公示 or 定稿), or nil for a correction during 公示.
    public var moveTo: AssessmentState?
    /// The current results document (the `kaohe score` format).
    public var results: String
    /// The note of the new version; required for a correction, otherwise a default note is written.
    public var note: String?
    /// An objection answered as upheld by this correction: both commit together or neither does.
    public var upheld: UpheldObjection?
    /// Who publishes.
    public var createdBy: UserID?
    /// When.
    public var createdAt: Date
    /// Today in China: 定稿 is refused until the day after the objection deadline.
    public var today: Day

    /// Creates a request.
    public init(
        assessmentID: AssessmentID, moveTo: AssessmentState?, results: String, note: String? = nil,
        upheld: UpheldObjection? = nil, createdBy: UserID?, createdAt: Date, today: Day
    ) {
        self.assessmentID = assessmentID
        self.moveTo = moveTo
        self.results = results
        self.note = note
        self.upheld = upheld
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.today = today
    }
}

/// An objection answered as upheld, with the corrected score.
public struct UpheldObjection: Sendable, Equatable {
    /// The objection.
    public var id: ObjectionID
    /// The organizer's answer.
    public var answer: String
    /// The item's score after the correction.
    public var scoreAfter: String?

    /// Creates the answer.
    public init(id: ObjectionID, answer: String, scoreAfter: String?) {
        self.id = id
        self.answer = answer
        self.scoreAfter = scoreAfter
    }
}

/// What ``WorkflowStore/publish(_:by:)`` wrote.
public struct PublicationOutcome: Sendable, Equatable {
    /// The assessment afterwards.
    public var assessment: Assessment
    /// The new version, or nil when the results equal the latest version's.
    public var publication: Publication?
    /// The upheld objection, answered.
    public var objection: Objection?

    /// Creates an outcome.
    public init(assessment: Assessment, publication: Publication?, objection: Objection?) {
        self.assessment = assessment
        self.publication = publication
        self.objection = objection
    }
}
