import Foundation
import KaoheStorage

/// Builds the e-mails of notifications: one per notification, or one daily digest per user.
public enum MailComposer {
    /// The mail for one notification.
    public static func immediate(_ note: InboxNotification, to address: String, baseURL: String) -> OutboxMail {
        OutboxMail(
            userID: note.userID, to: address, subject: "【考核平台】\(note.title)",
            body:
                "\(note.title)\n\n\(note.body)\n\n\(link(note, baseURL: baseURL))\n\n（本邮件由考核平台自动发送，可在“我的通知”页更改邮件提醒方式。）\n",
            createdAt: note.createdAt)
    }

    /// The daily digest of a user's notifications (oldest first), grouped by kind; nil when there are none.
    public static func digest(
        _ notes: [InboxNotification], user: UserID, to address: String, baseURL: String, at now: Date
    )
        -> OutboxMail?
    {
        guard !notes.isEmpty else { return nil }
        var lines: [String] = ["您有 \(notes.count) 条新通知：", ""]
        for kind in NotificationKind.allCases {
            let ofKind = notes.filter { $0.kind == kind }
            guard !ofKind.isEmpty else { continue }
            lines.append("【\(kind.label)】\(ofKind.count)条")
            for note in ofKind { lines.append("· \(note.title)  \(link(note, baseURL: baseURL))") }
            lines.append("")
        }
        lines.append("（本邮件由考核平台每日汇总发送，可在“我的通知”页更改邮件提醒方式。）")
        return OutboxMail(
            userID: user, to: address, subject: "【考核平台】每日通知汇总（\(notes.count)条）",
            body: lines.joined(separator: "\n") + "\n", createdAt: now)
    }

    static func link(_ note: InboxNotification, baseURL: String) -> String {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        return base + note.link
    }
}
