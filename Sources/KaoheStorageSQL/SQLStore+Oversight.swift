import Foundation
import KaoheEngine
import KaoheStorage
import SQLKit

extension SQLStore {
    // MARK: Rectification ledger

    static func rectificationItem(_ row: any SQLRow) throws -> RectificationItem {
        func day(_ column: String) throws -> Day {
            let text = try row.decode(column: column, as: String.self)
            guard let day = Day(iso: text) else { throw StorageError.database("整改事项的日期无法读取：\(text)") }
            return day
        }
        let stateText = try row.decode(column: "state", as: String.self)
        let sourceText = try row.decode(column: "source", as: String.self)
        guard let state = RectificationState(rawValue: stateText),
            let source = RectificationSource(rawValue: sourceText)
        else { throw StorageError.database("未知的整改状态或来源：\(stateText)/\(sourceText)") }
        return RectificationItem(
            id: try row.decode(column: "id", as: String.self),
            assessmentID: AssessmentID(try row.decode(column: "assessment_id", as: String.self)),
            unitID: UnitID(try row.decode(column: "unit_id", as: String.self)),
            number: try row.decode(column: "number", as: Int.self),
            itemID: try row.decode(column: "item_id", as: String?.self),
            findingID: try row.decode(column: "finding_id", as: String?.self).map(FindingID.init), source: source,
            problem: try row.decode(column: "problem", as: String.self),
            measures: try row.decode(column: "measures", as: String.self), openedOn: try day("opened_on"),
            workingDays: try row.decode(column: "working_days", as: Int.self), deadline: try day("deadline"),
            state: state,
            verdict: try row.decode(column: "verdict", as: String?.self).flatMap(RectificationVerdict.init),
            verdictPoints: try row.decode(column: "verdict_points", as: Int?.self),
            verdictNote: try row.decode(column: "verdict_note", as: String?.self),
            answer: try row.decode(column: "answer", as: String?.self),
            closedOn: try row.decode(column: "closed_on", as: String?.self).flatMap { Day(iso: $0) },
            carriedFrom: try row.decode(column: "carried_from", as: String?.self),
            createdBy: try row.decode(column: "created_by", as: String?.self).map(UserID.init),
            createdAt: date(try row.decode(column: "created_at", as: Int.self)),
            version: try row.decode(column: "version", as: Int.self))
    }

    static func rectificationEvent(_ row: any SQLRow) throws -> RectificationEvent {
        let actionText = try row.decode(column: "action", as: String.self)
        let toText = try row.decode(column: "to_state", as: String.self)
        guard let action = RectificationAction(rawValue: actionText), let to = RectificationState(rawValue: toText)
        else { throw StorageError.database("未知的整改步骤：\(actionText)") }
        let ids = try row.decode(column: "evidence_ids", as: String.self)
        return RectificationEvent(
            itemID: try row.decode(column: "item_id", as: String.self), action: action,
            from: try row.decode(column: "from_state", as: String?.self).flatMap(RectificationState.init), to: to,
            text: try row.decode(column: "text", as: String.self),
            evidenceIDs: ids.split(separator: ",").map { EvidenceID(String($0)) },
            userID: try row.decode(column: "user_id", as: String?.self).map(UserID.init),
            at: date(try row.decode(column: "at", as: Int.self)), seq: try row.decode(column: "seq", as: Int.self))
    }

    static func ledgerEntity(_ item: RectificationItem) -> String {
        "ledger:\(item.assessmentID)/\(item.unitID)/\(item.id)"
    }

