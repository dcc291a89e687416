import Foundation
import KaoheStorage
import SQLKit

/// The settings of a round kept as JSON in `rater_rounds.config`.
private struct RoundConfig: Codable {
    var groups: [RaterGroupConfig]
    var units: [UnitID]
}

extension SQLStore {
    static func decodeJSON<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw StorageError.database("存储的数据无法读取（\(T.self)）：\(error)")
        }
    }

    static func raterRound(_ row: any SQLRow) throws -> RaterRound {
        let config = try decodeJSON(RoundConfig.self, try row.decode(column: "config", as: String.self))
        return RaterRound(
            id: RaterRoundID(try row.decode(column: "id", as: String.self)),
            assessmentID: AssessmentID(try row.decode(column: "assessment_id", as: String.self)),
            itemID: try row.decode(column: "item_id", as: String.self),
            title: try row.decode(column: "title", as: String.self),
            state: RaterRoundState(rawValue: try row.decode(column: "state", as: String.self)) ?? .draft,
            opensAt: try row.decode(column: "opens_at", as: Int?.self).map(Self.date),
            closesAt: try row.decode(column: "closes_at", as: Int?.self).map(Self.date),
            groups: config.groups, units: config.units,
            createdAt: Self.date(try row.decode(column: "created_at", as: Int.self)),
            closedAt: try row.decode(column: "closed_at", as: Int?.self).map(Self.date))
    }

    static func raterSheet(_ row: any SQLRow) throws -> RaterSheet {
        RaterSheet(
            roundID: RaterRoundID(try row.decode(column: "round_id", as: String.self)),
            groupID: try row.decode(column: "group_id", as: String.self),
            raterID: try row.decode(column: "rater_id", as: String.self),
            marks: try decodeJSON([String: RaterMark].self, try row.decode(column: "marks", as: String.self)),
            submitted: try row.decode(column: "submitted", as: Int.self) != 0,
            updatedAt: Self.date(try row.decode(column: "updated_at", as: Int.self)))
    }

    /// The round, locked against concurrent changes on PostgreSQL (SQLite's BEGIN IMMEDIATE already orders
    /// writers): `exclusive` for changing it, shared for ballots, which only need it not to close under them.
    func lockedRound(_ db: any SQLDatabase, _ id: RaterRoundID, exclusive: Bool = true) async throws
        -> RaterRound
    {
        let row: (any SQLRow)?
        if db.dialect.name == "sqlite" {
            row = try await db.raw("SELECT * FROM rater_rounds WHERE id = \(bind: id.rawValue)").first()
        } else if exclusive {
            row = try await db.raw("SELECT * FROM rater_rounds WHERE id = \(bind: id.rawValue) FOR UPDATE").first()
        } else {
            row = try await db.raw("SELECT * FROM rater_rounds WHERE id = \(bind: id.rawValue) FOR SHARE").first()
        }
        guard let row else { throw StorageError.notFound(what: "评议", id: id.rawValue) }
        return try Self.raterRound(row)
    }

    public func createRaterRound(_ round: RaterRound, by actor: AuditActor) async throws {
        try requireText(round.title, field: "评议名称")
        try await transaction { db in
            try await db.raw(
                """
                INSERT INTO rater_rounds (id, assessment_id, item_id, title, state, opens_at, closes_at, config,
                created_at, closed_at)
                VALUES (\(bind: round.id.rawValue), \(bind: round.assessmentID.rawValue), \(bind: round.itemID),
                \(bind: round.title), \(bind: round.state.rawValue), \(bind: round.opensAt.map(Self.seconds)),
                \(bind: round.closesAt.map(Self.seconds)),
                \(bind: Self.json(RoundConfig(groups: round.groups, units: round.units))),
                \(bind: Self.seconds(round.createdAt)), NULL)
                """
            ).run()
            try await self.audit(
                db, actor, entity: "rater-round:\(round.id)", action: "create", old: nil, new: Self.json(round))
        }
    }

    public func updateRaterRound(_ round: RaterRound, by actor: AuditActor) async throws -> RaterRound {
        try requireText(round.title, field: "评议名称")
        return try await transaction { db in
            let old = try await self.lockedRound(db, round.id)
            guard old.status(at: self.now()) == .draft else {
                throw StorageError.refused("评议“\(old.title)”已开始或已结束，不能再修改设置")
            }
            var updated = old
            updated.title = round.title
            updated.opensAt = round.opensAt
            updated.closesAt = round.closesAt
            updated.groups = round.groups
            updated.units = round.units
            try await db.raw(
                """
                UPDATE rater_rounds SET title = \(bind: updated.title), opens_at = \(bind: updated.opensAt.map(Self.seconds)),
                closes_at = \(bind: updated.closesAt.map(Self.seconds)),
                config = \(bind: Self.json(RoundConfig(groups: updated.groups, units: updated.units)))
                WHERE id = \(bind: round.id.rawValue)
                """
            ).run()
            try await self.audit(
                db, actor, entity: "rater-round:\(round.id)", action: "update", old: Self.json(old),
                new: Self.json(updated))
            return updated
        }
    }

    public func raterRounds(assessment: AssessmentID) async throws -> [RaterRound] {
        try await read { db in
            try await db.raw(
                """
                SELECT * FROM rater_rounds WHERE assessment_id = \(bind: assessment.rawValue) ORDER BY created_at, id
                """
            ).all().map(Self.raterRound)
        }
    }

    public func raterRound(_ id: RaterRoundID) async throws -> RaterRound? {
        try await read { db in
            try await db.raw("SELECT * FROM rater_rounds WHERE id = \(bind: id.rawValue)").first().map(Self.raterRound)
        }
    }

    public func setRaterRoundState(_ id: RaterRoundID, to state: RaterRoundState, by actor: AuditActor)
        async throws -> RaterRound
    {
        try await transaction { db in
            let old = try await self.lockedRound(db, id)
            let now = self.now()
            let current = old.status(at: now)
            var updated = old
            switch state {
            case .open:
                guard current == .draft else {
                    throw StorageError.refused(
                        current == .open ? "评议“\(old.title)”已经开始" : "评议“\(old.title)”已结束，不能重新开始")
                }
                updated.state = .open
            case .closed:
                guard old.state != .closed else { throw StorageError.refused("评议“\(old.title)”已经结束") }
                updated.state = .closed
                updated.closedAt = old.closesAt.map { min($0, now) } ?? now
            case .draft:
                throw StorageError.refused("评议不能退回准备状态")
            }
            try await db.raw(
                """
                UPDATE rater_rounds SET state = \(bind: updated.state.rawValue),
                closed_at = \(bind: updated.closedAt.map(Self.seconds)) WHERE id = \(bind: id.rawValue)
                """
            ).run()
            try await self.audit(
                db, actor, entity: "rater-round:\(id)", action: state == .open ? "open" : "close",
                old: old.state.rawValue, new: updated.state.rawValue)
            return updated
        }
    }

    public func addRaterCodes(_ hashes: [String], round: RaterRoundID, group: String, by actor: AuditActor)
        async throws
    {
        guard !hashes.isEmpty else { return }
        try await transaction { db in
            let stored = try await self.lockedRound(db, round)
            guard stored.status(at: self.now()) != .closed else {
                throw StorageError.refused("评议“\(stored.title)”已结束，不能再生成评议码")
            }
            guard stored.group(group)?.kind == .public else {
                throw StorageError.invalid(field: "评议组", message: "“\(group)”不是社会公众评议组，不能生成评议码")
            }
            var start = 0
            while start < hashes.count {
                let chunk = hashes[start..<min(start + 500, hashes.count)]
                start += chunk.count
                let rows: [SQLQueryString] = chunk.map {
                    "(\(bind: $0), \(bind: round.rawValue), \(bind: group), 0)"
                }
                try await db.raw(
                    "INSERT INTO rater_codes (code_hash, round_id, group_id, used) VALUES \(rows.joined(separator: ", "))"
                ).run()
            }
            try await self.audit(
                db, actor, entity: "rater-code:\(round)/\(group)", action: "generate", old: nil,
                new: "{\"count\":\(hashes.count)}")
        }
    }

    public func raterCode(hash: String, throttleKey: String?) async throws -> (
        code: RaterCodeInfo?, throttle: LoginThrottleState?
    ) {
        try await read { db in
            // One row whatever matches: the code's columns and the throttle's, each NULL when absent.
            guard
                let row = try await db.raw(
                    """
                    SELECT c.round_id, c.group_id, c.used, t.throttle_key, t.failures, t.blocked_until, t.last_failure
                    FROM (SELECT 1 AS one) probe
                    LEFT JOIN rater_codes c ON c.code_hash = \(bind: hash)
                    LEFT JOIN login_throttle t ON t.throttle_key = \(bind: throttleKey ?? "")
                    """
                ).first()
            else { return (nil, nil) }
            let code = try row.decode(column: "round_id", as: String?.self).map { round in
                RaterCodeInfo(
                    roundID: RaterRoundID(round), groupID: try row.decode(column: "group_id", as: String.self),
                    used: try row.decode(column: "used", as: Int.self) != 0)
            }
            let throttled = try row.decode(column: "throttle_key", as: String?.self) != nil
            return (code, throttleKey != nil && throttled ? try Self.throttleState(row) : nil)
        }
    }

    public func raterCodeCounts(round: RaterRoundID) async throws -> [RaterCodeCount] {
        try await read { db in
            try await db.raw(
                """
                SELECT group_id, COUNT(*) AS issued, COUNT(CASE WHEN used = 1 THEN 1 END) AS used_count FROM rater_codes
                WHERE round_id = \(bind: round.rawValue) GROUP BY group_id ORDER BY group_id
                """
            ).all().map { row in
                RaterCodeCount(
                    groupID: try row.decode(column: "group_id", as: String.self),
                    issued: try row.decode(column: "issued", as: Int.self),
                    used: try row.decode(column: "used_count", as: Int.self))
            }
        }
    }

    /// Adds one ballot per rated unit of each sheet to the tallies (one upsert, each tally row once, in a fixed
    /// row order, so that concurrent writers on PostgreSQL lock rows in one order and never deadlock) and
    /// queues the comments.
    func addBallots(
        _ db: any SQLDatabase, _ sheets: [(round: RaterRoundID, group: String, marks: [String: RaterMark])]
    ) async throws {
        struct Key: Hashable, Comparable {
            let round: String, group: String, unit: String, mark: String
            static func < (a: Key, b: Key) -> Bool {
                (a.round, a.group, a.unit, a.mark) < (b.round, b.group, b.unit, b.mark)
            }
        }
        var ballots: [Key: Int] = [:]
        var comments: [SQLQueryString] = []
        for sheet in sheets {
            for (unit, mark) in sheet.marks {
                ballots[
                    Key(round: sheet.round.rawValue, group: sheet.group, unit: unit, mark: mark.mark), default: 0] += 1
                guard !mark.comment.isEmpty else { continue }
                comments.append(
                    "(\(bind: UUID().uuidString.lowercased()), \(bind: sheet.round.rawValue), \(bind: sheet.group), \(bind: unit), \(bind: mark.comment), 'pending')"
                )
            }
        }
        guard !ballots.isEmpty else { return }
        let rows: [SQLQueryString] = ballots.keys.sorted().map { key in
            "(\(bind: key.round), \(bind: key.group), \(bind: key.unit), \(bind: key.mark), \(bind: ballots[key] ?? 0))"
        }
        try await db.raw(
            """
            INSERT INTO rater_tallies (round_id, group_id, unit_id, mark, ballots) VALUES \(rows.joined(separator: ", "))
            ON CONFLICT (round_id, group_id, unit_id, mark) DO UPDATE SET ballots = rater_tallies.ballots + excluded.ballots
            """
        ).run()
        // 6 values a comment: 4,000 a statement stay below SQLite's 32,766 parameters.
        var start = 0
        while start < comments.count {
            let chunk = comments[start..<min(comments.count, start + 4000)]
            start += chunk.count
            try await db.raw(
                """
                INSERT INTO rater_comments (id, round_id, group_id, unit_id, body, status)
                VALUES \(chunk.joined(separator: ", "))
                """
            ).run()
        }
    }

    public func saveRaterSheet(_ sheet: RaterSheet, submit: Bool, by actor: AuditActor) async throws -> RaterSheet {
        try await transaction { db in
            let round = try await self.lockedRound(db, sheet.roundID, exclusive: false)
            if let refusal = Self.refusalToVote(round, self.now()) { throw refusal }
            let existing = try await db.raw(
                """
                SELECT * FROM rater_sheets WHERE round_id = \(bind: sheet.roundID.rawValue)
                AND group_id = \(bind: sheet.groupID) AND rater_id = \(bind: sheet.raterID)
                """
            ).first().map(Self.raterSheet)
            if existing?.submitted == true { throw StorageError.refused("评议表已提交，提交后不能修改") }
            var saved = sheet
            saved.submitted = submit
            saved.updatedAt = self.now()
            try await db.raw(
                """
                INSERT INTO rater_sheets (round_id, group_id, rater_id, marks, submitted, updated_at)
                VALUES (\(bind: sheet.roundID.rawValue), \(bind: sheet.groupID), \(bind: sheet.raterID),
                \(bind: Self.json(saved.marks)), \(bind: submit ? 1 : 0), \(bind: Self.seconds(saved.updatedAt)))
                ON CONFLICT (round_id, group_id, rater_id) DO UPDATE SET marks = excluded.marks,
                submitted = excluded.submitted, updated_at = excluded.updated_at
                """
            ).run()
            if submit {
                try await self.addBallots(db, [(sheet.roundID, sheet.groupID, sheet.marks)])
            }
            try await self.audit(
                db, actor, entity: "rater-sheet:\(sheet.roundID)/\(sheet.groupID)/\(sheet.raterID)",
                action: submit ? "submit" : "save-draft", old: nil,
                // Marks stay out of the log: organizers see a named rater's ballots only aggregated.
                new: "{\"units\":\(saved.marks.count)}")
            return saved
        }
    }

    public func raterSheet(round: RaterRoundID, group: String, rater: String) async throws -> RaterSheet? {
        try await read { db in
            try await db.raw(
                """
                SELECT * FROM rater_sheets WHERE round_id = \(bind: round.rawValue) AND group_id = \(bind: group)
                AND rater_id = \(bind: rater)
                """
            ).first().map(Self.raterSheet)
        }
    }

    public func raterSheets(round: RaterRoundID) async throws -> [RaterSheet] {
        try await read { db in
            try await db.raw(
                "SELECT * FROM rater_sheets WHERE round_id = \(bind: round.rawValue) ORDER BY group_id, rater_id"
            ).all().map(Self.raterSheet)
        }
    }

    public func raterTallies(round: RaterRoundID) async throws -> [RaterTallyRow] {
        try await read { db in
            try await db.raw(
                """
                SELECT group_id, unit_id, mark, ballots FROM rater_tallies WHERE round_id = \(bind: round.rawValue)
                ORDER BY group_id, unit_id, mark
                """
            ).all().map { row in
                RaterTallyRow(
                    groupID: try row.decode(column: "group_id", as: String.self),
                    unitID: UnitID(try row.decode(column: "unit_id", as: String.self)),
                    mark: try row.decode(column: "mark", as: String.self),
                    ballots: try row.decode(column: "ballots", as: Int.self))
            }
        }
    }

    public func raterComments(round: RaterRoundID) async throws -> [RaterComment] {
        try await read { db in
            try await db.raw(
                "SELECT * FROM rater_comments WHERE round_id = \(bind: round.rawValue) ORDER BY unit_id, group_id, id"
            ).all().map { row in
                RaterComment(
                    id: try row.decode(column: "id", as: String.self), roundID: round,
                    groupID: try row.decode(column: "group_id", as: String.self),
                    unitID: UnitID(try row.decode(column: "unit_id", as: String.self)),
                    text: try row.decode(column: "body", as: String.self),
                    status: RaterCommentStatus(rawValue: try row.decode(column: "status", as: String.self)) ?? .pending)
            }
        }
    }

    public func moderateRaterComment(
        _ id: String, round: RaterRoundID, to status: RaterCommentStatus, by actor: AuditActor
    ) async throws {
        try await transaction { db in
            guard
                let row = try await db.raw(
                    "SELECT status FROM rater_comments WHERE id = \(bind: id) AND round_id = \(bind: round.rawValue)"
                ).first()
            else { throw StorageError.notFound(what: "评议意见", id: id) }
            let old = try row.decode(column: "status", as: String.self)
            try await db.raw("UPDATE rater_comments SET status = \(bind: status.rawValue) WHERE id = \(bind: id)").run()
            try await self.audit(
                db, actor, entity: "rater-comment:\(round)/\(id)", action: "moderate", old: old, new: status.rawValue)
        }
    }

    public func auditRefusedRaterCode(reason: String, address: String?, by actor: AuditActor) async throws {
        struct Refusal: Encodable {
            let reason: String
            let address: String?
        }
        try await transaction { db in
            try await self.audit(
                db, actor, entity: "rater-code:refused", action: "refuse", old: nil,
                new: Self.json(Refusal(reason: reason, address: address)))
        }
    }
}
