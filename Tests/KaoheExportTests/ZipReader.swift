import Foundation

/// A small ZIP reader for tests, written independently of ZipWriter: it walks the central directory,
/// checks each local header against it, and verifies CRC-32 with a bitwise (table-free) implementation.
struct ZipReader {
    struct Entry {
        var name: String
        var flags: UInt16
        var method: UInt16
        var dosTime: UInt16
        var dosDate: UInt16
        var crc: UInt32
        var data: Data
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let entries: [Entry]

    init(_ archive: Data) throws {
        let bytes = [UInt8](archive)
        func u16(_ at: Int) throws -> UInt16 {
            guard at >= 0, at + 2 <= bytes.count else { throw Failure(description: "read past end at \(at)") }
            return UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8
        }
        func u32(_ at: Int) throws -> UInt32 {
            UInt32(try u16(at)) | UInt32(try u16(at + 2)) << 16
        }
        // End of central directory: last 22 bytes when there is no comment.
        guard bytes.count >= 22 else { throw Failure(description: "too short") }
        var eocd = bytes.count - 22
        while eocd >= 0, try u32(eocd) != 0x0605_4B50 { eocd -= 1 }
        guard eocd >= 0 else { throw Failure(description: "no end of central directory") }
        let count = Int(try u16(eocd + 10))
        guard try u16(eocd + 8) == count else { throw Failure(description: "entry counts differ") }
        let dirSize = Int(try u32(eocd + 12))
        let dirOffset = Int(try u32(eocd + 16))
        guard dirOffset + dirSize == eocd else { throw Failure(description: "central directory not before EOCD") }
        var entries: [Entry] = []
        var p = dirOffset
        for _ in 0..<count {
            guard try u32(p) == 0x0201_4B50 else { throw Failure(description: "bad central header at \(p)") }
            let flags = try u16(p + 8)
            let method = try u16(p + 10)
            let time = try u16(p + 12)
            let date = try u16(p + 14)
            let crc = try u32(p + 16)
            let csize = Int(try u32(p + 20))
            let usize = Int(try u32(p + 24))
            let nameLen = Int(try u16(p + 28))
            let extraLen = Int(try u16(p + 30))
            let commentLen = Int(try u16(p + 32))
            let localOffset = Int(try u32(p + 42))
            guard p + 46 + nameLen <= bytes.count else { throw Failure(description: "name past end") }
            let nameBytes = Array(bytes[(p + 46)..<(p + 46 + nameLen)])
            guard let name = String(validating: nameBytes, as: UTF8.self) else {
                throw Failure(description: "name not UTF-8")
            }
            guard method == 0, csize == usize else { throw Failure(description: "\(name): not stored") }
            // Local header must agree.
            guard try u32(localOffset) == 0x0403_4B50 else { throw Failure(description: "\(name): bad local header") }
            guard try u16(localOffset + 6) == flags, try u32(localOffset + 14) == crc,
                try u32(localOffset + 18) == UInt32(csize), try u32(localOffset + 22) == UInt32(usize),
                try u16(localOffset + 10) == time, try u16(localOffset + 12) == date
            else { throw Failure(description: "\(name): local header differs from central directory") }
            let localNameLen = Int(try u16(localOffset + 26))
            let localExtraLen = Int(try u16(localOffset + 28))
            guard Array(bytes[(localOffset + 30)..<(localOffset + 30 + localNameLen)]) == nameBytes else {
                throw Failure(description: "\(name): local name differs")
            }
            let start = localOffset + 30 + localNameLen + localExtraLen
            guard start + csize <= dirOffset else { throw Failure(description: "\(name): data past directory") }
            let data = Data(bytes[start..<(start + csize)])
            guard Self.bitwiseCRC32(data) == crc else { throw Failure(description: "\(name): CRC mismatch") }
            entries.append(
                Entry(name: name, flags: flags, method: method, dosTime: time, dosDate: date, crc: crc, data: data))
            p += 46 + nameLen + extraLen + commentLen
        }
        guard p == eocd else { throw Failure(description: "central directory size mismatch") }
        self.entries = entries
    }

    subscript(name: String) -> Data? { entries.first { $0.name == name }?.data }

    func text(_ name: String) -> String? { self[name].flatMap { String(data: $0, encoding: .utf8) } }

    static func bitwiseCRC32(_ data: Data) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
        }
        return ~crc
    }
}
