import Foundation

/// What text a person may send: ids without control characters, texts within a length, and control
/// characters only where a text may have lines. Each refusal names the field.
public enum InputRules {
    /// The longest id (item ids, unit ids, evidence ids, …) in characters.
    public static let maxIDLength = 200
    /// The longest one-line text (names, titles) in characters.
    public static let maxNameLength = 200
    /// The longest note, reason or answer in characters.
    public static let maxNoteLength = 5000

    /// `text` as an id: not empty, at most ``maxIDLength`` characters, no control or invisible format
    /// characters and no spaces at either end.
    @discardableResult
    public static func id(_ text: String, field: String) throws -> String {
        guard !text.isEmpty else { throw AppError.invalid("请填写“\(field)”") }
        // Counted in code points, as JSON Schema's maxLength counts (an emoji with a modifier is two).
        guard text.unicodeScalars.count <= maxIDLength else {
            throw AppError.invalid("“\(field)”不能超过\(maxIDLength)个字符")
        }
        if let bad = text.unicodeScalars.first(where: isControl) {
            throw AppError.invalid("“\(field)”含有不允许的控制字符（\(describe(bad))）")
        }
        guard text.trimmingCharacters(in: .whitespacesAndNewlines) == text else {
            throw AppError.invalid("“\(field)”的首尾不能有空格")
        }
        return text
    }

    /// `text` as a one-line name: at most `limit` characters, no control characters.
    @discardableResult
    public static func name(_ text: String, field: String, limit: Int = maxNameLength) throws -> String {
        guard text.unicodeScalars.count <= limit else { throw AppError.invalid("“\(field)”不能超过\(limit)个字") }
        if let bad = text.unicodeScalars.first(where: isControl) {
            throw AppError.invalid("“\(field)”含有不允许的控制字符（\(describe(bad))）")
        }
        return text
    }

    /// `text` as a note that may have lines and tabs: at most `limit` characters, no other control characters.
    @discardableResult
    public static func note(_ text: String, field: String, limit: Int = maxNoteLength) throws -> String {
        guard text.unicodeScalars.count <= limit else {
            throw AppError.invalid("“\(field)”不能超过\(limit)个字（现为\(text.unicodeScalars.count)个）")
        }
        if let bad = text.unicodeScalars.first(where: { isControl($0) && !["\n", "\r", "\t"].contains($0) }) {
            throw AppError.invalid("“\(field)”含有不允许的控制字符（\(describe(bad))）")
        }
        return text
    }

    /// C0 and C1 controls, DEL, and the invisible format characters that can hide text (bidi overrides).
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x200B...0x200F, 0x202A...0x202E, 0x2066...0x2069, 0xFEFF: true
        default: false
        }
    }

    static func describe(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
