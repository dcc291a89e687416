import Foundation
import Hummingbird
import KaoheApplication
import KaoheStorage

/// The assessed units' side and the way to a published result: self-assessment, submission, deadlines,
/// review, publication versions and objections.
struct WorkflowController {
    let deps: AppDependencies

    /// Fixed messages after a redirect (`?done=KEY`).
    static func notice(_ request: Request) -> String? {
        switch request.uri.queryParameters["done"].map(String.init) {
        case "saved": "已保存（草稿）"
        case "submitted": "自评已提交"
        case "answered": "补正说明已提交"
        case "reviewed": "审核意见已记录"
        case "deadlines": "截止日期已保存"
        case "extended": "已延期，并记入审计日志"
        case "published": "已发布新版本"
        case "objected": "异议已提交，等待考核办答复"
        case "answeredObjection": "异议已答复"
        default: nil
        }
    }

    /// Runs `action`; on a refused input (400/409) shows `page` again with the message and the status, so
    /// nothing typed is lost; otherwise redirects to `target` with `done`.
    static func act(
        _ request: Request, _ context: AppContext, target: SiteURL, done: String, anchor: String? = nil,
        page: (String) async throws -> HTML, action: () async throws -> Void
    ) async throws -> Response {
        do {
            try await action()
        } catch {
            guard let webError = ErrorAndHeadersMiddleware.appError(for: error),
                webError.status == .badRequest || webError.status == .conflict
            else { throw error }
            return try await page(webError.message).with(status: webError.status).response(
                from: request, context: context)
        }
        return ScoringController.redirect(target, done: done, anchor: anchor)
    }

