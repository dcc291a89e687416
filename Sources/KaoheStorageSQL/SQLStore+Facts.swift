import Foundation
import KaoheStorage
import SQLKit

extension SQLStore {
    // MARK: Facts and findings

    public func facts(assessment: AssessmentID, unit: UnitID, item: String) async throws -> FactsRecord? {
        try await read { db in
            try await db.raw(
                """
                SELECT * FROM facts WHERE assessment_id = \(bind: assessment.rawValue) AND unit_id = \(bind: unit.rawValue)
                AND item_id = \(bind: item)
                """
            ).first().map(Self.facts)
        }
    }

    public func facts(assessment: AssessmentID, unit: UnitID) async throws -> [FactsRecord] {
        try await read { db in
            try await db.raw(
                "SELECT * FROM facts WHERE assessment_id = \(bind: assessment.rawValue) AND unit_id = \(bind: unit.rawValue) ORDER BY item_id"
            ).all().map(Self.facts)
        }
    }

    public func saveFacts(
        assessment: AssessmentID, unit: UnitID, item: String, json: String, expectedVersion: Int, by actor: AuditActor
    ) async throws -> FactsRecord {
        try requireText(item, field: "考核项目")
        try FactsJSON.validateObject(json, field: "事实数据（\(item)）")
        let entity = "facts:\(assessment)/\(unit)/\(item)"
        return try await transaction { db in
            // One statement for what three would check: the assessment takes facts, the unit is enrolled, and
            // the facts saved before (for the audit's old value).
            let row = try await db.raw(
                """
                SELECT assessments.state AS state, enrolments.unit_id AS enrolled, facts.json AS old_json
                FROM assessments
                LEFT JOIN enrolments ON enrolments.assessment_id = assessments.id AND enrolments.unit_id = \(bind: unit.rawValue)
                LEFT JOIN facts ON facts.assessment_id = assessments.id AND facts.unit_id = \(bind: unit.rawValue)
                AND facts.item_id = \(bind: item)
                WHERE assessments.id = \(bind: assessment.rawValue)
                """
            ).first()
            guard let row else { throw StorageError.notFound(what: "考核", id: assessment.rawValue) }
            try Self.requireAccepting(
                state: try row.decode(column: "state", as: String.self), assessment, operation: "录入事实",
                needsFacts: true)
            guard try row.decode(column: "enrolled", as: String?.self) != nil else {
                throw Self.notEnrolled(unit, assessment)
            }
            let oldJSON = try row.decode(column: "old_json", as: String?.self)
            let at = Self.seconds(self.now())
            let written: (any SQLRow)?
            if expectedVersion == 0 {
                written = try await db.raw(
                    """
                    INSERT INTO facts (assessment_id, unit_id, item_id, json, version, updated_by, updated_at)
                    VALUES (\(bind: assessment.rawValue), \(bind: unit.rawValue), \(bind: item), \(bind: json), 1,
                    \(bind: actor.userID?.rawValue), \(bind: at))
                    ON CONFLICT DO NOTHING RETURNING version
                    """
                ).first()
            } else {
                written = try await db.raw(
                    """
                    UPDATE facts SET json = \(bind: json), version = version + 1, updated_by = \(bind: actor.userID?.rawValue),
                    updated_at = \(bind: at) WHERE assessment_id = \(bind: assessment.rawValue) AND unit_id = \(bind: unit.rawValue)
                    AND item_id = \(bind: item) AND version = \(bind: expectedVersion) RETURNING version
                    """
                ).first()
            }
            guard let written else {
                let current = try await db.raw(
                    """
                    SELECT version FROM facts WHERE assessment_id = \(bind: assessment.rawValue) AND unit_id = \(bind: unit.rawValue)
                    AND item_id = \(bind: item)
                    """
                ).first()?.decode(column: "version", as: Int.self)
                throw StorageError.versionConflict(
                    entity: "事实数据（项目 \(item)）", expected: expectedVersion, actual: current)
            }
            let record = FactsRecord(
                assessmentID: assessment, unitID: unit, itemID: item, json: json,
                version: try written.decode(column: "version", as: Int.self), updatedBy: actor.userID,
                updatedAt: Self.date(at))
            try await self.audit(
                db, actor, entity: entity, action: oldJSON == nil ? "create" : "update", old: oldJSON, new: json)
            return record
        }
    }

