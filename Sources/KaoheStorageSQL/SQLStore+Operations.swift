import Foundation
import KaoheStorage
import SQLKit

/// What the audit log keeps of a user: never the password hash.
struct AuditedUser: Encodable {
    let id: String, username: String, displayName: String, roles: [String], organizationID: String?, unitID: String?
    init(_ user: User) {
        id = user.id.rawValue
        username = user.username
        displayName = user.displayName
        roles = user.roles.sorted().map(\.rawValue)
        organizationID = user.organizationID?.rawValue
        unitID = user.unitID?.rawValue
    }
}

func requireText(_ value: String, field: String) throws {
    if value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
        throw StorageError.invalid(field: field, message: "不能为空")
    }
}

extension SQLStore {
    // MARK: Organizations and units

    public func createOrganization(_ organization: Organization, by actor: AuditActor) async throws {
        try requireText(organization.name, field: "组织名称")
        try await transaction { db in
            if let parent = organization.parentID,
                try await db.raw("SELECT id FROM organizations WHERE id = \(bind: parent.rawValue)").first() == nil
            {
                throw StorageError.notFound(what: "上级组织", id: parent.rawValue)
            }
            try await db.raw(
                """
                INSERT INTO organizations (id, parent_id, name, created_at) VALUES (\(bind: organization.id.rawValue),
                \(bind: organization.parentID?.rawValue), \(bind: organization.name), \(bind: Self.seconds(organization.createdAt)))
                """
            ).run()
            try await self.audit(
                db, actor, entity: "organization:\(organization.id)", action: "create", old: nil,
                new: Self.json(organization))
        }
    }

    public func organizations() async throws -> [Organization] {
        try await read { db in
            try await db.raw("SELECT * FROM organizations ORDER BY name, id").all().map(Self.organization)
        }
    }

    public func organization(_ id: OrganizationID) async throws -> Organization? {
        try await read { db in
            try await db.raw("SELECT * FROM organizations WHERE id = \(bind: id.rawValue)").first().map(
                Self.organization)
        }
    }

    public func createUnits(_ units: [AssessedUnit], by actor: AuditActor) async throws {
        for (index, unit) in units.enumerated() {
            try requireText(unit.code, field: "第\(index + 1)个单位的编码")
            try requireText(unit.name, field: "第\(index + 1)个单位的名称")
        }
        try await transaction { db in
            var seen = Set<String>()
            for unit in units {
                let key = unit.organizationID.rawValue + "\u{1F}" + unit.code
                if !seen.insert(key).inserted { throw StorageError.duplicate(what: "单位编码", value: unit.code) }
                if try await db.raw("SELECT id FROM organizations WHERE id = \(bind: unit.organizationID.rawValue)")
                    .first() == nil
                {
                    throw StorageError.notFound(what: "组织", id: unit.organizationID.rawValue)
                }
                if try await db.raw(
                    "SELECT id FROM units WHERE organization_id = \(bind: unit.organizationID.rawValue) AND code = \(bind: unit.code)"
                ).first() != nil {
                    throw StorageError.duplicate(what: "单位编码", value: unit.code)
                }
                if let parent = unit.parentID,
                    try await db.raw("SELECT id FROM units WHERE id = \(bind: parent.rawValue)").first() == nil
                {
                    throw StorageError.notFound(what: "上级单位", id: parent.rawValue)
                }
                try await db.raw(
                    """
                    INSERT INTO units (id, organization_id, parent_id, code, name, unit_type, created_at)
                    VALUES (\(bind: unit.id.rawValue), \(bind: unit.organizationID.rawValue), \(bind: unit.parentID?.rawValue),
                    \(bind: unit.code), \(bind: unit.name), \(bind: unit.type.rawValue), \(bind: Self.seconds(unit.createdAt)))
                    """
                ).run()
                try await self.audit(
                    db, actor, entity: "unit:\(unit.id)", action: "create", old: nil, new: Self.json(unit))
            }
        }
    }

    public func units(in organization: OrganizationID?) async throws -> [AssessedUnit] {
        try await read { db in
            // Kept per chain head: every change of a unit is audited, so an unmoved head means unchanged units.
            // Lists of 5,000 units were read and decoded on each page.
            try await self.headCached(self.unitLists, organization, on: db) {
                if let organization {
                    try await db.raw(
                        "SELECT * FROM units WHERE organization_id = \(bind: organization.rawValue) ORDER BY code, id"
                    ).all().map(Self.unit)
                } else {
                    try await db.raw("SELECT * FROM units ORDER BY code, id").all().map(Self.unit)
                }
            }
        }
    }