    func register(on router: Router<AppContext>) {
        let operations = Operations(deps)
        for url in [SiteURL.selfAssessment(.key, .key), .review(.key, .key)] {
            router.get(url.routerPath) { request, context -> HTML in
                try context.require(.viewAssessments)
                return try await unitPage(request, context, error: nil)
            }
        }
        router.post(SiteURL.selfAssessmentItem(.key, .key, .key).routerPath) { request, context -> Response in
            let user = try context.require(.selfAssess)
            let id = try context.parameters.require("id"), unit = try context.parameters.require("unit")
            let item = try context.parameters.require("item")
            return try await Self.act(
                request, context, target: .selfAssessment(.value(AssessmentID(id)), .value(UnitID(unit))),
                done: "saved", anchor: "item-\(item)",
                page: { try await unitPage(request, context, retained: (item, context.form), error: $0) }
            ) {
                let form = context.form
                _ = try await operations.saveSelfAssessmentItem(
                    id, unit: unit, item: item,
                    SelfAssessmentInput(
                        version: form["version"].flatMap { Int($0) }, selfScore: form["self_score"] ?? "",
                        note: form["note"] ?? "", claimedFacts: .entered(in: form), answer: form["answer"]),
                    by: user)
            }
        }
        router.post(SiteURL.reviewAnswer(.key, .key, .key).routerPath) { request, context -> Response in
            let user = try context.require(.selfAssess)
            let id = try context.parameters.require("id"), unit = try context.parameters.require("unit")
            let item = try context.parameters.require("item")
            return try await Self.act(
                request, context, target: .selfAssessment(.value(AssessmentID(id)), .value(UnitID(unit))),
                done: "answered", anchor: "item-\(item)", page: { try await unitPage(request, context, error: $0) }
            ) {
                try await operations.answerReturn(
                    id, unit: unit, item: item, answer: context.form["answer"] ?? "", by: user)
            }
        }
        router.post(SiteURL.selfAssessmentSubmit(.key, .key).routerPath) { request, context -> Response in
            let user = try context.require(.selfAssess)
            let id = try context.parameters.require("id"), unit = try context.parameters.require("unit")
            return try await Self.act(
                request, context, target: .selfAssessment(.value(AssessmentID(id)), .value(UnitID(unit))),
                done: "submitted", page: { try await unitPage(request, context, error: $0) }
            ) {
                _ = try await operations.submitSelfAssessment(id, unit: unit, by: user)
            }
        }
        router.post(SiteURL.reviewItem(.key, .key, .key).routerPath) { request, context -> Response in
            let user = try context.require(.review)
            let id = try context.parameters.require("id"), unit = try context.parameters.require("unit")
            let item = try context.parameters.require("item")
            return try await Self.act(
                request, context, target: .review(.value(AssessmentID(id)), .value(UnitID(unit))), done: "reviewed",
                anchor: "item-\(item)", page: { try await unitPage(request, context, error: $0) }
            ) {
                try await operations.reviewItem(
                    id, unit: unit, item: item, decision: context.form["decision"] ?? "",
                    text: context.form["text"] ?? "", adopt: context.form["adopt"] == "1", by: user)
            }
        }
        router.post(SiteURL.unitObjections(.key, .key).routerPath) { request, context -> Response in
            let user = try context.require(.selfAssess)
            let id = try context.parameters.require("id"), unit = try context.parameters.require("unit")
            let target = SiteURL.selfAssessment(.value(AssessmentID(id)), .value(UnitID(unit)))
            guard (request.headers[.contentType] ?? "").hasPrefix("multipart/form-data") else {
                let item = context.form["item"] ?? ""
                return try await Self.act(
                    request, context, target: target, done: "objected", anchor: "item-\(item)",
                    page: { try await unitPage(request, context, error: $0) }
                ) {
                    _ = try await operations.lodgeObjection(
                        id, unit: unit, item: item, text: context.form["text"] ?? "",
                        evidence: context.form.all("evidence"), by: user)
                }
            }
            // With files: read the multipart body (streamed into the evidence store), keep the files only
            // when the objection itself is accepted.
            return try await Self.act(
                request, context, target: target, done: "objected", anchor: nil,
                page: { try await unitPage(request, context, error: $0) }
            ) {
                let evidence = EvidenceOperations(deps)
                try await evidence.withObjectionUpload(request, assessment: id, unit: unit, by: user) {
                    received in
                    let fields = received.fields
                    let item = fields["item"] ?? "", text = fields["text"] ?? ""
                    // Checked before the files are stored: a refused objection leaves no evidence records.
                    _ = try await operations.checkObjection(id, unit: unit, item: item, text: text, by: user)
                    var ids = fields.all("evidence")
                    for file in received.files {
                        ids.append(
                            try await evidence.storeObjectionEvidence(
                                file, assessment: id, unit: unit, item: item, by: user
                            ).id.rawValue)
                    }
                    _ = try await operations.lodgeObjection(
                        id, unit: unit, item: item, text: text, evidence: ids, by: user)
                }
            }
        }

        // The organizer's side.
        router.get(SiteURL.submissions(.key).routerPath) { request, context -> HTML in
            try context.require(.viewAssessments)
            return try await dashboard(request, context, error: nil)
        }
        router.post(SiteURL.assessmentDeadlines(.key).routerPath) { request, context -> Response in
            let user = try context.require(.manageAssessments)
            let id = try context.parameters.require("id")
            return try await Self.act(
                request, context, target: .submissions(.value(AssessmentID(id))), done: "deadlines",
                page: { try await dashboard(request, context, error: $0) }
            ) {
                let form = context.form
                _ = try await operations.setDeadlines(
                    id,
                    DeadlinesInput(
                        submission: form["submission_deadline"], objection: form["objection_deadline"],
                        reason: form["reason"]),
                    by: user)
            }
        }
        router.post(SiteURL.deadlineExtension(.key, .key).routerPath) { request, context -> Response in
            let user = try context.require(.manageAssessments)
            let id = try context.parameters.require("id"), unit = try context.parameters.require("unit")
            return try await Self.act(
                request, context, target: .submissions(.value(AssessmentID(id))), done: "extended",
                page: { try await dashboard(request, context, error: $0) }
            ) {
                _ = try await operations.extendDeadline(
                    id, unit: unit,
                    DeadlineExtensionInput(deadline: context.form["deadline"], reason: context.form["reason"] ?? ""),
                    by: user)
            }
        }

        // Publication.
        for url in [SiteURL.publications(.key), .objections(.key)] {
            router.get(url.routerPath) { request, context -> HTML in
                try context.require(.viewAssessments)
                return try await publicationsPage(request, context, error: nil)
            }
        }
        router.post(SiteURL.publications(.key).routerPath) { request, context -> Response in
            let user = try context.require(.manageAssessments)
            let id = try context.parameters.require("id")
            return try await Self.act(
                request, context, target: .publications(.value(AssessmentID(id))), done: "published",
                page: { try await publicationsPage(request, context, error: $0) }
            ) {
                _ = try await operations.publishCorrection(id, note: context.form["note"] ?? "", by: user)
            }
        }
        router.post(SiteURL.objectionAnswer(.key, .key).routerPath) { request, context -> Response in
            let user = try context.require(.manageAssessments)
            let id = try context.parameters.require("id"), objection = try context.parameters.require("objection")
            return try await Self.act(
                request, context, target: .publications(.value(AssessmentID(id))), done: "answeredObjection",
                page: { try await publicationsPage(request, context, error: $0) }
            ) {
                _ = try await operations.answerObjection(
                    id, objection: objection,
                    ObjectionAnswer(
                        decision: (context.form["decision"]).flatMap(ObjectionStatus.init(rawValue:)),
                        answer: context.form["answer"] ?? ""),
                    by: user)
            }
        }
        router.get(SiteURL.publicationCompare(.key).routerPath) { request, context -> HTML in
            let user = try context.require(.viewAssessments)
            let query = request.uri.queryParameters
            let model = try await operations.comparePublications(
                try context.parameters.require("id"), left: query["a"].flatMap { Int(String($0)) },
                right: query["b"].flatMap { Int(String($0)) }, for: user)
            return Views.publicationCompare(model, identity: context.identity!, csrf: context.csrfToken)
        }
    }

    /// The unit's self-assessment / review page, with an error and the retained form of one item.
    func unitPage(_ request: Request, _ context: AppContext, retained: (String, FormData)? = nil, error: String?)
        async throws -> HTML
    {
        let model = try await Operations(deps).unitWorkflow(
            try context.parameters.require("id"), unit: try context.parameters.require("unit"),
            for: try context.requireUser())
        return Views.unitWorkflow(
            model, identity: context.identity!, csrf: context.csrfToken,
            notice: error == nil ? Self.notice(request) : nil, error: error,
            retained: retained.map { (item: $0.0, form: $0.1) })
    }

    /// The organizer's dashboard of submissions.
    func dashboard(_ request: Request, _ context: AppContext, error: String?) async throws -> HTML {
        Views.submissions(
            try await Operations(deps).submissionsDashboard(
                try context.parameters.require("id"), for: try context.requireUser()),
            identity: context.identity!, csrf: context.csrfToken, notice: error == nil ? Self.notice(request) : nil,
            error: error)
    }

    /// The publication page.
    func publicationsPage(_ request: Request, _ context: AppContext, error: String?) async throws -> HTML {
        Views.publications(
            try await Operations(deps).publicationsPage(
                try context.parameters.require("id"), for: try context.requireUser()),
            identity: context.identity!, csrf: context.csrfToken, notice: error == nil ? Self.notice(request) : nil,
            error: error)
    }
}
