import Foundation
import Hummingbird
import KaoheApplication
import MultipartKit

/// What went wrong reading a `multipart/form-data` body. Each case has a Chinese message.
public enum MultipartError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The Content-Type has no usable boundary.
    case noBoundary
    /// The body ended before the closing boundary: the upload was interrupted.
    case truncated
    /// A part's headers are too long or malformed.
    case badHeaders(String)
    /// The body is not multipart/form-data: a boundary or a part's header block breaks the format.
    case malformed
    /// A text field is longer than its limit.
    case fieldTooLong(name: String, limit: Int)
    /// More parts than allowed.
    case tooManyParts(Int)

    public var description: String {
        switch self {
        case .noBoundary: "上传格式错误：multipart/form-data 缺少 boundary"
        case .truncated: "上传中断：请求在文件传完之前结束，未保存任何内容，请重新上传"
        case .badHeaders(let what): "上传格式错误：\(what)"
        case .malformed: "上传格式错误：请求内容不是有效的 multipart/form-data 表单（分段边界或分段头不符合格式），未保存任何内容"
        case .fieldTooLong(let name, let limit): "表单字段“\(name)”过长（上限 \(limit) 字节）"
        case .tooManyParts(let limit): "上传的表单字段过多（上限 \(limit) 个）"
        }
    }
}

/// The headers of one part of a multipart body.
public struct MultipartPartHeader: Sendable, Equatable {
    /// The form field name (`name="…"`).
    public var name: String
    /// The file name as the browser sent it (`filename="…"` or `filename*=UTF-8''…`), nil for a text field.
    public var fileName: String?
    /// The part's Content-Type as sent (never trusted for files).
    public var contentType: String?
}

/// Reads a `multipart/form-data` body part by part as it arrives. The bytes are parsed by multipart-kit's
/// streaming `MultipartParser`; only what one network chunk yields is held in memory, so a 50 MB file is
/// never held whole. Ask for the next part with ``nextPart()``, then read its content with ``nextChunk()``
/// until it returns nil (or call ``nextPart()`` again to skip the rest). A body that ends before the closing
/// boundary throws ``MultipartError/truncated``, one that breaks the format ``MultipartError/malformed``.
public struct MultipartReader<Body: AsyncSequence> where Body.Element == ByteBuffer {
    enum Phase { case betweenParts, content, done }

    private var iterator: Body.AsyncIterator
    private let parser: MultipartParser
    private let sink: ParserEvents
    /// Events parsed but not yet handed out, and the index of the next one.
    private var pending: [ParserEvents.Event] = []
    private var nextIndex = 0
    private var phase = Phase.betweenParts
    /// Body bytes fed since the parser last reported something (a preamble, a header being read, an epilogue).
    private var bytesWithoutEvent = 0
    /// How many parts have been started.
    public private(set) var partCount = 0
    /// The body bytes received so far.
    public private(set) var bytesReceived = 0
    /// The most parts accepted.
    public var maxParts = 64
    /// The longest part header block.
    public var maxHeaderBytes = 16 * 1024

    /// A reader over `body` for `boundary` (from ``boundary(contentType:)``, never empty).
    public init(body: Body, boundary: String) {
        self.iterator = body.makeAsyncIterator()
        let parser = MultipartParser(boundary: boundary)
        let sink = ParserEvents()
        parser.onHeader = { name, value in sink.header(name, value) }
        parser.onBody = { buffer in sink.content(buffer) }
        parser.onPartComplete = { sink.partComplete() }
        self.parser = parser
        self.sink = sink
    }

