import Foundation
import Testing

@testable import KaoheExport

@Suite struct ZipWriterTests {
    // 2026-03-04 05:06:08 UTC = 13:06:08 in Beijing.
    let date = Date(timeIntervalSince1970: 1_772_600_768)

    @Test func crc32KnownValues() {
        #expect(CRC32.checksum(Data("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum(Data()) == 0)
        let whole = CRC32.checksum(Data("hello world".utf8))
        let part = CRC32.checksum(Data(" world".utf8), initial: CRC32.checksum(Data("hello".utf8)))
        #expect(whole == part)
        #expect(whole == ZipReader.bitwiseCRC32(Data("hello world".utf8)))
    }

    @Test("CRC-32 (zlib) of the standard check values, over Data, arrays, slices and non-contiguous sequences")
    func crc32Vectors() {
        // Check values of CRC-32/ISO-HDLC (the ZIP and zlib CRC), as published and as Python's zlib.crc32 gives them.
        let vectors: [(String, UInt32)] = [
            ("", 0), ("a", 0xE8B7_BE43), ("abc", 0x3524_41C2), ("123456789", 0xCBF4_3926),
            ("The quick brown fox jumps over the lazy dog", 0x414F_A339), ("考核", 0xC30D_BA4E),
        ]
        for (text, crc) in vectors {
            #expect(CRC32.checksum(Data(text.utf8)) == crc, "\(text)")
            #expect(CRC32.checksum(Array(text.utf8)) == crc, "\(text)")
            #expect(CRC32.checksum(text.utf8) == crc, "\(text) (String.UTF8View)")
            #expect(CRC32.checksum(AnySequence(Array(text.utf8))) == crc, "\(text) (not contiguous)")
        }
        // A slice that does not start at index 0, and a running checksum over pieces of a larger buffer.
        let bytes = (0..<300_000).map { UInt8(truncatingIfNeeded: ($0 &* 7919) >> 3) }
        let reference = ZipReader.bitwiseCRC32(Data(bytes))
        #expect(CRC32.checksum(Data(bytes)) == reference)
        #expect(CRC32.checksum(bytes[100...]) == ZipReader.bitwiseCRC32(Data(bytes[100...])))
        var running: UInt32 = 0
        for start in stride(from: 0, to: bytes.count, by: 65_537) {
            running = CRC32.checksum(Data(bytes[start..<min(bytes.count, start + 65_537)]), initial: running)
        }
        #expect(running == reference)
        #expect(CRC32.checksum(Data(), initial: 0x1234_5678) == 0x1234_5678)
    }

    @Test func roundTripWithChineseNamesAndTimestamps() throws {
        let zip = ZipWriter()
        let report = Data("自评报告\n".utf8)
        let binary = Data((0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try zip.addEntry(named: "长白县/自评报告.txt", data: report, modified: date)
        try zip.addEntry(named: "binary.bin", data: binary, modified: date)
        try zip.addEntry(named: "empty.txt", data: Data(), modified: date)
        try zip.addDirectory(named: "证明材料", modified: date)
        let archive = try zip.finish()
        #expect(zip.bytesWritten == UInt64(archive.count))

        let reader = try ZipReader(archive)
        #expect(reader.entries.map(\.name) == ["长白县/自评报告.txt", "binary.bin", "empty.txt", "证明材料/"])
        #expect(reader["长白县/自评报告.txt"] == report)
        #expect(reader["binary.bin"] == binary)
        #expect(reader["empty.txt"] == Data())
        for entry in reader.entries {
            #expect(entry.flags & 0x0800 != 0, "UTF-8 flag on \(entry.name)")
            #expect(entry.method == 0)
            // 2026-03-04 13:06:08 in UTC+8
            #expect(entry.dosDate == UInt16((2026 - 1980) << 9 | 3 << 5 | 4))
            #expect(entry.dosTime == UInt16(13 << 11 | 6 << 5 | 4))
        }
    }

    @Test func timeZoneIsAParameter() {
        let utc = ZipWriter.dosDateTime(date, in: TimeZone(identifier: "UTC")!)
        #expect(utc.time == UInt16(5 << 11 | 6 << 5 | 4))
        let early = ZipWriter.dosDateTime(Date(timeIntervalSince1970: 0), in: TimeZone(identifier: "UTC")!)
        #expect(early.date == UInt16(1 << 5 | 1))  // clamped to 1980-01-01
    }

    @Test func streamingOutputMatchesInMemory() throws {
        var chunks: [Data] = []
        let streaming = ZipWriter(output: { chunks.append($0) })
        let memory = ZipWriter()
        for writer in [streaming, memory] {
            try writer.addEntry(named: "a.txt", data: Data("A".utf8), modified: date)
            try writer.addEntry(named: "b/c.txt", data: Data("BC".utf8), modified: date)
        }
        #expect(chunks.count == 4)  // header and data of each entry, before finish
        #expect(try streaming.finish().isEmpty)
        let joined = chunks.reduce(Data(), +)
        #expect(joined == (try memory.finish()))
        #expect(try ZipReader(joined).entries.count == 2)
    }

    @Test(arguments: [
        "", "../evil.txt", "a/../../b", "/etc/passwd", "C:/x.txt", "a\\b.txt", "a\u{0}b", "line\nbreak", "tab\there",
        "a//b", "./a", "del\u{7F}",
    ])
    func refusesUnsafeNames(_ name: String) throws {
        let zip = ZipWriter()
        #expect {
            try zip.addEntry(named: name, data: Data(), modified: date)
        } throws: { error in
            guard case .invalidEntryName(let refused, let reason) = error as? ExportError else { return false }
            return refused == name && !reason.isEmpty
        }
    }

    @Test func acceptsOrdinaryNames() throws {
        let zip = ZipWriter()
        try zip.addEntry(named: "a..b.txt", data: Data(), modified: date)
        try zip.addEntry(named: "单位 A/2026年 (终稿).pdf", data: Data(), modified: date)
        #expect(try ZipReader(try zip.finish()).entries.count == 2)
    }

    @Test func refusesDuplicatesAndUseAfterFinish() throws {
        let zip = ZipWriter()
        try zip.addEntry(named: "a.txt", data: Data(), modified: date)
        #expect(throws: ExportError.duplicateEntryName("a.txt")) {
            try zip.addEntry(named: "a.txt", data: Data("x".utf8), modified: date)
        }
        _ = try zip.finish()
        #expect(throws: ExportError.archiveFinished) {
            try zip.addEntry(named: "b.txt", data: Data(), modified: date)
        }
    }

    @Test func emptyArchiveIsValid() throws {
        let archive = try ZipWriter().finish()
        #expect(archive.count == 22)
        #expect(try ZipReader(archive).entries.isEmpty)
    }

    @Test func readerCatchesCorruption() throws {
        let zip = ZipWriter()
        try zip.addEntry(named: "a.txt", data: Data("hello".utf8), modified: date)
        var archive = try zip.finish()
        archive[30 + 5] ^= 0xFF  // first data byte after the 30-byte header and 5-byte name
        #expect(throws: ZipReader.Failure.self) { try ZipReader(archive) }
    }
}
