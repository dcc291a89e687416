import Foundation
import KaoheApplication
import KaoheStorage

extension Views {
    /// The user's inbox: unread first, each with its link and a button to mark it read; the e-mail settings.
    public static func inbox(_ page: InboxPage, identity: Identity, csrf: String, notice: String? = nil) -> HTML {
        let rows: [HTML] = page.notifications.map { note in
            // Only site paths are links (every notification's link is one; anything else is shown as text).
            let safe = note.link.hasPrefix("/") && !note.link.hasPrefix("//") && !note.link.contains("\\")
            let title: HTML = safe ? "<a href=\"\(note.link)\">\(note.title)</a>" : "\(note.title)"
            let action: HTML =
                note.readAt == nil
                ? """
                <form method="post" action="\(SiteURL.inboxRead(.value(note.id)))" class="inline">\(csrfField(csrf))<button type="submit" class="secondary">标为已读</button></form>
                """
                : "<span class=\"muted\">已读</span>"
            return """
                <tr class="\(note.readAt == nil ? "unread" : "read")"><td>\(note.kind.label)</td><td>\(title)<br><span class="muted">\(note.body)</span></td>\
                <td>\(EvidenceViews.time(note.createdAt))</td><td>\(action)</td></tr>
                """
        }
        let table: HTML =
            page.notifications.isEmpty
            ? "<p class=\"muted\">暂无通知。</p>"
            : """
            <table class="inbox"><thead><tr><th>类型</th><th>内容</th><th>时间</th><th>状态</th></tr></thead>
            <tbody>\(rows)</tbody></table>
            """
        let readAll: HTML =
            page.unread > 0
            ? """
            <form method="post" action="\(SiteURL.inboxReadAll)">\(csrfField(csrf))<button type="submit">全部标为已读（\(page.unread)条未读）</button></form>
            """
            : ""
        let modes: [HTML] = MailMode.allCases.map {
            option($0.rawValue, $0.label, selected: $0 == page.preferences.mode)
        }
        let settings: HTML = """
            <section><h2>邮件提醒</h2>
            <form method="post" action="\(SiteURL.accountMail)" class="card">\(csrfField(csrf))
            <label>电子邮箱 <input type="email" name="email" value="\(page.preferences.email)" maxlength="254"></label>
            <label>提醒方式 <select name="mode">\(modes)</select></label>
            <button type="submit">保存</button></form>
            <p class="muted">即时：每条通知一封邮件；每日汇总：每天早上8点一封，列出前一天以来的通知。邮件由服务器的发件箱发送，邮件服务器暂时不可用时会自动重试。</p></section>
            """
        return layout(
            title: "我的通知", identity: identity, csrf: csrf, notice: notice, content: "\(readAll)\(table)\(settings)")
    }
}
