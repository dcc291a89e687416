import Foundation
import KaoheApplication
import KaoheStorage

/// The bulletin pages' stylesheet (in app.css): the table, the ▲▼ changes, and the A4 landscape print layout.
enum BulletinViews {
    static let css = """
        table.bulletin td.num { text-align: right; white-space: nowrap; } table.bulletin th { text-align: center; }
        table.bulletin .up { color: #b22222; font-weight: bold; } table.bulletin .down { color: #2e7d32; font-weight: bold; }
        table.bulletin .same { color: var(--muted); } table.bulletin td.hidden-details { color: var(--muted); text-align: center; }
        table.bulletin ul.flags { margin: 0; padding-left: 1.1em; } table.bulletin ul.flags li { color: var(--accent); }
        table.bulletin tr.group th { background: #f3f6f9; text-align: left; } table.bulletin tr.own td { background: #fff8e1; }
        table.bulletin td.unit-name { white-space: nowrap; }
        .draft-mark { display: inline-block; border: 2px solid var(--accent); color: var(--accent); padding: 0 .5em; margin-left: .5em; }
        form.bulletin-request { display: flex; gap: .8em; flex-wrap: wrap; align-items: end; max-width: none; }
        body.print-doc { background: #fff; } .bulletin-print { max-width: 277mm; margin: 1em auto; padding: 0 1em; font-size: 12px; }
        .bulletin-print h1 { text-align: center; font-size: 20px; margin: .3em 0; } .bulletin-print .subtitle { text-align: center; }
        .bulletin-print table.bulletin { font-size: 11px; } .bulletin-print table.bulletin th, .bulletin-print table.bulletin td { padding: .15em .3em; }
        @page bulletin { size: A4 landscape; margin: 12mm 10mm; }
        @media print { .bulletin-print { page: bulletin; max-width: none; margin: 0; padding: 0; }
          table.bulletin tr { break-inside: avoid; } table.bulletin thead { display: table-header-group; } }
        """
}

extension Views {
    /// The bulletins of an assessment: the published ones, the chart, and for organizers the form for the next.
    public static func bulletinIndex(
        _ index: BulletinIndex, identity: Identity, csrf: String, notice: String? = nil, error: String? = nil
    ) -> HTML {
        let a = index.assessment.id
        let rows: [HTML] = index.published.reversed().map { bulletin in
            """
            <tr><td class="num">第\(bulletin.number)期</td><td>\(link(.bulletin(.value(a), .value(bulletin.number)), bulletin.title))</td>\
            <td>\(bulletin.period)</td><td>\(bulletin.asOf)</td><td>\(Self.timestamp(bulletin.publishedAt))</td>\
            <td>\(link(.bulletinPrint(.value(a), .value(bulletin.number)), "打印版")) \(link(.bulletinXLSX(.value(a), .value(bulletin.number)), "Excel"))</td></tr>
            """
        }
        let list: HTML =
            index.published.isEmpty
            ? "<p class=\"muted\">还没有发布的通报。</p>"
            : """
            <table><thead><tr><th>期号</th><th>通报</th><th>期间</th><th>数据截至</th><th>发布时间</th><th>下载</th></tr></thead>
            <tbody>\(rows)</tbody></table>
            """
        var form: HTML = ""
        if index.canManage {
            let suggested = index.suggested
            let options: [HTML] = BulletinPeriod.all(in: index.assessment.year).map {
                option($0.text, $0.kind == .month ? "\($0.index)月" : $0.label, selected: $0 == suggested.period)
            }
            form = """
                <h2>生成通报</h2>
                <form method="get" action="\(SiteURL.bulletinDraft(.value(a)))" class="card bulletin-request">
                <label>月份或季度<select name="period">\(options)</select></label>
                <label>逾期提示<select name="overdue">\(option("1", "提示有逾期未办结记录的单位", selected: suggested.rules.overdue))\(option("0", "不提示", selected: !suggested.rules.overdue))</select></label>
                <label>单项扣分提示（分，留空不提示）<input class="short" name="deduction" value="\(suggested.rules.deductionAtLeast ?? "")" inputmode="decimal"></label>
                <label>低分提示（暂定得分低于，留空不提示）<input class="short" name="below" value="\(suggested.rules.scoreBelow ?? "")" inputmode="decimal"></label>
                <button type="submit">生成本月通报</button></form>
                <p class="muted">先生成草稿核对，确认无误后再发布；发布后的通报按期编号、内容冻结，领导和各单位可以查看（单位只看到排名和本单位明细）。</p>
                """
        }
        let chart: HTML =
            index.published.isEmpty && !index.canManage
            ? ""
            : """
            <h2>暂定得分走势</h2><div class="charts"><img src="\(SiteURL.bulletinTrend(.value(a)))" alt="各单位暂定得分按月走势" width="720" height="400"></div>
            """
        return layout(
            title: "月度通报：\(index.assessment.title)", identity: identity, csrf: csrf, notice: notice, error: error,
            content: """
                <p class="buttons">\(link(.assessment(.value(a)), "返回考核")) \(link(.results(.value(a)), "考核结果"))</p>
                <h2>已发布的通报</h2>\(list)\(form)\(chart)
                """)
    }

