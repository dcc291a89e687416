import KaoheEngine

/// A refused record: the file, the row, the column (field id) and what is wrong, in the style of the scheme
/// and facts errors (Chinese). Rows count as a spreadsheet shows them: in a CSV the header is row 1.
public struct RecordError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String?
    public var row: Int?
    /// The field id (or the header as written, for an unknown header).
    public var column: String?
    public var message: String

    public init(file: String? = nil, row: Int? = nil, column: String? = nil, message: String) {
        self.file = file
        self.row = row
        self.column = column
        self.message = message
    }

    public var description: String {
        var parts: [String] = []
        if let row { parts.append("第\(row)行") }
        if let column { parts.append("“\(column)”列") }
        let place = (file.map { "\($0): " } ?? "") + parts.joined(separator: " ")
        return place.isEmpty ? message : "\(place)：\(message)"
    }
}

/// How the columns of a file (or the keys of a row) map to a type's fields.
public struct RecordLayout: Sendable {
    static let idColumn = -2
    static let unitColumn = -1
    /// A column mapped to “ignore”: its cells are not read.
    static let ignoredColumn = -3

    public let type: RecordType
    /// Per column: a field index, `idColumn` or `unitColumn`.
    let targets: [Int]
    public let headers: [String]
    let fields: [RecordField]
    /// `promised_days` and `legal_days` of a case (−1 otherwise).
    let promised: Int
    let legal: Int
    /// (later, earlier) field indices: the later date may not precede the earlier one.
    let ordered: [(later: Int, earlier: Int)]

    /// Maps headers (field ids or Chinese labels) to fields; unknown, repeated or missing required columns are
    /// refused, naming `row` (the header's row).
    /// - Parameter mapping: header as written (or trimmed) → field id, `id`, `unit`, or `""` to ignore the
    ///   column; consulted before the header's own name.
    public init(type: RecordType, headers: [String], row: Int? = 1, mapping: [String: String] = [:])
        throws(RecordError)
    {
        self.type = type
        self.headers = headers
        var targets: [Int] = []
        var seen: Set<Int> = []
        for header in headers {
            let mapped = mapping[header] ?? mapping[RecordField.normalized(header)]
            if mapped == "" {
                targets.append(Self.ignoredColumn)
                continue
            }
            let key = RecordField.normalized(mapped ?? header)
            let target: Int
            if RecordSchema.idLabels.contains(key) {
                target = Self.idColumn
            } else if RecordSchema.unitLabels.contains(key) {
                target = Self.unitColumn
            } else if let index = type.fieldIndex(key) {
                target = index
            } else {
                let known = (["id", "unit"] + type.fields.map { "\($0.id)（\($0.label)）" }).joined(separator: "、")
                throw RecordError(
                    row: row, column: header, message: "\(type.rawValue)（\(type.label)）没有这个字段（可用：\(known)）")
            }
            guard seen.insert(target).inserted else {
                throw RecordError(row: row, column: header, message: "列重复")
            }
            targets.append(target)
        }
        for (name, target) in [("id", Self.idColumn), ("unit", Self.unitColumn)] where !seen.contains(target) {
            throw RecordError(row: row, column: name, message: "缺少必填列“\(name)”")
        }
        for (index, field) in type.fields.enumerated() where field.isRequired && !seen.contains(index) {
            throw RecordError(row: row, column: field.id, message: "缺少必填列“\(field.id)”（\(field.label)）")
        }
        self.targets = targets
        fields = type.fields
        promised = type == .case ? type.fieldIndex("promised_days") ?? -1 : -1
        legal = type == .case ? type.fieldIndex("legal_days") ?? -1 : -1
        ordered = RecordSchema.completionChecks(type).compactMap { later, earlier in
            guard let l = type.fieldIndex(later), let e = type.fieldIndex(earlier) else { return nil }
            return (l, e)
        }
    }

