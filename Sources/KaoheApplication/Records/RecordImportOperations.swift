import Crypto
import Foundation
import KaoheEngine
import KaoheFormats
import KaoheRecords
import KaoheStorage
import NIOPosix

// Policy: a file with any bad row is refused whole, and when any file of an import is refused nothing of the
// import is written. Every file is first read and checked completely (streamed from disk into a columnar
// RecordSet, hashing its bytes on the way), then the records are written in batches (one transaction each,
// idempotent by type and id), then the import is logged and audited with the file's name, SHA-256 and counts.

extension Operations {
    /// Imports record files for an organization: checks `by`'s permission, recognizes headers (field ids,
    /// Chinese labels, remembered or given mappings), validates every row against records.md and the
    /// organization's unit codes, then writes and logs each file. `progress` is called as rows are read and
    /// written (from a background thread while reading).
    /// - Throws: ``AppError`` for bad input and permissions, ``RecordImportFailure`` when headers need a mapping
    ///   or rows are bad (nothing is written then).
    public func importRecords(
        _ input: RecordImportInput, by importer: RecordImporter,
        progress: @escaping @Sendable (RecordImportProgress) -> Void = { _ in }
    ) async throws -> RecordImportReport {
        let started = Date()
        let context = try await recordImportContext(input.organizationID, by: importer)
        guard !input.files.isEmpty else { throw AppError.invalid("请选择要导入的文件") }
        let defaultType = try Self.recordType(input.type)
        let mappings = try Self.checkedMappings(input.mappings)

        // Types, formats and headers of every file, before anything is read in full.
        var plans: [FilePlan] = []
        var unmapped: [UnmappedHeaders] = []
        var remembered: [RecordType: [String: String]] = [:]
        for file in input.files {
            guard FileManager.default.isReadableFile(atPath: file.path) else {
                throw AppError.invalid("文件“\(file.name)”不存在或无法读取")
            }
            let format = Self.format(of: file)
            var plan = FilePlan(file: file, format: format, type: nil, mapping: [:], bytes: Self.size(file.path))
            if format != .jsonLines {
                guard let type = file.type ?? defaultType ?? RecordFiles.type(forFile: file.name) else {
                    let known = RecordType.allCases.map { "\($0.rawValue)（\($0.label)）" }.joined(separator: "、")
                    throw AppError.invalid(
                        "无法从文件名“\(file.name)”判断记录类型：请把文件命名为类型名（如 case.csv、办件.xlsx）或选择记录类型（可用：\(known)）")
                }
                if remembered[type] == nil {
                    remembered[type] = try await store.headerMappings(
                        organization: context.organization, type: type.rawValue)
                }
                let mapping = (remembered[type] ?? [:]).merging(mappings[type] ?? [:]) { _, given in given }
                let header: [String]?
                do { header = try RecordFiles.header(path: file.path, format: format) } catch {
                    var error = error
                    error.file = file.name
                    throw RecordImportFailure.refused(errors: [error], stopped: false)
                }
                let unknown = (header ?? []).filter { header in
                    !RecordLayout.recognizes(header, type: type) && mapping[header] == nil
                        && mapping[header.trimmingCharacters(in: .whitespaces)] == nil
                }
                if !unknown.isEmpty {
                    unmapped.append(UnmappedHeaders(file: file.name, type: type.rawValue, headers: unknown))
                }
                plan.type = type
                plan.mapping = mapping
            }
            plans.append(plan)
        }
        if !unmapped.isEmpty { throw RecordImportFailure.unmappedHeaders(unmapped) }

        // First pass: every row of every file checked; nothing is written unless all are good.
        let meter = ProgressMeter(phase: .validating, total: 0, report: progress)
        let totalBytes = max(1, plans.reduce(0) { $0 + $1.bytes })
        var checked: [CheckedFile] = []
        var errors: [RecordError] = []
        var stopped = false
        var bytesBefore = 0
        var rowsBefore = 0
        for plan in plans {
            let years = context.years, units = context.units
            let limit = max(1, input.errorLimit - errors.count)
            let before = bytesBefore, rowsEarlier = rowsBefore
            let result = try await NIOThreadPool.singleton.runIfActive {
                Self.check(plan, years: years, units: units, errorLimit: limit) { rows, bytes in
                    let done = rowsEarlier + rows
                    let read = before + bytes
                    let estimate = read > 0 ? Int(Double(done) * Double(totalBytes) / Double(read)) : done
                    meter.update(file: plan.file.name, done: done, total: max(done, estimate))
                }
            }
            bytesBefore += plan.bytes
            rowsBefore += result.rows
            errors += result.errors
            stopped = stopped || result.stopped
            checked.append(result)
            if errors.count >= input.errorLimit {
                stopped = stopped || plans.count > checked.count
                break
            }
        }
        if !errors.isEmpty { throw RecordImportFailure.refused(errors: errors, stopped: stopped) }

        // The given mappings are remembered once the files that use them are good.
        for (type, mapping) in mappings where plans.contains(where: { $0.type == type }) && !mapping.isEmpty {
            try await store.saveHeaderMappings(
                mapping, organization: context.organization, type: type.rawValue, by: importer.actor)
        }

        // Second pass: write in batches, then log each file.
        let writeTotal = checked.reduce(0) { $0 + $1.records.totalCount }
        let writer = ProgressMeter(phase: .writing, total: writeTotal, report: progress)
        var written = 0
        var reports: [RecordImportFileReport] = []
        for file in checked {
            let importID = UUID().uuidString.lowercased()
            let types = RecordType.allCases.filter { file.records[$0].count > 0 }
            let (counts, touched) = try await Self.writeRecordSet(
                file.records, to: store, organization: context.organization, importID: importID, by: importer.actor,
                batchSize: input.batchSize
            ) { batch in
                written += batch
                writer.update(file: file.name, done: written, total: writeTotal)
            }
            let log = RecordImportLog(
                id: importID, organizationID: context.organization, fileName: file.name, sha256: file.sha256,
                types: types.map(\.rawValue), counts: counts, touchedUnits: touched.sorted(),
                userID: importer.userID, createdAt: deps.now())
            try await store.finishRecordImport(log, by: importer.actor)
            reports.append(
                RecordImportFileReport(
                    name: file.name, sha256: file.sha256, types: log.types, rows: file.records.totalCount,
                    counts: counts, importID: importID))
        }
        progress(
            RecordImportProgress(
                phase: .done, file: "", rowsDone: writeTotal, rowsTotal: writeTotal,
                rowsPerSecond: writer.rate(done: written), secondsLeft: 0))
        return RecordImportReport(files: reports, seconds: Date().timeIntervalSince(started))
    }

