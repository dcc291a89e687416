import Hummingbird
import KaoheApplication
import KaoheStorage

/// The audit log (administrators and organizers): a list searched by entity prefix and filtered by actor,
/// action and dates, newest first and paged; the whole chain is checked on request (`verify=1`), because
/// reading every entry on every page view does not scale to a million entries.
struct AuditController {
    let deps: AppDependencies

    func register(on router: Router<AppContext>) {
        router.get(SiteURL.audit.routerPath) { request, context -> HTML in
            let user = try context.require(.viewAudit)
            // `entity` is the search box's old name; links that still use it keep working.
            let list = try request.listQuery(Operations.auditListSpec, renaming: ["entity": "q"])
            let page = try await Operations(deps).auditLog(list, for: user)
            let verification = request.uri.queryParameters["verify"] == "1" ? try await deps.store.verifyAudit() : nil
            return Views.audit(page, verification: verification, identity: context.identity!, csrf: context.csrfToken)
        }
    }
}
