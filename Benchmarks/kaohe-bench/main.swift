// Engine and end-to-end benchmark for `xinbei-sanheyi` (prints figures; never fails on a slow machine).
//
//   swift build -c release --product kaohe && swift run -c release kaohe-bench [units]
//   swift run -c release kaohe-bench --derive     (records: derivation of 1,300,000 records, DeriveBenchmark.swift)
//   swift run -c release kaohe-bench --records-store [postgres://…]   (the same records through the platform's
//                                                  store: import, read back, derive, score; RecordsStoreBenchmark.swift)
//   swift run -c release kaohe-bench --raters [postgres://…] [sheets]   (10,000 public ballot sheets of 20 units by
//                                                  200 concurrent clients; RaterBenchmark.swift)
//   swift run -c release kaohe-bench --dashboards [postgres://…]   (each role's start page with 5,000 units;
//                                                  DashboardBenchmark.swift)
//   swift run -c release kaohe-bench --write-record-files DIR   (only writes those records' CSV files into DIR,
//                                                  for scripts/bench-records, which imports them over HTTP)
import Foundation
import KaoheEngine
import KaoheFormats

if let flag = CommandLine.arguments.firstIndex(of: "--write-record-files") {
    guard let folder = CommandLine.arguments.dropFirst(flag + 1).first else {
        print("kaohe-bench --write-record-files DIR: the folder is missing")
        exit(2)
    }
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    for path in try makeRecordFiles(in: URL(fileURLWithPath: folder)) { print(path) }
    exit(0)
}
if let flag = CommandLine.arguments.firstIndex(of: "--records-store") {
    let url = CommandLine.arguments.dropFirst(flag + 1).first { $0.hasPrefix("postgres") }
    try await runRecordsStoreBenchmark(postgres: url)
    exit(0)
}
if let flag = CommandLine.arguments.firstIndex(of: "--raters") {
    let rest = CommandLine.arguments.dropFirst(flag + 1)
    let url = rest.first { $0.hasPrefix("postgres") }
    let sheets = rest.compactMap { Int($0) }.first ?? 10_000
    try await runRaterBenchmark(postgres: url, sheets: sheets)
    exit(0)
}
if let flag = CommandLine.arguments.firstIndex(of: "--dashboards") {
    let url = CommandLine.arguments.dropFirst(flag + 1).first { $0.hasPrefix("postgres") }
    try await runDashboardBenchmark(postgres: url)
    exit(0)
}
if CommandLine.arguments.contains("--derive") {
    try runDeriveBenchmark()
    exit(0)
}

let unitCount = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 10_000
/// `--engine-only`: score repeatedly and stop (for profiling the engine).
let engineOnly = CommandLine.arguments.contains("--engine-only")
let scheme = try BuiltInSchemes.load("xinbei-sanheyi")!
let calendar = try CalendarFile.builtIn()

/// A facts document with every fact of every item filled in, consultation dates included.
func makeDocument(units: Int) -> String {
    var random = SeededRandom(state: 42)
    let start = Day(iso: "2020-01-02")!
    var out = "{\"scheme\":\"xinbei-sanheyi\",\"units\":[\n"
    for u in 0..<units {
        if u > 0 { out += ",\n" }
        out += "{\"id\":\"u\(u)\",\"name\":\"单位\(u)\",\"facts\":{"
        var groups: [String] = []
        for item in scheme.items {
            var facts: [String] = []
            for spec in item.facts {
                let value: String
                switch spec.type {
                case .bool: value = random.next(4) == 0 ? "true" : "false"
                case .count:
                    value =
                        spec.name.contains("online")
                        ? String(5000 + random.next(10000))
                        : spec.name == "checks" ? String(120 + random.next(120)) : String(random.next(3))
                case .rate: value = "0.\(50 + random.next(50))"
                case .number(_, let max): value = String(random.next((max?.integerValue ?? 3) + 1))
                case .dates:
                    var records: [String] = []
                    for _ in 0..<(1 + random.next(4)) {
                        let received = start.adding(days: random.next(360))
                        let replied = random.next(10) == 0 ? "null" : "\"\(received.adding(days: random.next(7)))\""
                        records.append("{\"received\":\"\(received)\",\"replied\":\(replied)}")
                    }
                    value = "[" + records.joined(separator: ",") + "]"
                default: continue
                }
                facts.append("\"\(spec.name)\":\(value)")
            }
            groups.append("\"\(item.id)\":{" + facts.joined(separator: ",") + "}")
        }
        out += groups.joined(separator: ",") + "}}"
    }
    return out + "\n]}\n"
}

