import Foundation
import KaoheEngine
import KaoheStorage
import Testing

@testable import KaoheApplication
@testable import KaoheWeb

/// The fixture's Xinbei assessment opened, the evaluator assigned to unit A, and unit B enrolled with its own
/// reporter.
struct LedgerWorld {
    let f: Fixture
    let reporterB: User
    var a: AssessmentID { f.assessment.id }
    var ops: Operations { Operations(f.deps) }
    var organizer: User { f.users[.organizer]! }
    var evaluator: User { f.users[.evaluator]! }
    var reporter: User { f.users[.reporter]! }

    static func make(backend: String = "sqlite") async throws -> LedgerWorld {
        let f = try await Fixture.make(backend: backend)
        try await f.store.enrol([f.unitB.id], in: f.assessment.id, by: .system)
        _ = try await f.store.transition(f.assessment.id, to: .open, by: .system)
        try await f.store.assign(
            EvaluatorAssignment(
                assessmentID: f.assessment.id, userID: f.users[.evaluator]!.id, unitID: f.unitA.id, itemID: nil),
            by: .system)
        let reporterB = try await AuthService(f.deps).createUser(
            username: "reporter-b", displayName: "岭东区填报人", password: testPassword, roles: [.reporter],
            organizationID: nil, unitID: f.unitB.id, by: .system)
        return LedgerWorld(f: f, reporterB: reporterB)
    }

    func open(_ unit: AssessedUnit, days: String = "5", problem: String = "办件超期未办结") async throws
        -> RectificationItem
    {
        try await ops.openLedgerItem(
            a.rawValue,
            LedgerItemInput(
                unit: unit.id.rawValue, item: "23", problem: problem, measures: "限期办结并说明原因", workingDays: days),
            by: organizer)
    }

    func step(
        _ item: RectificationItem, _ action: String, _ text: String = "", by user: User, verdict: String = "",
        points: String = ""
    ) async throws -> RectificationItem {
        try await ops.stepLedgerItem(
            a.rawValue, item: item.id, action: action, text: text, verdict: verdict, points: points, by: user)
    }
}

@Suite("Rectification ledger (整改台账)")
struct LedgerTests {
    @Test("The state machine: each action's next state from each state, and nothing else")
    func stateMachine() {
        let expected: [RectificationAction: [RectificationState: RectificationState]] = [
            .start: [.pending: .inProgress],
            .answer: [.pending: .awaitingVerification, .inProgress: .awaitingVerification],
            .verify: [.awaitingVerification: .closed],
            .return: [.awaitingVerification: .inProgress],
            .judge: [.pending: .pending, .inProgress: .inProgress, .awaitingVerification: .awaitingVerification],
            .clearJudgement: [
                .pending: .pending, .inProgress: .inProgress, .awaitingVerification: .awaitingVerification,
                .closed: .closed,
            ],
            .open: [:],
        ]
        var checked = 0
        for action in RectificationAction.allCases {
            for state in RectificationState.allCases {
                #expect(action.next(from: state) == expected[action]?[state], "\(action) from \(state)")
                checked += 1
            }
        }
        #expect(checked == RectificationAction.allCases.count * RectificationState.allCases.count)
        #expect(RectificationAction.allowed(from: .closed) == [.clearJudgement])
    }

    @Test("Deadlines count working days on the official calendar across National Day 2020 and its make-up days")
    func workingDayDeadlines() async throws {
        let world = try await LedgerWorld.make()
        let ops = world.ops
        let friday = try #require(Day(iso: "2020-09-25"))
        // 09-26 Sat off, 09-27 Sun make-up working day, 09-28 … 09-30, 10-01 … 10-08 holiday, 10-09 Fri,
        // 10-10 Sat make-up working day, 10-11 Sun off, 10-12 Mon.
        let expected = [
            1: "2020-09-27", 2: "2020-09-28", 4: "2020-09-30", 5: "2020-10-09", 6: "2020-10-10", 7: "2020-10-12",
        ]
        for (days, day) in expected {
            #expect(try ops.ledgerDeadline(days, after: friday).description == day, "\(days) working days")
        }
        // Opened on the last working day before the holiday: 1 working day later is 10-09.
        #expect(try ops.ledgerDeadline(1, after: try #require(Day(iso: "2020-09-30"))).description == "2020-10-09")
        // An item opened today carries the deadline the calendar gives.
        let item = try await world.open(world.f.unitA, days: "3")
        #expect(item.deadline == (try ops.ledgerDeadline(3, after: item.openedOn)))
        #expect(item.deadline > item.openedOn)
        await world.f.store.shutdown()
    }

