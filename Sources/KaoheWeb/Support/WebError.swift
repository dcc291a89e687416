import Hummingbird
import KaoheStorage

/// The errors of the web layer. Each becomes an `HTTPError` with a clear Chinese message; pages show it in
/// an error page, the API as JSON.
public enum WebError: Error, Sendable, Equatable {
    /// Not logged in (pages redirect to the login page, the API answers 401).
    case notLoggedIn
    /// Logged in, but the role does not allow this.
    case forbidden(String)
    /// A POST without the right CSRF token.
    case csrf
    /// Bad input: what and where.
    case badRequest(String)
    /// Bad input with one message per line (CSV import).
    case lineErrors([LineError])
    /// Something named does not exist.
    case notFound(String)
    /// A conflict (duplicate, version conflict).
    case conflict(String)
    /// Login refused.
    case loginFailed(String)

    /// The HTTP status.
    public var status: HTTPResponse.Status {
        switch self {
        case .notLoggedIn, .loginFailed: .unauthorized
        case .forbidden, .csrf: .forbidden
        case .badRequest, .lineErrors: .badRequest
        case .notFound: .notFound
        case .conflict: .conflict
        }
    }

    /// The Chinese message.
    public var message: String {
        switch self {
        case .notLoggedIn: "请先登录"
        case .forbidden(let what): "无权操作：\(what)"
        case .csrf: "表单已失效（缺少或错误的 CSRF 令牌），请刷新页面后重试"
        case .badRequest(let message): message
        case .lineErrors(let errors): "导入失败，共\(errors.count)处错误：" + errors.map(\.description).joined(separator: "；")
        case .notFound(let what): "未找到：\(what)"
        case .conflict(let message): message
        case .loginFailed(let message): message
        }
    }

    /// Maps a storage error to the web error a user should see.
    public init(_ error: StorageError) {
        switch error {
        case .notFound: self = .notFound(error.description)
        case .duplicate, .versionConflict: self = .conflict(error.description)
        case .locked, .invalidState, .invalidTransition: self = .conflict(error.description)
        case .invalid: self = .badRequest(error.description)
        case .unexpectedCall, .database: self = .badRequest(error.description)
        }
    }

    /// The same error as Hummingbird's `HTTPError`.
    public var httpError: HTTPError { HTTPError(status, message: message) }
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
