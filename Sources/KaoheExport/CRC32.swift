import Foundation

/// CRC-32 (IEEE 802.3, the checksum ZIP uses).
public enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    /// The CRC-32 of `bytes`; pass a previous result as `initial` to continue a running checksum.
    public static func checksum(_ bytes: some Sequence<UInt8>, initial: UInt32 = 0) -> UInt32 {
        var crc = ~initial
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return ~crc
    }
}

extension CRC32 {
    /// The CRC-32 of `data` (fast path over contiguous bytes).
    public static func checksum(_ data: Data, initial: UInt32 = 0) -> UInt32 {
        data.withUnsafeBytes { raw in checksum(raw.bindMemory(to: UInt8.self), initial: initial) }
    }
}
