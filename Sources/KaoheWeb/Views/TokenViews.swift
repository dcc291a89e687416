import Foundation
import KaoheApplication
import KaoheStorage

extension Views {
    /// A list of API tokens (never their secrets) with a revoke button each: the user's own (`owner` nil) or,
    /// for an administrator, another user's.
    public static func tokens(
        _ tokens: [APIToken], owner: User?, identity: Identity, csrf: String, notice: String? = nil,
        error: String? = nil
    ) -> HTML {
        let rows: [HTML] = tokens.map { token in
            """
            <tr><td>\(token.name)</td><td><code>\(token.id.rawValue)</code></td><td>\(EvidenceViews.time(token.createdAt))</td>
            <td>\(EvidenceViews.time(token.expiresAt))</td><td>\(token.lastUsedAt.map(EvidenceViews.time) ?? "从未使用")</td>
            <td><form method="post" action="\(SiteURL.tokenRevoke(.value(token.id)))" class="inline">\(csrfField(csrf))<button type="submit" class="secondary">撤销</button></form></td></tr>
            """
        }
        let table: HTML =
            tokens.isEmpty
            ? "<p class=\"muted\">没有有效的 API 令牌。</p>"
            : """
            <table><thead><tr><th>名称</th><th>编号</th><th>创建时间</th><th>到期时间</th><th>最近使用</th><th>操作</th></tr></thead>
            <tbody>\(rows)</tbody></table>
            """
        let revokeAll: HTML =
            if let owner, !tokens.isEmpty {
                """
                <form method="post" action="\(SiteURL.userTokensRevoke(.value(owner.id)))">\(csrfField(csrf))<button type="submit">撤销该用户的全部令牌</button></form>
                """
            } else { "" }
        let about: HTML =
            owner == nil
            ? """
            <p class="muted">令牌用 <code>POST /api/v1/tokens</code>（用户名和密码）申请，默认\(AuthService.maximumTokenDays)天有效，可用 <code>expiresInDays</code> 缩短；\
            令牌本身只在申请时显示一次。修改密码、管理员重置密码或取消角色时，全部令牌自动撤销。“最近使用”最多每\(Int(APIToken.useRecordingInterval / 60))分钟更新一次。</p>
            """
            : "<p>\(link(.users, "返回用户列表"))</p>"
        return layout(
            title: owner.map { "\($0.username) 的 API 令牌" } ?? "我的 API 令牌", identity: identity, csrf: csrf,
            notice: notice, error: error, content: "\(about)\(table)\(revokeAll)")
    }
}
