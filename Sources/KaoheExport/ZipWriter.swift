import Foundation

/// Writes a ZIP archive of stored (uncompressed) entries with UTF-8 names (general purpose bit 11),
/// CRC-32 and DOS timestamps taken from the dates you pass (the writer never reads the clock).
///
/// Each entry's bytes go to the output as soon as it is added; only the small central directory
/// records are kept until ``finish()``. Use ``init(timeZone:)`` to collect the archive in memory, or
/// ``init(timeZone:output:)`` to stream it (e.g. into a response body or a file handle).
///
/// ```swift
/// let zip = ZipWriter()
/// try zip.addEntry(named: "证明材料/报告.pdf", data: pdf, modified: uploadedAt)
/// let bytes = try zip.finish()
/// ```
public final class ZipWriter {
    private struct CentralRecord {
        var name: [UInt8]
        var crc: UInt32
        var size: UInt32
        var time: UInt16
        var date: UInt16
        var offset: UInt32
        var isDirectory: Bool
    }

    private let output: ((Data) throws -> Void)?
    private var buffer = Data()
    private var records: [CentralRecord] = []
    private var names: Set<String> = []
    private var offset: UInt64 = 0
    private var finished = false
    /// The streamed entry being written: its name, announced size and bytes so far.
    private var open: (name: String, size: UInt64, written: UInt64)?
    /// The time zone in which DOS timestamps (which carry no zone) are written.
    public let timeZone: TimeZone

    /// China Standard Time (UTC+8), the default zone for DOS timestamps.
    public static let chinaStandardTime =
        TimeZone(identifier: "Asia/Shanghai") ?? TimeZone(secondsFromGMT: 8 * 3600) ?? .gmt

    /// Creates a writer that collects the archive in memory; ``finish()`` returns it.
    public init(timeZone: TimeZone = ZipWriter.chinaStandardTime) {
        self.timeZone = timeZone
        self.output = nil
    }

    /// Creates a writer that hands the archive to `output` piece by piece; ``finish()`` returns empty data.
    public init(timeZone: TimeZone = ZipWriter.chinaStandardTime, output: @escaping (Data) throws -> Void) {
        self.timeZone = timeZone
        self.output = output
    }

    /// The number of bytes written so far.
    public var bytesWritten: UInt64 { offset }

    /// Adds a file entry. `name` uses `/` between folders, e.g. `"单位A/自评表.xlsx"`.
    /// - Throws: ``ExportError/invalidEntryName(_:reason:)``, ``ExportError/duplicateEntryName(_:)``,
    ///   ``ExportError/archiveTooLarge(_:)``, ``ExportError/archiveFinished``, or whatever `output` throws.
    public func addEntry(named name: String, data: Data, modified: Date) throws {
        try closeOpenEntry()
        try add(name: name, data: data, modified: modified, isDirectory: false)
    }

    /// Starts a stored entry whose bytes follow through ``writeEntryData(_:)``, so a large file never has
    /// to be in memory at once. Its size and CRC-32 must be known first (e.g. from a first pass over the
    /// file with ``CRC32``); exactly `size` bytes must follow before the next entry or ``finish()``.
    public func beginEntry(named name: String, size: UInt64, crc: UInt32, modified: Date) throws {
        try closeOpenEntry()
        try add(name: name, data: nil, size: size, crc: crc, modified: modified, isDirectory: false)
        open = (name, size, 0)
    }

    /// Appends bytes to the entry started with ``beginEntry(named:size:crc:modified:)``.
    public func writeEntryData(_ data: Data) throws {
        guard let entry = open else { throw ExportError.archiveFinished }
        let written = entry.written + UInt64(data.count)
        guard written <= entry.size else {
            throw ExportError.entrySizeMismatch(entry.name, expected: entry.size, actual: written)
        }
        try emit(data)
        open?.written = written
    }

    private func closeOpenEntry() throws {
        guard let entry = open else { return }
        guard entry.written == entry.size else {
            throw ExportError.entrySizeMismatch(entry.name, expected: entry.size, actual: entry.written)
        }
        open = nil
    }

    /// Adds an empty folder entry (`name` may end with `/`; one is added if missing).
    public func addDirectory(named name: String, modified: Date) throws {
        let folder = name.hasSuffix("/") ? String(name.dropLast()) : name
        try closeOpenEntry()
        try add(name: folder, data: Data(), modified: modified, isDirectory: true)
    }

