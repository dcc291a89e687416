import Foundation
import Hummingbird
import KaoheApplication
import KaoheStorage

/// Grid entry: the page of one item for every unit, saving all rows at once (form) or one row (JSON, from the
/// page's script).
struct ItemGridController {
    let deps: AppDependencies

    /// One row's answer to the page's script.
    struct RowAnswer: Encodable {
        var status: String
        var message: String
        var version: Int?
        var score: String?
        var pending: Bool?
        var explanation: String?
    }

    func register(on router: Router<AppContext>) {
        let operations = Operations(deps)
        router.get(SiteURL.itemGrid(.key, .key).routerPath) { request, context -> HTML in
            let user = try context.require(.recordFacts)
            let grid = try await operations.itemGrid(
                try context.parameters.require("id"), item: try context.parameters.require("item"),
                list: try request.listQuery(Operations.itemGridListSpec), for: user)
            let saved = request.uri.queryParameters["saved"].flatMap { Int($0) }
            return ItemGridViews.page(
                grid, identity: context.identity!, csrf: context.csrfToken,
                notice: saved.map { $0 == 0 ? "没有改动，未保存任何一行" : "已保存\($0)行" })
        }
        router.post(SiteURL.itemGrid(.key, .key).routerPath) { request, context -> Response in
            let user = try context.require(.recordFacts)
            let id = try context.parameters.require("id"), item = try context.parameters.require("item")
            let form = context.form
            let rows = Self.rows(form)
            let outcomes = try await operations.saveItemGrid(
                id, item: item, rows: rows.map { ($0.unit, Self.input($0.form, reason: form["reason"])) }, by: user)
            let failed = zip(rows, outcomes).filter { _, outcome in
                switch outcome {
                case .saved, .unchanged: false
                case .conflict, .refused: true
                }
            }
            let savedCount = outcomes.filter { if case .saved = $0 { true } else { false } }.count
            // The page the form was on (its address keeps the search and the page).
            let list = try request.listQuery(Operations.itemGridListSpec)
            guard !failed.isEmpty else {
                return .redirect(
                    to: .itemGrid(.value(AssessmentID(id)), .value(item)),
                    extra: list.parameters(spec: Operations.itemGridListSpec) + [("saved", String(savedCount))])
            }
            // Rows that were not saved keep what was typed; the others show what is stored now.
            let grid = try await operations.itemGrid(id, item: item, list: list, for: user)
            var entered: [UnitID: FormData] = [:]
            var versions: [UnitID: Int] = [:]
            var statuses: [UnitID: ItemGridViews.RowStatus] = [:]
            var conflict = false
            for (row, outcome) in zip(rows, outcomes) {
                let unit = UnitID(row.unit)
                statuses[unit] = Self.status(outcome)
                switch outcome {
                case .conflict(let c):
                    conflict = true
                    entered[unit] = row.form
                    versions[unit] = c.current?.version ?? 0
                case .refused:
                    entered[unit] = row.form
                    versions[unit] = Int(row.form["version"] ?? "")
                case .saved, .unchanged: break
                }
            }
            let message =
                "已保存\(savedCount)行；\(failed.count)行未保存（见各行“状态”，输入已保留）"
                + (conflict ? "。冲突的行已被他人修改：核对后再次保存将以您的输入覆盖" : "")
            return try ItemGridViews.page(
                grid, entered: entered, versions: versions, statuses: statuses, identity: context.identity!,
                csrf: context.csrfToken, error: message
            ).with(status: conflict ? .conflict : .badRequest).response(from: request, context: context)
        }
        router.post(SiteURL.itemGridRow(.key, .key, .key).routerPath) { _, context -> Response in
            let user = try context.require(.recordFacts)
            let id = try context.parameters.require("id"), item = try context.parameters.require("item")
            let unit = try context.parameters.require("unit")
            let form = context.form
            let outcome = try await operations.saveItemGrid(
                id, item: item, rows: [(unit, Self.input(form, reason: form["reason"]))], by: user
            ).first!
            let row = try await operations.itemGridRow(id, item: item, unit: unit, for: user)
            let status = Self.status(outcome)
            var answer = RowAnswer(status: status.kind.rawValue, message: status.message)
            if case .conflict(let c) = outcome {
                answer.version = c.current?.version ?? 0
            } else {
                answer.version = row.version
                answer.score = row.result?.score.description
                if case .pending? = row.result?.state { answer.pending = true } else { answer.pending = false }
                answer.explanation = row.explanation
            }
            let code: HTTPResponse.Status =
                switch outcome {
                case .saved, .unchanged: .ok
                case .conflict: .conflict
                case .refused: .badRequest
                }
            return try JSONResponse.make(answer, status: code)
        }
    }

    /// The rows of a submitted grid: `r<n>.unit`, `r<n>.version` and `r<n>.f.<fact>` become one form per row with
    /// the prefix taken off.
    static func rows(_ form: FormData) -> [(unit: String, form: FormData)] {
        var order: [String] = []
        var forms: [String: FormData] = [:]
        for (key, value) in form.pairs where key.hasPrefix("r") {
            guard let dot = key.firstIndex(of: "."), Int(key[key.index(after: key.startIndex)..<dot]) != nil else {
                continue
            }
            let prefix = String(key[..<dot])
            if forms[prefix] == nil { order.append(prefix) }
            forms[prefix, default: FormData()].pairs.append((String(key[key.index(after: dot)...]), value))
        }
        return order.compactMap { prefix in
            guard let rowForm = forms[prefix], let unit = rowForm["unit"], !unit.isEmpty else { return nil }
            return (unit, rowForm)
        }
    }

    static func input(_ form: FormData, reason: String?) -> ItemFactsInput {
        ItemFactsInput(
            version: form["version"].flatMap { Int($0) }, facts: .entered(in: form),
            reason: reason.flatMap { $0.isEmpty ? nil : $0 })
    }

    static func status(_ outcome: ItemGridOutcome) -> ItemGridViews.RowStatus {
        switch outcome {
        case .saved(let record): .init(kind: .saved, message: "已保存（第\(record.version)版）")
        case .unchanged: .init(kind: .unchanged, message: "无改动")
        case .conflict(let c):
            .init(
                kind: .conflict,
                message: "冲突：他人已保存第\(c.current?.version ?? 0)版，您的输入未保存；再次保存将覆盖")
        case .refused(let message): .init(kind: .refused, message: message)
        }
    }
}
