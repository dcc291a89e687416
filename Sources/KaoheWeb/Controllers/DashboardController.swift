import Hummingbird
import KaoheApplication
import KaoheStorage

/// The start page: each role's dashboard.
struct DashboardController {
    let deps: AppDependencies

    func register(on router: Router<AppContext>) {
        router.get(SiteURL.dashboard.routerPath) { request, context -> HTML in
            let user = try context.require(.useSite)
            return Views.dashboard(
                try await Operations(deps).dashboard(for: user), identity: context.identity!, csrf: context.csrfToken,
                notice: Notice.from(request))
        }
    }
}
