import Foundation
import KaoheEngine
import KaoheStorage
import KaoheTestSupport
import Testing

@testable import KaoheStorageSQL

@Suite("SQL store")
struct SQLStoreTests {
    @Test("Unit lists kept per chain head show units another instance added", arguments: Backend.all)
    func unitListsFollowOtherInstances(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let world = try await World.make(in: store)
            #expect(try await store.units(in: world.org.id).map(\.code) == ["A01", "B01"])
            #expect(try await store.units(in: nil).count == 2)
            let other = try await secondStore(on: store)
            let added = AssessedUnit(
                organizationID: world.org.id, code: "C01", name: "平桥区民政局", type: .districtDepartment)
            try await other.createUnits([added], by: .system)
            await other.shutdown()
            #expect(try await store.units(in: world.org.id).map(\.code) == ["A01", "B01", "C01"])
            #expect(try await store.units(in: nil).map(\.code) == ["A01", "B01", "C01"])
        }
    }

    @Test("Enrolments and assignments kept per chain head show another instance's changes", arguments: Backend.all)
    func enrolmentListsFollowOtherInstances(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let world = try await World.make(in: store)
            let assessment = Assessment(
                organizationID: world.org.id, schemeID: "pingqiao-2022", year: 2022, title: "2022年度政务公开考核")
            try await store.createAssessment(assessment, by: .user(world.admin))
            try await store.enrol([world.unitA.id], in: assessment.id, by: .user(world.admin))
            #expect(try await store.enrolments(of: assessment.id).map(\.unitID) == [world.unitA.id])
            #expect(try await store.assignments(of: assessment.id).isEmpty)
            let other = try await secondStore(on: store)
            try await other.enrol([world.unitB.id], in: assessment.id, by: .user(world.admin))
            try await other.assign(
                EvaluatorAssignment(
                    assessmentID: assessment.id, userID: world.evaluator.id, unitID: world.unitB.id, itemID: nil),
                by: .user(world.admin))
            await other.shutdown()
            let enrolled = try await store.enrolments(of: assessment.id)
            #expect(Set(enrolled.map(\.unitID)) == [world.unitA.id, world.unitB.id])
            #expect(enrolled.allSatisfy { $0.assessmentID == assessment.id })
            #expect(try await store.assignments(of: assessment.id).map(\.unitID) == [world.unitB.id])
        }
    }

    @Test("Audit counts kept per chain head count another instance's entries", arguments: Backend.all)
    func auditCountsFollowOtherInstances(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let world = try await World.make(in: store)
            let units = AuditQuery(entityPrefix: "unit:")
            #expect(try await store.auditCount(units, cap: 100) == 2)
            #expect(try await store.auditCount(units, cap: 1) == 1)
            let other = try await secondStore(on: store)
            let added = AssessedUnit(
                organizationID: world.org.id, code: "C01", name: "平桥区民政局", type: .districtDepartment)
            try await other.createUnits([added], by: .system)
            await other.shutdown()
            #expect(try await store.auditCount(units, cap: 100) == 3)
            #expect(try await store.auditCount(AuditQuery(entityPrefix: "unit:\(added.id)"), cap: 100) == 1)
        }
    }

    @Test(
        "atomically: the calls inside commit together or not at all, see their own writes, keep no cache",
        arguments: Backend.all)
    func atomically(_ backend: Backend) async throws {
        struct Refused: Error {}
        try await withStore(backend) { store in
            let world = try await World.make(in: store)
            let head = try await store.dataVersion()
            let lost = AssessedUnit(organizationID: world.org.id, code: "C01", name: "平桥区民政局", type: .other)
            await #expect(throws: (any Error).self) {
                try await store.atomically {
                    try await store.createUnits([lost], by: .system)
                    // Inside, the store's reads see the transaction's own writes.
                    #expect(try await store.units(in: world.org.id).map(\.code) == ["A01", "B01", "C01"])
                    let note = InboxNotification(
                        userID: world.evaluator.id, kind: .rectification, title: "新的整改事项", body: "", link: "/",
                        dedupeKey: "atomic-1", createdAt: Date())
                    _ = try await store.addNotifications([note]) { _, _ in nil }
                    throw Refused()
                }
            }
            #expect(try await store.dataVersion() == head)
            #expect(try await store.units(in: world.org.id).map(\.code) == ["A01", "B01"])
            #expect(try await store.notifications(of: world.evaluator.id, limit: 10).isEmpty)
            // The head the rolled-back change reached is reached again by another change: nothing stale is kept.
            let kept = AssessedUnit(organizationID: world.org.id, code: "D01", name: "平桥区水利局", type: .other)
            try await store.createUnits([kept], by: .system)
            #expect(try await store.units(in: world.org.id).map(\.code) == ["A01", "B01", "D01"])
            let both = try await store.atomically {
                try await store.createUnits([lost], by: .system)
                let note = InboxNotification(
                    userID: world.evaluator.id, kind: .rectification, title: "新的整改事项", body: "", link: "/",
                    dedupeKey: "atomic-2", createdAt: Date())
                return try await store.addNotifications([note]) { _, _ in nil }.count
            }
            #expect(both == 1)
            #expect(try await store.units(in: world.org.id).map(\.code) == ["A01", "B01", "C01", "D01"])
            #expect(try await store.notifications(of: world.evaluator.id, limit: 10).map(\.dedupeKey) == ["atomic-2"])
            #expect(try await store.verifyAudit() == .intact(entries: try await store.dataVersion()))
        }
    }

    @Test(
        "Database addresses parse",
        arguments: [
            ("kaohe-data/kaohe.sqlite", DatabaseLocation.sqlite(path: "kaohe-data/kaohe.sqlite")),
            ("sqlite:/tmp/x.db", .sqlite(path: "/tmp/x.db")),
            ("sqlite:///tmp/y.db", .sqlite(path: "/tmp/y.db")),
            ("  /srv/kaohe.sqlite ", .sqlite(path: "/srv/kaohe.sqlite")),
            ("postgresql://u:p@127.0.0.1:5432/db", .postgres(url: "postgres://u:p@127.0.0.1:5432/db")),
            ("postgres://u@h/db", .postgres(url: "postgres://u@h/db")),
        ])
    func locations(_ text: String, _ expected: DatabaseLocation) throws {
        #expect(try DatabaseLocation.parse(text) == expected)
    }

    @Test(
        "Bad database addresses are refused with the address named", arguments: ["mysql://x", "http://h/db", "  ", ""])
    func badLocations(_ text: String) throws {
        let error = #expect(throws: SQLStoreError.self) { try DatabaseLocation.parse(text) }
        guard case .badDatabaseURL(let named, _) = error else {
            Issue.record("expected badDatabaseURL, got \(String(describing: error))")
            return
        }
        #expect(named == text)
        #expect(error?.description.contains("“\(text)”") == true, "\(String(describing: error))")
    }

    @Test("A printed PostgreSQL address hides its password")
    func passwordHidden() throws {
        let location = try DatabaseLocation.parse("postgres://u:secret@h/db")
        #expect(location.description == "postgres://u:***@h/db")
        #expect(try DatabaseLocation.parse("postgres://u@h/db").description == "postgres://u@h/db")
    }

    @Test(
        "A store dropped without shutdown (after an error) closes its connections instead of crashing",
        .timeLimit(.minutes(1)), arguments: Backend.all)
    func droppedWithoutShutdown(_ backend: Backend) async throws {
        let closing: ShutdownFlag
        var sqliteSlots: [SQLiteConnectionSlots] = []
        do {
            let store = try await backend.makeStore()
            #expect(try await store.userCount() == 0)
            closing = store.provider.closing
            if let sqlite = store.provider as? SQLiteProvider {
                sqliteSlots = [sqlite.writer, sqlite.readers]
                #expect(sqliteSlots.map(\.openCount).reduce(0, +) > 0, "the store opened no connection")
            }
            #expect(!closing.began)
        }
        #expect(closing.began, "dropping the store must start closing its connections")
        await closing.finished()
        #expect(sqliteSlots.map(\.openCount) == sqliteSlots.map { _ in 0 })
    }

    @Test("Migrations are numbered, recorded and applied once", arguments: Backend.all)
    func migrations(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let applied = try await store.appliedMigrationIDs()
            #expect(applied == Set(allMigrations.map(\.id)))
            let again = try await store.migrate()
            #expect(again.isEmpty)
            #expect(allMigrations.first?.fullName == "001_initial")
            #expect(allMigrations.map(\.id) == Array(1...allMigrations.count))
        }
    }

    @Test("Organizations and units: create, list, duplicates and unknown parents refused", arguments: Backend.all)
    func organizationsAndUnits(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let world = try await World.make(in: store)
            #expect(try await store.organizations().map(\.name) == ["平桥区考核办"])
            #expect(try await store.units(in: world.org.id).map(\.code) == ["A01", "B01"])
            #expect(try await store.unit(world.unitA.id) == world.unitA.roundedToSeconds())
            let township = AssessedUnit(
                organizationID: world.org.id, parentID: world.unitA.id, code: "X1", name: "某镇", type: .township)
            try await store.createUnits([township], by: .system)
            #expect(try await store.unit(township.id)?.parentID == world.unitA.id)

            let dup = AssessedUnit(organizationID: world.org.id, code: "A01", name: "重复", type: .other)
            await #expect(throws: StorageError.duplicate(what: "单位编码", value: "A01")) {
                try await store.createUnits([dup], by: .system)
            }
            // All or nothing: a good unit before a bad one is not kept.
            let good = AssessedUnit(organizationID: world.org.id, code: "C01", name: "好单位", type: .other)
            await #expect(throws: StorageError.self) { try await store.createUnits([good, dup], by: .system) }
            #expect(try await store.unit(good.id) == nil)
            let orphan = AssessedUnit(organizationID: OrganizationID("nope"), code: "Z", name: "孤儿", type: .other)
            await #expect(throws: StorageError.notFound(what: "组织", id: "nope")) {
                try await store.createUnits([orphan], by: .system)
            }
            await #expect(throws: StorageError.invalid(field: "组织名称", message: "不能为空")) {
                try await store.createOrganization(Organization(name: " "), by: .system)
            }
        }
    }

    @Test(
        "Users: unique names, roles, reporters need a unit, the audit never sees password hashes",
        arguments: Backend.all)
    func users(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let world = try await World.make(in: store)
            #expect(try await store.userCount() == 2)
            #expect(try await store.user(username: "admin")?.roles == [.admin])
            let again = User(username: "admin", displayName: "又一个", passwordHash: "y", roles: [])
            await #expect(throws: StorageError.duplicate(what: "用户名", value: "admin")) {
                try await store.createUser(again, by: .system)
            }
            await #expect(throws: StorageError.invalid(field: "所属单位", message: "单位填报人必须指定所属单位")) {
                _ = try await store.setRoles(
                    of: world.evaluator.id, roles: [.reporter], organizationID: nil, unitID: nil, by: .system)
            }
            let updated = try await store.setRoles(
                of: world.evaluator.id, roles: [.reporter, .evaluator], organizationID: world.org.id,
                unitID: world.unitA.id,
                by: .user(world.admin, reason: "兼任填报"))
            #expect(updated.roles == [.reporter, .evaluator])
            #expect(try await store.user(world.evaluator.id)?.unitID == world.unitA.id)
            try await store.setPasswordHash(of: world.evaluator.id, hash: "SECRET-HASH", by: .user(world.admin))
            #expect(try await store.user(world.evaluator.id)?.passwordHash == "SECRET-HASH")
            let log = try await store.auditLog(entityPrefix: "user:\(world.evaluator.id)", limit: 100)
            #expect(log.map(\.action) == ["create", "roles", "password"])
            #expect(log[1].reason == "兼任填报")
            #expect(log[1].newValue?.contains("reporter") == true)
            #expect(
                log.allSatisfy {
                    !($0.newValue ?? "").contains("SECRET") && !($0.newValue ?? "").contains("passwordHash")
                })
        }
    }

    @Test("Sessions expire and can be ended one by one or all but one", arguments: Backend.all)
    func sessions(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let world = try await World.make(in: store)
            let t0 = Date(timeIntervalSince1970: 1_700_000_000)
            let one = Session(
                tokenHash: "h1", userID: world.admin.id, csrfToken: "c1", createdAt: t0, expiresAt: t0 + 3600)
            let two = Session(
                tokenHash: "h2", userID: world.admin.id, csrfToken: "c2", createdAt: t0, expiresAt: t0 + 3600)
            try await store.createSession(one)
            try await store.createSession(two)
            #expect(try await store.session(tokenHash: "h1", now: t0 + 10) == one)
            #expect(try await store.session(tokenHash: "h1", now: t0 + 3600) == nil)
            #expect(try await store.session(tokenHash: "nope", now: t0) == nil)
            try await store.deleteSessions(of: world.admin.id, keeping: "h2")
            #expect(try await store.session(tokenHash: "h1", now: t0) == nil)
            #expect(try await store.session(tokenHash: "h2", now: t0) != nil)
            try await store.deleteSession(tokenHash: "h2")
            #expect(try await store.session(tokenHash: "h2", now: t0) == nil)

            // Starting a session removes expired ones.
            let old = Session(
                tokenHash: "old", userID: world.admin.id, csrfToken: "c", createdAt: t0, expiresAt: t0 + 60)
            try await store.createSession(old)
            let later = Session(
                tokenHash: "later", userID: world.admin.id, csrfToken: "c", createdAt: t0 + 120, expiresAt: t0 + 3600)
            try await store.createSession(later)
            #expect(try await store.session(tokenHash: "old", now: t0) == nil)
            #expect(try await store.session(tokenHash: "later", now: t0 + 130) != nil)

            let token = APIToken(tokenHash: "th", userID: world.admin.id, name: "脚本", createdAt: t0, expiresAt: t0 + 60)
            try await store.createAPIToken(token, by: .user(world.admin))
            #expect(try await store.apiToken(tokenHash: "th", now: t0)?.id == token.id)
            #expect(try await store.apiToken(tokenHash: "th", now: t0 + 60) == nil)
        }
    }

    @Test("Assessments follow draft → open → scoring → 公示 → final; final is locked", arguments: Backend.all)
    func lifeCycle(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let world = try await World.make(in: store)
            let draft = Assessment(organizationID: world.org.id, schemeID: "xinbei-sanheyi", year: 2023, title: "三合一考核")
            try await store.createAssessment(draft, by: .user(world.admin))
            await #expect(throws: StorageError.invalidTransition(from: .draft, to: .scoring)) {
                _ = try await store.transition(draft.id, to: .scoring, by: .user(world.admin))
            }
            try await store.enrol([world.unitA.id], in: draft.id, by: .user(world.admin))
            try await store.enrol([world.unitA.id, world.unitB.id], in: draft.id, by: .user(world.admin))
            #expect(try await store.enrolments(of: draft.id).count == 2)
            await #expect(throws: StorageError.invalidState(assessment: draft.id, state: .draft, operation: "录入事实")) {
                _ = try await store.saveFacts(
                    assessment: draft.id, unit: world.unitA.id, item: "x", json: "{}", expectedVersion: 0,
                    by: .user(world.admin))
            }
            _ = try await store.transition(draft.id, to: .open, by: .user(world.admin))
            _ = try await store.transition(draft.id, to: .scoring, by: .user(world.admin))
            // 公示 and 定稿 are entered only by publishing: a plain transition is refused and changes nothing.
            await #expect(throws: StorageError.publishRequired(to: .publicity)) {
                _ = try await store.transition(draft.id, to: .publicity, by: .user(world.admin))
            }
            #expect(try await store.assessment(draft.id)?.state == .scoring)
            for state in [AssessmentState.publicity, .scoring, .publicity, .final] {
                #expect(try await store.move(draft.id, to: state).state == state)
            }
            #expect(try await store.assessment(draft.id)?.state == .final)
            await #expect(throws: StorageError.locked(assessment: draft.id)) {
                _ = try await store.saveFacts(
                    assessment: draft.id, unit: world.unitA.id, item: "x", json: "{}", expectedVersion: 0,
                    by: .user(world.admin))
            }
            await #expect(throws: StorageError.locked(assessment: draft.id)) {
                try await store.enrol([world.unitA.id], in: draft.id, by: .user(world.admin))
            }
            await #expect(throws: StorageError.locked(assessment: draft.id)) {
                _ = try await store.transition(draft.id, to: .scoring, by: .user(world.admin))
            }
            let finding = Finding(
                assessmentID: draft.id, unitID: world.unitA.id, itemID: "x", date: Day("2023-05-04")!, note: "逾期答复")
            await #expect(throws: StorageError.locked(assessment: draft.id)) {
                try await store.addFinding(finding, by: .user(world.admin))
            }
            await #expect(throws: StorageError.locked(assessment: draft.id)) {
                try await store.assign(
                    EvaluatorAssignment(assessmentID: draft.id, userID: world.evaluator.id, unitID: nil, itemID: nil),
                    by: .user(world.admin))
            }
            let states = try await store.auditLog(entityPrefix: "assessment:\(draft.id)", limit: 100).filter {
                $0.action == "state"
            }
            #expect(
                states.map(\.newValue) == [
                    "\"open\"", "\"scoring\"", "\"publicity\"", "\"scoring\"", "\"publicity\"", "\"final\"",
                ])
        }
    }

    @Test("Evaluator assignments need the evaluator role", arguments: Backend.all)
    func assignments(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let world = try await World.make(in: store)
            let assessment = try await world.openAssessment(in: store)
            let assignment = EvaluatorAssignment(
                assessmentID: assessment.id, userID: world.evaluator.id, unitID: world.unitA.id, itemID: "gk1")
            try await store.assign(assignment, by: .user(world.admin))
            #expect(try await store.assignments(of: assessment.id) == [assignment])
            #expect(assignment.covers(unit: world.unitA.id, item: "gk1"))
            #expect(!assignment.covers(unit: world.unitB.id, item: "gk1"))
            await #expect(throws: StorageError.invalid(field: "评分人", message: "用户“admin”没有评分人角色")) {
                try await store.assign(
                    EvaluatorAssignment(assessmentID: assessment.id, userID: world.admin.id, unitID: nil, itemID: nil),
                    by: .user(world.admin))
            }
        }
    }

    @Test("Facts: versioned; the second writer gets a conflict and nothing is lost", arguments: Backend.all)
    func factsConflict(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let world = try await World.make(in: store)
            let assessment = try await world.openAssessment(in: store)
            let first = try await store.saveFacts(
                assessment: assessment.id, unit: world.unitA.id, item: "gk1", json: #"{"offline":3}"#,
                expectedVersion: 0,
                by: .user(world.evaluator))
            #expect(first.version == 1)
            // A second evaluator who also started from "nothing saved".
            await #expect(throws: StorageError.versionConflict(entity: "事实数据（项目 gk1）", expected: 0, actual: 1)) {
                _ = try await store.saveFacts(
                    assessment: assessment.id, unit: world.unitA.id, item: "gk1", json: #"{"offline":5}"#,
                    expectedVersion: 0,
                    by: .user(world.admin))
            }
            let second = try await store.saveFacts(
                assessment: assessment.id, unit: world.unitA.id, item: "gk1", json: #"{"offline":4}"#,
                expectedVersion: 1,
                by: .user(world.evaluator))
            #expect(second.version == 2)
            await #expect(throws: StorageError.versionConflict(entity: "事实数据（项目 gk1）", expected: 1, actual: 2)) {
                _ = try await store.saveFacts(
                    assessment: assessment.id, unit: world.unitA.id, item: "gk1", json: #"{"offline":9}"#,
                    expectedVersion: 1,
                    by: .user(world.admin))
            }
            let stored = try await store.facts(assessment: assessment.id, unit: world.unitA.id, item: "gk1")
            #expect(
                stored?.json == #"{"offline":4}"# && stored?.version == 2 && stored?.updatedBy == world.evaluator.id)
            #expect(try await store.facts(assessment: assessment.id, unit: world.unitA.id).count == 1)
            #expect(try await store.facts(assessment: assessment.id, unit: world.unitB.id).isEmpty)
            let log = try await store.auditLog(entityPrefix: "facts:\(assessment.id)/\(world.unitA.id)/gk1", limit: 10)
            #expect(log.map(\.action) == ["create", "update"])
            #expect(log[1].oldValue == #"{"offline":3}"# && log[1].newValue == #"{"offline":4}"#)

            await #expect(throws: StorageError.invalid(field: "事实数据（gk2）", message: "不是有效的 JSON")) {
                _ = try await store.saveFacts(
                    assessment: assessment.id, unit: world.unitA.id, item: "gk2", json: "{offline:", expectedVersion: 0,
                    by: .system)
            }
            await #expect(throws: StorageError.invalid(field: "事实数据（gk2）", message: "必须是 JSON 对象 {…}")) {
                _ = try await store.saveFacts(
                    assessment: assessment.id, unit: world.unitA.id, item: "gk2", json: "[1]", expectedVersion: 0,
                    by: .system)
            }
            let stranger = AssessedUnit(organizationID: world.org.id, code: "S1", name: "未参加单位", type: .other)
            try await store.createUnits([stranger], by: .system)
            await #expect(throws: StorageError.self) {
                _ = try await store.saveFacts(
                    assessment: assessment.id, unit: stranger.id, item: "gk1", json: "{}", expectedVersion: 0,
                    by: .system)
            }
        }
    }

    @Test("Concurrent writers of one item: exactly one wins, the chain stays intact", arguments: Backend.all)
    func concurrentFacts(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let world = try await World.make(in: store)
            let assessment = try await world.openAssessment(in: store)
            let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
                for n in 0..<12 {
                    group.addTask {
                        do {
                            _ = try await store.saveFacts(
                                assessment: assessment.id, unit: world.unitA.id, item: "race", json: "{\"n\":\(n)}",
                                expectedVersion: 0,
                                by: .system)
                            return true
                        } catch StorageError.versionConflict {
                            return false
                        }
                    }
                    group.addTask {
                        let finding = Finding(
                            assessmentID: assessment.id, unitID: world.unitB.id, itemID: "late",
                            date: Day("2023-01-0\(n % 9 + 1)")!,
                            note: "第\(n)件")
                        try await store.addFinding(finding, by: .system)
                        return false
                    }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 }.count == 1)
            #expect(try await store.findings(assessment: assessment.id, unit: world.unitB.id, item: "late").count == 12)
            #expect(
                try await store.verifyAudit()
                    == .intact(entries: try await store.auditLog(entityPrefix: nil, limit: 10_000).count))
        }
    }

    @Test("Findings are stored with date, note and evidence, listed by date", arguments: Backend.all)
    func findings(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let world = try await World.make(in: store)
            let assessment = try await world.openAssessment(in: store)
            let late = Finding(
                assessmentID: assessment.id, unitID: world.unitA.id, itemID: "yq", date: Day("2022-10-10")!,
                note: "依申请公开逾期答复",
                evidenceRef: "sha256:abc", createdBy: world.evaluator.id)
            let early = Finding(
                assessmentID: assessment.id, unitID: world.unitA.id, itemID: "yq", date: Day("2022-09-27")!,
                note: "网下办件")
            try await store.addFinding(late, by: .user(world.evaluator))
            try await store.addFinding(early, by: .user(world.evaluator))
            let listed = try await store.findings(assessment: assessment.id, unit: world.unitA.id, item: "yq")
            #expect(listed.map(\.date.description) == ["2022-09-27", "2022-10-10"])
            #expect(listed[1].evidenceRef == "sha256:abc" && listed[1].createdBy == world.evaluator.id)
            #expect(try await store.findings(assessment: assessment.id, unit: world.unitB.id, item: nil).isEmpty)
            await #expect(throws: StorageError.invalid(field: "问题说明", message: "不能为空")) {
                try await store.addFinding(
                    Finding(
                        assessmentID: assessment.id, unitID: world.unitA.id, itemID: "yq", date: Day("2022-01-01")!,
                        note: ""),
                    by: .system)
            }
        }
    }

    @Test("The audit chain detects edits and deletions made behind the application's back", arguments: Backend.all)
    func auditTamper(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let world = try await World.make(in: store)
            _ = try await world.openAssessment(in: store)
            let log = try await store.auditLog(entityPrefix: nil, limit: 1000)
            #expect(log.count >= 8)
            #expect(log.first?.prevHash == AuditEntry.genesisHash)
            #expect(zip(log, log.dropFirst()).allSatisfy { $0.hash == $1.prevHash })
            #expect(try await store.verifyAudit() == .intact(entries: log.count))

            try await store.unsafeExecute("UPDATE audit_log SET new_value = '{}' WHERE seq = 3")
            #expect(try await store.verifyAudit() == .broken(seq: 3, reason: "内容与哈希不符（记录被改动过）"))
            try await store.unsafeExecute("UPDATE audit_log SET new_value = '\(log[2].newValue!)' WHERE seq = 3")
            #expect(try await store.verifyAudit() == .intact(entries: log.count))

            try await store.unsafeExecute("DELETE FROM audit_log WHERE seq = \(log.count)")
            guard case .broken(let seq, _) = try await store.verifyAudit() else {
                Issue.record("deleting the last row went unnoticed")
                return
            }
            #expect(seq == log.count - 1)
        }
    }
}

extension AssessedUnit {
    /// The unit as stored: times are kept in whole seconds.
    func roundedToSeconds() -> AssessedUnit {
        var copy = self
        copy.createdAt = Date(timeIntervalSince1970: createdAt.timeIntervalSince1970.rounded(.down))
        return copy
    }
}
