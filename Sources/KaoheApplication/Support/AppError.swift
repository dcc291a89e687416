import KaoheStorage

/// The errors of the application layer, in the words a user should read (Chinese). They carry no HTTP status:
/// the web layer maps each case to one, the command line prints the message. Database details never reach a
/// user: ``init(_:)`` turns them into ``internalFailure(_:)`` with a generic message.
public enum AppError: Error, Sendable, Equatable {
    /// Not logged in.
    case notLoggedIn
    /// Logged in, but the roles do not allow this; the text says what was refused.
    case forbidden(String)
    /// Bad input: what and where.
    case invalid(String)
    /// Bad input with one message per line (CSV import).
    case lineErrors([LineError])
    /// Something named does not exist (or may not be seen).
    case notFound(String)
    /// A conflict with the current state (duplicate, version conflict, wrong stage).
    case conflict(String)
    /// Login refused.
    case loginFailed(String)
    /// Too many attempts; try again later.
    case throttled(String)
    /// The input is larger than accepted.
    case tooLarge(String)
    /// A file whose content is not an accepted type.
    case unsupportedType(String)
    /// Something on the server is missing or broken that the user cannot fix; the text says what, for them.
    case unavailable(String)
    /// Something failed that the user cannot fix (the database). The text is for the log only.
    case internalFailure(String)

    /// The Chinese message.
    public var message: String {
        switch self {
        case .notLoggedIn: "请先登录"
        case .forbidden(let what): "无权操作：\(what)"
        case .invalid(let message): message
        case .lineErrors(let errors): "导入失败，共\(errors.count)处错误：" + errors.map(\.description).joined(separator: "；")
        case .notFound(let what): "未找到：\(what)"
        case .conflict(let message), .loginFailed(let message), .throttled(let message): message
        case .tooLarge(let message), .unsupportedType(let message), .unavailable(let message): message
        case .internalFailure: "服务器内部错误，请联系管理员"
        }
    }

    /// Maps a storage error to the error a user should see; database messages stay out of it.
    public init(_ error: StorageError) {
        switch error {
        case .notFound: self = .notFound(error.description)
        case .duplicate, .versionConflict: self = .conflict(error.description)
        case .locked, .invalidState, .invalidTransition, .publishRequired, .openObjections, .objectionWindowOpen,
            .unchangedResults, .refused:
            self = .conflict(error.description)
        case .invalid: self = .invalid(error.description)
        case .unexpectedCall, .database: self = .internalFailure(error.description)
        }
    }
}

/// One error in an uploaded text file, with its 1-based line number.
public struct LineError: Error, Sendable, Equatable, Codable, CustomStringConvertible {
    /// The line (1 = the header line).
    public var line: Int
    /// What is wrong.
    public var message: String

    /// Creates a line error.
    public init(line: Int, message: String) {
        self.line = line
        self.message = message
    }

    /// `第N行：message`.
    public var description: String { "第\(line)行：\(message)" }
}
