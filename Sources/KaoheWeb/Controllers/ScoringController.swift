import Foundation
import Hummingbird
import KaoheApplication
import KaoheEngine
import KaoheFormats
import KaoheStorage

/// Scoring pages: one unit's score sheet with a form per item, saving an item, findings, facts import.
struct ScoringController {
    let deps: AppDependencies

    /// Fixed messages after a redirect (`?done=KEY`).
    static func notice(_ request: Request) -> String? {
        switch request.uri.queryParameters["done"].map(String.init) {
        case "saved": "已保存，得分已重新计算"
        case "finding": "问题已记录，已计入事实"
        case "sheet":
            "整表已保存：\(request.uri.queryParameters["n"].flatMap { Int(String($0)) } ?? 0)项有改动已保存，得分已重新计算"
        case "imported":
            "已导入\(request.uri.queryParameters["n"].flatMap { Int(String($0)) } ?? 0)项事实"
        default: nil
        }
    }

    static func redirect(_ url: SiteURL, done: String, anchor: String? = nil, extra: [(String, String)] = [])
        -> Response
    {
        let target = url.path(query: [("done", done)] + extra) + (anchor.map { "#" + SiteURL.encode($0) } ?? "")
        return .redirect(to: target, type: .normal)
    }

    /// The unit's scoring page again for a refused form (400 or 409), with `prefix` and the reason; other
    /// errors are thrown on.
    func scoringPage(
        after error: any Error, prefix: String, _ id: String, unit: String, user: User, request: Request,
        context: AppContext
    ) async throws -> Response {
        guard let webError = ErrorAndHeadersMiddleware.appError(for: error),
            webError.status == .badRequest || webError.status == .conflict
        else { throw error }
        let model = try await Operations(deps).unitScoring(id, unit: unit, for: user)
        return try Views.unitScoring(
            model, identity: context.identity!, csrf: context.csrfToken, error: prefix + webError.message
        )
        .with(status: webError.status).response(from: request, context: context)
    }

    /// Saves a whole sheet: every item on it over its version. All saved (or unchanged): back to the scoring
    /// page. Otherwise the sheet again, the items not saved with what was typed and why, the others saved.
    func saveUnitEntry(_ request: Request, _ context: AppContext) async throws -> Response {
        let user = try context.require(.recordFacts)
        let id = try context.parameters.require("id"), unit = try context.parameters.require("unit")
        let operations = Operations(deps)
        let before = try await operations.unitScoring(id, unit: unit, for: user)
        let form = context.form
        var items: [(item: String, input: ItemFactsInput)] = []
        var typed: [String: FormData] = [:]
        for group in before.groups where model(before, has: group.id, in: form) {
            let prefix = "i.\(group.id)."
            var own = FormData()
            own.pairs = form.pairs.filter { $0.0.hasPrefix(prefix) }.map {
                (String($0.0.dropFirst(prefix.count)), $0.1)
            }
            typed[group.id] = own
            items.append(
                (
                    group.id,
                    ItemFactsInput(
                        version: form["v.\(group.id)"].flatMap { Int($0) }, facts: .entered(in: own),
                        reason: form["reason"])
                ))
        }
        guard !items.isEmpty else { throw AppError.invalid("表单中没有可保存的项目，请刷新页面后重试") }
        let outcomes = try await operations.saveUnitSheet(id, unit: unit, items: items, by: user)
        var retained: [String: Views.ItemFormOverride] = [:]
        var messages: [String: String] = [:]
        var saved = 0
        for (item, outcome) in outcomes {
            switch outcome {
            case .saved: saved += 1
            case .unchanged: break
            case .conflict(let conflict):
                let who = conflict.current.map { "第\($0.version)版" } ?? "新版本"
                messages[item] = "保存冲突：本项目在您打开整表后已被他人保存（\(who)）。您的输入仍在下面，核对后再次保存即以您的输入为准。"
                retained[item] = Views.ItemFormOverride(
                    group: item, form: typed[item] ?? FormData(), version: conflict.current?.version ?? 0,
                    conflict: conflict.current)
            case .refused(let message):
                messages[item] = message
                retained[item] = Views.ItemFormOverride(
                    group: item, form: typed[item] ?? FormData(), version: nil, conflict: nil)
            }
        }
        if messages.isEmpty {
            return Self.redirect(
                .unitScoring(.value(AssessmentID(id)), .value(UnitID(unit))), done: "sheet",
                extra: [("n", String(saved))])
        }
        let conflicts = outcomes.contains {
            if case .conflict = $0.outcome { return true }
            return false
        }
        let model = try await operations.unitScoring(id, unit: unit, for: user)
        return try Views.unitEntry(
            model, retained: retained, messages: messages, identity: context.identity!, csrf: context.csrfToken,
            error: "\(messages.count) 项未保存（见标红的项目），其余 \(saved) 项已保存"
        )
        .with(status: conflicts ? .conflict : .badRequest).response(from: request, context: context)
    }

