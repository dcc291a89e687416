import Foundation
import KaoheEngine

/// A bad calendar data file.
public struct CalendarFileError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var message: String
    public var description: String { "\(file)\(line.map { ":\($0)" } ?? ""): \(message)" }
}

/// Reads the working-day calendar data file (`years 2017-2026`, then `YYYY-MM-DD holiday|workday 名称` lines).
public enum CalendarFile {
    /// Environment variable naming a calendar file that replaces the built-in one.
    public static let environmentKey = "KAOHE_CALENDAR"

    public static func parse(_ text: String, file: String) throws(CalendarFileError) -> WorkCalendar {
        var years: ClosedRange<Int>? = nil
        var entries: [Day: WorkCalendar.Entry] = [:]
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
            if parts.first == "years" {
                let bounds = parts.count == 2 ? parts[1].split(separator: "-").compactMap { Int($0) } : []
                guard bounds.count == 2, bounds[0] <= bounds[1] else {
                    throw CalendarFileError(file: file, line: index + 1, message: "years 行应形如“years 2017-2026”")
                }
                years = bounds[0]...bounds[1]
                continue
            }
            guard parts.count >= 2, let day = Day(iso: parts[0]) else {
                throw CalendarFileError(
                    file: file, line: index + 1, message: "应形如“2020-10-01 holiday 国庆节”，而不是“\(line)”")
            }
            let name = parts.count == 3 ? String(parts[2]) : ""
            switch parts[1] {
            case "holiday": entries[day] = .holiday(name)
            case "workday": entries[day] = .workday(name)
            default:
                throw CalendarFileError(file: file, line: index + 1, message: "类型应为 holiday 或 workday，而不是“\(parts[1])”")
            }
            if entries.count > 0, let years, !years.contains(day.year) {
                throw CalendarFileError(file: file, line: index + 1, message: "日期 \(day) 不在 years 声明的年份内")
            }
        }
        guard let years else { throw CalendarFileError(file: file, line: nil, message: "缺少“years 起始年-结束年”行") }
        return WorkCalendar(years: years, entries: entries)
    }

    public static func load(path: String) throws(CalendarFileError) -> WorkCalendar {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else { throw CalendarFileError(file: path, line: nil, message: "无法读取日历文件") }
        return try parse(text, file: path)
    }

    /// The calendar in force: the file named by `path`, else `KAOHE_CALENDAR`, else the built-in data.
    public static func current(path: String? = nil) throws(CalendarFileError) -> WorkCalendar {
        if let path { return try load(path: path) }
        if let path = ProcessInfo.processInfo.environment[environmentKey], !path.isEmpty { return try load(path: path) }
        return try builtIn()
    }

    /// The calendar shipped with the program (2017-2026).
    public static func builtIn() throws(CalendarFileError) -> WorkCalendar {
        guard let url = Bundle.module.url(forResource: "cn-workdays", withExtension: "txt", subdirectory: "calendar")
        else { throw CalendarFileError(file: "cn-workdays.txt", line: nil, message: "找不到内置日历数据") }
        return try load(path: url.path)
    }
}