    /// Inserts one item (its number taken here) and its `open` event inside a transaction.
    func insertRectification(
        _ db: any SQLDatabase, _ item: RectificationItem, note: String, actor: AuditActor
    ) async throws -> RectificationItem {
        try requireText(item.problem, field: "问题描述")
        try requireText(item.measures, field: "整改措施")
        guard item.workingDays >= 1 else { throw StorageError.invalid(field: "整改时限", message: "应至少为1个工作日") }
        try await requireEnrolled(db, assessment: item.assessmentID, unit: item.unitID)
        let top = try await db.raw(
            "SELECT MAX(number) AS top FROM rectification_items WHERE assessment_id = \(bind: item.assessmentID.rawValue)"
        ).first()
        var stored = item
        stored.number = (try top?.decode(column: "top", as: Int?.self) ?? 0) + 1
        stored.version = 1
        stored.state = .pending
        let seq = try await audit(
            db, actor, entity: Self.ledgerEntity(stored), action: "open", old: nil, new: Self.json(stored))
        try await db.raw(
            """
            INSERT INTO rectification_items (id, assessment_id, unit_id, number, item_id, finding_id, source, problem, measures,
            opened_on, working_days, deadline, state, carried_from, created_by, created_at, version)
            VALUES (\(bind: stored.id), \(bind: stored.assessmentID.rawValue), \(bind: stored.unitID.rawValue), \(bind: stored.number),
            \(bind: stored.itemID), \(bind: stored.findingID?.rawValue), \(bind: stored.source.rawValue), \(bind: stored.problem),
            \(bind: stored.measures), \(bind: stored.openedOn.description), \(bind: stored.workingDays),
            \(bind: stored.deadline.description), \(bind: stored.state.rawValue), \(bind: stored.carriedFrom),
            \(bind: stored.createdBy?.rawValue), \(bind: Self.seconds(stored.createdAt)), 1)
            """
        ).run()
        try await db.raw(
            """
            INSERT INTO rectification_events (item_id, seq, action, from_state, to_state, text, evidence_ids, user_id, at)
            VALUES (\(bind: stored.id), \(bind: seq), \(bind: RectificationAction.open.rawValue), \(bind: String?.none),
            \(bind: stored.state.rawValue), \(bind: note), '', \(bind: actor.userID?.rawValue), \(bind: Self.seconds(stored.createdAt)))
            """
        ).run()
        return stored
    }

    public func openRectification(_ item: RectificationItem, note: String, by actor: AuditActor) async throws
        -> RectificationItem
    {
        try await transaction { db in
            _ = try await self.lockedCheck(db, item.assessmentID, operation: "建立整改事项", forUpdate: true)
            return try await self.insertRectification(db, item, note: note, actor: actor)
        }
    }

    public func rectificationItem(_ id: String) async throws -> RectificationItem? {
        try await read { db in
            try await db.raw("SELECT * FROM rectification_items WHERE id = \(bind: id)").first().map(
                Self.rectificationItem)
        }
    }

    public func rectificationItems(assessment: AssessmentID, unit: UnitID?) async throws -> [RectificationItem] {
        try await read { db in
            if let unit {
                return try await db.raw(
                    """
                    SELECT * FROM rectification_items WHERE assessment_id = \(bind: assessment.rawValue)
                    AND unit_id = \(bind: unit.rawValue) ORDER BY number
                    """
                ).all().map(Self.rectificationItem)
            }
            return try await db.raw(
                "SELECT * FROM rectification_items WHERE assessment_id = \(bind: assessment.rawValue) ORDER BY number"
            ).all().map(Self.rectificationItem)
        }
    }

    public func rectificationItems(unit: UnitID) async throws -> [RectificationItem] {
        try await read { db in
            try await db.raw(
                "SELECT * FROM rectification_items WHERE unit_id = \(bind: unit.rawValue) ORDER BY created_at, number"
            ).all().map(Self.rectificationItem)
        }
    }

    public func rectificationEvents(item: String) async throws -> [RectificationEvent] {
        try await read { db in
            try await db.raw("SELECT * FROM rectification_events WHERE item_id = \(bind: item) ORDER BY seq").all()
                .map(Self.rectificationEvent)
        }
    }

