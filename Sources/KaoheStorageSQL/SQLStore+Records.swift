import Foundation
import KaoheStorage
import SQLKit

extension SQLStore {
    /// Records per statement: a write binds 3 values a record (the organization, type and import once), so
    /// 5,000 records stay below the parameter limits of SQLite (32,766) and PostgreSQL (65,535); measured on
    /// PostgreSQL, 5,000-record statements with 3 values a record take about 40 % less server time than
    /// 1,000-record statements with 6.
    static let recordStatementSize = 5000

    public func writeRecords(
        _ records: [StoredRecord], organization: OrganizationID, importID: String, by actor: AuditActor
    ) async throws -> RecordWriteCounts {
        guard !records.isEmpty else { return RecordWriteCounts() }
        for record in records {
            try requireText(record.id, field: "记录编号（\(record.type)）")
            try requireText(record.unitCode, field: "单位编码（\(record.type) \(record.id)）")
        }
        return try await transaction { db in
            var counts = RecordWriteCounts()
            var touched = Set<String>()
            let byType = Dictionary(grouping: records, by: \.type)
            for type in byType.keys.sorted() {
                let ofType = byType[type] ?? []
                if let copied = try await Self.copyRecords(
                    db, ofType[...], organization: organization, type: type, importID: importID)
                {
                    counts = counts + copied.counts
                    touched.formUnion(copied.touched)
                    continue
                }
                var start = 0
                while start < ofType.count {
                    let chunk = ofType[start..<min(start + Self.recordStatementSize, ofType.count)]
                    start += chunk.count
                    let stored = try await Self.storedRecords(
                        db, organization: organization, type: type, ids: chunk.map(\.id))
                    var writes: [SQLQueryString] = []
                    writes.reserveCapacity(chunk.count)
                    for record in chunk {
                        if let old = stored[record.id] {
                            if old.unitCode == record.unitCode && old.fields == record.fields {
                                counts.unchanged += 1
                                continue
                            }
                            counts.changed += 1
                            touched.insert(old.unitCode)
                        } else {
                            counts.new += 1
                        }
                        touched.insert(record.unitCode)
                        writes.append("(\(bind: record.id), \(bind: record.unitCode), \(bind: record.fields))")
                    }
                    guard !writes.isEmpty else { continue }
                    // `WHERE true` tells SQLite's parser that ON CONFLICT belongs to the INSERT, not to a join.
                    try await db.raw(
                        """
                        INSERT INTO platform_records (organization_id, record_type, record_id, unit_code, fields, import_id)
                        SELECT \(bind: organization.rawValue), \(bind: type), column1, column2, column3, \(bind: importID)
                        FROM (VALUES \(writes.joined(separator: ", "))) AS incoming WHERE true
                        ON CONFLICT (organization_id, record_type, record_id) DO UPDATE SET unit_code = excluded.unit_code,
                        fields = excluded.fields, import_id = excluded.import_id
                        """
                    ).run()
                }
            }
            guard counts.new + counts.changed > 0 else { return counts }
            try await db.raw(
                """
                INSERT INTO record_versions (organization_id, version) VALUES (\(bind: organization.rawValue), 1)
                ON CONFLICT (organization_id) DO UPDATE SET version = record_versions.version + 1
                """
            ).run()
            let summary = RecordBatchAudit(
                importID: importID, types: byType.keys.sorted(), counts: counts, units: touched.sorted())
            try await self.audit(
                db, actor, entity: "records:\(organization)", action: "import-batch", old: nil, new: Self.json(summary))
            return counts
        }
    }

    /// The stored records of one type with the given ids (at most ``recordStatementSize``), by id.
    private static func storedRecords(
        _ db: any SQLDatabase, organization: OrganizationID, type: String, ids: [String]
    ) async throws -> [String: StoredRecord] {
        var stored: [String: StoredRecord] = [:]
        stored.reserveCapacity(ids.count)
        for row in try await db.raw(
            """
            SELECT record_id, unit_code, fields FROM platform_records
            WHERE organization_id = \(bind: organization.rawValue) AND record_type = \(bind: type)
            AND record_id IN (\(binds: ids))
            """
        ).all() {
            let record = try Self.storedRecord(row, type: type)
            stored[record.id] = record
        }
        return stored
    }