    /// The boundary of a `multipart/form-data` Content-Type, or nil when it is not one.
    public static func boundary(contentType: String) -> String? {
        let parts = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let first = parts.first, first.lowercased() == "multipart/form-data" else { return nil }
        for part in parts.dropFirst() {
            let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == "boundary" else {
                continue
            }
            var value = pair[1].trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 {
                value = String(value.dropFirst().dropLast())
            }
            guard (1...70).contains(value.utf8.count), value.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
                return nil
            }
            return value
        }
        return nil
    }

    /// The next part's headers, or nil after the closing boundary. Skips what is left of the current part.
    public mutating func nextPart() async throws -> MultipartPartHeader? {
        if phase == .content { while try await nextChunk() != nil {} }
        guard phase == .betweenParts else { return nil }
        var headers: [(name: String, value: String)] = []
        var headerBytes = 0
        while true {
            guard let event = try await peek(mayEnd: headers.isEmpty) else {
                phase = .done
                return nil
            }
            guard case .header(let name, let value) = event else {
                // The first content (or the end of an empty part): the header block is complete.
                partCount += 1
                guard partCount <= maxParts else { throw MultipartError.tooManyParts(maxParts) }
                phase = .content
                return try Self.parseHeaders(headers)
            }
            nextIndex += 1
            headerBytes += name.utf8.count + value.utf8.count + 4
            guard headerBytes <= maxHeaderBytes else { throw MultipartError.badHeaders("表单分段头过长") }
            headers.append((name, value))
        }
    }

    /// The next piece of the current part's content, or nil at its end.
    public mutating func nextChunk() async throws -> ArraySlice<UInt8>? {
        while phase == .content {
            guard let event = try await peek(mayEnd: false) else { throw MultipartError.truncated }
            nextIndex += 1
            switch event {
            case .content(let bytes):
                if !bytes.isEmpty { return bytes[...] }
            case .partComplete:
                phase = .betweenParts
            case .header:
                throw MultipartError.malformed
            }
        }
        return nil
    }

    /// The current part's content as UTF-8 text, refused past `limit` bytes.
    public mutating func text(name: String, limit: Int = 64 * 1024) async throws -> String {
        var bytes: [UInt8] = []
        while let chunk = try await nextChunk() {
            guard bytes.count + chunk.count <= limit else {
                throw MultipartError.fieldTooLong(name: name, limit: limit)
            }
            bytes.append(contentsOf: chunk)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The next parsed event, reading more of the body as needed. At the end of the body: nil when `mayEnd`
    /// (between parts) and the parser has read the closing boundary, otherwise ``MultipartError/truncated``.
    private mutating func peek(mayEnd: Bool) async throws -> ParserEvents.Event? {
        while nextIndex == pending.count {
            guard let buffer = try await iterator.next() else {
                guard mayEnd, closed() else { throw MultipartError.truncated }
                return nil
            }
            bytesReceived += buffer.readableBytes
            let before = sink.count
            do { try parser.execute(buffer) } catch { throw MultipartError.malformed }
            // The parser keeps a header it is reading (and skips a preamble) without limit: bound both.
            if sink.count == before {
                bytesWithoutEvent += buffer.readableBytes
                if before == 0, bytesWithoutEvent > 1 << 20 { throw MultipartError.badHeaders("找不到 boundary") }
                if before > 0, bytesWithoutEvent > maxHeaderBytes { throw MultipartError.badHeaders("表单分段头过长") }
            } else {
                bytesWithoutEvent = 0
            }
            pending = sink.take()
            nextIndex = 0
        }
        return pending[nextIndex]
    }

    /// Whether the parser has read the closing boundary (`--boundary--`), once the body has ended.
    ///
    /// `MultipartParser` has no call for the end of the input and keeps its state to itself, so this feeds it
    /// blank lines: after the closing boundary it ignores them (the epilogue); in any other place (a part's
    /// content, its headers, a boundary half read) they make it report content or a header, or throw.
    private func closed() -> Bool {
        guard sink.count > 0 else { return false }  // not even a first header: no boundary, or cut at once
        let before = sink.count
        do { try parser.execute(ByteBuffer(string: "\r\n\r\n\r\n")) } catch { return false }
        return sink.count == before
    }

    /// Parses `Content-Disposition` and `Content-Type` of a part.
    static func parseHeaders(_ headers: [(name: String, value: String)]) throws -> MultipartPartHeader {
        var name: String?
        var fileName: String?
        var extendedFileName: String?
        var contentType: String?
        for (key, rawValue) in headers {
            let value = rawValue.trimmingCharacters(in: .whitespaces)
            switch key.lowercased() {
            case "content-type": contentType = value
            case "content-disposition":
                for (parameter, parameterValue) in dispositionParameters(value) {
                    switch parameter {
                    case "name": name = parameterValue
                    case "filename":
                        // Browsers (HTML's form encoding) send `"`, CR and LF in file names as %22, %0D and %0A.
                        fileName = parameterValue.replacingOccurrences(of: "%22", with: "\"")
                            .replacingOccurrences(of: "%0D", with: "\r").replacingOccurrences(of: "%0A", with: "\n")
                    case "filename*":
                        // RFC 5987: charset'language'percent-encoded
                        let pieces = parameterValue.split(
                            separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
                        if pieces.count == 3, pieces[0].lowercased() == "utf-8" {
                            extendedFileName = String(pieces[2]).removingPercentEncoding
                        }
                    default: break
                    }
                }
            default: break
            }
        }
        guard let name else { throw MultipartError.badHeaders("表单分段缺少字段名（Content-Disposition name）") }
        return MultipartPartHeader(name: name, fileName: extendedFileName ?? fileName, contentType: contentType)
    }

    /// The `key=value` parameters of a Content-Disposition value (`form-data; name="a"; filename="b.pdf"`),
    /// keys lowercased, quoted values unescaped (`\"` and `\\` only).
    static func dispositionParameters(_ value: String) -> [(String, String)] {
        var result: [(String, String)] = []
        var scalars = Array(value.unicodeScalars)[...]
        // Skip the disposition type.
        while let first = scalars.first, first != ";" { scalars = scalars.dropFirst() }
        while !scalars.isEmpty {
            scalars = scalars.dropFirst()  // ';'
            while let first = scalars.first, first == " " || first == "\t" { scalars = scalars.dropFirst() }
            var key = ""
            while let first = scalars.first, first != "=", first != ";" {
                key.unicodeScalars.append(first)
                scalars = scalars.dropFirst()
            }
            var parameterValue = ""
            if scalars.first == "=" {
                scalars = scalars.dropFirst()
                if scalars.first == "\"" {
                    scalars = scalars.dropFirst()
                    while let first = scalars.first, first != "\"" {
                        scalars = scalars.dropFirst()
                        // Only `\"` and `\\` are escapes: old browsers send Windows paths (`C:\x\y.pdf`) as they are.
                        if first == "\\", let escaped = scalars.first, escaped == "\"" || escaped == "\\" {
                            parameterValue.unicodeScalars.append(escaped)
                            scalars = scalars.dropFirst()
                        } else {
                            parameterValue.unicodeScalars.append(first)
                        }
                    }
                    scalars = scalars.dropFirst()  // closing quote
                    while let first = scalars.first, first != ";" { scalars = scalars.dropFirst() }
                } else {
                    while let first = scalars.first, first != ";" {
                        parameterValue.unicodeScalars.append(first)
                        scalars = scalars.dropFirst()
                    }
                    parameterValue = parameterValue.trimmingCharacters(in: .whitespaces)
                }
            }
            let trimmedKey = key.trimmingCharacters(in: .whitespaces).lowercased()
            if !trimmedKey.isEmpty { result.append((trimmedKey, parameterValue)) }
        }
        return result
    }
}

/// What `MultipartParser`'s callbacks report, in order; consecutive content is joined into one piece.
final class ParserEvents {
    enum Event {
        case header(name: String, value: String)
        case content([UInt8])
        case partComplete
    }

    private var events: [Event] = []
    private var content: [UInt8] = []
    /// How many callbacks have come so far.
    private(set) var count = 0

    func header(_ name: String, _ value: String) {
        flush()
        events.append(.header(name: name, value: value))
        count += 1
    }

    func content(_ buffer: ByteBuffer) {
        content.append(contentsOf: buffer.readableBytesView)
        count += 1
    }

    func partComplete() {
        flush()
        events.append(.partComplete)
        count += 1
    }

    /// The events since the last call.
    func take() -> [Event] {
        flush()
        defer { events = [] }
        return events
    }

    private func flush() {
        guard !content.isEmpty else { return }
        events.append(.content(content))
        content = []
    }
}
