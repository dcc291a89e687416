import Foundation
import KaoheStorage

/// One-time codes of public rater groups: 11 characters of a 32-letter alphabet without 0/O/1/I (55 bits each),
/// drawn from the system's cryptographic generator; stored only as SHA-256 hashes.
public enum RaterCodes {
    /// The alphabet: digits 2–9 and the letters without I and O.
    public static let alphabet = Array("23456789ABCDEFGHJKLMNPQRSTUVWXYZ")
    /// Characters per code: 11 × 5 bits = 55 bits.
    public static let length = 11
    /// The most codes one request generates.
    public static let maximumBatch = 5000

    /// `count` new random codes (distinct).
    public static func generate(_ count: Int) -> [String] {
        var generator = SystemRandomNumberGenerator()
        var codes = Set<String>()
        while codes.count < count {
            codes.insert(
                String((0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }))
        }
        return Array(codes)
    }

    /// The code as typed, normalized: upper case, spaces and dashes removed; nil when it cannot be a code.
    public static func normalize(_ text: String) -> String? {
        let cleaned = text.uppercased().filter { $0 != " " && $0 != "-" && $0 != "\u{3000}" }
        guard cleaned.count == length, cleaned.allSatisfy({ alphabet.contains($0) }) else { return nil }
        return cleaned
    }

    /// The stored hash of a normalized code.
    public static func hash(_ code: String) -> String { KaoheStorage.SHA256.hex(code) }

    /// Bits of entropy of one code.
    public static var bits: Double { Double(length) * log2(Double(alphabet.count)) }
}
