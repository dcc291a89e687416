import ArgumentParser
import Foundation
import KaoheApplication
import KaoheFormats
import KaoheStorage
import KaoheStorageSQL
import KaoheWeb

/// `kaohe serve`: migrates, creates the first administrator when there is none, and serves the web platform.
public struct ServeCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "启动考核平台网站（默认 SQLite：./kaohe-data/kaohe.sqlite）")

    @OptionGroup var options: ServerOptions

    @Option(name: .long, help: "监听地址（默认：KAOHE_HOST 或 127.0.0.1）")
    var host: String?

    @Option(name: .long, help: "端口（默认：KAOHE_PORT 或 8080）")
    var port: Int?

    @Flag(
        name: .customLong("secure-cookies"), help: "Cookie 加 Secure 标记（经 https 反向代理提供服务时使用；或 KAOHE_SECURE_COOKIES=true）"
    )
    var secureCookies = false

    @Flag(
        name: .customLong("trust-proxy"),
        help: "相信反向代理的 X-Forwarded-Proto（只在所有请求都经过代理时使用；或 KAOHE_TRUST_PROXY=true）")
    var trustProxy = false

    @Option(
        name: .customLong("evidence-dir"),
        help: "佐证材料存放目录（默认：KAOHE_EVIDENCE_DIR 或 数据目录/evidence；多个实例共用 PostgreSQL 时须为同一共享目录）")
    var evidenceDirectory: String?

    @Option(name: .customLong("max-upload-mb"), help: "单个佐证材料文件的上限，单位 MB（默认：KAOHE_MAX_UPLOAD_MB 或 50）")
    var maxUploadMB: Int?

    @Option(
        name: .customLong("smtp-url"),
        help: "发送通知邮件的 SMTP 服务器：smtp://[用户名:密码@]主机[:端口]（默认：KAOHE_SMTP_URL；不设则不发邮件）")
    var smtpURL: String?

    @Option(name: .customLong("mail-from"), help: "通知邮件的发件人地址（默认：KAOHE_MAIL_FROM 或 kaohe@localhost）")
    var mailFrom: String?

    @Option(name: .customLong("outbox-interval"), help: "每隔多少秒检查一次发件箱（默认：KAOHE_OUTBOX_INTERVAL 或 5）")
    var outboxInterval: Double?

    @Option(name: .customLong("site-url"), help: "用户访问本站的地址，用于邮件中的链接（默认：KAOHE_SITE_URL 或 监听地址）")
    var siteURL: String?

    @Flag(name: .long, help: "首次启动时载入演示数据（已载入则跳过；演示账号密码见输出）")
    var demo = false

    public init() {}

    public func run() async throws {
        let config = try options.config(
            host: host, port: port, secureCookies: secureCookies ? true : nil, evidenceDirectory: evidenceDirectory,
            maxUploadMB: maxUploadMB, trustProxy: trustProxy ? true : nil, smtpURL: smtpURL, mailFrom: mailFrom,
            outboxInterval: outboxInterval, siteURL: siteURL)
        try await reportingErrors {
            let boot = try await bootstrap(config)
            for name in boot.appliedMigrations { print("数据库迁移：\(name)") }
            print("数据库：\(boot.store.location)")
            print("佐证材料目录：\(config.evidencePath)（单个文件上限 \(config.maxUploadMB) MB）")
            if demo {
                do { try await loadDemo(into: boot.store) } catch {
                    await boot.store.shutdown()
                    throw error
                }
            }
            let firstAdmin = boot.firstAdmin
            do {
                try await runServer(config, store: boot.store) {
                    print("考核平台已启动：\(config.baseURL)")
                    if let admin = firstAdmin {
                        print("首次启动，已创建管理员。请在浏览器打开上面的地址，用以下账号登录，并立即修改密码：")
                        print("  用户名：\(admin.username)")
                        print("  密码：\(admin.password)")
                    }
                    print("按 Ctrl+C 停止。")
                    fflush(nil)
                }
            } catch {
                await boot.store.shutdown()
                throw error
            }
            await boot.store.shutdown()
        }
    }
}

/// `kaohe migrate`: applies the numbered database migrations and lists them.
public struct MigrateCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "migrate", abstract: "迁移数据库到最新结构")

    @OptionGroup var options: ServerOptions

    public init() {}

    public func run() async throws {
        let config = try options.config()
        try await reportingErrors {
            let store = try openStore(config)
            do {
                let applied = try await store.migrate()
                print(
                    applied.isEmpty
                        ? "数据库已是最新结构（\(store.location)）" : applied.map { "已迁移：\($0)" }.joined(separator: "\n"))
            } catch {
                await store.shutdown()
                throw error
            }
            await store.shutdown()
        }
    }
}
