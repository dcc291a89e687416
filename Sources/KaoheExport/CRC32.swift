internal import CKaoheZlib
import Foundation

/// CRC-32 (IEEE 802.3, the checksum ZIP uses), computed by zlib's `crc32`.
public enum CRC32 {
    /// The CRC-32 of `bytes`; pass a previous result as `initial` to continue a running checksum.
    public static func checksum(_ bytes: some Sequence<UInt8>, initial: UInt32 = 0) -> UInt32 {
        if let crc = bytes.withContiguousStorageIfAvailable({ checksum(UnsafeRawBufferPointer($0), initial: initial) })
        {
            return crc
        }
        return Array(bytes).withUnsafeBytes { checksum($0, initial: initial) }
    }

    /// The CRC-32 of `data` (contiguous bytes, no copy).
    public static func checksum(_ data: Data, initial: UInt32 = 0) -> UInt32 {
        data.withUnsafeBytes { checksum($0, initial: initial) }
    }

    /// zlib takes at most `UInt32.max` bytes per call: longer buffers go in pieces.
    static func checksum(_ raw: UnsafeRawBufferPointer, initial: UInt32) -> UInt32 {
        guard let base = raw.baseAddress, !raw.isEmpty else { return initial }
        var crc = uLong(initial)
        var offset = 0
        while offset < raw.count {
            let length = min(raw.count - offset, Int(UInt32.max))
            crc = crc32(crc, (base + offset).assumingMemoryBound(to: Bytef.self), uInt(length))
            offset += length
        }
        return UInt32(truncatingIfNeeded: crc)
    }
}
