import Hummingbird
import KaoheApplication
import KaoheStorage

/// The audit log (administrators and organizers): entries filtered by entity prefix, and the chain check.
struct AuditController {
    let deps: AppDependencies

    func register(on router: Router<AppContext>) {
        router.get(SiteURL.audit.routerPath) { request, context -> HTML in
            try context.require(.viewAudit)
            let filter = request.uri.queryParameters["entity"].map(String.init) ?? ""
            let entries = try await deps.store.auditLog(entityPrefix: filter.isEmpty ? nil : filter, limit: 1000)
            return Views.audit(
                entries: entries, filter: filter, verification: try await deps.store.verifyAudit(),
                identity: context.identity!,
                csrf: context.csrfToken)
        }
    }
}
