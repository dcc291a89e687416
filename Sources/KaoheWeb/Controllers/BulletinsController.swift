import Foundation
import Hummingbird
import KaoheApplication
import KaoheExport
import KaoheStorage

/// Monthly bulletins (月度通报): the list and the form, drafts, publishing, published bulletins as a page, an A4
/// print and an XLSX, the score trend chart, and the API's list and frozen documents.
struct BulletinsController {
    let deps: AppDependencies

    func register(on router: Router<AppContext>) {
        let operations = Operations(deps)
        router.get(SiteURL.bulletins(.key).routerPath) { request, context -> HTML in
            let user = try context.require(.viewAssessments)
            let index = try await operations.bulletinIndex(try context.parameters.require("id"), for: user)
            return Views.bulletinIndex(index, identity: context.identity!, csrf: context.csrfToken)
        }
        router.post(SiteURL.bulletins(.key).routerPath) { request, context -> Response in
            let user = try context.require(.manageAssessments)
            let id = try context.parameters.require("id")
            let form = context.form
            do {
                let bulletinRequest = try await operations.bulletinRequest(
                    id, period: form["period"], overdue: form["overdue"], deduction: form["deduction"],
                    below: form["below"], for: user)
                let published = try await operations.publishBulletin(id, bulletinRequest, by: user)
                return ScoringController.redirect(
                    .bulletin(.value(AssessmentID(id)), .value(published.number)), done: "published")
            } catch {
                guard let webError = ErrorAndHeadersMiddleware.appError(for: error),
                    webError.status == .badRequest || webError.status == .conflict
                else { throw error }
                let index = try await operations.bulletinIndex(id, for: user)
                return try Views.bulletinIndex(
                    index, identity: context.identity!, csrf: context.csrfToken, error: webError.message
                ).with(status: webError.status).response(from: request, context: context)
            }
        }
        router.get(SiteURL.bulletinDraft(.key).routerPath) { request, context -> HTML in
            let (user, id, bulletinRequest) = try await Self.draftRequest(request, context, operations)
            let document = try await operations.bulletinDraft(id, bulletinRequest, for: user)
            return Views.bulletin(
                document, stored: nil, query: Self.query(bulletinRequest), canPublish: true,
                identity: context.identity!, csrf: context.csrfToken)
        }
        router.get(SiteURL.bulletinDraftPrint(.key).routerPath) { request, context -> HTML in
            let (user, id, bulletinRequest) = try await Self.draftRequest(request, context, operations)
            let document = try await operations.bulletinDraft(id, bulletinRequest, for: user)
            return Views.bulletinPrint(
                document, stored: nil, back: .bulletinDraft(.value(AssessmentID(id))))
        }
        router.get(SiteURL.bulletinDraftXLSX(.key).routerPath) { request, context -> Response in
            let (user, id, bulletinRequest) = try await Self.draftRequest(request, context, operations)
            let document = try await operations.bulletinDraft(id, bulletinRequest, for: user)
            return try Self.xlsx(document, now: deps.now())
        }
        router.get(SiteURL.bulletinTrend(.key).routerPath) { _, context -> Response in
            let user = try context.require(.viewAssessments)
            let trend = try await operations.bulletinTrend(try context.parameters.require("id"), for: user)
            let months = trend.months.enumerated().map { index, label in
                index + 1 == trend.liveMonth ? "\(label)（当前）" : label
            }
            return ResultsController.svg(
                SVGChart.lines(categories: months, series: trend.series, title: trend.title, yLabel: "暂定得分"))
        }
        router.get(SiteURL.bulletin(.key, .key).routerPath) { request, context -> HTML in
            let user = try context.require(.viewAssessments)
            let (id, number) = try Self.numbered(context)
            let (stored, document) = try await operations.bulletin(id, number: number, for: user)
            let notice = request.uri.queryParameters["done"] == "published" ? "“\(stored.title)”已发布" : nil
            return Views.bulletin(
                document, stored: stored, query: [], canPublish: false, identity: context.identity!,
                csrf: context.csrfToken, notice: notice)
        }
        router.get(SiteURL.bulletinPrint(.key, .key).routerPath) { _, context -> HTML in
            let user = try context.require(.viewAssessments)
            let (id, number) = try Self.numbered(context)
            let (stored, document) = try await operations.bulletin(id, number: number, for: user)
            return Views.bulletinPrint(
                document, stored: stored, back: .bulletin(.value(AssessmentID(id)), .value(number)))
        }
        router.get(SiteURL.bulletinXLSX(.key, .key).routerPath) { _, context -> Response in
            let user = try context.require(.viewAssessments)
            let (id, number) = try Self.numbered(context)
            let (_, document) = try await operations.bulletin(id, number: number, for: user)
            return try Self.xlsx(document, now: deps.now())
        }

        router.get(SiteURL.api(.bulletins(.key)).routerPath) { _, context -> Response in
            let user = try context.require(.viewAssessments)
            let index = try await operations.bulletinIndex(try context.parameters.require("id"), for: user)
            return try JSONResponse.make(
                index.published.map {
                    BulletinListJSON(
                        number: $0.number, title: $0.title, period: $0.period, asOf: $0.asOf,
                        publishedAt: $0.publishedAt)
                })
        }
        router.get(SiteURL.api(.bulletin(.key, .key)).routerPath) { _, context -> Response in
            let user = try context.require(.viewAssessments)
            let (id, number) = try Self.numbered(context)
            let json = try await operations.bulletinJSON(id, number: number, for: user)
            var headers = HTTPFields()
            headers[.contentType] = "application/json; charset=utf-8"
            headers[.cacheControl] = "no-store"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: json)))
        }
    }

    /// A published bulletin in the API's list.
    struct BulletinListJSON: Encodable {
        var number: Int
        var title: String
        var period: String
        var asOf: String
        var publishedAt: Date
    }

    /// The assessment id and the bulletin number of the path.
    static func numbered(_ context: AppContext) throws -> (id: String, number: Int) {
        let text = try context.parameters.require("number")
        guard let number = Int(text), number >= 1 else { throw AppError.invalid("通报期号应为正整数，而不是“\(text)”") }
        return (try context.parameters.require("id"), number)
    }

    /// The organizer, the assessment id and the draft's request from the query.
    static func draftRequest(_ request: Request, _ context: AppContext, _ operations: Operations) async throws -> (
        User, String, BulletinRequest
    ) {
        let user = try context.require(.manageAssessments)
        let id = try context.parameters.require("id")
        let query = request.uri.queryParameters
        let value = { (key: String) in query[key[...]].map(String.init) }
        let bulletinRequest = try await operations.bulletinRequest(
            id, period: value("period"), overdue: value("overdue"), deduction: value("deduction"),
            below: value("below"), for: user)
        return (user, id, bulletinRequest)
    }

    /// The query (and publish form fields) that ask for `request` again.
    static func query(_ request: BulletinRequest) -> [(String, String)] {
        [
            ("period", request.period.text), ("overdue", request.rules.overdue ? "1" : "0"),
            ("deduction", request.rules.deductionAtLeast ?? ""), ("below", request.rules.scoreBelow ?? ""),
        ]
    }

    /// The bulletin as a workbook: the table, and a sheet describing it.
    static func xlsx(_ document: BulletinDocument, now: Date) throws -> Response {
        var writer = XLSXWriter()
        let table = BulletinTable.rows(document)
        try writer.addSheet(
            XLSXSheet(
                name: "通报", header: table.header, rows: table.rows,
                columnWidths: XLSXSheet.fittingWidths(for: [table.header.map(XLSXCell.text)] + table.rows)))
        let about = BulletinTable.about(document)
        try writer.addSheet(
            XLSXSheet(
                name: "说明", header: ["项目", "内容"], rows: about, columnWidths: XLSXSheet.fittingWidths(for: about)))
        let properties = XLSXProperties(title: document.title, created: now, modified: now)
        return ResultsController.download(
            try writer.data(properties: properties), type: HTTPDownload.xlsxContentType,
            name: "\(document.assessment.title)-\(document.title)\(document.draft ? "（草稿）" : "").xlsx")
    }
}

