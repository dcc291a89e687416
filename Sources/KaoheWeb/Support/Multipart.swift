import Foundation
import Hummingbird
import KaoheApplication

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What went wrong reading a `multipart/form-data` body. Each case has a Chinese message.
public enum MultipartError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The Content-Type has no usable boundary.
    case noBoundary
    /// The body ended before the closing boundary: the upload was interrupted.
    case truncated
    /// A part's headers are too long or malformed.
    case badHeaders(String)
    /// A text field is longer than its limit.
    case fieldTooLong(name: String, limit: Int)
    /// More parts than allowed.
    case tooManyParts(Int)

    public var description: String {
        switch self {
        case .noBoundary: "上传格式错误：multipart/form-data 缺少 boundary"
        case .truncated: "上传中断：请求在文件传完之前结束，未保存任何内容，请重新上传"
        case .badHeaders(let what): "上传格式错误：\(what)"
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

/// Reads a `multipart/form-data` body part by part as it arrives, keeping only a small window of bytes in
/// memory (about one network chunk plus the boundary), so a 50 MB file is never held whole. Ask for the
/// next part with ``nextPart()``, then read its content with ``nextChunk()`` until it returns nil (or call
/// ``nextPart()`` again to skip the rest). A body that ends before the closing boundary throws
/// ``MultipartError/truncated``.
public struct MultipartReader<Body: AsyncSequence> where Body.Element == ByteBuffer {
    enum State { case preamble, afterDelimiter, headers, content, done }

    private var iterator: Body.AsyncIterator
    private var window: [UInt8]
    private var start = 0
    private var state = State.preamble
    private var ended = false
    private let delimiter: [UInt8]
    /// How many parts have been started.
    public private(set) var partCount = 0
    /// The body bytes received so far.
    public private(set) var bytesReceived = 0
    /// The most parts accepted.
    public var maxParts = 64
    /// The longest part header block.
    public var maxHeaderBytes = 16 * 1024

    /// A reader over `body` for `boundary` (from ``boundary(contentType:)``).
    public init(body: Body, boundary: String) {
        self.iterator = body.makeAsyncIterator()
        self.delimiter = Array("\r\n--\(boundary)".utf8)
        // The first boundary may open the body without a line break before it: pretend there was one.
        self.window = [0x0D, 0x0A]
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
        while true {
            switch state {
            case .done: return nil
            case .content:
                while try await nextChunk() != nil {}
            case .preamble:
                if let at = find(delimiter) {
                    start = at + delimiter.count
                    state = .afterDelimiter
                } else {
                    // Keep only what could be the beginning of the delimiter.
                    let keep = delimiter.count - 1
                    if window.count - start > keep { start = window.count - keep }
                    guard bytesReceived < 1 << 20 else { throw MultipartError.badHeaders("找不到 boundary") }
                    try await fill()
                }
            case .afterDelimiter:
                while window.count - start < 2 {
                    try await fill()
                }
                if window[start] == 0x2D, window[start + 1] == 0x2D {
                    state = .done
                    return nil
                }
                // Transport padding (spaces, tabs) may follow the boundary before its line break.
                while true {
                    while start < window.count, window[start] == 0x20 || window[start] == 0x09 { start += 1 }
                    if start < window.count { break }
                    try await fill()
                }
                while window.count - start < 2 { try await fill() }
                guard window[start] == 0x0D, window[start + 1] == 0x0A else {
                    throw MultipartError.badHeaders("boundary 之后缺少换行")
                }
                start += 2
                state = .headers
            case .headers:
                let end: Int
                while true {
                    // A part without headers: the blank line comes at once.
                    if window.count - start >= 2, window[start] == 0x0D, window[start + 1] == 0x0A {
                        end = start - 2
                        break
                    }
                    if let at = find([0x0D, 0x0A, 0x0D, 0x0A]) {
                        end = at
                        break
                    }
                    guard window.count - start <= maxHeaderBytes else { throw MultipartError.badHeaders("表单分段头过长") }
                    try await fill()
                }
                let text = end > start ? String(decoding: window[start..<end], as: UTF8.self) : ""
                start = end + 4
                partCount += 1
                guard partCount <= maxParts else { throw MultipartError.tooManyParts(maxParts) }
                state = .content
                return try Self.parseHeaders(text)
            }
        }
    }

    /// The next piece of the current part's content, or nil at its end.
    public mutating func nextChunk() async throws -> ArraySlice<UInt8>? {
        while true {
            guard state == .content else { return nil }
            if let at = find(delimiter) {
                let chunk = window[start..<at]
                start = at + delimiter.count
                state = .afterDelimiter
                return chunk.isEmpty ? nil : chunk
            }
            // Everything but a possible beginning of the delimiter can be handed out.
            let safe = window.count - start - (delimiter.count - 1)
            if safe > 0 {
                let chunk = window[start..<start + safe]
                start += safe
                return chunk
            }
            try await fill()
        }
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

    /// Appends the next chunk of the body to the window, dropping what was consumed.
    private mutating func fill() async throws {
        guard !ended, let buffer = try await iterator.next() else {
            ended = true
            throw MultipartError.truncated
        }
        if start > 0 {
            window.removeSubrange(0..<start)
            start = 0
        }
        bytesReceived += buffer.readableBytes
        buffer.withUnsafeReadableBytes { window.append(contentsOf: $0) }
    }

    /// The index of `needle` in the unread part of the window (memchr for its first byte, then memcmp).
    private func find(_ needle: [UInt8]) -> Int? {
        guard window.count - start >= needle.count, let first = needle.first else { return nil }
        return window.withUnsafeBytes { haystack -> Int? in
            needle.withUnsafeBytes { pattern -> Int? in
                let base = haystack.baseAddress!
                var at = start
                while haystack.count - at >= pattern.count {
                    guard let hit = memchr(base + at, Int32(first), haystack.count - at - pattern.count + 1) else {
                        return nil
                    }
                    let index = UnsafeRawPointer(hit) - base
                    if memcmp(hit, pattern.baseAddress!, pattern.count) == 0 { return index }
                    at = index + 1
                }
                return nil
            }
        }
    }

    /// Parses `Content-Disposition` and `Content-Type` of a part.
    static func parseHeaders(_ text: String) throws -> MultipartPartHeader {
        var name: String?
        var fileName: String?
        var extendedFileName: String?
        var contentType: String?
        for line in text.split(separator: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { throw MultipartError.badHeaders("表单分段头格式错误") }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            if key == "content-type" { contentType = value }
            guard key == "content-disposition" else { continue }
            for (parameter, parameterValue) in dispositionParameters(value) {
                switch parameter {
                case "name": name = parameterValue
                case "filename":
                    // Browsers (HTML's form encoding) send `"`, CR and LF in file names as %22, %0D and %0A.
                    fileName = parameterValue.replacingOccurrences(of: "%22", with: "\"")
                        .replacingOccurrences(of: "%0D", with: "\r").replacingOccurrences(of: "%0A", with: "\n")
                case "filename*":
                    // RFC 5987: charset'language'percent-encoded
                    let pieces = parameterValue.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
                    if pieces.count == 3, pieces[0].lowercased() == "utf-8" {
                        extendedFileName = String(pieces[2]).removingPercentEncoding
                    }
                default: break
                }
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