    /// Whether a header names a field of `type` by itself (a field id, a Chinese label, `id`/`编号`,
    /// `unit`/`单位`); other headers need a mapping.
    public static func recognizes(_ header: String, type: RecordType) -> Bool {
        let key = RecordField.normalized(header)
        return RecordSchema.idLabels.contains(key) || RecordSchema.unitLabels.contains(key)
            || type.fieldIndex(key) != nil
    }

    /// Whether column `column` holds a date field (XLSX date serial numbers are converted there).
    public func isDateColumn(_ column: Int) -> Bool {
        guard column >= 0, column < targets.count, targets[column] >= 0 else { return false }
        return fields[targets[column]].kind == .date
    }
}

/// Checks rows against records.md and stores them in a `RecordSet`.
///
/// Rows arrive as the cells of a line (`UnsafeBufferPointer` of UTF-8 bytes with cell bounds) so that a
/// million-row file is decoded without a string or a dictionary per cell; `add(_:type:row:)` takes a row as a
/// dictionary (API, JSON Lines).
public struct RecordImport: Sendable {
    public private(set) var records: RecordSet
    /// Unit codes that exist; nil accepts any (the caller that knows the units passes them).
    public var knownUnits: Set<String>?
    /// Named in errors.
    public var file: String?
    let firstDay: Int32
    let lastDay: Int32
    let years: ClosedRange<Int>
    private var batch: Int32
    private var values: [Int32] = []

    /// - Parameters:
    ///   - years: the years of the working-day calendar; dates outside them are refused.
    ///   - knownUnits: the unit codes that exist, or nil to accept any.
    public init(records: RecordSet = RecordSet(), years: ClosedRange<Int>, knownUnits: Set<String>? = nil) {
        self.records = records
        self.years = years
        self.knownUnits = knownUnits
        firstDay = Day(year: years.lowerBound, month: 1, day: 1)?.daysSinceEpoch ?? .min
        lastDay = Day(year: years.upperBound, month: 12, day: 31)?.daysSinceEpoch ?? .max
        batch = self.records.beginBatch()
    }

    /// Starts a new file: a repeated id within one file is refused, one from an earlier file replaces it.
    public mutating func beginFile(_ name: String?) {
        file = name
        batch = records.beginBatch()
    }

    /// Counts of the current import.
    public private(set) var added = 0
    public private(set) var replaced = 0

    /// Validates and stores one row given as field id or Chinese label → text (`""` or `"null"`: empty).
    @discardableResult
    public mutating func add(_ row: [String: String], type: RecordType, row number: Int?) throws(RecordError)
        -> RecordTable.Outcome
    {
        let keys = Array(row.keys)
        let layout: RecordLayout
        do { layout = try RecordLayout(type: type, headers: keys, row: number) } catch {
            var error = error
            error.file = file
            throw error
        }
        var bytes: [UInt8] = []
        var bounds: [Int] = []
        for key in keys {
            bounds.append(bytes.count)
            bytes.append(contentsOf: (row[key] ?? "").utf8)
            bounds.append(bytes.count)
        }
        return try bytes.withUnsafeBufferPointer { buffer throws(RecordError) in
            try add(cells: buffer, bounds: bounds, cellCount: keys.count, layout: layout, row: number)
        }
    }

