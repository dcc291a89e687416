import Foundation
import KaoheEngine
import KaoheStorage
import Testing

@testable import KaoheApplication
@testable import KaoheWeb

@Suite("Spot checks (双随机): a verifiable draw, conflicts, even assignment, results")
struct SpotCheckTests {
    static func units(_ n: Int) -> [SpotCheckObject] {
        (1...n).map {
            SpotCheckObject(key: String(format: "U%02d", $0), unitCode: String(format: "U%02d", $0), label: "单位\($0)")
        }
    }

    static func records(perUnit counts: [Int]) -> [SpotCheckObject] {
        counts.enumerated().flatMap { unit, count in
            (0..<count).map { SpotCheckObject(key: "U\(unit)/R\($0)", unitCode: "U\(unit)", label: "办件\($0)") }
        }
    }

    static func plan(
        _ population: SpotCheckPopulation, count: Int? = nil, ratio: Int? = nil, minimum: Int = 0,
        inspectors: [String], exclusions: [SpotCheckExclusion] = []
    ) -> SpotCheckPlan {
        SpotCheckPlan(
            assessmentID: AssessmentID("a"), title: "t", population: population, recordType: "case",
            sampleCount: count, ratioPercent: ratio, minimum: minimum, inspectors: inspectors.map(UserID.init),
            exclusions: exclusions, seedHash: "")
    }

