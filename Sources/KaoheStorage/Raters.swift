import Foundation

extension IDKind {
    /// Marker for ``RaterRoundID``.
    public enum RaterRound {}
}

/// Identifies a rater round (评议).
public typealias RaterRoundID = TypedID<IDKind.RaterRound>

/// Who rates in a rater group.
public enum RaterKind: String, Sendable, Codable, CaseIterable {
    /// Named accounts (e.g. county leaders), each one ballot sheet.
    case named
    /// Units: each unit's reporter rates the other units (never its own), one sheet per unit.
    case units
    /// The public, through one-time codes; anonymous.
    case `public`

    /// The Chinese name.
    public var label: String {
        switch self {
        case .named: "指定人员"
        case .units: "各单位互评"
        case .public: "社会公众（一次性评议码）"
        }
    }
}

/// One level of a level scale, e.g. 满意 = 100.
public struct RaterLevel: Sendable, Codable, Equatable {
    /// Shown to raters.
    public var name: String
    /// Its points on the group's scale (decimal text).
    public var points: String
    /// Creates a level.
    public init(name: String, points: String) {
        self.name = name
        self.points = points
    }

    /// The public's default levels: 满意 100, 基本满意 80, 不满意 0.
    public static let publicDefaults = [
        RaterLevel(name: "满意", points: "100"), RaterLevel(name: "基本满意", points: "80"),
        RaterLevel(name: "不满意", points: "0"),
    ]
}

/// One rater group of a round: one group of the scheme's `raters` item.
public struct RaterGroupConfig: Sendable, Codable, Equatable {
    /// The group's fact in the item (e.g. `leaders`).
    public var id: String
    /// Its name (e.g. 县领导评议).
    public var label: String
    public var kind: RaterKind
    /// The top of the scale (the item's `scale`, usually 100): marks are 0…scale with at most two decimals.
    public var scale: String
    /// When not empty, raters choose one of these levels instead of typing a mark.
    public var levels: [RaterLevel]
    /// k: the k highest and k lowest ballots are dropped when there are at least 2k + 3.
    public var trim: Int
    /// Fewer ballots than this leave the group out for a unit.
    public var minimum: Int
    /// The raters of a `named` group.
    public var raters: [UserID]
    /// The units this group rates (empty: every unit of the round).
    public var units: [UnitID]

    /// Creates a group.
    public init(
        id: String, label: String, kind: RaterKind, scale: String, levels: [RaterLevel] = [], trim: Int = 0,
        minimum: Int = 1, raters: [UserID] = [], units: [UnitID] = []
    ) {
        self.id = id
        self.label = label
        self.kind = kind
        self.scale = scale
        self.levels = levels
        self.trim = trim
        self.minimum = minimum
        self.raters = raters
        self.units = units
    }
}

/// The stored state of a round; see ``RaterRound/status(at:)`` for what holds at a moment.
public enum RaterRoundState: String, Sendable, Codable {
    /// Being prepared (opens by hand, or at `opensAt`).
    case draft
    /// Opened by hand.
    case open
    /// Closed (by hand, or recorded when it closed by date): frozen.
    case closed
}

/// A rater round (评议) of an assessment: fills one `raters` item of its scheme from ballots.
public struct RaterRound: Sendable, Codable, Equatable {
    public var id: RaterRoundID
    public var assessmentID: AssessmentID
    /// The scheme item with the `raters` rule.
    public var itemID: String
    public var title: String
    public var state: RaterRoundState
    /// Opens by itself at this time (when still a draft).
    public var opensAt: Date?
    /// Closes by itself at this time.
    public var closesAt: Date?
    public var groups: [RaterGroupConfig]
    /// The units rated (empty: every enrolled unit).
    public var units: [UnitID]
    public var createdAt: Date
    public var closedAt: Date?

