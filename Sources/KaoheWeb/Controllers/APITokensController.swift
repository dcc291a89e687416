import Foundation
import Hummingbird
import KaoheApplication
import KaoheStorage

/// What the API shows of a token: never its secret (nor the hash of it).
struct APITokenInfo: Encodable, Equatable {
    let id: String, userID: String, name: String, createdAt: Date, expiresAt: Date, lastUsedAt: Date?

    init(_ token: APIToken) {
        id = token.id.rawValue
        userID = token.userID.rawValue
        name = token.name
        createdAt = token.createdAt
        expiresAt = token.expiresAt
        lastUsedAt = token.lastUsedAt
    }
}

/// `GET /api/v1/tokens`, `DELETE /api/v1/tokens/{id}`, `GET|DELETE /api/v1/users/{id}/tokens` and
/// `POST /api/v1/users/{id}/unlock`.
struct APITokensController {
    let deps: AppDependencies

    struct Revoked: Encodable { let revoked: Int }
    struct Unlocked: Encodable { let unlocked: Bool, user: APIUser }

    func register(on router: Router<AppContext>) {
        router.get(SiteURL.api(.tokens).routerPath) { _, context -> Response in
            let user = try context.require(.useSite)
            let tokens = try await AuthService(deps).apiTokens(of: user.id, for: user)
            return try JSONResponse.make(tokens.map(APITokenInfo.init))
        }
        router.delete(SiteURL.api(.token(.key)).routerPath) { _, context -> Response in
            let user = try context.require(.useSite)
            let id = try context.parameters.require("id")
            try await AuthService(deps).revokeAPIToken(APITokenID(id), by: user)
            return Response(status: .noContent)
        }
        router.get(SiteURL.api(.userTokens(.key)).routerPath) { _, context -> Response in
            let admin = try context.require(.manageUsers)
            let id = UserID(try context.parameters.require("id"))
            guard try await deps.store.user(id) != nil else { throw AppError.notFound("用户 \(id)") }
            let tokens = try await AuthService(deps).apiTokens(of: id, for: admin)
            return try JSONResponse.make(tokens.map(APITokenInfo.init))
        }
        router.delete(SiteURL.api(.userTokens(.key)).routerPath) { _, context -> Response in
            let admin = try context.require(.manageUsers)
            let id = UserID(try context.parameters.require("id"))
            return try JSONResponse.make(
                Revoked(revoked: try await AuthService(deps).revokeAPITokens(of: id, by: admin)))
        }
        router.post(SiteURL.api(.userUnlock(.key)).routerPath) { _, context -> Response in
            let admin = try context.require(.manageUsers)
            let id = UserID(try context.parameters.require("id"))
            let (user, lifted) = try await AuthService(deps).unlockLogin(
                of: id, by: .user(admin, reason: "管理员解除登录限制"))
            return try JSONResponse.make(Unlocked(unlocked: lifted, user: APIUser(user, now: deps.now())))
        }
    }
}
