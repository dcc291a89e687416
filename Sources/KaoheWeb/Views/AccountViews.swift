import KaoheApplication
import KaoheStorage

extension Views {
    /// The login page.
    public static func login(csrf: String, username: String = "", next: String = "", error: String? = nil) -> HTML {
        layout(
            title: "登录", identity: nil, csrf: csrf, error: error,
            content: """
                <form method="post" action="\(SiteURL.login)" class="card narrow">\(csrfField(csrf))
                <input type="hidden" name="next" value="\(next)">
                <label>用户名<input name="username" value="\(username)" autocomplete="username" required autofocus></label>
                <label>密码<input type="password" name="password" autocomplete="current-password" required></label>
                <button type="submit">登录</button></form>
                """)
    }

    /// The password change page.
    public static func password(identity: Identity, csrf: String, notice: String? = nil, error: String? = nil) -> HTML {
        layout(
            title: "修改密码", identity: identity, csrf: csrf, notice: notice, error: error,
            content: """
                <form method="post" action="\(SiteURL.password)" class="card narrow">\(csrfField(csrf))
                <label>当前密码<input type="password" name="current" autocomplete="current-password" required></label>
                <label>新密码（\(PasswordPolicy.summary)）<input type="password" name="new" autocomplete="new-password" minlength="\(PasswordPolicy.minimumLength)" required></label>
                <label>再次输入新密码<input type="password" name="confirm" autocomplete="new-password" required></label>
                <button type="submit">保存</button></form>
                <p class="muted">修改密码后，其他设备上的登录会退出，全部 API 令牌会被撤销。\(link(.accountTokens, "我的 API 令牌"))</p>
                """)
    }

    /// The schemes list.
    public static func schemes(_ schemes: [SchemeSummary], identity: Identity, csrf: String) -> HTML {
        let rows: [HTML] = schemes.map {
            "<tr><td><code>\($0.id)</code></td><td>\($0.title)</td><td>\($0.source)</td></tr>"
        }
        return layout(
            title: "考核方案", identity: identity, csrf: csrf,
            content: """
                <table><thead><tr><th>方案编号</th><th>名称</th><th>来源</th></tr></thead><tbody>\(rows)</tbody></table>
                <p class="muted">方案的评分表展示与上传将随评分引擎提供。</p>
                """)
    }
}