    public func facts(assessment: AssessmentID) async throws -> [FactsRecord] {
        try await read { db in
            try await db.raw(
                "SELECT * FROM facts WHERE assessment_id = \(bind: assessment.rawValue) ORDER BY unit_id, item_id"
            ).all().map(Self.facts)
        }
    }

    public func importFacts(assessment: AssessmentID, writes: [FactsWrite], by actor: AuditActor) async throws
        -> [FactsRecord]
    {
        for write in writes {
            try requireText(write.itemID, field: "考核项目")
            try FactsJSON.validateObject(write.json, field: "事实数据（\(write.itemID)）")
        }
        return try await transaction { db in
            _ = try await self.lockedCheck(db, assessment, operation: "导入事实", needsFacts: true)
            let at = Self.seconds(self.now())
            var records: [FactsRecord] = []
            records.reserveCapacity(writes.count)
            // A few statements per chunk instead of six per record (one round trip each on PostgreSQL).
            for chunk in Self.importChunks(writes, size: Self.importChunkSize) {
                let units = Array(Set(chunk.map(\.unitID.rawValue))).sorted()
                let unitBinds = units.map { $0 as any Encodable & Sendable }
                let enrolled = Set(
                    try await db.raw(
                        """
                        SELECT unit_id FROM enrolments WHERE assessment_id = \(bind: assessment.rawValue)
                        AND unit_id IN (\(binds: unitBinds))
                        """
                    ).all().map { try $0.decode(column: "unit_id", as: String.self) })
                if let missing = chunk.first(where: { !enrolled.contains($0.unitID.rawValue) }) {
                    throw Self.notEnrolled(missing.unitID, assessment)
                }
                var old: [String: FactsRecord] = [:]
                for row in try await db.raw(
                    """
                    SELECT * FROM facts WHERE assessment_id = \(bind: assessment.rawValue) AND unit_id IN (\(binds: unitBinds))
                    """
                ).all() {
                    let record = try Self.facts(row)
                    old[Self.importKey(record.unitID, record.itemID)] = record
                }
                let values = chunk.map { write -> SQLQueryString in
                    """
                    (\(bind: assessment.rawValue), \(bind: write.unitID.rawValue), \(bind: write.itemID), \(bind: write.json),
                    1, \(bind: actor.userID?.rawValue), \(bind: at))
                    """
                }
                try await db.raw(
                    """
                    INSERT INTO facts (assessment_id, unit_id, item_id, json, version, updated_by, updated_at)
                    VALUES \(values.joined(separator: ", "))
                    ON CONFLICT (assessment_id, unit_id, item_id) DO UPDATE SET json = excluded.json,
                    version = facts.version + 1, updated_by = excluded.updated_by, updated_at = excluded.updated_at
                    """
                ).run()
                var changes: [AuditChange] = []
                changes.reserveCapacity(chunk.count)
                for write in chunk {
                    let before = old[Self.importKey(write.unitID, write.itemID)]
                    records.append(
                        FactsRecord(
                            assessmentID: assessment, unitID: write.unitID, itemID: write.itemID, json: write.json,
                            version: (before?.version ?? 0) + 1, updatedBy: actor.userID, updatedAt: Self.date(at)))
                    changes.append(
                        AuditChange(
                            entity: "facts:\(assessment)/\(write.unitID)/\(write.itemID)", action: "import",
                            old: before?.json, new: write.json))
                }
                try await self.audit(db, actor, changes)
            }
            return records
        }
    }

