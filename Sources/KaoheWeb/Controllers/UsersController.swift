import Hummingbird
import KaoheApplication
import KaoheStorage

/// Users (administrators only): list, create, assign roles.
struct UsersController {
    let deps: AppDependencies

    func register(on router: Router<AppContext>) {
        router.get(SiteURL.users.routerPath) { request, context -> HTML in
            try context.require(.manageUsers)
            return try await page(context: context, notice: Notice.from(request), error: nil)
        }
        router.post(SiteURL.users.routerPath) { request, context -> Response in
            let admin = try context.require(.manageUsers)
            let form = context.form
            do {
                _ = try await Operations(deps).createUser(
                    username: form["username"] ?? "", displayName: form["display_name"] ?? "",
                    password: form.raw("password") ?? "",
                    roles: form.all("roles"), unitID: form["unit_id"], by: admin)
            } catch {
                return try await failure(error, request: request, context: context)
            }
            return .redirect(to: .users, notice: .user)
        }
        router.post(SiteURL.userRoles(.key).routerPath) { request, context -> Response in
            let admin = try context.require(.manageUsers)
            let id = try context.parameters.require("id")
            do {
                _ = try await Operations(deps).setRoles(
                    userID: id, roles: context.form.all("roles"), unitID: context.form["unit_id"],
                    reason: context.form["reason"], by: admin)
            } catch {
                return try await failure(error, request: request, context: context)
            }
            return .redirect(to: .users, notice: .roles)
        }
        router.post(SiteURL.userPasswordReset(.key).routerPath) { request, context -> Response in
            let admin = try context.require(.manageUsers)
            let id = try context.parameters.require("id")
            let result: (user: User, password: String)
            do {
                result = try await AuthService(deps).resetPassword(of: UserID(id), by: admin)
            } catch {
                return try await failure(error, request: request, context: context)
            }
            // Shown once, in this response only; never put in a URL or a log.
            return try await page(
                context: context, notice: "已为用户 \(result.user.username) 设置新密码：\(result.password)（只显示这一次，请转告本人登录后修改）",
                error: nil
            ).response(from: request, context: context)
        }
    }

    func failure(_ error: any Error, request: Request, context: AppContext) async throws -> Response {
        guard let webError = ErrorAndHeadersMiddleware.appError(for: error), webError.status != .forbidden else {
            throw error
        }
        return try await page(context: context, notice: nil, error: webError.message).with(status: webError.status)
            .response(from: request, context: context)
    }

    func page(context: AppContext, notice: String?, error: String?) async throws -> HTML {
        let now = deps.now()
        let throttles = try await deps.store.accountThrottles(
            since: now.addingTimeInterval(-deps.loginThrottle.forgetAfter))
        return Views.users(
            .init(
                users: try await deps.store.users(), units: try await deps.store.units(in: nil), now: now,
                throttles: Dictionary(throttles.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a }),
                throttleThreshold: deps.loginThrottle.accountThreshold),
            identity: context.identity!,
            csrf: context.csrfToken, notice: notice, error: error)
    }
}
