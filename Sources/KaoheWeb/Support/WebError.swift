import Hummingbird
import KaoheApplication
import KaoheStorage

/// The errors only the web layer raises (about requests, not about the domain).
public enum WebError: Error, Sendable, Equatable {
    /// A POST without the right CSRF token.
    case csrf

    /// The HTTP status.
    public var status: HTTPResponse.Status {
        switch self {
        case .csrf: .forbidden
        }
    }

    /// The Chinese message.
    public var message: String {
        switch self {
        case .csrf: "表单已失效（缺少或错误的 CSRF 令牌），请刷新页面后重试"
        }
    }
}

extension AppError {
    /// The HTTP status of each application error.
    public var status: HTTPResponse.Status {
        switch self {
        case .notLoggedIn, .loginFailed: .unauthorized
        case .forbidden: .forbidden
        case .invalid, .lineErrors: .badRequest
        case .notFound: .notFound
        case .conflict: .conflict
        case .throttled: .tooManyRequests
        case .tooLarge: .contentTooLarge
        case .unsupportedType: .unsupportedMediaType
        case .unavailable, .internalFailure: .internalServerError
        }
    }

    /// The same error as Hummingbird's `HTTPError`.
    public var httpError: HTTPError { HTTPError(status, message: message) }
}