    public func unit(_ id: UnitID) async throws -> AssessedUnit? {
        try await read { db in
            try await db.raw("SELECT * FROM units WHERE id = \(bind: id.rawValue)").first().map(Self.unit)
        }
    }

    // MARK: Users

    public func createUser(_ user: User, by actor: AuditActor) async throws {
        try requireText(user.username, field: "用户名")
        try requireText(user.displayName, field: "姓名")
        try await transaction { db in
            if try await db.raw("SELECT id FROM users WHERE username = \(bind: user.username)").first() != nil {
                throw StorageError.duplicate(what: "用户名", value: user.username)
            }
            try await self.checkReferences(db, organizationID: user.organizationID, unitID: user.unitID)
            try await db.raw(
                """
                INSERT INTO users (id, username, display_name, password_hash, roles, organization_id, unit_id, failed_logins, locked_until, created_at)
                VALUES (\(bind: user.id.rawValue), \(bind: user.username), \(bind: user.displayName), \(bind: user.passwordHash),
                \(bind: Self.rolesText(user.roles)), \(bind: user.organizationID?.rawValue), \(bind: user.unitID?.rawValue),
                0, NULL, \(bind: Self.seconds(user.createdAt)))
                """
            ).run()
            try await self.audit(
                db, actor, entity: "user:\(user.id)", action: "create", old: nil, new: Self.json(AuditedUser(user)))
        }
    }

    func checkReferences(_ db: any SQLDatabase, organizationID: OrganizationID?, unitID: UnitID?) async throws {
        if let organizationID,
            try await db.raw("SELECT id FROM organizations WHERE id = \(bind: organizationID.rawValue)").first() == nil
        {
            throw StorageError.notFound(what: "组织", id: organizationID.rawValue)
        }
        if let unitID, try await db.raw("SELECT id FROM units WHERE id = \(bind: unitID.rawValue)").first() == nil {
            throw StorageError.notFound(what: "单位", id: unitID.rawValue)
        }
    }

    public func user(_ id: UserID) async throws -> User? {
        try await read { db in
            try await db.raw("SELECT * FROM users WHERE id = \(bind: id.rawValue)").first().map(Self.user)
        }
    }

    public func user(username: String) async throws -> User? {
        try await read { db in
            try await db.raw("SELECT * FROM users WHERE username = \(bind: username)").first().map(Self.user)
        }
    }

    public func users() async throws -> [User] {
        try await read { db in try await db.raw("SELECT * FROM users ORDER BY username").all().map(Self.user) }
    }

    public func userCount() async throws -> Int {
        try await read { db in
            try await db.raw("SELECT COUNT(*) AS n FROM users").first()?.decode(column: "n", as: Int.self) ?? 0
        }
    }

    public func setRoles(
        of userID: UserID, roles: Set<Role>, organizationID: OrganizationID?, unitID: UnitID?, by actor: AuditActor
    ) async throws -> User {
        if roles.contains(.reporter) && unitID == nil {
            throw StorageError.invalid(field: "所属单位", message: "单位填报人必须指定所属单位")
        }
        return try await transaction { db in
            guard
                let old = try await db.raw("SELECT * FROM users WHERE id = \(bind: userID.rawValue)").first().map(
                    Self.user)
            else { throw StorageError.notFound(what: "用户", id: userID.rawValue) }
            try await self.checkReferences(db, organizationID: organizationID, unitID: unitID)
            try await db.raw(
                """
                UPDATE users SET roles = \(bind: Self.rolesText(roles)), organization_id = \(bind: organizationID?.rawValue),
                unit_id = \(bind: unitID?.rawValue) WHERE id = \(bind: userID.rawValue)
                """
            ).run()
            var new = old
            new.roles = roles
            new.organizationID = organizationID
            new.unitID = unitID
            try await self.audit(
                db, actor, entity: "user:\(userID)", action: "roles", old: Self.json(AuditedUser(old)),
                new: Self.json(AuditedUser(new)))
            if !old.roles.isSubset(of: roles) {
                try await self.revokeAPITokens(db, of: userID, cause: "roles", by: actor)
            }
            return new
        }
    }

