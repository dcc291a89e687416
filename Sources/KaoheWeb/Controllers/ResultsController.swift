import Foundation
import Hummingbird
import KaoheApplication
import KaoheEngine
import KaoheExport
import KaoheFormats
import KaoheStorage

/// Results: the ranking page, each unit's printable score sheet, CSV / XLSX downloads and SVG charts.
struct ResultsController {
    let deps: AppDependencies

    func register(on router: Router<AppContext>) {
        router.get(SiteURL.results(.key).routerPath) { request, context -> Response in
            let user = try context.require(.viewAssessments)
            let list = try request.listQuery(Operations.resultListSpec)
            let id = try context.parameters.require("id")
            let (scores, fullTables) = try await Self.resultsPage(id, for: user, deps)
            let tables =
                Operations.asksForResultList(request.queryDictionary, units: scores.rows.count)
                // A search, filter, order or page (or many units): one page of the ranking, in memory over the
                // cached scores.
                ? ByteBuffer(
                    string: Views.resultList(
                        scores, try Operations.resultList(scores, list),
                        full: scores.rows.count > Operations.fullRankingLimit
                    ).text)
                : try await fullTables()
            let page = Views.results(
                scores, canRecord: user.can(.recordFacts) && scores.assessment.state != .final,
                identity: context.identity!, csrf: context.csrfToken, tables: HTML(raw: Self.tablesMarker), list: list)
            return Self.page(page.text, inserting: tables, at: Self.tablesMarker)
        }
        router.get(SiteURL.unitSheet(.key, .key).routerPath) { _, context -> HTML in
            let user = try context.require(.viewAssessments)
            let id = try context.parameters.require("id"), unit = try context.parameters.require("unit")
            let scores = try await Operations(deps).visibleScores(id, for: user)
            guard let row = scores.rows.first(where: { $0.unit.id.rawValue == unit }) else {
                throw AppError.notFound("考核 \(id) 中的单位 \(unit)")
            }
            return Views.scoreSheet(scores, row: row, identity: context.identity!, csrf: context.csrfToken)
        }
        router.get(SiteURL.resultsCSV(.key).routerPath) { _, context -> Response in
            let user = try context.require(.viewAssessments)
            let scores = try await Operations(deps).visibleScores(try context.parameters.require("id"), for: user)
            let data = CSVWriter.data(rows: ResultsTable.rows(scores).map { $0.map(\.text) })
            return Self.download(data, type: HTTPDownload.csvContentType, name: "\(scores.assessment.title)-结果.csv")
        }
        router.get(SiteURL.resultsXLSX(.key).routerPath) { _, context -> Response in
            let user = try context.require(.viewAssessments)
            let scores = try await Operations(deps).visibleScores(try context.parameters.require("id"), for: user)
            var writer = XLSXWriter()
            let rows = ResultsTable.rows(scores)
            try writer.addSheet(
                XLSXSheet(
                    name: "考核结果", header: rows[0].map(\.text), rows: Array(rows.dropFirst()).map { $0.map(\.cell) },
                    columnWidths: XLSXSheet.fittingWidths(for: rows.map { $0.map(\.cell) })))
            let details = ResultsTable.itemRows(scores)
            try writer.addSheet(
                XLSXSheet(
                    name: "评分明细", header: details[0].map(\.text),
                    rows: Array(details.dropFirst()).map { $0.map(\.cell) },
                    columnWidths: XLSXSheet.fittingWidths(for: details.map { $0.map(\.cell) })))
            let now = deps.now()
            let properties = XLSXProperties(title: "\(scores.assessment.title) 考核结果", created: now, modified: now)
            return Self.download(
                try writer.data(properties: properties), type: HTTPDownload.xlsxContentType,
                name: "\(scores.assessment.title)-结果.xlsx")
        }
        router.get(SiteURL.distributionChart(.key).routerPath) { _, context -> Response in
            let user = try context.require(.viewAssessments)
            let scores = try await Operations(deps).visibleScores(try context.parameters.require("id"), for: user)
            return Self.svg(ResultsCharts.distribution(scores))
        }
        router.get(SiteURL.categoryChart(.key).routerPath) { _, context -> Response in
            let user = try context.require(.viewAssessments)
            let scores = try await Operations(deps).visibleScores(try context.parameters.require("id"), for: user)
            return Self.svg(ResultsCharts.categories(scores))
        }
    }