    /// Records per chunk of an import: 7 parameters per facts row and 11 per audit row stay far below the
    /// limits of SQLite (32,766) and PostgreSQL (65,535).
    static let importChunkSize = 500

    /// `writes` in order, cut into chunks of at most `size` in which no (unit, item) comes twice (a second
    /// write of the same item starts a new chunk, so it applies over the first, as it would one by one).
    static func importChunks(_ writes: [FactsWrite], size: Int) -> [ArraySlice<FactsWrite>] {
        var chunks: [ArraySlice<FactsWrite>] = []
        var start = writes.startIndex
        var keys = Set<String>()
        for index in writes.indices {
            let key = importKey(writes[index].unitID, writes[index].itemID)
            if index - start == size || keys.contains(key) {
                chunks.append(writes[start..<index])
                start = index
                keys = []
            }
            keys.insert(key)
        }
        if start < writes.endIndex { chunks.append(writes[start...]) }
        return chunks
    }

    static func importKey(_ unit: UnitID, _ item: String) -> String { unit.rawValue + "\u{1F}" + item }

    public func findings(assessment: AssessmentID) async throws -> [Finding] {
        try await read { db in
            try await db.raw(
                """
                SELECT * FROM findings WHERE assessment_id = \(bind: assessment.rawValue)
                ORDER BY unit_id, item_id, occurred_on, created_at, id
                """
            ).all().map(Self.finding)
        }
    }

    func requireEnrolled(_ db: any SQLDatabase, assessment: AssessmentID, unit: UnitID) async throws {
        if try await db.raw(
            "SELECT unit_id FROM enrolments WHERE assessment_id = \(bind: assessment.rawValue) AND unit_id = \(bind: unit.rawValue)"
        ).first() == nil {
            throw Self.notEnrolled(unit, assessment)
        }
    }

    static func notEnrolled(_ unit: UnitID, _ assessment: AssessmentID) -> StorageError {
        .invalid(field: "单位", message: "单位 \(unit) 未参加考核 \(assessment)")
    }

    public func addFinding(_ finding: Finding, by actor: AuditActor) async throws {
        try requireText(finding.itemID, field: "考核项目")
        try requireText(finding.note, field: "问题说明")
        try await transaction { db in
            _ = try await self.lockedCheck(db, finding.assessmentID, operation: "记录问题", needsFacts: true)
            try await self.requireEnrolled(db, assessment: finding.assessmentID, unit: finding.unitID)
            try await db.raw(
                """
                INSERT INTO findings (id, assessment_id, unit_id, item_id, fact_name, occurred_on, note, evidence_ref, created_by, created_at)
                VALUES (\(bind: finding.id.rawValue), \(bind: finding.assessmentID.rawValue), \(bind: finding.unitID.rawValue),
                \(bind: finding.itemID), \(bind: finding.factName), \(bind: finding.date.description), \(bind: finding.note), \(bind: finding.evidenceRef),
                \(bind: finding.createdBy?.rawValue), \(bind: Self.seconds(finding.createdAt)))
                """
            ).run()
            try await self.audit(
                db, actor, entity: "finding:\(finding.assessmentID)/\(finding.unitID)/\(finding.itemID)",
                action: "create", old: nil,
                new: Self.json(finding))
        }
    }

    public func findings(assessment: AssessmentID, unit: UnitID, item: String?) async throws -> [Finding] {
        try await read { db in
            if let item {
                return try await db.raw(
                    """
                    SELECT * FROM findings WHERE assessment_id = \(bind: assessment.rawValue) AND unit_id = \(bind: unit.rawValue)
                    AND item_id = \(bind: item) ORDER BY occurred_on, created_at, id
                    """
                ).all().map(Self.finding)
            }
            return try await db.raw(
                """
                SELECT * FROM findings WHERE assessment_id = \(bind: assessment.rawValue) AND unit_id = \(bind: unit.rawValue)
                ORDER BY item_id, occurred_on, created_at, id
                """
            ).all().map(Self.finding)
        }
    }
}
