import Foundation
import KaoheEngine

/// The kind of an assessed unit. Raw values are stable storage keys; ``displayName`` is the Chinese label.
public enum UnitType: String, Sendable, Codable, CaseIterable {
    /// 县区 — a county or district.
    case county
    /// 市直部门 — a department of the municipal government.
    case municipalDepartment = "municipal_department"
    /// 区直部门 — a department of the district / county government.
    case districtDepartment = "district_department"
    /// 乡镇 — a township or town (incl. 街道).
    case township
    /// 中省直单位 — a central or provincial unit stationed locally.
    case provincialUnit = "provincial_unit"
    /// 其他 — anything else.
    case other

    /// The Chinese label shown in the user interface and accepted in CSV files.
    public var displayName: String {
        switch self {
        case .county: "县区"
        case .municipalDepartment: "市直部门"
        case .districtDepartment: "区直部门"
        case .township: "乡镇"
        case .provincialUnit: "中省直单位"
        case .other: "其他"
        }
    }

    /// Parses either the Chinese label, a few common synonyms, or the raw storage key.
    public init?(label: String) {
        let text = label.trimmingCharacters(in: .whitespaces)
        if let byRaw = UnitType(rawValue: text) { self = byRaw; return }
        switch text {
        case "县区", "县（区）", "县(区)", "县市区", "区县": self = .county
        case "市直部门", "市直单位": self = .municipalDepartment
        case "区直部门", "区直单位", "县直部门", "县直单位": self = .districtDepartment
        case "乡镇", "乡镇街道", "街道", "乡镇（街道）": self = .township
        case "中省直单位", "省直单位", "中直单位": self = .provincialUnit
        case "其他": self = .other
        default: return nil
        }
    }
}

/// A role a user may hold. A user may hold several.
public enum Role: String, Sendable, Codable, CaseIterable, Comparable {
    /// 系统管理员 — manages users and everything else.
    case admin
    /// 考核组织者 — manages units, assessments and schemes.
    case organizer
    /// 考核评分人 — records facts and findings for assigned units / items.
    case evaluator
    /// 单位填报人 — sees and reports for their own unit only.
    case reporter
    /// 领导 — reads results, changes nothing.
    case leader

    /// The Chinese label.
    public var displayName: String {
        switch self {
        case .admin: "系统管理员"
        case .organizer: "考核组织者"
        case .evaluator: "评分人"
        case .reporter: "单位填报人"
        case .leader: "领导（只读）"
        }
    }

    public static func < (lhs: Role, rhs: Role) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// An organizing body (e.g. 平桥区考核办), possibly under a parent organization.
public struct Organization: Sendable, Codable, Equatable, Identifiable {
    /// The organization's id.
    public var id: OrganizationID
    /// The parent organization, if any.
    public var parentID: OrganizationID?
    /// The name, e.g. "双鸭山市考核办".
    public var name: String
    /// When it was created.
    public var createdAt: Date

    /// Creates an organization value.
    public init(
        id: OrganizationID = .generate(), parentID: OrganizationID? = nil, name: String, createdAt: Date = Date()
    ) {
        self.id = id
        self.parentID = parentID
        self.name = name
        self.createdAt = createdAt
    }
}

/// An assessed unit (被考核单位), belonging to an organization and optionally nested under another unit.
public struct AssessedUnit: Sendable, Codable, Equatable, Identifiable {
    /// The unit's id.
    public var id: UnitID
    /// The organization that assesses this unit.
    public var organizationID: OrganizationID
    /// The parent unit (e.g. a county for a township), if any.
    public var parentID: UnitID?
    /// A short code, unique within the organization (e.g. "PQ01").
    public var code: String
    /// The full name, e.g. "平桥区财政局".
    public var name: String
    /// The kind of unit; schemes show different item sets per type.
    public var type: UnitType
    /// When it was created.
    public var createdAt: Date

    /// Creates a unit value.
    public init(
        id: UnitID = .generate(), organizationID: OrganizationID, parentID: UnitID? = nil, code: String, name: String,
        type: UnitType, createdAt: Date = Date()
    ) {
        self.id = id
        self.organizationID = organizationID
        self.parentID = parentID
        self.code = code
        self.name = name
        self.type = type
        self.createdAt = createdAt
    }
}

/// A user account. The password is stored only as a bcrypt hash.
public struct User: Sendable, Codable, Equatable, Identifiable {
    /// The user's id.
    public var id: UserID
    /// The login name, unique.
    public var username: String
    /// The name shown in the interface.
    public var displayName: String
    /// The bcrypt hash of the password.
    public var passwordHash: String
    /// The roles held.
    public var roles: Set<Role>
    /// The organization the user works for, if any.
    public var organizationID: OrganizationID?
    /// The unit a reporter reports for (reporters see this unit only).
    public var unitID: UnitID?
    /// When the account was created.
    public var createdAt: Date

