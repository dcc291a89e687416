// `kaohe-bench --records-store [postgres://…]`: the platform's side of issue 10's benchmark. The same 1,300,000
// records as `--derive` (100 units) are validated, written to the store as an import writes them
// (`Operations.writeRecordSet`, batches of 20,000; SQLite in a temporary file, or a fresh schema in the
// PostgreSQL database given), written again unchanged, read back
// cold into memory, derived for an xinbei assessment with all 100 units enrolled, and scored. Prints times and
// the process's peak resident memory; never fails on a slow machine. Targets: import ≤ 60 s at ≤ 300 MB,
// deriving every fact of the year ≤ 5 s.
import Foundation
import KaoheApplication
import KaoheEngine
import KaoheFormats
import KaoheRecords
import KaoheStorage
import KaoheStorageSQL

func runRecordsStoreBenchmark(postgres: String?) async throws {
    let calendar = try CalendarFile.builtIn()
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kaohe-records-bench-\(getpid())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let files = try makeRecordFiles(in: folder)
    print("kaohe-bench --records-store (\(postgres == nil ? "SQLite" : "PostgreSQL")): 100 units, 1,300,000 records")
    resetPeakMemory()

    let store = try await benchmarkStore(postgres: postgres, schemaPrefix: "bench_", folder: folder)
    try await store.migrate()
    let deps = AppDependencies(store: store, bcryptCost: 4)
    let organization = Organization(name: "基准测试考核办")
    try await store.createOrganization(organization, by: .system)
    let units = (0..<100).map {
        AssessedUnit(organizationID: organization.id, code: "u\($0)", name: "单位\($0)", type: .districtDepartment)
    }
    try await store.createUnits(units, by: .system)
    let assessment = Assessment(
        organizationID: organization.id, schemeID: "xinbei-sanheyi", year: 2020, title: "基准测试 2020")
    try await store.createAssessment(assessment, by: .system)
    try await store.enrol(units.map(\.id), in: assessment.id, by: .system)

    let clock = ContinuousClock()
    var importer = RecordImport(years: calendar.years, knownUnits: Set(units.map(\.code)))
    let validate = clock.measure {
        for path in files { try? RecordFiles.read(path: path, into: &importer) }
    }
    print(String(format: "validate the CSV files: %6.2f s", validate.seconds))
    for round in ["import", "import again (unchanged)"] {
        var counts = RecordWriteCounts()
        let elapsed = try await clock.measure {
            counts = try await Operations.writeRecordSet(
                importer.records, to: store, organization: organization.id, importID: round, by: .system
            ).counts
        }
        print(
            String(
                format:
                    "%@: %6.2f s (%.0f records/s; new %d, changed %d, unchanged %d), peak memory %d MB (target <= 60 s, <= 300 MB)",
                round, elapsed.seconds, Double(counts.total) / elapsed.seconds, counts.new, counts.changed,
                counts.unchanged, peakMemoryMB()))
    }
    let operations = Operations(deps)
    let load = try await clock.measure { _ = try await operations.recordSet(of: organization.id) }
    print(String(format: "read every record back from the store (cold): %6.2f s", load.seconds))
    let derive = try await clock.measure { _ = try await operations.derivations(of: assessment) }
    print(
        String(
            format: "derive every fact of the year for 100 units (records in memory): %6.2f s (target <= 5 s)",
            derive.seconds))
    let score = try await clock.measure { _ = try await operations.scores(of: assessment) }
    print(
        String(
            format: "score the assessment with the derived facts: %6.2f s; peak memory %d MB", score.seconds,
            peakMemoryMB()))
    await store.shutdown()
}

/// A fresh store for a benchmark: a new schema `<prefix><pid>` in the PostgreSQL database given, or a new
/// SQLite file in `folder`.
func benchmarkStore(postgres: String?, schemaPrefix: String, folder: URL) async throws -> SQLStore {
    guard let postgres else {
        return try SQLStore(location: .sqlite(path: folder.appendingPathComponent("kaohe.sqlite").path))
    }
    let location = try DatabaseLocation.parse(postgres)
    let schema = "\(schemaPrefix)\(getpid())"
    let admin = try SQLStore(location: location)
    try await admin.unsafeExecute("CREATE SCHEMA \(schema)")
    await admin.shutdown()
    return try SQLStore(location: location, postgresSchema: schema)
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// The process's peak resident memory (VmHWM) in MB, 0 where /proc is not there.
func peakMemoryMB() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
    else { return 0 }
    return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) / 1024
}

/// Resets the peak (writes 5 to /proc/self/clear_refs), so that the figure covers what follows.
func resetPeakMemory() {
    try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
}
