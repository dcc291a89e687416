import Foundation
import Hummingbird
import KaoheApplication
import KaoheStorage

/// What the API shows of a user (never the password hash).
struct APIUser: Codable, Equatable {
    let id: String, username: String, displayName: String, roles: [String], organizationID: String?, unitID: String?

    init(_ user: User, now: Date) {
        id = user.id.rawValue
        username = user.username
        displayName = user.displayName
        roles = user.roles.sorted().map(\.rawValue)
        organizationID = user.organizationID?.rawValue
        unitID = user.unitID?.rawValue
    }
}

/// `POST /api/v1/tokens` and `GET /api/v1/me`.
struct APIAuthController {
    let deps: AppDependencies

    struct TokenRequest: Decodable { let username: String, password: String, name: String?, expiresInDays: Int? }
    struct TokenResponse: Encodable { let token: String, tokenID: String, expiresAt: Date, user: APIUser }

    func register(on router: Router<AppContext>) {
        router.post(SiteURL.api(.tokens).routerPath) { request, context -> Response in
            let body = try await JSONResponse.decode(TokenRequest.self, from: request, context: context)
            if let days = body.expiresInDays, !(1...AuthService.maximumTokenDays).contains(days) {
                throw AppError.invalid("expiresInDays 应为1–\(AuthService.maximumTokenDays)的整数（当前\(days)）")
            }
            let user: User
            do {
                user = try await AuthService(deps).login(
                    username: body.username, password: body.password, clientAddress: context.loginAddress(for: request))
            } catch let throttled as LoginThrottled {
                var response = ErrorAndHeadersMiddleware.response(
                    for: HTTPError(.tooManyRequests, message: throttled.message), request: request, context: context)
                response.headers[.retryAfter] = String(throttled.retryAfter)
                return response
            }
            let (secret, token) = try await AuthService(deps).issueAPIToken(
                for: user, name: body.name ?? "API", days: body.expiresInDays)
            return try JSONResponse.make(
                TokenResponse(
                    token: secret, tokenID: token.id.rawValue, expiresAt: token.expiresAt,
                    user: APIUser(user, now: deps.now())),
                status: .created)
        }
        router.get(SiteURL.api(.me).routerPath) { _, context -> Response in
            let user = try context.requireUser()
            return try JSONResponse.make(APIUser(user, now: deps.now()))
        }
    }
}

/// `/api/v1/organizations`
struct APIOrganizationsController {
    let deps: AppDependencies

    struct CreateRequest: Decodable { let name: String, parentID: String? }

    func register(on router: Router<AppContext>) {
        router.get(SiteURL.api(.organizations).routerPath) { _, context -> Response in
            try context.require(.viewOrganizations)
            return try JSONResponse.make(try await deps.store.organizations())
        }
        router.post(SiteURL.api(.organizations).routerPath) { request, context -> Response in
            let user = try context.require(.manageUnits)
            let body = try await JSONResponse.decode(CreateRequest.self, from: request, context: context)
            let org = try await Operations(deps).createOrganization(
                name: body.name.trimmingCharacters(in: .whitespaces), parentID: body.parentID, by: user)
            return try JSONResponse.make(org, status: .created)
        }
    }
}

/// `/api/v1/units` and `/api/v1/units/import`
struct APIUnitsController {
    let deps: AppDependencies

    struct CreateRequest: Decodable {
        let organizationID: String, code: String, name: String, type: String, parentID: String?
    }
    struct ImportResponse: Encodable { let imported: Int, units: [AssessedUnit] }

    func register(on router: Router<AppContext>) {
        router.get(SiteURL.api(.units).routerPath) { request, context -> Response in
            let user = try context.require(.viewUnits)
            var units = try await Operations(deps).visibleUnits(for: user)
            if let org = request.uri.queryParameters["organization"].map(String.init) {
                units = units.filter { $0.organizationID.rawValue == org }
            }
            return try JSONResponse.make(units)
        }
        router.post(SiteURL.api(.units).routerPath) { request, context -> Response in
            let user = try context.require(.manageUnits)
            let body = try await JSONResponse.decode(CreateRequest.self, from: request, context: context)
            let unit = try await Operations(deps).createUnit(
                organizationID: body.organizationID, code: body.code.trimmingCharacters(in: .whitespaces),
                name: body.name.trimmingCharacters(in: .whitespaces), type: body.type, parentID: body.parentID, by: user
            )
            return try JSONResponse.make(unit, status: .created)
        }
        router.post(SiteURL.api(.unitImport).routerPath) { request, context -> Response in
            let user = try context.require(.manageUnits)
            guard let org = request.uri.queryParameters["organization"].map(String.init), !org.isEmpty else {
                throw AppError.invalid("缺少查询参数 organization（组织编号）")
            }
            let buffer = try await context.collectBody(request)
            let units = try await Operations(deps).importUnits(
                organizationID: org, csv: String(buffer: buffer), by: user)
            return try JSONResponse.make(ImportResponse(imported: units.count, units: units), status: .created)
        }
    }
}

/// `/api/v1/users` and `/api/v1/users/:id/roles` (administrators only).
struct APIUsersController {
    let deps: AppDependencies

    struct CreateRequest: Decodable {
        let username: String, displayName: String?, password: String, roles: [String], unitID: String?
    }
    struct RolesRequest: Decodable { let roles: [String], unitID: String?, reason: String? }

    func register(on router: Router<AppContext>) {
        router.get(SiteURL.api(.users).routerPath) { _, context -> Response in
            try context.require(.manageUsers)
            return try JSONResponse.make(try await deps.store.users().map { APIUser($0, now: deps.now()) })
        }
        router.post(SiteURL.api(.users).routerPath) { request, context -> Response in
            let admin = try context.require(.manageUsers)
            let body = try await JSONResponse.decode(CreateRequest.self, from: request, context: context)
            let user = try await Operations(deps).createUser(
                username: body.username, displayName: body.displayName ?? body.username, password: body.password,
                roles: body.roles,
                unitID: body.unitID, by: admin)
            return try JSONResponse.make(APIUser(user, now: deps.now()), status: .created)
        }
        router.put(SiteURL.api(.userRoles(.key)).routerPath) { request, context -> Response in
            let admin = try context.require(.manageUsers)
            let id = try context.parameters.require("id")
            let body = try await JSONResponse.decode(RolesRequest.self, from: request, context: context)
            let user = try await Operations(deps).setRoles(
                userID: id, roles: body.roles, unitID: body.unitID, reason: body.reason, by: admin)
            return try JSONResponse.make(APIUser(user, now: deps.now()))
        }
    }
}

/// `/api/v1/schemes`
struct APISchemesController {
    let deps: AppDependencies

    func register(on router: Router<AppContext>) {
        router.get(SiteURL.api(.schemes).routerPath) { _, context -> Response in
            try context.require(.useSite)
            return try JSONResponse.make(try await SchemeCatalog(deps).summaries())
        }
    }
}
