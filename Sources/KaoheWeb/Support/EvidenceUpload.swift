import Foundation
import Hummingbird
import KaoheApplication
import KaoheStorage
import NIOPosix

/// A `multipart/form-data` request read to its end: its text fields and its files (staged).
public struct ReceivedUpload: Sendable {
    /// The text fields (`_csrf`, `item`, `text`, `note`, …), each at most 64 KB.
    public var fields: FormData
    /// The files, in the order sent (empty file inputs are left out).
    public var files: [ReceivedFile]

    /// Removes the temporary files of those not recorded.
    public func discard() { for file in files { file.staged.discard() } }
}

extension EvidenceOperations {
    /// Reads a `multipart/form-data` request to its end: text fields are collected (64 KB each), each file
    /// part (at most `maxFiles`) is streamed into the evidence store's temporary folder while its SHA-256
    /// is computed, then its type is decided from its content. Nothing is kept when anything goes wrong:
    /// too large (413, checked on Content-Length first and while streaming), a refused type (415), an
    /// interrupted or malformed body (400).
    public func receive(_ request: Request, maxFiles: Int = 1) async throws -> ReceivedUpload {
        let contentType = request.headers[.contentType] ?? ""
        guard let boundary = MultipartReader<RequestBody>.boundary(contentType: contentType) else {
            throw AppError.invalid(
                "请以 multipart/form-data 表单上传文件（当前：\(contentType.isEmpty ? "无 Content-Type" : contentType)）")
        }
        let declared = request.headers[.contentLength].flatMap { Int($0) }
        return try await receive(
            body: request.body, boundary: boundary, declaredLength: declared, maxFiles: maxFiles)
    }

    /// ``receive(_:maxFiles:)`` over any body stream (tests feed streams that fail half way).
    public func receive<Body: AsyncSequence>(
        body: Body, boundary: String, declaredLength: Int?, maxFiles: Int = 1
    ) async throws -> ReceivedUpload where Body.Element == ByteBuffer {
        let limit = files.maxFileSize
        var reader = MultipartReader(body: body, boundary: boundary)
        var upload = ReceivedUpload(fields: FormData(), files: [])
        // A body much longer than `maxFiles` files at the limit cannot be accepted: say so at once, naming
        // the first file (its headers come early), without storing anything.
        let slack = 1 << 20
        let tooLong = declaredLength.map { $0 > limit * maxFiles + slack } ?? false
        do {
            while let part = try await reader.nextPart() {
                guard let rawName = part.fileName else {
                    guard !tooLong else { continue }
                    upload.fields.pairs.append((part.name, try await reader.text(name: part.name)))
                    continue
                }
                if tooLong {
                    throw AppError.tooLarge(
                        "文件“\(EvidenceNames.clean(rawName))”过大：本次上传共 \(EvidenceFormat.size(declaredLength ?? 0))，"
                            + "超过单个文件 \(EvidenceFormat.size(limit)) 的上限，未保存。请压缩或拆分后再上传。")
                }
                let name = EvidenceNames.clean(rawName)
                let staged = try files.stage()
                do {
                    while let chunk = try await reader.nextChunk() { try staged.write(chunk) }
                } catch EvidenceStoreError.tooLarge {
                    staged.discard()
                    throw AppError.tooLarge("文件“\(name)”超过单个文件 \(EvidenceFormat.size(limit)) 的上限，未保存。请压缩或拆分后再上传。")
                } catch {
                    staged.discard()
                    throw error
                }
                if staged.size == 0 && rawName.isEmpty {
                    staged.discard()  // an empty file input
                    continue
                }
                guard upload.files.count < maxFiles else {
                    staged.discard()
                    throw AppError.invalid(maxFiles == 1 ? "一次只能上传一个文件" : "一次最多上传 \(maxFiles) 个文件")
                }
                // fsync and the content checks read the disk: off the task executor, on NIO's blocking pool.
                let (sha256, verdict) = try await NIOThreadPool.singleton.runIfActive {
                    () throws -> (String, SniffResult) in
                    let digest = try staged.finish()
                    return (
                        digest, ContentSniffer.sniff(path: staged.temporaryPath, size: staged.size, head: staged.head)
                    )
                }
                switch verdict {
                case .refused(let what):
                    staged.discard()
                    throw AppError.unsupportedType(
                        "文件“\(name)”的内容是\(what)，不是允许上传的类型，未保存。可上传：\(EvidenceKind.acceptedSummary)。")
                case .accepted(let kind):
                    upload.files.append(
                        ReceivedFile(
                            field: part.name, fileName: EvidenceNames.fitting(name, to: kind), kind: kind,
                            size: staged.size, sha256: sha256, staged: staged))
                }
            }
            if tooLong {
                throw AppError.tooLarge(
                    "上传内容共 \(EvidenceFormat.size(declaredLength ?? 0))，超过单个文件 \(EvidenceFormat.size(limit)) 的上限，未保存。"
                )
            }
        } catch let error as MultipartError {
            upload.discard()
            throw AppError.invalid(error.description)
        } catch {
            upload.discard()
            throw error
        }
        return upload
    }

    /// The whole upload of one file to an item: checks first, then reads the body, stores and records.
    public func upload(_ request: Request, assessment id: String, unit: String, item: String, by user: User)
        async throws -> (EvidenceFile, EvidenceScope)
    {
        let (scope, schemeItem, purpose) = try await prepareUpload(id, unit: unit, item: item, for: user)
        let received = try await receive(request, maxFiles: 1)
        defer { received.discard() }
        guard let file = received.files.first else { throw AppError.invalid("请选择要上传的文件") }
        return (try await record(file, scope: scope, item: schemeItem.id, purpose: purpose, by: user), scope)
    }

    /// For the objection form (multipart): checks that `user` is the unit's reporter and the assessment is
    /// in 公示, then reads the request (its text fields such as `item` and `text`, and at most `maxFiles`
    /// files) and runs `body`. Files that `body` did not store with ``storeObjectionEvidence(_:assessment:unit:item:by:)``
    /// are removed afterwards.
    public func withObjectionUpload<T: Sendable>(
        _ request: Request, assessment id: String, unit: String, by user: User, maxFiles: Int = 5,
        _ body: (ReceivedUpload) async throws -> T
    ) async throws -> T {
        _ = try await objectionScope(id, unit: unit, for: user)
        let received = try await receive(request, maxFiles: maxFiles)
        defer { received.discard() }
        return try await body(received)
    }

}
