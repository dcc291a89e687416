import Foundation
import Hummingbird
import KaoheApplication

/// Conditional and compressed responses for large documents whose bytes are cached per data version (the
/// results document): compressed once, sent to every client that accepts gzip.
enum HTTPCompression {
    /// Whether the request's `Accept-Encoding` allows gzip (`gzip` or `*`, not with `q=0`).
    static func acceptsGzip(_ request: Request) -> Bool {
        guard let header = request.headers[.acceptEncoding] else { return false }
        for part in header.split(separator: ",") {
            let fields = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let coding = fields.first, coding == "gzip" || coding == "x-gzip" || coding == "*" else { continue }
            let refused = fields.dropFirst().contains { field in
                guard field.hasPrefix("q=") else { return false }
                return (Double(field.dropFirst(2)) ?? 1) == 0
            }
            if !refused { return true }
        }
        return false
    }

    /// Whether an `If-None-Match` value names the data version `version` (weak comparison: `W/"7"` and `"7"`
    /// match; so does `*`).
    static func matches(_ ifNoneMatch: String, version: Int) -> Bool {
        ifNoneMatch.split(separator: ",").contains { tag in
            var tag = tag.trimmingCharacters(in: .whitespaces)
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag.removeFirst(2) }
            return tag == "\"\(version)\""
        }
    }
}
