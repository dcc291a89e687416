import ArgumentParser
import Foundation
import KaoheEngine
import KaoheFormats

/// The `kaohe` command.
public struct KaoheCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "kaohe",
        abstract: "考核：政务服务绩效考核平台（评分引擎、方案与命令行）",
        version: kaoheVersion,
        subcommands: [
            SchemesCommand.self, DescribeCommand.self, ScoreCommand.self, DeriveCommand.self, ValidateCommand.self,
            ServeCommand.self, MigrateCommand.self, UserCommand.self, AuditCommand.self, EvidenceCommand.self,
            DemoCommand.self, BackupCommand.self, RestoreCommand.self, RecordsCommand.self,
        ]
    )
    public init() {}
}

/// Options shared by commands that need the working-day calendar.
struct CalendarOptions: ParsableArguments {
    @Option(name: .long, help: "工作日历数据文件（默认：KAOHE_CALENDAR 或内置 2017-2026 日历）")
    var calendar: String?

    func load() throws -> WorkCalendar {
        do { return try CalendarFile.current(path: calendar) } catch { throw CLIFailure(message: "\(error)") }
    }
}

/// Options of commands that read facts documents: the calendar and an optional custom scheme.
struct FactsOptions: ParsableArguments {
    @Option(name: .long, help: "自定义方案文件（代替文档中的 scheme）")
    var scheme: String?

    @OptionGroup var calendarOptions: CalendarOptions

    /// The calendar in force and the custom scheme, if any; failures are printed as `fail` does.
    func load() throws -> (WorkCalendar, Scheme?) {
        let calendar: WorkCalendar
        do { calendar = try calendarOptions.load() } catch { throw fail("\(error)") }
        guard let scheme else { return (calendar, nil) }
        do { return (calendar, try SchemeFile.load(path: scheme)) } catch { throw fail("\(error)") }
    }
}

/// A failure printed to standard error with a non-zero exit; nothing goes to standard output.
struct CLIFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

func writeStandardOutput(_ bytes: [UInt8]) {
    FileHandle.standardOutput.write(Data(bytes))
}

func fail(_ message: String) -> ExitCode {
    FileHandle.standardError.write(Data(("kaohe: " + message + "\n").utf8))
    return ExitCode(1)
}

struct SchemesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "schemes", abstract: "列出内置考核方案")

    @Flag(name: .long, help: "以 JSON 输出")
    var json = false

    func run() async throws {
        var rows: [(String, String, String, Int)] = []
        for id in BuiltInSchemes.ids {
            do {
                guard let scheme = try BuiltInSchemes.load(id) else { continue }
                rows.append((id, scheme.title, scheme.total.description, scheme.items.count))
            } catch {
                throw fail("\(error)")
            }
        }
        if json {
            var w = JSONWriter()
            w.raw("[")
            for (i, row) in rows.enumerated() {
                if i > 0 { w.raw(",") }
                w.raw("{")
                w.key("id")
                w.string(row.0)
                w.raw(",")
                w.key("title")
                w.string(row.1)
                w.raw(",")
                w.key("total")
                w.raw(row.2)
                w.raw(",")
                w.key("items")
                w.number(row.3)
                w.raw("}")
            }
            w.raw("]\n")
            writeStandardOutput(w.bytes)
        } else {
            let text = rows.map { "\(SchemeDescription.padded($0.0, 28))\($0.1)（\($0.3)项，总分\($0.2)）" }
                .joined(separator: "\n")
            writeStandardOutput(Array((text + "\n").utf8))
        }
    }
}

struct DescribeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "describe", abstract: "显示一个方案：考核项、分值、事实及其类型")

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case json, text
    }

    @Argument(help: "内置方案 id 或方案文件路径")
    var scheme: String

    @Option(name: .long, help: "输出格式：json（默认）或 text（评分表）")
    var format: Format = .json

    func run() async throws {
        let loaded: Scheme
        do { loaded = try BuiltInSchemes.resolve(scheme) } catch { throw fail("\(error)") }
        switch format {
        case .json: writeStandardOutput(SchemeDescription.json(loaded))
        case .text: writeStandardOutput(Array(SchemeDescription.text(loaded).utf8))
        }
    }
}

struct ScoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score", abstract: "对事实文档评分，结果以 JSON 输出")

    @Argument(help: "事实文档（JSON）路径，“-”表示标准输入")
    var file: String

    @Flag(name: .long, help: "每个单位一行输出")
    var pretty = false

    @OptionGroup var factsOptions: FactsOptions

    func run() async throws {
        // The input is dropped as soon as it is decoded, so its memory is free while results are built.
        var bytes: [UInt8]? = nil
        if file == "-" {
            bytes = Array(FileHandle.standardInput.readDataToEndOfFile())
        } else {
            guard let data = FileManager.default.contents(atPath: file) else { throw fail("无法读取文件 \(file)") }
            bytes = Array(data)
        }
        let (calendar, override) = try factsOptions.load()
        do {
            let (scheme, document) = try ScoreRun.decode(bytes ?? [], scheme: override, calendar: calendar)
            bytes = nil
            try ScoreRun.score(document, scheme: scheme, calendar: calendar, pretty: pretty) { chunk in
                writeStandardOutput(chunk)
            }
        } catch {
            throw fail("\(file == "-" ? "<标准输入>" : file): \(error)")
        }
    }
}

struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate", abstract: "检查方案文件（YAML）或事实文档（JSON），报告文件、行号和问题")

    @Argument(help: "方案文件（.yaml/.yml）或事实文档（.json）")
    var file: String

    @OptionGroup var factsOptions: FactsOptions

    func run() async throws {
        guard let data = FileManager.default.contents(atPath: file) else { throw fail("无法读取文件 \(file)") }
        let isJSON = file.hasSuffix(".json") || data.first == UInt8(ascii: "{")
        if isJSON {
            let (calendar, override) = try factsOptions.load()
            do {
                let (loaded, document) = try ScoreRun.decode(Array(data), scheme: override, calendar: calendar)
                writeStandardOutput(Array("\(file): 事实文档有效（方案 \(loaded.id)，\(document.units.count) 个单位）\n".utf8))
            } catch {
                throw fail("\(file): \(error)")
            }
        } else {
            do {
                let loaded = try SchemeFile.load(path: file)
                writeStandardOutput(
                    Array("\(file): 方案有效（\(loaded.id)，\(loaded.items.count) 个考核项，总分 \(loaded.total)）\n".utf8))
            } catch {
                throw fail("\(error)")
            }
        }
    }
}
