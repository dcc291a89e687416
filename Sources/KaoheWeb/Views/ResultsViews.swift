import Foundation
import KaoheApplication
import KaoheEngine
import KaoheFormats
import KaoheStorage

extension Views {
    /// The results page: ranking per unit group with ties, grade distribution, charts, downloads. `tables`:
    /// ``resultsTables(_:)`` of `scores` when already rendered.
    public static func results(
        _ scores: AssessmentScores, canRecord: Bool, identity: Identity, csrf: String, tables: HTML? = nil,
        list: ListQuery = .first(of: Operations.resultListSpec)
    ) -> HTML {
        let a = scores.assessment.id
        let stateNote: HTML =
            scores.assessment.state == .final
            ? "<p class=\"notice\">结果已定稿。</p>"
            : "<p class=\"muted\">考核处于“\(scores.assessment.state.displayName)”状态，以下为按当前已录入事实计算的结果，尚未定稿。</p>"
        let importLink: HTML = canRecord ? link(.factsImport(.value(a)), "导入事实") : ""
        let downloads: HTML = """
            <p class="buttons no-print"><a href="\(SiteURL.resultsXLSX(.value(a)))">下载 Excel（XLSX）</a> <a href="\(SiteURL.resultsCSV(.value(a)))">下载 CSV</a> \(importLink) \(link(.assessment(.value(a)), "返回考核"))</p>
            """
        var gradeCounts: [String: Int] = [:]
        for row in scores.rows { gradeCounts[row.result.grade ?? "未定", default: 0] += 1 }
        let gradeNames = scores.scheme.grades.map(\.name) + (gradeCounts["未定"] != nil ? ["未定"] : [])
        let gradeRows: [HTML] = gradeNames.map { "<tr><td>\($0)</td><td>\(gradeCounts[$0] ?? 0)</td></tr>" }
        let gradeTable: HTML =
            scores.scheme.grades.isEmpty
            ? "<p class=\"muted\">本方案不评定等级。</p>"
            : "<table class=\"narrow-table\"><thead><tr><th>等级</th><th>单位数</th></tr></thead><tbody>\(gradeRows)</tbody></table>"
        let groups = tables ?? resultsTables(scores)
        let unscorable: HTML =
            scores.unscorable.isEmpty
            ? ""
            : "<p class=\"error\">以下单位的类型不属于方案的单位类型，未计分：\(scores.unscorable.map { "\($0.code) \($0.name)（\($0.type.displayName)）" }.joined(separator: "、"))</p>"
        let charts: HTML =
            scores.rows.isEmpty
            ? ""
            : """
            <h2>图表</h2><div class="charts"><img src="\(SiteURL.distributionChart(.value(a)))" alt="得分分布" width="640" height="360">\
            <img src="\(SiteURL.categoryChart(.value(a)))" alt="各类别得分率对比"></div>
            """
        let empty: HTML = scores.rows.isEmpty && scores.unscorable.isEmpty ? "<p class=\"muted\">还没有参加考核的单位。</p>" : ""
        return layout(
            title: "考核结果：\(scores.assessment.title)", identity: identity, csrf: csrf,
            content: """
                <p>方案 <code>\(scores.scheme.id)</code> · \(scores.scheme.title) · \(scores.assessment.year)年度</p>
                \(stateNote)\(downloads)\(empty)\(unscorable)\(scores.rows.isEmpty ? "" : resultControls(scores, list))\(groups)
                <h2>等级分布</h2>\(gradeTable)\(charts)
                """)
    }

    /// The search and filter form above the ranking (search by unit, grade and unit group filters).
    static func resultControls(_ scores: AssessmentScores, _ list: ListQuery) -> HTML {
        var fields: [ListViews.Field] = []
        if !scores.scheme.grades.isEmpty {
            fields.append(
                .init(key: "grade", label: "等级", options: (scores.scheme.grades.map(\.name) + ["未定"]).map { ($0, $0) }))
        }
        let groups = scores.groupNames.compactMap { group in group.id.map { ($0, group.name) } }
        if groups.count > 1 { fields.append(.init(key: "group", label: "单位类别", options: groups)) }
        return ListViews.controls(
            .results(.value(scores.assessment.id)), Operations.resultListSpec, list, searchLabel: "查找单位",
            searchPlaceholder: "单位名称或编码", fields: fields)
    }

