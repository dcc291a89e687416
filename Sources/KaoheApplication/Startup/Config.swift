import Foundation

/// The server's configuration, resolved in layers: command line over environment over defaults.
public struct AppConfig: Sendable, Equatable {
    /// The address to listen on (default 127.0.0.1).
    public var host: String
    /// The port (default 8080).
    public var port: Int
    /// The database: a `postgres://…` URL, or nil for the SQLite file in ``dataDirectory``.
    public var databaseURL: String?
    /// Where the SQLite file and, later, the evidence store live (default `./kaohe-data`).
    public var dataDirectory: String
    /// Whether cookies carry the `Secure` flag (set when served over https).
    public var secureCookies: Bool
    /// Where evidence files are stored; nil for `<dataDirectory>/evidence`. With several instances on one
    /// PostgreSQL database this must be one directory they all share.
    public var evidenceDirectory: String?
    /// The largest evidence file accepted, in MB (default 50).
    public var maxUploadMB: Int
    /// Whether `X-Forwarded-Proto` from a reverse proxy is believed (only when every request comes through it).
    public var trustProxy: Bool = false
    /// The SMTP server for notification e-mails, `smtp://[user:password@]host[:port]`; nil: no e-mail (default).
    public var smtpURL: String?
    /// The sender of notification e-mails (default `kaohe@localhost`).
    public var mailFrom = "kaohe@localhost"
    /// Seconds between two looks at the outbox (default 5).
    public var outboxInterval: Double = 5
    /// The site's address as users reach it, for links in e-mails (default ``baseURL``).
    public var siteURL: String?

    /// The defaults: 127.0.0.1:8080, SQLite in ./kaohe-data, cookies without `Secure`.
    public static let defaults = AppConfig(
        host: "127.0.0.1", port: 8080, databaseURL: nil, dataDirectory: "kaohe-data", secureCookies: false)

    /// Creates a configuration.
    public init(
        host: String, port: Int, databaseURL: String?, dataDirectory: String, secureCookies: Bool,
        evidenceDirectory: String? = nil, maxUploadMB: Int = 50
    ) {
        self.host = host
        self.port = port
        self.databaseURL = databaseURL
        self.dataDirectory = dataDirectory
        self.secureCookies = secureCookies
        self.evidenceDirectory = evidenceDirectory
        self.maxUploadMB = maxUploadMB
    }

    /// The largest upload size accepted by ``resolve(cli:environment:)``, in MB (ZIP packages stay under 4 GiB).
    public static let maxUploadMBLimit = 2048

    /// The values a command line may give; nil means "not given".
    public struct Overrides: Sendable, Equatable {
        /// `--host`
        public var host: String?
        /// `--port`
        public var port: Int?
        /// `--database`
        public var databaseURL: String?
        /// `--data-dir`
        public var dataDirectory: String?
        /// `--secure-cookies`
        public var secureCookies: Bool?
        /// `--evidence-dir`
        public var evidenceDirectory: String?
        /// `--max-upload-mb`
        public var maxUploadMB: Int?
        /// `--trust-proxy`
        public var trustProxy: Bool?
        /// `--smtp-url`
        public var smtpURL: String?
        /// `--mail-from`
        public var mailFrom: String?
        /// `--outbox-interval`
        public var outboxInterval: Double?
        /// `--site-url`
        public var siteURL: String?

        /// Creates overrides.
        public init(
            host: String? = nil, port: Int? = nil, databaseURL: String? = nil, dataDirectory: String? = nil,
            secureCookies: Bool? = nil, evidenceDirectory: String? = nil, maxUploadMB: Int? = nil,
            trustProxy: Bool? = nil, smtpURL: String? = nil, mailFrom: String? = nil, outboxInterval: Double? = nil,
            siteURL: String? = nil
        ) {
            self.smtpURL = smtpURL
            self.mailFrom = mailFrom
            self.outboxInterval = outboxInterval
            self.siteURL = siteURL
            self.host = host
            self.port = port
            self.databaseURL = databaseURL
            self.dataDirectory = dataDirectory
            self.secureCookies = secureCookies
            self.evidenceDirectory = evidenceDirectory
            self.maxUploadMB = maxUploadMB
            self.trustProxy = trustProxy
        }
    }

