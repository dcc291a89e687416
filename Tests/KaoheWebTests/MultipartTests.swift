import Foundation
import Hummingbird
import Testing

@testable import KaoheApplication
@testable import KaoheWeb

/// A body stream that hands out `bytes` in pieces of the given sizes (cycled), then optionally fails.
struct ChunkedBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let bytes: [UInt8]
    let sizes: [Int]
    var failAfter: Int? = nil

    struct Interrupted: Error {}

    struct AsyncIterator: AsyncIteratorProtocol {
        let bytes: [UInt8]
        let sizes: [Int]
        let failAfter: Int?
        var offset = 0
        var turn = 0

        mutating func next() async throws -> ByteBuffer? {
            if let failAfter, offset >= failAfter { throw Interrupted() }
            guard offset < bytes.count else { return nil }
            var size = Swift.max(1, sizes[turn % sizes.count])
            turn += 1
            if let failAfter { size = Swift.min(size, failAfter - offset) }
            let end = Swift.min(bytes.count, offset + size)
            defer { offset = end }
            return ByteBuffer(bytes: bytes[offset..<end])
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(bytes: bytes, sizes: sizes, failAfter: failAfter)
    }
}

/// Builds `multipart/form-data` bodies for tests.
enum MultipartBody {
    static let boundary = "----kaohe-test-boundary-7MA4YWxkTrZu0gW"

    static var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    /// Fields first, then the files; `close: false` leaves out the closing boundary (an interrupted upload).
    static func make(
        fields: [(String, String)] = [], files: [(field: String, name: String, bytes: [UInt8])] = [],
        close: Bool = true
    ) -> [UInt8] {
        var out: [UInt8] = []
        for (name, value) in fields {
            out += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        for file in files {
            let escaped = file.name.replacingOccurrences(of: "\"", with: "%22")
            out += Array(
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.field)\"; filename=\"\(escaped)\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                    .utf8)
            out += file.bytes
            out += Array("\r\n".utf8)
        }
        if close { out += Array("--\(boundary)--\r\n".utf8) }
        return out
    }
}

@Suite("Multipart: streaming form-data parser")
struct MultipartTests {
    struct Parsed: Equatable {
        var fields: [String: String] = [:]
        var files: [String: [UInt8]] = [:]
        var names: [String: String] = [:]
    }

    static func parse(_ body: [UInt8], sizes: [Int], boundary: String = MultipartBody.boundary) async throws -> Parsed {
        var reader = MultipartReader(body: ChunkedBody(bytes: body, sizes: sizes), boundary: boundary)
        var parsed = Parsed()
        while let part = try await reader.nextPart() {
            if let fileName = part.fileName {
                var bytes: [UInt8] = []
                while let chunk = try await reader.nextChunk() { bytes += chunk }
                parsed.files[part.name] = bytes
                parsed.names[part.name] = fileName
            } else {
                parsed.fields[part.name] = try await reader.text(name: part.name)
            }
        }
        return parsed
    }

    @Test("Fields and files come out whole, however the body is cut into pieces")
    func anyChunking() async throws {
        // Content that contains near-misses of the delimiter and CR LF pairs.
        let tricky = Array("a\r\n--\r\n----kaohe-test-boundary\r\n--x\r".utf8) + (0..<2000).map { UInt8($0 % 251) }
        let body = MultipartBody.make(
            fields: [("_csrf", "abc123"), ("item", "2.1"), ("text", "异议：第3项\r\n第二行")],
            files: [(field: "file", name: "报告 (1).pdf", bytes: tricky)])
        let expected = Parsed(
            fields: ["_csrf": "abc123", "item": "2.1", "text": "异议：第3项\r\n第二行"], files: ["file": tricky],
            names: ["file": "报告 (1).pdf"])
        for sizes in [[1], [2], [3], [7], [64], [1, 5, 13], [100_000], [37, 1, 1, 4096]] {
            #expect(try await Self.parse(body, sizes: sizes) == expected, "chunk sizes \(sizes)")
        }
    }

    @Test("A preamble and an epilogue are ignored; an empty file part has no bytes")
    func preambleAndEmpty() async throws {
        let inner = MultipartBody.make(fields: [("a", "1")], files: [(field: "file", name: "", bytes: [])])
        let body = Array("This is the preamble.\r\n".utf8) + inner + Array("epilogue".utf8)
        let parsed = try await Self.parse(body, sizes: [5])
        #expect(parsed.fields == ["a": "1"])
        #expect(parsed.files == ["file": []])
    }

