import Foundation
import KaoheEngine
import KaoheRecords
import KaoheStorage

/// Converts between validated records (``RecordSet``) and their stored form (``StoredRecord``).
public enum RecordCodec {
    /// The stored form of the records of `type` in `set` (fields in the type's order), all or those of `rows`
    /// (write a large set batch by batch, so that only one batch's texts are held at a time).
    public static func stored(_ set: RecordSet, type: RecordType, rows: Range<Int>? = nil) -> [StoredRecord] {
        let range = rows ?? 0..<set[type].count
        return range.map { row in stored(set.record(type, row: row)) }
    }

    /// The stored form of one record.
    public static func stored(_ record: Record) -> StoredRecord {
        StoredRecord(
            type: record.type.rawValue, id: record.id, unitCode: record.unit,
            fields: RecordFields.join(record.values.map(\.description)))
    }

    /// The columns a stored record is read back with: id, unit, then the type's fields.
    public static func headers(_ type: RecordType) -> [String] { ["id", "unit"] + type.fields.map(\.id) }

    /// Adds stored records of one type to `importer` (validated again: what was stored by an older version
    /// of the rules is reported like a bad row).
    public static func load(
        _ records: [StoredRecord], type: RecordType, layout: RecordLayout, into importer: inout RecordImport
    )
        throws(RecordError)
    {
        var bytes: [UInt8] = []
        var bounds: [Int] = []
        for record in records {
            bytes.removeAll(keepingCapacity: true)
            bounds.removeAll(keepingCapacity: true)
            for cell in [record.id, record.unitCode] {
                bounds.append(bytes.count)
                bytes.append(contentsOf: cell.utf8)
                bounds.append(bytes.count)
            }
            RecordFields.appendCells(record.fields, to: &bytes, bounds: &bounds)
            let count = bounds.count / 2
            try bytes.withUnsafeBufferPointer { buffer throws(RecordError) in
                _ = try importer.add(cells: buffer, bounds: bounds, cellCount: count, layout: layout, row: nil)
            }
        }
    }
}

/// The records of each organization, read from the store once per records version and kept (the newest
/// few organizations), so that scoring and bulletins derive from memory.
package final class RecordLibrary: @unchecked Sendable {
    private let lock = NSLock()
    private var sets: [OrganizationID: (version: Int, records: Memo<RecordSet>)] = [:]
    /// The derivations per assessment, records version and window.
    let derivedMemos = MemoTable<DerivationsBox?>(keep: 16)
    /// Bulletin drafts per assessment, data version and request (a draft of a year of records takes seconds).
    let bulletinDrafts = MemoTable<BulletinDocument>(keep: 16)
    /// Published bulletins read back, per assessment and number (a published bulletin never changes).
    let publishedBulletins = MemoTable<PublishedBulletin>(keep: 64)

    func records(
        _ organization: OrganizationID, version: Int, load: @escaping @Sendable () async throws -> RecordSet
    ) async throws -> RecordSet {
        let memo: Memo<RecordSet> = lock.withLock {
            if let entry = sets[organization], entry.version == version { return entry.records }
            let memo = Memo<RecordSet>()
            if sets.count >= 8, sets[organization] == nil, let oldest = sets.keys.first { sets[oldest] = nil }
            sets[organization] = (version, memo)
            return memo
        }
        return try await memo.value(load)
    }
}

extension Operations {
    /// The organization's platform records as a ``RecordSet`` (from memory while none was written).
    public func recordSet(of organization: OrganizationID) async throws -> RecordSet {
        let version = try await store.recordsVersion(organization: organization)
        let store = self.store
        let calendar = try SchemeCatalog(deps).calendar()
        return try await deps.records.records(organization, version: version) {
            var importer = RecordImport(years: calendar.years)
            let counts = try await store.recordCounts(organization: organization)
            for type in RecordType.allCases where (counts[type.rawValue] ?? 0) > 0 {
                let layout = try Self.recordLayout(type)
                importer.beginFile("已存记录（\(type.rawValue)）")
                let box = ImporterBox(importer)
                try await store.forEachRecordPage(organization: organization, type: type.rawValue, pageSize: 20_000) {
                    page in
                    try box.load(page, type: type, layout: layout)
                }
                importer = box.importer
            }
            return importer.records
        }
    }

    static func recordLayout(_ type: RecordType) throws -> RecordLayout {
        do { return try RecordLayout(type: type, headers: RecordCodec.headers(type)) } catch {
            throw AppError.internalFailure("记录类型 \(type.rawValue) 的存储列无法识别：\(error)")
        }
    }
}

/// Carries an importer through the store's `@Sendable` page callback (pages arrive one after another).
final class ImporterBox: @unchecked Sendable {
    var importer: RecordImport
    init(_ importer: RecordImport) { self.importer = importer }

    func load(_ page: [StoredRecord], type: RecordType, layout: RecordLayout) throws {
        do { try RecordCodec.load(page, type: type, layout: layout, into: &importer) } catch {
            throw AppError.internalFailure("已存的记录无法读取：\(error)")
        }
    }
}

/// Memos by key, the newest `keep` keys kept (a computed value stays valid for its key, which carries the
/// versions it depends on).
package final class MemoTable<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private let keep: Int
    private var memos: [String: Memo<Value>] = [:]
    private var order: [String] = []

    init(keep: Int) { self.keep = keep }

    /// The memo under `key`, new when there is none.
    func memo(_ key: String) -> Memo<Value> {
        lock.withLock {
            if let memo = memos[key] { return memo }
            let memo = Memo<Value>()
            memos[key] = memo
            order.append(key)
            if order.count > keep { memos[order.removeFirst()] = nil }
            return memo
        }
    }

    /// Forgets the memos whose keys match.
    func forget(where matches: (String) -> Bool) {
        lock.withLock {
            for key in order where matches(key) { memos[key] = nil }
            order.removeAll(where: matches)
        }
    }
}

/// A published bulletin as stored, with its document read.
struct PublishedBulletin: Sendable {
    var stored: StoredBulletin
    var document: BulletinDocument
}