    public func applyRectification(
        _ id: String, _ step: RectificationStep, expectedVersion: Int?, by actor: AuditActor
    ) async throws -> RectificationItem {
        try await transaction { db in
            guard
                let current = try await db.raw("SELECT * FROM rectification_items WHERE id = \(bind: id)").first().map(
                    Self.rectificationItem)
            else { throw StorageError.notFound(what: "整改事项", id: id) }
            let judging = step.action == .judge || step.action == .clearJudgement
            _ = try await self.lockedCheck(
                db, current.assessmentID, operation: step.action.displayName, needsFacts: judging, forUpdate: true)
            // Re-read under the assessment's lock: the state checked is the state changed.
            guard
                let item = try await db.raw("SELECT * FROM rectification_items WHERE id = \(bind: id)").first().map(
                    Self.rectificationItem)
            else { throw StorageError.notFound(what: "整改事项", id: id) }
            if let expectedVersion, expectedVersion != item.version {
                throw StorageError.versionConflict(
                    entity: "整改事项第\(item.number)号", expected: expectedVersion, actual: item.version)
            }
            guard step.action != .open, let next = step.action.next(from: item.state) else {
                let allowed = RectificationAction.allowed(from: item.state).map(\.displayName).joined(separator: "、")
                throw StorageError.invalid(
                    field: "整改事项第\(item.number)号",
                    message: "当前为“\(item.state.displayName)”，不能“\(step.action.displayName)”"
                        + (allowed.isEmpty ? "（已销号的事项不能再变动）" : "（此时可以：\(allowed)）"))
            }
            var changed = item
            changed.state = next
            changed.version += 1
            switch step.action {
            case .answer:
                try requireText(step.text, field: "整改情况")
                changed.answer = step.text
            case .return:
                try requireText(step.text, field: "退回理由")
            case .verify:
                changed.closedOn = step.on
            case .judge:
                guard let verdict = step.verdict else {
                    throw StorageError.invalid(field: "认定结论", message: "应为拒不整改或整改不到位")
                }
                guard let points = step.points, (1...3).contains(points) else {
                    throw StorageError.invalid(field: "酌情扣分", message: "应为1～3分")
                }
                try requireText(step.text, field: "认定理由")
                changed.verdict = verdict
                changed.verdictPoints = points
                changed.verdictNote = step.text
            case .clearJudgement:
                guard item.verdict != nil else {
                    throw StorageError.invalid(field: "整改事项第\(item.number)号", message: "没有可撤销的认定")
                }
                try requireText(step.text, field: "撤销理由")
                changed.verdict = nil
                changed.verdictPoints = nil
                changed.verdictNote = nil
            case .start, .open: break
            }
            let seq = try await self.audit(
                db, actor, entity: Self.ledgerEntity(item), action: step.action.rawValue, old: Self.json(item),
                new: Self.json(changed))
            try await db.raw(
                """
                UPDATE rectification_items SET state = \(bind: changed.state.rawValue), verdict = \(bind: changed.verdict?.rawValue),
                verdict_points = \(bind: changed.verdictPoints), verdict_note = \(bind: changed.verdictNote),
                answer = \(bind: changed.answer), closed_on = \(bind: changed.closedOn?.description), version = \(bind: changed.version)
                WHERE id = \(bind: id) AND version = \(bind: item.version)
                """
            ).run()
            try await db.raw(
                """
                INSERT INTO rectification_events (item_id, seq, action, from_state, to_state, text, evidence_ids, user_id, at)
                VALUES (\(bind: id), \(bind: seq), \(bind: step.action.rawValue), \(bind: item.state.rawValue),
                \(bind: changed.state.rawValue), \(bind: step.text), \(bind: step.evidenceIDs.map(\.rawValue).joined(separator: ",")),
                \(bind: actor.userID?.rawValue), \(bind: Self.seconds(self.now())))
                """
            ).run()
            return changed
        }
    }

