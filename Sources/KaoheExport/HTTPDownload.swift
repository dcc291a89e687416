/// HTTP header values for serving exports as downloads.
public enum HTTPDownload {
    /// `Content-Type` of an .xlsx workbook.
    public static let xlsxContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    /// `Content-Type` of a CSV file from ``CSVWriter``.
    public static let csvContentType = "text/csv; charset=utf-8"
    /// `Content-Type` of a ZIP archive.
    public static let zipContentType = "application/zip"
    /// `Content-Type` of an SVG chart.
    public static let svgContentType = "image/svg+xml; charset=utf-8"

    /// A `Content-Disposition: attachment` value for a possibly Chinese file name (RFC 6266 / RFC 8187):
    /// an ASCII fallback (`_` for other characters) and `filename*=UTF-8''…` with the name percent-encoded.
    /// Path separators, quotes and control characters in `fileName` are replaced by `_`.
    public static func contentDisposition(fileName: String) -> String {
        let safe = String(
            String.UnicodeScalarView(
                fileName.unicodeScalars.map { s in
                    (s.value < 0x20 || s.value == 0x7F || "/\\\"".unicodeScalars.contains(s)) ? "_" : s
                }))
        let fallback = String(
            String.UnicodeScalarView(safe.unicodeScalars.map { s in s.isASCII && s != "%" ? s : "_" }))
        var encoded = ""
        for byte in safe.utf8 {
            let unreserved =
                (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                || "!#$&+-.^_`|~".utf8.contains(byte)
            if unreserved {
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = String(byte, radix: 16, uppercase: true)
                encoded += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return "attachment; filename=\"\(fallback)\"; filename*=UTF-8''\(encoded)"
    }
}
