import Hummingbird
import KaoheApplication
import KaoheStorage

/// Organizations: list and create.
struct OrganizationsController {
    let deps: AppDependencies

    func register(on router: Router<AppContext>) {
        router.get(SiteURL.organizations.routerPath) { request, context -> HTML in
            let user = try context.require(.viewOrganizations)
            return Views.organizations(
                try await deps.store.organizations(), canManage: user.can(.manageUnits), identity: context.identity!,
                csrf: context.csrfToken,
                notice: Notice.from(request))
        }
        router.post(SiteURL.organizations.routerPath) { request, context -> Response in
            let user = try context.require(.manageUnits)
            do {
                _ = try await Operations(deps).createOrganization(
                    name: context.form["name"] ?? "", parentID: context.form["parent_id"], by: user)
            } catch {
                guard let webError = ErrorAndHeadersMiddleware.appError(for: error), webError.status != .forbidden
                else { throw error }
                return try Views.organizations(
                    try await deps.store.organizations(), canManage: true, identity: context.identity!,
                    csrf: context.csrfToken,
                    error: webError.message
                ).with(status: webError.status).response(from: request, context: context)
            }
            return .redirect(to: .organizations, notice: .organization)
        }
    }
}
