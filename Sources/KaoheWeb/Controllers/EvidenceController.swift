import Foundation
import Hummingbird
import KaoheApplication
import KaoheExport
import KaoheStorage
import NIOCore
import NIOPosix

/// Evidence (佐证材料): upload (multipart, streamed to the evidence store), download, withdraw, the printable
/// index (佐证材料目录清单) and the ZIP package with the self-check report (自查报告).
struct EvidenceController {
    let deps: AppDependencies

    func register(on router: Router<AppContext>) {
        router.post(SiteURL.evidenceUpload(.key, .key, .key).routerPath) { request, context -> Response in
            let user = try context.requireUser()
            let id = try context.parameters.require("id"), unit = try context.parameters.require("unit")
            let item = try context.parameters.require("item")
            guard request.headers[.contentType].flatMap(MultipartReader<RequestBody>.boundary) != nil else {
                // Checked after the access checks, so a refused user learns nothing more.
                _ = try await EvidenceOperations(deps).prepareUpload(id, unit: unit, item: item, for: user)
                throw AppError.invalid("请以 multipart/form-data 表单选择文件上传")
            }
            let ops = EvidenceOperations(deps)
            let (scope, _, purpose) = try await ops.prepareUpload(id, unit: unit, item: item, for: user)
            let received = try await ops.receive(request, maxFiles: 1)
            defer { received.discard() }
            guard let file = received.files.first else { throw AppError.invalid("请选择要上传的文件") }
            let stored = try await ops.record(file, scope: scope, item: item, purpose: purpose, by: user)
            return Self.back(received.fields["return"], scope: scope, item: stored.itemID)
        }
        router.get(SiteURL.evidenceFile(.key).routerPath) { _, context -> Response in
            let user = try context.requireUser()
            let (file, path) = try await EvidenceOperations(deps).file(
                try context.parameters.require("evidence"), for: user)
            var headers = HTTPFields()
            headers[.contentType] = file.contentType
            headers[.contentDisposition] = HTTPDownload.contentDisposition(fileName: file.fileName)
            headers[.contentLength] = String(file.size)
            headers[.cacheControl] = "private, no-store"
            headers[.xContentTypeOptions] = "nosniff"
            return Response(
                status: .ok, headers: headers, body: try await FileIO().loadFile(path: path, context: context))
        }
        router.post(SiteURL.evidenceWithdraw(.key).routerPath) { _, context -> Response in
            let user = try context.requireUser()
            let (file, scope) = try await EvidenceOperations(deps).withdraw(
                try context.parameters.require("evidence"), reason: context.form["reason"] ?? "", by: user)
            return Self.back(context.form["return"], scope: scope, item: file.itemID)
        }
        router.get(SiteURL.evidenceIndex(.key, .key).routerPath) { _, context -> HTML in
            let user = try context.requireUser()
            let index = try await EvidenceOperations(deps).index(
                try context.parameters.require("id"), unit: try context.parameters.require("unit"), for: user)
            return EvidenceViews.indexPage(index, identity: context.identity!, csrf: context.csrfToken)
        }
        router.get(SiteURL.evidencePackage(.key, .key).routerPath) { _, context -> Response in
            let user = try context.requireUser()
            let report = try await EvidenceOperations(deps).package(
                try context.parameters.require("id"), unit: try context.parameters.require("unit"), for: user)
            var headers = HTTPFields()
            headers[.contentType] = HTTPDownload.zipContentType
            let scope = report.index.scope
            headers[.contentDisposition] = HTTPDownload.contentDisposition(
                fileName: "\(scope.unit.name)-\(scope.assessment.year)年度-自查报告和佐证材料.zip")
            headers[.cacheControl] = "private, no-store"
            let store = deps.evidence
            return Response(
                status: .ok, headers: headers,
                body: ResponseBody { writer in
                    try await EvidencePackage.write(report, store: store, to: &writer)
                    try await writer.finish(nil)
                })
        }
    }

