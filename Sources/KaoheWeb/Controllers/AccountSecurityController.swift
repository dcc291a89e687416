import Hummingbird
import KaoheApplication
import KaoheStorage

/// API tokens on pages (one's own; an administrator's view of a user's) and lifting a user's login delays.
struct AccountSecurityController {
    let deps: AppDependencies

    func register(on router: Router<AppContext>) {
        router.get(SiteURL.accountTokens.routerPath) { request, context -> HTML in
            let user = try context.require(.useSite)
            return Views.tokens(
                try await AuthService(deps).apiTokens(of: user.id, for: user), owner: nil, identity: context.identity!,
                csrf: context.csrfToken, notice: Notice.from(request))
        }
        router.post(SiteURL.tokenRevoke(.key).routerPath) { _, context -> Response in
            let user = try context.require(.useSite)
            let id = try context.parameters.require("token")
            let token = try await AuthService(deps).revokeAPIToken(APITokenID(id), by: user)
            return .redirect(
                to: token.userID == user.id ? .accountTokens : .userTokens(.value(token.userID)), notice: .tokenRevoked)
        }
        router.get(SiteURL.userTokens(.key).routerPath) { request, context -> HTML in
            let admin = try context.require(.manageUsers)
            let id = UserID(try context.parameters.require("id"))
            guard let owner = try await deps.store.user(id) else { throw AppError.notFound("用户 \(id)") }
            return Views.tokens(
                try await AuthService(deps).apiTokens(of: id, for: admin), owner: owner, identity: context.identity!,
                csrf: context.csrfToken, notice: Notice.from(request))
        }
        router.post(SiteURL.userTokensRevoke(.key).routerPath) { _, context -> Response in
            let admin = try context.require(.manageUsers)
            let id = UserID(try context.parameters.require("id"))
            _ = try await AuthService(deps).revokeAPITokens(of: id, by: admin)
            return .redirect(to: .userTokens(.value(id)), notice: .tokensRevoked)
        }
        router.post(SiteURL.userUnlock(.key).routerPath) { _, context -> Response in
            let admin = try context.require(.manageUsers)
            let id = UserID(try context.parameters.require("id"))
            let (_, lifted) = try await AuthService(deps).unlockLogin(
                of: id, by: .user(admin, reason: "管理员解除登录限制"))
            return .redirect(to: .users, notice: lifted ? .unlocked : .notThrottled)
        }
    }
}