    /// Imports the records of an API request body, `{"records": [{"type": "case", "id": …, "unit": …, …}]}`,
    /// with the same checks and policy as files (the file is named `API`, rows are positions in the array).
    public func importRecords(
        organizationID: String, json body: [UInt8], by importer: RecordImporter, errorLimit: Int = 100
    ) async throws -> RecordImportReport {
        let started = Date()
        let context = try await recordImportContext(organizationID, by: importer)
        let node: JSONNode
        do { node = try JSONParser.parse(body) } catch { throw AppError.invalid("请求体不是有效的 JSON：\(error)") }
        guard case .array(let items)? = node["records"]?.value else {
            throw AppError.invalid("JSON 应为 {\"records\": [记录…]}，缺少数组 records")
        }
        guard !items.isEmpty else { throw AppError.invalid("records 为空：请至少提交一条记录") }
        var validator = RecordImport(years: context.years, knownUnits: context.units)
        let name = "API"
        validator.beginFile(name)
        var errors: [RecordError] = []
        for (index, item) in items.enumerated() {
            do {
                try Self.addJSONRecord(item, row: index + 1, into: &validator)
            } catch {
                var error = error
                error.file = name
                errors.append(error)
                if errors.count >= errorLimit { break }
            }
        }
        if !errors.isEmpty {
            throw RecordImportFailure.refused(errors: errors, stopped: errors.count >= errorLimit)
        }
        let file = CheckedFile(
            name: name, sha256: KaoheStorage.SHA256.hex(body), records: validator.records, rows: items.count,
            errors: [], stopped: false)
        let importID = UUID().uuidString.lowercased()
        let types = RecordType.allCases.filter { file.records[$0].count > 0 }
        let (counts, touched) = try await Self.writeRecordSet(
            file.records, to: store, organization: context.organization, importID: importID, by: importer.actor)
        let log = RecordImportLog(
            id: importID, organizationID: context.organization, fileName: name, sha256: file.sha256,
            types: types.map(\.rawValue), counts: counts, touchedUnits: touched.sorted(), userID: importer.userID,
            createdAt: deps.now())
        try await store.finishRecordImport(log, by: importer.actor)
        return RecordImportReport(
            files: [
                RecordImportFileReport(
                    name: name, sha256: file.sha256, types: log.types, rows: items.count, counts: counts,
                    importID: importID)
            ], seconds: Date().timeIntervalSince(started))
    }

