import Foundation
import KaoheApplication
import KaoheStorage

extension Views {
    /// The audit log page: the chain check (when asked for), the search and filter form, the entries and the
    /// pager.
    public static func audit(
        _ model: AuditLogPage, verification: AuditVerification?, identity: Identity, csrf: String
    ) -> HTML {
        let spec = Operations.auditListSpec
        let query = model.page.query
        let status: HTML
        switch verification {
        case .intact(let count)?: status = "<p class=\"notice\">哈希链完整：共\(count)条记录。</p>"
        case .broken(let seq, let reason)?:
            status = "<p class=\"error\" role=\"alert\">哈希链在第\(seq)条断开：\(reason)。可能有人绕过系统改动了数据库。</p>"
        case nil:
            let href = SiteURL.audit.path(query: query.parameters(spec: spec) + [("verify", "1")])
            status = """
                <p>共\(ListViews.grouped(model.logSize))条记录。<a href="\(href)">校验整条哈希链</a>（逐条重算，记录多时需要数秒）</p>
                """
        }
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "Asia/Shanghai")
        let rows: [HTML] = model.page.rows.map {
            """
            <tr><td>\($0.seq)</td><td>\(formatter.string(from: $0.at))</td><td>\($0.actorName)</td><td><code>\($0.entity)</code></td>
            <td>\($0.action)</td><td class="json">\($0.oldValue ?? "")</td><td class="json">\($0.newValue ?? "")</td><td>\($0.reason ?? "")</td></tr>
            """
        }
        let controls = ListViews.controls(
            .audit, spec, query, searchLabel: "对象前缀", searchPlaceholder: "如 unit: 或 facts:考核编号/单位编号",
            fields: [
                .init(key: "actor", label: "操作人", placeholder: "用户名，完全一致"),
                .init(key: "action", label: "操作", placeholder: "如 create、update"),
                .init(key: "from", label: "起始日期", type: "date"), .init(key: "to", label: "截止日期", type: "date"),
            ])
        let empty: HTML = rows.isEmpty ? "<p class=\"muted\">没有符合条件的记录。</p>" : ""
        return layout(
            title: "审计日志", identity: identity, csrf: csrf,
            content: """
                \(status)\(controls)
                <table><thead><tr>\(ListViews.header("序号", key: "seq", .audit, spec, query))<th>时间</th><th>操作人</th><th>对象</th><th>操作</th><th>原值</th><th>新值</th><th>原因</th></tr></thead>
                <tbody>\(rows)</tbody></table>\(empty)
                \(ListViews.pager(model.page, .audit, spec))
                """)
    }
}
