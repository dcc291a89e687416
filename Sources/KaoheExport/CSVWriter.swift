import Foundation

/// Writes CSV for Excel: RFC 4180 quoting, CRLF line ends, UTF-8 with a byte order mark so that
/// Excel shows Chinese, and protection against formula injection.
///
/// ```swift
/// var csv = CSVWriter()
/// csv.addRow(["单位", "得分"])
/// csv.addRow(["长白县", "87.5"])
/// let body = csv.data()   // starts with EF BB BF
/// ```
public struct CSVWriter: Sendable {
    /// The UTF-8 byte order mark, EF BB BF.
    public static let byteOrderMark = Data([0xEF, 0xBB, 0xBF])

    /// Whether ``data()`` starts with the byte order mark.
    public var includesByteOrderMark: Bool
    /// Whether cells that Excel would run as formulas get a leading apostrophe.
    public var guardsFormulas: Bool
    private var text = ""

    /// Creates an empty CSV document.
    public init(includesByteOrderMark: Bool = true, guardsFormulas: Bool = true) {
        self.includesByteOrderMark = includesByteOrderMark
        self.guardsFormulas = guardsFormulas
    }

    /// Appends one record.
    public mutating func addRow(_ fields: [String]) {
        text += Self.line(fields, guardsFormulas: guardsFormulas)
    }

    /// The document: BOM (if enabled) and every row, each ending in CRLF.
    public func data() -> Data {
        (includesByteOrderMark ? Self.byteOrderMark : Data()) + Data(text.utf8)
    }

    /// One record ending in CRLF, for streaming (send ``byteOrderMark`` first).
    public static func line(_ fields: [String], guardsFormulas: Bool = true) -> String {
        fields.map { field(guardsFormulas ? neutralized($0) : $0) }.joined(separator: ",") + "\r\n"
    }

    /// The whole document for `rows` in one call.
    public static func data(rows: [[String]], includesByteOrderMark: Bool = true, guardsFormulas: Bool = true) -> Data {
        var writer = CSVWriter(includesByteOrderMark: includesByteOrderMark, guardsFormulas: guardsFormulas)
        for row in rows { writer.addRow(row) }
        return writer.data()
    }

    /// A field quoted per RFC 4180 when it contains a comma, quote, CR or LF (quotes doubled).
    public static func field(_ value: String) -> String {
        let needsQuotes = value.unicodeScalars.contains { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" }
        guard needsQuotes else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// `value` with a leading apostrophe when it starts with `=`, `+`, `-`, `@`, tab or CR, unless it is
    /// a plain number such as `-2.5` or `+3`.
    public static func neutralized(_ value: String) -> String {
        guard let first = value.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) else { return value }
        let rest = value.dropFirst()
        if first == "-" || first == "+", rest.first?.isASCII == true, rest.first?.isNumber == true,
            XLSXWriter.isPlainDecimal(String(rest))
        {
            return value
        }
        return "'" + value
    }
}