    /// Writes every record of `records` type by type in batches of `batchSize` (at most two batches' texts are
    /// held at a time: the one being written and the next); `written` gets each batch's size. Returns the counts and the units of the batches that
    /// changed something (a superset of the units whose records changed).
    public static func writeRecordSet(
        _ records: RecordSet, to store: any KaoheStore, organization: OrganizationID, importID: String,
        by actor: AuditActor,
        batchSize: Int = RecordImportInput.defaultBatchSize, written: (Int) -> Void = { _ in }
    ) async throws -> (counts: RecordWriteCounts, touchedUnits: Set<String>) {
        var counts = RecordWriteCounts()
        var touched = Set<String>()
        let size = max(1, batchSize)
        let batches = RecordType.allCases.flatMap { type in
            stride(from: 0, to: records[type].count, by: size).map { start in
                (type, start..<min(records[type].count, start + size))
            }
        }
        // The next batch is encoded while this one is written (two batches' texts are held at a time), so that
        // the program and the database do not wait for each other.
        func encode(_ index: Int) -> Task<[StoredRecord], Never>? {
            guard index < batches.count else { return nil }
            let (type, rows) = batches[index]
            return Task { RecordCodec.stored(records, type: type, rows: rows) }
        }
        var next = encode(0)
        for index in batches.indices {
            guard let batch = await next?.value else { break }
            next = encode(index + 1)
            let batchCounts = try await store.writeRecords(
                batch, organization: organization, importID: importID, by: actor)
            if batchCounts.new + batchCounts.changed > 0 { touched.formUnion(batch.map(\.unitCode)) }
            counts = counts + batchCounts
            written(batch.count)
        }
        return (counts, touched)
    }

    /// The import history as a list: `q` searches the file name and its SHA-256; filters by record type
    /// (`type`), a unit code the import touched (`unit`) and a date range (`from`, `to`, China time, both days
    /// included); sorted by time (newest first by default), file name or number of new records.
    public static let recordImportListSpec = ListSpec(
        name: "导入历史",
        sortKeys: [(key: "time", label: "时间"), (key: "file", label: "文件"), (key: "new", label: "新增")],
        defaultSort: "time", defaultDirection: .descending,
        filters: [
            (key: "type", label: "类型"), (key: "unit", label: "单位编码"), (key: "from", label: "起始日期"),
            (key: "to", label: "截止日期"),
        ], defaultSize: 50, maxSize: 500)

    /// At most this many of the newest imports are searched (an organization imports a few files a month).
    public static let recordImportListLimit = 10_000