    @Test("A body without its closing boundary is an interrupted upload")
    func truncated() async throws {
        let body = MultipartBody.make(
            files: [(field: "file", name: "a.pdf", bytes: Array(repeating: 0x41, count: 5000))], close: false)
        await #expect(throws: MultipartError.truncated) { try await Self.parse(body, sizes: [512]) }
        let cut = Array(MultipartBody.make(files: [(field: "file", name: "a.pdf", bytes: [1, 2, 3])]).prefix(60))
        await #expect(throws: MultipartError.truncated) { try await Self.parse(cut, sizes: [512]) }
    }

    @Test("The boundary of a Content-Type, quoted or not; other types have none")
    func boundaries() {
        typealias Reader = MultipartReader<ChunkedBody>
        #expect(Reader.boundary(contentType: "multipart/form-data; boundary=abc") == "abc")
        #expect(Reader.boundary(contentType: "Multipart/Form-Data;boundary=\"a b:c\"") == "a b:c")
        #expect(Reader.boundary(contentType: "multipart/form-data; charset=utf-8; boundary=xyz") == "xyz")
        #expect(Reader.boundary(contentType: "multipart/form-data") == nil)
        #expect(Reader.boundary(contentType: "application/x-www-form-urlencoded") == nil)
        #expect(
            Reader.boundary(contentType: "multipart/form-data; boundary=" + String(repeating: "x", count: 71)) == nil)
    }

    @Test("Content-Disposition: quoted names with escapes, RFC 5987 filename*, missing name refused")
    func dispositions() async throws {
        typealias Reader = MultipartReader<ChunkedBody>
        let a = try Reader.parseHeaders([("Content-Disposition", "form-data; name=\"file\"; filename=\"a\\\"b.pdf\"")])
        #expect(a.name == "file" && a.fileName == "a\"b.pdf")
        let b = try Reader.parseHeaders([
            (
                "content-disposition",
                "form-data; name=file; filename=\"x.pdf\"; filename*=UTF-8''%E6%8A%A5%E5%91%8A.pdf"
            ),
            ("Content-Type", "application/pdf"),
        ])
        #expect(b.fileName == "报告.pdf" && b.contentType == "application/pdf")
        let c = try Reader.parseHeaders([("Content-Disposition", "form-data; name=\"note\"")])
        #expect(c.name == "note" && c.fileName == nil)
        let windows = try Reader.parseHeaders([
            ("Content-Disposition", #"form-data; name="f"; filename="C:\x\y;1.pdf""#)
        ])
        #expect(windows.fileName == #"C:\x\y;1.pdf"#)
        #expect(throws: MultipartError.self) { try Reader.parseHeaders([("Content-Disposition", "form-data")]) }
        #expect(throws: MultipartError.self) { try Reader.parseHeaders([]) }
        // The same headers as multipart-kit's parser hands them over from a body.
        let body = Array(
            "--\(MultipartBody.boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.pdf\"; filename*=UTF-8''%E6%8A%A5%E5%91%8A.pdf\r\nContent-Type: application/pdf\r\n\r\n%PDF\r\n--\(MultipartBody.boundary)--\r\n"
                .utf8)
        let parsed = try await Self.parse(body, sizes: [3])
        #expect(parsed.names == ["file": "报告.pdf"] && parsed.files == ["file": Array("%PDF".utf8)])
    }

    @Test("Cut anywhere before its closing boundary, a body is an interrupted upload; from there on it is whole")
    func truncatedAtEveryByte() async throws {
        let file = Array("%PDF-1.4 \r\n--\r\n".utf8) + (0..<200).map { UInt8($0) }
        let body = MultipartBody.make(
            fields: [("item", "2.1"), ("text", "说明")], files: [(field: "file", name: "a.pdf", bytes: file)])
        let expected = Parsed(fields: ["item": "2.1", "text": "说明"], files: ["file": file], names: ["file": "a.pdf"])
        // multipart-kit takes `--boundary-` for the closing delimiter (it reads one hyphen of the two).
        let closing = Array("\r\n--\(MultipartBody.boundary)-".utf8)
        let closed = try #require(body.indices.last { body[$0...].starts(with: closing) }) + closing.count
        for cut in 0...body.count {
            let prefix = Array(body.prefix(cut))
            if cut < closed {
                await #expect(throws: MultipartError.truncated, "cut at \(cut) of \(body.count)") {
                    try await Self.parse(prefix, sizes: [5, 1, 64])
                }
            } else {
                #expect(try await Self.parse(prefix, sizes: [5, 1, 64]) == expected, "cut at \(cut)")
            }
        }
    }