    public func setPasswordHash(of userID: UserID, hash: String, by actor: AuditActor) async throws {
        try await transaction { db in
            guard try await db.raw("SELECT id FROM users WHERE id = \(bind: userID.rawValue)").first() != nil
            else { throw StorageError.notFound(what: "用户", id: userID.rawValue) }
            try await db.raw(
                "UPDATE users SET password_hash = \(bind: hash) WHERE id = \(bind: userID.rawValue)"
            ).run()
            try await self.audit(db, actor, entity: "user:\(userID)", action: "password", old: nil, new: nil)
            try await self.revokeAPITokens(db, of: userID, cause: "password", by: actor)
        }
    }

    // MARK: Sessions and tokens

    public func createSession(_ session: Session) async throws {
        try await write { db in
            // Expired sessions are removed whenever a new one starts.
            try await db.raw("DELETE FROM sessions WHERE expires_at <= \(bind: Self.seconds(session.createdAt))").run()
            try await db.raw(
                """
                INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES (\(bind: session.tokenHash),
                \(bind: session.userID.rawValue), \(bind: session.csrfToken), \(bind: Self.seconds(session.createdAt)),
                \(bind: Self.seconds(session.expiresAt)))
                """
            ).run()
        }
    }

    public func session(tokenHash: String, now: Date) async throws -> Session? {
        try await read { db in
            guard
                let row = try await db.raw(
                    "SELECT * FROM sessions WHERE token_hash = \(bind: tokenHash) AND expires_at > \(bind: Self.seconds(now))"
                ).first()
            else { return nil }
            return Session(
                tokenHash: try row.decode(column: "token_hash", as: String.self),
                userID: UserID(try row.decode(column: "user_id", as: String.self)),
                csrfToken: try row.decode(column: "csrf_token", as: String.self),
                createdAt: Self.date(try row.decode(column: "created_at", as: Int.self)),
                expiresAt: Self.date(try row.decode(column: "expires_at", as: Int.self)))
        }
    }

    public func deleteSession(tokenHash: String) async throws {
        try await write { db in try await db.raw("DELETE FROM sessions WHERE token_hash = \(bind: tokenHash)").run() }
    }

    public func deleteSessions(of userID: UserID, keeping: String?) async throws {
        try await write { db in
            try await db.raw(
                "DELETE FROM sessions WHERE user_id = \(bind: userID.rawValue) AND token_hash <> \(bind: keeping ?? "")"
            ).run()
        }
    }

    public func createAPIToken(_ token: APIToken, by actor: AuditActor) async throws {
        try requireText(token.name, field: "令牌名称")
        try await transaction { db in
            try await db.raw("DELETE FROM api_tokens WHERE expires_at <= \(bind: Self.seconds(token.createdAt))").run()
            try await db.raw(
                """
                INSERT INTO api_tokens (token_hash, id, user_id, name, created_at, expires_at) VALUES (\(bind: token.tokenHash),
                \(bind: token.id.rawValue), \(bind: token.userID.rawValue), \(bind: token.name), \(bind: Self.seconds(token.createdAt)),
                \(bind: Self.seconds(token.expiresAt)))
                """
            ).run()
            try await self.audit(
                db, actor, entity: "user:\(token.userID)", action: "api-token", old: nil,
                new:
                    "{\"tokenID\":\(AuditEntryJSON.string(token.id.rawValue)),\"name\":\(AuditEntryJSON.string(token.name))}"
            )
        }
    }

    public func apiToken(tokenHash: String, now: Date) async throws -> APIToken? {
        try await read { db in
            try await db.raw(
                "SELECT * FROM api_tokens WHERE token_hash = \(bind: tokenHash) AND expires_at > \(bind: Self.seconds(now))"
            ).first().map(Self.apiToken)
        }
    }

    // MARK: Assessments