    /// A `record_id, unit_code, fields` row.
    static func storedRecord(_ row: any SQLRow, type: String) throws -> StoredRecord {
        StoredRecord(
            type: type, id: try row.decode(column: "record_id", as: String.self),
            unitCode: try row.decode(column: "unit_code", as: String.self),
            fields: try row.decode(column: "fields", as: String.self))
    }

    public func finishRecordImport(_ log: RecordImportLog, by actor: AuditActor) async throws {
        try await transaction { db in
            try await db.raw(
                """
                INSERT INTO record_imports (id, organization_id, file_name, sha256, record_types, new_count,
                changed_count, unchanged_count, touched_units, user_id, created_at)
                VALUES (\(bind: log.id), \(bind: log.organizationID.rawValue), \(bind: log.fileName), \(bind: log.sha256),
                \(bind: log.types.joined(separator: ",")), \(bind: log.counts.new), \(bind: log.counts.changed),
                \(bind: log.counts.unchanged), \(bind: log.touchedUnits.joined(separator: ",")), \(bind: log.userID?.rawValue),
                \(bind: Self.seconds(log.createdAt)))
                """
            ).run()
            var audited = log
            audited.touchedUnits = []
            try await self.audit(
                db, actor, entity: "records:\(log.organizationID)/import/\(log.id)", action: "import", old: nil,
                new: Self.json(audited))
        }
    }

    public func recordImports(organization: OrganizationID, limit: Int) async throws -> [RecordImportLog] {
        try await read { db in
            try await db.raw(
                """
                SELECT * FROM record_imports WHERE organization_id = \(bind: organization.rawValue)
                ORDER BY created_at DESC, id LIMIT \(bind: limit)
                """
            ).all().map { row in
                func text(_ column: String) throws -> [String] {
                    try row.decode(column: column, as: String.self).split(separator: ",").map(String.init)
                }
                return RecordImportLog(
                    id: try row.decode(column: "id", as: String.self), organizationID: organization,
                    fileName: try row.decode(column: "file_name", as: String.self),
                    sha256: try row.decode(column: "sha256", as: String.self), types: try text("record_types"),
                    counts: RecordWriteCounts(
                        new: try row.decode(column: "new_count", as: Int.self),
                        changed: try row.decode(column: "changed_count", as: Int.self),
                        unchanged: try row.decode(column: "unchanged_count", as: Int.self)),
                    touchedUnits: try text("touched_units"),
                    userID: try row.decode(column: "user_id", as: String?.self).map(UserID.init),
                    createdAt: Self.date(try row.decode(column: "created_at", as: Int.self)))
            }
        }
    }

    public func forEachRecordPage(
        organization: OrganizationID, type: String, pageSize: Int, _ body: @Sendable ([StoredRecord]) throws -> Void
    ) async throws {
        var after = ""
        while true {
            let page = try await read { [after] db in
                if let page = try await Self.postgresRecordPage(
                    db, organization: organization, type: type, after: after, limit: pageSize)
                {
                    return page
                }
                return try await db.raw(
                    """
                    SELECT record_id, unit_code, fields FROM platform_records
                    WHERE organization_id = \(bind: organization.rawValue) AND record_type = \(bind: type)
                    AND record_id > \(bind: after) ORDER BY record_id LIMIT \(bind: pageSize)
                    """
                ).all().map { try Self.storedRecord($0, type: type) }
            }
            guard let last = page.last else { return }
            try body(page)
            if page.count < pageSize { return }
            after = last.id
        }
    }

    public func records(organization: OrganizationID, type: String, ids: [String]) async throws -> [StoredRecord] {
        guard !ids.isEmpty else { return [] }
        var result: [StoredRecord] = []
        var start = 0
        while start < ids.count {
            let chunk = Array(ids[start..<min(start + Self.recordStatementSize, ids.count)])
            start += chunk.count
            result += try await read { db in
                try await db.raw(
                    """
                    SELECT record_id, unit_code, fields FROM platform_records
                    WHERE organization_id = \(bind: organization.rawValue) AND record_type = \(bind: type)
                    AND record_id IN (\(binds: chunk))
                    """
                ).all().map { try Self.storedRecord($0, type: type) }
            }
        }
        return result
    }

