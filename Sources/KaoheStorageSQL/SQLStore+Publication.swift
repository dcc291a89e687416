import Foundation
import KaoheEngine
import KaoheStorage
import SQLKit

extension SQLStore {
    // MARK: Objections

    static func objection(_ row: any SQLRow) throws -> Objection {
        let statusText = try row.decode(column: "status", as: String.self)
        guard let status = ObjectionStatus(rawValue: statusText) else {
            throw StorageError.database("未知的异议状态：\(statusText)")
        }
        let ids = try row.decode(column: "evidence_ids", as: String.self)
        return Objection(
            id: ObjectionID(try row.decode(column: "id", as: String.self)),
            assessmentID: AssessmentID(try row.decode(column: "assessment_id", as: String.self)),
            unitID: UnitID(try row.decode(column: "unit_id", as: String.self)),
            itemID: try row.decode(column: "item_id", as: String.self),
            text: try row.decode(column: "text", as: String.self),
            evidenceIDs: ids.split(separator: ",").map { EvidenceID(String($0)) },
            publicationVersion: try row.decode(column: "publication_version", as: Int.self),
            scoreBefore: try row.decode(column: "score_before", as: String?.self),
            createdBy: try row.decode(column: "created_by", as: String?.self).map(UserID.init),
            createdAt: date(try row.decode(column: "created_at", as: Int.self)), status: status,
            answer: try row.decode(column: "answer", as: String?.self),
            scoreAfter: try row.decode(column: "score_after", as: String?.self),
            answeredBy: try row.decode(column: "answered_by", as: String?.self).map(UserID.init),
            answeredAt: try row.decode(column: "answered_at", as: Int?.self).map(date))
    }

    public func addObjection(_ objection: Objection, by actor: AuditActor) async throws {
        try requireText(objection.itemID, field: "考核项目")
        try requireText(objection.text, field: "异议内容")
        try await transaction { db in
            let assessment = try await self.lockedCheck(
                db, objection.assessmentID, operation: "提出异议", forUpdate: true)
            guard assessment.state == .publicity else {
                throw StorageError.invalidState(
                    assessment: assessment.id, state: assessment.state, operation: "提出异议（仅公示期间可以）")
            }
            try await self.requireEnrolled(db, assessment: objection.assessmentID, unit: objection.unitID)
            let seq = try await self.audit(
                db, actor, entity: "objection:\(objection.assessmentID)/\(objection.unitID)/\(objection.itemID)",
                action: "create", old: nil, new: Self.json(objection))
            try await db.raw(
                """
                INSERT INTO objections (id, assessment_id, unit_id, item_id, text, evidence_ids, publication_version, score_before,
                created_by, created_at, seq, status) VALUES (\(bind: objection.id.rawValue), \(bind: objection.assessmentID.rawValue),
                \(bind: objection.unitID.rawValue), \(bind: objection.itemID), \(bind: objection.text),
                \(bind: objection.evidenceIDs.map(\.rawValue).joined(separator: ",")), \(bind: objection.publicationVersion),
                \(bind: objection.scoreBefore), \(bind: objection.createdBy?.rawValue), \(bind: Self.seconds(objection.createdAt)),
                \(bind: seq), \(bind: ObjectionStatus.open.rawValue))
                """
            ).run()
        }
    }

    public func objections(assessment: AssessmentID, unit: UnitID?) async throws -> [Objection] {
        try await read { db in
            if let unit {
                return try await db.raw(
                    """
                    SELECT * FROM objections WHERE assessment_id = \(bind: assessment.rawValue)
                    AND unit_id = \(bind: unit.rawValue) ORDER BY seq
                    """
                ).all().map(Self.objection)
            }
            return try await db.raw(
                "SELECT * FROM objections WHERE assessment_id = \(bind: assessment.rawValue) ORDER BY seq"
            ).all().map(Self.objection)
        }
    }

    public func answerObjection(
        _ id: ObjectionID, status: ObjectionStatus, answer: String, scoreAfter: String?, by actor: AuditActor
    ) async throws -> Objection {
        try await transaction { db in
            try await self.answerObjection(
                db, id, in: nil, status: status, answer: answer, scoreAfter: scoreAfter, by: actor)
        }
    }

    /// Answers an open objection inside a transaction (of the assessment `assessment` when given), with the
    /// assessment row locked: only during 公示, and only once.
    func answerObjection(
        _ db: any SQLDatabase, _ id: ObjectionID, in assessment: AssessmentID?, status: ObjectionStatus,
        answer: String, scoreAfter: String?, by actor: AuditActor
    ) async throws -> Objection {
        guard status != .open else { throw StorageError.invalid(field: "答复结论", message: "应为异议成立或异议不成立") }
        try requireText(answer, field: status == .rejected ? "不成立的理由" : "答复内容")
        guard
            let current = try await db.raw("SELECT * FROM objections WHERE id = \(bind: id.rawValue)").first().map(
                Self.objection),
            assessment == nil || current.assessmentID == assessment
        else { throw StorageError.notFound(what: "异议", id: id.rawValue) }
        let owner = try await self.lockedCheck(db, current.assessmentID, operation: "答复异议", forUpdate: true)
        guard owner.state == .publicity else {
            throw StorageError.invalidState(assessment: owner.id, state: owner.state, operation: "答复异议（仅公示期间可以）")
        }
        let at = Self.seconds(self.now())
        let changed = try await db.raw(
            """
            UPDATE objections SET status = \(bind: status.rawValue), answer = \(bind: answer), score_after = \(bind: scoreAfter),
            answered_by = \(bind: actor.userID?.rawValue), answered_at = \(bind: at)
            WHERE id = \(bind: id.rawValue) AND status = \(bind: ObjectionStatus.open.rawValue) RETURNING id
            """
        ).first()
        guard changed != nil else {
            throw StorageError.invalid(field: "异议", message: "该异议已答复（\(current.status.displayName)），不能再次答复")
        }
        var updated = current
        updated.status = status
        updated.answer = answer
        updated.scoreAfter = scoreAfter
        updated.answeredBy = actor.userID
        updated.answeredAt = Self.date(at)
        try await self.audit(
            db, actor, entity: "objection:\(current.assessmentID)/\(current.unitID)/\(current.itemID)",
            action: "answer", old: Self.json(current), new: Self.json(updated))
        return updated
    }

