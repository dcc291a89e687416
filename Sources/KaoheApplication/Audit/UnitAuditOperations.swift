import Foundation
import KaoheEngine
import KaoheStorage

/// The change history of one assessed unit: every audit entry whose entity lies under
/// `<assessment>/<unit>` (`facts:`, `finding:`, `self:`, `review:`, `evidence:`, `objection:` per item,
/// `workflow:` and `submission:` for the unit as a whole).
public struct UnitAudit: Sendable {
    /// The assessment.
    public var assessment: Assessment
    /// The unit.
    public var unit: AssessedUnit
    /// The scheme (for item names).
    public var scheme: Scheme
    /// The entries, oldest first.
    public var entries: [AuditEntry]
    /// Whether older entries were left out (more than ``Operations/unitAuditLimit``).
    public var truncated: Bool

    /// The audit scope of a unit: `<assessment>/<unit>`.
    public static func scope(_ assessment: AssessmentID, _ unit: UnitID) -> String { "\(assessment)/\(unit)" }

    /// The item an entry of `scope` is about (`facts:A/U/3` → `3`), or nil for the unit as a whole.
    public static func item(of entry: AuditEntry, scope: String) -> String? {
        guard let colon = entry.entity.firstIndex(of: ":") else { return nil }
        let id = entry.entity[entry.entity.index(after: colon)...]
        guard id.hasPrefix(scope + "/") else { return nil }
        let item = id.dropFirst(scope.count + 1)
        return item.isEmpty ? nil : String(item)
    }

    /// The entries by item, oldest first (entries of the unit as a whole are left out).
    public static func byItem(_ entries: [AuditEntry], scope: String) -> [String: [AuditEntry]] {
        var result: [String: [AuditEntry]] = [:]
        for entry in entries {
            if let item = item(of: entry, scope: scope) { result[item, default: []].append(entry) }
        }
        return result
    }

    /// What kind of record an entry changed, in Chinese (`facts` → 事实).
    public static func kindLabel(_ entry: AuditEntry) -> String {
        let kind = entry.entity.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
        switch kind {
        case "facts": return "事实"
        case "finding": return "问题记录"
        case "self": return "自评"
        case "review": return "审核"
        case "evidence": return "佐证材料"
        case "objection": return "异议"
        case "workflow": return "流程"
        case "submission": return "自评提交"
        default: return kind
        }
    }

    /// The action in Chinese where it is one of the common ones, else as recorded.
    public static func actionLabel(_ action: String) -> String {
        switch action {
        case "create": "新建"
        case "update": "修改"
        case "import": "导入"
        case "submit": "提交"
        case "extend": "延期"
        default: action
        }
    }
}

extension Operations {
    /// At most this many entries are read for one unit (the newest).
    public static let unitAuditLimit = 5000

    /// The newest audit entries of a unit (oldest first), one query.
    func unitAuditEntries(_ assessment: AssessmentID, _ unit: UnitID, limit: Int = Operations.unitAuditLimit)
        async throws -> [AuditEntry]
    {
        try await store.auditLog(scope: UnitAudit.scope(assessment, unit), limit: limit)
    }

    /// The change history of a unit for its audit page. Whoever may open the unit's scoring page may see it
    /// (reporters: their own unit only; a unit not taking part is not found).
    public func unitAudit(_ id: String, unit unitText: String, for user: User) async throws -> UnitAudit {
        let (assessment, unit) = try await factsScope(id, unit: unitText, for: user)
        let scheme = try await self.scheme(of: assessment)
        let entries = try await unitAuditEntries(assessment.id, unit.id, limit: Self.unitAuditLimit + 1)
        return UnitAudit(
            assessment: assessment, unit: unit, scheme: scheme, entries: Array(entries.suffix(Self.unitAuditLimit)),
            truncated: entries.count > Self.unitAuditLimit)
    }
}