    public func createAssessment(_ assessment: Assessment, by actor: AuditActor) async throws {
        try requireText(assessment.title, field: "考核名称")
        try requireText(assessment.schemeID, field: "考核方案")
        guard (2000...2100).contains(assessment.year) else {
            throw StorageError.invalid(field: "考核年度", message: "\(assessment.year) 不在 2000–2100 之间")
        }
        try await transaction { db in
            try await self.checkReferences(db, organizationID: assessment.organizationID, unitID: nil)
            try await db.raw(
                """
                INSERT INTO assessments (id, organization_id, scheme_id, year, title, state, created_at, submission_deadline,
                objection_deadline, parameters)
                VALUES (\(bind: assessment.id.rawValue), \(bind: assessment.organizationID.rawValue), \(bind: assessment.schemeID),
                \(bind: assessment.year), \(bind: assessment.title), \(bind: assessment.state.rawValue), \(bind: Self.seconds(assessment.createdAt)),
                \(bind: assessment.submissionDeadline?.description), \(bind: assessment.objectionDeadline?.description),
                \(bind: assessment.parameters))
                """
            ).run()
            try await self.audit(
                db, actor, entity: "assessment:\(assessment.id)", action: "create", old: nil, new: Self.json(assessment)
            )
        }
    }

    public func assessment(_ id: AssessmentID) async throws -> Assessment? {
        try await read { db in
            try await db.raw("SELECT * FROM assessments WHERE id = \(bind: id.rawValue)").first().map(Self.assessment)
        }
    }

    public func assessments() async throws -> [Assessment] {
        try await read { db in
            try await db.raw("SELECT * FROM assessments ORDER BY year DESC, title").all().map(Self.assessment)
        }
    }

    /// Loads an assessment inside a transaction and refuses if it is final (or, with `needsFacts`, not accepting facts).
    /// `forUpdate`: on PostgreSQL the row stays locked until the transaction ends, so that life-cycle rules
    /// checked here (no open objection at 定稿, 公示 when lodging one) cannot be overtaken by another
    /// instance's transaction. SQLite transactions already hold the database's one write lock.
    func lockedCheck(
        _ db: any SQLDatabase, _ id: AssessmentID, operation: String, needsFacts: Bool = false, forUpdate: Bool = false
    )
        async throws -> Assessment
    {
        let lock = forUpdate && db.dialect.name != "sqlite" ? " FOR UPDATE" : ""
        guard
            let assessment = try await db.raw(
                "SELECT * FROM assessments WHERE id = \(bind: id.rawValue)\(unsafeRaw: lock)"
            ).first().map(Self.assessment)
        else { throw StorageError.notFound(what: "考核", id: id.rawValue) }
        try Self.requireAccepting(state: assessment.state.rawValue, id, operation: operation, needsFacts: needsFacts)
        return assessment
    }

    /// Refuses every change to a final assessment, and facts outside the states that take them.
    static func requireAccepting(state text: String, _ id: AssessmentID, operation: String, needsFacts: Bool)
        throws
    {
        guard let state = AssessmentState(rawValue: text) else { throw StorageError.database("未知的考核状态：\(text)") }
        if state == .final { throw StorageError.locked(assessment: id) }
        if needsFacts && !state.acceptsFacts {
            throw StorageError.invalidState(assessment: id, state: state, operation: operation)
        }
    }

    public func transition(_ id: AssessmentID, to state: AssessmentState, by actor: AuditActor) async throws
        -> Assessment
    {
        // 公示 and 定稿 publish results in the same transaction: only `publish` enters them.
        guard state != .publicity && state != .final else { throw StorageError.publishRequired(to: state) }
        return try await transaction { db in
            let current = try await self.lockedCheck(db, id, operation: "变更状态", forUpdate: true)
            guard current.state.allowedNext.contains(state) else {
                throw StorageError.invalidTransition(from: current.state, to: state)
            }
            try await self.changeState(db, current, to: state, by: actor)
            var updated = current
            updated.state = state
            return updated
        }
    }

    /// Moves `current` to `state` and audits it; a concurrent change by another instance (the row's state no
    /// longer the one read) fails instead of being overwritten.
    func changeState(_ db: any SQLDatabase, _ current: Assessment, to state: AssessmentState, by actor: AuditActor)
        async throws
    {
        let changed = try await db.raw(
            """
            UPDATE assessments SET state = \(bind: state.rawValue) WHERE id = \(bind: current.id.rawValue)
            AND state = \(bind: current.state.rawValue) RETURNING id
            """
        ).first()
        guard changed != nil else { throw StorageError.invalidTransition(from: current.state, to: state) }
        try await self.audit(
            db, actor, entity: "assessment:\(current.id)", action: "state",
            old: AuditEntryJSON.string(current.state.rawValue), new: AuditEntryJSON.string(state.rawValue))
    }