    /// The records page of an organization: counts per type, a page of the import history, remembered
    /// mappings. A type that does not exist or a date that is not `YYYY-MM-DD` is an error naming the parameter.
    public func recordsOverview(
        organizationID: String, list: ListQuery = .first(of: recordImportListSpec), by user: User
    ) async throws -> RecordsOverview {
        let context = try await recordImportContext(organizationID, by: .user(user))
        guard let organization = try await store.organization(context.organization) else {
            throw AppError.notFound("组织 \(organizationID)")
        }
        if let type = list.filter("type"), RecordType(rawValue: type) == nil {
            let known = RecordType.allCases.map { "\($0.rawValue)（\($0.label)）" }.joined(separator: "、")
            throw AppError.invalid("导入历史：参数 type（类型）不认识“\(type)”，可用：\(known)")
        }
        func day(_ key: String, _ label: String) throws -> Date? {
            guard let text = list.filter(key) else { return nil }
            guard let day = Day(text) else {
                throw AppError.invalid("导入历史：参数 \(key)（\(label)）应为日期 YYYY-MM-DD，收到“\(text)”")
            }
            return Self.chinaMidnight(day)
        }
        let from = try day("from", "起始日期")
        let before = try day("to", "截止日期").map { $0.addingTimeInterval(86_400) }
        let counts = try await store.recordCounts(organization: context.organization)
        let all = try await store.recordImports(organization: context.organization, limit: Self.recordImportListLimit)
        let matching = all.filter { log in
            (list.filter("type").map { log.types.contains($0) } ?? true)
                && (list.filter("unit").map { log.touchedUnits.contains($0) } ?? true)
                && (from.map { log.createdAt >= $0 } ?? true) && (before.map { log.createdAt < $0 } ?? true)
                && list.matches(log.fileName, log.sha256)
        }
        let page = list.page(of: matching) { key -> (RecordImportLog, RecordImportLog) -> Bool in
            switch key {
            case "file": { $0.fileName < $1.fileName }
            case "new": { $0.counts.new < $1.counts.new }
            // Newest first is the stored order; ascending reverses it.
            default: { $0.createdAt < $1.createdAt }
            }
        }
        var names: [UserID: String] = [:]
        for id in Set(page.rows.compactMap(\.userID)) {
            names[id] = try await store.user(id)?.displayName ?? id.rawValue
        }
        return RecordsOverview(
            organization: organization, counts: counts, imports: page.rows, importList: page, userNames: names,
            unitCount: context.units.count)
    }

    // MARK: Steps

    struct ImportContext {
        var organization: OrganizationID
        var units: Set<String>
        var years: ClosedRange<Int>
    }

    func recordImportContext(_ organizationID: String, by importer: RecordImporter) async throws -> ImportContext {
        if case .user(let user) = importer, !user.can(.manageRecords) {
            throw AppError.forbidden(Permission.manageRecords.label)
        }
        guard !organizationID.isEmpty else { throw AppError.invalid("请指定组织（--organization）") }
        let id = OrganizationID(organizationID)
        guard try await store.organization(id) != nil else { throw AppError.notFound("组织 \(organizationID)") }
        let units = Set(try await store.units(in: id).map(\.code))
        return ImportContext(organization: id, units: units, years: try SchemeCatalog(deps).calendar().years)
    }

    /// A type named by id or Chinese label; nil for none.
    static func recordType(_ text: String?) throws -> RecordType? {
        guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        guard let type = RecordType(rawValue: text) ?? RecordType.allCases.first(where: { $0.label == text }) else {
            let known = RecordType.allCases.map { "\($0.rawValue)（\($0.label)）" }.joined(separator: "、")
            throw AppError.invalid("未知记录类型“\(text)”（可用：\(known)）")
        }
        return type
    }

    /// The given mappings by type, each target a field id of the type, `id`, `unit` or `""` (ignore).
    static func checkedMappings(_ given: [String: [String: String]]) throws -> [RecordType: [String: String]] {
        var result: [RecordType: [String: String]] = [:]
        for (typeName, mapping) in given {
            guard let type = try recordType(typeName) else { continue }
            for (header, target) in mapping {
                let ok =
                    target.isEmpty || target == "id" || target == "unit" || type.fields.contains { $0.id == target }
                guard ok else {
                    throw AppError.invalid("表头“\(header)”对应的字段“\(target)”不是\(type.label)（\(type.rawValue)）的字段")
                }
            }
            result[type, default: [:]].merge(mapping) { _, new in new }
        }
        return result
    }