    /// Whether the submitted sheet holds the group (its version field) and the viewer may record it.
    private func model(_ model: UnitScoring, has group: String, in form: FormData) -> Bool {
        model.editable.contains(group) && form["v.\(group)"] != nil
    }

    func register(on router: Router<AppContext>) {
        router.get(SiteURL.unitScoring(.key, .key).routerPath) { request, context -> HTML in
            let user = try context.require(.viewAssessments)
            let model = try await Operations(deps).unitScoring(
                try context.parameters.require("id"), unit: try context.parameters.require("unit"), for: user)
            return Views.unitScoring(
                model, identity: context.identity!, csrf: context.csrfToken, notice: Self.notice(request))
        }
        router.get(SiteURL.unitAudit(.key, .key).routerPath) { _, context -> HTML in
            let user = try context.require(.viewAssessments)
            let model = try await Operations(deps).unitAudit(
                try context.parameters.require("id"), unit: try context.parameters.require("unit"), for: user)
            return Views.unitAudit(model, identity: context.identity!, csrf: context.csrfToken)
        }
        router.post(SiteURL.itemForm(.key, .key, .key).routerPath) { request, context -> Response in
            let user = try context.require(.recordFacts)
            let id = try context.parameters.require("id"), unit = try context.parameters.require("unit")
            let item = try context.parameters.require("item")
            let operations = Operations(deps)
            do {
                let form = context.form
                _ = try await operations.saveItemFacts(
                    id, unit: unit, group: item,
                    ItemFactsInput(
                        version: form["version"].flatMap { Int($0) }, facts: .entered(in: form), reason: form["reason"]),
                    by: user)
            } catch let conflict as FactsConflict {
                let model = try await operations.unitScoring(id, unit: unit, for: user)
                let retained = Views.ItemFormOverride(
                    group: item, form: context.form, version: conflict.current?.version ?? 0, conflict: conflict.current
                )
                return try Views.unitScoring(
                    model, retained: retained, identity: context.identity!, csrf: context.csrfToken,
                    error: "保存冲突：本项目已被他人修改，您的输入未保存（见下方），请核对后再保存"
                )
                .with(status: .conflict).response(from: request, context: context)
            } catch {
                guard let webError = ErrorAndHeadersMiddleware.appError(for: error),
                    webError.status == .badRequest || webError.status == .conflict
                else { throw error }
                let model = try await operations.unitScoring(id, unit: unit, for: user)
                let retained = Views.ItemFormOverride(group: item, form: context.form, version: nil, conflict: nil)
                return try Views.unitScoring(
                    model, retained: retained, identity: context.identity!, csrf: context.csrfToken,
                    error: webError.message
                )
                .with(status: webError.status).response(from: request, context: context)
            }
            return Self.redirect(
                .unitScoring(.value(AssessmentID(id)), .value(UnitID(unit))), done: "saved", anchor: "item-\(item)")
        }
        router.get(SiteURL.unitEntry(.key, .key).routerPath) { _, context -> HTML in
            let user = try context.require(.recordFacts)
            let model = try await Operations(deps).unitScoring(
                try context.parameters.require("id"), unit: try context.parameters.require("unit"), for: user)
            return Views.unitEntry(model, identity: context.identity!, csrf: context.csrfToken)
        }
        router.post(SiteURL.unitEntry(.key, .key).routerPath) { request, context -> Response in
            try await saveUnitEntry(request, context)
        }
        router.post(SiteURL.unitFindings(.key, .key).routerPath) { request, context -> Response in
            let user = try context.require(.recordFacts)
            let id = try context.parameters.require("id"), unit = try context.parameters.require("unit")
            let form = context.form
            let item = form["item"] ?? ""
            let operations = Operations(deps)
            do {
                _ = try await operations.addScoredFinding(
                    id, unit: unit, group: item, fact: form["fact"] ?? "", date: form["date"] ?? "",
                    note: form["note"] ?? "", evidence: form["evidence"], by: user)
            } catch {
                return try await scoringPage(
                    after: error, prefix: "问题未记录：", id, unit: unit, user: user, request: request, context: context)
            }
            return Self.redirect(
                .unitScoring(.value(AssessmentID(id)), .value(UnitID(unit))), done: "finding", anchor: "item-\(item)")
        }
        router.get(SiteURL.factsImport(.key).routerPath) { request, context -> HTML in
            let user = try context.require(.recordFacts)
            let detail = try await Operations(deps).assessmentDetail(try context.parameters.require("id"), for: user)
            return Views.factsImport(
                detail.assessment,
                example: Self.example(detail, scheme: try? await Operations(deps).scheme(of: detail.assessment)),
                identity: context.identity!, csrf: context.csrfToken,
                notice: Self.notice(request))
        }
        router.post(SiteURL.factsImport(.key).routerPath) { request, context -> Response in
            let user = try context.require(.recordFacts)
            let id = try context.parameters.require("id")
            let text = context.form.raw("json") ?? ""
            let count: Int
            do {
                count = try await Operations(deps).importFactsDocument(id, json: text, by: user)
            } catch {
                guard let webError = ErrorAndHeadersMiddleware.appError(for: error), webError.status != .forbidden,
                    webError.status != .notFound
                else { throw error }
                let detail = try await Operations(deps).assessmentDetail(id, for: user)
                var details: [LineError] = []
                if case .lineErrors(let errors) = webError { details = errors }
                return try Views.factsImport(
                    detail.assessment,
                    example: Self.example(detail, scheme: try? await Operations(deps).scheme(of: detail.assessment)),
                    identity: context.identity!,
                    csrf: context.csrfToken, text: text, error: "导入失败，没有保存任何数据：" + webError.message,
                    details: details
                )
                .with(status: webError.status).response(from: request, context: context)
            }
            return Self.redirect(
                .factsImport(.value(AssessmentID(id))), done: "imported", extra: [("n", String(count))])
        }
    }

