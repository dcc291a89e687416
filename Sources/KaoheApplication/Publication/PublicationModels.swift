import Foundation
import KaoheEngine
import KaoheFormats
import KaoheStorage

/// One unit in a published version.
public struct PublishedUnit: Sendable, Equatable {
    /// The unit code (the id in the results document).
    public var code: String
    /// The unit name.
    public var name: String
    /// Total, rank and grade.
    public var total: String, rank: Int?, grade: String?
    /// Item scores and explanations by item id.
    public var items: [String: (score: String, explanation: String)]

    public static func == (lhs: PublishedUnit, rhs: PublishedUnit) -> Bool {
        lhs.code == rhs.code && lhs.name == rhs.name && lhs.total == rhs.total && lhs.rank == rhs.rank
            && lhs.grade == rhs.grade && lhs.items.mapValues(\.score) == rhs.items.mapValues(\.score)
    }

    /// Reads the units of a results document (the `kaohe score` format).
    public static func parse(_ results: String) -> [PublishedUnit] {
        guard let root = try? JSONParser.parse(results), case .array(let units)? = root["units"]?.value else {
            return []
        }
        func text(_ node: JSONNode?) -> String? {
            switch node?.value {
            case .number(let n)?: n
            case .string(let s)?: s
            default: nil
            }
        }
        return units.map { unit in
            var items: [String: (String, String)] = [:]
            if case .object(let members)? = unit["items"]?.value {
                for (key, node) in members {
                    // A pending item has no score yet, whatever number the document carries.
                    let pending = text(node["state"]) == "pending"
                    items[key] = (pending ? "待评" : text(node["score"]) ?? "—", text(node["explain"]) ?? "")
                }
            }
            return PublishedUnit(
                code: text(unit["id"]) ?? "", name: text(unit["name"]) ?? "", total: text(unit["total"]) ?? "—",
                rank: text(unit["rank"]).flatMap { Int($0) }, grade: text(unit["grade"]), items: items)
        }
    }
}

/// Two published versions side by side.
public struct PublicationComparison: Sendable {
    /// The assessment.
    public var assessment: Assessment
    /// Every version (for the pickers).
    public var versions: [Publication]
    /// The two compared versions.
    public var left: Publication, right: Publication
    /// Rows by unit code: the unit in each version (nil when absent).
    public var rows: [(code: String, left: PublishedUnit?, right: PublishedUnit?)]
    /// The scheme's items, for item-level differences.
    public var scheme: Scheme
}

/// The publication page: versions, objections.
public struct PublicationsPage: Sendable {
    /// The assessment.
    public var assessment: Assessment
    /// Versions, oldest first (without results).
    public var versions: [Publication]
    /// Objections visible to the viewer.
    public var objections: [Objection]
    /// Units by id.
    public var units: [UnitID: AssessedUnit]
    /// Whether the viewer may publish and answer.
    public var canManage: Bool
    /// Whether the current results differ from the latest version.
    public var hasUnpublishedChanges: Bool
    /// The scheme.
    public var scheme: Scheme
    /// Names of users.
    public var userNames: [UserID: String]
}
