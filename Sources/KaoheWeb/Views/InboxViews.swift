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

    /// The administrators' outbox: whether e-mail is on and through which server, the counts, every unsent
    /// mail with its attempts, next try and last error (each can be tried now), and the latest sent ones.
    public static func mailOutbox(_ page: MailOutboxPage, identity: Identity, csrf: String, notice: String? = nil)
        -> HTML
    {
        let summary = page.summary
        let status: HTML =
            page.server.isEmpty
            ? """
            <p class="error" role="status">本服务器未配置邮件服务器（kaohe serve --smtp-url 或 KAOHE_SMTP_URL），邮件提醒不会发出；发件箱中的邮件会保留，配置后自动发送。</p>
            """
            : "<p>经 <code>\(page.server)</code> 发送，发件人 <code>\(page.from)</code>；发件箱每隔几秒处理一次，失败的邮件按退避时间自动重试，不会丢弃。</p>"
        let oldest: HTML =
            summary.oldestUnsentAt.map { "<p class=\"muted\">最早一封待发邮件排队于 \(EvidenceViews.time($0))。</p>" } ?? ""
        let lastSent = summary.lastSentAt.map(EvidenceViews.time) ?? "从未"
        let stats: HTML = """
            <div class="stats"><div class="stat"><b>\(summary.waiting)</b>待发送</div>\
            <div class="stat\(summary.failing > 0 ? " alert" : "")"><b>\(summary.failing)</b>发送失败、等待重试</div>\
            <div class="stat"><b>\(summary.sentSince)</b>近24小时已发送</div><div class="stat"><b>\(summary.sent)</b>累计已发送</div></div>
            <p class="muted">最近一次发送：\(lastSent)。</p>\(oldest)
            """
        func name(_ mail: OutboxMail) -> String { page.userNames[mail.userID] ?? mail.userID.rawValue }
        let unsentRows: [HTML] = page.unsent.map { mail in
            let next: HTML = mail.nextAttemptAt <= page.now ? "下一轮" : "\(EvidenceViews.time(mail.nextAttemptAt))"
            return """
                <tr\(mail.attempts > 0 ? " class=\"overdue\"" : "")><td>\(name(mail))<br><span class="muted">\(mail.to)</span></td>\
                <td>\(mail.subject)</td><td>\(EvidenceViews.time(mail.createdAt))</td><td class="num">\(mail.attempts)</td>\
                <td>\(next)</td><td>\(mail.lastError ?? "")</td><td><form method="post" action="\(SiteURL.mailRetry)" class="inline">\
                \(csrfField(csrf))<input type="hidden" name="id" value="\(mail.id)"><button type="submit" class="secondary">立即重试</button></form></td></tr>
                """
        }
        let more: HTML =
            summary.waiting + summary.failing > page.unsent.count
            ? "<p class=\"muted\">只列出最早的 \(page.unsent.count) 封。</p>" : ""
        let unsent: HTML =
            page.unsent.isEmpty
            ? "<p class=\"muted\">没有待发送的邮件。</p>"
            : """
            <form method="post" action="\(SiteURL.mailRetry)">\(csrfField(csrf))<button type="submit">全部立即重试</button></form>
            <table><thead><tr><th>收件人</th><th>主题</th><th>排队时间</th><th>失败次数</th><th>下次尝试</th><th>最近一次错误</th><th></th></tr></thead>
            <tbody>\(unsentRows)</tbody></table>\(more)
            """
        let sentRows: [HTML] = page.sent.map { mail in
            """
            <tr><td>\(name(mail))<br><span class="muted">\(mail.to)</span></td><td>\(mail.subject)</td>\
            <td>\(EvidenceViews.time(mail.createdAt))</td><td>\(mail.sentAt.map(EvidenceViews.time) ?? "")</td><td class="num">\(mail.attempts)</td></tr>
            """
        }
        let sent: HTML =
            page.sent.isEmpty
            ? "<p class=\"muted\">还没有发出的邮件。</p>"
            : """
            <table><thead><tr><th>收件人</th><th>主题</th><th>排队时间</th><th>发送时间</th><th>失败次数</th></tr></thead>
            <tbody>\(sentRows)</tbody></table>
            """
        return layout(
            title: "邮件发件箱", identity: identity, csrf: csrf, notice: notice,
            content: """
                \(status)\(stats)<h2>待发送（最早的在前）</h2>\(unsent)<h2>最近发出的邮件</h2>\(sent)
                """)
    }
}
