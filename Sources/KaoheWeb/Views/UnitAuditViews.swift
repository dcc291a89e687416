import Foundation
import KaoheApplication
import KaoheEngine
import KaoheStorage

extension Views {
    /// A table of audit entries, newest first: when, who, what (and the item when `itemNames` is given),
    /// action, old → new, reason.
    static func historyTable(_ entries: [AuditEntry], scope: String, itemNames: [String: String]? = nil) -> HTML {
        let rows: [HTML] = entries.reversed().map { entry in
            let itemCell: HTML
            if let itemNames {
                let item = UnitAudit.item(of: entry, scope: scope)
                itemCell = "<td>\(item.map { itemNames[$0] ?? $0 } ?? "（整个单位）")</td>"
            } else {
                itemCell = ""
            }
            let change: HTML
            switch (entry.oldValue, entry.newValue) {
            case (nil, nil): change = ""
            case (nil, let new?): change = "<code>\(new)</code>"
            case (let old?, nil): change = "<code>\(old)</code> → （无）"
            case (let old?, let new?): change = "<code>\(old)</code> → <code>\(new)</code>"
            }
            return """
                <tr><td>\(timeText(entry.at))</td><td>\(entry.actorName)</td>\(itemCell)<td>\(UnitAudit.kindLabel(entry))</td>\
                <td>\(UnitAudit.actionLabel(entry.action))</td><td class="json">\(change)</td><td>\(entry.reason ?? "")</td></tr>
                """
        }
        let itemHead: HTML = itemNames == nil ? "" : "<th>考核项</th>"
        return """
            <table class="history"><thead><tr><th>时间</th><th>操作人</th>\(itemHead)<th>对象</th><th>操作</th><th>原值 → 新值</th><th>原因</th></tr></thead>
            <tbody>\(rows)</tbody></table>
            """
    }

    /// One item's change history on the scoring page (collapsed).
    static func itemHistory(_ model: UnitScoring, group: ScoreGroup) -> HTML {
        let entries = model.history[group.id] ?? []
        guard !entries.isEmpty else { return "<p class=\"muted history\">修改记录：暂无</p>" }
        let scope = UnitAudit.scope(model.assessment.id, model.unit.id)
        return """
            <details class="history" id="history-\(group.id)"><summary>修改记录（\(entries.count)条）</summary>\(historyTable(entries, scope: scope))</details>
            """
    }

    /// The audit page of one unit: every recorded change to its facts, findings, self-assessment, reviews,
    /// evidence, objections and workflow, newest first.
    public static func unitAudit(_ model: UnitAudit, identity: Identity, csrf: String) -> HTML {
        let a = model.assessment.id, u = model.unit.id
        var names: [String: String] = [downgradeGroupID: "降档情形"]
        for item in model.scheme.items { names[item.id] = "\(item.id) \(item.name)" }
        let scope = UnitAudit.scope(a, u)
        let table: HTML =
            model.entries.isEmpty
            ? "<p class=\"muted\">本单位还没有任何修改记录。</p>"
            : historyTable(model.entries, scope: scope, itemNames: names)
        let truncated: HTML =
            model.truncated ? "<p class=\"notice\">只显示最近\(Operations.unitAuditLimit)条记录。</p>" : ""
        return layout(
            title: "修改记录：\(model.unit.code) \(model.unit.name)", identity: identity, csrf: csrf,
            content: """
                <p>\(model.assessment.title) · 方案 <code>\(model.scheme.id)</code> · 共\(model.entries.count)条，最新的在前</p>
                <p class="buttons">\(link(.unitScoring(.value(a), .value(u)), "返回评分")) \(link(.assessment(.value(a)), "返回考核"))</p>
                \(truncated)\(table)
                """)
    }
}
