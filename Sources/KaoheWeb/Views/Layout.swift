import Hummingbird
import KaoheApplication
import KaoheStorage

/// Pure view functions: a model in, HTML out. No storage, no request.
public enum Views {
    /// The page frame: header with navigation for the identity's permissions, messages, content.
    static func layout(
        title: String, identity: Identity?, csrf: String, notice: String? = nil, error: String? = nil, content: HTML
    ) -> HTML {
        let nav: HTML
        if let user = identity?.user {
            var links: [HTML] = [link(.dashboard, "首页")]
            if user.can(.viewOrganizations) { links.append(link(.organizations, "组织")) }
            if user.can(.viewUnits) { links.append(link(.units, "单位")) }
            if user.can(.manageUsers) { links.append(link(.users, "用户")) }
            if user.can(.viewAssessments) { links.append(link(.assessments, "考核")) }
            if user.can(.viewAudit) { links.append(link(.audit, "审计日志")) }
            links.append(link(.schemes, "考核方案"))
            let unread = identity?.unreadNotifications ?? 0
            links.append(
                unread > 0
                    ? "<a href=\"\(SiteURL.inbox)\" class=\"inbox-link\">通知<span class=\"badge\" aria-label=\"\(unread)条未读\">\(unread)</span></a>"
                    : link(.inbox, "通知"))
            links.append(link(.password, "修改密码"))
            nav = """
                <nav>\(links)<span class="who">\(user.displayName)（\(user.roles.sorted().map(\.displayName).joined(separator: "、"))）</span>\
                <form method="post" action="\(SiteURL.logout)" class="inline">\(csrfField(csrf))<button type="submit">退出</button></form></nav>
                """
        } else {
            nav = "<nav>\(link(.login, "登录"))</nav>"
        }
        let noticeHTML: HTML = notice.map { "<p class=\"notice\" role=\"status\">\($0)</p>" } ?? ""
        let errorHTML: HTML = error.map { "<p class=\"error\" role=\"alert\">\($0)</p>" } ?? ""
        return """
            <!doctype html>
            <html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title) · 考核平台</title><link rel="stylesheet" href="\(SiteURL.stylesheet)"><script src="\(SiteURL.script)" defer></script></head>
            <body><header><a class="brand" href="\(SiteURL.home)">绩效考核平台</a>\(nav)</header>
            <main><h1>\(title)</h1>\(noticeHTML)\(errorHTML)\(content)</main></body></html>
            """
    }

    static func link(_ url: SiteURL, _ text: String) -> HTML { "<a href=\"\(url)\">\(text)</a>" }

    static func csrfField(_ token: String) -> HTML { "<input type=\"hidden\" name=\"_csrf\" value=\"\(token)\">" }

    static func option(_ value: String, _ label: String, selected: Bool) -> HTML {
        selected
            ? "<option value=\"\(value)\" selected>\(label)</option>" : "<option value=\"\(value)\">\(label)</option>"
    }

    /// The error page.
    public static func errorPage(
        status: HTTPResponse.Status, message: String, details: [LineError], identity: Identity?
    ) -> HTML {
        let list: HTML =
            details.isEmpty ? "" : "<ul class=\"errors\">\(details.map { "<li>\($0.description)</li>" as HTML })</ul>"
        return layout(
            title: "出错了（\(status.code)）", identity: identity, csrf: identity?.session?.csrfToken ?? "", error: message,
            content: "\(list)<p>\(link(.home, "回到首页"))</p>")
    }
}
