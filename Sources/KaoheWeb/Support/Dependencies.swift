import Foundation
import KaoheStorage

/// A scheme as listed on the schemes page.
public struct SchemeSummary: Sendable, Codable, Equatable {
    /// The scheme id, e.g. `pingqiao-2022`.
    public var id: String
    /// The title.
    public var title: String
    /// Where it comes from ("内置" or a file name).
    public var source: String

    /// Creates a summary.
    public init(id: String, title: String, source: String) {
        self.id = id
        self.title = title
        self.source = source
    }

    /// The built-in schemes named in the reference spec. Replaced by the scoring engine's catalog once it exists.
    public static let builtIn: [SchemeSummary] = [
        .init(id: "pingqiao-2022", title: "平桥区“互联网+监管”工作绩效考核办法", source: "内置"),
        .init(id: "shuangyashan-2017", title: "双鸭山市2017年“互联网+政务服务”工作考核细则", source: "内置"),
        .init(id: "changbai-2020-gongkai", title: "长白县2020年绩效考评细则 — 政务公开", source: "内置"),
        .init(id: "changbai-2020-fangguanfu", title: "长白县2020年绩效考评细则 — “放管服”和“最多跑一次”改革", source: "内置"),
        .init(id: "changbai-2020-xinxi", title: "长白县2020年绩效考评细则 — 政府网站政务信息上报", source: "内置"),
        .init(id: "changbai-2020-yingshang", title: "长白县2020年绩效考评细则 — 营商环境", source: "内置"),
        .init(id: "changbai-2020-xinyong", title: "长白县2020年绩效考评细则 — 信用体系", source: "内置"),
        .init(id: "xinbei-sanheyi", title: "新北区“三合一”阳光政务平台考核评分表", source: "内置"),
    ]
}

/// Everything the routes need from outside: storage, the clock, password hashing cost, cookie settings.
public struct AppDependencies: Sendable {
    /// The store.
    public var store: any KaoheStore
    /// The clock.
    public var now: @Sendable () -> Date
    /// bcrypt cost (12 in production; tests use 4 to stay fast).
    public var bcryptCost: UInt8
    /// Whether cookies carry `Secure` (and responses HSTS: the site is served over https only).
    public var secureCookies: Bool
    /// Whether `X-Forwarded-Proto` of a reverse proxy is believed (see `TransportSecurityMiddleware`).
    public var trustProxy = false
    /// The schemes to list.
    public var schemes: @Sendable () -> [SchemeSummary]
    /// How long a browser session lasts.
    public var sessionLifetime: TimeInterval
    /// Consecutive failed logins before the account is locked.
    public var maxFailedLogins: Int
    /// How long a lock lasts.
    public var lockDuration: TimeInterval
    /// The evidence files on disk (a fresh temporary folder unless configured: the server passes
    /// ``WebConfig/evidencePath`` and ``WebConfig/maxUploadBytes``).
    public var evidence: EvidenceStore
    /// Scored results per data version, shared by every request of this app.
    let results = ResultsCache()
    /// Published versions, parsed, shared by every request of this app.
    let published = PublishedVersions()

    /// Creates the dependencies; defaults: 12-hour sessions, lock after 5 failures for 15 minutes.
    public init(
        store: any KaoheStore, now: @escaping @Sendable () -> Date = { Date() }, bcryptCost: UInt8 = 12,
        secureCookies: Bool = false,
        schemes: @escaping @Sendable () -> [SchemeSummary] = { SchemeSummary.builtIn },
        sessionLifetime: TimeInterval = 12 * 3600,
        maxFailedLogins: Int = 5, lockDuration: TimeInterval = 15 * 60,
        evidence: EvidenceStore = .temporary()
    ) {
        self.store = store
        self.now = now
        self.bcryptCost = bcryptCost
        self.secureCookies = secureCookies
        self.schemes = schemes
        self.sessionLifetime = sessionLifetime
        self.maxFailedLogins = maxFailedLogins
        self.lockDuration = lockDuration
        self.evidence = evidence
    }
}
