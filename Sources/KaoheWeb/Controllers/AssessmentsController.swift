import Foundation
import Hummingbird
import KaoheApplication
import KaoheFormats
import KaoheStorage

/// Assessments: list, create, detail, state changes, enrolments, evaluator assignments.
struct AssessmentsController {
    let deps: AppDependencies

    func register(on router: Router<AppContext>) {
        router.get(SiteURL.assessments.routerPath) { request, context -> HTML in
            let user = try context.require(.viewAssessments)
            return try await listPage(
                user: user, list: try request.listQuery(Operations.assessmentListSpec), context: context,
                notice: Notice.from(request), error: nil)
        }
        router.post(SiteURL.assessments.routerPath) { request, context -> Response in
            let user = try context.require(.manageAssessments)
            let form = context.form
            let created: Assessment
            do {
                created = try await Operations(deps).createAssessment(
                    organizationID: form["organization_id"] ?? "", schemeID: form["scheme_id"] ?? "",
                    year: form["year"] ?? "",
                    title: form["title"] ?? "", by: user)
            } catch {
                guard let webError = ErrorAndHeadersMiddleware.appError(for: error), webError.status != .forbidden
                else { throw error }
                return try await listPage(
                    user: user, list: .first(of: Operations.assessmentListSpec), context: context, notice: nil,
                    error: webError.message
                ).with(
                    status: webError.status
                )
                .response(from: request, context: context)
            }
            return .redirect(to: .assessment(.value(created.id)), notice: .assessment)
        }
        router.get(SiteURL.assessment(.key).routerPath) { request, context -> HTML in
            let user = try context.require(.viewAssessments)
            return try await detailPage(
                try context.parameters.require("id"), user: user, context: context, notice: Notice.from(request),
                error: nil)
        }
        router.post(SiteURL.assessmentState(.key).routerPath) { request, context -> Response in
            let user = try context.require(.manageAssessments)
            let id = try context.parameters.require("id")
            return try await act(id, user: user, request: request, context: context, notice: .state) {
                _ = try await Operations(deps).transition(
                    id, to: context.form["state"] ?? "", reason: context.form["reason"], by: user)
            }
        }
        router.post(SiteURL.assessmentEnrolments(.key).routerPath) { request, context -> Response in
            let user = try context.require(.manageAssessments)
            let id = try context.parameters.require("id")
            return try await act(id, user: user, request: request, context: context, notice: .enrolled) {
                _ = try await Operations(deps).enrol(
                    id, unitIDs: context.form.all("unit_ids"), unitType: context.form["unit_type"], by: user)
            }
        }
        router.post(SiteURL.assessmentAssignments(.key).routerPath) { request, context -> Response in
            let user = try context.require(.manageAssessments)
            let id = try context.parameters.require("id")
            return try await act(id, user: user, request: request, context: context, notice: .assigned) {
                _ = try await Operations(deps).assign(
                    id, userID: context.form["user_id"] ?? "", unitID: context.form["unit_id"],
                    itemID: context.form["item_id"], by: user)
            }
        }
        router.post(SiteURL.assessmentParameters(.key).routerPath) { request, context -> Response in
            let user = try context.require(.manageAssessments)
            let id = try context.parameters.require("id")
            return try await act(id, user: user, request: request, context: context, notice: .parameters) {
                var values: [String: String] = [:]
                for (name, value) in context.form.pairs where name.hasPrefix("p.") {
                    values[String(name.dropFirst(2))] = value
                }
                _ = try await Operations(deps).setParameters(
                    id, values: values, reason: context.form["reason"], by: user)
            }
        }
    }

    /// Runs a change; on success back to the assessment page with a notice, on failure the page with the error.
    func act(
        _ id: String, user: User, request: Request, context: AppContext, notice: Notice,
        _ change: () async throws -> Void
    ) async throws -> Response {
        do {
            try await change()
        } catch {
            guard let webError = ErrorAndHeadersMiddleware.appError(for: error), webError.status != .forbidden,
                try await deps.store.assessment(AssessmentID(id)) != nil
            else { throw error }
            return try await detailPage(id, user: user, context: context, notice: nil, error: webError.message).with(
                status: webError.status
            )
            .response(from: request, context: context)
        }
        return .redirect(to: .assessment(.value(AssessmentID(id))), notice: notice)
    }

    func listPage(user: User, list: ListQuery, context: AppContext, notice: String?, error: String?) async throws
        -> HTML
    {
        let year = Calendar(identifier: .gregorian).component(.year, from: deps.now())
        return Views.assessments(
            .init(
                list: try await Operations(deps).assessmentList(list, for: user),
                organizations: try await deps.store.organizations(),
                schemes: try await SchemeCatalog(deps).summaries(), canManage: user.can(.manageAssessments),
                defaultYear: year - 1),
            identity: context.identity!, csrf: context.csrfToken, notice: notice, error: error)
    }