    /// Creates a round value.
    public init(
        id: RaterRoundID, assessmentID: AssessmentID, itemID: String, title: String, state: RaterRoundState = .draft,
        opensAt: Date? = nil, closesAt: Date? = nil, groups: [RaterGroupConfig], units: [UnitID] = [],
        createdAt: Date, closedAt: Date? = nil
    ) {
        self.id = id
        self.assessmentID = assessmentID
        self.itemID = itemID
        self.title = title
        self.state = state
        self.opensAt = opensAt
        self.closesAt = closesAt
        self.groups = groups
        self.units = units
        self.createdAt = createdAt
        self.closedAt = closedAt
    }

    /// What holds at `now`: dates open and close a round without anyone writing.
    public func status(at now: Date) -> RaterRoundState {
        if state == .closed { return .closed }
        if let closesAt, now >= closesAt { return .closed }
        if state == .open { return .open }
        if let opensAt, now >= opensAt { return .open }
        return .draft
    }

    /// One group by id.
    public func group(_ id: String) -> RaterGroupConfig? { groups.first { $0.id == id } }
}

/// One unit's mark on a ballot sheet, with an optional comment.
public struct RaterMark: Sendable, Codable, Equatable {
    /// Decimal text on the group's scale (a level's points for level scales).
    public var mark: String
    public var comment: String
    /// Creates a mark.
    public init(mark: String, comment: String = "") {
        self.mark = mark
        self.comment = comment
    }
}

/// A named rater's (or a rating unit's) ballot sheet; a submitted sheet is final.
public struct RaterSheet: Sendable, Codable, Equatable {
    public var roundID: RaterRoundID
    public var groupID: String
    /// The rater: a user id (named groups) or a unit id (unit groups).
    public var raterID: String
    /// By rated unit id.
    public var marks: [String: RaterMark]
    public var submitted: Bool
    public var updatedAt: Date
    /// Creates a sheet value.
    public init(
        roundID: RaterRoundID, groupID: String, raterID: String, marks: [String: RaterMark], submitted: Bool,
        updatedAt: Date
    ) {
        self.roundID = roundID
        self.groupID = groupID
        self.raterID = raterID
        self.marks = marks
        self.submitted = submitted
        self.updatedAt = updatedAt
    }
}

/// How many submitted ballots gave one mark to one unit in one group (public ballots exist only as these counts).
public struct RaterTallyRow: Sendable, Equatable {
    public var groupID: String
    public var unitID: UnitID
    public var mark: String
    public var ballots: Int
    /// Creates a row.
    public init(groupID: String, unitID: UnitID, mark: String, ballots: Int) {
        self.groupID = groupID
        self.unitID = unitID
        self.mark = mark
        self.ballots = ballots
    }
}

/// Whether a comment may be shown to its unit.
public enum RaterCommentStatus: String, Sendable, Codable {
    case pending, approved, hidden

    /// The Chinese name.
    public var label: String {
        switch self {
        case .pending: "待审"
        case .approved: "已通过"
        case .hidden: "已隐藏"
        }
    }
}

/// A comment on a unit from a submitted ballot sheet, without its rater.
public struct RaterComment: Sendable, Equatable {
    /// Random, unrelated to the order of submission.
    public var id: String
    public var roundID: RaterRoundID
    public var groupID: String
    public var unitID: UnitID
    public var text: String
    public var status: RaterCommentStatus
    /// Creates a comment value.
    public init(
        id: String, roundID: RaterRoundID, groupID: String, unitID: UnitID, text: String, status: RaterCommentStatus
    ) {
        self.id = id
        self.roundID = roundID
        self.groupID = groupID
        self.unitID = unitID
        self.text = text
        self.status = status
    }
}

/// The one-time codes of a group: issued and used.
public struct RaterCodeCount: Sendable, Equatable {
    public var groupID: String
    public var issued: Int
    public var used: Int
    /// Creates a count.
    public init(groupID: String, issued: Int, used: Int) {
        self.groupID = groupID
        self.issued = issued
        self.used = used
    }
}

