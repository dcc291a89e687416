import Foundation
import Hummingbird
import KaoheApplication
import KaoheStorage

/// Login, logout, password change, and the home redirect.
struct AuthController {
    let deps: AppDependencies

    func register(on router: Router<AppContext>) {
        router.get(SiteURL.home.routerPath) { _, context -> Response in
            .redirect(to: context.identity == nil ? SiteURL.login : SiteURL.dashboard)
        }
        router.get(SiteURL.login.routerPath) { request, context -> Response in
            if context.identity != nil { return .redirect(to: .dashboard) }
            return try loginPage(
                request: request, context: context, username: "",
                next: safeNext(request.uri.queryParameters["next"].map(String.init)), error: nil, status: .ok)
        }
        router.post(SiteURL.login.routerPath) { request, context -> Response in
            let username = context.form["username"] ?? ""
            let next = safeNext(context.form.raw("next"))
            do {
                guard !username.isEmpty, let password = context.form.raw("password"), !password.isEmpty else {
                    throw AppError.loginFailed("请输入用户名和密码")
                }
                let user = try await AuthService(deps).login(
                    username: username, password: password, clientAddress: context.loginAddress(for: request))
                let (token, _) = try await AuthService(deps).startSession(for: user)
                var response = Response.redirect(to: next ?? SiteURL.dashboard.path, type: .normal)
                response.setCookie(deps.cookie(CookieName.session, value: token, maxAge: Int(deps.sessionLifetime)))
                return response
            } catch let error as AppError {
                guard case .loginFailed(let message) = error else { throw error }
                return try loginPage(
                    request: request, context: context, username: username, next: next, error: message,
                    status: .unauthorized)
            } catch let throttled as LoginThrottled {
                var response = try loginPage(
                    request: request, context: context, username: username, next: next, error: throttled.message,
                    status: .tooManyRequests)
                response.headers[.retryAfter] = String(throttled.retryAfter)
                return response
            }
        }
        router.post(SiteURL.logout.routerPath) { request, context -> Response in
            if let session = context.identity?.session {
                try await deps.store.deleteSession(tokenHash: session.tokenHash)
            }
            var response = Response.redirect(to: .login)
            response.setCookie(deps.cookie(CookieName.session, value: "", maxAge: 0))
            return response
        }
        router.get(SiteURL.password.routerPath) { request, context -> HTML in
            let user = try context.require(.useSite)
            return Views.password(
                identity: Identity(user: user, session: context.identity?.session), csrf: context.csrfToken,
                notice: Notice.from(request))
        }
        router.post(SiteURL.password.routerPath) { request, context -> Response in
            let user = try context.require(.useSite)
            let identity = context.identity!
            do {
                try await AuthService(deps).changePassword(
                    user: user, current: context.form.raw("current") ?? "", new: context.form.raw("new") ?? "",
                    confirm: context.form.raw("confirm") ?? "", keepingSession: identity.session?.tokenHash)
            } catch let error as AppError {
                return try Views.password(identity: identity, csrf: context.csrfToken, error: error.message).with(
                    status: error.status
                )
                .response(from: request, context: context)
            }
            return .redirect(to: .password, notice: .password)
        }
    }

    /// The login page, setting the login CSRF cookie when there is none.
    func loginPage(
        request: Request, context: AppContext, username: String, next: String?, error: String?,
        status: HTTPResponse.Status
    ) throws -> Response {
        let existing = request.cookies[CookieName.loginCSRF]?.value ?? ""
        let token = existing.count == 32 ? existing : Secrets.hexToken(bytes: 16)
        var response = try Views.login(csrf: token, username: username, next: next ?? "", error: error).with(
            status: status
        )
        .response(from: request, context: context)
        if token != existing { response.setCookie(deps.cookie(CookieName.loginCSRF, value: token, maxAge: nil)) }
        return response
    }

    /// Only same-site paths are followed after login (no open redirects): see ``safeNext(_:)``.
    func safeNext(_ next: String?) -> String? { Self.safeNext(next) }

    /// `next` when it is a path on this site, else nil (the dashboard): it must start with a single `/` (not
    /// `//` or `/\`, which browsers read as another host), contain no backslash, whitespace, control or
    /// invisible formatting character — neither as sent nor once more percent-decoded (browsers drop tabs
    /// and newlines, so `/\t/evil.example` would become `//evil.example`) — and have no scheme or host.
    static func safeNext(_ next: String?) -> String? {
        guard let next, (1...2048).contains(next.utf8.count) else { return nil }
        for candidate in [next, next.removingPercentEncoding ?? next] {
            guard candidate.hasPrefix("/"), !candidate.hasPrefix("//"), !candidate.contains("\\"),
                !candidate.unicodeScalars.contains(where: {
                    $0.properties.isWhitespace || [.control, .format].contains($0.properties.generalCategory)
                })
            else { return nil }
        }
        guard let components = URLComponents(string: next), components.scheme == nil, components.host == nil else {
            return nil
        }
        return next
    }
}
