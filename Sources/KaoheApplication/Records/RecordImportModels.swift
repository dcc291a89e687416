import Foundation
import KaoheRecords
import KaoheStorage

/// Who imports records: a user of the site or the API (who needs ``Permission/manageRecords``), or the
/// command line, which has the database in hand and is audited as `命令行`.
public enum RecordImporter: Sendable {
    case user(User)
    case commandLine

    var actor: AuditActor {
        switch self {
        case .user(let user): .user(user)
        case .commandLine: AuditActor(userID: nil, name: "命令行")
        }
    }

    var userID: UserID? {
        if case .user(let user) = self { return user.id }
        return nil
    }
}

/// One file to import.
public struct RecordImportFile: Sendable, Equatable {
    /// Where the file is on disk.
    public var path: String
    /// The name shown and audited (the uploaded file's name, or the path given).
    public var name: String
    /// The record type of a CSV or XLSX file; nil: the input's type, else the file name's stem.
    public var type: RecordType?

    /// Creates a file entry.
    public init(path: String, name: String? = nil, type: RecordType? = nil) {
        self.path = path
        self.name = name ?? path
        self.type = type
    }
}

/// What to import: files of one organization, and the header mappings given now.
public struct RecordImportInput: Sendable {
    /// The organization whose records these are.
    public var organizationID: String
    /// The files (CSV: one type a file; XLSX: the first sheet, one type; JSON Lines: a `type` per line).
    public var files: [RecordImportFile]
    /// The type of CSV and XLSX files that do not name their own (`case`, `办件`…); empty or nil: from the name.
    public var type: String?
    /// Header mappings given now, per record type id: header as written → field id, `id`, `unit`, or `""`
    /// (ignore the column). They are remembered for the organization once the files validate.
    public var mappings: [String: [String: String]]
    /// Records written per transaction.
    public var batchSize: Int
    /// The batch size of imports: 20,000 records a transaction (on PostgreSQL each commit waits for its WAL
    /// flush, so 5,000-record batches spent a third of a million-row import committing); one batch's texts,
    /// a few MB, are held at a time.
    public static let defaultBatchSize = 20_000
    /// Bad rows listed before checking stops.
    public var errorLimit: Int

    /// Creates an input.
    public init(
        organizationID: String, files: [RecordImportFile], type: String? = nil,
        mappings: [String: [String: String]] = [:], batchSize: Int = RecordImportInput.defaultBatchSize,
        errorLimit: Int = 100
    ) {
        self.organizationID = organizationID
        self.files = files
        self.type = type
        self.mappings = mappings
        self.batchSize = batchSize
        self.errorLimit = errorLimit
    }
}

/// How far an import is.
public struct RecordImportProgress: Sendable, Equatable, Codable {
    /// The import's phases.
    public enum Phase: String, Sendable, Codable {
        /// Reading and checking every row (nothing is written yet).
        case validating
        /// Writing the checked records in batches.
        case writing
        /// Finished.
        case done

        /// The Chinese name.
        public var label: String {
            switch self {
            case .validating: "校验中"
            case .writing: "写入中"
            case .done: "已完成"
            }
        }
    }

    /// The phase.
    public var phase: Phase
    /// The file being read or written.
    public var file: String
    /// Rows done in this phase (all files).
    public var rowsDone: Int
    /// Rows in this phase (all files); while validating, an estimate from the bytes read.
    public var rowsTotal: Int
    /// Rows a second in this phase so far.
    public var rowsPerSecond: Double
    /// Seconds left of the import (nil while unknown).
    public var secondsLeft: Double?

    /// Creates a progress value.
    public init(
        phase: Phase, file: String, rowsDone: Int, rowsTotal: Int, rowsPerSecond: Double, secondsLeft: Double?
    ) {
        self.phase = phase
        self.file = file
        self.rowsDone = rowsDone
        self.rowsTotal = rowsTotal
        self.rowsPerSecond = rowsPerSecond
        self.secondsLeft = secondsLeft
    }

    /// Validation counts for the first 20 % of the bar, writing for the rest.
    public var percent: Int {
        let part = rowsTotal > 0 ? min(1, Double(rowsDone) / Double(rowsTotal)) : 1
        switch phase {
        case .validating: return Int((part * 20).rounded(.down))
        case .writing: return 20 + Int((part * 80).rounded(.down))
        case .done: return 100
        }
    }

    /// `写入中 45%（12,000 / 26,000 行，每秒 8,000 行，约剩 2 秒）`.
    public var summary: String {
        var text = "\(phase.label) \(percent)%"
        guard phase != .done else { return text }
        text += "（\(rowsDone) / \(rowsTotal) 行，每秒 \(Int(rowsPerSecond.rounded())) 行"
        if let secondsLeft { text += "，约剩 \(Self.duration(secondsLeft))" }
        return text + "）"
    }

    /// `3 秒`, `2 分 5 秒`.
    public static func duration(_ seconds: Double) -> String {
        let whole = max(0, Int(seconds.rounded(.up)))
        return whole < 60 ? "\(whole) 秒" : "\(whole / 60) 分 \(whole % 60) 秒"
    }
}

/// What one file's import wrote.
public struct RecordImportFileReport: Sendable, Equatable, Codable {
    /// The file's name as given.
    public var name: String
    /// The SHA-256 of its bytes (lowercase hex).
    public var sha256: String
    /// The record types it held.
    public var types: [String]
    /// Records it held.
    public var rows: Int
    /// New, changed and unchanged records.
    public var counts: RecordWriteCounts
    /// The import log's id.
    public var importID: String
}

/// What an import wrote, file by file.
public struct RecordImportReport: Sendable, Equatable, Codable {
    /// Per file, in the order given.
    public var files: [RecordImportFileReport]
    /// Seconds from start to end.
    public var seconds: Double

    /// The counts of every file together.
    public var counts: RecordWriteCounts { files.reduce(RecordWriteCounts()) { $0 + $1.counts } }
}

/// Headers of a file that are neither field ids nor Chinese labels, and have no remembered mapping.
public struct UnmappedHeaders: Sendable, Equatable, Codable {
    /// The file's name.
    public var file: String
    /// The record type id.
    public var type: String
    /// The headers, as written, in file order.
    public var headers: [String]
}

/// Why an import wrote nothing, besides bad input (``AppError``).
public enum RecordImportFailure: Error, Sendable, Equatable {
    /// Some rows are bad: every file is refused whole and nothing is written. `stopped`: checking stopped at
    /// the error limit.
    case refused(errors: [RecordError], stopped: Bool)
    /// Some headers need a mapping to a field (or “ignore”) first.
    case unmappedHeaders([UnmappedHeaders])

    /// The Chinese message.
    public var message: String {
        switch self {
        case .refused(let errors, let stopped):
            let count = stopped ? "至少\(errors.count)处" : "\(errors.count)处"
            return "导入被拒绝：发现\(count)错误。有错误行的文件整份不导入，本次没有写入任何记录；请改正后重新导入。"
        case .unmappedHeaders(let files):
            let list = files.map { "\($0.file)（\($0.type)）：\($0.headers.map { "“\($0)”" }.joined(separator: "、"))" }
            return "以下表头无法识别，请先指定对应的字段（或忽略）：" + list.joined(separator: "；")
        }
    }

    /// The same as an ``AppError`` (each bad row a line: file, row, column and reason).
    public var appError: AppError {
        switch self {
        case .refused(let errors, _):
            .lineErrors(errors.map { LineError(line: $0.row ?? 0, message: $0.description) })
        case .unmappedHeaders: .invalid(message)
        }
    }
}
