import Foundation
import KaoheEngine
import KaoheStorage
import SQLKit

extension SQLStore {
    // MARK: Deadlines and parameters

    public func setDeadlines(_ id: AssessmentID, submission: Day?, objection: Day?, by actor: AuditActor)
        async throws -> Assessment
    {
        try await transaction { db in
            let current = try await self.lockedCheck(db, id, operation: "设置截止日期")
            try await db.raw(
                """
                UPDATE assessments SET submission_deadline = \(bind: submission?.description),
                objection_deadline = \(bind: objection?.description) WHERE id = \(bind: id.rawValue)
                """
            ).run()
            var updated = current
            updated.submissionDeadline = submission
            updated.objectionDeadline = objection
            try await self.audit(
                db, actor, entity: "assessment:\(id)", action: "deadlines",
                old: Self.deadlinesJSON(current), new: Self.deadlinesJSON(updated))
            return updated
        }
    }

    static func deadlinesJSON(_ assessment: Assessment) -> String {
        "{\"objection\":\(assessment.objectionDeadline.map { AuditEntryJSON.string($0.description) } ?? "null"),"
            + "\"submission\":\(assessment.submissionDeadline.map { AuditEntryJSON.string($0.description) } ?? "null")}"
    }

    public func setParameters(_ id: AssessmentID, json: String?, by actor: AuditActor) async throws -> Assessment {
        if let json { try FactsJSON.validateObject(json, field: "考核参数") }
        return try await transaction { db in
            let current = try await self.lockedCheck(db, id, operation: "设置考核参数")
            try await db.raw("UPDATE assessments SET parameters = \(bind: json) WHERE id = \(bind: id.rawValue)").run()
            var updated = current
            updated.parameters = json
            try await self.audit(
                db, actor, entity: "assessment:\(id)", action: "parameters", old: current.parameters, new: json)
            return updated
        }
    }

    public func extendDeadline(_ ext: DeadlineExtension, by actor: AuditActor) async throws {
        try requireText(ext.reason, field: "延期理由")
        try await transaction { db in
            _ = try await self.lockedCheck(db, ext.assessmentID, operation: "延长截止日期")
            try await self.requireEnrolled(db, assessment: ext.assessmentID, unit: ext.unitID)
            try await db.raw(
                """
                INSERT INTO deadline_extensions (id, assessment_id, unit_id, deadline, reason, created_by, created_at)
                VALUES (\(bind: ext.id.rawValue), \(bind: ext.assessmentID.rawValue), \(bind: ext.unitID.rawValue),
                \(bind: ext.deadline.description), \(bind: ext.reason), \(bind: ext.createdBy?.rawValue),
                \(bind: Self.seconds(ext.createdAt)))
                """
            ).run()
            try await self.audit(
                db, actor, entity: "workflow:\(ext.assessmentID)/\(ext.unitID)", action: "extend", old: nil,
                new: Self.json(ext))
        }
    }

    public func deadlineExtensions(of assessment: AssessmentID) async throws -> [DeadlineExtension] {
        try await read { db in
            try await db.raw(
                "SELECT * FROM deadline_extensions WHERE assessment_id = \(bind: assessment.rawValue) ORDER BY created_at, id"
            ).all().map { row in
                guard let deadline = try Self.day(row, "deadline") else { throw StorageError.database("延期日期缺失") }
                return DeadlineExtension(
                    id: ExtensionID(try row.decode(column: "id", as: String.self)),
                    assessmentID: AssessmentID(try row.decode(column: "assessment_id", as: String.self)),
                    unitID: UnitID(try row.decode(column: "unit_id", as: String.self)), deadline: deadline,
                    reason: try row.decode(column: "reason", as: String.self),
                    createdBy: try row.decode(column: "created_by", as: String?.self).map(UserID.init),
                    createdAt: Self.date(try row.decode(column: "created_at", as: Int.self)))
            }
        }
    }

    // MARK: Self-assessment and submissions

