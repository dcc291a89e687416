import Foundation
import KaoheEngine
import KaoheRecords
import KaoheStorage

extension DemoLoader {
    /// On the Pingqiao assessment: a spot check of four units published, drawn, checked (two problems recorded as
    /// findings) and its results published; and a rectification ledger with items in every state, some overdue
    /// (opened in November 2022 with deadlines long past), one returned once, one judged 整改不到位, two from the
    /// spot check's problems. Returns (plans, ledger items, findings recorded by the spot check).
    func oversight(organizer: User, evaluator: User, reporterUnit: UnitID) async throws -> (Int, Int, Int) {
        let store = deps.store
        let operations = Operations(deps)
        let id = "demo-pingqiao-2022"
        guard let assessment = try await store.assessment(AssessmentID(id)) else { return (0, 0, 0) }
        let scheme = try await operations.scheme(of: assessment)
        let plan = try await operations.publishSpotCheckPlan(
            id,
            SpotCheckInput(
                title: "2022年度“互联网+监管”实地抽查（第一批）", population: "units", count: "4",
                inspectors: [evaluator.id.rawValue, organizer.id.rawValue]), by: organizer)
        let drawn = try await operations.drawSpotCheck(id, plan: plan.id, by: organizer)
        let item = scheme.categories.first?.items.first?.id ?? "1"
        var problems: [Finding] = []
        for (index, assignment) in (drawn.draw?.assignments ?? []).enumerated() {
            let inspector = assignment.inspector == evaluator.id ? evaluator : organizer
            let outcome = index < 2 ? "problem" : "pass"
            let note = index < 2 ? "监管事项目录未按要求动态更新，部分事项缺少检查实施清单" : "资料齐全，抽查合格"
            let (_, finding) = try await operations.recordSpotCheckResult(
                id, plan: plan.id, object: assignment.object.key, outcome: outcome, note: note, item: item,
                by: inspector)
            if let finding { problems.append(finding) }
        }
        _ = try await operations.publishSpotCheckResults(id, plan: plan.id, by: organizer)

        // The ledger: two items from the spot check's problems (opened now), the rest dated November 2022.
        let calendar = try SchemeCatalog(deps).calendar()
        let index = WorkingDayIndex(calendar: calendar)
        var count = 0
        for finding in problems {
            _ = try await operations.openLedgerItem(
                id,
                LedgerItemInput(
                    unit: finding.unitID.rawValue, finding: finding.id.rawValue, problem: "",
                    measures: "更新监管事项目录，补齐检查实施清单并报送", workingDays: "15", source: "spot_check"),
                by: organizer)
            count += 1
        }
        let units = try await operations.enrolledUnits(assessment).sorted { $0.code < $1.code }
        let reporter = units.first { $0.id == reporterUnit } ?? units[0]
        let others = units.filter { $0.id != reporter.id }
        guard let opened = Day(iso: "2022-11-01"), others.count >= 5 else { return (1, count, problems.count) }
        let now = deps.now()
        func open(_ unit: AssessedUnit, _ problem: String, _ measures: String, days: Int) async throws
            -> RectificationItem
        {
            count += 1
            return try await store.openRectification(
                RectificationItem(
                    assessmentID: assessment.id, unitID: unit.id, itemID: item, source: .manual, problem: problem,
                    measures: measures, openedOn: opened, workingDays: days,
                    deadline: index.deadline(days, after: opened), createdBy: organizer.id, createdAt: now),
                note: "书面要求整改：\(days)个工作日内", by: .user(organizer))
        }
        func step(_ item: RectificationItem, _ action: RectificationAction, _ text: String, by actor: AuditActor)
            async throws -> RectificationItem
        {
            try await store.applyRectification(
                item.id, RectificationStep(action: action, text: text, on: index.deadline(5, after: opened)),
                expectedVersion: nil, by: actor)
        }
        let unitActor = { (unit: AssessedUnit) in AuditActor(userID: nil, name: "\(unit.name)（演示）", reason: nil) }
        // 待整改, overdue: the demo reporter's own unit, so a newcomer can answer it.
        let own = try await open(reporter, "“双随机”抽查结果未在规定时间内公示", "在门户网站公示抽查结果并建立公示台账", days: 10)
        _ = try await operations.deliver(
            try await operations.rectificationNotes(own, event: "open", text: own.measures))
        // 整改中, overdue.
        let started = try await open(others[0], "行政检查记录缺少执法人员证件号", "补录执法证件信息，完善检查记录模板", days: 10)
        _ = try await step(started, .start, "", by: unitActor(others[0]))
        // 已整改待核验.
        let answered = try await open(others[1], "投诉举报处理未按时反馈", "建立投诉处理时限提醒，逐件反馈", days: 20)
        _ = try await step(answered, .answer, "已逐件反馈，建立提醒机制（见附件）", by: unitActor(others[1]))
        // 整改中 after a return.
        let returned = try await open(others[2], "监管数据未按季度报送", "按季度报送监管数据", days: 20)
        _ = try await step(returned, .answer, "已报送第四季度数据", by: unitActor(others[2]))
        _ = try await step(returned, .return, "缺少第三季度数据，请补报", by: .user(evaluator))
        // 已销号.
        let closed = try await open(others[3], "信用监管信息归集不完整", "补齐信用信息并与平台对接", days: 15)
        _ = try await step(closed, .answer, "已补齐并完成对接", by: unitActor(others[3]))
        _ = try await step(closed, .verify, "核验通过", by: .user(evaluator))
        // 整改中, judged 整改不到位 by the organizer.
        let judged = try await open(others[4], "联合抽查任务未按计划完成", "按计划完成联合抽查任务", days: 10)
        _ = try await step(judged, .start, "", by: unitActor(others[4]))
        _ = try await store.applyRectification(
            judged.id,
            RectificationStep(
                action: .judge, text: "书面通知后仍未完成，整改不到位", verdict: .insufficient, points: 1,
                on: index.deadline(15, after: opened)), expectedVersion: nil, by: .user(organizer))
        return (1, count, problems.count)
    }
}
