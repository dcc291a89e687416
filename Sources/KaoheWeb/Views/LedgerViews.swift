import Foundation
import KaoheApplication
import KaoheStorage

/// The rectification ledger's pages (整改台账): the list with its filters and forms, and one item with its history.
enum LedgerViews {
    static let css = """
        table.ledger td.num { text-align: right; white-space: nowrap; } table.ledger tr.overdue td { background: #fff3f0; }
        .tag.overdue { background: #b22222; color: #fff; } .tag.closed { background: #2e7d32; color: #fff; }
        .tag.verdict { background: #6a1b9a; color: #fff; } form.ledger-filter { display: flex; gap: .8em; flex-wrap: wrap; align-items: end; max-width: none; }
        ol.ledger-history li { margin-bottom: .4em; } .ledger-steps form { margin-bottom: .8em; }
        .spot-print { max-width: 180mm; margin: 1em auto; padding: 0 1em; } @page spot { size: A4 portrait; margin: 15mm; }
        @media print { .spot-print { page: spot; max-width: none; margin: 0; padding: 0; } }
        """

    static func stateTag(_ item: RectificationItem, overdue: Bool) -> HTML {
        var html: HTML =
            item.state == .closed
            ? "<span class=\"tag closed\">已销号</span>" : "<span class=\"tag\">\(item.state.displayName)</span>"
        if overdue { html = "\(html) <span class=\"tag overdue\">逾期</span>" }
        if let verdict = item.verdict {
            html = "\(html) <span class=\"tag verdict\">\(verdict.displayName)（\(item.verdictPoints ?? 0)分）</span>"
        }
        return html
    }

    /// The ledger of an assessment (or one unit): counts, filters, the table, and the forms.
    static func ledger(
        _ page: LedgerPage, identity: Identity, csrf: String, notice: String? = nil, error: String? = nil,
        prefill: FormData = FormData()
    ) -> HTML {
        let a = page.assessment.id
        let counts: [HTML] = RectificationState.allCases.map { state in
            "<li>\(Views.link(SiteURL.ledger(.value(a)).withQuery([("state", state.rawValue)]), state.displayName))：\(page.counts[state] ?? 0)</li>"
        }
        let spec = Operations.ledgerListSpec
        let query = page.list.query
        let base = SiteURL.ledger(.value(a))
        let filter = ListViews.controls(
            base, spec, query, searchLabel: "搜索", searchPlaceholder: "问题、措施或单位名称",
            fields: [
                .init(
                    key: "state", label: "状态",
                    options: RectificationState.allCases.map { ($0.rawValue, $0.displayName) }),
                .init(
                    key: "unit", label: "责任单位",
                    options: page.unitsWithItems.map { ($0.id.rawValue, "\($0.code) \($0.name)") },
                    placeholder: "单位编码"),
                .init(key: "overdue", label: "逾期", options: [("1", "只看逾期")]),
            ])
        let rows: [HTML] = page.list.rows.map { row in
            let item = row.item
            return """
                <tr\(row.overdue ? " class=\"overdue\"" : "")><td class="num">\(item.number)</td>\
                <td>\(Views.link(.ledgerItem(.value(a), .value(item.id)), item.problem))</td><td>\(row.unit.name)</td>\
                <td>\(item.measures)</td><td>\(item.deadline.description)（\(item.workingDays)个工作日）</td>\
                <td>\(stateTag(item, overdue: row.overdue))</td><td>\(item.closedOn?.description ?? "")</td></tr>
                """ as HTML
        }
        let headers: [HTML] = [
            ListViews.header("序号", key: "number", base, spec, query),
            ListViews.header("问题描述", key: nil, base, spec, query),
            ListViews.header("责任单位", key: "unit", base, spec, query),
            ListViews.header("整改措施", key: nil, base, spec, query),
            ListViews.header("整改时限", key: "deadline", base, spec, query),
            ListViews.header("整改情况", key: "state", base, spec, query),
            ListViews.header("销号时间", key: nil, base, spec, query),
        ]
        let table: HTML =
            rows.isEmpty
            ? "<p class=\"muted\">没有符合条件的整改事项。</p>\(ListViews.pager(page.list, base, spec))"
            : """
            <table class="ledger"><thead><tr>\(headers)</tr></thead><tbody>\(rows)</tbody></table>
            \(ListViews.pager(page.list, base, spec))
            """
        var forms: HTML = ""
        if page.canOpen {
            let selectedUnit = prefill["unit"] ?? page.filter.unit?.rawValue
            let items: [HTML] =
                [Views.option("", "（不指定）", selected: (prefill["item"] ?? "").isEmpty)]
                + page.items.map { Views.option($0.id, $0.title, selected: prefill["item"] == $0.id) }
            let finding = prefill["finding"] ?? ""
            let findingNote: HTML =
                finding.isEmpty ? "" : "<p class=\"muted\">来自问题记录 <code>\(finding)</code>（问题描述留空则采用该记录的说明）</p>"
            forms = """
                <h2>建立整改事项</h2>
                <form method="post" action="\(SiteURL.ledger(.value(a)))" class="card">\(Views.csrfField(csrf))
                <input type="hidden" name="finding" value="\(finding)"><input type="hidden" name="source" value="\(prefill["source"] ?? "")">
                \(findingNote)
                \(ListViews.unitChoice(name: "unit", label: "责任单位", units: page.units, selected: selectedUnit))
                <label>考核项目<select name="item">\(items)</select></label>
                <label>问题描述<textarea name="problem" rows="3">\(prefill.raw("problem") ?? "")</textarea></label>
                <label>整改措施（要求）<textarea name="measures" rows="3" required>\(prefill.raw("measures") ?? "")</textarea></label>
                <label>整改时限（工作日，按法定节假日及调休安排计算）<input class="short" name="days" inputmode="numeric" required value="\(prefill["days"] ?? "10")"></label>
                <button type="submit">书面通知整改</button></form>
                """
        }
        if page.canManage && !page.previous.isEmpty {
            forms = """
                \(forms)<h2>年度结转</h2>
                <form method="post" action="\(SiteURL.ledgerCarryOver(.value(a)))" class="card">\(Views.csrfField(csrf))
                <p>把\(page.assessment.year - 1)年度（\(page.previous.map(\.title).joined(separator: "、"))）仍未销号的整改事项结转到本年度台账（同一单位，按原工作日数重新起算时限）。</p>
                <button type="submit">结转未销号事项</button></form>
                """
        }
        let penalty: HTML =
            page.penalty.map {
                "<p class=\"muted\">组织者认定“拒不整改”或“整改不到位”的事项计入考核项目 \($0.item)（减分项目）的扣分，评分页注明所依据的台账事项。</p>"
            } ?? ""
        let unitTitle = page.filter.unit.flatMap { id in page.units.first { $0.id == id }?.name }
        return Views.layout(
            title: "整改台账：\(page.assessment.title)\(unitTitle.map { "（\($0)）" } ?? "")", identity: identity, csrf: csrf,
            notice: notice, error: error,
            content: """
                <p class="buttons">\(Views.link(.assessment(.value(a)), "返回考核")) \(Views.link(.spotChecks(.value(a)), "随机抽查")) \
                \(Views.link(SiteURL.ledgerXLSX(.value(a)).withQuery(page.filter.query), "导出台账（Excel）"))</p>
                <ul class="inline">\(counts)<li>逾期：\(page.overdueCount)</li></ul>
                \(filter)\(penalty)\(table)\(forms)
                """)
    }