    /// The searched, filtered and sorted ranking, one page (instead of the full tables when a list parameter is
    /// given).
    static func resultList(_ scores: AssessmentScores, _ page: ListPage<ResultListRow>, full: Bool = false) -> HTML {
        let a = scores.assessment.id
        let base = SiteURL.results(.value(a))
        let spec = Operations.resultListSpec
        let query = page.query
        let showGroup = scores.groupNames.count > 1
        let rows: [HTML] = page.rows.map { item in
            let r = item.row.result
            let unit = item.row.unit
            let group: HTML = showGroup ? "<td>\(item.groupName)</td>" : ""
            return """
                <tr data-unit="\(unit.code)"><td>\(r.rank)</td>\(group)<td>\(unit.code)</td><td>\(unit.name)</td>\
                <td class="total"><b>\(r.total.description)</b></td><td>\(r.grade ?? "—")</td>\
                <td class="no-print">\(link(.unitSheet(.value(a), .value(unit.id)), "评分表")) \(link(.unitScoring(.value(a), .value(unit.id)), "评分"))</td></tr>
                """
        }
        let headers: [HTML] = [
            ListViews.header("排名", key: "rank", base, spec, query),
            showGroup ? ListViews.header("单位类别", key: nil, base, spec, query) : "",
            ListViews.header("编码", key: "code", base, spec, query),
            ListViews.header("单位", key: "name", base, spec, query),
            ListViews.header("总分", key: "total", base, spec, query),
            ListViews.header("等级", key: nil, base, spec, query),
            ListViews.header("查看", key: nil, base, spec, query),
        ]
        let empty: HTML = rows.isEmpty ? "<p class=\"muted\">没有符合条件的单位。</p>" : ""
        return """
            <h2>查找结果</h2><p class="muted">排名为各单位在本类别内的名次。\(full ? "<a href=\"\(base.path(query: [("all", "1")]))\">显示完整排名（\(scores.rows.count)个单位，页面较大）</a>" : link(base, "显示完整排名"))</p>
            <table class="results"><thead><tr>\(headers)</tr></thead><tbody>\(rows)</tbody></table>\(empty)
            \(ListViews.pager(page, base, spec))
            """
    }

    /// The ranking tables of the results page, one per unit group (the bulk of the page).
    public static func resultsTables(_ scores: AssessmentScores) -> HTML {
        let a = scores.assessment.id
        let hasAnnual = scores.scheme.annualWeightParameter != nil
        let annualHead: HTML = hasAnnual ? "<th>年度折算</th>" : ""
        let groups: [HTML] = scores.groups.filter { !$0.rows.isEmpty }.map { group in
            let rows: [HTML] = group.rows.map { row in
                let r = row.result
                let downgrade: HTML =
                    r.downgrade ? "<span class=\"tag warn\">降档</span> \(r.downgradeReasons.joined(separator: "；"))" : ""
                let pending: HTML =
                    r.pending.isEmpty
                    ? "" : "<span class=\"tag warn\">待评\(r.pending.count)项</span> \(r.pending.joined(separator: "、"))"
                let annual: HTML = hasAnnual ? "<td>\(r.annual?.description ?? "—")</td>" : ""
                return """
                    <tr data-unit="\(row.unit.code)"><td>\(r.rank)</td><td>\(row.unit.code)</td><td>\(row.unit.name)</td><td>\(r.base.description)</td><td>\(r.bonus.description)</td><td>\(r.penalty.description)</td>\
                    <td class="total"><b>\(r.total.description)</b></td>\(annual)<td>\(r.grade ?? "—")</td><td>\(downgrade)</td><td>\(pending)</td>\
                    <td class="no-print">\(link(.unitSheet(.value(a), .value(row.unit.id)), "评分表")) \(link(.unitScoring(.value(a), .value(row.unit.id)), "评分"))</td></tr>
                    """
            }
            return """
                <h2>\(group.name)（\(group.rows.count)个单位）</h2>
                <table class="results"><thead><tr><th>排名</th><th>编码</th><th>单位</th><th>基础分</th><th>加分</th><th>扣分</th><th>总分</th>\(annualHead)<th>等级</th><th>降档</th><th>待评项目</th><th class="no-print">查看</th></tr></thead>
                <tbody>\(rows)</tbody></table>
                """
        }
        return "\(groups)"
    }

