import Foundation
import KaoheEngine
import KaoheRecords

/// Reads record files into a `RecordImport`: CSV (one type a file, header of field ids or Chinese labels) and
/// JSON Lines (one object a line with a `type` field), streamed chunk by chunk.
public enum RecordFiles {
    /// The file formats read.
    public enum Format: Sendable, Equatable {
        case csv
        case jsonLines
        /// An Excel workbook: the first sheet, one type (see ``readXLSX(path:type:file:into:options:)``).
        case xlsx
    }

    /// The record type named by a file's stem (`case.csv`, `monitor_login.csv`, `办件.csv`).
    public static func type(forFile path: String) -> RecordType? {
        let name = (path as NSString).lastPathComponent
        let stem = name.split(separator: ".", maxSplits: 1).first.map(String.init) ?? name
        return RecordType(rawValue: stem) ?? RecordType.allCases.first { $0.label == stem }
    }

    /// `.jsonl`/`.ndjson` are JSON Lines, `.csv` is CSV, `.xlsx` is XLSX; otherwise a file that starts as a ZIP
    /// archive (`PK`) is XLSX and one whose first byte is `{` is JSON Lines.
    public static func format(ofFile path: String) -> Format {
        let lower = path.lowercased()
        if lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") { return .jsonLines }
        if lower.hasSuffix(".csv") { return .csv }
        if lower.hasSuffix(".xlsx") { return .xlsx }
        var chunks = FileChunks(path: path, chunkSize: 64)
        let head = chunks?.next() ?? []
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return .xlsx }
        let first = head.first { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }
        return first == UInt8(ascii: "{") ? .jsonLines : .csv
    }

    /// Reads one file (encoding detected, then read a second time); errors name the file.
    /// - Parameter type: the type of a CSV file's records; nil: from the file's stem.
    public static func read(path: String, type: RecordType? = nil, into importer: inout RecordImport)
        throws(RecordError)
    {
        let name = path
        guard var probe = FileChunks(path: path) else { throw RecordError(file: name, message: "无法读取文件") }
        let encoding = RecordFileEncoding.detect(&probe)
        guard let chunks = FileChunks(path: path) else { throw RecordError(file: name, message: "无法读取文件") }
        let format = format(ofFile: path)
        if format == .jsonLines {
            try readJSONLines(chunks, encoding: encoding, file: name, into: &importer)
            return
        }
        guard let recordType = type ?? Self.type(forFile: path) else {
            let known = RecordType.allCases.map(\.rawValue).joined(separator: "、")
            throw RecordError(file: name, message: "无法从文件名判断记录类型，请用 --type 指定（可用：\(known)）")
        }
        if format == .xlsx {
            var options = RecordReadOptions()
            try readXLSX(path: path, type: recordType, file: name, into: &importer, options: &options)
        } else {
            try readCSV(chunks, type: recordType, encoding: encoding, file: name, into: &importer)
        }
    }

    /// Reads CSV text of one record type. The first row is the header.
    public static func readCSV(
        _ source: some ByteChunks, type: RecordType, encoding: RecordFileEncoding = .utf8, file: String?,
        into importer: inout RecordImport
    ) throws(RecordError) {
        var options = RecordReadOptions()
        try readCSV(source, type: type, encoding: encoding, file: file, into: &importer, options: &options)
    }

    /// Reads CSV text of one record type with header mappings, bad rows collected in `options` (up to its
    /// limit, then reading stops) and progress calls. Header and file errors are thrown.
    public static func readCSV(
        _ source: some ByteChunks, type: RecordType, encoding: RecordFileEncoding = .utf8, file: String?,
        into importer: inout RecordImport, options: inout RecordReadOptions
    ) throws(RecordError) {
        importer.beginFile(file)
        var chunks = UTF8Chunks(source: source, encoding: encoding)
        var tokenizer = CSVTokenizer()
        var layout: RecordLayout? = nil
        var row = 0
        var first = true
        func emit(
            _ tokenizer: inout CSVTokenizer, _ importer: inout RecordImport, _ options: inout RecordReadOptions
        ) throws(RecordError) {
            row += 1
            if tokenizer.isBlankRow { return }
            guard let known = layout else {
                do {
                    layout = try RecordLayout(
                        type: type, headers: tokenizer.strings(), row: row, mapping: options.headerMapping)
                } catch {
                    var error = error
                    error.file = file
                    throw error
                }
                return
            }
            do {
                try tokenizer.bytes.withUnsafeBufferPointer { buffer throws(RecordError) in
                    _ = try importer.add(
                        cells: buffer, bounds: tokenizer.bounds, cellCount: tokenizer.cellCount, layout: known,
                        row: row)
                }
            } catch {
                try options.collect(error)
            }
            options.rowDone()
        }
        do throws(RecordError) {
            reading: while var chunk = try chunks.next() {
                if first {
                    first = false
                    if chunk.starts(with: [0xEF, 0xBB, 0xBF]) { chunk.removeFirst(3) }
                }
                var start = 0
                while let end = tokenizer.feed(chunk, from: start) {
                    try emit(&tokenizer, &importer, &options)
                    if options.stopped { break reading }
                    tokenizer.startRow()
                    start = end
                }
            }
            if !options.stopped {
                let last = tokenizer.finish()
                if tokenizer.inQuotes { throw RecordError(row: row + 1, message: "引号未闭合") }
                if last { try emit(&tokenizer, &importer, &options) }
            }
        } catch {
            var error = error
            if error.file == nil { error.file = file }
            throw error
        }
        if layout == nil { throw RecordError(file: file, row: 1, message: "文件为空，缺少表头") }
    }

    /// Reads JSON Lines: each non-blank line is an object with `type` and the fields (strings, numbers, bools or
    /// null). Rows are the file's line numbers.
    public static func readJSONLines(
        _ source: some ByteChunks, encoding: RecordFileEncoding = .utf8, file: String?,
        into importer: inout RecordImport
    ) throws(RecordError) {
        var options = RecordReadOptions()
        try readJSONLines(source, encoding: encoding, file: file, into: &importer, options: &options)
    }

    /// Reads JSON Lines with bad lines collected in `options` (up to its limit) and progress calls.
    public static func readJSONLines(
        _ source: some ByteChunks, encoding: RecordFileEncoding = .utf8, file: String?,
        into importer: inout RecordImport, options: inout RecordReadOptions
    ) throws(RecordError) {
        importer.beginFile(file)
        var chunks = UTF8Chunks(source: source, encoding: encoding)
        var line: [UInt8] = []
        var number = 0
        func handle(_ line: [UInt8], _ importer: inout RecordImport) throws(RecordError) {
            number += 1
            var bytes = line[...]
            if number == 1 && bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
            guard bytes.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { return }
            let node: JSONNode
            do { node = try JSONParser.parse(Array(bytes)) } catch {
                throw RecordError(file: file, row: number, message: "第\(error.column)列 JSON 语法错误：\(error.message)")
            }
            guard case .object(let members) = node.value else {
                throw RecordError(file: file, row: number, message: "每行应为一个 JSON 对象")
            }
            guard case .string(let typeName)? = node["type"]?.value else {
                throw RecordError(file: file, row: number, column: "type", message: "缺少记录类型 type（字符串）")
            }
            guard let type = RecordType(rawValue: typeName) else {
                let known = RecordType.allCases.map(\.rawValue).joined(separator: "、")
                throw RecordError(file: file, row: number, column: "type", message: "未知记录类型“\(typeName)”（可用：\(known)）")
            }
            var row: [String: String] = [:]
            for (key, value) in members where key != "type" {
                switch value.value {
                case .string(let text): row[key] = text
                case .number(let text): row[key] = text
                case .bool(let flag): row[key] = flag ? "true" : "false"
                case .null: row[key] = ""
                default:
                    throw RecordError(file: file, row: number, column: key, message: "值应为字符串、数字、true/false 或 null")
                }
            }
            try importer.add(row, type: type, row: number)
        }
        func collecting(_ line: [UInt8], _ importer: inout RecordImport, _ options: inout RecordReadOptions)
            throws(RecordError)
        {
            do { try handle(line, &importer) } catch { try options.collect(error) }
            options.rowDone()
        }
        reading: while let chunk = try chunks.next() {
            var start = 0
            while let newline = chunk[start...].firstIndex(of: 0x0A) {
                line.append(contentsOf: chunk[start..<newline])
                try collecting(line, &importer, &options)
                if options.stopped { break reading }
                line.removeAll(keepingCapacity: true)
                start = newline + 1
            }
            line.append(contentsOf: chunk[start...])
        }
        if !line.isEmpty && !options.stopped { try collecting(line, &importer, &options) }
    }
}

