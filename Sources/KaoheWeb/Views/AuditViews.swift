import Foundation
import KaoheApplication
import KaoheStorage

extension Views {
    /// The audit log page: the chain's state, a filter by entity prefix, and the entries (newest last).
    public static func audit(
        entries: [AuditEntry], filter: String, verification: AuditVerification, identity: Identity, csrf: String
    ) -> HTML {
        let status: HTML
        switch verification {
        case .intact(let count): status = "<p class=\"notice\">哈希链完整：共\(count)条记录。</p>"
        case .broken(let seq, let reason):
            status = "<p class=\"error\" role=\"alert\">哈希链在第\(seq)条断开：\(reason)。可能有人绕过系统改动了数据库。</p>"
        }
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "Asia/Shanghai")
        let rows: [HTML] = entries.map {
            """
            <tr><td>\($0.seq)</td><td>\(formatter.string(from: $0.at))</td><td>\($0.actorName)</td><td><code>\($0.entity)</code></td>
            <td>\($0.action)</td><td class="json">\($0.oldValue ?? "")</td><td class="json">\($0.newValue ?? "")</td><td>\($0.reason ?? "")</td></tr>
            """
        }
        return layout(
            title: "审计日志", identity: identity, csrf: csrf,
            content: """
                \(status)
                <form method="get" action="\(SiteURL.audit)" class="roles"><input name="entity" value="\(filter)" placeholder="对象前缀，如 unit: 或 facts:考核编号/单位编号">
                <button type="submit">筛选</button></form>
                <table><thead><tr><th>序号</th><th>时间</th><th>操作人</th><th>对象</th><th>操作</th><th>原值</th><th>新值</th><th>原因</th></tr></thead>
                <tbody>\(rows)</tbody></table>
                """)
    }
}
