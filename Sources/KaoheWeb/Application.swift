import Foundation
import Hummingbird
import KaoheStorage
import KaoheStorageSQL
import Logging

/// Builds the router with every controller mounted — the one place where routes are attached.
public func buildRouter(_ deps: AppDependencies) -> Router<AppContext> {
    let router = Router(context: AppContext.self)
    router.add(middleware: TransportSecurityMiddleware(deps: deps))
    router.add(middleware: ErrorAndHeadersMiddleware())
    router.add(middleware: SessionAndCSRFMiddleware(deps: deps))
    router.add(middleware: BearerMiddleware(deps: deps))

    AssetsController().register(on: router)
    AuthController(deps: deps).register(on: router)
    DashboardController(deps: deps).register(on: router)
    OrganizationsController(deps: deps).register(on: router)
    UnitsController(deps: deps).register(on: router)
    UsersController(deps: deps).register(on: router)
    SchemesController(deps: deps).register(on: router)
    AssessmentsController(deps: deps).register(on: router)
    AuditController(deps: deps).register(on: router)
    ScoringController(deps: deps).register(on: router)
    ResultsController(deps: deps).register(on: router)
    WorkflowController(deps: deps).register(on: router)
    EvidenceController(deps: deps).register(on: router)

    APIAuthController(deps: deps).register(on: router)
    APIOrganizationsController(deps: deps).register(on: router)
    APIUnitsController(deps: deps).register(on: router)
    APIUsersController(deps: deps).register(on: router)
    APISchemesController(deps: deps).register(on: router)
    APISchemeUploadController(deps: deps).register(on: router)
    APIAssessmentsController(deps: deps).register(on: router)
    APIFactsController(deps: deps).register(on: router)
    APIScoringController(deps: deps).register(on: router)
    APIWorkflowController(deps: deps).register(on: router)
    return router
}

/// The result of preparing the database for serving.
public struct Bootstrap: Sendable {
    /// The open store (shut it down when done).
    public let store: SQLStore
    /// Migrations applied now.
    public let appliedMigrations: [String]
    /// Set on first start: the administrator created and the password to print once.
    public let firstAdmin: (username: String, password: String)?
}

/// Opens the configured database (creating `dataDirectory` for SQLite, mode 0700), migrates it, and on first start
/// (no users yet, and `createFirstAdmin`) creates the administrator `admin` with a random password.
public func bootstrap(_ config: WebConfig, createFirstAdmin: Bool = true, logger: Logger = Logger(label: "kaohe"))
    async throws -> Bootstrap
{
    let location: DatabaseLocation
    if let url = config.databaseURL {
        location = try DatabaseLocation.parse(url)
    } else {
        try PrivateFiles.makeDirectory(config.dataDirectory, tightenExisting: true)
        location = .sqlite(path: config.sqlitePath)
    }
    let store = try SQLStore(location: location, logger: logger)
    do {
        let applied = try await store.migrate()
        var firstAdmin: (String, String)?
        if createFirstAdmin, try await store.userCount() == 0 {
            let password = Secrets.password()
            let deps = AppDependencies(store: store)
            do {
                _ = try await AuthService(deps).createUser(
                    username: "admin", displayName: "系统管理员", password: password, roles: [.admin], organizationID: nil,
                    unitID: nil,
                    by: AuditActor(userID: nil, name: "系统", reason: "首次启动创建管理员"))
                firstAdmin = ("admin", password)
            } catch {
                // Another instance starting on the same database may have created it at the same moment.
                guard try await store.userCount() > 0 else { throw error }
            }
        }
        return Bootstrap(store: store, appliedMigrations: applied, firstAdmin: firstAdmin)
    } catch {
        await store.shutdown()
        throw error
    }
}

/// Builds the application for `config` on an open store.
public func buildApplication(_ config: WebConfig, store: any KaoheStore, logger: Logger = Logger(label: "kaohe"))
    -> some ApplicationProtocol
{
    var deps = AppDependencies(store: store, secureCookies: config.secureCookies, evidence: config.evidenceStore)
    deps.trustProxy = config.trustProxy
    return Application(
        router: buildRouter(deps),
        configuration: .init(address: .hostname(config.host, port: config.port), serverName: "kaohe"),
        logger: logger)
}

/// Runs the server for `config` on an open store until the process receives SIGINT or SIGTERM.
/// `onStarted` is called once the address is bound.
/// `schemes` lists the schemes on the schemes page (the scoring engine's built-in catalog when given).
public func runServer(
    _ config: WebConfig, store: any KaoheStore, schemes: (@Sendable () -> [SchemeSummary])? = nil,
    logger: Logger = Logger(label: "kaohe"), onStarted: @escaping @Sendable () async -> Void = {}
) async throws {
    var deps = AppDependencies(store: store, secureCookies: config.secureCookies, evidence: config.evidenceStore)
    deps.trustProxy = config.trustProxy
    if let schemes { deps.schemes = schemes }
    // The evidence directory exists before the first upload; uploads a stopped server left half-written are removed.
    let removed = try deps.evidence.prepare()
    if removed > 0 { logger.info("已清理 \(removed) 个中断上传留下的临时文件（\(deps.evidence.temporaryDirectory)）") }
    let app = Application(
        router: buildRouter(deps),
        configuration: .init(address: .hostname(config.host, port: config.port), serverName: "kaohe"),
        onServerRunning: { _ in await onStarted() },
        logger: logger)
    try await app.runService()
}
