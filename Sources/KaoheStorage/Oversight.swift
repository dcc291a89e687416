import Foundation
import KaoheEngine

// MARK: Rectification ledger (整改台账)

/// Where a rectification item (整改事项) stands: 待整改 → 整改中 → 已整改待核验 → 已销号, and back to 整改中 when the
/// evaluator returns the unit's answer.
public enum RectificationState: String, Sendable, Codable, CaseIterable {
    /// 待整改 — opened, the unit has not started.
    case pending
    /// 整改中 — the unit is working on it (or the evaluator returned its answer).
    case inProgress = "in_progress"
    /// 已整改待核验 — the unit answered with its evidence; the evaluator checks it.
    case awaitingVerification = "awaiting_verification"
    /// 已销号 — verified and closed.
    case closed

    /// The Chinese label.
    public var displayName: String {
        switch self {
        case .pending: "待整改"
        case .inProgress: "整改中"
        case .awaitingVerification: "已整改待核验"
        case .closed: "已销号"
        }
    }

    /// Whether the item still needs work (everything but 已销号).
    public var isOpen: Bool { self != .closed }
}

/// What one step on a rectification item does.
public enum RectificationAction: String, Sendable, Codable, CaseIterable {
    /// Opened (from a finding, a deduction, a spot check, by hand, or carried over).
    case open
    /// The unit starts working on it: 待整改 → 整改中.
    case start
    /// The unit answers with its evidence: 待整改 or 整改中 → 已整改待核验.
    case answer
    /// The evaluator verifies the answer: 已整改待核验 → 已销号.
    case verify
    /// The evaluator returns the answer with a reason: 已整改待核验 → 整改中.
    case `return`
    /// The organizer finds the unit refused or did it insufficiently (state unchanged; feeds the penalty item).
    case judge
    /// The organizer withdraws such a judgement (state unchanged).
    case clearJudgement = "clear_judgement"

    /// The Chinese label.
    public var displayName: String {
        switch self {
        case .open: "立项"
        case .start: "开始整改"
        case .answer: "提交整改情况"
        case .verify: "核验销号"
        case .return: "退回重新整改"
        case .judge: "认定拒不整改或整改不到位"
        case .clearJudgement: "撤销认定"
        }
    }

    /// The state after this step from `state`, or nil when the step is not allowed there.
    public func next(from state: RectificationState) -> RectificationState? {
        switch (self, state) {
        case (.start, .pending): .inProgress
        case (.answer, .pending), (.answer, .inProgress): .awaitingVerification
        case (.verify, .awaitingVerification): .closed
        case (.return, .awaitingVerification): .inProgress
        case (.judge, let s) where s.isOpen: s
        case (.clearJudgement, let s): s
        default: nil
        }
    }

    /// The steps allowed from `state` (for the forms).
    public static func allowed(from state: RectificationState) -> [RectificationAction] {
        allCases.filter { $0 != .open && $0.next(from: state) != nil }
    }
}

/// The organizer's finding that a unit, asked in writing to rectify, refused or did it insufficiently
/// (“书面要求整改，仍拒不整改或整改不到位”).
public enum RectificationVerdict: String, Sendable, Codable, CaseIterable {
    /// 拒不整改.
    case refused
    /// 整改不到位.
    case insufficient

    /// The Chinese label.
    public var displayName: String {
        switch self {
        case .refused: "拒不整改"
        case .insufficient: "整改不到位"
        }
    }
}

/// Where a rectification item came from.
public enum RectificationSource: String, Sendable, Codable, CaseIterable {
    /// From a recorded finding (问题记录).
    case finding
    /// From a deduction on an item's score.
    case deduction
    /// From a problem found in a spot check.
    case spotCheck = "spot_check"
    /// Entered by hand.
    case manual
    /// Carried over from the previous year's ledger.
    case carryOver = "carry_over"

    /// The Chinese label.
    public var displayName: String {
        switch self {
        case .finding: "问题记录"
        case .deduction: "扣分项目"
        case .spotCheck: "随机抽查"
        case .manual: "手工录入"
        case .carryOver: "上年度结转"
        }
    }
}