    /// One item: its details, history and the forms of the steps the viewer may take.
    static func item(
        _ page: LedgerItemPage, identity: Identity, csrf: String, notice: String? = nil, error: String? = nil
    ) -> HTML {
        let a = page.assessment.id
        let item = page.item
        let step = SiteURL.ledgerStep(.value(a), .value(item.id))
        let version: HTML = "<input type=\"hidden\" name=\"version\" value=\"\(item.version)\">"
        let history: [HTML] = page.events.map { event in
            let files: [HTML] = event.evidenceIDs.compactMap { id in
                page.evidence[id].map { " \(Views.link(.evidenceFile(.value($0.id)), "附件：\($0.fileName)"))" as HTML }
            }
            let who = event.userID.flatMap { page.userNames[$0] } ?? "系统"
            let change: String =
                event.from.map { "\($0.displayName) → \(event.to.displayName)" } ?? event.to.displayName
            return """
                <li><b>\(event.action.displayName)</b>（\(change)）\(who)，\(Views.timeText(event.at))\
                \(event.text.isEmpty ? "" : "：\(event.text)")\(files)</li>
                """ as HTML
        }
        var forms: [HTML] = []
        for action in page.allowed {
            switch action {
            case .start:
                forms.append(
                    """
                    <form method="post" action="\(step)">\(Views.csrfField(csrf))\(version)<input type="hidden" name="action" value="start">
                    <button type="submit">开始整改</button></form>
                    """)
            case .answer:
                forms.append(
                    """
                    <form method="post" enctype="multipart/form-data" action="\(SiteURL.ledgerAnswer(.value(a), .value(item.id)).path(query: [("_csrf", csrf)]))" class="card">
                    \(version)<label>整改情况<textarea name="text" rows="4" required></textarea></label>
                    <label>整改佐证材料（可多选）<input type="file" name="file" multiple></label>
                    <button type="submit">提交整改情况</button></form>
                    """)
            case .verify:
                forms.append(
                    """
                    <form method="post" action="\(step)" class="card">\(Views.csrfField(csrf))\(version)<input type="hidden" name="action" value="verify">
                    <label>核验意见（可空）<input name="text"></label><button type="submit">核验通过，销号</button></form>
                    """)
            case .return:
                forms.append(
                    """
                    <form method="post" action="\(step)" class="card">\(Views.csrfField(csrf))\(version)<input type="hidden" name="action" value="return">
                    <label>退回理由（必填）<input name="text" required></label><button type="submit">退回重新整改</button></form>
                    """)
            case .judge:
                let verdicts: [HTML] = RectificationVerdict.allCases.map {
                    Views.option($0.rawValue, $0.displayName, selected: $0 == .refused)
                }
                forms.append(
                    """
                    <form method="post" action="\(step)" class="card">\(Views.csrfField(csrf))\(version)<input type="hidden" name="action" value="judge">
                    <label>认定<select name="verdict">\(verdicts)</select></label>
                    <label>酌情扣分（1～3分）<input class="short" name="points" inputmode="numeric" value="1" required></label>
                    <label>认定理由（必填）<input name="text" required></label>
                    <button type="submit">认定并计入减分项目</button></form>
                    """)
            case .clearJudgement:
                guard item.verdict != nil else { continue }
                forms.append(
                    """
                    <form method="post" action="\(step)" class="card">\(Views.csrfField(csrf))\(version)<input type="hidden" name="action" value="clear_judgement">
                    <label>撤销理由（必填）<input name="text" required></label><button type="submit">撤销认定</button></form>
                    """)
            case .open: continue
            }
        }
        let carried: HTML =
            page.carriedFrom.map {
                "<tr><th>结转自</th><td>\(Views.link(.ledgerItem(.value($0.assessmentID), .value($0.id)), "上年度台账第\($0.number)号"))（\($0.state.displayName)）</td></tr>"
            } ?? ""
        let item_: HTML = item.itemID.map { "<tr><th>考核项目</th><td>\($0)</td></tr>" } ?? ""
        let verdict: HTML =
            item.verdict.map {
                "<tr><th>组织者认定</th><td>\($0.displayName)，酌情扣\(item.verdictPoints ?? 0)分：\(item.verdictNote ?? "")</td></tr>"
            } ?? ""
        return Views.layout(
            title: "整改事项第\(item.number)号：\(page.unit.name)", identity: identity, csrf: csrf, notice: notice,
            error: error,
            content: """
                <p class="buttons">\(Views.link(SiteURL.ledger(.value(a)), "返回整改台账")) \
                \(Views.link(SiteURL.ledger(.value(a)).withQuery([("unit", item.unitID.rawValue)]), "本单位台账"))</p>
                <table class="facts"><tbody>
                <tr><th>序号</th><td>\(item.number)</td></tr><tr><th>问题描述</th><td>\(item.problem)</td></tr>
                <tr><th>责任单位</th><td>\(page.unit.name)</td></tr><tr><th>整改措施</th><td>\(item.measures)</td></tr>
                <tr><th>整改时限</th><td>\(item.deadline.description)（自\(item.openedOn.description)起\(item.workingDays)个工作日）</td></tr>
                <tr><th>状态</th><td>\(stateTag(item, overdue: page.overdue))</td></tr>
                <tr><th>整改情况</th><td>\(item.answer ?? "")</td></tr><tr><th>销号时间</th><td>\(item.closedOn?.description ?? "")</td></tr>
                <tr><th>来源</th><td>\(item.source.displayName)</td></tr>\(item_)\(verdict)\(carried)
                </tbody></table>
                <h2>办理经过</h2><ol class="ledger-history">\(history)</ol>
                <div class="ledger-steps">\(forms)</div>
                """)
    }
}