    public func carryOverRectifications(
        from source: AssessmentID, to target: AssessmentID, openedOn: Day, deadline: @escaping @Sendable (Int) -> Day,
        by actor: AuditActor
    ) async throws -> [RectificationItem] {
        try await transaction { db in
            _ = try await self.lockedCheck(db, target, operation: "结转上年度整改事项", forUpdate: true)
            let open = try await db.raw(
                """
                SELECT * FROM rectification_items WHERE assessment_id = \(bind: source.rawValue)
                AND state <> \(bind: RectificationState.closed.rawValue) ORDER BY number
                """
            ).all().map(Self.rectificationItem)
            let carried = Set(
                try await db.raw(
                    "SELECT carried_from FROM rectification_items WHERE assessment_id = \(bind: target.rawValue) AND carried_from IS NOT NULL"
                ).all().map { try $0.decode(column: "carried_from", as: String.self) })
            let enrolled = Set(
                try await db.raw("SELECT unit_id FROM enrolments WHERE assessment_id = \(bind: target.rawValue)").all()
                    .map { UnitID(try $0.decode(column: "unit_id", as: String.self)) })
            var made: [RectificationItem] = []
            for item in open where !carried.contains(item.id) && enrolled.contains(item.unitID) {
                let copy = RectificationItem(
                    assessmentID: target, unitID: item.unitID, itemID: item.itemID, source: .carryOver,
                    problem: item.problem, measures: item.measures, openedOn: openedOn, workingDays: item.workingDays,
                    deadline: deadline(item.workingDays), carriedFrom: item.id, createdBy: actor.userID,
                    createdAt: self.now())
                made.append(
                    try await self.insertRectification(
                        db, copy,
                        note: "由上年度整改台账第\(item.number)号结转（原状态：\(item.state.displayName)，原时限 \(item.deadline)）",
                        actor: actor))
            }
            return made
        }
    }

    // MARK: Spot checks

    static func spotCheckPlan(_ row: any SQLRow) throws -> SpotCheckPlan {
        let populationText = try row.decode(column: "population", as: String.self)
        let stateText = try row.decode(column: "state", as: String.self)
        guard let population = SpotCheckPopulation(rawValue: populationText),
            let state = SpotCheckState(rawValue: stateText)
        else { throw StorageError.database("未知的抽查计划类型或状态：\(populationText)/\(stateText)") }
        let decoder = JSONDecoder()
        let exclusions = try decoder.decode(
            [SpotCheckExclusion].self, from: Data(try row.decode(column: "exclusions", as: String.self).utf8))
        let draw = try row.decode(column: "draw", as: String?.self).map {
            try decoder.decode(SpotCheckDraw.self, from: Data($0.utf8))
        }
        let inspectors = try row.decode(column: "inspectors", as: String.self)
        return SpotCheckPlan(
            id: try row.decode(column: "id", as: String.self),
            assessmentID: AssessmentID(try row.decode(column: "assessment_id", as: String.self)),
            title: try row.decode(column: "title", as: String.self), population: population,
            recordType: try row.decode(column: "record_type", as: String?.self),
            sampleCount: try row.decode(column: "sample_count", as: Int?.self),
            ratioPercent: try row.decode(column: "ratio_percent", as: Int?.self),
            minimum: try row.decode(column: "minimum", as: Int.self),
            inspectors: inspectors.split(separator: ",").map { UserID(String($0)) }, exclusions: exclusions,
            seedHash: try row.decode(column: "seed_hash", as: String.self), state: state, draw: draw,
            createdBy: try row.decode(column: "created_by", as: String?.self).map(UserID.init),
            createdAt: date(try row.decode(column: "created_at", as: Int.self)),
            drawnAt: try row.decode(column: "drawn_at", as: Int?.self).map(date),
            resultsPublishedAt: try row.decode(column: "results_published_at", as: Int?.self).map(date))
    }

    static func spotEntity(_ plan: SpotCheckPlan) -> String { "spotcheck:\(plan.assessmentID)/\(plan.id)" }

