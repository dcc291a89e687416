import Hummingbird
import KaoheApplication
import KaoheStorage

/// The dashboard.
struct DashboardController {
    let deps: AppDependencies

    func register(on router: Router<AppContext>) {
        router.get(SiteURL.dashboard.routerPath) { request, context -> HTML in
            let user = try context.require(.useSite)
            let units = try await Operations(deps).visibleUnits(for: user)
            let model = Views.DashboardModel(
                organizations: user.can(.viewOrganizations) ? try await deps.store.organizations().count : nil,
                units: units.count,
                users: user.can(.manageUsers) ? try await deps.store.userCount() : nil,
                assessments: try await deps.store.assessments().count,
                ownUnit: user.seesOwnUnitOnly ? units.first : nil,
                ownAssessments: user.seesOwnUnitOnly && user.can(.selfAssess)
                    ? try await Operations(deps).visibleAssessments(for: user) : [])
            return Views.dashboard(
                model, identity: context.identity!, csrf: context.csrfToken, notice: Notice.from(request))
        }
    }
}