    /// Writes the central directory and returns the archive (empty when streaming to `output`).
    /// No entries may be added afterwards.
    public func finish() throws -> Data {
        guard !finished else { throw ExportError.archiveFinished }
        try closeOpenEntry()
        guard records.count <= 0xFFFF else { throw ExportError.archiveTooLarge("more than 65 535 entries") }
        let directoryStart = offset
        var directory = Data()
        for record in records {
            directory.appendLE(UInt32(0x0201_4B50))
            directory.appendLE(UInt16(0x031E))  // made by: Unix, ZIP 3.0
            directory.appendLE(UInt16(20))  // needed: 2.0
            directory.appendLE(UInt16(0x0800))  // UTF-8 names
            directory.appendLE(UInt16(0))  // stored
            directory.appendLE(record.time)
            directory.appendLE(record.date)
            directory.appendLE(record.crc)
            directory.appendLE(record.size)
            directory.appendLE(record.size)
            directory.appendLE(UInt16(record.name.count))
            directory.appendLE(UInt16(0))  // extra
            directory.appendLE(UInt16(0))  // comment
            directory.appendLE(UInt16(0))  // disk
            directory.appendLE(UInt16(0))  // internal attributes
            let mode: UInt32 = record.isDirectory ? 0o040755 : 0o100644
            directory.appendLE((mode << 16) | (record.isDirectory ? 0x10 : 0))
            directory.appendLE(record.offset)
            directory.append(contentsOf: record.name)
        }
        let directorySize = UInt64(directory.count)
        guard directoryStart + directorySize <= 0xFFFF_FFFF else {
            throw ExportError.archiveTooLarge("archive over 4 GiB")
        }
        var end = Data()
        end.appendLE(UInt32(0x0605_4B50))
        end.appendLE(UInt16(0))
        end.appendLE(UInt16(0))
        end.appendLE(UInt16(records.count))
        end.appendLE(UInt16(records.count))
        end.appendLE(UInt32(directorySize))
        end.appendLE(UInt32(directoryStart))
        end.appendLE(UInt16(0))  // comment length
        try emit(directory)
        try emit(end)
        finished = true
        let result = buffer
        buffer = Data()
        return result
    }

    /// Checks an entry name without adding it (folder names without their trailing `/`).
    public static func validate(entryName name: String) throws {
        func refuse(_ reason: String) -> ExportError { .invalidEntryName(name, reason: reason) }
        if name.isEmpty { throw refuse("empty name") }
        if name.utf8.count > 0xFFFF - 1 { throw refuse("name longer than 65 534 bytes") }
        if name.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) {
            throw refuse("control character")
        }
        if name.contains("\\") { throw refuse("backslash; use / between folders") }
        if name.hasPrefix("/") { throw refuse("absolute path") }
        let first = name.unicodeScalars.prefix(2)
        if first.count == 2, first.last == ":", let letter = first.first, letter.isASCII,
            letter.properties.isAlphabetic
        {
            throw refuse("drive letter")
        }
        for component in name.split(separator: "/", omittingEmptySubsequences: false) {
            if component == ".." { throw refuse("'..' component") }
            if component == "." { throw refuse("'.' component") }
            if component.isEmpty { throw refuse("empty path component") }
        }
    }

    private func add(name: String, data: Data, modified: Date, isDirectory: Bool) throws {
        try add(
            name: name, data: data, size: UInt64(data.count), crc: CRC32.checksum(data), modified: modified,
            isDirectory: isDirectory)
    }

    /// Writes an entry's local header, then `data` when given (a streamed entry's bytes follow later).
    private func add(name: String, data: Data?, size: UInt64, crc: UInt32, modified: Date, isDirectory: Bool) throws {
        guard !finished else { throw ExportError.archiveFinished }
        try Self.validate(entryName: name)
        let stored = isDirectory ? name + "/" : name
        guard !names.contains(stored) else { throw ExportError.duplicateEntryName(stored) }
        guard size <= 0xFFFF_FFFF else { throw ExportError.archiveTooLarge("entry \(name) over 4 GiB") }
        guard offset <= 0xFFFF_FFFF else { throw ExportError.archiveTooLarge("archive over 4 GiB") }
        guard records.count < 0xFFFF else { throw ExportError.archiveTooLarge("more than 65 535 entries") }
        let nameBytes = Array(stored.utf8)
        let (time, date) = Self.dosDateTime(modified, in: timeZone)
        let record = CentralRecord(
            name: nameBytes, crc: crc, size: UInt32(size), time: time, date: date,
            offset: UInt32(offset), isDirectory: isDirectory)
        var header = Data()
        header.appendLE(UInt32(0x0403_4B50))
        header.appendLE(UInt16(20))
        header.appendLE(UInt16(0x0800))
        header.appendLE(UInt16(0))
        header.appendLE(time)
        header.appendLE(date)
        header.appendLE(crc)
        header.appendLE(UInt32(size))
        header.appendLE(UInt32(size))
        header.appendLE(UInt16(nameBytes.count))
        header.appendLE(UInt16(0))
        header.append(contentsOf: nameBytes)
        guard offset + UInt64(header.count) + size <= 0xFFFF_FFFF else {
            throw ExportError.archiveTooLarge("archive over 4 GiB")
        }
        try emit(header)
        if let data { try emit(data) }
        names.insert(stored)
        records.append(record)
    }

    private func emit(_ data: Data) throws {
        if let output { try output(data) } else { buffer.append(data) }
        offset += UInt64(data.count)
    }

    /// The DOS (time, date) pair for `date` in `timeZone`, clamped to 1980…2107; seconds round down to even.
    public static func dosDateTime(_ date: Date, in timeZone: TimeZone) -> (time: UInt16, date: UInt16) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let year = c.year ?? 1980
        if year < 1980 { return (0, (1 << 5) | 1) }
        if year > 2107 { return ((23 << 11) | (59 << 5) | 29, (127 << 9) | (12 << 5) | 31) }
        let time = ((c.hour ?? 0) << 11) | ((c.minute ?? 0) << 5) | ((c.second ?? 0) / 2)
        let day = ((year - 1980) << 9) | ((c.month ?? 1) << 5) | (c.day ?? 1)
        return (UInt16(time), UInt16(day))
    }
}

extension Data {
    mutating func appendLE<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}
