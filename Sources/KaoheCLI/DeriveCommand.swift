import ArgumentParser
import Foundation
import KaoheEngine
import KaoheFormats
import KaoheRecords

struct DeriveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "derive", abstract: "由平台记录（CSV、JSON Lines）派生方案的事实，以 kaohe score 可读的事实文档输出")

    @Argument(help: "记录文件：CSV（每个文件一种记录，类型取 --type 或文件名，如 case.csv）或 JSON Lines（每行含 type）")
    var files: [String]

    @Option(name: .long, help: "内置方案 id 或方案文件路径")
    var scheme: String

    @Option(name: .long, help: "考核期“起始日..结束日”（默认：方案年份的1月1日至12月31日）")
    var period: String?

    @Option(name: .customLong("as-of"), help: "统计截止日 YYYY-MM-DD（默认：考核期末）")
    var asOf: String?

    @Option(name: .long, help: "CSV 文件的记录类型（默认取文件名）")
    var type: String?

    @OptionGroup var calendarOptions: CalendarOptions

    func run() async throws {
        let calendar = try calendarOptions.load()
        do {
            let recordType = try type.map { name throws(DeriveRun.Failure) in
                guard let value = RecordType(rawValue: name) else {
                    let known = RecordType.allCases.map(\.rawValue).joined(separator: "、")
                    throw DeriveRun.Failure.options("--type“\(name)”不是记录类型（可用：\(known)）")
                }
                return value
            }
            let bytes = try DeriveRun.run(
                files: files, scheme: scheme,
                period: try period.map { text throws(DeriveRun.Failure) in try DeriveRun.period(text) },
                asOf: try asOf.map { text throws(DeriveRun.Failure) in try DeriveRun.day(text, option: "--as-of") },
                type: recordType, calendar: calendar)
            writeStandardOutput(bytes)
        } catch {
            throw fail("\(error)")
        }
    }
}
