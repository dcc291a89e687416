// `kaohe-bench --derive`: 100 units with 1,000,000 cases, 200,000 consultations and 100,000 complaints of 2020
// (plus 2019 cases for last year's figure), written as CSV; times reading them, deriving every xinbei fact, and
// `kaohe derive` end to end (targets: derive ≤ 5 s, kaohe derive ≤ 10 s). Prints figures; never fails.
import Foundation
import KaoheEngine
import KaoheFormats
import KaoheRecords

/// Writes the benchmark's CSV files (case, consultation, complaint) into `folder` and returns their paths.
func makeRecordFiles(in folder: URL) throws -> [String] {
    var random = SeededRandom(state: 7)
    let start = Day(iso: "2019-01-01")!.daysSinceEpoch
    func date(_ offset: Int) -> String { Day(daysSinceEpoch: start + Int32(offset)).description }
    func write(_ name: String, header: String, rows: Int, row: (Int, inout SeededRandom) -> String) throws -> String {
        var text = header + "\n"
        text.reserveCapacity(rows * 90)
        for index in 0..<rows { text += row(index, &random) + "\n" }
        let url = folder.appendingPathComponent(name)
        try text.write(to: url, atomically: false, encoding: .utf8)
        return url.path
    }
    let caseFile = try write(
        "case.csv",
        header: "id,unit,matter,channel,accepted,finished,promised_days,legal_days,same_person,post_entry,irregular",
        rows: 1_000_000
    ) { index, random in
        // Nine in ten cases in 2020, the rest in 2019; one in ten offline; a few late or never finished.
        let accepted = index % 10 == 9 ? random.next(365) : 365 + random.next(366)
        let legal = 5 + random.next(16)
        let promised = 1 + random.next(legal)
        let finished = random.next(50) == 0 ? "" : date(accepted + random.next(legal + 6))
        let flags = [200, 300, 250].map { random.next($0) == 0 ? "true" : "false" }.joined(separator: ",")
        let channel = random.next(10) == 0 ? "offline" : "online"
        return
            "c\(index),u\(random.next(100)),M\(random.next(500)),\(channel),\(date(accepted)),\(finished),\(promised),\(legal),\(flags)"
    }
    let consultationFile = try write("consultation.csv", header: "id,unit,received,replied", rows: 200_000) {
        index, random in
        let received = 365 + random.next(366)
        let replied = random.next(30) == 0 ? "" : date(received + random.next(6))
        return "q\(index),u\(random.next(100)),\(date(received)),\(replied)"
    }
    let complaintFile = try write("complaint.csv", header: "id,unit,received,closed,limit_days", rows: 100_000) {
        index, random in
        let received = 365 + random.next(366)
        let closed = random.next(40) == 0 ? "" : date(received + random.next(12))
        return "p\(index),u\(random.next(100)),\(date(received)),\(closed),"
    }
    let files = [caseFile, consultationFile, complaintFile]
    return [caseFile, consultationFile, complaintFile]
}

func runDeriveBenchmark() throws {
    let calendar = try CalendarFile.builtIn()
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kaohe-derive-bench-\(getpid())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let files = try makeRecordFiles(in: folder)
    let megabytes = files.reduce(0) { total, path in
        total + ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0)
    }
    print(
        "kaohe-bench --derive: 100 units, 1,000,000 cases, 200,000 consultations, 100,000 complaints (\(megabytes >> 20) MiB of CSV)"
    )

    var importer = RecordImport(years: calendar.years)
    let parse = try seconds {
        for path in files { try RecordFiles.read(path: path, into: &importer) }
    }
    print(String(format: "read and validate the CSV files: %6.2f s", parse))
    let (scheme, derivations) = try BuiltInSchemes.loadWithDerivations("xinbei-sanheyi")!
    let window = DerivationWindow(year: 2020)!
    let index = WorkingDayIndex(calendar: calendar)
    for trace in [false, true] {
        var best = Double.infinity
        var result = DerivationResult(units: [])
        for _ in 0..<3 {
            best = min(
                best,
                seconds {
                    result = Deriver.derive(
                        importer.records, derivations, window: window, workingDays: index, trace: trace)
                })
        }
        let offline = result.units.reduce(0) { total, unit in
            if case .count(let n)? = unit.fact("13", "offline_cases")?.value { return total + n }
            return total
        }
        print(
            String(
                format: "derive every xinbei fact (%@): best of 3 %6.3f s (target <= 5 s); %d units, %d offline cases",
                trace ? "with the records behind each fact" : "facts only", best, result.units.count, offline))
    }
    let run = try seconds {
        let bytes = try DeriveRun.run(
            files: files, scheme: scheme.id, period: window.period, calendar: calendar)
        precondition(!bytes.isEmpty)
    }
    print(String(format: "DeriveRun in process (read + derive + facts document): %6.2f s (target <= 10 s)", run))
    let binary =
        ProcessInfo.processInfo.environment["KAOHE_BIN"]
        ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("kaohe")
        .path
    guard FileManager.default.isExecutableFile(atPath: binary) else {
        print("kaohe derive: skipped, no kaohe binary at \(binary) (build it: swift build -c release --product kaohe)")
        return
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = ["derive"] + files + ["--scheme", "xinbei-sanheyi", "--period", "2020-01-01..2020-12-31"]
    process.standardOutput = FileHandle.nullDevice
    let endToEnd = try seconds {
        try process.run()
        process.waitUntilExit()
    }
    print(
        String(
            format: "kaohe derive end to end: %6.2f s, status %d (target <= 10 s)", endToEnd,
            process.terminationStatus))
}
