// `kaohe-bench --dashboards [postgres://…]`: issue 13's dashboard benchmark, in process. One organization with
// 5,000 units enrolled in an open Xinbei assessment: 3,500 started, 3,000 submitted (some late), 1,500 reviewed,
// 300 items returned and 100 answered, 500 rectification items (some overdue, some waiting for verification);
// an evaluator assigned to every unit, one assigned to 200, a reporter and a leader. Each role's start page is
// built (operation + view, as the server does per request) 300 times one after another and 300 times by 16
// concurrent clients; prints p50/p99 per role and the first (cold) build. Target: p99 < 100 ms. Never fails on a
// slow machine.
import Foundation
import KaoheApplication
import KaoheEngine
import KaoheStorage
import KaoheStorageSQL
import KaoheWeb

func runDashboardBenchmark(postgres: String?, unitCount: Int = 5_000) async throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kaohe-dashboard-bench-\(getpid())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    print("kaohe-bench --dashboards (\(postgres == nil ? "SQLite" : "PostgreSQL")): \(unitCount) units")
    let store = try await benchmarkStore(postgres: postgres, schemaPrefix: "bench_dashboards_", folder: folder)
    try await store.migrate()
    let deps = AppDependencies(store: store, bcryptCost: 4)
    let clock = ContinuousClock()
    let setupStart = clock.now

    let organization = Organization(name: "基准测试考核办")
    try await store.createOrganization(organization, by: .system)
    let units = (0..<unitCount).map {
        AssessedUnit(organizationID: organization.id, code: "u\($0)", name: "单位\($0)", type: .districtDepartment)
    }
    try await store.createUnits(units, by: .system)
    let assessment = Assessment(
        organizationID: organization.id, schemeID: "xinbei-sanheyi", year: 2023, title: "基准测试三合一考核")
    try await store.createAssessment(assessment, by: .system)
    try await store.enrol(units.map(\.id), in: assessment.id, by: .system)
    _ = try await store.transition(assessment.id, to: .open, by: .system)
    _ = try await store.setDeadlines(assessment.id, submission: Day(iso: "2023-11-10"), objection: nil, by: .system)
    let auth = AuthService(deps)
    func user(_ name: String, _ role: Role, unit: UnitID? = nil) async throws -> User {
        try await auth.createUser(
            username: name, displayName: name, password: "Bench-2024-dashboards", roles: [role], organizationID: nil,
            unitID: unit, by: .system)
    }
    let organizer = try await user("organizer", .organizer)
    let evaluatorAll = try await user("evaluator-all", .evaluator)
    let evaluator200 = try await user("evaluator-200", .evaluator)
    let reporter = try await user("reporter", .reporter, unit: units[0].id)
    let leader = try await user("leader", .leader)
    try await store.assign(
        EvaluatorAssignment(assessmentID: assessment.id, userID: evaluatorAll.id, unitID: nil, itemID: nil), by: .system
    )
    for unit in units.prefix(200) {
        try await store.assign(
            EvaluatorAssignment(assessmentID: assessment.id, userID: evaluator200.id, unitID: unit.id, itemID: "22"),
            by: .system)
    }
    let now = Date()
    for (index, unit) in units.prefix(unitCount * 7 / 10).enumerated() {
        try await store.saveSelfAssessment(
            SelfAssessmentEntry(
                assessmentID: assessment.id, unitID: unit.id, itemID: "1", selfScore: "2", note: "", claimedFacts: nil),
            expectedVersion: 0, by: .system)
        guard index < unitCount * 6 / 10 else { continue }
        try await store.submit(
            Submission(
                assessmentID: assessment.id, unitID: unit.id, number: 1, submittedAt: now, submittedBy: reporter.id,
                late: index % 10 == 0, deadline: nil, snapshot: "[]"),
            by: .system)
        guard index < unitCount * 3 / 10 else { continue }
        let kind: ReviewKind = index < unitCount / 50 * 3 ? .return : .accept
        try await store.addReviewAction(
            ReviewAction(
                assessmentID: assessment.id, unitID: unit.id, itemID: "1", kind: kind, text: "审核", createdBy: nil,
                createdAt: now),
            by: .system)
        if index < unitCount / 50 {
            try await store.addReviewAction(
                ReviewAction(
                    assessmentID: assessment.id, unitID: unit.id, itemID: "1", kind: .answer, text: "已补正",
                    createdBy: nil, createdAt: now),
                by: .system)
        }
    }
    let operations = Operations(deps)
    for index in 0..<(unitCount / 10) {
        _ = try await operations.openLedgerItem(
            assessment.id.rawValue,
            LedgerItemInput(
                unit: units[index * 7 % unitCount].id.rawValue, item: "23", problem: "办件超期未办结\(index)",
                measures: "限期办结", workingDays: String(1 + index % 20)),
            by: organizer)
    }
    print(String(format: "set-up: %.1f s", (clock.now - setupStart).seconds))

    func p(_ values: [Double], _ q: Double) -> Double {
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))]
    }
    // The database's part: the aggregate queries behind one assessment's counts.
    var queries: [Double] = []
    let today = Day(iso: "2023-12-01")!
    for _ in 0..<100 {
        let began = clock.now
        _ = try await store.workloads([assessment.id], today: today)
        queries.append((clock.now - began).seconds * 1000)
    }
    print(
        String(
            format: "workload queries of one assessment: p50 %.1f ms, p99 %.1f ms", p(queries, 0.5), p(queries, 0.99)))

    for (role, viewer) in [
        ("organizer", organizer), ("evaluator (every unit)", evaluatorAll), ("evaluator (200 units)", evaluator200),
        ("reporter", reporter), ("leader", leader),
    ] {
        let identity = Identity(user: viewer, session: nil)
        func page() async throws -> Int {
            Views.dashboard(try await operations.dashboard(for: viewer), identity: identity, csrf: "").text.utf8.count
        }
        let coldStart = clock.now
        let bytes = try await page()
        let cold = (clock.now - coldStart).seconds * 1000
        var sequential: [Double] = []
        for _ in 0..<300 {
            let began = clock.now
            _ = try await page()
            sequential.append((clock.now - began).seconds * 1000)
        }
        let concurrent = try await withThrowingTaskGroup(of: [Double].self) { group in
            for _ in 0..<16 {
                group.addTask {
                    var latencies: [Double] = []
                    for _ in 0..<19 {
                        let began = clock.now
                        _ = try await page()
                        latencies.append((clock.now - began).seconds * 1000)
                    }
                    return latencies
                }
            }
            var all: [Double] = []
            for try await part in group { all += part }
            return all
        }
        print(
            String(
                format:
                    "%@: first %.1f ms; one client p50 %.1f ms, p99 %.1f ms; 16 clients p50 %.1f ms, p99 %.1f ms (%d bytes)",
                role, cold, p(sequential, 0.5), p(sequential, 0.99), p(concurrent, 0.5), p(concurrent, 0.99), bytes))
    }
    print("peak memory: \(peakMemoryMB()) MB")
    await store.shutdown()
}