    /// A bulletin page: a draft (with the publish form for organizers) or a published one.
    public static func bulletin(
        _ document: BulletinDocument, stored: StoredBulletin?, query: [(String, String)], canPublish: Bool,
        identity: Identity, csrf: String, notice: String? = nil, error: String? = nil
    ) -> HTML {
        let a = AssessmentID(document.assessment.id)
        var actions: [HTML] = [link(.bulletins(.value(a)), "返回通报列表")]
        var publish: HTML = ""
        if let stored {
            actions += [
                link(.bulletinPrint(.value(a), .value(stored.number)), "打印版（A4）"),
                link(.bulletinXLSX(.value(a), .value(stored.number)), "下载 Excel（XLSX）"),
            ]
        } else {
            actions += [
                "<a href=\"\(SiteURL.bulletinDraftPrint(.value(a)).path(query: query))\">打印版（A4）</a>",
                "<a href=\"\(SiteURL.bulletinDraftXLSX(.value(a)).path(query: query))\">下载 Excel（XLSX）</a>",
            ]
            if canPublish {
                let fields: [HTML] = query.map { "<input type=\"hidden\" name=\"\($0.0)\" value=\"\($0.1)\">" }
                publish = """
                    <form method="post" action="\(SiteURL.bulletins(.value(a)))" class="card">\(csrfField(csrf))\(fields)
                    <p>这是草稿，尚未发布。发布后编为“\(document.title)”，内容冻结，领导和各单位可以查看。</p>
                    <button type="submit">发布第\(document.number)期</button></form>
                    """
            }
        }
        let mark: HTML = document.draft ? "<span class=\"draft-mark\">草稿</span>" : ""
        let published: HTML =
            stored.map { "<p class=\"muted\">发布时间：\(Self.timestamp($0.publishedAt))</p>" } ?? ""
        return layout(
            title: document.title, identity: identity, csrf: csrf, notice: notice, error: error,
            content: """
                <p class="buttons no-print">\(actions)</p>\(published)
                \(bulletinMeta(document, mark: mark))\(publish)\(bulletinTable(document))\(bulletinNotes(document))
                """)
    }

    /// A bulletin laid out for A4 landscape: only the document, no navigation.
    public static func bulletinPrint(_ document: BulletinDocument, stored: StoredBulletin?, back: SiteURL) -> HTML {
        let mark: HTML = document.draft ? "<span class=\"draft-mark\">草稿</span>" : ""
        let published: HTML = stored.map { "发布时间：\(Self.timestamp($0.publishedAt))" as HTML } ?? "草稿，尚未发布"
        return """
            <!doctype html>
            <html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(document.title) · 考核平台</title><link rel="stylesheet" href="\(SiteURL.stylesheet)"></head>
            <body class="print-doc"><article class="bulletin-print">
            <p class="no-print muted">用浏览器的打印功能（Ctrl+P）按 A4 横向打印。 <a href="\(back)">返回</a></p>
            <h1>\(document.assessment.title)<br>\(document.title)\(mark)</h1>
            \(bulletinMeta(document, mark: ""))\(bulletinTable(document))\(bulletinNotes(document))
            <p class="sign">\(published)　　审核：__________　签发：__________</p>
            </article></body></html>
            """
    }

    /// Period, windows, as-of date, the bulletin compared with and the flag rules.
    static func bulletinMeta(_ document: BulletinDocument, mark: HTML) -> HTML {
        let previous: HTML =
            document.previous.map { "排名变化与“\($0.title)”相比。" as HTML } ?? "此前没有已发布的通报，不计排名变化。"
        return """
            <p class="subtitle">\(document.periodLabel)\(mark) · 方案 \(document.assessment.schemeTitle) · 满分\(document.scoreMax)分</p>
            <p>\(document.ownLabel)：\(document.periodStart) 至 \(document.periodEnd)；年度累计：\(document.yearStart) 至 \(document.periodEnd)；\
            数据截至 \(document.asOf)。暂定得分按截至该日由平台记录推算的事实和当前已录入的事实计算。\(previous)</p>
            <p>提示规则：\(document.rules.summary)。</p>
            """
    }