    static func selfAssessmentEntry(_ row: any SQLRow) throws -> SelfAssessmentEntry {
        SelfAssessmentEntry(
            assessmentID: AssessmentID(try row.decode(column: "assessment_id", as: String.self)),
            unitID: UnitID(try row.decode(column: "unit_id", as: String.self)),
            itemID: try row.decode(column: "item_id", as: String.self),
            selfScore: try row.decode(column: "self_score", as: String?.self),
            note: try row.decode(column: "note", as: String.self),
            claimedFacts: try row.decode(column: "claimed_facts", as: String?.self),
            version: try row.decode(column: "version", as: Int.self),
            updatedBy: try row.decode(column: "updated_by", as: String?.self).map(UserID.init),
            updatedAt: date(try row.decode(column: "updated_at", as: Int.self)))
    }

    public func selfAssessment(assessment: AssessmentID, unit: UnitID) async throws -> [SelfAssessmentEntry] {
        try await read { db in
            try await db.raw(
                """
                SELECT * FROM self_assessments WHERE assessment_id = \(bind: assessment.rawValue)
                AND unit_id = \(bind: unit.rawValue) ORDER BY item_id
                """
            ).all().map(Self.selfAssessmentEntry)
        }
    }

    public func selfAssessments(assessment: AssessmentID) async throws -> [SelfAssessmentEntry] {
        try await read { db in
            try await db.raw(
                "SELECT * FROM self_assessments WHERE assessment_id = \(bind: assessment.rawValue) ORDER BY unit_id, item_id"
            ).all().map(Self.selfAssessmentEntry)
        }
    }

    public func saveSelfAssessment(_ entry: SelfAssessmentEntry, expectedVersion: Int, by actor: AuditActor)
        async throws -> SelfAssessmentEntry
    {
        try requireText(entry.itemID, field: "考核项目")
        if let facts = entry.claimedFacts { try FactsJSON.validateObject(facts, field: "自报事实（\(entry.itemID)）") }
        let entity = "self:\(entry.assessmentID)/\(entry.unitID)/\(entry.itemID)"
        return try await transaction { db in
            _ = try await self.lockedCheck(db, entry.assessmentID, operation: "填报自评", needsFacts: true)
            try await self.requireEnrolled(db, assessment: entry.assessmentID, unit: entry.unitID)
            let at = Self.seconds(self.now())
            let old = try await db.raw(
                """
                SELECT * FROM self_assessments WHERE assessment_id = \(bind: entry.assessmentID.rawValue)
                AND unit_id = \(bind: entry.unitID.rawValue) AND item_id = \(bind: entry.itemID)
                """
            ).first().map(Self.selfAssessmentEntry)
            let written: (any SQLRow)?
            if expectedVersion == 0 {
                written = try await db.raw(
                    """
                    INSERT INTO self_assessments (assessment_id, unit_id, item_id, self_score, note, claimed_facts, version,
                    updated_by, updated_at) VALUES (\(bind: entry.assessmentID.rawValue), \(bind: entry.unitID.rawValue),
                    \(bind: entry.itemID), \(bind: entry.selfScore), \(bind: entry.note), \(bind: entry.claimedFacts), 1,
                    \(bind: actor.userID?.rawValue), \(bind: at)) ON CONFLICT DO NOTHING RETURNING version
                    """
                ).first()
            } else {
                written = try await db.raw(
                    """
                    UPDATE self_assessments SET self_score = \(bind: entry.selfScore), note = \(bind: entry.note),
                    claimed_facts = \(bind: entry.claimedFacts), version = version + 1, updated_by = \(bind: actor.userID?.rawValue),
                    updated_at = \(bind: at) WHERE assessment_id = \(bind: entry.assessmentID.rawValue)
                    AND unit_id = \(bind: entry.unitID.rawValue) AND item_id = \(bind: entry.itemID)
                    AND version = \(bind: expectedVersion) RETURNING version
                    """
                ).first()
            }
            guard written != nil else {
                throw StorageError.versionConflict(entity: entity, expected: expectedVersion, actual: old?.version)
            }
            var saved = entry
            saved.version = expectedVersion + 1
            saved.updatedBy = actor.userID
            saved.updatedAt = Self.date(at)
            try await self.audit(
                db, actor, entity: entity, action: "save", old: old.map(Self.json), new: Self.json(saved))
            return saved
        }
    }