/// One item of the rectification ledger: a problem a unit must fix by a deadline counted in working days.
public struct RectificationItem: Sendable, Codable, Equatable, Identifiable {
    /// The id (a UUID).
    public var id: String
    /// The assessment whose ledger it is in.
    public var assessmentID: AssessmentID
    /// The responsible unit (责任单位).
    public var unitID: UnitID
    /// 序号: 1, 2, … per assessment, given when stored.
    public var number: Int
    /// The scheme item it concerns, if any.
    public var itemID: String?
    /// The finding it was opened from, if any.
    public var findingID: FindingID?
    /// Where it came from.
    public var source: RectificationSource
    /// 问题描述.
    public var problem: String
    /// 整改措施 (what is required).
    public var measures: String
    /// The day it was opened (the deadline counts from the day after).
    public var openedOn: Day
    /// 整改时限 in working days.
    public var workingDays: Int
    /// The deadline: the `workingDays`-th working day after ``openedOn`` on the official calendar.
    public var deadline: Day
    /// The current state.
    public var state: RectificationState
    /// The organizer's judgement (拒不整改 / 整改不到位), if any.
    public var verdict: RectificationVerdict?
    /// The points the judgement weighs in the penalty item (1–3), when judged.
    public var verdictPoints: Int?
    /// Why it was judged so.
    public var verdictNote: String?
    /// The unit's latest answer (整改情况).
    public var answer: String?
    /// 销号时间: the day it was closed.
    public var closedOn: Day?
    /// The item of the previous year's ledger it was carried over from.
    public var carriedFrom: String?
    /// Who opened it.
    public var createdBy: UserID?
    /// When it was opened.
    public var createdAt: Date
    /// Moves with every step (1 when opened).
    public var version: Int

    /// Creates an item value (number 0 and version 1 until stored).
    public init(
        id: String = UUID().uuidString.lowercased(), assessmentID: AssessmentID, unitID: UnitID, number: Int = 0,
        itemID: String? = nil, findingID: FindingID? = nil, source: RectificationSource, problem: String,
        measures: String, openedOn: Day, workingDays: Int, deadline: Day, state: RectificationState = .pending,
        verdict: RectificationVerdict? = nil, verdictPoints: Int? = nil, verdictNote: String? = nil,
        answer: String? = nil, closedOn: Day? = nil, carriedFrom: String? = nil, createdBy: UserID? = nil,
        createdAt: Date = Date(), version: Int = 1
    ) {
        self.id = id
        self.assessmentID = assessmentID
        self.unitID = unitID
        self.number = number
        self.itemID = itemID
        self.findingID = findingID
        self.source = source
        self.problem = problem
        self.measures = measures
        self.openedOn = openedOn
        self.workingDays = workingDays
        self.deadline = deadline
        self.state = state
        self.verdict = verdict
        self.verdictPoints = verdictPoints
        self.verdictNote = verdictNote
        self.answer = answer
        self.closedOn = closedOn
        self.carriedFrom = carriedFrom
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.version = version
    }

    /// Whether the item is overdue on `today`: still open after its deadline, or closed after it.
    public func isOverdue(on today: Day) -> Bool {
        if let closedOn { return closedOn > deadline }
        return state.isOpen && today > deadline
    }
}

/// One step in a rectification item's history.
public struct RectificationEvent: Sendable, Codable, Equatable {
    /// The item.
    public var itemID: String
    /// What was done.
    public var action: RectificationAction
    /// The state before (nil when opened).
    public var from: RectificationState?
    /// The state after.
    public var to: RectificationState
    /// The text: the answer, the return reason, the judgement's note.
    public var text: String
    /// Evidence files attached (the unit's answer).
    public var evidenceIDs: [EvidenceID]
    /// Who.
    public var userID: UserID?
    /// When.
    public var at: Date
    /// The audit position (orders steps of the same second).
    public var seq: Int

    /// Creates an event value.
    public init(
        itemID: String, action: RectificationAction, from: RectificationState?, to: RectificationState,
        text: String, evidenceIDs: [EvidenceID] = [], userID: UserID?, at: Date, seq: Int = 0
    ) {
        self.itemID = itemID
        self.action = action
        self.from = from
        self.to = to
        self.text = text
        self.evidenceIDs = evidenceIDs
        self.userID = userID
        self.at = at
        self.seq = seq
    }
}

/// One step asked of the store: the action, its text and evidence, and for a judgement its verdict and points.
public struct RectificationStep: Sendable, Codable, Equatable {
    /// The action.
    public var action: RectificationAction
    /// The text (required for answer, return and judge).
    public var text: String
    /// Evidence attached.
    public var evidenceIDs: [EvidenceID]
    /// The verdict (judge).
    public var verdict: RectificationVerdict?
    /// The points (judge, 1–3).
    public var points: Int?
    /// The day of the step (the closing day for verify).
    public var on: Day

    /// Creates a step.
    public init(
        action: RectificationAction, text: String, evidenceIDs: [EvidenceID] = [],
        verdict: RectificationVerdict? = nil, points: Int? = nil, on: Day
    ) {
        self.action = action
        self.text = text
        self.evidenceIDs = evidenceIDs
        self.verdict = verdict
        self.points = points
        self.on = on
    }
}

// MARK: Spot checks (双随机抽查)

/// What a spot-check plan samples.
public enum SpotCheckPopulation: String, Sendable, Codable, CaseIterable {
    /// The assessment's enrolled units.
    case units
    /// Platform records of one type, sampled per unit.
    case records

