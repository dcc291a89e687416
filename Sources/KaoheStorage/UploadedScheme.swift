import Foundation

/// A scheme file uploaded by an organizer, kept verbatim (the YAML text) so it can be shown and used like a
/// built-in scheme. Ids share one namespace with the built-in schemes.
public struct UploadedScheme: Sendable, Codable, Equatable {
    /// The scheme's id, from the file (`id:`).
    public var id: String
    /// The scheme's title, from the file.
    public var title: String
    /// The name of the uploaded file (or "粘贴的内容").
    public var fileName: String
    /// The YAML text as uploaded.
    public var yaml: String
    /// Who uploaded it.
    public var uploadedBy: UserID?
    /// When.
    public var uploadedAt: Date

    /// Creates an uploaded scheme value.
    public init(id: String, title: String, fileName: String, yaml: String, uploadedBy: UserID?, uploadedAt: Date) {
        self.id = id
        self.title = title
        self.fileName = fileName
        self.yaml = yaml
        self.uploadedBy = uploadedBy
        self.uploadedAt = uploadedAt
    }
}
