import Foundation
import KaoheStorage
import NIOCore
import PostgresKit
import SQLKit

// Records in bulk on PostgreSQL, each step the same rows and counts as the portable path that SQLite keeps:
// - writes: the batch is streamed with COPY into a session-local table, compared with the stored records and
//   written in one upsert, inside the caller's transaction. COPY is what makes a million-row import fit its
//   minute on PostgreSQL, where binding 15,000 parameters a statement does not;
// - reads: pages are decoded by PostgresNIO as typed tuples, not column by column by name through SQLKit
//   (reading 1,300,000 records back took 20 s that way; the server itself sends them in under 2 s).
extension SQLStore {
    /// Writes one type's records with COPY when `db` is a PostgreSQL connection; nil on SQLite.
    static func copyRecords(
        _ db: any SQLDatabase, _ records: ArraySlice<StoredRecord>, organization: OrganizationID, type: String,
        importID: String
    ) async throws -> (counts: RecordWriteCounts, touched: Set<String>)? {
        guard let postgres = db as? any PostgresDatabase else { return nil }
        try await db.raw(
            """
            CREATE TEMPORARY TABLE IF NOT EXISTS incoming_records (
                record_id TEXT NOT NULL, unit_code TEXT NOT NULL, fields TEXT NOT NULL) ON COMMIT DELETE ROWS
            """
        ).run()
        // The table is emptied at each commit; a batch of several types in one transaction empties it itself
        // (DELETE: TRUNCATE would give the table a new file each time).
        try await db.raw("DELETE FROM incoming_records").run()
        try await postgres.withConnection { connection in
            connection.eventLoop.makeFutureWithTask {
                try await connection.copyFrom(
                    table: "incoming_records", columns: ["record_id", "unit_code", "fields"], logger: connection.logger
                ) { writer in
                    var buffer = ByteBufferAllocator().buffer(capacity: 64 * 1024)
                    for record in records {
                        Self.appendCopyField(record.id, to: &buffer)
                        buffer.writeInteger(UInt8(ascii: "\t"))
                        Self.appendCopyField(record.unitCode, to: &buffer)
                        buffer.writeInteger(UInt8(ascii: "\t"))
                        Self.appendCopyField(record.fields, to: &buffer)
                        buffer.writeInteger(UInt8(ascii: "\n"))
                        if buffer.readableBytes >= 60 * 1024 {
                            try await writer.write(buffer)
                            buffer.clear()
                        }
                    }
                    if buffer.readableBytes > 0 { try await writer.write(buffer) }
                }
            }
        }.get()
        let org = organization.rawValue
        let differing: SQLQueryString = """
            FROM incoming_records i LEFT JOIN platform_records p ON p.organization_id = \(bind: org)
            AND p.record_type = \(bind: type) AND p.record_id = i.record_id
            WHERE p.record_id IS NULL OR p.unit_code <> i.unit_code OR p.fields <> i.fields
            """
        var counts = RecordWriteCounts()
        var touched = Set<String>()
        for row in try await db.raw(
            """
            SELECT i.unit_code AS new_unit, p.unit_code AS old_unit, COUNT(*) AS n \(differing)
            GROUP BY i.unit_code, p.unit_code
            """
        ).all() {
            let n = try row.decode(column: "n", as: Int.self)
            touched.insert(try row.decode(column: "new_unit", as: String.self))
            if let old = try row.decode(column: "old_unit", as: String?.self) {
                counts.changed += n
                touched.insert(old)
            } else {
                counts.new += n
            }
        }
        counts.unchanged = records.count - counts.new - counts.changed
        guard counts.new + counts.changed > 0 else { return (counts, touched) }
        try await db.raw(
            """
            INSERT INTO platform_records (organization_id, record_type, record_id, unit_code, fields, import_id)
            SELECT \(bind: org), \(bind: type), i.record_id, i.unit_code, i.fields, \(bind: importID) \(differing)
            ON CONFLICT (organization_id, record_type, record_id) DO UPDATE SET unit_code = excluded.unit_code,
            fields = excluded.fields, import_id = excluded.import_id
            """
        ).run()
        return (counts, touched)
    }

    /// One page of `forEachRecordPage` when `db` is a PostgreSQL connection; nil on SQLite.
    static func postgresRecordPage(
        _ db: any SQLDatabase, organization: OrganizationID, type: String, after: String, limit: Int
    ) async throws -> [StoredRecord]? {
        guard let postgres = db as? any PostgresDatabase else { return nil }
        let org = organization.rawValue
        return try await postgres.withConnection { connection in
            connection.eventLoop.makeFutureWithTask {
                let rows = try await connection.query(
                    """
                    SELECT record_id, unit_code, fields FROM platform_records
                    WHERE organization_id = \(org) AND record_type = \(type) AND record_id > \(after)
                    ORDER BY record_id LIMIT \(limit)
                    """, logger: connection.logger)
                var page: [StoredRecord] = []
                page.reserveCapacity(limit)
                for try await (id, unit, fields) in rows.decode((String, String, String).self) {
                    page.append(StoredRecord(type: type, id: id, unitCode: unit, fields: fields))
                }
                return page
            }
        }.get()
    }

    /// Appends `text` as one field of COPY's text format: backslash, tab, newline and carriage return escaped.
    static func appendCopyField(_ text: String, to buffer: inout ByteBuffer) {
        var text = text
        text.withUTF8 { bytes in
            var start = 0
            for (index, byte) in bytes.enumerated() {
                let escaped: UInt8
                switch byte {
                case UInt8(ascii: "\\"): escaped = UInt8(ascii: "\\")
                case UInt8(ascii: "\t"): escaped = UInt8(ascii: "t")
                case UInt8(ascii: "\n"): escaped = UInt8(ascii: "n")
                case UInt8(ascii: "\r"): escaped = UInt8(ascii: "r")
                default: continue
                }
                buffer.writeBytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[start..<index])))
                buffer.writeInteger(UInt8(ascii: "\\"))
                buffer.writeInteger(escaped)
                start = index + 1
            }
            buffer.writeBytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[start...])))
        }
    }
}
