import Foundation
import KaoheEngine
import KaoheRecords

// Record files are read here, beside the other file formats, rather than in a target of their own: the reader
// needs Foundation (file handles, the GB18030 codec) and KaoheRecords stays pure. The CSV tokenizer is our own
// byte loop: yaslab/CSV.swift reads one Unicode scalar at a time through an AnyIterator and took 6.6 s (release)
// for the cells of 1,000,000 case rows, while `kaohe derive` must read and derive 1,300,000 rows in 10 s.

/// A source of bytes read in chunks (a file, or bytes in memory in tests).
public protocol ByteChunks {
    /// The next chunk; nil at the end.
    mutating func next() -> [UInt8]?
}

/// A file read 1 MiB at a time.
public struct FileChunks: ByteChunks {
    let handle: FileHandle
    let size: Int

    public init?(path: String, chunkSize: Int = 1 << 20) {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        self.handle = handle
        self.size = chunkSize
    }

    public mutating func next() -> [UInt8]? {
        guard let data = try? handle.read(upToCount: size), !data.isEmpty else {
            try? handle.close()
            return nil
        }
        return [UInt8](data)
    }
}

/// Bytes in memory, handed out in chunks of a given size (small sizes exercise the chunk boundaries).
public struct MemoryChunks: ByteChunks {
    let bytes: [UInt8]
    let size: Int
    var offset = 0

    public init(_ bytes: [UInt8], chunkSize: Int = 1 << 20) {
        self.bytes = bytes
        self.size = max(1, chunkSize)
    }

    public mutating func next() -> [UInt8]? {
        guard offset < bytes.count else { return nil }
        let end = min(bytes.count, offset + size)
        defer { offset = end }
        return Array(bytes[offset..<end])
    }
}

/// The text encodings a record file may use.
public enum RecordFileEncoding: Sendable, Equatable {
    /// UTF-8, with or without a byte-order mark.
    case utf8
    /// GB18030 (a superset of GBK and GB2312), as Chinese Excel and WPS write CSV.
    case gb18030

    /// Foundation's GB18030 (CFStringEncoding GB_18030_2000, 0x0632, as an NSStringEncoding); it decodes on Linux
    /// Foundation too.
    static let foundationGB18030 = String.Encoding(rawValue: 0x8000_0632)

    /// UTF-8 when every byte sequence is valid UTF-8, else GB18030.
    public static func detect(_ source: inout some ByteChunks) -> RecordFileEncoding {
        var validator = UTF8Validator()
        while let chunk = source.next() {
            if !validator.feed(chunk) { return .gb18030 }
        }
        return validator.isComplete ? .utf8 : .gb18030
    }
}

/// An incremental UTF-8 validator (sequences may straddle chunks).
struct UTF8Validator {
    private var pending = 0
    private var lower: UInt8 = 0x80
    private var upper: UInt8 = 0xBF

    var isComplete: Bool { pending == 0 }

    mutating func feed(_ bytes: [UInt8]) -> Bool {
        for byte in bytes {
            if pending > 0 {
                guard byte >= lower && byte <= upper else { return false }
                pending -= 1
                lower = 0x80
                upper = 0xBF
                continue
            }
            switch byte {
            case 0x00...0x7F: continue
            case 0xC2...0xDF: pending = 1
            case 0xE0: (pending, lower) = (2, 0xA0)
            case 0xE1...0xEC, 0xEE...0xEF: pending = 2
            case 0xED: (pending, upper) = (2, 0x9F)
            case 0xF0: (pending, lower) = (3, 0x90)
            case 0xF1...0xF3: pending = 3
            case 0xF4: (pending, upper) = (3, 0x8F)
            default: return false
            }
        }
        return true
    }
}

/// Turns a source in some encoding into UTF-8 chunks. GB18030 is converted a run of whole lines at a time:
/// a line feed (0x0A) is never part of a GB18030 multi-byte sequence.
struct UTF8Chunks<Source: ByteChunks> {
    var source: Source
    let encoding: RecordFileEncoding
    var pending: [UInt8] = []
    var finished = false

    /// The next UTF-8 chunk; nil at the end. Throws the message of an undecodable run.
    mutating func next() throws(RecordError) -> [UInt8]? {
        guard encoding == .gb18030 else { return source.next() }
        while !finished {
            guard let chunk = source.next() else {
                finished = true
                break
            }
            pending.append(contentsOf: chunk)
            guard let lastLineFeed = pending.lastIndex(of: 0x0A) else { continue }
            let run = Array(pending[...lastLineFeed])
            pending.removeSubrange(...lastLineFeed)
            return try Self.decode(run)
        }
        guard !pending.isEmpty else { return nil }
        defer { pending = [] }
        return try Self.decode(pending)
    }

    static func decode(_ bytes: [UInt8]) throws(RecordError) -> [UInt8] {
        guard let text = String(data: Data(bytes), encoding: RecordFileEncoding.foundationGB18030) else {
            throw RecordError(message: "文件既不是有效的 UTF-8 编码，也不是有效的 GB18030/GBK 编码")
        }
        return Array(text.utf8)
    }
}