    /// The format from the name's extension (uploads are stored under other names), else from the content.
    static func format(of file: RecordImportFile) -> RecordFiles.Format {
        let lower = file.name.lowercased()
        if lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") { return .jsonLines }
        if lower.hasSuffix(".csv") { return .csv }
        if lower.hasSuffix(".xlsx") { return .xlsx }
        return RecordFiles.format(ofFile: file.path)
    }

    static func size(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }

    /// One JSON record: `type` and the fields (strings, numbers, booleans or null).
    static func addJSONRecord(_ item: JSONNode, row: Int, into importer: inout RecordImport) throws(RecordError) {
        guard case .object(let members) = item.value else {
            throw RecordError(row: row, message: "每条记录应为一个 JSON 对象")
        }
        guard case .string(let typeName)? = item["type"]?.value else {
            throw RecordError(row: row, column: "type", message: "缺少记录类型 type（字符串）")
        }
        guard let type = RecordType(rawValue: typeName) else {
            let known = RecordType.allCases.map(\.rawValue).joined(separator: "、")
            throw RecordError(row: row, column: "type", message: "未知记录类型“\(typeName)”（可用：\(known)）")
        }
        // The API's ids and unit codes are ids as everywhere in the API: strings, no controls, no spaces at the ends.
        for key in ["id", "unit"] {
            guard let value = item[key]?.value else { continue }
            guard case .string(let text) = value else {
                throw RecordError(row: row, column: key, message: "\(key) 应为字符串（当前为\(value.typeName)）")
            }
            do { try InputRules.id(text, field: key) } catch let error as AppError {
                throw RecordError(row: row, column: key, message: error.message)
            } catch {
                throw RecordError(row: row, column: key, message: "\(error)")
            }
        }
        var fields: [String: String] = [:]
        for (key, value) in members where key != "type" {
            switch value.value {
            case .string(let text): fields[key] = text
            case .number(let text): fields[key] = text
            case .bool(let flag): fields[key] = flag ? "true" : "false"
            case .null: fields[key] = ""
            default: throw RecordError(row: row, column: key, message: "值应为字符串、数字、true/false 或 null")
            }
        }
        try importer.add(fields, type: type, row: row)
    }
}

/// A file's plan: its format, type and header mapping.
struct FilePlan: Sendable {
    var file: RecordImportFile
    var format: RecordFiles.Format
    var type: RecordType?
    var mapping: [String: String]
    var bytes: Int
}

/// A file read and checked.
struct CheckedFile: Sendable {
    var name: String
    var sha256: String
    var records: RecordSet
    var rows: Int
    var errors: [RecordError]
    var stopped: Bool
}

extension RecordSet {
    /// Records of every type.
    var totalCount: Int { RecordType.allCases.reduce(0) { $0 + self[$1].count } }
}

extension Operations {
    /// Reads and checks one file completely (blocking: run off the task executor), hashing its bytes.
    static func check(
        _ plan: FilePlan, years: ClosedRange<Int>, units: Set<String>, errorLimit: Int,
        progress: @escaping (_ rows: Int, _ bytes: Int) -> Void
    ) -> CheckedFile {
        let name = plan.file.name
        var importer = RecordImport(years: years, knownUnits: units)
        var options = RecordReadOptions()
        options.headerMapping = plan.mapping
        options.errorLimit = errorLimit
        guard let hashing = HashingChunks(path: plan.file.path) else {
            return CheckedFile(
                name: name, sha256: "", records: RecordSet(), rows: 0,
                errors: [RecordError(file: name, message: "无法读取文件")], stopped: false)
        }
        options.progress = { rows in progress(rows, hashing.state.bytes) }
        var sha256 = ""
        do throws(RecordError) {
            switch plan.format {
            case .xlsx:
                sha256 = try HashingChunks.digest(path: plan.file.path, file: name)
                hashing.state.bytes = plan.bytes
                try RecordFiles.readXLSX(
                    path: plan.file.path, type: plan.type ?? .case, file: name, into: &importer, options: &options)
            case .csv, .jsonLines:
                guard var probe = FileChunks(path: plan.file.path) else {
                    throw RecordError(file: name, message: "无法读取文件")
                }
                let encoding = RecordFileEncoding.detect(&probe)
                if plan.format == .csv {
                    try RecordFiles.readCSV(
                        hashing, type: plan.type ?? .case, encoding: encoding, file: name, into: &importer,
                        options: &options)
                } else {
                    try RecordFiles.readJSONLines(
                        hashing, encoding: encoding, file: name, into: &importer, options: &options)
                }
                sha256 = hashing.state.finish()
            }
        } catch {
            var error = error
            if error.file == nil { error.file = name }
            return CheckedFile(
                name: name, sha256: "", records: RecordSet(), rows: options.rows, errors: options.errors + [error],
                stopped: false)
        }
        progress(options.rows, plan.bytes)
        return CheckedFile(
            name: name, sha256: sha256, records: importer.records, rows: options.rows, errors: options.errors,
            stopped: options.stopped)
    }
}