    /// Validates and stores one row: cell `c` is `bytes[bounds[2c]..<bounds[2c+1]]`; missing trailing cells are
    /// empty.
    @discardableResult
    public mutating func add(
        cells bytes: UnsafeBufferPointer<UInt8>, bounds: [Int], cellCount: Int, layout: RecordLayout, row: Int?
    ) throws(RecordError) -> RecordTable.Outcome {
        let type = layout.type
        let fields = layout.fields
        func fail(_ column: String?, _ message: String) -> RecordError {
            RecordError(file: file, row: row, column: column, message: message)
        }
        if cellCount > layout.targets.count {
            throw fail(nil, "有\(cellCount)列，多于表头的\(layout.targets.count)列")
        }
        if values.count != fields.count { values = Array(repeating: RecordTable.absent, count: fields.count) }
        for index in 0..<fields.count { values[index] = fields[index].defaultValue ?? RecordTable.absent }
        var id = ""
        var unit = ""
        for column in 0..<layout.targets.count {
            let target = layout.targets[column]
            if target == RecordLayout.ignoredColumn { continue }
            let cell: UnsafeBufferPointer<UInt8>
            if column < cellCount {
                cell = Self.trimmed(UnsafeBufferPointer(rebasing: bytes[bounds[2 * column]..<bounds[2 * column + 1]]))
            } else {
                cell = UnsafeBufferPointer(start: nil, count: 0)
            }
            if Self.isEmpty(cell) { continue }
            if target == RecordLayout.idColumn {
                id = String(decoding: cell, as: UTF8.self)
                continue
            }
            if target == RecordLayout.unitColumn {
                unit = String(decoding: cell, as: UTF8.self)
                continue
            }
            let field = fields[target]
            switch field.kind {
            case .date:
                guard let day = Self.day(cell) else {
                    throw fail(field.id, "\(field.label)“\(String(decoding: cell, as: UTF8.self))”不是有效日期（YYYY-MM-DD）")
                }
                guard day >= firstDay && day <= lastDay else {
                    throw fail(
                        field.id,
                        "\(field.label) \(Day(daysSinceEpoch: day)) 不在工作日历的年份内（\(years.lowerBound)—\(years.upperBound)年）"
                    )
                }
                values[target] = day
            case .bool:
                guard let flag = Self.bool(cell) else {
                    throw fail(
                        field.id, "\(field.label)“\(String(decoding: cell, as: UTF8.self))”应为 true/false、是/否 或 1/0")
                }
                values[target] = flag ? 1 : 0
            case .count:
                switch Self.count(cell) {
                case .some(let count): values[target] = count
                case .none:
                    let text = String(decoding: cell, as: UTF8.self)
                    if text.hasPrefix("-"), Int(text.dropFirst()) != nil {
                        throw fail(field.id, "\(field.label)不能小于0（\(text)）")
                    }
                    throw fail(field.id, "\(field.label)“\(text)”应为不小于0的整数")
                }
            case .choice(let options):
                let text = String(decoding: cell, as: UTF8.self)
                guard let index = options.firstIndex(where: { $0.id == text || $0.label == text }) else {
                    let known = options.map { "\($0.id)（\($0.label)）" }.joined(separator: "、")
                    throw fail(field.id, "\(field.label)“\(text)”应为以下之一：\(known)")
                }
                values[target] = Int32(index)
            case .text:
                values[target] = records.intern(String(decoding: cell, as: UTF8.self), type: type)
            }
        }
        if id.isEmpty { throw fail("id", "缺少编号（id）") }
        if unit.isEmpty { throw fail("unit", "缺少单位编码（unit）") }
        if let knownUnits, !knownUnits.contains(unit) { throw fail("unit", "未知单位“\(unit)”") }
        for (index, field) in fields.enumerated() where field.isRequired && values[index] == RecordTable.absent {
            throw fail(field.id, "缺少必填字段 \(field.id)（\(field.label)）")
        }
        try check(layout, fail)
        let outcome = values.withUnsafeBufferPointer {
            records.store(type: type, id: id, unit: unit, values: $0, batch: batch)
        }
        switch outcome {
        case .added: added += 1
        case .replaced: replaced += 1
        case .duplicate: throw fail("id", "编号“\(id)”在本文件中重复")
        }
        return outcome
    }

    /// Cross-field rules: promised ≤ legal, no completion before its event.
    private func check(_ layout: RecordLayout, _ fail: (String?, String) -> RecordError) throws(RecordError) {
        let fields = layout.fields
        if layout.promised >= 0 && layout.legal >= 0 {
            let promised = values[layout.promised]
            let legal = values[layout.legal]
            if promised != RecordTable.absent && legal != RecordTable.absent && promised > legal {
                throw fail("promised_days", "承诺时限\(promised)个工作日超过法定时限\(legal)个工作日")
            }
        }
        for (l, e) in layout.ordered {
            let end = values[l]
            let start = values[e]
            if end != RecordTable.absent && start != RecordTable.absent && end < start {
                throw fail(
                    fields[l].id,
                    "\(fields[l].label) \(Day(daysSinceEpoch: end)) 早于\(fields[e].label) \(Day(daysSinceEpoch: start))")
            }
        }
    }

