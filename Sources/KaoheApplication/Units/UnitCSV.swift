import Foundation
import KaoheStorage

/// Reads units from CSV text: header `编码,名称,类型[,上级编码]` (or `code,name,type[,parent_code]`), UTF-8 with or
/// without BOM, quoted fields with `""` escapes and line breaks. Every problem is reported with its line; nothing
/// is returned unless the whole file is right.
public enum UnitCSV {
    /// Parses `text` into units of `organization`. `existing` are the organization's units already stored
    /// (for duplicate codes and parent codes). Units come back parents first; problems are thrown as
    /// ``AppError/lineErrors(_:)``, sorted by line.
    public static func parse(_ text: String, organization: OrganizationID, existing: [AssessedUnit], now: Date = Date())
        throws(AppError) -> [AssessedUnit]
    {
        switch parseResult(text, organization: organization, existing: existing, now: now) {
        case .success(let units): return units
        case .failure(let list): throw AppError.lineErrors(list.errors)
        }
    }

    struct LineErrors: Error, ExpressibleByArrayLiteral {
        let errors: [LineError]
        init(errors: [LineError]) { self.errors = errors }
        init(arrayLiteral elements: LineError...) { self.errors = elements }
    }

    static func parseResult(_ text: String, organization: OrganizationID, existing: [AssessedUnit], now: Date)
        -> Result<[AssessedUnit], LineErrors>
    {
        var body = text
        if body.hasPrefix("\u{FEFF}") { body.removeFirst() }
        let records: [(line: Int, fields: [String])]
        switch split(body) {
        case .success(let value): records = value
        case .failure(let error): return .failure(LineErrors(errors: [error]))
        }
        let nonEmpty = records.filter {
            !($0.fields.count == 1 && $0.fields[0].trimmingCharacters(in: .whitespaces).isEmpty)
        }
        guard let header = nonEmpty.first else { return .failure([LineError(line: 1, message: "文件为空，至少需要表头和一行单位")]) }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        func column(_ chinese: String, _ english: String) -> Int? {
            names.firstIndex { $0 == chinese || $0.lowercased() == english }
        }
        var errors: [LineError] = []
        guard let codeColumn = column("编码", "code"), let nameColumn = column("名称", "name"),
            let typeColumn = column("类型", "type")
        else {
            let missing = [("编码", "code"), ("名称", "name"), ("类型", "type")].filter { column($0.0, $0.1) == nil }.map {
                "“\($0.0)”"
            }
            return .failure([
                LineError(line: header.line, message: "表头缺少列\(missing.joined(separator: "、"))；表头应为：编码,名称,类型,上级编码")
            ])
        }
        let parentColumn = column("上级编码", "parent_code")
        let rows = nonEmpty.dropFirst()
        if rows.isEmpty { return .failure([LineError(line: header.line, message: "只有表头，没有单位")]) }

        let existingByCode = Dictionary(existing.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
        var firstLineOfCode: [String: Int] = [:]
        var parsed: [(line: Int, unit: AssessedUnit, parentCode: String?)] = []
        for row in rows {
            guard row.fields.count == names.count else {
                errors.append(LineError(line: row.line, message: "应有\(names.count)列，实际\(row.fields.count)列"))
                continue
            }
            let value = { (index: Int) in row.fields[index].trimmingCharacters(in: .whitespaces) }
            let code = value(codeColumn), name = value(nameColumn), typeText = value(typeColumn)
            let parentCode = parentColumn.map(value).flatMap { $0.isEmpty ? nil : $0 }
            var ok = true
            if code.isEmpty { errors.append(LineError(line: row.line, message: "“编码”不能为空")); ok = false }
            if name.isEmpty { errors.append(LineError(line: row.line, message: "“名称”不能为空")); ok = false }
            let type = UnitType(label: typeText)
            if type == nil {
                errors.append(
                    LineError(
                        line: row.line,
                        message: "类型“\(typeText)”无法识别，可用：\(UnitType.allCases.map(\.displayName).joined(separator: "、"))"
                    ))
                ok = false
            }
            if !code.isEmpty {
                if let first = firstLineOfCode[code] {
                    errors.append(LineError(line: row.line, message: "编码“\(code)”与第\(first)行重复")); ok = false
                } else {
                    firstLineOfCode[code] = row.line
                }
                if existingByCode[code] != nil {
                    errors.append(LineError(line: row.line, message: "编码“\(code)”已存在于该组织")); ok = false
                }
            }
            if ok, let type {
                parsed.append(
                    (
                        row.line,
                        AssessedUnit(organizationID: organization, code: code, name: name, type: type, createdAt: now),
                        parentCode
                    ))
            }
        }
        // Parents: an existing unit or another row of the file; no cycles.
        let fileByCode = Dictionary(parsed.map { ($0.unit.code, $0) }, uniquingKeysWith: { a, _ in a })
        var resolved: [AssessedUnit] = []
        for entry in parsed {
            var unit = entry.unit
            if let parentCode = entry.parentCode {
                if parentCode == unit.code {
                    errors.append(LineError(line: entry.line, message: "上级编码不能是本单位自己（\(parentCode)）")); continue
                }
                if let parent = existingByCode[parentCode] {
                    unit.parentID = parent.id
                } else if let parent = fileByCode[parentCode] {
                    unit.parentID = parent.unit.id
                } else if firstLineOfCode[parentCode] == nil {
                    errors.append(LineError(line: entry.line, message: "上级编码“\(parentCode)”不存在（既不在文件中，也不是已有单位）"));
                    continue
                }
            }
            resolved.append(unit)
        }
        if !errors.isEmpty { return .failure(LineErrors(errors: errors.sorted { $0.line < $1.line })) }
        // Order parents first; a cycle within the file is an error.
        let lineOf = Dictionary(parsed.map { ($0.unit.id, $0.line) }, uniquingKeysWith: { a, _ in a })
        var placed = Set(existing.map(\.id))
        var ordered: [AssessedUnit] = []
        var pending = resolved
        while !pending.isEmpty {
            let ready = pending.filter { $0.parentID.map(placed.contains) ?? true }
            if ready.isEmpty {
                return .failure(
                    LineErrors(
                        errors: pending.map { LineError(line: lineOf[$0.id] ?? 0, message: "上级编码形成循环（\($0.code)）") }
                            .sorted { $0.line < $1.line }))
            }
            for unit in ready { placed.insert(unit.id) }
            ordered += ready
            let readyIDs = Set(ready.map(\.id))
            pending.removeAll { readyIDs.contains($0.id) }
        }
        return .success(ordered)
    }

    /// Splits CSV text into records with the line each starts on. Fails on an unterminated quote.
    static func split(_ text: String) -> Result<[(line: Int, fields: [String])], LineError> {
        var records: [(line: Int, fields: [String])] = []
        var fields: [String] = []
        var field = ""
        var line = 1, recordLine = 1
        var inQuotes = false, quoteLine = 0
        var atFieldStart = true
        var chars = Array(text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n"))
        chars.append("\n")
        var index = 0
        while index < chars.count {
            let c = chars[index]
            if inQuotes {
                if c == "\"" {
                    if index + 1 < chars.count && chars[index + 1] == "\"" {
                        field.append("\""); index += 1
                    } else {
                        inQuotes = false
                    }
                } else {
                    if c == "\n" { line += 1 }
                    field.append(c)
                }
            } else if c == "\"" && atFieldStart {
                inQuotes = true
                quoteLine = line
            } else if c == "," {
                fields.append(field); field = ""; atFieldStart = true; index += 1; continue
            } else if c == "\n" {
                fields.append(field)
                records.append((recordLine, fields))
                fields = []; field = ""; line += 1; recordLine = line; atFieldStart = true; index += 1
                continue
            } else {
                field.append(c)
            }
            atFieldStart = false
            index += 1
        }
        if inQuotes { return .failure(LineError(line: quoteLine, message: "引号未闭合")) }
        // The appended final newline produces one empty record at the end when the text already ended with one.
        if let last = records.last, last.fields == [""] { records.removeLast() }
        return .success(records)
    }
}
