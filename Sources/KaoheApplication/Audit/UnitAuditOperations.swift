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

    /// The entries of a unit that `user` may see, by the rules of the pages they come from: `evidence:`
    /// entries only for files the user may download (``EvidenceScope/maySee(_:)``), ids and hashes of other
    /// hidden files blanked out of the remaining entries' values; for leaders (results only) no
    /// self-assessment, submission, review, objection or evidence entries.
    func visibleAuditEntries(_ entries: [AuditEntry], _ assessment: Assessment, _ unit: AssessedUnit, for user: User)
        async throws -> [AuditEntry]
    {
        let scope = try await EvidenceScope.of(assessment, unit, for: user, store: store)
        let seesSelfAssessment = !(user.has(.leader) && !user.can(.review) && !actsFor(unit, user: user))
        let files = try await store.evidence(assessment: assessment.id, unit: unit.id)
        let byID = Dictionary(files.map { ($0.id.rawValue, $0) }, uniquingKeysWith: { a, _ in a })
        let visible = files.filter { scope?.maySee($0) ?? false }
        let visibleHashes = Set(visible.map(\.sha256))
        let visibleIDs = Set(visible.map(\.id.rawValue))
        var marks = Set<String>()
        for file in files where !visibleIDs.contains(file.id.rawValue) {
            marks.insert(file.id.rawValue)
            if !visibleHashes.contains(file.sha256) { marks.insert(file.sha256) }
        }
        let hiddenKinds: Set<String> = ["self", "submission", "review", "objection", "evidence"]
        return entries.compactMap { entry in
            let kind = entry.entity.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
            if !seesSelfAssessment && hiddenKinds.contains(kind) { return nil }
            if kind == "evidence" {
                guard let scope, let id = Self.evidenceID(in: entry), let file = byID[id], scope.maySee(file) else {
                    return nil
                }
                return entry
            }
            guard !marks.isEmpty else { return entry }
            var entry = entry
            entry.oldValue = entry.oldValue.map { Self.blank(marks, in: $0) }
            entry.newValue = entry.newValue.map { Self.blank(marks, in: $0) }
            entry.reason = entry.reason.map { Self.blank(marks, in: $0) }
            return entry
        }
    }

    /// The evidence id an `evidence:` entry is about (its old or new record's `id`).
    static func evidenceID(in entry: AuditEntry) -> String? {
        for text in [entry.newValue, entry.oldValue].compactMap({ $0 }) {
            if let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                let id = object["id"] as? String
            {
                return id
            }
        }
        return nil
    }

    /// `text` with every one of `marks` replaced by `（已隐藏）`.
    static func blank(_ marks: Set<String>, in text: String) -> String {
        marks.reduce(text) { $0.replacingOccurrences(of: $1, with: "（已隐藏）") }
    }

    /// The change history of a unit for its audit page. Whoever may open the unit's scoring page may see it
    /// (reporters: their own unit only; a unit not taking part is not found), filtered by
    /// ``visibleAuditEntries(_:_:_:for:)``.
    public func unitAudit(_ id: String, unit unitText: String, for user: User) async throws -> UnitAudit {
        let (assessment, unit) = try await factsScope(id, unit: unitText, for: user)
        let scheme = try await self.scheme(of: assessment)
        let entries = try await visibleAuditEntries(
            try await unitAuditEntries(assessment.id, unit.id, limit: Self.unitAuditLimit + 1), assessment, unit,
            for: user)
        return UnitAudit(
            assessment: assessment, unit: unit, scheme: scheme, entries: Array(entries.suffix(Self.unitAuditLimit)),
            truncated: entries.count > Self.unitAuditLimit)
    }
}
