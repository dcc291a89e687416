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

    /// What the dashboard shows.
    public struct DashboardModel: Sendable {
        /// Numbers of organizations, units, users (nil when not allowed to see) and assessments.
        public var organizations: Int?
        /// Number of units visible.
        public var units: Int
        /// Number of users, for administrators.
        public var users: Int?
        /// Number of assessments.
        public var assessments: Int
        /// The reporter's own unit, if any.
        public var ownUnit: AssessedUnit?
        /// The assessments the reporter's unit takes part in (for the links to its self-assessment).
        public var ownAssessments: [Assessment]

        /// Creates the model.
        public init(
            organizations: Int?, units: Int, users: Int?, assessments: Int, ownUnit: AssessedUnit?,
            ownAssessments: [Assessment] = []
        ) {
            self.ownAssessments = ownAssessments
            self.organizations = organizations
            self.units = units
            self.users = users
            self.assessments = assessments
            self.ownUnit = ownUnit
        }
    }

    /// The dashboard.
    public static func dashboard(_ model: DashboardModel, identity: Identity, csrf: String, notice: String? = nil)
        -> HTML
    {
        var cards: [HTML] = []
        if let n = model.organizations {
            cards.append("<div class=\"stat\"><b>\(n)</b>\(link(.organizations, "组织"))</div>")
        }
        cards.append("<div class=\"stat\"><b>\(model.units)</b>\(link(.units, "单位"))</div>")
        if let n = model.users { cards.append("<div class=\"stat\"><b>\(n)</b>\(link(.users, "用户"))</div>") }
        cards.append("<div class=\"stat\"><b>\(model.assessments)</b><span>考核</span></div>")
        var own: HTML = model.ownUnit.map { "<p>本人所属单位：<b>\($0.name)</b>（\($0.code)，\($0.type.displayName)）</p>" } ?? ""
        if let unit = model.ownUnit, !model.ownAssessments.isEmpty {
            let rows: [HTML] = model.ownAssessments.map {
                "<li>\(link(.selfAssessment(.value($0.id), .value(unit.id)), "\($0.title)：填报自评"))（\($0.state.displayName)\($0.submissionDeadline.map { "，截止\($0.description)" } ?? "")）</li>"
            }
            own = "\(own)<h2>本单位的考核</h2><ul class=\"own-assessments\">\(rows)</ul>"
        }
        return layout(
            title: "首页", identity: identity, csrf: csrf, notice: notice,
            content: """
                <p>欢迎，\(identity.user.displayName)。</p>\(own)<div class="stats">\(cards)</div>
                <p>\(link(.schemes, "查看考核方案"))</p>
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