    /// Creates a user value.
    public init(
        id: UserID = .generate(), username: String, displayName: String, passwordHash: String, roles: Set<Role>,
        organizationID: OrganizationID? = nil, unitID: UnitID? = nil, createdAt: Date = Date()
    ) {
        self.id = id
        self.username = username
        self.displayName = displayName
        self.passwordHash = passwordHash
        self.roles = roles
        self.organizationID = organizationID
        self.unitID = unitID
        self.createdAt = createdAt
    }

    /// Whether the user holds `role`.
    public func has(_ role: Role) -> Bool { roles.contains(role) }
}

/// A server-side login session. The browser holds the secret token; only its SHA-256 is stored.
public struct Session: Sendable, Codable, Equatable {
    /// SHA-256 (hex) of the session token held in the cookie.
    public var tokenHash: String
    /// The user logged in.
    public var userID: UserID
    /// The CSRF token every form of this session must carry.
    public var csrfToken: String
    /// When the session started.
    public var createdAt: Date
    /// When the session stops being valid.
    public var expiresAt: Date

    /// Creates a session value.
    public init(tokenHash: String, userID: UserID, csrfToken: String, createdAt: Date, expiresAt: Date) {
        self.tokenHash = tokenHash
        self.userID = userID
        self.csrfToken = csrfToken
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// A bearer token for the JSON API. Only its SHA-256 is stored.
public struct APIToken: Sendable, Codable, Equatable {
    /// The token's public id.
    public var id: APITokenID
    /// SHA-256 (hex) of the secret.
    public var tokenHash: String
    /// The user the token acts for.
    public var userID: UserID
    /// A label chosen by the user.
    public var name: String
    /// When it was created.
    public var createdAt: Date
    /// When it stops being valid.
    public var expiresAt: Date
    /// When it was last used (recorded at most every ``APIToken/useRecordingInterval``), if ever.
    public var lastUsedAt: Date?

    /// Creates a token value.
    public init(
        id: APITokenID = .generate(), tokenHash: String, userID: UserID, name: String, createdAt: Date, expiresAt: Date,
        lastUsedAt: Date? = nil
    ) {
        self.id = id
        self.tokenHash = tokenHash
        self.userID = userID
        self.name = name
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.lastUsedAt = lastUsedAt
    }

    /// Uses are recorded at most this often per token (one write per token and interval, not per request).
    public static let useRecordingInterval: TimeInterval = 10 * 60

    /// Whether the token is valid at `now`.
    public func isValid(at now: Date) -> Bool { expiresAt > now }
}

/// The life cycle of an assessment: 草稿 → 进行中 → 评分 → 公示 → 定稿. Final is locked.
public enum AssessmentState: String, Sendable, Codable, CaseIterable {
    /// 草稿 — being set up.
    case draft
    /// 进行中 — units report, evaluators may record.
    case open
    /// 评分 — evaluators score.
    case scoring
    /// 公示 — results published for objections.
    case publicity
    /// 定稿 — final and locked; nothing may change.
    case final

    /// The Chinese label.
    public var displayName: String {
        switch self {
        case .draft: "草稿"
        case .open: "进行中"
        case .scoring: "评分"
        case .publicity: "公示"
        case .final: "定稿"
        }
    }

    /// The states that may follow this one. Forward one step; 公示 may return to 评分 for corrections.
    public var allowedNext: [AssessmentState] {
        switch self {
        case .draft: [.open]
        case .open: [.scoring]
        case .scoring: [.publicity]
        case .publicity: [.final, .scoring]
        case .final: []
        }
    }

    /// Whether facts and findings may be recorded in this state.
    public var acceptsFacts: Bool { self == .open || self == .scoring || self == .publicity }
}

/// One assessment: a scheme applied to a set of units for one year.
public struct Assessment: Sendable, Codable, Equatable, Identifiable {
    /// The assessment's id.
    public var id: AssessmentID
    /// The organizing body.
    public var organizationID: OrganizationID
    /// The scheme id (a built-in id such as `pingqiao-2022`, or an uploaded scheme's id).
    public var schemeID: String
    /// The assessed year.
    public var year: Int
    /// A title, e.g. "2022年度平桥区政务公开考核".
    public var title: String
    /// The current state.
    public var state: AssessmentState
    /// When it was created.
    public var createdAt: Date
    /// The last day on which units may submit their self-assessment (nil: no deadline).
    public var submissionDeadline: Day?
    /// The last day of the 公示 objection window (nil: until the organizer finalizes).
    public var objectionDeadline: Day?
    /// Parameter values for the scheme as a JSON object (nil: the scheme's defaults).
    public var parameters: String?

    /// Creates an assessment value (in state draft unless told).
    public init(
        id: AssessmentID = .generate(), organizationID: OrganizationID, schemeID: String, year: Int, title: String,
        state: AssessmentState = .draft, createdAt: Date = Date(), submissionDeadline: Day? = nil,
        objectionDeadline: Day? = nil, parameters: String? = nil
    ) {
        self.submissionDeadline = submissionDeadline
        self.objectionDeadline = objectionDeadline
        self.parameters = parameters
        self.id = id
        self.organizationID = organizationID
        self.schemeID = schemeID
        self.year = year
        self.title = title
        self.state = state
        self.createdAt = createdAt
    }
}

/// A unit enrolled in an assessment.
public struct Enrolment: Sendable, Codable, Equatable, Hashable {
    /// The assessment.
    public var assessmentID: AssessmentID
    /// The unit.
    public var unitID: UnitID

    /// Creates an enrolment value.
    public init(assessmentID: AssessmentID, unitID: UnitID) {
        self.assessmentID = assessmentID
        self.unitID = unitID
    }
}

/// An evaluator assigned within an assessment, to a unit, an item, both, or (both nil) everything.
public struct EvaluatorAssignment: Sendable, Codable, Equatable {
    /// The assignment's id.
    public var id: AssignmentID
    /// The assessment.
    public var assessmentID: AssessmentID
    /// The evaluator.
    public var userID: UserID
    /// Restricts the assignment to one unit, if set.
    public var unitID: UnitID?
    /// Restricts the assignment to one scheme item, if set.
    public var itemID: String?

    /// Creates an assignment value.
    public init(
        id: AssignmentID = .generate(), assessmentID: AssessmentID, userID: UserID, unitID: UnitID?, itemID: String?
    ) {
        self.id = id
        self.assessmentID = assessmentID
        self.userID = userID
        self.unitID = unitID
        self.itemID = itemID
    }

    /// Whether this assignment covers `unit` and `item`.
    public func covers(unit: UnitID, item: String) -> Bool {
        (unitID == nil || unitID == unit) && (itemID == nil || itemID == item)
    }
}

/// The facts recorded for one (assessment, unit, item), as a JSON text in the facts-document format,
/// with a version number for optimistic concurrency.
public struct FactsRecord: Sendable, Codable, Equatable {
    /// The assessment.
    public var assessmentID: AssessmentID
    /// The unit.
    public var unitID: UnitID
    /// The scheme item id.
    public var itemID: String
    /// The facts as JSON text (an object).
    public var json: String
    /// Starts at 1 and grows by one per save.
    public var version: Int
    /// Who saved this version.
    public var updatedBy: UserID?
    /// When this version was saved.
    public var updatedAt: Date

    /// Creates a facts record value.
    public init(
        assessmentID: AssessmentID, unitID: UnitID, itemID: String, json: String, version: Int, updatedBy: UserID?,
        updatedAt: Date
    ) {
        self.assessmentID = assessmentID
        self.unitID = unitID
        self.itemID = itemID
        self.json = json
        self.version = version
        self.updatedBy = updatedBy
        self.updatedAt = updatedAt
    }
}

/// One item's facts to write in an import.
public struct FactsWrite: Sendable, Equatable {
    /// The unit.
    public var unitID: UnitID
    /// The scheme item id (or `downgrade`).
    public var itemID: String
    /// The facts as a JSON object.
    public var json: String

    /// Creates a write.
    public init(unitID: UnitID, itemID: String, json: String) {
        self.unitID = unitID
        self.itemID = itemID
        self.json = json
    }
}

/// One finding (incident) recorded against a unit and item, e.g. one late reply.
public struct Finding: Sendable, Codable, Equatable, Identifiable {
    /// The finding's id.
    public var id: FindingID
    /// The assessment.
    public var assessmentID: AssessmentID
    /// The unit.
    public var unitID: UnitID
    /// The scheme item id.
    public var itemID: String
    /// The count fact of the item this finding counts into (nil: not counted, or recorded before facts were named).
    public var factName: String?
    /// When it happened.
    public var date: Day
    /// What happened.
    public var note: String
    /// A reference to evidence (e.g. a stored file's sha256), if any.
    public var evidenceRef: String?
    /// Who recorded it.
    public var createdBy: UserID?
    /// When it was recorded.
    public var createdAt: Date

    /// Creates a finding value.
    public init(
        id: FindingID = .generate(), assessmentID: AssessmentID, unitID: UnitID, itemID: String,
        factName: String? = nil, date: Day, note: String,
        evidenceRef: String? = nil, createdBy: UserID? = nil, createdAt: Date = Date()
    ) {
        self.id = id
        self.assessmentID = assessmentID
        self.unitID = unitID
        self.itemID = itemID
        self.factName = factName
        self.date = date
        self.note = note
        self.evidenceRef = evidenceRef
        self.createdBy = createdBy
        self.createdAt = createdAt
    }
}

/// Who makes a change and why; every mutating storage call takes one and writes it to the audit log.
public struct AuditActor: Sendable, Equatable {
    /// The acting user, or nil for the system itself (first start, migrations, command line).
    public var userID: UserID?
    /// A readable name ("admin", "系统").
    public var name: String
    /// The reason given, if any.
    public var reason: String?

    /// Creates an actor.
    public init(userID: UserID?, name: String, reason: String? = nil) {
        self.userID = userID
        self.name = name
        self.reason = reason
    }

    /// The system itself (command line, first start).
    public static let system = AuditActor(userID: nil, name: "系统")

    /// The actor for a user.
    public static func user(_ user: User, reason: String? = nil) -> AuditActor {
        AuditActor(userID: user.id, name: user.username, reason: reason)
    }
}

/// One row of the append-only, hash-chained audit log.
public struct AuditEntry: Sendable, Codable, Equatable {
    /// Position in the chain, from 1.
    public var seq: Int
    /// When the change was made (whole seconds).
    public var at: Date
    /// The acting user, if any.
    public var actorID: UserID?
    /// The acting user's name at the time.
    public var actorName: String
    /// The entity changed, as `kind:id` (e.g. `unit:…`, `facts:assessment/unit/item`).
    public var entity: String
    /// What was done (`create`, `update`, `state`, `roles`, `password`, …).
    public var action: String
    /// The value before, as JSON text, if any.
    public var oldValue: String?
    /// The value after, as JSON text, if any.
    public var newValue: String?
    /// The reason given, if any.
    public var reason: String?
    /// The hash of the previous entry (64 zeros for the first).
    public var prevHash: String
    /// sha256(prevHash + canonical row), hex.
    public var hash: String

    /// Creates an audit entry value.
    public init(
        seq: Int, at: Date, actorID: UserID?, actorName: String, entity: String, action: String, oldValue: String?,
        newValue: String?, reason: String?, prevHash: String, hash: String
    ) {
        self.seq = seq
        self.at = at
        self.actorID = actorID
        self.actorName = actorName
        self.entity = entity
        self.action = action
        self.oldValue = oldValue
        self.newValue = newValue
        self.reason = reason
        self.prevHash = prevHash
        self.hash = hash
    }

    /// The hash of the empty chain.
    public static let genesisHash = String(repeating: "0", count: 64)

    /// The canonical text of this row that the hash covers: every field but `hash`, in a fixed order,
    /// each as `name=value` with value JSON-string-escaped (`null` when absent), joined by newlines.
    public var canonicalText: String {
        func field(_ name: String, _ value: String?) -> String {
            guard let value else { return "\(name)=null" }
            return "\(name)=\(AuditEntry.jsonEscaped(value))"
        }
        return [
            "seq=\(seq)",
            "at=\(Int(at.timeIntervalSince1970))",
            field("actor_id", actorID?.rawValue),
            field("actor_name", actorName),
            field("entity", entity),
            field("action", action),
            field("old", oldValue),
            field("new", newValue),
            field("reason", reason),
        ].joined(separator: "\n")
    }

    /// The hash this entry must carry given its fields and `prevHash`.
    public var expectedHash: String { SHA256.hex(prevHash + "\n" + canonicalText) }

    static func jsonEscaped(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

/// The result of checking the audit chain.
public enum AuditVerification: Sendable, Equatable {
    /// Every row's hash matches and links to its predecessor.
    case intact(entries: Int)
    /// The first row that does not match, and why.
    case broken(seq: Int, reason: String)
}