    // MARK: Cell readers (UTF-8 bytes)

    static func trimmed(_ cell: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        var start = 0
        var end = cell.count
        while start < end && (cell[start] == 0x20 || cell[start] == 0x09) { start += 1 }
        while end > start && (cell[end - 1] == 0x20 || cell[end - 1] == 0x09 || cell[end - 1] == 0x0D) { end -= 1 }
        if start == 0 && end == cell.count { return cell }
        return UnsafeBufferPointer(rebasing: cell[start..<end])
    }

    static func isEmpty(_ cell: UnsafeBufferPointer<UInt8>) -> Bool {
        if cell.isEmpty { return true }
        guard cell.count == 4 else { return false }
        return (cell[0] | 0x20) == 0x6E && (cell[1] | 0x20) == 0x75 && (cell[2] | 0x20) == 0x6C
            && (cell[3] | 0x20) == 0x6C
    }

    /// `YYYY-MM-DD` as days since 1970, nil when malformed or not a date.
    static func day(_ cell: UnsafeBufferPointer<UInt8>) -> Int32? {
        guard cell.count == 10, cell[4] == 0x2D, cell[7] == 0x2D else { return nil }
        func number(_ from: Int, _ to: Int) -> Int? {
            var value = 0
            for index in from..<to {
                let digit = Int(cell[index]) - 48
                guard digit >= 0 && digit <= 9 else { return nil }
                value = value * 10 + digit
            }
            return value
        }
        guard let year = number(0, 4), let month = number(5, 7), let day = number(8, 10),
            let result = Day(year: year, month: month, day: day)
        else { return nil }
        return result.daysSinceEpoch
    }

    static func bool(_ cell: UnsafeBufferPointer<UInt8>) -> Bool? {
        switch cell.count {
        case 1:
            if cell[0] == 0x31 { return true }
            if cell[0] == 0x30 { return false }
        case 3:
            if cell[0] == 0xE6 && cell[1] == 0x98 && cell[2] == 0xAF { return true }  // 是
            if cell[0] == 0xE5 && cell[1] == 0x90 && cell[2] == 0xA6 { return false }  // 否
        case 4:
            if Self.matches(cell, "true") { return true }
        case 5:
            if Self.matches(cell, "false") { return false }
        default: break
        }
        return nil
    }

    /// Case-insensitive comparison with a lowercase ASCII word.
    static func matches(_ cell: UnsafeBufferPointer<UInt8>, _ word: StaticString) -> Bool {
        guard cell.count == word.utf8CodeUnitCount else { return false }
        let bytes = word.utf8Start
        for index in 0..<cell.count where (cell[index] | 0x20) != bytes[index] { return false }
        return true
    }

    static func count(_ cell: UnsafeBufferPointer<UInt8>) -> Int32? {
        guard !cell.isEmpty, cell.count <= 9 else { return nil }
        var value: Int32 = 0
        for byte in cell {
            guard byte >= 0x30 && byte <= 0x39 else { return nil }
            value = value * 10 + Int32(byte - 0x30)
        }
        return value
    }
}

extension RecordImport {
    /// Validates one row on its own, without storing it: the typed record, or the reason it is refused.
    public static func validate(
        _ row: [String: String], type: RecordType, row number: Int? = nil, years: ClosedRange<Int>,
        knownUnits: Set<String>? = nil
    ) throws(RecordError) -> Record {
        var importer = RecordImport(years: years, knownUnits: knownUnits)
        try importer.add(row, type: type, row: number)
        return importer.records.record(type, row: 0)
    }
}
