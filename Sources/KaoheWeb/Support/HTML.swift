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
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for character in value {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
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