/// How a record file is read beyond its bytes: header mappings, how many bad rows are collected before reading
/// stops, and a progress call every few thousand rows.
public struct RecordReadOptions {
    /// Header as written → field id, `id`, `unit`, or `""` to ignore the column (CSV and XLSX).
    public var headerMapping: [String: String] = [:]
    /// Bad rows collected before reading stops; 0: the first bad row is thrown.
    public var errorLimit = 0
    /// The bad rows collected so far (when `errorLimit` > 0).
    public private(set) var errors: [RecordError] = []
    /// True once `errorLimit` bad rows were collected: the rest of the file was not read.
    public private(set) var stopped = false
    /// Data rows read so far (good and bad, blank lines and the header not counted).
    public private(set) var rows = 0
    /// Called with `rows` every `progressInterval` rows.
    public var progress: ((Int) -> Void)?
    /// How often `progress` is called.
    public var progressInterval = 5000

    /// Default options: no mappings, the first bad row is thrown.
    public init() {}

    /// Keeps a bad row's error, or throws it when errors are not collected.
    mutating func collect(_ error: RecordError) throws(RecordError) {
        guard errorLimit > 0 else { throw error }
        errors.append(error)
        if errors.count >= errorLimit { stopped = true }
    }

    mutating func rowDone() {
        rows += 1
        if rows % progressInterval == 0 { progress?(rows) }
    }
}