    /// The visible scores and how to get the ranking tables of the results page: rendered when first asked for,
    /// once per data version for users who see every unit.
    static func resultsPage(_ id: String, for user: User, _ deps: AppDependencies) async throws
        -> (scores: AssessmentScores, tables: @Sendable () async throws -> ByteBuffer)
    {
        if user.seesOwnUnitOnly {
            let scores = try await Operations(deps).visibleScores(id, for: user)
            return (scores, { ByteBuffer(string: Views.resultsTables(scores).text) })
        }
        let (entry, scores) = try await Operations(deps).cachedScores(id, for: user)
        return (scores, { try await entry.tables.value { ByteBuffer(string: Views.resultsTables(scores).text) } })
    }

    /// Where the ranking tables go in the page (escaped content can never contain it).
    static let tablesMarker = "<!--kaohe:results-tables-->"

    /// An HTML page with `insert` in place of `marker`, written as three buffers (`insert` is not copied).
    static func page(_ text: String, inserting insert: ByteBuffer, at marker: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        guard let range = text.range(of: marker) else {
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        let parts = [
            ByteBuffer(string: String(text[..<range.lowerBound])), insert,
            ByteBuffer(string: String(text[range.upperBound...])),
        ]
        let length = parts.reduce(0) { $0 + $1.readableBytes }
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody(contentLength: length) { writer in
                try await writer.write(contentsOf: parts)
                try await writer.finish(nil)
            })
    }