    public func recordCounts(organization: OrganizationID) async throws -> [String: Int] {
        try await read { db in
            var counts: [String: Int] = [:]
            for row in try await db.raw(
                """
                SELECT record_type, COUNT(*) AS n FROM platform_records WHERE organization_id = \(bind: organization.rawValue)
                GROUP BY record_type
                """
            ).all() {
                counts[try row.decode(column: "record_type", as: String.self)] = try row.decode(
                    column: "n", as: Int.self)
            }
            return counts
        }
    }

    public func recordsVersion(organization: OrganizationID) async throws -> Int {
        try await read { db in
            try await db.raw(
                "SELECT version FROM record_versions WHERE organization_id = \(bind: organization.rawValue)"
            ).first()?.decode(column: "version", as: Int.self) ?? 0
        }
    }

    public func headerMappings(organization: OrganizationID, type: String) async throws -> [String: String] {
        try await read { db in
            var mappings: [String: String] = [:]
            for row in try await db.raw(
                """
                SELECT header, field_id FROM record_header_mappings
                WHERE organization_id = \(bind: organization.rawValue) AND record_type = \(bind: type)
                """
            ).all() {
                mappings[try row.decode(column: "header", as: String.self)] = try row.decode(
                    column: "field_id", as: String.self)
            }
            return mappings
        }
    }

    public func saveHeaderMappings(
        _ mappings: [String: String], organization: OrganizationID, type: String, by actor: AuditActor
    ) async throws {
        guard !mappings.isEmpty else { return }
        try await transaction { db in
            for (header, field) in mappings.sorted(by: { $0.key < $1.key }) {
                try await db.raw(
                    """
                    INSERT INTO record_header_mappings (organization_id, record_type, header, field_id)
                    VALUES (\(bind: organization.rawValue), \(bind: type), \(bind: header), \(bind: field))
                    ON CONFLICT (organization_id, record_type, header) DO UPDATE SET field_id = excluded.field_id
                    """
                ).run()
            }
            try await self.audit(
                db, actor, entity: "record-headers:\(organization)/\(type)", action: "update", old: nil,
                new: Self.json(mappings))
        }
    }

    public func factOverrides(assessment: AssessmentID) async throws -> [FactOverride] {
        try await read { db in
            try await db.raw(
                """
                SELECT * FROM fact_overrides WHERE assessment_id = \(bind: assessment.rawValue)
                ORDER BY unit_id, item_id, fact_name
                """
            ).all().map { row in
                FactOverride(
                    assessmentID: assessment, unitID: UnitID(try row.decode(column: "unit_id", as: String.self)),
                    itemID: try row.decode(column: "item_id", as: String.self),
                    factName: try row.decode(column: "fact_name", as: String.self),
                    valueJSON: try row.decode(column: "value_json", as: String.self),
                    reason: try row.decode(column: "reason", as: String.self),
                    userID: try row.decode(column: "user_id", as: String?.self).map(UserID.init),
                    createdAt: Self.date(try row.decode(column: "created_at", as: Int.self)))
            }
        }
    }