    @Test("A body that breaks the format is malformed; headers without end and bodies without boundary are refused")
    func malformed() async throws {
        let b = MultipartBody.boundary
        let broken: [String] = [
            "--\(b)\r\nContent-Disposition form-data; name=\"a\"\r\n\r\n1\r\n--\(b)--\r\n",  // header without colon
            "--\(b)\r\nContent-Disposition: form-data; name=\"a\"\n\r\n1\r\n--\(b)--\r\n",  // bare LF
            "--\(b)\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--\(b)X\r\n--\(b)--\r\n",  // boundary + X
            "--\(b)--\r\n",  // no part at all
        ]
        for text in broken {
            await #expect(throws: MultipartError.malformed, "\(text.debugDescription)") {
                try await Self.parse(Array(text.utf8), sizes: [4096])
            }
        }
        let longHeader = Array(
            "--\(b)\r\nContent-Disposition: form-data; name=\"a\"\r\nX-Long: \(String(repeating: "x", count: 40_000))"
                .utf8)
        await #expect(throws: MultipartError.badHeaders("表单分段头过长")) {
            try await Self.parse(longHeader, sizes: [1000])
        }
        let manyHeaders = Array(
            ("--\(b)\r\nContent-Disposition: form-data; name=\"a\"\r\n"
                + String(repeating: "X-Many: \(String(repeating: "y", count: 100))\r\n", count: 500)).utf8)
        await #expect(throws: MultipartError.badHeaders("表单分段头过长")) {
            try await Self.parse(manyHeaders, sizes: [1000])
        }
        let noBoundary = [UInt8](repeating: 0x41, count: 1_100_000)
        await #expect(throws: MultipartError.badHeaders("找不到 boundary")) {
            try await Self.parse(noBoundary, sizes: [65536])
        }
        let parts = MultipartBody.make(fields: (0..<65).map { ("f\($0)", "v") })
        await #expect(throws: MultipartError.tooManyParts(64)) { try await Self.parse(parts, sizes: [4096]) }
        let most = MultipartBody.make(fields: (0..<64).map { ("f\($0)", "v") })
        #expect(try await Self.parse(most, sizes: [4096]).fields.count == 64)
    }

    @Test("A malformed upload is answered 400 with the reason in Chinese and stores nothing")
    func malformedUpload() async throws {
        try await EvidenceWorld.run { w, client in
            let reporter = try await w.browser(client, "reporter")
            let b = MultipartBody.boundary
            let body = Array(
                "--\(b)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\nContent-Type application/pdf\r\n\r\n%PDF-1.4\r\n--\(b)--\r\n"
                    .utf8)
            let response = try await reporter.upload(w.uploadURL(), name: "", bytes: [], body: body)
            #expect(response.status == .badRequest)
            #expect(
                response.text.contains("上传格式错误") && response.text.contains("multipart/form-data"),
                "\(response.text.prefix(400))")
            w.expectClean(blobs: 0)
            #expect(try await w.records().isEmpty)
            // The same file in a well-formed body is stored.
            #expect(try await reporter.upload(w.uploadURL(), name: "a.pdf", bytes: Samples.pdf).status == .seeOther)
            w.expectClean(blobs: 1)
        }
    }

    @Test("A text field over its limit is refused")
    func fieldLimit() async throws {
        let body = MultipartBody.make(fields: [("text", String(repeating: "长", count: 30_000))])
        var reader = MultipartReader(body: ChunkedBody(bytes: body, sizes: [4096]), boundary: MultipartBody.boundary)
        let part = try #require(try await reader.nextPart())
        do {
            _ = try await reader.text(name: part.name)
            Issue.record("a 90 KB field was accepted")
        } catch let error as MultipartError {
            #expect(error == .fieldTooLong(name: "text", limit: 64 * 1024))
        }
    }
}