    /// The remarks under the table.
    static func bulletinNotes(_ document: BulletinDocument) -> HTML {
        guard !document.notes.isEmpty else { return "" }
        return "<ul class=\"muted\">\(document.notes.map { "<li>\($0)</li>" as HTML })</ul>"
    }

    /// `▲1`, `▼2`, `—` (unchanged), `新` (not in the previous bulletin), nothing before the first.
    static func rankChange(_ unit: BulletinUnit, hasPrevious: Bool) -> HTML {
        guard let change = unit.rankChange else { return hasPrevious ? "<span class=\"same\">新</span>" : "" }
        if change > 0 { return "<span class=\"up\" title=\"上升\(change)位\">▲\(change)</span>" }
        if change < 0 { return "<span class=\"down\" title=\"下降\(-change)位\">▼\(-change)</span>" }
        return "<span class=\"same\" title=\"持平\">—</span>"
    }

    /// The table: one row per unit with rank, change, provisional score, each indicator's period and
    /// year-to-date figure, and the flags; a header row per unit group when there are several.
    static func bulletinTable(_ document: BulletinDocument) -> HTML {
        let indicators = document.indicators
        let heads: [HTML] = indicators.map { "<th colspan=\"2\" data-fact=\"\($0.item)/\($0.fact)\">\($0.label)</th>" }
        let subheads: [HTML] = indicators.map { _ in "<th>\(document.ownLabel)</th><th>累计</th>" }
        let columns = 5 + indicators.count * 2
        let groups = Set(document.units.map(\.groupName))
        var rows: [HTML] = []
        var lastGroup: String?
        for unit in document.units {
            if groups.count > 1, unit.groupName != lastGroup {
                rows.append("<tr class=\"group\"><th colspan=\"\(columns)\">\(unit.groupName)</th></tr>")
                lastGroup = unit.groupName
            }
            let pending: HTML =
                unit.pending.isEmpty
                ? ""
                : "<br><small class=\"muted\" title=\"\(unit.pending.joined(separator: "、"))\">待评\(unit.pending.count)项</small>"
            let details: HTML
            if unit.detailsHidden {
                details =
                    indicators.isEmpty
                    ? "<td class=\"hidden-details\">—</td>"
                    : "<td class=\"hidden-details\" colspan=\"\(indicators.count * 2 + 1)\">明细不公开</td>"
            } else {
                let cells: [HTML] = unit.figures.map { figures in
                    "<td class=\"num\">\(figures.current?.text ?? "—")</td><td class=\"num\">\(figures.ytd?.text ?? "—")</td>"
                }
                let flags: [HTML] = unit.flags.map { flag in
                    let records: HTML =
                        flag.records.isEmpty
                        ? "" : " <small class=\"muted\">（\(flag.records.joined(separator: "、"))）</small>"
                    return "<li class=\"flag-\(flag.kind)\">\(flag.text)\(records)</li>"
                }
                details = "\(cells)<td>\(flags.isEmpty ? "" : "<ul class=\"flags\">\(flags)</ul>" as HTML)</td>"
            }
            rows.append(
                """
                <tr data-unit="\(unit.code)"\(unit.detailsHidden ? "" : " class=\"shown\"" as HTML)><td class="num">\(unit.rank)</td>\
                <td class="num">\(rankChange(unit, hasPrevious: document.previous != nil))</td><td class="unit-name">\(unit.name)</td>\
                <td class="num"><b>\(unit.total)</b>\(pending)</td>\(details)</tr>
                """)
        }
        let empty: HTML = document.units.isEmpty ? "<p class=\"muted\">没有参加考核并计分的单位。</p>" : ""
        return """
            <table class="bulletin"><thead><tr><th rowspan="2">排名</th><th rowspan="2">变化</th><th rowspan="2">单位</th>\
            <th rowspan="2">暂定得分</th>\(heads)<th rowspan="2">提示</th></tr><tr>\(subheads)</tr></thead>
            <tbody>\(rows)</tbody></table>\(empty)
            """
    }

    /// `2023-11-14 22:13` in Beijing time.
    static func timestamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        let pad = { (n: Int?) in String(format: "%02d", n ?? 0) }
        return "\(c.year ?? 0)-\(pad(c.month))-\(pad(c.day)) \(pad(c.hour)):\(pad(c.minute))"
    }
}
