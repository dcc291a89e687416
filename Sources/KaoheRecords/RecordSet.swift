import KaoheEngine

/// A field's value in a single record.
public enum FieldValue: Sendable, Equatable, CustomStringConvertible {
    case date(Day?)
    case bool(Bool)
    case count(Int?)
    /// An option id, nil when empty.
    case choice(String?)
    case text(String?)

    public var description: String {
        switch self {
        case .date(let day): day?.description ?? ""
        case .bool(let value): value ? "true" : "false"
        case .count(let value): value.map(String.init) ?? ""
        case .choice(let value), .text(let value): value ?? ""
        }
    }
}

/// One record of a unit: its type, id, unit code and one value per field of the type.
public struct Record: Sendable, Equatable {
    public var type: RecordType
    public var id: String
    public var unit: String
    /// In the order of `type.fields`.
    public var values: [FieldValue]

    public init(type: RecordType, id: String, unit: String, values: [FieldValue]) {
        self.type = type
        self.id = id
        self.unit = unit
        self.values = values
    }

    /// The value of a field by id.
    public subscript(field: String) -> FieldValue? {
        type.fieldIndex(field).map { values[$0] }
    }
}

/// The records of one type, stored by column: every field value is an `Int32` (a date's days since 1970,
/// a bool 0/1, a count, an option's index, an interned text's index), `RecordTable.absent` when empty.
/// One million cases take about 60 MB and are read in one pass without a dictionary per record.
public struct RecordTable: Sendable {
    /// Stored for an empty cell.
    public static let absent = Int32.min

    public let type: RecordType
    /// Record ids, by row.
    public private(set) var ids: [String] = []
    /// Unit index (into `RecordSet.units`), by row.
    public private(set) var units: [Int32] = []
    /// One column per field of the type.
    public private(set) var columns: [[Int32]]
    /// Interned texts of text fields (codes, names), by index.
    public private(set) var texts: [String] = []
    private var textIndex: [String: Int32] = [:]
    private var rowIndex: [String: Int32] = [:]
    /// The batch (import file) that last wrote each row, to tell a duplicate within a file from a re-import.
    private var batches: [Int32] = []

    init(type: RecordType) {
        self.type = type
        columns = Array(repeating: [], count: type.fields.count)
    }

    /// Number of records.
    public var count: Int { ids.count }

    /// The row of a record id.
    public func row(of id: String) -> Int? { rowIndex[id].map(Int.init) }

    /// The index of an interned text, nil when no record holds it.
    public func textCode(_ text: String) -> Int32? { textIndex[text] }

    mutating func intern(_ text: String) -> Int32 {
        if let code = textIndex[text] { return code }
        let code = Int32(texts.count)
        texts.append(text)
        textIndex[text] = code
        return code
    }

    /// The outcome of storing a record.
    public enum Outcome: Sendable, Equatable {
        case added
        /// A record with the same id from an earlier batch was replaced.
        case replaced
        /// The same id already came in this batch.
        case duplicate
    }

    mutating func store(id: String, unit: Int32, values: UnsafeBufferPointer<Int32>, batch: Int32) -> Outcome {
        if let existing = rowIndex[id] {
            let row = Int(existing)
            if batches[row] == batch { return .duplicate }
            batches[row] = batch
            units[row] = unit
            for field in 0..<columns.count { columns[field][row] = values[field] }
            return .replaced
        }
        rowIndex[id] = Int32(ids.count)
        ids.append(id)
        units.append(unit)
        batches.append(batch)
        for field in 0..<columns.count { columns[field].append(values[field]) }
        return .added
    }

    /// Reserves room for `count` more records.
    public mutating func reserve(_ count: Int) {
        ids.reserveCapacity(ids.count + count)
        units.reserveCapacity(units.count + count)
        batches.reserveCapacity(batches.count + count)
        rowIndex.reserveCapacity(rowIndex.count + count)
        for field in 0..<columns.count { columns[field].reserveCapacity(columns[field].count + count) }
    }
}

/// The records of an organization, by type, with the unit codes they name.
public struct RecordSet: Sendable {
    /// Unit codes, by unit index.
    public private(set) var units: [String] = []
    private var unitIndex: [String: Int32] = [:]
    /// One table per record type, in `RecordType.allCases` order.
    public private(set) var tables: [RecordTable] = RecordType.allCases.map(RecordTable.init(type:))

    public init() {}

    /// The table of a type.
    public subscript(type: RecordType) -> RecordTable { tables[type.ordinal] }

    /// The index of a unit code, nil when no record names it.
    public func unit(_ code: String) -> Int32? { unitIndex[code] }

    mutating func internUnit(_ code: String) -> Int32 {
        if let index = unitIndex[code] { return index }
        let index = Int32(units.count)
        units.append(code)
        unitIndex[code] = index
        return index
    }

    mutating func intern(_ text: String, type: RecordType) -> Int32 { tables[type.ordinal].intern(text) }

    mutating func store(
        type: RecordType, id: String, unit: String, values: UnsafeBufferPointer<Int32>, batch: Int32
    ) -> RecordTable.Outcome {
        let unitIndex = internUnit(unit)
        return tables[type.ordinal].store(id: id, unit: unitIndex, values: values, batch: batch)
    }

    /// Stores a validated record: a record with the same type and id is replaced.
    @discardableResult
    public mutating func insert(_ record: Record) -> RecordTable.Outcome {
        var values: [Int32] = []
        values.reserveCapacity(record.values.count)
        for value in record.values {
            switch value {
            case .date(let day): values.append(day?.daysSinceEpoch ?? RecordTable.absent)
            case .bool(let flag): values.append(flag ? 1 : 0)
            case .count(let count): values.append(count.map { Int32(clamping: $0) } ?? RecordTable.absent)
            case .choice(let option):
                values.append(RecordTable.absent)
                if let option, case .choice(let options) = record.type.fields[values.count - 1].kind,
                    let index = options.firstIndex(where: { $0.id == option })
                {
                    values[values.count - 1] = Int32(index)
                }
            case .text(let text):
                values.append(text.map { intern($0, type: record.type) } ?? RecordTable.absent)
            }
        }
        nextBatch += 1
        return values.withUnsafeBufferPointer {
            store(type: record.type, id: record.id, unit: record.unit, values: $0, batch: nextBatch)
        }
    }

    /// Batches are numbered so that a re-import replaces and a repeat within one import is refused.
    var nextBatch: Int32 = 0

    /// Starts a new batch (one import file) and returns its number.
    mutating func beginBatch() -> Int32 {
        nextBatch += 1
        return nextBatch
    }

    /// The record at `row` of a type's table, with typed values.
    public func record(_ type: RecordType, row: Int) -> Record {
        let table = self[type]
        let values = type.fields.enumerated().map { field, spec -> FieldValue in
            let raw = table.columns[field][row]
            let present = raw != RecordTable.absent
            switch spec.kind {
            case .date: return .date(present ? Day(daysSinceEpoch: raw) : nil)
            case .bool: return .bool(present && raw != 0)
            case .count: return .count(present ? Int(raw) : nil)
            case .choice(let options): return .choice(present ? options[Int(raw)].id : nil)
            case .text: return .text(present ? table.texts[Int(raw)] : nil)
            }
        }
        return Record(type: type, id: table.ids[row], unit: units[Int(table.units[row])], values: values)
    }
}