    /// The title of a scheme's score sheet: the scheme's title with 评分表 after it, unless the title already
    /// ends so (xinbei's 《…考核评分表》 is not a 评分表 评分表).
    static func scoreSheetTitle(_ schemeTitle: String) -> String {
        let title = schemeTitle.trimmingCharacters(in: .whitespaces)
        return title.hasSuffix("评分表") ? title : "\(title)评分表"
    }

    /// One unit's score sheet in the documents' 评分表 layout, printable on A4.
    public static func scoreSheet(
        _ scores: AssessmentScores, row: AssessmentScores.Row, identity: Identity, csrf: String
    )
        -> HTML
    {
        let scheme = scores.scheme
        let r = row.result
        let explainer = Explainer(scheme: scheme)
        let byItem = Dictionary(r.items.map { ($0.itemID, $0) }, uniquingKeysWith: { a, _ in a })
        var body: [HTML] = []
        for category in scheme.categories {
            let items = category.items.filter { byItem[$0.id] != nil }
            for (index, item) in items.enumerated() {
                guard let result = byItem[item.id] else { continue }
                let pending: Bool
                if case .pending = result.state { pending = true } else { pending = false }
                let head: HTML =
                    index == 0 ? "<td rowspan=\"\(items.count)\" class=\"cat\">\(category.name)</td>" : ""
                let content = item.content.isEmpty ? item.name : "\(item.name)：\(item.content)"
                body.append(
                    """
                    <tr>\(head)<td>\(item.id) \(content)</td><td>\(item.standard)</td><td class="num">\(item.max.description)</td>\
                    <td class="num">\(pending ? "待评" : result.score.description)</td><td>\(explainer.explain(result, facts: row.input.facts))</td></tr>
                    """)
            }
        }
        let annual: HTML =
            r.annual.map { "<tr><th colspan=\"4\">年度折算</th><td class=\"num\">\($0.description)</td><td></td></tr>" }
            ?? ""
        let totals: HTML = """
            <tr><th colspan="3">基础分合计</th><td class="num">\(r.baseMax.description)</td><td class="num">\(r.base.description)</td><td></td></tr>
            <tr><th colspan="4">加分</th><td class="num">\(r.bonus.description)</td><td></td></tr>
            <tr><th colspan="4">扣分</th><td class="num">\(r.penalty.description)</td><td></td></tr>
            <tr><th colspan="4">总分</th><td class="num"><b>\(r.total.description)</b></td><td>\(r.pending.isEmpty ? "" : "待评：\(r.pending.joined(separator: "、"))")</td></tr>
            \(annual)
            <tr><th colspan="4">等级</th><td>\(r.grade ?? "—")</td><td>\(r.downgrade ? "降档：\(r.downgradeReasons.joined(separator: "；"))" : "")</td></tr>
            <tr><th colspan="4">排名</th><td class="num">\(r.rank)</td><td>\(scores.groupNames.count > 1 ? "（同类单位内）" : "")</td></tr>
            """
        let a = scores.assessment.id
        return layout(
            title: scoreSheetTitle(scheme.title), identity: identity, csrf: csrf,
            content: """
                <p class="sheet-head">被考核单位：<b>\(row.unit.name)</b>（\(row.unit.code)） · \(scores.assessment.year)年度 · \(scores.assessment.title)</p>
                <p class="buttons no-print">\(link(.results(.value(a)), "返回考核结果")) \(link(.unitScoring(.value(a), .value(row.unit.id)), "评分"))</p>
                <table class="sheet"><thead><tr><th>项目</th><th>考核内容</th><th>考核标准</th><th>分值</th><th>得分</th><th>扣分说明</th></tr></thead>
                <tbody>\(body)\(totals)</tbody></table>
                <p class="sign">评分人：__________　审核人：__________　日期：__________</p>
                """)
    }
}