/// The rows of a bulletin's workbook.
enum BulletinTable {
    static func rows(_ document: BulletinDocument) -> (header: [String], rows: [[XLSXCell]]) {
        let groups = Set(document.units.map(\.groupName)).count > 1
        var header = (groups ? ["单位组"] : []) + ["排名", "排名变化", "编码", "单位", "暂定得分", "基础分", "加分", "扣分"]
        for indicator in document.indicators {
            header += ["\(indicator.label)（\(document.ownLabel)）", "\(indicator.label)（累计）"]
        }
        header += ["待评项目", "提示"]
        let rows: [[XLSXCell]] = document.units.map { unit in
            var cells: [XLSXCell] = groups ? [.text(unit.groupName)] : []
            let change: XLSXCell =
                unit.rankChange.map { .text($0 > 0 ? "▲\($0)" : $0 < 0 ? "▼\(-$0)" : "—") }
                ?? (document.previous == nil ? .empty : .text("新"))
            cells += [
                .integer(unit.rank), change, .text(unit.code), .text(unit.name), number(unit.total),
                number(unit.base), number(unit.bonus), number(unit.penalty),
            ]
            if unit.detailsHidden {
                cells += Array(repeating: .text("不公开"), count: document.indicators.count * 2)
            } else {
                for (indicator, figures) in zip(document.indicators, unit.figures) {
                    cells += [figure(figures.current, unit: indicator.unit), figure(figures.ytd, unit: indicator.unit)]
                }
            }
            cells += [
                .text(unit.pending.joined(separator: "、")),
                .text(unit.flags.map(\.text).joined(separator: "；")),
            ]
            return cells
        }
        return (header, rows)
    }

    static func about(_ document: BulletinDocument) -> [[XLSXCell]] {
        [
            ["通报", document.title], ["考核", document.assessment.title], ["方案", document.assessment.schemeTitle],
            ["期间", document.periodLabel], [document.ownLabel, "\(document.periodStart) 至 \(document.periodEnd)"],
            ["年度累计", "\(document.yearStart) 至 \(document.periodEnd)"], ["数据截至", document.asOf],
            ["排名变化对比", document.previous?.title ?? "无（此前没有已发布的通报）"], ["提示规则", document.rules.summary],
            ["状态", document.draft ? "草稿，尚未发布" : "已发布"],
        ].map { $0.map(XLSXCell.text) } + document.notes.map { [.text("备注"), .text($0)] }
    }

    /// A figure: a number when it reads as its number and counting word (`3件`), else its text (`95%`,
    /// `12件（逾期未办1件）`).
    static func figure(_ figure: BulletinFigure?, unit: String) -> XLSXCell {
        guard let figure else { return .empty }
        return XLSXWriter.isPlainDecimal(figure.value) && figure.text == figure.value + unit
            ? .number(figure.value) : .text(figure.text)
    }

    static func number(_ text: String) -> XLSXCell { XLSXWriter.isPlainDecimal(text) ? .number(text) : .text(text) }
}
