import Hummingbird
import KaoheApplication

/// A piece of HTML text. Build it only from literals and ``escape(_:)``d values (use the `\(text)` interpolation,
/// which escapes, and `\(raw:)` for trusted HTML), so user data can never inject markup.
public struct HTML: Sendable, ResponseGenerator, ExpressibleByStringInterpolation, CustomStringConvertible {
    /// The HTML text.
    public var text: String
    /// The response status when sent as a page.
    public var status: HTTPResponse.Status = .ok

    /// Wraps already-safe HTML.
    public init(raw text: String) { self.text = text }

    public init(stringLiteral value: String) { self.text = value }

    public init(stringInterpolation: Interpolation) { self.text = stringInterpolation.text }

    /// The HTML text.
    public var description: String { text }

    /// Interpolation that escapes strings and inserts ``HTML`` values as they are.
    public struct Interpolation: StringInterpolationProtocol {
        var text = ""
        public init(literalCapacity: Int, interpolationCount: Int) { text.reserveCapacity(literalCapacity * 2) }
        public mutating func appendLiteral(_ literal: String) { text += literal }
        /// Appends escaped text.
        public mutating func appendInterpolation(_ value: String) { text += HTML.escape(value) }
        /// Appends escaped text of a number or other describable value.
        public mutating func appendInterpolation<T: CustomStringConvertible>(_ value: T) {
            text += HTML.escape(value.description)
        }
        /// Appends HTML as it is.
        public mutating func appendInterpolation(_ html: HTML) { text += html.text }
        /// Appends many HTML pieces.
        public mutating func appendInterpolation(_ parts: [HTML]) { for part in parts { text += part.text } }
        /// Appends a link target built from the route enum.
        public mutating func appendInterpolation(_ url: SiteURL) { text += HTML.escape(url.path) }
    }

    /// Escapes `&`, `<`, `>`, `"` and `'`.
    public static func escape(_ value: String) -> String {
        // On UTF-8 bytes: the five are ASCII, which never occurs inside another character's bytes (and a quote
        // followed by a combining mark, one Character, is escaped too). Most texts have none and are kept.
        func special(_ byte: UInt8) -> Bool {
            byte == 0x26 || byte == 0x3C || byte == 0x3E || byte == 0x22 || byte == 0x27
        }
        guard value.utf8.contains(where: special) else { return value }
        var out: [UInt8] = []
        out.reserveCapacity(value.utf8.count + 16)
        for byte in value.utf8 {
            switch byte {
            case 0x26: out += "&amp;".utf8
            case 0x3C: out += "&lt;".utf8
            case 0x3E: out += "&gt;".utf8
            case 0x22: out += "&quot;".utf8
            case 0x27: out += "&#39;".utf8
            default: out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A copy with another status.
    public func with(status: HTTPResponse.Status) -> HTML {
        var copy = self
        copy.status = status
        return copy
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