    static func download(_ data: Data, type: String, name: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.contentDisposition] = HTTPDownload.contentDisposition(fileName: name)
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func svg(_ text: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = HTTPDownload.svgContentType
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// A cell of the results table: its text (CSV) and its spreadsheet cell (numbers stay exact numbers).
struct ResultCell {
    let text: String
    let cell: XLSXCell

    static func plain(_ value: String) -> ResultCell { ResultCell(text: value, cell: .text(value)) }
    static func decimal(_ value: ExactDecimal?) -> ResultCell {
        guard let value else { return ResultCell(text: "", cell: .empty) }
        return ResultCell(text: value.description, cell: .number(value.description))
    }
}

/// The rows of the downloads.
enum ResultsTable {
    /// One row per unit: group, rank, totals, grade, downgrade, pending, then every item's score.
    static func rows(_ scores: AssessmentScores) -> [[ResultCell]] {
        let items = scores.scheme.items
        let hasAnnual = scores.scheme.annualWeightParameter != nil
        var header = ["单位组", "排名", "编码", "单位", "基础分", "加分", "扣分", "总分"]
        if hasAnnual { header.append("年度折算") }
        header += ["等级", "降档", "降档原因", "待评项目"] + items.map { "\($0.id) \($0.name)" }
        var rows: [[ResultCell]] = [header.map(ResultCell.plain)]
        for group in scores.groups {
            for row in group.rows {
                let r = row.result
                var cells: [ResultCell] = [
                    .plain(group.name), ResultCell(text: String(r.rank), cell: .integer(r.rank)), .plain(row.unit.code),
                    .plain(row.unit.name), .decimal(r.base), .decimal(r.bonus), .decimal(r.penalty), .decimal(r.total),
                ]
                if hasAnnual { cells.append(.decimal(r.annual)) }
                cells += [
                    .plain(r.grade ?? ""), .plain(r.downgrade ? "是" : "否"),
                    .plain(r.downgradeReasons.joined(separator: "；")),
                    .plain(r.pending.joined(separator: "、")),
                ]
                let byItem = Dictionary(r.items.map { ($0.itemID, $0) }, uniquingKeysWith: { a, _ in a })
                for item in items {
                    guard let result = byItem[item.id] else {
                        cells.append(.plain(""))
                        continue
                    }
                    if case .pending = result.state {
                        cells.append(.plain("待评"))
                    } else {
                        cells.append(.decimal(result.score))
                    }
                }
                rows.append(cells)
            }
        }
        return rows
    }

    /// One row per unit and item: maximum, score and the explanation.
    static func itemRows(_ scores: AssessmentScores) -> [[ResultCell]] {
        var rows: [[ResultCell]] = [["编码", "单位", "项目编号", "项目", "分值", "得分", "计分说明"].map(ResultCell.plain)]
        let explainer = Explainer(scheme: scores.scheme)
        for row in scores.rows {
            for result in row.result.items {
                let pending: Bool
                if case .pending = result.state { pending = true } else { pending = false }
                rows.append([
                    .plain(row.unit.code), .plain(row.unit.name), .plain(result.itemID),
                    .plain(scores.scheme.item(result.itemID)?.name ?? ""), .decimal(result.max),
                    pending ? .plain("待评") : .decimal(result.score),
                    .plain(explainer.explain(result, facts: row.input.facts)),
                ])
            }
        }
        return rows
    }
}

/// The server-rendered charts.
enum ResultsCharts {
    /// Totals of the complete units in ten bins.
    static func distribution(_ scores: AssessmentScores) -> String {
        let totals = scores.rows.filter(\.result.complete).map(\.result.total)
        guard !totals.isEmpty else { return SVGChart.noData(title: "总分分布（已评完的单位）") }
        let top = max(scores.scheme.total, totals.max() ?? .zero)
        let bottom = min(.zero, totals.min() ?? .zero)
        let whole = { (value: ExactDecimal) in Int(value.description.split(separator: ".")[0]) ?? 0 }
        let upper = Decimal(top.integerValue ?? whole(top) + 1)
        let lower = Decimal(bottom.integerValue ?? whole(bottom) - 1)
        return
            (try? SVGChart.histogram(
                values: totals.map(\.description), bins: 10, title: "总分分布（已评完的\(totals.count)个单位）",
                range: lower...upper)) ?? SVGChart.noData(title: "总分分布")
    }

    /// Base categories, each as a percentage of its maximum: one series per unit (up to 8), else the average,
    /// highest and lowest over the units.
    static func categories(_ scores: AssessmentScores) -> String {
        let categories = scores.scheme.categories.filter { $0.kind == .base }
        guard !scores.rows.isEmpty, !categories.isEmpty else { return SVGChart.noData(title: "各类别得分率") }
        func sums(_ row: AssessmentScores.Row) -> [(score: Double, max: Double)?] {
            categories.map { category in
                let ids = Set(category.items.map(\.id))
                let items = row.result.items.filter { ids.contains($0.itemID) }
                guard !items.isEmpty else { return nil }
                let score = items.reduce(ExactDecimal.zero) { $0 + $1.score }
                let max = items.reduce(ExactDecimal.zero) { $0 + $1.max }
                return (Double(score.description) ?? 0, Double(max.description) ?? 0)
            }
        }
        let all = scores.rows.map { ($0.unit.name, sums($0)) }
        let maxima = categories.indices.map { i in all.compactMap { $0.1[i]?.max }.max() ?? 0 }
        var series: [(name: String, values: [Double])] = []
        if all.count <= 8 {
            series = all.map { name, values in (name, values.map { $0?.score ?? .nan }) }
        } else {
            func column(_ i: Int) -> [Double] { all.compactMap { $0.1[i]?.score } }
            series = [
                (
                    "平均",
                    categories.indices.map { i in
                        let c = column(i)
                        return c.isEmpty ? .nan : c.reduce(0, +) / Double(c.count)
                    }
                ),
                ("最高", categories.indices.map { column($0).max() ?? .nan }),
                ("最低", categories.indices.map { column($0).min() ?? .nan }),
            ]
        }
        return SVGChart.groupedBars(
            categories: categories.map(\.name), categoryMaxima: maxima, series: series, title: "各类别得分率对比")
    }
}