    @Test(
        "Items go 待整改 → 整改中 → 已整改待核验 → 整改中 (returned) → 已整改待核验 → 已销号; illegal steps are refused inside the transaction",
        arguments: Fixture.backends)
    func lifeCycle(backend: String) async throws {
        let world = try await LedgerWorld.make(backend: backend)
        var item = try await world.open(world.f.unitA)
        #expect(item.number == 1 && item.state == .pending && item.source == .manual)
        // Illegal: verify a pending item (even as the evaluator who may verify).
        await #expect(throws: AppError.self) { try await world.step(item, "verify", by: world.evaluator) }
        do {
            _ = try await world.step(item, "verify", by: world.evaluator)
        } catch let error as AppError {
            #expect(error.message.contains("当前为“待整改”") && error.message.contains("不能“核验销号”"), "\(error.message)")
        }
        // The storage refuses it as well, whoever asks (the rule lives in the transaction).
        await #expect(throws: StorageError.self) {
            _ = try await world.f.store.applyRectification(
                item.id, RectificationStep(action: .verify, text: "", on: item.openedOn), expectedVersion: nil,
                by: .system)
        }
        // Only the unit's reporter starts and answers.
        await #expect(throws: AppError.forbidden("只有责任单位（尖山区）的填报人可以开始整改")) {
            try await world.step(item, "start", by: world.evaluator)
        }
        item = try await world.step(item, "start", by: world.reporter)
        #expect(item.state == .inProgress)
        await #expect(throws: AppError.invalid("请填写“整改情况”")) {
            try await world.step(item, "answer", by: world.reporter)
        }
        item = try await world.step(item, "answer", "已办结，补充说明", by: world.reporter)
        #expect(item.state == .awaitingVerification && item.answer == "已办结，补充说明")
        // A return needs a reason; the reporter may not verify.
        await #expect(throws: AppError.invalid("退回须填写理由")) { try await world.step(item, "return", by: world.evaluator) }
        await #expect(throws: AppError.self) { try await world.step(item, "verify", by: world.reporter) }
        item = try await world.step(item, "return", "说明不充分", by: world.evaluator)
        #expect(item.state == .inProgress)
        item = try await world.step(item, "answer", "已补充办结材料", by: world.reporter)
        item = try await world.step(item, "verify", "核验通过", by: world.evaluator)
        #expect(item.state == .closed && item.closedOn != nil)
        // Closed is final.
        for action in ["start", "answer", "verify", "return"] {
            await #expect(throws: AppError.self) { try await world.step(item, action, "x", by: world.organizer) }
        }
        let events = try await world.f.store.rectificationEvents(item: item.id)
        #expect(events.map(\.action) == [.open, .start, .answer, .return, .answer, .verify])
        #expect(events[3].text == "说明不充分" && events[3].from == .awaitingVerification && events[3].to == .inProgress)
        // Everything is audited under the item.
        let audit = try await world.f.store.auditLog(entityPrefix: "ledger:", limit: 100)
        #expect(audit.map(\.action) == ["open", "start", "answer", "return", "answer", "verify"])
        #expect(try await world.f.store.verifyAudit() == .intact(entries: try await world.f.store.dataVersion()))
        await world.f.store.shutdown()
    }

    @Test("A stale version is refused and writes nothing")
    func staleVersion() async throws {
        let world = try await LedgerWorld.make()
        let item = try await world.open(world.f.unitA)
        _ = try await world.step(item, "start", by: world.reporter)
        await #expect(throws: AppError.self) {
            try await world.ops.stepLedgerItem(
                world.a.rawValue, item: item.id, action: "answer", text: "x", version: item.version, by: world.reporter)
        }
        #expect(try await world.f.store.rectificationItem(item.id)?.state == .inProgress)
        await world.f.store.shutdown()
    }

    @Test("Bad input is refused with what and where, and nothing is opened")
    func badInput() async throws {
        let world = try await LedgerWorld.make()
        await #expect(throws: AppError.self) { try await world.open(world.f.unitA, days: "0") }
        await #expect(throws: AppError.self) { try await world.open(world.f.unitA, days: "十") }
        await #expect(throws: AppError.invalid("请填写“问题描述”")) {
            try await world.open(world.f.unitA, problem: "  ")
        }
        do {
            _ = try await world.open(world.f.unitA, days: "300")
        } catch let error as AppError {
            #expect(error.message.contains("整改时限") && error.message.contains("300"))
        }
        // A reporter cannot open items.
        await #expect(throws: AppError.self) {
            try await world.ops.openLedgerItem(
                world.a.rawValue,
                LedgerItemInput(unit: world.f.unitA.id.rawValue, problem: "p", measures: "m", workingDays: "3"),
                by: world.reporter)
        }
        #expect(try await world.f.store.rectificationItems(assessment: world.a, unit: nil).isEmpty)
        await world.f.store.shutdown()
    }

    @Test("A unit may be named by its code where thousands make a list too long; an unknown one is named back")
    func unitByCode() async throws {
        let world = try await LedgerWorld.make()
        let item = try await world.ops.openLedgerItem(
            world.a.rawValue, LedgerItemInput(unit: "b01", problem: "办件超期", measures: "限期办结", workingDays: "3"),
            by: world.organizer)
        #expect(item.unitID == world.f.unitB.id)
        let page = try await world.ops.ledger(
            world.a.rawValue, filter: LedgerFilter(unit: UnitID("B01")), for: world.organizer)
        #expect(page.rows.map(\.item.id) == [item.id])
        await #expect(throws: AppError.invalid("责任单位“X99”不存在（请填写单位编码）")) {
            try await world.ops.ledger(
                world.a.rawValue, filter: LedgerFilter(unit: UnitID("X99")), for: world.organizer)
        }
        // A new unit's parent, by code; an unknown parent is refused with its name and nothing is created.
        let child = try await world.ops.createUnit(
            organizationID: world.f.org.id.rawValue, code: "A0101", name: "尖山区某街道", type: "county",
            parentID: "A01", by: world.f.users[.admin]!)
        #expect(child.parentID == world.f.unitA.id)
        await #expect(throws: AppError.invalid("上级单位“Z01”不存在（请填写本组织内单位的编码）")) {
            try await world.ops.createUnit(
                organizationID: world.f.org.id.rawValue, code: "A0102", name: "另一街道", type: "county",
                parentID: "Z01", by: world.f.users[.admin]!)
        }
        #expect(try await world.f.store.units(in: world.f.org.id).contains { $0.code == "A0102" } == false)
        await world.f.store.shutdown()
    }

    @Test("Overdue: open past the deadline, closed after it; the filter and the counts show it")
    func overdue() async throws {
        let world = try await LedgerWorld.make()
        let late = try await world.open(world.f.unitA, days: "1")
        let onTime = try await world.open(world.f.unitB, days: "30")
        var page = try await world.ops.ledger(world.a.rawValue, filter: LedgerFilter(), for: world.organizer)
        #expect(page.overdueCount == 0 && page.rows.count == 2)
        // Ten calendar days later the 1-working-day item is past its deadline, the 30-day one is not.
        world.f.clock.advance(10 * 86400)
        page = try await world.ops.ledger(
            world.a.rawValue, filter: LedgerFilter(overdueOnly: true), for: world.organizer)
        #expect(page.rows.map(\.item.id) == [late.id] && page.overdueCount == 1)
        #expect(late.isOverdue(on: page.today) && !onTime.isOverdue(on: page.today))
        // Closed after the deadline stays marked overdue.
        var item = try await world.step(late, "answer", "已整改", by: world.reporter)
        item = try await world.step(item, "verify", by: world.evaluator)
        #expect(item.isOverdue(on: page.today))
        let closedPage = try await world.ops.ledger(
            world.a.rawValue, filter: LedgerFilter(state: .closed), for: world.organizer)
        #expect(closedPage.rows.count == 1 && closedPage.counts[.closed] == 1 && closedPage.counts[.pending] == 1)
        // A unit's ledger.
        let unitPage = try await world.ops.ledger(
            world.a.rawValue, filter: LedgerFilter(unit: world.f.unitB.id), for: world.organizer)
        #expect(unitPage.rows.map(\.item.id) == [onTime.id])
        await world.f.store.shutdown()
    }

    @Test("Units see only their own items until the results are public")
    func visibility() async throws {
        let world = try await LedgerWorld.make()
        let mine = try await world.open(world.f.unitA)
        let theirs = try await world.open(world.f.unitB)
        let page = try await world.ops.ledger(world.a.rawValue, filter: LedgerFilter(), for: world.reporter)
        #expect(page.rows.map(\.item.id) == [mine.id])
        await #expect(throws: AppError.self) {
            try await world.ops.ledgerItem(world.a.rawValue, item: theirs.id, for: world.reporter)
        }
        // B's reporter cannot start A's item.
        await #expect(throws: AppError.self) { try await world.step(mine, "start", by: world.reporterB) }
        // The organizer sees both.
        #expect(
            try await world.ops.ledger(world.a.rawValue, filter: LedgerFilter(), for: world.organizer).rows.count == 2)
        await world.f.store.shutdown()
    }

    @Test("Xinbei's penalty item takes its value from judged items, capped at 3, the explanation citing them")
    func penaltyFromLedger() async throws {
        let world = try await LedgerWorld.make()
        let unit = world.f.unitA.id.rawValue
        let target = try #require(LedgerPenaltyTarget.of(try await world.ops.scheme(of: world.f.assessment)))
        #expect(target.item == "penalty" && target.fact == "penalty")
        let before = try await world.ops.unitScoring(world.a.rawValue, unit: unit, for: world.organizer)
        #expect(before.facts.ledger.isEmpty)
        let first = try await world.open(world.f.unitA, problem: "平台信息长期未更新")
        // The results cache scored everything once; a judgement then rescores unit A alone.
        let cachedBefore = try await world.ops.cachedScores(world.a.rawValue, for: world.organizer).scores
        // Judging needs the organizer and a verdict and 1–3 points.
        await #expect(throws: AppError.self) {
            try await world.step(first, "judge", "拒不整改", by: world.evaluator, verdict: "refused", points: "2")
        }
        await #expect(throws: AppError.self) {
            try await world.step(first, "judge", "拒不整改", by: world.organizer, verdict: "refused", points: "4")
        }
        _ = try await world.step(first, "judge", "书面通知后仍未整改", by: world.organizer, verdict: "refused", points: "2")
        let after = try await world.ops.unitScoring(world.a.rawValue, unit: unit, for: world.organizer)
        let mark = try #require(after.facts.ledger["penalty"]?["penalty"])
        #expect(mark.value == ExactDecimal(2) && mark.items.map(\.id) == [first.id])
        #expect(mark.explanation.contains("第1号") && mark.explanation.contains("拒不整改"))
        #expect(after.facts.values["penalty"]?["penalty"] == .decimal(ExactDecimal(2)))
        #expect(before.result.total - after.result.total == ExactDecimal(2))
        let cachedAfter = try await world.ops.cachedScores(world.a.rawValue, for: world.organizer).scores
        #expect(cachedAfter.rescored == [world.f.unitA.id])
        let totalA = { (scores: AssessmentScores) in scores.rows.first { $0.unit.id == world.f.unitA.id }?.result.total
        }
        #expect(totalA(cachedAfter) == after.result.total && totalA(cachedBefore) == before.result.total)
        // The whole-assessment scores agree with the unit's own.
        let scores = try await world.ops.scores(of: world.f.assessment)
        #expect(scores.rows.first { $0.unit.id == world.f.unitA.id }?.result.total == after.result.total)
        // A second judged item: 2 + 2 is capped at the item's 3.
        let second = try await world.open(world.f.unitA, problem: "咨询未回复")
        _ = try await world.step(second, "judge", "整改不到位", by: world.organizer, verdict: "insufficient", points: "2")
        let capped = try await world.ops.unitScoring(world.a.rawValue, unit: unit, for: world.organizer)
        #expect(capped.facts.ledger["penalty"]?["penalty"]?.value == ExactDecimal(3))
        #expect(before.result.total - capped.result.total == ExactDecimal(3))
        // Unit B is not touched; clearing both judgements restores the score.
        let other = try await world.ops.unitScoring(
            world.a.rawValue, unit: world.f.unitB.id.rawValue, for: world.organizer)
        #expect(other.facts.ledger.isEmpty)
        _ = try await world.step(first, "clear_judgement", "经复核已整改", by: world.organizer)
        _ = try await world.step(second, "clear_judgement", "经复核已整改", by: world.organizer)
        let cleared = try await world.ops.unitScoring(world.a.rawValue, unit: unit, for: world.organizer)
        #expect(cleared.facts.ledger.isEmpty && cleared.result.total == before.result.total)
        await world.f.store.shutdown()
    }

    @Test("Items still open at the year's end carry over into next year's assessment of the same unit, once")
    func carryOver() async throws {
        let world = try await LedgerWorld.make()
        let open = try await world.open(world.f.unitA, problem: "未整改完的问题")
        var closed = try await world.open(world.f.unitB, problem: "已整改的问题")
        closed = try await world.step(closed, "answer", "已整改", by: world.reporterB)
        closed = try await world.step(closed, "verify", by: world.organizer)
        let next = Assessment(
            organizationID: world.f.org.id, schemeID: "xinbei-sanheyi", year: 2024, title: "2024年度三合一平台考核")
        try await world.f.store.createAssessment(next, by: .system)
        try await world.f.store.enrol([world.f.unitA.id, world.f.unitB.id], in: next.id, by: .system)
        let made = try await world.ops.carryOverLedger(next.id.rawValue, by: world.organizer)
        #expect(made.count == 1)
        let carried = try #require(made.first)
        #expect(carried.carriedFrom == open.id && carried.unitID == world.f.unitA.id && carried.source == .carryOver)
        #expect(carried.problem == open.problem && carried.state == .pending && carried.number == 1)
        // Again: nothing new.
        #expect(try await world.ops.carryOverLedger(next.id.rawValue, by: world.organizer).isEmpty)
        // A reporter cannot carry over; an assessment without a previous year refuses with a reason.
        await #expect(throws: AppError.self) {
            try await world.ops.carryOverLedger(next.id.rawValue, by: world.reporter)
        }
        await #expect(throws: AppError.self) {
            try await world.ops.carryOverLedger(world.a.rawValue, by: world.organizer)
        }
        let page = try await world.ops.ledgerItem(next.id.rawValue, item: carried.id, for: world.organizer)
        #expect(page.carriedFrom?.id == open.id)
        await world.f.store.shutdown()
    }

    @Test("The XLSX export has the 台账 columns and one row per item")
    func export() async throws {
        let world = try await LedgerWorld.make()
        _ = try await world.open(world.f.unitA)
        _ = try await world.open(world.f.unitB, problem: "第二个问题")
        let (page, data) = try await world.ops.ledgerXLSX(
            world.a.rawValue, filter: LedgerFilter(), for: world.organizer)
        #expect(LedgerTable.header == ["序号", "问题描述", "责任单位", "整改措施", "整改时限", "整改情况", "销号时间"])
        let rows = LedgerTable.rows(page)
        #expect(rows.count == 2 && rows[1][1] == .text("第二个问题") && rows[1][2] == .text("岭东区"))
        #expect(data.count > 500 && data.prefix(2) == Data("PK".utf8))
        await world.f.store.shutdown()
    }
}
