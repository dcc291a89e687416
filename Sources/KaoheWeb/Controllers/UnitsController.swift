import Hummingbird
import KaoheApplication
import KaoheStorage

/// Units: list (reporters: own unit only), create, CSV import.
struct UnitsController {
    let deps: AppDependencies

    func register(on router: Router<AppContext>) {
        router.get(SiteURL.units.routerPath) { request, context -> HTML in
            let user = try context.require(.viewUnits)
            return try await page(
                user: user, request: request, context: context, notice: Notice.from(request), error: nil)
        }
        router.post(SiteURL.units.routerPath) { request, context -> Response in
            let user = try context.require(.manageUnits)
            let form = context.form
            do {
                _ = try await Operations(deps).createUnit(
                    organizationID: form["organization_id"] ?? "", code: form["code"] ?? "", name: form["name"] ?? "",
                    type: form["type"] ?? "", parentID: form["parent_id"], by: user)
            } catch {
                guard let webError = ErrorAndHeadersMiddleware.appError(for: error), webError.status != .forbidden
                else { throw error }
                return try await page(
                    user: user, request: request, context: context, notice: nil, error: webError.message
                ).with(
                    status: webError.status
                )
                .response(from: request, context: context)
            }
            return .redirect(to: .units, notice: .unit)
        }
        router.get(SiteURL.unitImport.routerPath) { request, context -> HTML in
            try context.require(.manageUnits)
            return Views.unitImport(
                organizations: try await deps.store.organizations(), selected: nil, csv: "编码,名称,类型,上级编码\n", errors: [],
                identity: context.identity!, csrf: context.csrfToken)
        }
        router.post(SiteURL.unitImport.routerPath) { request, context -> Response in
            let user = try context.require(.manageUnits)
            let orgID = context.form["organization_id"] ?? ""
            let csv = context.form.raw("csv") ?? ""
            do {
                let units = try await Operations(deps).importUnits(organizationID: orgID, csv: csv, by: user)
                return .redirect(to: .units, notice: .imported, extra: [("n", String(units.count))])
            } catch {
                guard let webError = ErrorAndHeadersMiddleware.appError(for: error), webError.status != .forbidden
                else { throw error }
                let errors: [LineError]
                if case .lineErrors(let lines) = webError {
                    errors = lines
                } else {
                    errors = [LineError(line: 0, message: webError.message)]
                }
                return try Views.unitImport(
                    organizations: try await deps.store.organizations(), selected: OrganizationID(orgID), csv: csv,
                    errors: errors,
                    identity: context.identity!, csrf: context.csrfToken
                ).with(status: webError.status).response(from: request, context: context)
            }
        }
    }

    func page(user: User, request: Request, context: AppContext, notice: String?, error: String?) async throws -> HTML {
        let list = try await Operations(deps).unitList(try request.listQuery(Operations.unitListSpec), for: user)
        return Views.units(
            .init(list: list, canManage: user.can(.manageUnits)), identity: context.identity!,
            csrf: context.csrfToken, notice: notice, error: error)
    }
}