    /// The Chinese label.
    public var displayName: String {
        switch self {
        case .units: "考核单位"
        case .records: "平台记录（按单位分别抽取）"
        }
    }
}

/// Where a spot-check plan stands.
public enum SpotCheckState: String, Sendable, Codable, CaseIterable {
    /// 已公布计划: published with the seed's SHA-256, not drawn yet.
    case published
    /// 已抽取: drawn, the seed revealed; inspectors record results.
    case drawn
    /// 结果已公示.
    case resultsPublished = "results_published"

    /// The Chinese label.
    public var displayName: String {
        switch self {
        case .published: "计划已公布，待抽取"
        case .drawn: "已抽取，检查中"
        case .resultsPublished: "结果已公示"
        }
    }
}

/// A hand exclusion: this inspector never checks this unit (besides their own unit).
public struct SpotCheckExclusion: Sendable, Codable, Equatable, Hashable {
    /// The inspector.
    public var inspector: UserID
    /// The unit's code.
    public var unitCode: String

    /// Creates an exclusion.
    public init(inspector: UserID, unitCode: String) {
        self.inspector = inspector
        self.unitCode = unitCode
    }
}

/// One object that can be drawn: a unit, or one record of a unit.
public struct SpotCheckObject: Sendable, Codable, Equatable, Hashable {
    /// The sort key: the unit's code, or `<unit code>/<record id>`.
    public var key: String
    /// The unit's code.
    public var unitCode: String
    /// What to show (unit name, record summary).
    public var label: String

    /// Creates an object.
    public init(key: String, unitCode: String, label: String) {
        self.key = key
        self.unitCode = unitCode
        self.label = label
    }
}

/// One drawn object and its inspector.
public struct SpotCheckAssignment: Sendable, Codable, Equatable {
    /// The object.
    public var object: SpotCheckObject
    /// The inspector assigned.
    public var inspector: UserID

    /// Creates an assignment.
    public init(object: SpotCheckObject, inspector: UserID) {
        self.object = object
        self.inspector = inspector
    }
}

/// The outcome of a draw, frozen when drawn.
public struct SpotCheckDraw: Sendable, Codable, Equatable {
    /// The revealed seed (64 hex digits).
    public var seed: String
    /// The population as drawn from, sorted by key.
    public var population: [SpotCheckObject]
    /// The inspectors in the order the draw shuffled them.
    public var inspectorOrder: [UserID]
    /// Each inspector's own unit (its code), for those who belong to one: they never check it.
    public var inspectorUnits: [String: String]
    /// The sampled objects in the order they were drawn, each with its inspector.
    public var assignments: [SpotCheckAssignment]

    /// Creates a draw.
    public init(
        seed: String, population: [SpotCheckObject], inspectorOrder: [UserID], inspectorUnits: [String: String],
        assignments: [SpotCheckAssignment]
    ) {
        self.seed = seed
        self.population = population
        self.inspectorOrder = inspectorOrder
        self.inspectorUnits = inspectorUnits
        self.assignments = assignments
    }
}

/// A spot-check plan (抽查计划): what is sampled, how many, by whom, and after the draw what was drawn.
public struct SpotCheckPlan: Sendable, Codable, Equatable, Identifiable {
    /// The id (a UUID).
    public var id: String
    /// The assessment.
    public var assessmentID: AssessmentID
    /// 计划名称.
    public var title: String
    /// What is sampled.
    public var population: SpotCheckPopulation
    /// The record type (records plans).
    public var recordType: String?
    /// A fixed number (units: in all; records: per unit); nil when ``ratioPercent`` is used.
    public var sampleCount: Int?
    /// A ratio in percent (1–100), rounded up; nil when ``sampleCount`` is used.
    public var ratioPercent: Int?
    /// The least sampled (per unit for records), when there are that many.
    public var minimum: Int
    /// The pool of inspectors.
    public var inspectors: [UserID]
    /// The hand exclusions.
    public var exclusions: [SpotCheckExclusion]
    /// SHA-256 (hex) of the secret seed, published with the plan.
    public var seedHash: String
    /// The state.
    public var state: SpotCheckState
    /// The draw, once drawn (its seed is the revealed one).
    public var draw: SpotCheckDraw?
    /// Who published it.
    public var createdBy: UserID?
    /// When it was published.
    public var createdAt: Date
    /// When it was drawn.
    public var drawnAt: Date?
    /// When the results were published.
    public var resultsPublishedAt: Date?