    // MARK: Publications

    public func publish(_ request: PublicationRequest, by actor: AuditActor) async throws -> PublicationOutcome {
        if let state = request.moveTo, state != .publicity && state != .final {
            throw StorageError.invalid(field: "考核状态", message: "发布结果只能进入“公示”或“定稿”")
        }
        return try await transaction { db in
            let id = request.assessmentID
            let current = try await self.lockedCheck(db, id, operation: "发布结果", forUpdate: true)
            if let state = request.moveTo {
                guard current.state.allowedNext.contains(state) else {
                    throw StorageError.invalidTransition(from: current.state, to: state)
                }
            } else {
                guard current.state == .publicity else {
                    throw StorageError.invalidState(
                        assessment: id, state: current.state, operation: "发布更正版本（仅公示期间可以）")
                }
            }
            if request.moveTo == .final {
                let open =
                    try await db.raw(
                        """
                        SELECT COUNT(*) AS n FROM objections WHERE assessment_id = \(bind: id.rawValue)
                        AND status = \(bind: ObjectionStatus.open.rawValue)
                        """
                    ).first()?.decode(column: "n", as: Int.self) ?? 0
                guard open == 0 else { throw StorageError.openObjections(count: open) }
                if let deadline = current.objectionDeadline, request.today <= deadline {
                    throw StorageError.objectionWindowOpen(until: deadline)
                }
            }
            var answered: Objection?
            if let upheld = request.upheld {
                answered = try await self.answerObjection(
                    db, upheld.id, in: id, status: .upheld, answer: upheld.answer, scoreAfter: upheld.scoreAfter,
                    by: actor)
            }
            let last = try await db.raw(
                """
                SELECT version, results FROM publications WHERE assessment_id = \(bind: id.rawValue)
                ORDER BY version DESC LIMIT 1
                """
            ).first()
            let lastVersion = try last?.decode(column: "version", as: Int.self) ?? 0
            let changed = try last?.decode(column: "results", as: String.self) != request.results
            if request.moveTo == nil && !changed { throw StorageError.unchangedResults(version: lastVersion) }
            var publication: Publication?
            if changed {
                let state = request.moveTo ?? .publicity
                let note =
                    request.note.flatMap { $0.isEmpty ? nil : $0 }
                    ?? (lastVersion == 0
                        ? "首次公示"
                        : (state == .final ? "定稿（结果较第\(lastVersion)版有更正）" : "重新公示（结果较第\(lastVersion)版有更正）"))
                let new = Publication(
                    assessmentID: id, version: lastVersion + 1, state: state, results: request.results, note: note,
                    createdBy: request.createdBy, createdAt: request.createdAt)
                try await db.raw(
                    """
                    INSERT INTO publications (assessment_id, version, state, results, note, created_by, created_at)
                    VALUES (\(bind: id.rawValue), \(bind: new.version), \(bind: new.state.rawValue),
                    \(bind: new.results), \(bind: new.note), \(bind: new.createdBy?.rawValue),
                    \(bind: Self.seconds(new.createdAt)))
                    """
                ).run()
                try await self.audit(
                    db, actor, entity: "assessment:\(id)", action: "publish", old: nil,
                    new:
                        "{\"note\":\(AuditEntryJSON.string(new.note)),\"resultsSHA256\":\"\(SHA256.hex(new.results))\","
                        + "\"state\":\"\(new.state.rawValue)\",\"version\":\(new.version)}")
                publication = new
            }
            var updated = current
            if let state = request.moveTo {
                try await self.changeState(db, current, to: state, by: actor)
                updated.state = state
            }
            return PublicationOutcome(assessment: updated, publication: publication, objection: answered)
        }
    }

    static func publication(_ row: any SQLRow, withResults: Bool) throws -> Publication {
        let stateText = try row.decode(column: "state", as: String.self)
        guard let state = AssessmentState(rawValue: stateText) else {
            throw StorageError.database("未知的考核状态：\(stateText)")
        }
        return Publication(
            assessmentID: AssessmentID(try row.decode(column: "assessment_id", as: String.self)),
            version: try row.decode(column: "version", as: Int.self), state: state,
            results: withResults ? try row.decode(column: "results", as: String.self) : "",
            note: try row.decode(column: "note", as: String.self),
            createdBy: try row.decode(column: "created_by", as: String?.self).map(UserID.init),
            createdAt: date(try row.decode(column: "created_at", as: Int.self)))
    }

    public func publications(of assessment: AssessmentID) async throws -> [Publication] {
        try await read { db in
            try await db.raw(
                """
                SELECT assessment_id, version, state, note, created_by, created_at FROM publications
                WHERE assessment_id = \(bind: assessment.rawValue) ORDER BY version
                """
            ).all().map { try Self.publication($0, withResults: false) }
        }
    }

    public func publication(of assessment: AssessmentID, version: Int) async throws -> Publication? {
        try await read { db in
            try await db.raw(
                """
                SELECT * FROM publications WHERE assessment_id = \(bind: assessment.rawValue) AND version = \(bind: version)
                """
            ).first().map { try Self.publication($0, withResults: true) }
        }
    }
}
