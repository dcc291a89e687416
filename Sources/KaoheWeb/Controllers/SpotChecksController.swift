import Foundation
import Hummingbird
import KaoheApplication
import KaoheStorage

/// Spot checks (双随机抽查): the plans and the form that publishes one with its seed's hash, the plan notice
/// (page and A4), the draw, the inspectors' results, and the result notice (抽查结果公示, page and A4).
struct SpotChecksController {
    let deps: AppDependencies

    func register(on router: Router<AppContext>) {
        let operations = Operations(deps)
        router.get(SiteURL.spotChecks(.key).routerPath) { request, context -> HTML in
            let user = try context.require(.viewAssessments)
            let index = try await operations.spotChecks(try context.parameters.require("id"), for: user)
            return SpotCheckViews.index(index, identity: context.identity!, csrf: context.csrfToken)
        }
        router.post(SiteURL.spotChecks(.key).routerPath) { request, context -> Response in
            let user = try context.require(.manageAssessments)
            let id = try context.parameters.require("id")
            let form = context.form
            let input = SpotCheckInput(
                title: form["title"] ?? "", population: form["population"] ?? "",
                recordType: form["record_type"] ?? "", count: form["count"] ?? "", ratio: form["ratio"] ?? "",
                minimum: form["minimum"] ?? "", inspectors: form.all("inspector"),
                exclusions: form.raw("exclusions") ?? "")
            do {
                let plan = try await operations.publishSpotCheckPlan(id, input, by: user)
                return ScoringController.redirect(
                    .spotCheck(.value(AssessmentID(id)), .value(plan.id)), done: "published")
            } catch {
                guard let webError = ErrorAndHeadersMiddleware.appError(for: error),
                    webError.status == .badRequest || webError.status == .conflict || webError.status == .notFound
                else { throw error }
                let index = try await operations.spotChecks(id, for: user)
                return try SpotCheckViews.index(
                    index, identity: context.identity!, csrf: context.csrfToken, error: webError.message
                ).with(status: webError.status).response(from: request, context: context)
            }
        }
        router.get(SiteURL.spotCheck(.key, .key).routerPath) { request, context -> HTML in
            let user = try context.require(.viewAssessments)
            let page = try await operations.spotCheck(
                try context.parameters.require("id"), plan: try context.parameters.require("plan"), for: user)
            return SpotCheckViews.plan(
                page, identity: context.identity!, csrf: context.csrfToken,
                notice: Self.notice(request.uri.queryParameters["done"].map(String.init)))
        }
        router.get(SiteURL.spotCheckPrint(.key, .key).routerPath) { _, context -> HTML in
            let user = try context.require(.viewAssessments)
            let page = try await operations.spotCheck(
                try context.parameters.require("id"), plan: try context.parameters.require("plan"), for: user)
            return SpotCheckViews.print(page, results: false)
        }
        router.get(SiteURL.spotCheckNotice(.key, .key).routerPath) { _, context -> HTML in
            let user = try context.require(.viewAssessments)
            let page = try await operations.spotCheck(
                try context.parameters.require("id"), plan: try context.parameters.require("plan"), for: user)
            return SpotCheckViews.notice(page, identity: context.identity!, csrf: context.csrfToken)
        }
        router.get(SiteURL.spotCheckNoticePrint(.key, .key).routerPath) { _, context -> HTML in
            let user = try context.require(.viewAssessments)
            let page = try await operations.spotCheck(
                try context.parameters.require("id"), plan: try context.parameters.require("plan"), for: user)
            return SpotCheckViews.print(page, results: true)
        }
        router.post(SiteURL.spotCheckDraw(.key, .key).routerPath) { request, context -> Response in
            let user = try context.require(.manageAssessments)
            let id = try context.parameters.require("id"), planID = try context.parameters.require("plan")
            do {
                _ = try await operations.drawSpotCheck(id, plan: planID, by: user)
            } catch {
                return try await Self.refused(error, id: id, plan: planID, user: user, request, context, operations)
            }
            return ScoringController.redirect(.spotCheck(.value(AssessmentID(id)), .value(planID)), done: "drawn")
        }
        router.post(SiteURL.spotCheckResult(.key, .key).routerPath) { request, context -> Response in
            let user = try context.require(.recordFacts)
            let id = try context.parameters.require("id"), planID = try context.parameters.require("plan")
            let form = context.form
            do {
                let (_, finding) = try await operations.recordSpotCheckResult(
                    id, plan: planID, object: form["object"] ?? "", outcome: form["outcome"] ?? "",
                    note: form.raw("note") ?? "", item: form["item"] ?? "", by: user)
                return ScoringController.redirect(
                    .spotCheck(.value(AssessmentID(id)), .value(planID)), done: finding == nil ? "passed" : "problem")
            } catch {
                return try await Self.refused(error, id: id, plan: planID, user: user, request, context, operations)
            }
        }
        router.post(SiteURL.spotCheckPublish(.key, .key).routerPath) { request, context -> Response in
            let user = try context.require(.manageAssessments)
            let id = try context.parameters.require("id"), planID = try context.parameters.require("plan")
            do {
                _ = try await operations.publishSpotCheckResults(id, plan: planID, by: user)
            } catch {
                return try await Self.refused(error, id: id, plan: planID, user: user, request, context, operations)
            }
            return ScoringController.redirect(
                .spotCheckNotice(.value(AssessmentID(id)), .value(planID)), done: "public")
        }
    }

    static func refused(
        _ error: any Error, id: String, plan: String, user: User, _ request: Request, _ context: AppContext,
        _ operations: Operations
    ) async throws -> Response {
        guard let webError = ErrorAndHeadersMiddleware.appError(for: error),
            webError.status == .badRequest || webError.status == .conflict
        else { throw error }
        let page = try await operations.spotCheck(id, plan: plan, for: user)
        return try SpotCheckViews.plan(
            page, identity: context.identity!, csrf: context.csrfToken, error: webError.message
        )
        .with(status: webError.status).response(from: request, context: context)
    }

    static func notice(_ done: String?) -> String? {
        switch done {
        case "published": "抽查计划已公布（附随机种子的 SHA-256），抽取前不能更改"
        case "drawn": "已抽取：随机种子已公开，任何人可据此复核抽取结果"
        case "passed": "已记录：合格"
        case "problem": "已记录问题，已计入该考核项目的问题记录"
        default: nil
        }
    }
}