    /// A 303 back to the page the form came from (a local path only), else to the unit's self-assessment
    /// (its reporter) or review page (everyone else), at the item.
    static func back(_ target: String?, scope: EvidenceScope, item: String) -> Response {
        if let target, target.hasPrefix("/"), !target.hasPrefix("//"), !target.contains("\\"),
            !target.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
        {
            return .redirect(to: target, type: .normal)
        }
        let a = Parameter.value(scope.assessment.id), u = Parameter.value(scope.unit.id)
        let page: SiteURL = scope.access == .unitReporter ? .selfAssessment(a, u) : .review(a, u)
        return .redirect(to: page.path + "#item-" + SiteURL.encode(item), type: .normal)
    }
}

/// Writes the ZIP package of a unit into a response body: `自查报告.html`, `佐证材料目录清单.html`, then every
/// current evidence file as `<项目序号>_<项目编号>/<材料编号>_<文件名>`, stored (no compression; the files
/// are mostly compressed already). File entries are streamed from disk in 256 KB pieces after a first pass
/// that computes their CRC-32, so memory stays small whatever the files' sizes.
enum EvidencePackage {
    /// Piece size for reading files.
    static let chunk = 256 * 1024

    /// The entry name of a numbered file.
    static func entryName(item number: Int, itemID: String, file fileNumber: String, name: String) -> String {
        "\(number)_\(EvidenceNames.zipComponent(itemID))/\(fileNumber)_\(EvidenceNames.zipComponent(name))"
    }

    static func write(_ report: SelfCheckReport, store: EvidenceStore, to writer: inout any ResponseBodyWriter)
        async throws
    {
        final class Pending: @unchecked Sendable { var data: [Data] = [] }
        let pending = Pending()
        let zip = ZipWriter(output: { pending.data.append($0) })
        func flush(_ writer: inout any ResponseBodyWriter) async throws {
            for piece in pending.data { try await writer.write(ByteBuffer(bytes: piece)) }
            pending.data.removeAll()
        }
        let now = report.index.generatedAt
        try zip.addEntry(named: "自查报告.html", data: Data(EvidenceViews.selfCheckDocument(report).utf8), modified: now)
        try zip.addEntry(
            named: "佐证材料目录清单.html", data: Data(EvidenceViews.indexDocument(report.index).utf8), modified: now)
        try await flush(&writer)
        for entry in report.index.entries {
            for (number, file) in entry.files {
                let path = try store.path(for: file.sha256)
                let crc = try await checksum(path)
                try zip.beginEntry(
                    named: entryName(item: entry.number, itemID: entry.itemID, file: number, name: file.fileName),
                    size: UInt64(file.size), crc: crc, modified: file.uploadedAt)
                try await flush(&writer)
                let reader = try PieceReader(path: path)
                defer { reader.close() }
                while let piece = try await reader.next() {
                    try zip.writeEntryData(piece)
                    try await flush(&writer)
                }
            }
        }
        _ = try zip.finish()
        try await flush(&writer)
    }

    /// The CRC-32 of a file, read piece by piece.
    static func checksum(_ path: String) async throws -> UInt32 {
        var crc: UInt32 = 0
        let reader = try PieceReader(path: path)
        defer { reader.close() }
        while let piece = try await reader.next() { crc = CRC32.checksum(piece, initial: crc) }
        return crc
    }

    /// Reads a file in pieces on NIO's blocking thread pool (off the event loops and the task executor).
    final class PieceReader: @unchecked Sendable {
        let handle: FileHandle

        init(path: String) throws {
            guard let handle = FileHandle(forReadingAtPath: path) else {
                throw HTTPError(.internalServerError, message: EvidenceStoreError.io("无法读取 \(path)").description)
            }
            self.handle = handle
        }

        func next() async throws -> Data? {
            let piece = try await NIOThreadPool.singleton.runIfActive { [handle] in
                try handle.read(upToCount: EvidencePackage.chunk) ?? Data()
            }
            return piece.isEmpty ? nil : piece
        }

        func close() { try? handle.close() }
    }
}
