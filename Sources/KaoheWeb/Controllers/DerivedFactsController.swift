import Foundation
import Hummingbird
import KaoheApplication
import KaoheExport
import KaoheRecords
import KaoheStorage

/// Facts derived from platform records: the records behind one (page, CSV, XLSX) and evaluators' overrides.
struct DerivedFactsController {
    let deps: AppDependencies

    func register(on router: Router<AppContext>) {
        router.get(SiteURL.recordsBehind(.key, .key, .key, .key).routerPath) { request, context -> HTML in
            let (model, status, search) = try await behind(request, context)
            return Views.recordsBehind(
                model, status: status, search: search, identity: context.identity!, csrf: context.csrfToken)
        }
        router.get(SiteURL.recordsBehindCSV(.key, .key, .key, .key).routerPath) { request, context -> Response in
            let (model, _, _) = try await behind(request, context)
            return ResultsController.download(
                CSVWriter.data(rows: Views.recordsBehindTable(model)), type: HTTPDownload.csvContentType,
                name: Self.fileName(model, ext: "csv"))
        }
        router.get(SiteURL.recordsBehindXLSX(.key, .key, .key, .key).routerPath) { request, context -> Response in
            let (model, _, _) = try await behind(request, context)
            let table = Views.recordsBehindTable(model)
            let cells = table.dropFirst().map { $0.map(XLSXCell.text) }
            var writer = XLSXWriter()
            try writer.addSheet(
                XLSXSheet(
                    name: "推算依据", header: table[0], rows: Array(cells),
                    columnWidths: XLSXSheet.fittingWidths(for: table.map { $0.map(XLSXCell.text) })))
            let now = deps.now()
            return ResultsController.download(
                try writer.data(
                    properties: XLSXProperties(title: Self.fileName(model, ext: ""), created: now, modified: now)),
                type: HTTPDownload.xlsxContentType, name: Self.fileName(model, ext: "xlsx"))
        }
        router.post(SiteURL.derivedOverride(.key, .key, .key, .key).routerPath) { request, context -> Response in
            let user = try context.require(.recordFacts)
            let id = try context.parameters.require("id"), unit = try context.parameters.require("unit")
            let item = try context.parameters.require("item"), fact = try context.parameters.require("fact")
            let form = context.form
            let operations = Operations(deps)
            do {
                try await operations.overrideDerivedFact(
                    id, unit: unit, group: item, fact: fact, value: form["restore"] == "1" ? nil : .entered(in: form),
                    reason: form["reason"] ?? "", by: user)
            } catch {
                return try await ScoringController(deps: deps).scoringPage(
                    after: error, prefix: "未改动：", id, unit: unit, user: user, request: request, context: context)
            }
            return ScoringController.redirect(
                .unitScoring(.value(AssessmentID(id)), .value(UnitID(unit))), done: "saved", anchor: "item-\(item)")
        }
    }

    func behind(_ request: Request, _ context: AppContext) async throws -> (RecordsBehindFact, String, String) {
        let user = try context.require(.viewAssessments)
        let statusText = request.uri.queryParameters["status"].map(String.init) ?? ""
        let search = request.uri.queryParameters["q"].map(String.init) ?? ""
        let status = statusText.isEmpty ? nil : DeadlineStatus(rawValue: statusText)
        if !statusText.isEmpty && status == nil { throw AppError.invalid("未知的状态“\(statusText)”") }
        let model = try await Operations(deps).recordsBehind(
            try context.parameters.require("id"), unit: try context.parameters.require("unit"),
            group: try context.parameters.require("item"), fact: try context.parameters.require("fact"),
            status: status, search: search, for: user)
        return (model, statusText, search)
    }

    static func fileName(_ model: RecordsBehindFact, ext: String) -> String {
        "\(model.unit.name)-\(model.itemID)-\(model.fact.label)-推算依据" + (ext.isEmpty ? "" : ".\(ext)")
    }
}