    /// Creates a plan value.
    public init(
        id: String = UUID().uuidString.lowercased(), assessmentID: AssessmentID, title: String,
        population: SpotCheckPopulation, recordType: String? = nil, sampleCount: Int? = nil,
        ratioPercent: Int? = nil, minimum: Int = 0, inspectors: [UserID], exclusions: [SpotCheckExclusion] = [],
        seedHash: String, state: SpotCheckState = .published, draw: SpotCheckDraw? = nil,
        createdBy: UserID? = nil, createdAt: Date = Date(), drawnAt: Date? = nil, resultsPublishedAt: Date? = nil
    ) {
        self.id = id
        self.assessmentID = assessmentID
        self.title = title
        self.population = population
        self.recordType = recordType
        self.sampleCount = sampleCount
        self.ratioPercent = ratioPercent
        self.minimum = minimum
        self.inspectors = inspectors
        self.exclusions = exclusions
        self.seedHash = seedHash
        self.state = state
        self.draw = draw
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.drawnAt = drawnAt
        self.resultsPublishedAt = resultsPublishedAt
    }
}

/// An inspector's result on one drawn object.
public struct SpotCheckResult: Sendable, Codable, Equatable {
    /// The plan.
    public var planID: String
    /// The object's key.
    public var objectKey: String
    /// True when it passed; false when problems were found.
    public var passed: Bool
    /// The inspector's note.
    public var note: String
    /// The findings recorded for the problems.
    public var findingIDs: [FindingID]
    /// Who recorded it.
    public var recordedBy: UserID?
    /// When.
    public var recordedAt: Date

    /// Creates a result.
    public init(
        planID: String, objectKey: String, passed: Bool, note: String, findingIDs: [FindingID] = [],
        recordedBy: UserID?, recordedAt: Date
    ) {
        self.planID = planID
        self.objectKey = objectKey
        self.passed = passed
        self.note = note
        self.findingIDs = findingIDs
        self.recordedBy = recordedBy
        self.recordedAt = recordedAt
    }
}

/// Storage of the rectification ledger and spot-check plans. Each write checks its rule inside its transaction
/// and writes its audit entry there.
public protocol OversightStore: Sendable {
    /// Stores a new ledger item under the next 序号 of its assessment (the unit must be enrolled) and its
    /// `open` event; returns it as stored.
    func openRectification(_ item: RectificationItem, note: String, by actor: AuditActor) async throws
        -> RectificationItem
    /// One ledger item, or nil.
    func rectificationItem(_ id: String) async throws -> RectificationItem?
    /// The ledger items of an assessment (of one unit when given), by 序号.
    func rectificationItems(assessment: AssessmentID, unit: UnitID?) async throws -> [RectificationItem]
    /// Every ledger item of a unit in any assessment (for carry-over and the unit's history).
    func rectificationItems(unit: UnitID) async throws -> [RectificationItem]
    /// The history of one item, oldest first.
    func rectificationEvents(item: String) async throws -> [RectificationEvent]
    /// Applies one step. The state is read and the step checked against ``RectificationAction/next(from:)``
    /// inside the transaction: an illegal step is refused with ``StorageError/invalid(field:message:)`` and
    /// nothing is written. `expectedVersion`, when given, must be the stored version.
    func applyRectification(_ id: String, _ step: RectificationStep, expectedVersion: Int?, by actor: AuditActor)
        async throws -> RectificationItem
    /// Copies the still-open items of `source` into `target` (for units enrolled in both, items not carried
    /// before), each with a `carry_over` source and a new deadline from `deadline`; returns the new items.
    func carryOverRectifications(
        from source: AssessmentID, to target: AssessmentID, openedOn: Day, deadline: @escaping @Sendable (Int) -> Day,
        by actor: AuditActor
    ) async throws -> [RectificationItem]

    /// Stores a published spot-check plan with its secret seed (kept until the draw).
    func createSpotCheckPlan(_ plan: SpotCheckPlan, secretSeed: String, by actor: AuditActor) async throws
    /// The plans of an assessment, oldest first.
    func spotCheckPlans(assessment: AssessmentID) async throws -> [SpotCheckPlan]
    /// One plan, or nil.
    func spotCheckPlan(_ id: String) async throws -> SpotCheckPlan?
    /// Draws a published plan once: inside the transaction the plan must still be `published` (a drawn plan
    /// cannot be drawn again), `draw` computes the draw from the secret seed, which is then revealed.
    func drawSpotCheck(
        _ id: String, at: Date, by actor: AuditActor, draw: @escaping @Sendable (String) throws -> SpotCheckDraw
    ) async throws -> SpotCheckPlan
    /// Records (or replaces) the result on one drawn object; refused once the results are published.
    func recordSpotCheckResult(_ result: SpotCheckResult, by actor: AuditActor) async throws
    /// The results of a plan, by object key.
    func spotCheckResults(plan: String) async throws -> [SpotCheckResult]
    /// Publishes a drawn plan's results (抽查结果公示), once.
    func publishSpotCheckResults(_ id: String, at: Date, by actor: AuditActor) async throws -> SpotCheckPlan
}
