import Foundation
import KaoheEngine
import KaoheStorage
import Testing

@testable import KaoheApplication
@testable import KaoheWeb

/// Units in every state a dashboard counts: the fixture's Xinbei assessment opened with five units.
///
/// Deadline 2023-11-10, today 2023-11-14 (Tuesday). A submitted on time and had items 1 and 2 returned, then answered
/// item 1; D submitted on time and waits for review; E submitted late within its extension; C saved an entry
/// within its extension; B has done nothing (overdue). (Objections need 公示: the demo test counts Shuangyashan's.) Ledger: B has two items,
/// one overdue, one answered and waiting for verification.
struct DashboardWorld {
    let f: Fixture
    let unitC: AssessedUnit
    let unitD: AssessedUnit
    let unitE: AssessedUnit
    let reporterB: User
    var a: AssessmentID { f.assessment.id }
    var ops: Operations { Operations(f.deps) }

    static func make(backend: String = "sqlite") async throws -> DashboardWorld {
        let f = try await Fixture.make(backend: backend)
        let store = f.store
        let a = f.assessment.id
        let unitC = AssessedUnit(organizationID: f.org.id, code: "C01", name: "宝山区", type: .county)
        let unitD = AssessedUnit(organizationID: f.org.id, code: "D01", name: "四方台区", type: .county)
        let unitE = AssessedUnit(organizationID: f.org.id, code: "E01", name: "集贤县", type: .county)
        try await store.createUnits([unitC, unitD, unitE], by: .system)
        try await store.enrol([f.unitB.id, unitC.id, unitD.id, unitE.id], in: a, by: .system)
        _ = try await store.transition(a, to: .open, by: .system)
        _ = try await store.setDeadlines(a, submission: Day("2023-11-20"), objection: nil, by: .system)
        let now = f.clock.now
        func submit(_ unit: AssessedUnit, late: Bool) async throws {
            try await store.saveSelfAssessment(
                SelfAssessmentEntry(
                    assessmentID: a, unitID: unit.id, itemID: "1", selfScore: "2", note: "", claimedFacts: nil),
                expectedVersion: 0, by: .system)
            try await store.submit(
                Submission(
                    assessmentID: a, unitID: unit.id, number: 1, submittedAt: now, submittedBy: nil, late: late,
                    deadline: nil, snapshot: "[]"),
                by: .system)
        }
        func review(_ unit: AssessedUnit, _ item: String, _ kind: ReviewKind, _ text: String) async throws {
            try await store.addReviewAction(
                ReviewAction(
                    assessmentID: a, unitID: unit.id, itemID: item, kind: kind, text: text, createdBy: nil,
                    createdAt: now),
                by: .system)
        }
        try await submit(f.unitA, late: false)
        try await review(f.unitA, "1", .return, "请补充统计口径")
        try await review(f.unitA, "2", .return, "请补充明细表")
        try await review(f.unitA, "1", .answer, "已补充")
        try await submit(unitD, late: false)
        // The deadline moves forward to 2023-11-10: B is overdue; C and E have extensions to 2023-11-20.
        _ = try await store.setDeadlines(a, submission: Day("2023-11-10"), objection: nil, by: .system)
        for unit in [unitC, unitE] {
            try await store.extendDeadline(
                DeadlineExtension(
                    assessmentID: a, unitID: unit.id, deadline: Day("2023-11-20")!, reason: "材料补报", createdBy: nil,
                    createdAt: now),
                by: .system)
        }
        try await submit(unitE, late: true)
        try await store.saveSelfAssessment(
            SelfAssessmentEntry(
                assessmentID: a, unitID: unitC.id, itemID: "1", selfScore: nil, note: "草稿", claimedFacts: nil),
            expectedVersion: 0, by: .system)
        let reporterB = try await AuthService(f.deps).createUser(
            username: "reporter-b", displayName: "岭东区填报人", password: testPassword, roles: [.reporter],
            organizationID: nil, unitID: f.unitB.id, by: .system)
        let ops = Operations(f.deps)
        let organizer = f.users[.organizer]!
        for days in ["1", "10"] {
            _ = try await ops.openLedgerItem(
                a.rawValue,
                LedgerItemInput(
                    unit: f.unitB.id.rawValue, item: "23", problem: "办件超期\(days)", measures: "限期办结", workingDays: days),
                by: organizer)
        }
        let answered = try #require(try await store.rectificationItems(assessment: a, unit: f.unitB.id).last)
        _ = try await ops.stepLedgerItem(
            a.rawValue, item: answered.id, action: "start", text: "", verdict: "", points: "", by: reporterB)
        _ = try await ops.stepLedgerItem(
            a.rawValue, item: answered.id, action: "answer", text: "已办结", verdict: "", points: "", by: reporterB)
        // Three days later (Friday 2023-11-17): the one-working-day item is overdue.
        f.clock.advance(3 * 86_400)
        return DashboardWorld(f: f, unitC: unitC, unitD: unitD, unitE: unitE, reporterB: reporterB)
    }
}

