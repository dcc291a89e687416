import Foundation
import KaoheApplication
import KaoheEngine
import KaoheExport
import KaoheRecords
import KaoheStorage

extension Views {
    /// The facts of one item derived from platform records: value, records behind it, override and its form.
    static func derivedBlock(_ model: UnitScoring, group: ScoreGroup, editable: Bool, csrf: String) -> HTML {
        guard let marks = model.facts.derived[group.id], !marks.isEmpty else { return "" }
        let a = model.assessment.id, u = model.unit.id
        let rows: [HTML] = group.specs.compactMap { spec in
            guard let mark = marks[spec.name] else { return nil }
            let url = SiteURL.recordsBehind(.value(a), .value(u), .value(group.id), .value(spec.name))
            var parts: [HTML] = []
            parts.append(
                """
                <p><span class="tag">平台推算</span> \(spec.label)：<b>\(FactForm.display(mark.derived, spec: spec))</b>
                （\(mark.recordCount)条\(mark.recordType.label)记录，<a href="\(url)">查看记录</a>）</p>
                """)
            if let override = mark.override {
                let current = model.facts.values[group.id]?[spec.name]
                let who = model.userNames[override.userID ?? UserID("")] ?? "系统"
                parts.append(
                    """
                    <p class="tag warn">计分采用改动值 <b>\(FactForm.display(current, spec: spec))</b>：\(override.reason)（\(who)，\(timeText(override.createdAt))）</p>
                    """)
            }
            if editable {
                parts.append(
                    overrideForms(
                        url: .derivedOverride(.value(a), .value(u), .value(group.id), .value(spec.name)), spec: spec,
                        overridden: mark.override != nil, csrf: csrf))
            }
            return "<div class=\"derived\">\(parts)</div>"
        }
        return "\(rows)"
    }

    /// The form that overrides a derived fact (value and required reason), and the one that restores it.
    static func overrideForms(url: SiteURL, spec: FactSpec, overridden: Bool, csrf: String) -> HTML {
        let restore: HTML =
            overridden
            ? """
            <form method="post" action="\(url)" class="inline">\(csrfField(csrf))<input type="hidden" name="restore" value="1">
            <label>理由（必填）<input name="reason" required></label><button type="submit">恢复推算值</button></form>
            """ : ""
        return """
            <details><summary>改动推算值</summary>
            <form method="post" action="\(url)">\(csrfField(csrf))
            \(input(spec, form: FormData(), counted: nil))
            <label>理由（必填，与推算值并列显示并记入审计日志）<input name="reason" required></label>
            <button type="submit">改动</button></form>\(restore)</details>
            """
    }

    /// The records behind a derived fact, filterable by status and text.
    static func recordsBehind(
        _ model: RecordsBehindFact, status: String, search: String, identity: Identity, csrf: String
    ) -> HTML {
        let a = model.assessment.id, u = model.unit.id
        let type = model.mark.recordType
        let page = SiteURL.recordsBehind(.value(a), .value(u), .value(model.itemID), .value(model.fact.name))
        let query: [(String, String)] = [("status", status), ("q", search)].filter { !$0.1.isEmpty }
        let hasDeadline = model.derivation.deadline != nil
        let hasNumerator = model.rows.contains { $0.inNumerator != nil }
        let header: [HTML] =
            ["记录编号"] + type.fields.map { "\($0.label)" as HTML }
            + (hasDeadline ? ["期限", "状态"] : []) + (hasNumerator ? ["计入分子"] : [])
        let rows: [HTML] = model.rows.map { row in
            var cells: [HTML] = ["<td><code>\(row.record.id)</code></td>"]
            cells += row.record.values.map { "<td>\(display($0, type: type))</td>" }
            if hasDeadline {
                cells.append("<td>\(row.deadline?.description ?? "—")</td>")
                cells.append("<td>\(statusLabel(row.status))</td>")
            }
            if hasNumerator { cells.append("<td>\(row.inNumerator == true ? "是" : "否")</td>") }
            return "<tr>\(cells)</tr>"
        }
        let choices: [(String, String)] =
            [("", "全部状态")] + DeadlineStatus.allCases.filter { $0 != .open }.map { ($0.rawValue, statusLabel($0)) }
        let statusOptions: [HTML] = choices.map { option($0.0, $0.1, selected: status == $0.0) }
        let override: HTML =
            model.mark.override.map {
                "<p class=\"tag warn\">评分人已改动本事实：\($0.reason)（计分采用改动值，推算值见上）</p>"
            } ?? ""
        let filters: HTML =
            hasDeadline
            ? "<label>状态<select name=\"status\">\(statusOptions)</select></label>" : ""
        return layout(
            title: "推算依据：\(model.fact.label)", identity: identity, csrf: csrf,
            content: """
                <p>\(model.assessment.title) · \(model.unit.code) \(model.unit.name) · 考核项 \(model.itemID) \(model.itemName)</p>
                <p>\(model.fact.label)：<b>\(FactForm.display(model.mark.derived, spec: model.fact))</b>，来自\(model.mark.recordCount)条\(type.label)记录（统计期 \(model.window.period.lowerBound.description)至\(model.window.period.upperBound.description)，截至 \(model.window.asOf.description)）</p>
                \(override)
                <form method="get" action="\(page)" class="filters">\(filters)
                <label>查找<input name="q" value="\(search)" placeholder="编号或任一字段"></label><button type="submit">筛选</button></form>
                <p class="buttons">\(link(.recordsBehindCSV(.value(a), .value(u), .value(model.itemID), .value(model.fact.name)), "导出 CSV")) \(link(.recordsBehindXLSX(.value(a), .value(u), .value(model.itemID), .value(model.fact.name)), "导出 Excel")) \(link(.unitScoring(.value(a), .value(u)), "返回评分"))</p>
                <p class="muted">显示\(model.rows.count)条\(query.isEmpty ? "" : "（已筛选）")</p>
                <table class="records"><thead><tr>\(header.map { "<th>\($0)</th>" as HTML })</tr></thead><tbody>\(rows)</tbody></table>
                """)
    }

    /// The rows of the CSV and XLSX export of the records behind a fact (header first).
    static func recordsBehindTable(_ model: RecordsBehindFact) -> [[String]] {
        let type = model.mark.recordType
        let hasDeadline = model.derivation.deadline != nil
        let hasNumerator = model.rows.contains { $0.inNumerator != nil }
        let header =
            ["记录编号", "单位编码"] + type.fields.map(\.label) + (hasDeadline ? ["期限", "状态"] : [])
            + (hasNumerator ? ["计入分子"] : [])
        return [header]
            + model.rows.map { row in
                [row.record.id, row.record.unit] + row.record.values.map { display($0, type: type) }
                    + (hasDeadline ? [row.deadline?.description ?? "", statusLabel(row.status)] : [])
                    + (hasNumerator ? [row.inNumerator == true ? "是" : "否"] : [])
            }
    }

    static func display(_ value: FieldValue, type: RecordType) -> String {
        switch value {
        case .bool(let flag): flag ? "是" : "否"
        case .choice(let option?):
            type.fields.lazy.compactMap { field -> String? in
                guard case .choice(let options) = field.kind else { return nil }
                return options.first { $0.id == option }?.label
            }.first ?? option
        default: value.description.isEmpty ? "—" : value.description
        }
    }

    static func statusLabel(_ status: DeadlineStatus?) -> String {
        switch status {
        case .onTime: "按期"
        case .late: "逾期办结"
        case .overdue: "超期未办结"
        case .open: "未到期"
        case nil: "—"
        }
    }
}