    public func submit(_ submission: Submission, by actor: AuditActor) async throws {
        try await transaction { db in
            _ = try await self.lockedCheck(db, submission.assessmentID, operation: "提交自评", needsFacts: true)
            try await self.requireEnrolled(db, assessment: submission.assessmentID, unit: submission.unitID)
            // Serialize on the audit chain head first, so two instances cannot both take the same number.
            let seq = try await self.audit(
                db, actor, entity: "workflow:\(submission.assessmentID)/\(submission.unitID)", action: "submit",
                old: nil,
                new:
                    "{\"deadline\":\(submission.deadline.map { AuditEntryJSON.string($0.description) } ?? "null"),"
                    + "\"late\":\(submission.late),\"number\":\(submission.number)}")
            let last =
                try await db.raw(
                    """
                    SELECT MAX(number) AS n FROM submissions WHERE assessment_id = \(bind: submission.assessmentID.rawValue)
                    AND unit_id = \(bind: submission.unitID.rawValue)
                    """
                ).first()?.decode(column: "n", as: Int?.self) ?? 0
            guard submission.number == last + 1 else {
                throw StorageError.versionConflict(
                    entity: "submission:\(submission.assessmentID)/\(submission.unitID)",
                    expected: submission.number - 1,
                    actual: last)
            }
            try await db.raw(
                """
                INSERT INTO submissions (id, assessment_id, unit_id, number, submitted_at, submitted_by, late, deadline, snapshot, seq)
                VALUES (\(bind: submission.id.rawValue), \(bind: submission.assessmentID.rawValue), \(bind: submission.unitID.rawValue),
                \(bind: submission.number), \(bind: Self.seconds(submission.submittedAt)), \(bind: submission.submittedBy?.rawValue),
                \(bind: submission.late ? 1 : 0), \(bind: submission.deadline?.description), \(bind: submission.snapshot),
                \(bind: seq))
                """
            ).run()
        }
    }

    public func submissions(assessment: AssessmentID, unit: UnitID?) async throws -> [Submission] {
        try await read { db in
            let rows: [any SQLRow]
            if let unit {
                rows = try await db.raw(
                    """
                    SELECT * FROM submissions WHERE assessment_id = \(bind: assessment.rawValue) AND unit_id = \(bind: unit.rawValue)
                    ORDER BY number
                    """
                ).all()
            } else {
                rows = try await db.raw(
                    "SELECT * FROM submissions WHERE assessment_id = \(bind: assessment.rawValue) ORDER BY unit_id, number"
                ).all()
            }
            return try rows.map { row in
                var submission = Submission(
                    id: SubmissionID(try row.decode(column: "id", as: String.self)),
                    assessmentID: AssessmentID(try row.decode(column: "assessment_id", as: String.self)),
                    unitID: UnitID(try row.decode(column: "unit_id", as: String.self)),
                    number: try row.decode(column: "number", as: Int.self),
                    submittedAt: Self.date(try row.decode(column: "submitted_at", as: Int.self)),
                    submittedBy: try row.decode(column: "submitted_by", as: String?.self).map(UserID.init),
                    late: try row.decode(column: "late", as: Int.self) != 0, deadline: try Self.day(row, "deadline"),
                    snapshot: try row.decode(column: "snapshot", as: String.self))
                submission.seq = try row.decode(column: "seq", as: Int.self)
                return submission
            }
        }
    }

    // MARK: Evidence