extension SiteURL {
    /// This URL with a query (for links).
    func withQuery(_ query: [(String, String)]) -> QueryURL { QueryURL(path: path(query: query)) }
}

/// A link target with a query string, built from a ``SiteURL``.
struct QueryURL: CustomStringConvertible {
    var path: String
    var description: String { path }
}

extension Views {
    static func link(_ url: QueryURL, _ text: String) -> HTML { "<a href=\"\(url.path)\">\(text)</a>" }

    /// The penalty fact fed by the rectification ledger: its value and the judged items it cites.
    static func ledgerBlock(_ model: UnitScoring, group: ScoreGroup) -> HTML {
        guard let marks = model.facts.ledger[group.id], !marks.isEmpty else { return "" }
        let a = model.assessment.id
        let rows: [HTML] = group.specs.compactMap { spec in
            guard let mark = marks[spec.name] else { return nil }
            let cited: [HTML] = mark.items.map { item in
                "<li>\(link(.ledgerItem(.value(a), .value(item.id)), "整改台账第\(item.number)号"))：\(item.verdict?.displayName ?? "")，酌情扣\(item.verdictPoints ?? 0)分（\(item.problem)）</li>"
            }
            return """
                <div class="derived"><p><span class="tag">整改台账</span> \(spec.label)：<b>\(mark.value.description)分</b>（\(mark.explanation)）</p>
                <ul>\(cited)</ul></div>
                """
        }
        return "\(rows)"
    }
}