/// RFC 4180 CSV, byte by byte across chunks: quoted cells may hold commas, quotes (`""`) and line breaks;
/// CR LF and LF both end a row.
struct CSVTokenizer {
    /// The current row's cell contents, unquoted, back to back.
    var bytes: [UInt8] = []
    /// Start and end of each cell in `bytes`.
    var bounds: [Int] = []
    private(set) var inQuotes = false
    private var quoteSeen = false
    private var cellStart = 0
    private var rowHasContent = false

    var cellCount: Int { bounds.count / 2 }

    /// A row of one empty cell (a blank line).
    var isBlankRow: Bool { cellCount <= 1 && bytes.isEmpty && !rowHasContent }

    mutating func startRow() {
        bytes.removeAll(keepingCapacity: true)
        bounds.removeAll(keepingCapacity: true)
        cellStart = 0
        rowHasContent = false
    }

    private mutating func endCell() {
        bounds.append(cellStart)
        bounds.append(bytes.count)
        cellStart = bytes.count
    }

    /// Consumes `chunk` from `start`; returns the index after a row's end when a row is complete.
    mutating func feed(_ chunk: [UInt8], from start: Int) -> Int? {
        var index = start
        let count = chunk.count
        while index < count {
            let byte = chunk[index]
            index += 1
            if inQuotes {
                if quoteSeen {
                    quoteSeen = false
                    if byte == 0x22 {
                        bytes.append(0x22)
                        continue
                    }
                    inQuotes = false
                } else {
                    if byte == 0x22 {
                        quoteSeen = true
                    } else {
                        bytes.append(byte)
                    }
                    continue
                }
            }
            switch byte {
            case 0x2C:
                endCell()
                rowHasContent = true
            case 0x0A:
                endCell()
                return index
            case 0x0D:
                continue
            case 0x22 where bytes.count == cellStart:
                inQuotes = true
                rowHasContent = true
            default:
                bytes.append(byte)
            }
        }
        return nil
    }

    /// Ends the input; true when a last row without a line break remains.
    mutating func finish() -> Bool {
        if inQuotes && quoteSeen {
            inQuotes = false
            quoteSeen = false
        }
        guard !bytes.isEmpty || !bounds.isEmpty || rowHasContent else { return false }
        endCell()
        return true
    }

    /// The cells as strings (the header).
    func strings() -> [String] {
        (0..<cellCount).map { String(decoding: bytes[bounds[2 * $0]..<bounds[2 * $0 + 1]], as: UTF8.self) }
    }
}
