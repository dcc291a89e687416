// `kaohe-bench --raters [postgres://…] [sheets]`: issue 11's benchmark, in process. 10,000 public ballot sheets
// (one-time codes) of 20 units each are submitted through the application's operation by 200 concurrent clients
// to the platform's store (SQLite in a temporary file, or a fresh schema in the PostgreSQL database given).
// Prints p50/p99 per submission, throughput, the checks (0 lost, 0 counted twice, every code used once, a second
// use refused) and the process's peak resident memory. Targets: p99 < 200 ms, < 300 MB. Never fails on a slow
// machine.
import Foundation
import KaoheApplication
import KaoheEngine
import KaoheStorage
import KaoheStorageSQL

func runRaterBenchmark(postgres: String?, sheets: Int, clients: Int = 200) async throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kaohe-raters-bench-\(getpid())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    print(
        "kaohe-bench --raters (\(postgres == nil ? "SQLite" : "PostgreSQL")): \(sheets) public sheets × 20 units, \(clients) clients"
    )
    let store = try await benchmarkStore(postgres: postgres, schemaPrefix: "bench_raters_", folder: folder)
    try await store.migrate()
    let deps = AppDependencies(store: store, bcryptCost: 4)
    let organization = Organization(name: "基准测试考核办")
    try await store.createOrganization(organization, by: .system)
    let units = (0..<20).map {
        AssessedUnit(organizationID: organization.id, code: "u\($0)", name: "单位\($0)", type: .districtDepartment)
    }
    try await store.createUnits(units, by: .system)
    let assessment = Assessment(
        organizationID: organization.id, schemeID: "changbai-2020-yingshang", year: 2020, title: "基准测试评议")
    try await store.createAssessment(assessment, by: .system)
    try await store.enrol(units.map(\.id), in: assessment.id, by: .system)
    let round = RaterRound(
        id: .generate(), assessmentID: assessment.id, itemID: "3", title: "基准测试评议",
        groups: [
            RaterGroupConfig(
                id: "public", label: "社会评议", kind: .public, scale: "100", levels: RaterLevel.publicDefaults)
        ], createdAt: Date())
    try await store.createRaterRound(round, by: .system)
    let codes = RaterCodes.generate(sheets)
    try await store.addRaterCodes(codes.map(RaterCodes.hash), round: round.id, group: "public", by: .system)
    _ = try await store.setRaterRoundState(round.id, to: .open, by: .system)
    let operations = Operations(deps)
    let levels = ["满意", "基本满意", "不满意"]
    resetPeakMemory()
    let clock = ContinuousClock()
    let start = clock.now
    let perClient = (sheets + clients - 1) / clients
    let results = try await withThrowingTaskGroup(of: ([Double], Int, [Int]).self) { group in
        for client in 0..<clients {
            group.addTask {
                var latencies: [Double] = []
                var failures = 0
                var given = [Int](repeating: 0, count: 3)
                // With fewer sheets than clients the last clients get none.
                for index in min(sheets, client * perClient)..<min(sheets, (client + 1) * perClient) {
                    var marks: [String: (mark: String, comment: String)] = [:]
                    for (position, unit) in units.enumerated() {
                        let level = (index + position) % 3
                        marks[unit.id.rawValue] = (levels[level], "")
                        if position == 0 { given[level] += 1 }
                    }
                    let began = clock.now
                    do {
                        _ = try await operations.submitPublicBallot(
                            code: codes[index], marks: marks, clientAddress: "127.1.\(client / 250).\(client % 250)")
                    } catch {
                        failures += 1
                    }
                    latencies.append((clock.now - began).seconds * 1000)
                }
                return (latencies, failures, given)
            }
        }
        var all: [([Double], Int, [Int])] = []
        for try await result in group { all.append(result) }
        return all
    }
    let elapsed = (clock.now - start).seconds
    let latencies = results.flatMap(\.0).sorted()
    let failures = results.reduce(0) { $0 + $1.1 }
    func percentile(_ p: Double) -> Double {
        latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))]
    }
    print(
        String(
            format: "submit: %d sheets in %.1f s (%.0f sheets/s); p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms",
            latencies.count, elapsed, Double(latencies.count) / elapsed, percentile(0.5), percentile(0.9),
            percentile(0.99), latencies.last ?? 0))
    print("peak memory during submissions: \(peakMemoryMB()) MB")
    // Checks: every unit got every sheet once; every code used once; a second use refused.
    let tallies = try await store.raterTallies(round: round.id)
    var perUnit: [UnitID: Int] = [:]
    for row in tallies { perUnit[row.unitID, default: 0] += row.ballots }
    let expectedFirst = results.reduce([0, 0, 0]) { total, r in zip(total, r.2).map { $0 + $1 } }
    let first = units[0].id
    let firstCounts = ["100", "80", "0"].map { mark in
        tallies.first { $0.unitID == first && $0.mark == mark }?.ballots ?? 0
    }
    let counted = perUnit.values
    let lost = counted.map { max(0, sheets - $0) }.max() ?? sheets
    let twice = counted.map { max(0, $0 - sheets) }.max() ?? 0
    let codeCounts = try await store.raterCodeCounts(round: round.id)
    print(
        "failed submissions: \(failures); lost per unit: \(lost); counted twice per unit: \(twice); marks of unit 1 as sent: \(firstCounts == expectedFirst)"
    )
    print("codes used: \(codeCounts.first?.used ?? 0) of \(codeCounts.first?.issued ?? 0)")
    var refused = 0
    for code in codes.prefix(100) {
        do {
            _ = try await operations.submitPublicBallot(
                code: code, marks: [units[0].id.rawValue: ("满意", "")], clientAddress: "127.0.0.\(refused % 200 + 1)")
        } catch {
            refused += 1
        }
    }
    print("second use of 100 codes: \(refused) refused")
    let scoreClock = clock.now
    let scores = try await operations.scores(of: assessment)
    _ = scores
    print(String(format: "score the assessment (open round): %.2f s", (clock.now - scoreClock).seconds))
    await store.shutdown()
}