    /// Parses a boolean environment variable.
    static func flag(_ text: String, _ name: String) throws -> Bool {
        switch text.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw AppError.invalid("环境变量 \(name) 的值“\(text)”应为 true 或 false")
        }
    }

    /// Layers `cli` over the environment (`KAOHE_HOST`, `KAOHE_PORT`, `KAOHE_DATABASE_URL`, `KAOHE_DATA_DIR`,
    /// `KAOHE_SECURE_COOKIES`, `KAOHE_EVIDENCE_DIR`, `KAOHE_MAX_UPLOAD_MB`, `KAOHE_TRUST_PROXY`) over ``defaults``. Bad environment values are errors naming the variable.
    public static func resolve(cli: Overrides, environment: [String: String]) throws -> AppConfig {
        var config = AppConfig.defaults
        func env(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        if let host = env("KAOHE_HOST") { config.host = host }
        if let text = env("KAOHE_PORT") {
            guard let port = Int(text), (1...65535).contains(port) else {
                throw AppError.invalid("环境变量 KAOHE_PORT 的值“\(text)”不是有效端口（1–65535）")
            }
            config.port = port
        }
        if let url = env("KAOHE_DATABASE_URL") { config.databaseURL = url }
        if let dir = env("KAOHE_DATA_DIR") { config.dataDirectory = dir }
        if let text = env("KAOHE_SECURE_COOKIES") { config.secureCookies = try flag(text, "KAOHE_SECURE_COOKIES") }
        if let dir = env("KAOHE_EVIDENCE_DIR") { config.evidenceDirectory = dir }
        if let text = env("KAOHE_MAX_UPLOAD_MB") {
            guard let mb = Int(text), (1...maxUploadMBLimit).contains(mb) else {
                throw AppError.invalid("环境变量 KAOHE_MAX_UPLOAD_MB 的值“\(text)”无效，应为1–\(maxUploadMBLimit)之间的整数（单位 MB）")
            }
            config.maxUploadMB = mb
        }
        if let text = env("KAOHE_TRUST_PROXY") { config.trustProxy = try flag(text, "KAOHE_TRUST_PROXY") }
        if let host = cli.host { config.host = host }
        if let port = cli.port {
            guard (1...65535).contains(port) else { throw AppError.invalid("--port 的值 \(port) 不是有效端口（1–65535）") }
            config.port = port
        }
        if let url = cli.databaseURL { config.databaseURL = url }
        if let dir = cli.dataDirectory { config.dataDirectory = dir }
        if let secure = cli.secureCookies { config.secureCookies = secure }
        if let dir = cli.evidenceDirectory { config.evidenceDirectory = dir }
        if let mb = cli.maxUploadMB {
            guard (1...maxUploadMBLimit).contains(mb) else {
                throw AppError.invalid("--max-upload-mb 的值 \(mb) 无效，应为1–\(maxUploadMBLimit)之间的整数（单位 MB）")
            }
            config.maxUploadMB = mb
        }
        if let trust = cli.trustProxy { config.trustProxy = trust }
        try resolveMail(&config, cli: cli, env: env)
        return config
    }

    /// The mail settings: `--smtp-url` / `KAOHE_SMTP_URL`, `--mail-from` / `KAOHE_MAIL_FROM`,
    /// `--outbox-interval` / `KAOHE_OUTBOX_INTERVAL` (seconds), `--site-url` / `KAOHE_SITE_URL`.
    static func resolveMail(_ config: inout AppConfig, cli: Overrides, env: (String) -> String?) throws {
        config.smtpURL = cli.smtpURL ?? env("KAOHE_SMTP_URL") ?? config.smtpURL
        if let url = config.smtpURL { _ = try SMTPServer(url: url) }
        config.mailFrom = cli.mailFrom ?? env("KAOHE_MAIL_FROM") ?? config.mailFrom
        let sender = config.mailFrom.split(separator: "@", omittingEmptySubsequences: false)
        if sender.count != 2 || sender.contains(where: \.isEmpty)
            || config.mailFrom.unicodeScalars.contains(where: { $0.value <= 0x20 || "<>".unicodeScalars.contains($0) })
        {
            throw AppError.invalid("发件人地址“\(config.mailFrom)”格式不正确（--mail-from 或 KAOHE_MAIL_FROM）")
        }
        if let text = env("KAOHE_OUTBOX_INTERVAL") {
            guard let seconds = Double(text), seconds >= 0.1, seconds <= 3600 else {
                throw AppError.invalid("环境变量 KAOHE_OUTBOX_INTERVAL 的值“\(text)”无效，应为0.1–3600之间的秒数")
            }
            config.outboxInterval = seconds
        }
        if let seconds = cli.outboxInterval {
            guard seconds >= 0.1, seconds <= 3600 else {
                throw AppError.invalid("--outbox-interval 的值 \(seconds) 无效，应为0.1–3600之间的秒数")
            }
            config.outboxInterval = seconds
        }
        config.siteURL = cli.siteURL ?? env("KAOHE_SITE_URL") ?? config.siteURL
        if let site = config.siteURL, !(site.hasPrefix("http://") || site.hasPrefix("https://")) {
            throw AppError.invalid("网站地址“\(site)”应以 http:// 或 https:// 开头（--site-url 或 KAOHE_SITE_URL）")
        }
    }

    /// The SQLite file used when no database URL is set.
    public var sqlitePath: String { URL(fileURLWithPath: dataDirectory).appendingPathComponent("kaohe.sqlite").path }

    /// The evidence store's directory: ``evidenceDirectory``, else `<dataDirectory>/evidence`.
    public var evidencePath: String {
        evidenceDirectory ?? URL(fileURLWithPath: dataDirectory).appendingPathComponent("evidence").path
    }

    /// The upload limit in bytes.
    public var maxUploadBytes: Int { maxUploadMB * 1024 * 1024 }

    /// The evidence store this configuration names.
    public var evidenceStore: EvidenceStore { EvidenceStore(directory: evidencePath, maxFileSize: maxUploadBytes) }

    /// The address to open in a browser.
    public var baseURL: String { "http://\(host.contains(":") ? "[\(host)]" : host):\(port)" }
}
