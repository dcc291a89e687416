import Foundation
import KaoheEngine
import KaoheStorage
import KaoheStorageSQL
import Testing

/// The life-cycle rules hold inside the transaction that applies the change: entering 公示 publishes, 定稿
/// sees every objection lodged before it commits, an upheld objection and its correction commit together.
@Suite("SQL store: life-cycle rules in their transaction")
struct LifeCycleRuleTests {
    static let today = Day("2022-12-01")!

    /// An assessment of `world` in 公示 (version 1 published), with the objection window until `deadline`.
    static func inPublicity(_ world: World, _ store: SQLStore, deadline: Day? = nil) async throws -> Assessment {
        let a = try await world.openAssessment(in: store)
        _ = try await store.transition(a.id, to: .scoring, by: .user(world.admin))
        if deadline != nil {
            _ = try await store.setDeadlines(a.id, submission: nil, objection: deadline, by: .user(world.admin))
        }
        return try await store.publish(
            request(a.id, .publicity, results: #"{"units":[]}"#, by: world.admin), by: .user(world.admin)
        ).assessment
    }

    static func request(
        _ id: AssessmentID, _ state: AssessmentState?, results: String, upheld: UpheldObjection? = nil, by user: User
    ) -> PublicationRequest {
        PublicationRequest(
            assessmentID: id, moveTo: state, results: results, note: state == nil ? "更正" : nil, upheld: upheld,
            createdBy: user.id, createdAt: Date(), today: today)
    }

    static func objection(_ a: Assessment, _ world: World, item: String = "2.1") -> Objection {
        Objection(
            assessmentID: a.id, unitID: world.unitA.id, itemID: item, text: "覆盖率应为85%", evidenceIDs: [],
            publicationVersion: 1, scoreBefore: "15", createdBy: world.admin.id, createdAt: Date())
    }

    @Test(
        "公示 and 定稿 cannot be entered without publishing; the first 公示 always stores version 1", arguments: Backend.all)
    func enteringPublishes(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let world = try await World.make(in: store)
            let a = try await world.openAssessment(in: store)
            _ = try await store.transition(a.id, to: .scoring, by: .user(world.admin))
            for state in [AssessmentState.publicity, .final] {
                await #expect(throws: StorageError.publishRequired(to: state)) {
                    _ = try await store.transition(a.id, to: state, by: .user(world.admin))
                }
            }
            #expect(try await store.publications(of: a.id).isEmpty)
            // Straight from 评分 to 定稿 is not a step of the life cycle, even by publishing.
            await #expect(throws: StorageError.invalidTransition(from: .scoring, to: .final)) {
                _ = try await store.publish(
                    Self.request(a.id, .final, results: "{}", by: world.admin), by: .user(world.admin))
            }
            let outcome = try await store.publish(
                Self.request(a.id, .publicity, results: "{}", by: world.admin), by: .user(world.admin))
            #expect(outcome.assessment.state == .publicity && outcome.publication?.version == 1)
            // Back to 评分 and into 公示 again with the same results: the state changes, no new version.
            _ = try await store.transition(a.id, to: .scoring, by: .user(world.admin))
            let again = try await store.publish(
                Self.request(a.id, .publicity, results: "{}", by: world.admin), by: .user(world.admin))
            #expect(again.assessment.state == .publicity && again.publication == nil)
            #expect(try await store.publications(of: a.id).map(\.version) == [1])
            let audit = try await store.auditLog(entityPrefix: "assessment:\(a.id)", limit: 100)
            #expect(audit.filter { $0.action == "publish" }.count == 1)
        }
    }

    @Test("定稿 is refused inside its transaction until the objection window has closed", arguments: Backend.all)
    func windowChecked(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let world = try await World.make(in: store)
            let a = try await Self.inPublicity(world, store, deadline: Self.today)
            await #expect(throws: StorageError.objectionWindowOpen(until: Self.today)) {
                _ = try await store.publish(
                    Self.request(a.id, .final, results: #"{"units":[]}"#, by: world.admin), by: .user(world.admin))
            }
            #expect(try await store.assessment(a.id)?.state == .publicity)
            var later = Self.request(a.id, .final, results: #"{"units":[]}"#, by: world.admin)
            later.today = Day("2022-12-02")!
            #expect(try await store.publish(later, by: .user(world.admin)).assessment.state == .final)
        }
    }

    @Test("An upheld objection and its corrected version commit together or not at all", arguments: Backend.all)
    func upheldWithCorrection(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let world = try await World.make(in: store)
            let a = try await Self.inPublicity(world, store)
            let objection = Self.objection(a, world)
            try await store.addObjection(objection, by: .user(world.admin))
            let upheld = UpheldObjection(id: objection.id, answer: "已核实，更正", scoreAfter: "20")
            // The correction fails (results unchanged): the objection stays open.
            await #expect(throws: StorageError.unchangedResults(version: 1)) {
                _ = try await store.publish(
                    Self.request(a.id, nil, results: #"{"units":[]}"#, upheld: upheld, by: world.admin),
                    by: .user(world.admin))
            }
            #expect(try await store.objections(assessment: a.id, unit: nil).map(\.status) == [.open])
            #expect(try await store.publications(of: a.id).count == 1)
            // With changed results both are written.
            let outcome = try await store.publish(
                Self.request(a.id, nil, results: #"{"units":[{"id":"A01"}]}"#, upheld: upheld, by: world.admin),
                by: .user(world.admin))
            #expect(outcome.objection?.status == .upheld && outcome.publication?.version == 2)
            #expect(try await store.objections(assessment: a.id, unit: nil).map(\.status) == [.upheld])
            // An objection of another assessment cannot be upheld through this one.
            let other = try await Self.inPublicity(world, store)
            let foreign = Self.objection(other, world)
            try await store.addObjection(foreign, by: .user(world.admin))
            await #expect(throws: StorageError.notFound(what: "异议", id: foreign.id.rawValue)) {
                _ = try await store.publish(
                    Self.request(
                        a.id, nil, results: #"{"units":[{"id":"A02"}]}"#,
                        upheld: UpheldObjection(id: foreign.id, answer: "成立", scoreAfter: "1"), by: world.admin),
                    by: .user(world.admin))
            }
            #expect(try await store.objections(assessment: other.id, unit: nil).map(\.status) == [.open])
            #expect(
                try await store.verifyAudit()
                    == .intact(entries: try await store.auditLog(entityPrefix: nil, limit: 100_000).count))
        }
    }

    @Test("An objection lodged while 定稿 runs either blocks it or is refused, never lost", arguments: Backend.all)
    func objectionRacesFinal(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let world = try await World.make(in: store)
            // Two stores on one database: two instances of the app (on SQLite, two connections to the file).
            let other = try await secondStore(on: store)
            var finals = 0, objections = 0
            for _ in 0..<12 {
                let a = try await Self.inPublicity(world, store)
                async let final: Bool = {
                    do {
                        _ = try await store.publish(
                            Self.request(a.id, .final, results: #"{"units":[]}"#, by: world.admin),
                            by: .user(world.admin))
                        return true
                    } catch { return false }
                }()
                async let lodged: Bool = {
                    do {
                        try await other.addObjection(Self.objection(a, world), by: .user(world.admin))
                        return true
                    } catch { return false }
                }()
                let (finalised, objected) = await (final, lodged)
                let state = try await store.assessment(a.id)?.state
                let open = try await store.objections(assessment: a.id, unit: nil).filter { $0.status == .open }
                // Exactly one of them wins, and the stored state agrees with it.
                #expect(finalised != objected)
                if finalised {
                    #expect(state == .final && open.isEmpty)
                    finals += 1
                } else {
                    #expect(state == .publicity && open.count == 1)
                    objections += 1
                }
            }
            #expect(finals + objections == 12)
            await other.shutdown()
            #expect(
                try await store.verifyAudit()
                    == .intact(entries: try await store.auditLog(entityPrefix: nil, limit: 100_000).count))
        }
    }
}