/// File chunks that are hashed (SHA-256) and counted as they are read.
struct HashingChunks: ByteChunks {
    final class State {
        var hasher = Crypto.SHA256()
        var bytes = 0
        var digest: String?

        func finish() -> String {
            if let digest { return digest }
            let value = hasher.finalize().hexString
            digest = value
            return value
        }
    }

    var base: FileChunks
    let state = State()

    /// Small chunks (16 KB) keep the estimate of the rows from the bytes read close.
    init?(path: String) {
        guard let base = FileChunks(path: path, chunkSize: 16 << 10) else { return nil }
        self.base = base
    }

    mutating func next() -> [UInt8]? {
        guard let chunk = base.next() else { return nil }
        state.hasher.update(data: chunk)
        state.bytes += chunk.count
        return chunk
    }

    /// The SHA-256 of a whole file, read in chunks.
    static func digest(path: String, file: String) throws(RecordError) -> String {
        guard var chunks = HashingChunks(path: path) else { throw RecordError(file: file, message: "无法读取文件") }
        while chunks.next() != nil {}
        return chunks.state.finish()
    }
}

/// Turns row counts into progress values with a rate and the time left, at most ten calls a second.
final class ProgressMeter: @unchecked Sendable {
    let phase: RecordImportProgress.Phase
    let total: Int
    let report: @Sendable (RecordImportProgress) -> Void
    private let started = Date()
    private let lock = NSLock()
    private var last = Date.distantPast

    init(phase: RecordImportProgress.Phase, total: Int, report: @escaping @Sendable (RecordImportProgress) -> Void) {
        self.phase = phase
        self.total = total
        self.report = report
    }

    func rate(done: Int) -> Double {
        let elapsed = Date().timeIntervalSince(started)
        return elapsed > 0 ? Double(done) / elapsed : 0
    }

    func update(file: String, done: Int, total: Int) {
        let now = Date()
        let due: Bool = lock.withLock {
            guard done >= total || now.timeIntervalSince(last) >= 0.1 else { return false }
            last = now
            return true
        }
        guard due else { return }
        let rate = rate(done: done)
        let left = rate > 0 ? Double(max(0, total - done)) / rate : nil
        report(
            RecordImportProgress(
                phase: phase, file: file, rowsDone: done, rowsTotal: total, rowsPerSecond: rate, secondsLeft: left))
    }
}

extension Sequence where Element == UInt8 {
    var hexString: String { map { String(format: "%02x", $0) }.joined() }
}

extension Crypto.SHA256.Digest {
    var hexString: String { Array(self).hexString }
}

/// The records page's model.
public struct RecordsOverview: Sendable {
    /// The organization.
    public var organization: Organization
    /// Records per type id.
    public var counts: [String: Int]
    /// The imports of this page of the history.
    public var imports: [RecordImportLog]
    /// The page of the import history (search, filters, order, pager).
    public var importList: ListPage<RecordImportLog>
    /// Display names of the users who imported.
    public var userNames: [UserID: String]
    /// How many units the organization has (unit codes are checked against them).
    public var unitCount: Int
}
