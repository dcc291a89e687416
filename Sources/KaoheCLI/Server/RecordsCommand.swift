import ArgumentParser
import Foundation
import KaoheApplication
import KaoheRecords
import KaoheStorage

/// `kaohe records`: platform records in the configured database.
public struct RecordsCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "records", abstract: "平台记录（办件、咨询、投诉……）", subcommands: [RecordsImportCommand.self])

    public init() {}
}

/// `kaohe records import FILE… --organization ID [--type T] [--map 表头=字段]`: checks every row of every file,
/// then writes them (audited as 命令行), printing progress on standard error and a summary per file.
public struct RecordsImportCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "导入平台记录文件（CSV、XLSX、JSON Lines）",
        discussion: """
            CSV 和 XLSX（第一个工作表）每个文件一种记录类型：由 --type 指定，或取文件名（如 case.csv、办件.xlsx）；\
            JSON Lines 每行一个带 type 字段的对象。表头可用字段名或中文名；其他表头用 --map 指定一次，之后按组织记住。\
            任何文件有错误行时整批不导入、不写入任何记录，并列出文件、行、列和原因（最多100处），以非零状态退出。
            """)

    @OptionGroup var options: ServerOptions

    @Argument(help: "记录文件")
    var files: [String]

    @Option(name: .long, help: "组织编号（或组织名称）")
    var organization: String

    @Option(name: .long, help: "CSV/XLSX 文件的记录类型（如 case 或 办件；默认取文件名）")
    var type: String?

    @Option(name: .long, help: "表头对应的字段，可重复：“表头=字段”，如 “业务编号=id”；“表头=” 表示忽略该列")
    var map: [String] = []

    @Flag(name: .long, help: "不在标准错误上显示进度")
    var quiet = false

    public init() {}

    public func validate() throws {
        guard !files.isEmpty else { throw ValidationError("请指定要导入的文件") }
        for entry in map where !entry.contains("=") {
            throw ValidationError("--map “\(entry)” 应为“表头=字段”")
        }
    }

    public func run() async throws {
        let config = try options.config()
        try await reportingErrors {
            let boot = try await bootstrap(config, createFirstAdmin: false)
            do {
                try await importFiles(AppDependencies(store: boot.store))
            } catch {
                await boot.store.shutdown()
                throw error
            }
            await boot.store.shutdown()
        }
    }

    func importFiles(_ deps: AppDependencies) async throws {
        let organizations = try await deps.store.organizations()
        let id =
            organizations.first { $0.id.rawValue == organization }?.id.rawValue
            ?? organizations.first { $0.name == organization }?.id.rawValue ?? organization
        let recordType = try type.map { text -> RecordType in
            guard let found = RecordType(rawValue: text) ?? RecordType.allCases.first(where: { $0.label == text })
            else {
                throw AppError.invalid(
                    "未知记录类型“\(text)”（可用：\(RecordType.allCases.map(\.rawValue).joined(separator: "、"))）")
            }
            return found
        }
        var mapping: [String: String] = [:]
        for entry in map {
            let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            mapping[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        let inputFiles = files.map { RecordImportFile(path: $0, name: $0) }
        var mappings: [String: [String: String]] = [:]
        if !mapping.isEmpty {
            // The mapping applies to the type of every CSV/XLSX file named on the command line.
            let types = Set(files.compactMap { recordType ?? RecordFilesName.type($0) }.map(\.rawValue))
            for type in types { mappings[type] = mapping }
        }
        let input = RecordImportInput(
            organizationID: id, files: inputFiles, type: recordType?.rawValue, mappings: mappings)
        let line = ProgressLine(enabled: !quiet)
        let report: RecordImportReport
        do {
            report = try await Operations(deps).importRecords(input, by: .commandLine) { line.show($0) }
        } catch let failure as RecordImportFailure {
            line.clear()
            switch failure {
            case .refused(let errors, _):
                printError("kaohe: \(failure.message)")
                for error in errors { printError("  \(error)") }
            case .unmappedHeaders(let files):
                printError("kaohe: 以下表头无法识别，请用 --map “表头=字段” 指定（“表头=” 忽略该列）：")
                for file in files {
                    let type = RecordType(rawValue: file.type)
                    let fields = (["id", "unit"] + (type?.fields.map(\.id) ?? [])).joined(separator: "、")
                    printError(
                        "  \(file.file)（\(file.type)）：\(file.headers.map { "“\($0)”" }.joined(separator: "、"))；可用字段：\(fields)"
                    )
                }
            }
            throw ExitCode(1)
        }
        line.clear()
        for file in report.files {
            let c = file.counts
            print(
                "\(file.name)：\(file.rows)条（\(file.types.joined(separator: "、"))）新增\(c.new)，更新\(c.changed)，未变\(c.unchanged)；SHA-256 \(file.sha256)"
            )
        }
        let total = report.counts
        let rate = report.seconds > 0 ? Double(total.total) / report.seconds : 0
        print(
            "共\(total.total)条：新增\(total.new)，更新\(total.changed)，未变\(total.unchanged)；用时\(String(format: "%.1f", report.seconds))秒（每秒\(Int(rate))条）"
        )
    }
}

/// The record type a file's stem names (`case.csv`, `办件.xlsx`).
enum RecordFilesName {
    static func type(_ path: String) -> RecordType? {
        let name = (path as NSString).lastPathComponent
        let stem = name.split(separator: ".", maxSplits: 1).first.map(String.init) ?? name
        return RecordType(rawValue: stem) ?? RecordType.allCases.first { $0.label == stem }
    }
}

/// One progress line on standard error, rewritten in place (`\r`) on a terminal and printed at most once a
/// second otherwise.
final class ProgressLine: @unchecked Sendable {
    let enabled: Bool
    let terminal = isatty(2) != 0
    private let lock = NSLock()
    private var last = Date.distantPast
    private var shown = false

    init(enabled: Bool) { self.enabled = enabled }

    func show(_ progress: RecordImportProgress) {
        guard enabled, progress.phase != .done else { return }
        let now = Date()
        let text: String? = lock.withLock {
            guard now.timeIntervalSince(last) >= (terminal ? 0.2 : 1) else { return nil }
            last = now
            shown = true
            return progress.summary
        }
        guard let text else { return }
        FileHandle.standardError.write(Data((terminal ? "\r\u{1B}[K" + text : text + "\n").utf8))
    }

    func clear() {
        guard enabled, terminal, lock.withLock({ shown }) else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
