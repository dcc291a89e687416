import Foundation
import Hummingbird
import KaoheApplication
import KaoheStorage
import Logging
import NIOCore

/// Names of the cookies the app sets.
enum CookieName {
    /// The session token.
    static let session = "kaohe_session"
    /// The CSRF token of the login form (before there is a session).
    static let loginCSRF = "kaohe_csrf"
}

func isAPI(_ request: Request) -> Bool { request.uri.path.hasPrefix("/api/") }

/// Turns every error into a response: pages get a Chinese error page (or a redirect to the login page),
/// the API gets `{"error": {"status": …, "message": …}}`. Also adds security headers to every response.
struct ErrorAndHeadersMiddleware: RouterMiddleware {
    typealias Context = AppContext
    /// The router's routes, for 405 on a known path with another method.
    var routes = RouteTable()

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response)
        async throws -> Response
    {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPError
            where error.status == .notFound && error.body == nil
            && !routes.methods(for: request.uri.path).isEmpty
        {
            // A path the router knows, asked with a method none of its routes answers.
            response = Self.response(
                for: HTTPError(.methodNotAllowed, message: Self.defaultMessage(.methodNotAllowed)), request: request,
                context: context)
            response.headers[.allow] = routes.methods(for: request.uri.path).map(\.rawValue).joined(separator: ", ")
        } catch {
            response = Self.response(for: error, request: request, context: context)
        }
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.init("X-Frame-Options")!] = "DENY"
        response.headers[.contentSecurityPolicy] =
            "default-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'"
        response.headers[.init("Referrer-Policy")!] = "same-origin"
        return response
    }

    static func appError(for error: any Error) -> AppError? {
        if let error = error as? AppError { return error }
        if let error = error as? StorageError { return AppError(error) }
        return nil
    }

    static func response(for error: any Error, request: Request, context: AppContext) -> Response {
        let status: HTTPResponse.Status
        let message: String
        var details: [LineError] = []
        if let appError = appError(for: error) {
            if appError == .notLoggedIn && !isAPI(request) {
                let next = request.uri.path == SiteURL.home.path ? [] : [("next", request.uri.description)]
                return .redirect(to: SiteURL.login.path(query: next), type: .normal)
            }
            if case .internalFailure(let detail) = appError {
                context.logger.error("内部错误：\(detail)")
            }
            status = appError.status
            message = appError.message
            if case .lineErrors(let errors) = appError { details = errors }
        } else if let webError = error as? WebError {
            status = webError.status
            message = webError.message
        } else if error is NIOTooManyBytesError {
            status = .contentTooLarge
            message = AppContext.tooLargeMessage(limit: context.maxUploadSize)
        } else if let error = error as? HTTPError {
            status = error.status
            message = error.body ?? Self.defaultMessage(status)
        } else {
            context.logger.error("未处理的错误：\(String(reflecting: error))")
            status = .internalServerError
            message = "服务器内部错误，请联系管理员"
        }
        if isAPI(request) {
            struct Body: Encodable {
                struct Inner: Encodable {
                    let status: Int
                    let message: String
                    let details: [LineError]?
                }
                let error: Inner
            }
            let body = Body(
                error: .init(status: status.code, message: message, details: details.isEmpty ? nil : details))
            let data = (try? JSONEncoder().encode(body)) ?? Data()
            var headers = HTTPFields()
            headers[.contentType] = "application/json; charset=utf-8"
            if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer realm=\"kaohe\"" }
            return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        let page = Views.errorPage(status: status, message: message, details: details, identity: context.identity)
        return (try? page.with(status: status).response(from: request, context: context)) ?? Response(status: status)
    }

    static func defaultMessage(_ status: HTTPResponse.Status) -> String {
        switch status {
        case .notFound: "页面不存在"
        case .methodNotAllowed: "不支持该请求方法"
        case .contentTooLarge: "上传内容过大"
        default: status.reasonPhrase
        }
    }
}

/// Pages: loads the identity from the session cookie, then parses the form of every POST and refuses it
/// unless it carries the CSRF token of the session (or, before login, of the login cookie). A
/// `multipart/form-data` POST (file uploads) is not read here: its token must come in the `X-CSRF-Token`
/// header or the `_csrf` query parameter, and its route streams the body.
struct SessionAndCSRFMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let deps: AppDependencies

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response)
        async throws -> Response
    {
        guard !isAPI(request) else { return try await next(request, context) }
        var context = context
        var request = request
        let loginCookie = request.cookies[CookieName.loginCSRF]?.value ?? ""
        var sentToken = ""
        if request.method == .post,
            MultipartReader<RequestBody>.boundary(contentType: request.headers[.contentType] ?? "") != nil
        {
            // File uploads are streamed by their route, never collected here: their token comes in the
            // `X-CSRF-Token` header or the `_csrf` query parameter and is checked before the body is read.
            sentToken =
                request.headers[.init("X-CSRF-Token")!]
                ?? request.uri.queryParameters["_csrf"].map(String.init) ?? ""
            guard !sentToken.isEmpty else { throw WebError.csrf }
        } else if request.method == .post {
            let contentType = request.headers[.contentType] ?? ""
            guard contentType.hasPrefix("application/x-www-form-urlencoded") else {
                throw AppError.invalid("表单格式不支持：\(contentType.isEmpty ? "缺少 Content-Type" : contentType)")
            }
            let buffer = try await context.collectBody(request)
            context.form = FormData(urlEncoded: String(buffer: buffer))
            request.body = .init(buffer: buffer)
            sentToken = context.form["_csrf"] ?? ""
            // Checked before the session is even looked up: a forged POST never reaches storage.
            guard !sentToken.isEmpty else { throw WebError.csrf }
        }
        if let token = request.cookies[CookieName.session]?.value, !token.isEmpty {
            context.identity = try await AuthService(deps).identity(sessionToken: token)
        }
        context.csrfToken = context.identity?.session?.csrfToken ?? ""
        if request.method == .post {
            let matchesSession = !context.csrfToken.isEmpty && constantTimeEqual(sentToken, context.csrfToken)
            // Without a (valid) session only the login form's own cookie token counts; with one, the login
            // form may still use it (a stale tab), every other form needs the session's token.
            let matchesLoginCookie =
                !loginCookie.isEmpty && constantTimeEqual(sentToken, loginCookie)
                && (context.identity == nil || request.uri.path == SiteURL.login.path)
            guard matchesSession || matchesLoginCookie else { throw WebError.csrf }
        }
        return try await next(request, context)
    }
}

/// API: loads the identity from `Authorization: Bearer …`.
struct BearerMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let deps: AppDependencies

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response)
        async throws -> Response
    {
        guard isAPI(request) else { return try await next(request, context) }
        var context = context
        if let header = request.headers[.authorization] {
            guard header.hasPrefix("Bearer "),
                case let secret = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces),
                !secret.isEmpty
            else { throw AppError.invalid("Authorization 头应为“Bearer 令牌”") }
            guard let identity = try await AuthService(deps).identity(bearer: secret) else {
                throw HTTPError(.unauthorized, message: "令牌无效或已过期")
            }
            context.identity = identity
        }
        return try await next(request, context)
    }
}

/// Compares two secrets without leaking where they differ through timing.
func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8), y = Array(b.utf8)
    guard x.count == y.count else { return false }
    var difference: UInt8 = 0
    for index in x.indices { difference |= x[index] ^ y[index] }
    return difference == 0
}
