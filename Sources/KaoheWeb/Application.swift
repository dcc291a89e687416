import Foundation
import Hummingbird
import KaoheApplication
import KaoheStorage
import Logging
import ServiceLifecycle

/// Builds the router with every controller mounted — the one place where routes are attached.
public func buildRouter(_ deps: AppDependencies) -> Router<AppContext> {
    let router = Router(context: AppContext.self)
    router.add(middleware: TransportSecurityMiddleware(deps: deps))
    let errors = ErrorAndHeadersMiddleware()
    router.add(middleware: errors)
    router.add(middleware: SessionAndCSRFMiddleware(deps: deps))
    router.add(middleware: BearerMiddleware(deps: deps))

    AssetsController().register(on: router)
    AuthController(deps: deps).register(on: router)
    DashboardController(deps: deps).register(on: router)
    OrganizationsController(deps: deps).register(on: router)
    UnitsController(deps: deps).register(on: router)
    UsersController(deps: deps).register(on: router)
    AccountSecurityController(deps: deps).register(on: router)
    SchemesController(deps: deps).register(on: router)
    AssessmentsController(deps: deps).register(on: router)
    AuditController(deps: deps).register(on: router)
    ScoringController(deps: deps).register(on: router)
    ItemGridController(deps: deps).register(on: router)
    DerivedFactsController(deps: deps).register(on: router)
    ResultsController(deps: deps).register(on: router)
    WorkflowController(deps: deps).register(on: router)
    EvidenceController(deps: deps).register(on: router)
    BulletinsController(deps: deps).register(on: router)
    LedgerController(deps: deps).register(on: router)
    SpotChecksController(deps: deps).register(on: router)
    RatersController(deps: deps).register(on: router)
    InboxController(deps: deps).register(on: router)
    RecordsController(deps: deps, jobs: RecordImportJobs()).register(on: router)

    APIAuthController(deps: deps).register(on: router)
    APIOrganizationsController(deps: deps).register(on: router)
    APIUnitsController(deps: deps).register(on: router)
    APIUsersController(deps: deps).register(on: router)
    APITokensController(deps: deps).register(on: router)
    APISchemesController(deps: deps).register(on: router)
    APISchemeUploadController(deps: deps).register(on: router)
    APIAssessmentsController(deps: deps).register(on: router)
    APIFactsController(deps: deps).register(on: router)
    APIScoringController(deps: deps).register(on: router)
    APIWorkflowController(deps: deps).register(on: router)
    errors.routes.load(router)
    return router
}

/// Runs the server for `config` on an open store until the process receives SIGINT or SIGTERM.
/// `onStarted` is called once the address is bound.
public func runServer(
    _ config: AppConfig, store: any KaoheStore,
    logger: Logger = Logger(label: "kaohe"), onStarted: @escaping @Sendable () async -> Void = {}
) async throws {
    var deps = AppDependencies(store: store, secureCookies: config.secureCookies, evidence: config.evidenceStore)
    deps.trustProxy = config.trustProxy
    deps.siteBaseURL = config.siteURL ?? config.baseURL
    var worker: OutboxWorker?
    if let url = config.smtpURL {
        let server = try SMTPServer(url: url)
        deps.mailServer = "\(server.host):\(server.port)"
        deps.mailFrom = config.mailFrom
        worker = OutboxWorker(
            store: store, transport: SMTPTransport(server: server), from: config.mailFrom,
            policy: OutboxPolicy(interval: config.outboxInterval), baseURL: deps.siteBaseURL)
        logger.info(
            "通知邮件：经 \(url.replacingOccurrences(of: #":[^:@/]*@"#, with: ":***@", options: .regularExpression)) 发送")
    }
    // The evidence directory exists before the first upload; uploads a stopped server left half-written are removed.
    let removed = try deps.evidence.prepare()
    if removed > 0 { logger.info("已清理 \(removed) 个中断上传留下的临时文件（\(deps.evidence.temporaryDirectory)）") }
    let app = Application(
        router: buildRouter(deps),
        configuration: .init(address: .hostname(config.host, port: config.port), serverName: "kaohe"),
        services: [NotificationService(operations: Operations(deps), worker: worker)],
        onServerRunning: { _ in await onStarted() },
        logger: logger)
    try await app.runService()
}

/// The server's background work for the inbox: the notification sweep (deadlines, rectification due or
/// overdue) every 10 minutes, and — when an SMTP server is configured — the outbox every few seconds. Runs
/// until the server shuts down.
struct NotificationService: Service {
    let operations: Operations
    let worker: OutboxWorker?
    /// Seconds between two sweeps.
    var sweepInterval: TimeInterval = 600

    func run() async throws {
        let logger = Logger(label: "kaohe.inbox")
        let (operations, worker, sweepInterval) = (operations, worker, sweepInterval)
        // Both loops end when the server shuts down (the task is cancelled, its sleeps end at once).
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    while !Task.isCancelled {
                        do { try await operations.sweepNotifications() } catch { logger.error("通知检查失败：\(error)") }
                        try? await Task.sleep(nanoseconds: UInt64(sweepInterval * 1_000_000_000))
                    }
                }
                if let worker { group.addTask { await worker.run() } }
            }
        }
    }
}
