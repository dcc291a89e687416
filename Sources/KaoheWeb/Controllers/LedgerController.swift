import Foundation
import Hummingbird
import KaoheApplication
import KaoheExport
import KaoheStorage

/// The rectification ledger (整改台账): the ledger per assessment and per unit with filters, its XLSX, opening
/// items, the item page with its history, the unit's answer with evidence (multipart), the evaluator's and the
/// organizer's steps, and the carry-over of last year's open items.
struct LedgerController {
    let deps: AppDependencies

    func register(on router: Router<AppContext>) {
        let operations = Operations(deps)
        router.get(SiteURL.ledger(.key).routerPath) { request, context -> HTML in
            let user = try context.require(.viewAssessments)
            let filter = try Self.filter(request)
            let page = try await operations.ledger(
                try context.parameters.require("id"), filter: filter,
                list: try request.listQuery(Operations.ledgerListSpec), for: user)
            return LedgerViews.ledger(
                page, identity: context.identity!, csrf: context.csrfToken,
                notice: Self.notice(request.uri.queryParameters["done"].map(String.init)),
                prefill: Self.prefill(request))
        }
        router.post(SiteURL.ledger(.key).routerPath) { request, context -> Response in
            let user = try context.require(.recordFacts)
            let id = try context.parameters.require("id")
            let form = context.form
            let input = LedgerItemInput(
                unit: form["unit"] ?? "", item: form["item"] ?? "", finding: form["finding"] ?? "",
                problem: form.raw("problem") ?? "", measures: form.raw("measures") ?? "",
                workingDays: form["days"] ?? "", source: form["source"] ?? "")
            do {
                let item = try await operations.openLedgerItem(id, input, by: user)
                return ScoringController.redirect(
                    .ledgerItem(.value(AssessmentID(id)), .value(item.id)), done: "opened")
            } catch {
                guard let webError = ErrorAndHeadersMiddleware.appError(for: error),
                    webError.status == .badRequest || webError.status == .conflict || webError.status == .notFound
                else { throw error }
                let page = try await operations.ledger(id, filter: LedgerFilter(), for: user)
                return try LedgerViews.ledger(
                    page, identity: context.identity!, csrf: context.csrfToken, error: webError.message,
                    prefill: form
                ).with(status: webError.status).response(from: request, context: context)
            }
        }
        router.get(SiteURL.ledgerXLSX(.key).routerPath) { request, context -> Response in
            let user = try context.require(.viewAssessments)
            let (page, data) = try await operations.ledgerXLSX(
                try context.parameters.require("id"), filter: try Self.filter(request), for: user)
            return ResultsController.download(
                data, type: HTTPDownload.xlsxContentType, name: "\(page.assessment.title)-整改台账.xlsx")
        }
        router.post(SiteURL.ledgerCarryOver(.key).routerPath) { _, context -> Response in
            let user = try context.require(.manageAssessments)
            let id = try context.parameters.require("id")
            let made = try await operations.carryOverLedger(id, by: user)
            return ScoringController.redirect(
                .ledger(.value(AssessmentID(id))), done: "carried", extra: [("count", String(made.count))])
        }
        router.get(SiteURL.ledgerItem(.key, .key).routerPath) { request, context -> HTML in
            let user = try context.require(.viewAssessments)
            let page = try await operations.ledgerItem(
                try context.parameters.require("id"), item: try context.parameters.require("item"), for: user)
            return LedgerViews.item(
                page, identity: context.identity!, csrf: context.csrfToken,
                notice: Self.notice(request.uri.queryParameters["done"].map(String.init)))
        }
        router.post(SiteURL.ledgerStep(.key, .key).routerPath) { request, context -> Response in
            let user = try context.requireUser()
            guard user.can(.selfAssess) || user.can(.review) else {
                throw AppError.forbidden("办理整改事项（需责任单位填报人、评分人、考核组织者或管理员角色）")
            }
            let id = try context.parameters.require("id"), itemID = try context.parameters.require("item")
            let form = context.form
            do {
                _ = try await operations.stepLedgerItem(
                    id, item: itemID, action: form["action"] ?? "", text: form.raw("text") ?? "",
                    verdict: form["verdict"] ?? "", points: form["points"] ?? "",
                    version: form["version"].flatMap { Int($0) }, by: user)
                return ScoringController.redirect(
                    .ledgerItem(.value(AssessmentID(id)), .value(itemID)), done: form["action"] ?? "")
            } catch {
                return try await Self.refused(error, id: id, item: itemID, user: user, request, context, operations)
            }
        }
        router.post(SiteURL.ledgerAnswer(.key, .key).routerPath) { request, context -> Response in
            let user = try context.require(.selfAssess)
            let id = try context.parameters.require("id"), itemID = try context.parameters.require("item")
            // Who may answer is checked before any byte of the body is read.
            let page = try await operations.ledgerItem(id, item: itemID, for: user)
            guard page.allowed.contains(.answer) else {
                _ = try await operations.stepLedgerItem(id, item: itemID, action: "answer", text: "-", by: user)
                throw AppError.forbidden("提交整改情况")
            }
            let evidenceOps = EvidenceOperations(deps)
            let scope = try await evidenceOps.scope(id, unit: page.unit.id.rawValue, for: user)
            var fields = context.form
            var files: [ReceivedFile] = []
            var received: ReceivedUpload?
            if request.headers[.contentType].flatMap(MultipartReader<RequestBody>.boundary) != nil {
                let upload = try await evidenceOps.receive(request, maxFiles: 5)
                received = upload
                fields = upload.fields
                files = upload.files
            }
            defer { received?.discard() }
            let text = fields.raw("text") ?? ""
            guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                let html = LedgerViews.item(
                    page, identity: context.identity!, csrf: context.csrfToken, error: "请填写“整改情况”")
                return try html.with(status: .badRequest).response(from: request, context: context)
            }
            var evidence: [EvidenceID] = []
            for file in files {
                let stored = try await evidenceOps.record(
                    file, scope: scope, item: page.item.itemID ?? "整改台账", purpose: .rectification, by: user)
                evidence.append(stored.id)
            }
            do {
                _ = try await operations.stepLedgerItem(
                    id, item: itemID, action: "answer", text: text, evidence: evidence,
                    version: fields["version"].flatMap { Int($0) }, by: user)
            } catch {
                return try await Self.refused(error, id: id, item: itemID, user: user, request, context, operations)
            }
            return ScoringController.redirect(.ledgerItem(.value(AssessmentID(id)), .value(itemID)), done: "answer")
        }
    }

    /// The item page again with the reason of a refused step (400, 409); other errors are thrown on.
    static func refused(
        _ error: any Error, id: String, item: String, user: User, _ request: Request, _ context: AppContext,
        _ operations: Operations
    ) async throws -> Response {
        guard let webError = ErrorAndHeadersMiddleware.appError(for: error),
            webError.status == .badRequest || webError.status == .conflict
        else { throw error }
        let page = try await operations.ledgerItem(id, item: item, for: user)
        return try LedgerViews.item(page, identity: context.identity!, csrf: context.csrfToken, error: webError.message)
            .with(status: webError.status).response(from: request, context: context)
    }

    static func filter(_ request: Request) throws -> LedgerFilter {
        let query = request.uri.queryParameters
        return try LedgerFilter.parse(
            state: query["state"].map(String.init), unit: query["unit"].map(String.init),
            overdue: query["overdue"].map(String.init))
    }

    /// The open-item form's values from the query (a link from a finding or a deduction).
    static func prefill(_ request: Request) -> FormData {
        var form = FormData()
        for key in ["unit", "item", "finding", "problem", "source"] {
            if let value = request.uri.queryParameters[key[...]] { form.pairs.append((key, String(value))) }
        }
        return form
    }

    static func notice(_ done: String?) -> String? {
        switch done {
        case "opened": "整改事项已建立，已书面通知责任单位"
        case "start": "已开始整改"
        case "answer": "整改情况已提交，等待核验"
        case "verify": "已核验销号"
        case "return": "已退回重新整改"
        case "judge": "已认定，计入减分项目"
        case "clear_judgement": "认定已撤销"
        case "carried": "上年度未销号的整改事项已结转"
        default: nil
        }
    }
}
