import Foundation

/// Marker types that give each kind of identifier its own Swift type.
public enum IDKind {
    /// Marker for ``OrganizationID``.
    public enum Organization {}
    /// Marker for ``UnitID``.
    public enum AssessedUnit {}
    /// Marker for ``UserID``.
    public enum User {}
    /// Marker for ``AssessmentID``.
    public enum Assessment {}
    /// Marker for ``FindingID``.
    public enum Finding {}
    /// Marker for ``AssignmentID``.
    public enum Assignment {}
    /// Marker for ``APITokenID``.
    public enum APIToken {}
}

/// A string identifier tagged with the kind of entity it names, so that a unit id cannot be
/// passed where a user id is expected.
public struct TypedID<Kind>: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    /// The stored text of the identifier (a lowercase UUID for ids the application generates).
    public let rawValue: String

    /// Wraps an existing identifier text.
    public init(_ rawValue: String) { self.rawValue = rawValue }

    /// Creates a new random identifier.
    public static func generate() -> TypedID<Kind> {
        TypedID(UUID().uuidString.lowercased())
    }

    /// The identifier text.
    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        self.rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public static func < (lhs: TypedID<Kind>, rhs: TypedID<Kind>) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Identifies an organizing body (考核办 / 组织单位).
public typealias OrganizationID = TypedID<IDKind.Organization>
/// Identifies an assessed unit (被考核单位).
public typealias UnitID = TypedID<IDKind.AssessedUnit>
/// Identifies a user account.
public typealias UserID = TypedID<IDKind.User>
/// Identifies an assessment (one scheme, one year).
public typealias AssessmentID = TypedID<IDKind.Assessment>
/// Identifies one recorded finding (incident).
public typealias FindingID = TypedID<IDKind.Finding>
/// Identifies one evaluator assignment.
public typealias AssignmentID = TypedID<IDKind.Assignment>
/// Identifies one API token (not the secret itself).
public typealias APITokenID = TypedID<IDKind.APIToken>