/// Where a one-time code leads.
public struct RaterCodeInfo: Sendable, Equatable {
    public var roundID: RaterRoundID
    public var groupID: String
    public var used: Bool
    /// Creates a value.
    public init(roundID: RaterRoundID, groupID: String, used: Bool) {
        self.roundID = roundID
        self.groupID = groupID
        self.used = used
    }
}

/// Storage of rater rounds, their ballot sheets, tallies, comments and one-time codes.
///
/// Anonymity of public ballots: a used code is only marked used (no time, no ballot id); a public sheet adds one to
/// the counts of (group, unit, mark) and its comments get random ids and no times. Nothing stored links a ballot to
/// the code that cast it.
public protocol RaterStore: Sendable {
    /// Creates a round (audited).
    func createRaterRound(_ round: RaterRound, by actor: AuditActor) async throws
    /// Replaces a round's settings (title, dates, groups, units) while it has not opened (checked in the
    /// transaction; ``StorageError/refused(_:)`` otherwise). Audited with old and new.
    func updateRaterRound(_ round: RaterRound, by actor: AuditActor) async throws -> RaterRound
    /// The rounds of an assessment, oldest first.
    func raterRounds(assessment: AssessmentID) async throws -> [RaterRound]
    /// One round, or nil.
    func raterRound(_ id: RaterRoundID) async throws -> RaterRound?
    /// Opens (from draft) or closes (from draft or open) a round by hand; closing is final. Audited.
    func setRaterRoundState(_ id: RaterRoundID, to state: RaterRoundState, by actor: AuditActor) async throws
        -> RaterRound

    /// Stores new codes of a public group as SHA-256 hashes (hex), refused once the round is closed. Audited
    /// with the count only.
    func addRaterCodes(_ hashes: [String], round: RaterRoundID, group: String, by actor: AuditActor) async throws
    /// Where a code hash leads (nil: unknown), and with it the throttle state under `throttleKey` (the client
    /// address's wrong codes), in one query: a public sheet needs both before anything else.
    func raterCode(hash: String, throttleKey: String?) async throws -> (
        code: RaterCodeInfo?, throttle: LoginThrottleState?
    )
    /// Issued and used codes per group of a round.
    func raterCodeCounts(round: RaterRoundID) async throws -> [RaterCodeCount]

    /// Saves a named or unit sheet as a draft, or submits it (final): refused when the round is not open at the
    /// store's clock or the sheet was already submitted. A submission adds its marks to the tallies and its
    /// comments (for moderation) in the same transaction. Audited.
    func saveRaterSheet(_ sheet: RaterSheet, submit: Bool, by actor: AuditActor) async throws -> RaterSheet
    /// One named or unit sheet, or nil.
    func raterSheet(round: RaterRoundID, group: String, rater: String) async throws -> RaterSheet?
    /// Every named or unit sheet of a round.
    func raterSheets(round: RaterRoundID) async throws -> [RaterSheet]
    /// Submits a public sheet with a one-time code: marks the code used (refused with
    /// ``StorageError/refused(_:)`` when already used, ``StorageError/notFound(what:id:)`` when unknown) and
    /// adds the marks to the tallies and the comments for moderation, in one transaction, when the round is
    /// open. The audit entry names the round and group, never the code.
    func submitPublicRaterSheet(
        codeHash: String, marks: [String: RaterMark], by actor: AuditActor
    ) async throws
    /// The tallies of a round.
    func raterTallies(round: RaterRoundID) async throws -> [RaterTallyRow]
    /// The comments of a round.
    func raterComments(round: RaterRoundID) async throws -> [RaterComment]
    /// Approves or hides a comment (audited).
    func moderateRaterComment(_ id: String, round: RaterRoundID, to status: RaterCommentStatus, by actor: AuditActor)
        async throws
    /// Audits a refused code (wrong, used, or its round not open) without the code: `address` only.
    func auditRefusedRaterCode(reason: String, address: String?, by actor: AuditActor) async throws
}

extension RaterStore {
    /// Where a code hash leads, or nil.
    public func raterCode(hash: String) async throws -> RaterCodeInfo? {
        try await raterCode(hash: hash, throttleKey: nil).code
    }
}