    public func createSpotCheckPlan(_ plan: SpotCheckPlan, secretSeed: String, by actor: AuditActor) async throws {
        try requireText(plan.title, field: "计划名称")
        guard !plan.inspectors.isEmpty else { throw StorageError.invalid(field: "检查人员", message: "至少选择一名") }
        guard SHA256.hex(secretSeed) == plan.seedHash else {
            throw StorageError.invalid(field: "随机种子", message: "与公布的SHA-256不符")
        }
        try await transaction { db in
            _ = try await self.lockedCheck(db, plan.assessmentID, operation: "发布抽查计划")
            var published = plan
            published.state = .published
            published.draw = nil
            try await self.audit(
                db, actor, entity: Self.spotEntity(plan), action: "publish", old: nil, new: Self.json(published))
            try await db.raw(
                """
                INSERT INTO spot_check_plans (id, assessment_id, title, population, record_type, sample_count, ratio_percent, minimum,
                inspectors, exclusions, seed_hash, secret_seed, state, created_by, created_at)
                VALUES (\(bind: plan.id), \(bind: plan.assessmentID.rawValue), \(bind: plan.title), \(bind: plan.population.rawValue),
                \(bind: plan.recordType), \(bind: plan.sampleCount), \(bind: plan.ratioPercent), \(bind: plan.minimum),
                \(bind: plan.inspectors.map(\.rawValue).joined(separator: ",")), \(bind: Self.json(plan.exclusions)),
                \(bind: plan.seedHash), \(bind: secretSeed), \(bind: SpotCheckState.published.rawValue),
                \(bind: plan.createdBy?.rawValue), \(bind: Self.seconds(plan.createdAt)))
                """
            ).run()
        }
    }

    public func spotCheckPlans(assessment: AssessmentID) async throws -> [SpotCheckPlan] {
        try await read { db in
            try await db.raw(
                "SELECT * FROM spot_check_plans WHERE assessment_id = \(bind: assessment.rawValue) ORDER BY created_at, id"
            ).all().map(Self.spotCheckPlan)
        }
    }

    public func spotCheckPlan(_ id: String) async throws -> SpotCheckPlan? {
        try await read { db in
            try await db.raw("SELECT * FROM spot_check_plans WHERE id = \(bind: id)").first().map(Self.spotCheckPlan)
        }
    }

    /// The plan row locked for the transaction (FOR UPDATE on PostgreSQL; SQLite's write lock is taken at BEGIN).
    func lockedPlan(_ db: any SQLDatabase, _ id: String) async throws -> (SpotCheckPlan, String) {
        let lock = db.dialect.name != "sqlite" ? " FOR UPDATE" : ""
        guard
            let row = try await db.raw("SELECT * FROM spot_check_plans WHERE id = \(bind: id)\(unsafeRaw: lock)")
                .first()
        else { throw StorageError.notFound(what: "抽查计划", id: id) }
        return (try Self.spotCheckPlan(row), try row.decode(column: "secret_seed", as: String.self))
    }

    public func drawSpotCheck(
        _ id: String, at: Date, by actor: AuditActor, draw: @escaping @Sendable (String) throws -> SpotCheckDraw
    ) async throws -> SpotCheckPlan {
        try await transaction { db in
            let (plan, secret) = try await self.lockedPlan(db, id)
            _ = try await self.lockedCheck(db, plan.assessmentID, operation: "抽取")
            guard plan.state == .published else {
                throw StorageError.invalid(
                    field: "抽查计划“\(plan.title)”", message: "已于\(plan.drawnAt.map { "\($0)" } ?? "此前")抽取，公开的抽取结果不能重抽")
            }
            var drawn = plan
            drawn.draw = try draw(secret)
            drawn.state = .drawn
            drawn.drawnAt = Self.date(Self.seconds(at))
            try await self.audit(
                db, actor, entity: Self.spotEntity(plan), action: "draw", old: Self.json(plan), new: Self.json(drawn))
            try await db.raw(
                """
                UPDATE spot_check_plans SET state = \(bind: SpotCheckState.drawn.rawValue), draw = \(bind: Self.json(drawn.draw)),
                drawn_at = \(bind: Self.seconds(at)) WHERE id = \(bind: id) AND state = \(bind: SpotCheckState.published.rawValue)
                """
            ).run()
            return drawn
        }
    }