    /// A short example document for the assessment's first unit.
    static func example(_ detail: AssessmentDetail, scheme: Scheme?) -> String {
        let unit = detail.units.first
        var facts = "{}"
        if let scheme,
            let item = scheme.items.first(where: {
                scheme.applies($0, to: unit.flatMap { ScoringRules.schemeUnitType(for: $0, in: scheme) })
            }),
            let spec = item.facts.first
        {
            let sample: String
            switch spec.type {
            case .bool: sample = "true"
            case .count: sample = "2"
            case .rate: sample = "0.95"
            case .number(let min, _): sample = (min ?? .zero).description
            case .choice(let options): sample = FactForm.jsonString(options.first?.id ?? "")
            case .levels(let options): sample = "[\(FactForm.jsonString(options.first?.id ?? ""))]"
            case .counts12: sample = "[1,1,1,1,1,1,1,1,1,1,1,1]"
            case .dates(let fields):
                sample = "[{\(FactForm.jsonString(fields.first?.id ?? "")):\"\(detail.assessment.year)-03-01\"}]"
            }
            facts = "{\(FactForm.jsonString(item.id)): {\(FactForm.jsonString(spec.name)): \(sample)}}"
        }
        return """
            {
              "scheme": "\(detail.assessment.schemeID)",
              "units": [
                {"id": "\(unit?.code ?? "A01")", "facts": \(facts)}
              ]
            }
            """
    }
}

/// `POST /api/v1/assessments/:id/facts` and `GET /api/v1/assessments/:id/results`.
struct APIScoringController {
    let deps: AppDependencies

    struct ImportResponse: Encodable { let imported: Int }

    func register(on router: Router<AppContext>) {
        router.post(SiteURL.api(.factsImport(.key)).routerPath) { request, context -> Response in
            let user = try context.require(.recordFacts)
            let buffer = try await context.collectBody(request)
            let count = try await Operations(deps).importFactsDocument(
                try context.parameters.require("id"), json: String(buffer: buffer), by: user)
            return try JSONResponse.make(ImportResponse(imported: count))
        }
        router.get(SiteURL.api(.results(.key)).routerPath) { request, context -> Response in
            let user = try context.require(.viewAssessments)
            let (body, version, gzipped) = try await Operations(deps).resultsBody(
                try context.parameters.require("id"), for: user, gzip: HTTPCompression.acceptsGzip(request))
            var headers = HTTPFields()
            headers[.contentType] = "application/json; charset=utf-8"
            headers[.vary] = "Accept-Encoding"
            guard let version else {
                headers[.cacheControl] = "no-store"
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
            }
            // Unchanged while nothing is written: clients may keep the document and ask again with If-None-Match.
            let etag = "W/\"\(version)\""
            headers[.cacheControl] = "private, no-cache"
            headers[.eTag] = etag
            if let match = request.headers[.ifNoneMatch], HTTPCompression.matches(match, version: version) {
                return Response(status: .notModified, headers: headers)
            }
            if gzipped { headers[.contentEncoding] = "gzip" }
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
        }
    }
}