    /// Runs Tests/spotcheck_verify.py (an independent implementation) on the same inputs.
    static func python(
        seed: String, plan: SpotCheckPlan, population: [SpotCheckObject], inspectorUnits: [String: String]
    )
        throws -> [String: Any]
    {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("spotcheck_verify.py")
        let spec: [String: Any] = [
            "seed": seed, "population": plan.population.rawValue,
            "count": plan.sampleCount.map { $0 as Any } ?? NSNull(),
            "ratio": plan.ratioPercent.map { $0 as Any } ?? NSNull(), "minimum": plan.minimum,
            "objects": population.map { ["key": $0.key, "unit": $0.unitCode] },
            "inspectors": plan.inspectors.map(\.rawValue), "inspector_units": inspectorUnits,
            "exclusions": plan.exclusions.map { [$0.inspector.rawValue, $0.unitCode] },
        ]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(try JSONSerialization.data(withJSONObject: spec))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw AppError.invalid("python failed: \(process.terminationStatus)")
        }
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test("The same seed gives the same draw; another seed another; an independent Python implementation agrees")
    func reproducibleAndIndependent() throws {
        let cases: [(SpotCheckPlan, [SpotCheckObject], [String: String])] = [
            (Self.plan(.units, count: 4, inspectors: ["i1", "i2", "i3"]), Self.units(12), ["i2": "U03"]),
            (Self.plan(.units, ratio: 30, minimum: 2, inspectors: ["z", "a", "m"]), Self.units(7), [:]),
            (
                Self.plan(
                    .records, ratio: 10, minimum: 3, inspectors: ["x", "y", "w"],
                    exclusions: [SpotCheckExclusion(inspector: UserID("x"), unitCode: "U1")]),
                Self.records(perUnit: [40, 2, 15, 0, 7]), ["y": "U0"]
            ),
        ]
        for (index, (plan, population, inspectorUnits)) in cases.enumerated() {
            for seed in ["00" + String(repeating: "ab", count: 31), Secrets.hexToken(bytes: 32)] {
                let one = try SpotCheckAlgorithm.draw(
                    seed: seed, plan: plan, population: population.shuffled(), inspectorUnits: inspectorUnits)
                let two = try SpotCheckAlgorithm.draw(
                    seed: seed, plan: plan, population: population, inspectorUnits: inspectorUnits)
                #expect(one == two, "case \(index): the input order does not matter")
                let other = try SpotCheckAlgorithm.draw(
                    seed: seed + "0", plan: plan, population: population, inspectorUnits: inspectorUnits)
                #expect(other.assignments != one.assignments || one.assignments.count <= 1, "case \(index)")
                let py = try Self.python(seed: seed, plan: plan, population: population, inspectorUnits: inspectorUnits)
                #expect(py["sample"] as? [String] == one.assignments.map(\.object.key), "case \(index) sample")
                #expect(py["inspector_order"] as? [String] == one.inspectorOrder.map(\.rawValue), "case \(index)")
                #expect(
                    (py["assignments"] as? [[String]])?.map { $0[1] } == one.assignments.map(\.inspector.rawValue),
                    "case \(index) assignment")
            }
        }
        // Sizes: 4 of 12; ⌈7 × 30%⌉ = 3; records: per unit ⌈10%⌉ but at least 3, all when fewer.
        let seed = String(repeating: "1", count: 64)
        #expect(
            try SpotCheckAlgorithm.draw(seed: seed, plan: cases[0].0, population: cases[0].1, inspectorUnits: [:])
                .assignments.count == 4)
        #expect(
            try SpotCheckAlgorithm.draw(seed: seed, plan: cases[1].0, population: cases[1].1, inspectorUnits: [:])
                .assignments.count == 3)
        let perUnit = Dictionary(
            grouping: try SpotCheckAlgorithm.draw(
                seed: seed, plan: cases[2].0, population: cases[2].1, inspectorUnits: [:]
            ).assignments, by: \.object.unitCode
        ).mapValues(\.count)
        #expect(perUnit == ["U0": 4, "U1": 2, "U2": 3, "U4": 3])
    }

    @Test("The stream's first number is the first 8 bytes of SHA-256(seed:0), big-endian")
    func streamDefinition() {
        var stream = SpotCheckAlgorithm.Stream(seed: "abc")
        let digest = KaoheStorage.SHA256.digest(Array("abc:0".utf8))
        let expected = digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        #expect(stream.next64() == expected)
        let second = digest[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        #expect(stream.next64() == second)
    }

    @Test("Conflicts are never violated and the assignment is even, over many seeds")
    func conflictsAndEvenness() throws {
        let inspectorUnits = ["i1": "U01", "i2": "U02", "i3": "U03", "i4": "U04"]
        let exclusions = [
            SpotCheckExclusion(inspector: UserID("i1"), unitCode: "U05"),
            SpotCheckExclusion(inspector: UserID("i2"), unitCode: "U06"),
        ]
        let conflicted = Self.plan(.units, count: 10, inspectors: ["i1", "i2", "i3", "i4"], exclusions: exclusions)
        let free = Self.plan(.units, count: 10, inspectors: ["i1", "i2", "i3"])
        var seen = Set<[String]>()
        for _ in 0..<200 {
            let seed = Secrets.hexToken(bytes: 32)
            let draw = try SpotCheckAlgorithm.draw(
                seed: seed, plan: conflicted, population: Self.units(12), inspectorUnits: inspectorUnits)
            #expect(draw.assignments.count == 10)
            #expect(Set(draw.assignments.map(\.object.key)).count == 10)
            for assignment in draw.assignments {
                #expect(inspectorUnits[assignment.inspector.rawValue] != assignment.object.unitCode)
                #expect(
                    !exclusions.contains(
                        SpotCheckExclusion(inspector: assignment.inspector, unitCode: assignment.object.unitCode)))
            }
            let loads = Dictionary(grouping: draw.assignments, by: \.inspector).mapValues(\.count)
            #expect((loads.values.max() ?? 0) - (loads.values.min() ?? 0) <= 2)
            seen.insert(draw.assignments.map(\.object.key))
            // Without conflicts: round robin, counts differ by at most one, every inspector used.
            let even = try SpotCheckAlgorithm.draw(
                seed: seed, plan: free, population: Self.units(12), inspectorUnits: [:])
            let evenLoads = Dictionary(grouping: even.assignments, by: \.inspector).mapValues(\.count)
            #expect(evenLoads.count == 3 && evenLoads.values.max()! - evenLoads.values.min()! <= 1)
        }
        // The sample varies with the seed.
        #expect(seen.count > 150)
        // No eligible inspector: the draw fails, naming the object.
        let lonely = Self.plan(.units, count: 2, inspectors: ["i1"])
        #expect(throws: SpotCheckAlgorithm.Failure.self) {
            try SpotCheckAlgorithm.draw(
                seed: "s", plan: lonely, population: Self.units(1), inspectorUnits: ["i1": "U01"])
        }
    }

    @Test(
        "Publish with the seed's hash, draw once (a redraw is refused), record a problem as a finding",
        arguments: Fixture.backends)
    func planLifeCycle(backend: String) async throws {
        let world = try await LedgerWorld.make(backend: backend)
        let ops = world.ops
        let input = SpotCheckInput(
            title: "第一季度实地抽查", population: "units", count: "2",
            inspectors: [world.evaluator.id.rawValue, world.organizer.id.rawValue])
        await #expect(throws: AppError.self) {
            try await ops.publishSpotCheckPlan(world.a.rawValue, input, by: world.evaluator)
        }
        var bad = input
        bad.ratio = "10"
        await #expect(throws: AppError.invalid("“抽取数量”和“抽取比例”须填写且只填写一项")) {
            try await ops.publishSpotCheckPlan(world.a.rawValue, bad, by: world.organizer)
        }
        let plan = try await ops.publishSpotCheckPlan(world.a.rawValue, input, by: world.organizer)
        #expect(plan.seedHash.count == 64 && plan.draw == nil)
        let page = try await ops.spotCheck(world.a.rawValue, plan: plan.id, for: world.reporter)
        #expect(page.plan.draw == nil && page.plan.seedHash == plan.seedHash)
        let drawn = try await ops.drawSpotCheck(world.a.rawValue, plan: plan.id, by: world.organizer)
        let draw = try #require(drawn.draw)
        #expect(KaoheStorage.SHA256.hex(draw.seed) == plan.seedHash)
        #expect(draw.assignments.count == 2 && drawn.state == .drawn)
        // Recompute from the revealed seed and the published population.
        let again = try SpotCheckAlgorithm.draw(
            seed: draw.seed, plan: drawn, population: draw.population, inspectorUnits: draw.inspectorUnits)
        #expect(again.assignments == draw.assignments)
        await #expect(throws: AppError.self) {
            try await ops.drawSpotCheck(world.a.rawValue, plan: plan.id, by: world.organizer)
        }
        #expect(try await world.f.store.spotCheckPlan(plan.id)?.draw == draw)
        // The inspector of unit A's object records a problem: a finding of item 13.
        let objectA = try #require(draw.assignments.first { $0.object.unitCode == "A01" })
        let inspector = objectA.inspector == world.evaluator.id ? world.evaluator : world.organizer
        let (result, finding) = try await ops.recordSpotCheckResult(
            world.a.rawValue, plan: plan.id, object: objectA.object.key, outcome: "problem", note: "线下办件未录入平台",
            item: "13", by: inspector)
        let made = try #require(finding)
        #expect(!result.passed && result.findingIDs == [made.id])
        let findings = try await world.f.store.findings(assessment: world.a, unit: world.f.unitA.id, item: "13")
        #expect(findings.count == 1 && findings[0].note.contains("线下办件未录入平台"))
        // Before the results are public, B's reporter sees only B's object.
        let pageB = try await ops.spotCheck(world.a.rawValue, plan: plan.id, for: world.reporterB)
        #expect(pageB.plan.draw?.assignments.allSatisfy { $0.object.unitCode == "B01" } == true)
        #expect(pageB.results.isEmpty)
        _ = try await ops.publishSpotCheckResults(world.a.rawValue, plan: plan.id, by: world.organizer)
        let publicB = try await ops.spotCheck(world.a.rawValue, plan: plan.id, for: world.reporterB)
        #expect(publicB.plan.draw?.assignments.count == 2 && publicB.results.count == 1)
        await #expect(throws: AppError.self) {
            try await ops.recordSpotCheckResult(
                world.a.rawValue, plan: plan.id, object: objectA.object.key, outcome: "pass", note: "", item: "",
                by: world.organizer)
        }
        let audit = try await world.f.store.auditLog(entityPrefix: "spotcheck:", limit: 50).map(\.action)
        #expect(audit == ["publish", "draw", "result", "publish-results"])
        await world.f.store.shutdown()
    }
}