    public func enrol(_ units: [UnitID], in assessmentID: AssessmentID, by actor: AuditActor) async throws {
        try await transaction { db in
            _ = try await self.lockedCheck(db, assessmentID, operation: "报名单位")
            for unitID in units {
                try await self.checkReferences(db, organizationID: nil, unitID: unitID)
                let inserted = try await db.raw(
                    """
                    INSERT INTO enrolments (assessment_id, unit_id) VALUES (\(bind: assessmentID.rawValue), \(bind: unitID.rawValue))
                    ON CONFLICT DO NOTHING RETURNING unit_id
                    """
                ).first()
                if inserted != nil {
                    try await self.audit(
                        db, actor, entity: "assessment:\(assessmentID)", action: "enrol", old: nil,
                        new: AuditEntryJSON.string(unitID.rawValue))
                }
            }
        }
    }

    public func enrolments(of assessmentID: AssessmentID) async throws -> [Enrolment] {
        try await read { db in
            // Kept per chain head as unit lists are (enrolling is audited; 5,000 were read on each page).
            try await self.headCached(self.enrolmentLists, assessmentID, on: db) {
                try await db.raw(
                    "SELECT unit_id FROM enrolments WHERE assessment_id = \(bind: assessmentID.rawValue) ORDER BY unit_id"
                ).all().map {
                    Enrolment(
                        assessmentID: assessmentID, unitID: UnitID(try $0.decode(column: "unit_id", as: String.self)))
                }
            }
        }
    }

    public func assign(_ assignment: EvaluatorAssignment, by actor: AuditActor) async throws {
        try await transaction { db in
            _ = try await self.lockedCheck(db, assignment.assessmentID, operation: "分配评分人")
            guard
                let evaluator = try await db.raw("SELECT * FROM users WHERE id = \(bind: assignment.userID.rawValue)")
                    .first().map(Self.user)
            else { throw StorageError.notFound(what: "用户", id: assignment.userID.rawValue) }
            guard evaluator.has(.evaluator) else {
                throw StorageError.invalid(field: "评分人", message: "用户“\(evaluator.username)”没有评分人角色")
            }
            try await self.checkReferences(db, organizationID: nil, unitID: assignment.unitID)
            try await db.raw(
                """
                INSERT INTO evaluator_assignments (id, assessment_id, user_id, unit_id, item_id) VALUES (\(bind: assignment.id.rawValue),
                \(bind: assignment.assessmentID.rawValue), \(bind: assignment.userID.rawValue), \(bind: assignment.unitID?.rawValue),
                \(bind: assignment.itemID))
                """
            ).run()
            try await self.audit(
                db, actor, entity: "assessment:\(assignment.assessmentID)", action: "assign", old: nil,
                new: Self.json(assignment))
        }
    }

    public func assignments(of assessmentID: AssessmentID) async throws -> [EvaluatorAssignment] {
        try await read { db in
            // Kept per chain head (assigning is audited).
            try await self.headCached(self.assignmentLists, assessmentID, on: db) {
                try await db.raw(
                    "SELECT * FROM evaluator_assignments WHERE assessment_id = \(bind: assessmentID.rawValue) ORDER BY id"
                ).all().map(Self.assignment)
            }
        }
    }

    static func assignment(_ row: any SQLRow) throws -> EvaluatorAssignment {
        EvaluatorAssignment(
            id: AssignmentID(try row.decode(column: "id", as: String.self)),
            assessmentID: AssessmentID(try row.decode(column: "assessment_id", as: String.self)),
            userID: UserID(try row.decode(column: "user_id", as: String.self)),
            unitID: try row.decode(column: "unit_id", as: String?.self).map(UnitID.init),
            itemID: try row.decode(column: "item_id", as: String?.self))
    }
}

/// JSON text helpers for the small audit values.
enum AuditEntryJSON {
    static func string(_ text: String) -> String {
        let data = (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

/// Checks that facts text is a JSON object.
enum FactsJSON {
    static func validateObject(_ json: String, field: String) throws {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed])
        } catch {
            throw StorageError.invalid(field: field, message: "不是有效的 JSON")
        }
        guard object is [String: Any] else { throw StorageError.invalid(field: field, message: "必须是 JSON 对象 {…}") }
    }
}