    public func recordSpotCheckResult(_ result: SpotCheckResult, by actor: AuditActor) async throws {
        try await transaction { db in
            let (plan, _) = try await self.lockedPlan(db, result.planID)
            _ = try await self.lockedCheck(db, plan.assessmentID, operation: "记录抽查结果")
            guard plan.state == .drawn else {
                throw StorageError.invalid(
                    field: "抽查计划“\(plan.title)”",
                    message: plan.state == .published ? "尚未抽取，不能记录结果" : "结果已公示，不能再改")
            }
            guard plan.draw?.assignments.contains(where: { $0.object.key == result.objectKey }) == true else {
                throw StorageError.invalid(field: "抽查对象", message: "“\(result.objectKey)”不在本次抽取结果中")
            }
            let old = try await db.raw(
                """
                SELECT * FROM spot_check_results WHERE plan_id = \(bind: result.planID) AND object_key = \(bind: result.objectKey)
                """
            ).first()
            try await self.audit(
                db, actor, entity: "\(Self.spotEntity(plan))/\(result.objectKey)", action: "result",
                old: old == nil ? nil : "replaced", new: Self.json(result))
            if old != nil {
                try await db.raw(
                    "DELETE FROM spot_check_results WHERE plan_id = \(bind: result.planID) AND object_key = \(bind: result.objectKey)"
                ).run()
            }
            try await db.raw(
                """
                INSERT INTO spot_check_results (plan_id, object_key, passed, note, finding_ids, recorded_by, recorded_at)
                VALUES (\(bind: result.planID), \(bind: result.objectKey), \(bind: result.passed ? 1 : 0), \(bind: result.note),
                \(bind: result.findingIDs.map(\.rawValue).joined(separator: ",")), \(bind: result.recordedBy?.rawValue),
                \(bind: Self.seconds(result.recordedAt)))
                """
            ).run()
        }
    }

    public func spotCheckResults(plan: String) async throws -> [SpotCheckResult] {
        try await read { db in
            try await db.raw("SELECT * FROM spot_check_results WHERE plan_id = \(bind: plan) ORDER BY object_key").all()
                .map { row in
                    SpotCheckResult(
                        planID: try row.decode(column: "plan_id", as: String.self),
                        objectKey: try row.decode(column: "object_key", as: String.self),
                        passed: try row.decode(column: "passed", as: Int.self) != 0,
                        note: try row.decode(column: "note", as: String.self),
                        findingIDs: try row.decode(column: "finding_ids", as: String.self).split(separator: ",").map {
                            FindingID(String($0))
                        },
                        recordedBy: try row.decode(column: "recorded_by", as: String?.self).map(UserID.init),
                        recordedAt: Self.date(try row.decode(column: "recorded_at", as: Int.self)))
                }
        }
    }

    public func publishSpotCheckResults(_ id: String, at: Date, by actor: AuditActor) async throws -> SpotCheckPlan {
        try await transaction { db in
            let (plan, _) = try await self.lockedPlan(db, id)
            guard plan.state == .drawn else {
                throw StorageError.invalid(
                    field: "抽查计划“\(plan.title)”",
                    message: plan.state == .published ? "尚未抽取，不能公示结果" : "结果已经公示")
            }
            var published = plan
            published.state = .resultsPublished
            published.resultsPublishedAt = Self.date(Self.seconds(at))
            try await self.audit(
                db, actor, entity: Self.spotEntity(plan), action: "publish-results", old: plan.state.rawValue,
                new: published.state.rawValue)
            try await db.raw(
                """
                UPDATE spot_check_plans SET state = \(bind: SpotCheckState.resultsPublished.rawValue),
                results_published_at = \(bind: Self.seconds(at)) WHERE id = \(bind: id)
                """
            ).run()
            return published
        }
    }
}