    public func setFactOverride(
        assessment: AssessmentID, unit: UnitID, item: String, fact: String, valueJSON: String?, reason: String,
        by actor: AuditActor
    ) async throws {
        try requireText(reason, field: "改动理由")
        try await transaction { db in
            _ = try await self.lockedCheck(db, assessment, operation: "改动推算事实", needsFacts: true)
            guard
                try await db.raw(
                    """
                    SELECT unit_id FROM enrolments WHERE assessment_id = \(bind: assessment.rawValue)
                    AND unit_id = \(bind: unit.rawValue)
                    """
                ).first() != nil
            else { throw Self.notEnrolled(unit, assessment) }
            let old = try await db.raw(
                """
                SELECT value_json FROM fact_overrides WHERE assessment_id = \(bind: assessment.rawValue)
                AND unit_id = \(bind: unit.rawValue) AND item_id = \(bind: item) AND fact_name = \(bind: fact)
                """
            ).first()?.decode(column: "value_json", as: String.self)
            if let valueJSON {
                try await db.raw(
                    """
                    INSERT INTO fact_overrides (assessment_id, unit_id, item_id, fact_name, value_json, reason, user_id, created_at)
                    VALUES (\(bind: assessment.rawValue), \(bind: unit.rawValue), \(bind: item), \(bind: fact),
                    \(bind: valueJSON), \(bind: reason), \(bind: actor.userID?.rawValue), \(bind: Self.seconds(self.now())))
                    ON CONFLICT (assessment_id, unit_id, item_id, fact_name) DO UPDATE SET value_json = excluded.value_json,
                    reason = excluded.reason, user_id = excluded.user_id, created_at = excluded.created_at
                    """
                ).run()
            } else {
                guard old != nil else { return }
                try await db.raw(
                    """
                    DELETE FROM fact_overrides WHERE assessment_id = \(bind: assessment.rawValue)
                    AND unit_id = \(bind: unit.rawValue) AND item_id = \(bind: item) AND fact_name = \(bind: fact)
                    """
                ).run()
            }
            var reasoned = actor
            reasoned.reason = reason
            try await self.audit(
                db, reasoned, entity: "facts:\(assessment)/\(unit)/\(item)",
                action: valueJSON == nil ? "override-removed" : "override", old: old.map { "{\"\(fact)\":\($0)}" },
                new: valueJSON.map { "{\"\(fact)\":\($0)}" })
        }
    }

    public func publishBulletin(_ bulletin: StoredBulletin, by actor: AuditActor) async throws -> StoredBulletin {
        try await transaction { db in
            _ = try await self.lockedCheck(db, bulletin.assessmentID, operation: "发布通报", forUpdate: true)
            let last =
                try await db.raw(
                    "SELECT MAX(number) AS n FROM bulletins WHERE assessment_id = \(bind: bulletin.assessmentID.rawValue)"
                ).first()?.decode(column: "n", as: Int?.self) ?? 0
            // A caller that wrote the number into the title and body asks for exactly that number.
            if bulletin.number > 0 && bulletin.number != last + 1 {
                throw StorageError.duplicate(what: "通报期号", value: "第\(bulletin.number)期")
            }
            var published = bulletin
            published.number = last + 1
            published.publishedAt = Date(timeIntervalSince1970: TimeInterval(Self.seconds(self.now())))
            published.publishedBy = actor.userID
            try await db.raw(
                """
                INSERT INTO bulletins (assessment_id, number, title, period, as_of, body, published_by, published_at)
                VALUES (\(bind: published.assessmentID.rawValue), \(bind: published.number), \(bind: published.title),
                \(bind: published.period), \(bind: published.asOf), \(bind: published.body),
                \(bind: published.publishedBy?.rawValue), \(bind: Self.seconds(published.publishedAt)))
                """
            ).run()
            try await self.audit(
                db, actor, entity: "bulletin:\(published.assessmentID)/\(published.number)", action: "publish",
                old: nil,
                new: published.body)
            return published
        }
    }

    public func bulletins(assessment: AssessmentID) async throws -> [StoredBulletin] {
        try await read { db in
            try await db.raw(
                "SELECT * FROM bulletins WHERE assessment_id = \(bind: assessment.rawValue) ORDER BY number"
            ).all().map { row in
                StoredBulletin(
                    assessmentID: assessment, number: try row.decode(column: "number", as: Int.self),
                    title: try row.decode(column: "title", as: String.self),
                    period: try row.decode(column: "period", as: String.self),
                    asOf: try row.decode(column: "as_of", as: String.self),
                    body: try row.decode(column: "body", as: String.self),
                    publishedBy: try row.decode(column: "published_by", as: String?.self).map(UserID.init),
                    publishedAt: Self.date(try row.decode(column: "published_at", as: Int.self)))
            }
        }
    }
}

/// What the audit entry of one batch of a records import says.
struct RecordBatchAudit: Encodable {
    var importID: String
    var types: [String]
    var counts: RecordWriteCounts
    /// The units whose records changed: the scores to recompute.
    var units: [String]
}
