import Foundation

/// One platform record (`shared/spec/records.md`) as stored: its type and id (unique per organization and
/// type), the unit's code, and the field values in the type's field order, tab-separated
/// (``RecordFields``). The storage layer does not interpret the fields; the application validates them.
public struct StoredRecord: Sendable, Equatable {
    /// The record type id (`case`, `consultation`, …).
    public var type: String
    /// The record's id.
    public var id: String
    /// The unit's code.
    public var unitCode: String
    /// The field values, see ``RecordFields``.
    public var fields: String

    /// Creates a stored record value.
    public init(type: String, id: String, unitCode: String, fields: String) {
        self.type = type
        self.id = id
        self.unitCode = unitCode
        self.fields = fields
    }
}

/// The text encoding of a record's field values: one cell per field, in the type's field order, joined by
/// tabs; a tab, a line break or a backslash inside a value is escaped (`\t`, `\n`, `\r`, `\\`).
public enum RecordFields {
    // Byte by byte on UTF-8 (a million records are joined on import and split when read back; by Characters
    // that took most of the read-back time). The escaped bytes are all ASCII, so no multi-byte sequence is cut.
    private static let tab = UInt8(ascii: "\t"), backslash = UInt8(ascii: "\\")

    /// Joins the values.
    public static func join(_ values: [String]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(values.reduce(values.count) { $0 + $1.utf8.count })
        for (index, value) in values.enumerated() {
            if index > 0 { bytes.append(tab) }
            for byte in value.utf8 {
                switch byte {
                case tab: bytes += [backslash, UInt8(ascii: "t")]
                case UInt8(ascii: "\n"): bytes += [backslash, UInt8(ascii: "n")]
                case UInt8(ascii: "\r"): bytes += [backslash, UInt8(ascii: "r")]
                case backslash: bytes += [backslash, backslash]
                default: bytes.append(byte)
                }
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Splits the values (the inverse of ``join(_:)``).
    public static func split(_ text: String) -> [String] {
        var bytes: [UInt8] = []
        var bounds: [Int] = []
        appendCells(text, to: &bytes, bounds: &bounds)
        return stride(from: 0, to: bounds.count, by: 2).map {
            String(decoding: bytes[bounds[$0]..<bounds[$0 + 1]], as: UTF8.self)
        }
    }

    /// Appends the values of `text` unescaped to `bytes`, and each value's start and end offsets to `bounds`
    /// (``split(_:)`` without making strings: what a reader that takes byte cells needs).
    public static func appendCells(_ text: String, to bytes: inout [UInt8], bounds: inout [Int]) {
        var text = text
        text.withUTF8 { utf8 in
            bounds.append(bytes.count)
            var escaped = false
            for byte in utf8 {
                if escaped {
                    switch byte {
                    case UInt8(ascii: "t"): bytes.append(tab)
                    case UInt8(ascii: "n"): bytes.append(UInt8(ascii: "\n"))
                    case UInt8(ascii: "r"): bytes.append(UInt8(ascii: "\r"))
                    default: bytes.append(byte)
                    }
                    escaped = false
                } else if byte == backslash {
                    escaped = true
                } else if byte == tab {
                    bounds.append(bytes.count)
                    bounds.append(bytes.count)
                } else {
                    bytes.append(byte)
                }
            }
            bounds.append(bytes.count)
        }
    }
}

/// How many records one write added, changed and left as they were.
public struct RecordWriteCounts: Sendable, Equatable, Codable {
    /// Records with an id not stored before.
    public var new: Int
    /// Records that replaced a stored one with other values.
    public var changed: Int
    /// Records equal to the stored one.
    public var unchanged: Int

    /// Creates counts.
    public init(new: Int = 0, changed: Int = 0, unchanged: Int = 0) {
        self.new = new
        self.changed = changed
        self.unchanged = unchanged
    }

    /// All records of the write.
    public var total: Int { new + changed + unchanged }

    /// Adds another write's counts.
    public static func + (lhs: Self, rhs: Self) -> Self {
        Self(new: lhs.new + rhs.new, changed: lhs.changed + rhs.changed, unchanged: lhs.unchanged + rhs.unchanged)
    }
}

/// One import of records: who, which file, its SHA-256 and the counts. Audited when it completes.
public struct RecordImportLog: Sendable, Equatable, Codable {
    /// The import's id (also in the audit entries of its batches).
    public var id: String
    /// The organization whose records these are.
    public var organizationID: OrganizationID
    /// The file name as uploaded or given, or a description (`API`).
    public var fileName: String
    /// The SHA-256 of the file's bytes, lowercase hex.
    public var sha256: String
    /// The record types the file held.
    public var types: [String]
    /// The counts.
    public var counts: RecordWriteCounts
    /// The units whose records changed (codes).
    public var touchedUnits: [String]
    /// Who imported.
    public var userID: UserID?
    /// When the import completed.
    public var createdAt: Date

    /// Creates an import log value.
    public init(
        id: String = UUID().uuidString.lowercased(), organizationID: OrganizationID, fileName: String,
        sha256: String, types: [String], counts: RecordWriteCounts, touchedUnits: [String], userID: UserID?,
        createdAt: Date
    ) {
        self.id = id
        self.organizationID = organizationID
        self.fileName = fileName
        self.sha256 = sha256
        self.types = types
        self.counts = counts
        self.touchedUnits = touchedUnits
        self.userID = userID
        self.createdAt = createdAt
    }
}

/// An evaluator's value for a fact that is derived from records, with the reason (kept beside the derived
/// value; audited).
public struct FactOverride: Sendable, Equatable, Codable {
    public var assessmentID: AssessmentID
    public var unitID: UnitID
    public var itemID: String
    public var factName: String
    /// The value as JSON in the facts format (e.g. `3`, `0.95`, `[{"received": …}]`).
    public var valueJSON: String
    /// Why the derived value does not stand.
    public var reason: String
    public var userID: UserID?
    public var createdAt: Date

    /// Creates an override value.
    public init(
        assessmentID: AssessmentID, unitID: UnitID, itemID: String, factName: String, valueJSON: String,
        reason: String, userID: UserID?, createdAt: Date
    ) {
        self.assessmentID = assessmentID
        self.unitID = unitID
        self.itemID = itemID
        self.factName = factName
        self.valueJSON = valueJSON
        self.reason = reason
        self.userID = userID
        self.createdAt = createdAt
    }
}

/// A published monthly or quarterly bulletin (月度通报), frozen: its body is the JSON document as shown.
public struct StoredBulletin: Sendable, Equatable, Codable {
    public var assessmentID: AssessmentID
    /// 1, 2, … within the assessment (the “第3期”).
    public var number: Int
    /// E.g. `2023年第3期（2023年3月）`.
    public var title: String
    /// The period the bulletin covers, e.g. `2023-03` or `2023-Q1`.
    public var period: String
    /// The as-of date of its facts (`YYYY-MM-DD`).
    public var asOf: String
    /// The frozen document (JSON).
    public var body: String
    public var publishedBy: UserID?
    public var publishedAt: Date

    /// Creates a bulletin value.
    public init(
        assessmentID: AssessmentID, number: Int, title: String, period: String, asOf: String, body: String,
        publishedBy: UserID?, publishedAt: Date
    ) {
        self.assessmentID = assessmentID
        self.number = number
        self.title = title
        self.period = period
        self.asOf = asOf
        self.body = body
        self.publishedBy = publishedBy
        self.publishedAt = publishedAt
    }
}

/// Storage of platform records, header mappings, overrides of derived facts and bulletins.
public protocol RecordStore: Sendable {
    /// Writes one batch of an import in one transaction (insert, or replace when the values differ) with one
    /// audit entry for the batch (`records:<organization>`), and returns its counts. Records of one batch
    /// have distinct (type, id).
    func writeRecords(_ records: [StoredRecord], organization: OrganizationID, importID: String, by actor: AuditActor)
        async throws -> RecordWriteCounts
    /// Records a completed import (audited with file name, SHA-256 and counts).
    func finishRecordImport(_ log: RecordImportLog, by actor: AuditActor) async throws
    /// The organization's imports, newest first.
    func recordImports(organization: OrganizationID, limit: Int) async throws -> [RecordImportLog]
    /// Calls `body` with the organization's records of a type in pages of up to `pageSize`, ordered by id.
    func forEachRecordPage(
        organization: OrganizationID, type: String, pageSize: Int, _ body: @Sendable ([StoredRecord]) throws -> Void
    ) async throws
    /// The records of a type with these ids (those that exist).
    func records(organization: OrganizationID, type: String, ids: [String]) async throws -> [StoredRecord]
    /// How many records of each type the organization has.
    func recordCounts(organization: OrganizationID) async throws -> [String: Int]
    /// A number that grows with every write of the organization's records (0 before any).
    func recordsVersion(organization: OrganizationID) async throws -> Int

    /// The header → field mappings remembered for a record type.
    func headerMappings(organization: OrganizationID, type: String) async throws -> [String: String]
    /// Remembers header → field mappings for a record type (audited).
    func saveHeaderMappings(
        _ mappings: [String: String], organization: OrganizationID, type: String, by actor: AuditActor
    ) async throws

    /// Overrides of derived facts in an assessment.
    func factOverrides(assessment: AssessmentID) async throws -> [FactOverride]
    /// Sets (or with a nil value removes) an override; audited with the old and new value and the reason.
    func setFactOverride(
        assessment: AssessmentID, unit: UnitID, item: String, fact: String, valueJSON: String?, reason: String,
        by actor: AuditActor
    ) async throws

    /// Publishes a bulletin under the next number (audited); the number is assigned in the transaction. A
    /// positive `bulletin.number` (one the caller wrote into the title and body) must be that next number, else
    /// ``StorageError/duplicate(what:value:)`` is thrown and nothing is written; 0 takes whatever is next.
    func publishBulletin(_ bulletin: StoredBulletin, by actor: AuditActor) async throws -> StoredBulletin
    /// The published bulletins of an assessment, oldest first (bodies included).
    func bulletins(assessment: AssessmentID) async throws -> [StoredBulletin]
}
