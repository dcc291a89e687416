import Foundation
import KaoheApplication
import KaoheStorage

extension Views {
    /// The users page model.
    public struct UsersModel: Sendable {
        /// All users.
        public var users: [User]
        /// All units (for names and the reporter's unit choice).
        public var units: [AssessedUnit]
        /// The clock, for showing login delays.
        public var now: Date
        /// What is counted against account names lately, by ``LoginThrottleKey/text``.
        public var throttles: [String: LoginThrottleState] = [:]
        /// Failures per account name before delays start.
        public var throttleThreshold: Int = LoginThrottlePolicy.standard.accountThreshold
    }

    /// Users with their roles, a roles form per user, and the create form.
    public static func users(
        _ model: UsersModel, identity: Identity, csrf: String, notice: String? = nil, error: String? = nil
    ) -> HTML {
        let unitNames = Dictionary(model.units.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        let rows: [HTML] = model.users.map { user in
            var status: HTML = ""
            if let key = LoginThrottleKey.account(username: user.username), let state = model.throttles[key.text],
                state.failures >= model.throttleThreshold || state.wait(at: model.now) > 0
            {
                let until: HTML = state.wait(at: model.now) > 0 ? "，\(state.wait(at: model.now))秒内拒绝登录" : ""
                status = """
                    <span class="tag warn">登录受限（失败\(state.failures)次\(until)）</span>\
                    <form method="post" action="\(SiteURL.userUnlock(.value(user.id)))" class="inline">\(csrfField(csrf))<button type="submit" class="secondary">解除登录限制</button></form>
                    """
            }
            return """
                <tr><td>\(user.username) \(status)</td><td>\(user.displayName)</td>
                <td>\(user.unitID.flatMap { unitNames[$0] } ?? "—")</td>
                <td><form method="post" action="\(SiteURL.userRoles(.value(user.id)))" class="roles">\(csrfField(csrf))
                \(roleBoxes(user.roles))\(unitSelect(model.units, selected: user.unitID))
                <input name="reason" placeholder="变更原因（可选）"><button type="submit">保存角色</button></form>
                <form method="post" action="\(SiteURL.userPasswordReset(.value(user.id)))" class="roles">\(csrfField(csrf))<button type="submit" class="secondary">重置密码</button></form>
                \(link(.userTokens(.value(user.id)), "API令牌"))</td></tr>
                """
        }
        return layout(
            title: "用户", identity: identity, csrf: csrf, notice: notice, error: error,
            content: """
                <p>\(link(.mailOutbox, "邮件发件箱（通知邮件的发送情况和失败原因）"))</p>
                <table><thead><tr><th>用户名</th><th>姓名</th><th>所属单位</th><th>角色</th></tr></thead><tbody>\(rows)</tbody></table>
                <h2>新建用户</h2><form method="post" action="\(SiteURL.users)" class="card">\(csrfField(csrf))
                <label>用户名<input name="username" required pattern="[A-Za-z0-9._-]{2,32}" placeholder="2–32位字母、数字或 . _ -"></label>
                <label>姓名<input name="display_name" required></label>
                <label>初始密码（\(PasswordPolicy.summary)）<input type="password" name="password" autocomplete="new-password" minlength="\(PasswordPolicy.minimumLength)" required></label>
                <fieldset><legend>角色</legend>\(roleBoxes([]))</fieldset>
                <label>所属单位（单位填报人必填）\(unitSelect(model.units, selected: nil))</label>
                <button type="submit">创建</button></form>
                """)
    }

    static func roleBoxes(_ selected: Set<Role>) -> HTML {
        HTML(
            raw: Role.allCases.map { role -> String in
                let checked = selected.contains(role) ? " checked" : ""
                return
                    "<label class=\"check\"><input type=\"checkbox\" name=\"roles\" value=\"\(role.rawValue)\"\(checked)>\(HTML.escape(role.displayName))</label>"
            }.joined())
    }

    static func unitSelect(_ units: [AssessedUnit], selected: UnitID?) -> HTML {
        "<select name=\"unit_id\" aria-label=\"所属单位\">\(option("", "（无）", selected: selected == nil))\(units.map { option($0.id.rawValue, "\($0.code) \($0.name)", selected: $0.id == selected) })</select>"
    }
}
