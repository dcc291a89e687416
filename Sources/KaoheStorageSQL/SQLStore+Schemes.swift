import Foundation
import KaoheStorage
import SQLKit

/// What the audit log keeps of an uploaded scheme: its identity and the SHA-256 of the text, not the text.
struct AuditedScheme: Encodable {
    let id: String, title: String, fileName: String, sha256: String, bytes: Int
    init(_ scheme: UploadedScheme) {
        id = scheme.id
        title = scheme.title
        fileName = scheme.fileName
        sha256 = SHA256.hex(scheme.yaml)
        bytes = scheme.yaml.utf8.count
    }
}

extension SQLStore {
    public func saveScheme(_ scheme: UploadedScheme, by actor: AuditActor) async throws {
        try requireText(scheme.id, field: "方案编号")
        try requireText(scheme.title, field: "方案名称")
        try requireText(scheme.yaml, field: "方案文件")
        try await transaction { db in
            if try await db.raw("SELECT id FROM schemes WHERE id = \(bind: scheme.id)").first() != nil {
                throw StorageError.duplicate(what: "考核方案", value: scheme.id)
            }
            try await db.raw(
                """
                INSERT INTO schemes (id, title, file_name, yaml, uploaded_by, uploaded_at)
                VALUES (\(bind: scheme.id), \(bind: scheme.title), \(bind: scheme.fileName), \(bind: scheme.yaml),
                \(bind: scheme.uploadedBy?.rawValue), \(bind: Self.seconds(scheme.uploadedAt)))
                """
            ).run()
            try await self.audit(
                db, actor, entity: "scheme:\(scheme.id)", action: "upload", old: nil,
                new: Self.json(AuditedScheme(scheme)))
        }
    }

    public func uploadedSchemes() async throws -> [UploadedScheme] {
        try await read { db in
            try await db.raw("SELECT * FROM schemes ORDER BY id").all().map(Self.uploadedScheme)
        }
    }

    public func uploadedScheme(_ id: String) async throws -> UploadedScheme? {
        try await read { db in
            try await db.raw("SELECT * FROM schemes WHERE id = \(bind: id)").first().map(Self.uploadedScheme)
        }
    }

    static func uploadedScheme(_ row: any SQLRow) throws -> UploadedScheme {
        UploadedScheme(
            id: try row.decode(column: "id", as: String.self), title: try row.decode(column: "title", as: String.self),
            fileName: try row.decode(column: "file_name", as: String.self),
            yaml: try row.decode(column: "yaml", as: String.self),
            uploadedBy: try row.decode(column: "uploaded_by", as: String?.self).map(UserID.init),
            uploadedAt: date(try row.decode(column: "uploaded_at", as: Int.self)))
    }
}