    func detailPage(_ id: String, user: User, context: AppContext, notice: String?, error: String?) async throws -> HTML
    {
        let detail = try await Operations(deps).assessmentDetail(id, for: user)
        let canManage = user.can(.manageAssessments)
        let users = canManage ? try await deps.store.users() : []
        let scheme = try? await Operations(deps).scheme(of: detail.assessment)
        return Views.assessment(
            .init(
                detail: detail,
                organizationUnits: canManage
                    ? try await deps.store.units(in: detail.assessment.organizationID) : detail.units,
                evaluators: users.filter { $0.has(.evaluator) },
                userNames: Dictionary(users.map { ($0.id, $0.displayName) }, uniquingKeysWith: { a, _ in a }),
                canManage: canManage,
                scheme: scheme,
                parameters: scheme.map { ScoringRules.parameters(of: detail.assessment, scheme: $0) } ?? [:]),
            identity: context.identity!, csrf: context.csrfToken, notice: notice, error: error)
    }
}

/// `/api/v1/assessments…`
struct APIAssessmentsController {
    let deps: AppDependencies

    struct CreateRequest: Decodable { let organizationID: String, schemeID: String, year: Int, title: String? }
    struct StateRequest: Decodable { let state: String, reason: String? }
    struct EnrolRequest: Decodable { let unitIDs: [String]?, unitType: String? }
    struct EnrolResponse: Encodable { let enrolled: Int }
    struct AssignRequest: Decodable { let userID: String, unitID: String?, itemID: String? }

    func register(on router: Router<AppContext>) {
        router.get(SiteURL.api(.assessments).routerPath) { _, context -> Response in
            let user = try context.require(.viewAssessments)
            return try JSONResponse.make(try await Operations(deps).visibleAssessments(for: user))
        }
        router.post(SiteURL.api(.assessments).routerPath) { request, context -> Response in
            let user = try context.require(.manageAssessments)
            let body = try await JSONResponse.decode(CreateRequest.self, from: request, context: context)
            let assessment = try await Operations(deps).createAssessment(
                organizationID: body.organizationID, schemeID: body.schemeID, year: String(body.year),
                title: body.title ?? "", by: user)
            return try JSONResponse.make(assessment, status: .created)
        }
        router.get(SiteURL.api(.assessment(.key)).routerPath) { _, context -> Response in
            let user = try context.require(.viewAssessments)
            return try JSONResponse.make(
                try await Operations(deps).assessmentDetail(try context.parameters.require("id"), for: user))
        }
        router.post(SiteURL.api(.assessmentState(.key)).routerPath) { request, context -> Response in
            let user = try context.require(.manageAssessments)
            let body = try await JSONResponse.decode(StateRequest.self, from: request, context: context)
            return try JSONResponse.make(
                try await Operations(deps).transition(
                    try context.parameters.require("id"), to: body.state, reason: body.reason, by: user))
        }
        router.post(SiteURL.api(.assessmentEnrolments(.key)).routerPath) { request, context -> Response in
            let user = try context.require(.manageAssessments)
            let body = try await JSONResponse.decode(EnrolRequest.self, from: request, context: context)
            if let index = body.unitIDs?.firstIndex(where: \.isEmpty) {
                throw AppError.invalid("unitIDs 的第\(index + 1)个单位编号为空")
            }
            let count = try await Operations(deps).enrol(
                try context.parameters.require("id"), unitIDs: body.unitIDs ?? [], unitType: body.unitType, by: user)
            return try JSONResponse.make(EnrolResponse(enrolled: count))
        }
        router.post(SiteURL.api(.assessmentAssignments(.key)).routerPath) { request, context -> Response in
            let user = try context.require(.manageAssessments)
            let body = try await JSONResponse.decode(AssignRequest.self, from: request, context: context)
            let assignment = try await Operations(deps).assign(
                try context.parameters.require("id"), userID: body.userID, unitID: body.unitID, itemID: body.itemID,
                by: user)
            return try JSONResponse.make(assignment, status: .created)
        }
        router.put(SiteURL.api(.assessmentParameters(.key)).routerPath) { request, context -> Response in
            let user = try context.require(.manageAssessments)
            let buffer = try await context.collectBody(request)
            let values = try Self.parameterValues(String(buffer: buffer))
            return try JSONResponse.make(
                try await Operations(deps).setParameters(
                    try context.parameters.require("id"), values: values,
                    reason: request.uri.queryParameters["reason"].map(String.init), by: user))
        }
    }

    /// The body of `PUT …/parameters`: a JSON object of parameter id → number (or numeric string; null or ""
    /// for the default). Numbers keep their exact text.
    static func parameterValues(_ text: String) throws -> [String: String] {
        let root: JSONNode
        do { root = try JSONParser.parse(text) } catch {
            throw AppError.invalid("JSON 语法错误：\(error.description)")
        }
        guard case .object(let members) = root.value else {
            throw AppError.invalid("请求体应为 JSON 对象：参数名 → 数值，如 {\"annual_weight\": 30}")
        }
        var values: [String: String] = [:]
        for (key, node) in members {
            switch node.value {
            case .number(let text), .string(let text): values[key] = text
            case .null: values[key] = ""
            default: throw AppError.invalid("参数“\(key)”应为数字，而不是\(node.value.typeName)")
            }
        }
        return values
    }
}