    static func evidenceFile(_ row: any SQLRow) throws -> EvidenceFile {
        let purposeText = try row.decode(column: "purpose", as: String.self)
        guard let purpose = EvidencePurpose(rawValue: purposeText) else {
            throw StorageError.database("未知的佐证用途：\(purposeText)")
        }
        return EvidenceFile(
            id: EvidenceID(try row.decode(column: "id", as: String.self)),
            assessmentID: AssessmentID(try row.decode(column: "assessment_id", as: String.self)),
            unitID: UnitID(try row.decode(column: "unit_id", as: String.self)),
            itemID: try row.decode(column: "item_id", as: String.self),
            sha256: try row.decode(column: "sha256", as: String.self),
            fileName: try row.decode(column: "file_name", as: String.self),
            contentType: try row.decode(column: "content_type", as: String.self),
            size: try row.decode(column: "size", as: Int.self), purpose: purpose,
            uploadedBy: try row.decode(column: "uploaded_by", as: String?.self).map(UserID.init),
            uploadedAt: date(try row.decode(column: "uploaded_at", as: Int.self)),
            withdrawnAt: try row.decode(column: "withdrawn_at", as: Int?.self).map(date),
            withdrawnBy: try row.decode(column: "withdrawn_by", as: String?.self).map(UserID.init),
            withdrawnReason: try row.decode(column: "withdrawn_reason", as: String?.self))
    }

    public func addEvidence(_ evidence: EvidenceFile, by actor: AuditActor) async throws {
        try requireText(evidence.itemID, field: "考核项目")
        try requireText(evidence.fileName, field: "文件名")
        guard evidence.sha256.count == 64, evidence.sha256.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else {
            throw StorageError.invalid(field: "文件摘要", message: "应为64位小写十六进制 SHA-256")
        }
        try await transaction { db in
            _ = try await self.lockedCheck(db, evidence.assessmentID, operation: "上传佐证材料")
            try await self.requireEnrolled(db, assessment: evidence.assessmentID, unit: evidence.unitID)
            // The audit position orders files uploaded within the same second.
            let seq = try await self.audit(
                db, actor, entity: "evidence:\(evidence.assessmentID)/\(evidence.unitID)/\(evidence.itemID)",
                action: "upload", old: nil, new: Self.json(evidence))
            try await db.raw(
                """
                INSERT INTO evidence_files (id, assessment_id, unit_id, item_id, sha256, file_name, content_type, size, purpose,
                uploaded_by, uploaded_at, seq) VALUES (\(bind: evidence.id.rawValue), \(bind: evidence.assessmentID.rawValue),
                \(bind: evidence.unitID.rawValue), \(bind: evidence.itemID), \(bind: evidence.sha256), \(bind: evidence.fileName),
                \(bind: evidence.contentType), \(bind: evidence.size), \(bind: evidence.purpose.rawValue),
                \(bind: evidence.uploadedBy?.rawValue), \(bind: Self.seconds(evidence.uploadedAt)), \(bind: seq))
                """
            ).run()
        }
    }

    public func evidence(_ id: EvidenceID) async throws -> EvidenceFile? {
        try await read { db in
            try await db.raw("SELECT * FROM evidence_files WHERE id = \(bind: id.rawValue)").first().map(
                Self.evidenceFile)
        }
    }

    public func evidence(assessment: AssessmentID, unit: UnitID?) async throws -> [EvidenceFile] {
        try await read { db in
            if let unit {
                return try await db.raw(
                    """
                    SELECT * FROM evidence_files WHERE assessment_id = \(bind: assessment.rawValue)
                    AND unit_id = \(bind: unit.rawValue) ORDER BY item_id, seq
                    """
                ).all().map(Self.evidenceFile)
            }
            return try await db.raw(
                """
                SELECT * FROM evidence_files WHERE assessment_id = \(bind: assessment.rawValue)
                ORDER BY unit_id, item_id, seq
                """
            ).all().map(Self.evidenceFile)
        }
    }