func seconds(_ block: () throws -> Void) rethrows -> Double {
    let clock = ContinuousClock()
    let elapsed = try clock.measure(block)
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

print(
    "kaohe-bench: xinbei-sanheyi, \(unitCount) units with full facts (\(scheme.items.count) items, \(scheme.slots.count) facts each)"
)
let document = makeDocument(units: unitCount)
print("facts document: \(document.utf8.count / 1024) KiB")

let (_, decoded) = try ScoreRun.decode(Array(document.utf8), scheme: nil, calendar: calendar)
let context = ScoringContext(calendar: calendar)

// Engine alone: score (with ranking) repeatedly on one core, best of 5.
var best = Double.infinity
var checksum = ExactDecimal.zero
for _ in 0..<5 {
    let time = seconds {
        let results = Engine.score(units: decoded.units, scheme: scheme, context: context)
        checksum = results.reduce(.zero) { $0 + $1.total }
    }
    best = min(best, time)
}
print(
    String(
        format: "engine alone:       %8.1f ms for %d units = %9.0f units/s (one core; target >= 100000)", best * 1000,
        unitCount, Double(unitCount) / best))
print("  checksum of totals: \(checksum)")

if engineOnly {
    for _ in 0..<20 { _ = Engine.score(units: decoded.units, scheme: scheme, context: context) }
    exit(0)
}

// Engine + explanations + JSON encoding, in process.
let encodeTime = seconds {
    let results = Engine.score(units: decoded.units, scheme: scheme, context: context)
    _ = ResultsJSON.encode(scheme: scheme, units: decoded.units, results: results)
}
print(String(format: "score + explain + encode in process: %8.1f ms", encodeTime * 1000))

// End to end: the release `kaohe score FILE` binary, JSON in and out.
let binary =
    ProcessInfo.processInfo.environment["KAOHE_BIN"]
    ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("kaohe").path
guard FileManager.default.isExecutableFile(atPath: binary) else {
    print("end to end: skipped, no kaohe binary at \(binary) (build it: swift build -c release --product kaohe)")
    exit(0)
}
let input = FileManager.default.temporaryDirectory.appendingPathComponent("kaohe-bench-\(getpid()).json")
try document.write(to: input, atomically: true, encoding: .utf8)
defer {
    if ProcessInfo.processInfo.environment["KAOHE_BENCH_KEEP_INPUT"] == nil {
        try? FileManager.default.removeItem(at: input)
    }
}
var runs: [Double] = []
var outputBytes = 0
for _ in 0..<3 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = ["score", input.path]
    let pipe = Pipe()
    process.standardOutput = pipe
    var data = Data()
    let time = try seconds {
        try process.run()
        data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
    }
    guard process.terminationStatus == 0 else {
        print("end to end: kaohe score failed with status \(process.terminationStatus)")
        exit(1)
    }
    outputBytes = data.count
    runs.append(time)
}
print(
    String(
        format: "end to end (kaohe score, %d KiB out): best %.3f s, median %.3f s (target <= 1.5 s)",
        outputBytes / 1024,
        runs.min()!, runs.sorted()[1]))

// Peak memory of a separate run, measured by GNU time (Debian package `time`): a child's own
// high-water mark, not inherited from this process.
let timeTool = "/usr/bin/time"
if FileManager.default.isExecutableFile(atPath: timeTool) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: timeTool)
    process.arguments = ["-f", "%M", binary, "score", input.path]
    process.standardOutput = FileHandle.nullDevice
    let errors = Pipe()
    process.standardError = errors
    try process.run()
    let report = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    let kilobytes = report.split(separator: "\n").last.flatMap { Double($0) } ?? 0
    print(String(format: "peak memory of kaohe score: %.1f MB (max RSS; target <= 200 MB)", kilobytes / 1024))
} else {
    print("peak memory: install GNU time (apt-get install time) to measure it")
}