@Suite("Dashboards: what waits for each role")
struct DashboardTests {
    @Test(
        "The organizer's counts equal what the submissions page, the ledger and the objections show",
        arguments: Fixture.backends)
    func organizerCounts(backend: String) async throws {
        let world = try await DashboardWorld.make(backend: backend)
        let organizer = world.f.users[.organizer]!
        let dashboard = try await world.ops.dashboard(for: organizer)
        let card = try #require(dashboard.organizer.first { $0.assessment.id == world.a })
        let load = card.workload

        // The same numbers from the rows, through the pages' own operations.
        let rows = try await world.ops.submissionsDashboard(world.a.rawValue, for: organizer).rows
        func units(_ match: (SubmissionRow) -> Bool) -> Set<String> { Set(rows.filter(match).map(\.unit.code)) }
        #expect(load.enrolled == rows.count && load.enrolled == 5)
        #expect(load.submitted == units { $0.lastSubmission != nil }.count && load.submitted == 3)
        #expect(load.submittedLate == units { $0.status == .submitted(late: true) }.count && load.submittedLate == 1)
        #expect(units(\.overdue) == ["B01"] && load.overdue == 1)
        #expect(units { $0.status == .draft } == ["C01"] && load.drafting == 1)
        #expect(load.notStarted == units { $0.status == .notStarted }.count && load.notStarted == 1)
        #expect(Set(load.awaitingReview) == [world.unitD.id, world.unitE.id])
        #expect(load.returned == [world.f.unitA.id: 1] && load.answersToReview == [world.f.unitA.id: 1])
        #expect(load.openObjections == 0)
        let ledger = try await world.f.store.rectificationItems(assessment: world.a, unit: nil)
        let today = Day("2023-11-17")!
        #expect(load.openRectifications == ledger.filter(\.state.isOpen).count && load.openRectifications == 2)
        #expect(load.overdueRectifications == ledger.filter { $0.isOverdue(on: today) }.count)
        #expect(load.overdueRectifications == 1 && load.rectificationsToVerify == 1)
        #expect(card.nextDeadline?.label == "自评提交截止" && card.nextDeadline?.passed == true)

        // The page shows each number as a link to the list behind it.
        try await world.f.test { client in
            let browser = Browser(client)
            try await browser.login("organizer")
            let page = try await browser.get(SiteURL.dashboard.path).text
            let a = world.a
            for (key, value, url) in [
                ("submitted", 3, SiteURL.submissions(.value(a)).path),
                ("overdue", 1, SiteURL.submissions(.value(a)).path),
                ("awaiting-review", 2, SiteURL.submissions(.value(a)).path),
                ("rectifications-overdue", 1, SiteURL.ledger(.value(a)).path(query: [("overdue", "1")])),
                (
                    "rectifications-verify", 1,
                    SiteURL.ledger(.value(a)).path(query: [("state", "awaiting_verification")])
                ),
            ] {
                let expected = "<a href=\"\(HTML.escape(url))\"><b data-count=\"\(key)\">\(value)</b>"
                #expect(page.contains(expected), "\(key): \(expected)")
            }
        }
    }

    @Test("The reporter sees its deadline in working days, its returned items with reasons and its ledger items")
    func reporter() async throws {
        let world = try await DashboardWorld.make()
        // 2023-11-17 (Friday) to the extension on 2023-11-20 (Monday): one working day.
        let reporterC = try await AuthService(world.f.deps).createUser(
            username: "reporter-c", displayName: "宝山区填报人", password: testPassword, roles: [.reporter],
            organizationID: nil, unitID: world.unitC.id, by: .system)
        let c = try #require(try await world.ops.dashboard(for: reporterC).reporter?.cards.first)
        #expect(c.status == .draft && c.deadline?.day == Day("2023-11-20") && c.deadline?.workingDaysLeft == 1)

        let a = try #require(try await world.ops.dashboard(for: world.f.users[.reporter]!).reporter?.cards.first)
        #expect(a.status == .returned(items: 1) && a.deadline == nil)
        #expect(a.returned.map(\.itemID) == ["2"] && a.returned.first?.reason == "请补充明细表")
        #expect(a.answeredObjections.isEmpty && a.openObjections == 0)

        let b = try #require(try await world.ops.dashboard(for: world.reporterB).reporter?.cards.first)
        #expect(b.deadline?.passed == true && b.rectifications.count == 2)
        let page = Views.dashboard(
            try await world.ops.dashboard(for: world.reporterB),
            identity: Identity(user: world.reporterB, session: nil), csrf: "")
        #expect(page.text.contains("办件超期1") && page.text.contains("（已逾期）") && page.text.contains("已过期"))
        #expect(!page.text.contains("dash-organizer"), "a reporter sees no organizer part")
        await world.f.store.shutdown()
    }

    @Test("The evaluator sees only its assigned units: what is left to score and the submissions waiting for review")
    func evaluator() async throws {
        let world = try await DashboardWorld.make()
        let evaluator = world.f.users[.evaluator]!
        #expect(try await world.ops.dashboard(for: evaluator).evaluator.isEmpty)
        for unit in [world.unitD, world.f.unitB] {
            try await world.f.store.assign(
                EvaluatorAssignment(assessmentID: world.a, userID: evaluator.id, unitID: unit.id, itemID: "22"),
                by: .system)
        }
        let card = try #require(try await world.ops.dashboard(for: evaluator).evaluator.first)
        #expect(card.units == 2 && card.items.map(\.id) == ["22"])
        #expect(card.awaitingReview.map(\.id) == [world.unitD.id], "E waits too, but is not assigned")
        // Items 22 and 24 have no facts yet (the others start from their defaults): only the assigned 22 counts.
        let scores = try await world.ops.cachedScores(world.a.rawValue, for: evaluator).scores
        let pending = scores.rows.filter { [world.unitD.id, world.f.unitB.id].contains($0.unit.id) }
            .filter { $0.result.pending.contains("22") }.count
        #expect(card.leftToScore == pending && card.leftToScore == 2 && card.unitsLeftToScore == 2)
        // The counts are kept only while nothing is written: D's review shows at once.
        try await world.f.store.addReviewAction(
            ReviewAction(
                assessmentID: world.a, unitID: world.unitD.id, itemID: "1", kind: .accept, text: "", createdBy: nil,
                createdAt: world.f.clock.now),
            by: .system)
        #expect(try await world.ops.dashboard(for: evaluator).evaluator.first?.awaitingReview.isEmpty == true)
        await world.f.store.shutdown()
    }
}