    public func withdrawEvidence(_ id: EvidenceID, reason: String, by actor: AuditActor) async throws -> EvidenceFile {
        try requireText(reason, field: "撤回理由")
        return try await transaction { db in
            guard
                let current = try await db.raw("SELECT * FROM evidence_files WHERE id = \(bind: id.rawValue)").first()
                    .map(Self.evidenceFile)
            else { throw StorageError.notFound(what: "佐证材料", id: id.rawValue) }
            _ = try await self.lockedCheck(db, current.assessmentID, operation: "撤回佐证材料")
            guard current.withdrawnAt == nil else {
                throw StorageError.invalid(field: "佐证材料", message: "“\(current.fileName)”已撤回")
            }
            let at = Self.seconds(self.now())
            try await db.raw(
                """
                UPDATE evidence_files SET withdrawn_at = \(bind: at), withdrawn_by = \(bind: actor.userID?.rawValue),
                withdrawn_reason = \(bind: reason) WHERE id = \(bind: id.rawValue)
                """
            ).run()
            var updated = current
            updated.withdrawnAt = Self.date(at)
            updated.withdrawnBy = actor.userID
            updated.withdrawnReason = reason
            try await self.audit(
                db, actor, entity: "evidence:\(current.assessmentID)/\(current.unitID)/\(current.itemID)",
                action: "withdraw", old: Self.json(current), new: Self.json(updated))
            return updated
        }
    }

    public func evidenceHashes() async throws -> Set<String> {
        try await read { db in
            Set(
                try await db.raw("SELECT DISTINCT sha256 FROM evidence_files").all().map {
                    try $0.decode(column: "sha256", as: String.self)
                })
        }
    }

    // MARK: Review

    public func addReviewAction(_ action: ReviewAction, by actor: AuditActor) async throws {
        try requireText(action.itemID, field: "考核项目")
        if action.kind != .accept { try requireText(action.text, field: action.kind == .return ? "退回理由" : "答复内容") }
        try await transaction { db in
            _ = try await self.lockedCheck(db, action.assessmentID, operation: action.kind.displayName)
            try await self.requireEnrolled(db, assessment: action.assessmentID, unit: action.unitID)
            let seq = try await self.audit(
                db, actor, entity: "review:\(action.assessmentID)/\(action.unitID)/\(action.itemID)",
                action: action.kind.rawValue, old: nil, new: Self.json(action))
            try await db.raw(
                """
                INSERT INTO review_actions (id, assessment_id, unit_id, item_id, kind, text, created_by, created_at, seq)
                VALUES (\(bind: action.id.rawValue), \(bind: action.assessmentID.rawValue), \(bind: action.unitID.rawValue),
                \(bind: action.itemID), \(bind: action.kind.rawValue), \(bind: action.text), \(bind: action.createdBy?.rawValue),
                \(bind: Self.seconds(action.createdAt)), \(bind: seq))
                """
            ).run()
        }
    }

    public func reviewActions(assessment: AssessmentID, unit: UnitID?) async throws -> [ReviewAction] {
        try await read { db in
            let rows: [any SQLRow]
            if let unit {
                rows = try await db.raw(
                    """
                    SELECT * FROM review_actions WHERE assessment_id = \(bind: assessment.rawValue)
                    AND unit_id = \(bind: unit.rawValue) ORDER BY seq
                    """
                ).all()
            } else {
                rows = try await db.raw(
                    "SELECT * FROM review_actions WHERE assessment_id = \(bind: assessment.rawValue) ORDER BY seq"
                ).all()
            }
            return try rows.map { row in
                let kindText = try row.decode(column: "kind", as: String.self)
                guard let kind = ReviewKind(rawValue: kindText) else {
                    throw StorageError.database("未知的审核动作：\(kindText)")
                }
                var action = ReviewAction(
                    id: ReviewActionID(try row.decode(column: "id", as: String.self)),
                    assessmentID: AssessmentID(try row.decode(column: "assessment_id", as: String.self)),
                    unitID: UnitID(try row.decode(column: "unit_id", as: String.self)),
                    itemID: try row.decode(column: "item_id", as: String.self), kind: kind,
                    text: try row.decode(column: "text", as: String.self),
                    createdBy: try row.decode(column: "created_by", as: String?.self).map(UserID.init),
                    createdAt: Self.date(try row.decode(column: "created_at", as: Int.self)))
                action.seq = try row.decode(column: "seq", as: Int.self)
                return action
            }
        }
    }

}
