import Foundation
import KaoheEngine
import KaoheFormats
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

    /// The engine's built-in schemes (`BuiltInSchemes`), each with its title; a scheme that fails to load is
    /// listed with the error.
    public static func builtIn() -> [SchemeSummary] {
        BuiltInSchemes.ids.map { id in
            do {
                guard let scheme = try BuiltInSchemes.load(id) else {
                    return SchemeSummary(id: id, title: "（未找到）", source: "内置")
                }
                return SchemeSummary(id: id, title: scheme.title, source: "内置")
            } catch {
                return SchemeSummary(id: id, title: "（加载失败：\(error)）", source: "内置")
            }
        }
    }
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
    /// How failed logins slow further attempts down, per account name and per client address.
    public var loginThrottle: LoginThrottlePolicy
    /// The evidence files on disk (a fresh temporary folder unless configured: the server passes
    /// ``AppConfig/evidencePath`` and ``AppConfig/maxUploadBytes``).
    public var evidence: EvidenceStore
    /// The working-day calendar (`--calendar` / `KAOHE_CALENDAR`, else the built-in one).
    public var calendar: @Sendable () throws -> WorkCalendar = { try CalendarFile.current() }
    /// The site's address as users reach it (e.g. `https://kaohe.example.gov.cn`), for links in e-mails; empty:
    /// the links are paths only.
    public var siteBaseURL = ""
    /// The SMTP server notifications are mailed through (`host:port`, shown to administrators), or empty
    /// when e-mail is off.
    public var mailServer = ""
    /// The sender address of notification mails.
    public var mailFrom = ""
    /// The schemes and the calendar parsed so far, shared by every request of this app.
    let schemeCache = SchemeCache()
    /// Scored results per data version, shared by every request of this app.
    package let results = ResultsCache()
    /// Published versions, parsed, shared by every request of this app.
    let published = PublishedVersions()
    /// Platform records and the facts derived from them, per organization and records version.
    package let records = RecordLibrary()
    /// The dashboards' counts per set of assessments, data version and day (any write makes a new key).
    let dashboardCounts = MemoTable<[AssessmentWorkload]>(keep: 16)
    /// Evaluators' dashboard cards per assessment, evaluator and data version (each walks every unit's result).
    let evaluatorCards = MemoTable<EvaluatorCard?>(keep: 64)
    /// Open rater rounds for public sheets, per two seconds (see `Operations.publicRound`).
    let publicRounds = MemoTable<(RaterRound, Assessment, [AssessedUnit])>(keep: 16)

    /// Creates the dependencies; defaults: 12-hour sessions, delays after 5 failures per account name or 20 per
    /// client address (1 s, doubling, at most 15 minutes).
    public init(
        store: any KaoheStore, now: @escaping @Sendable () -> Date = { Date() }, bcryptCost: UInt8 = 12,
        secureCookies: Bool = false,
        schemes: @escaping @Sendable () -> [SchemeSummary] = { SchemeSummary.builtInSchemes },
        sessionLifetime: TimeInterval = 12 * 3600,
        loginThrottle: LoginThrottlePolicy = .standard,
        evidence: EvidenceStore = .temporary()
    ) {
        self.store = store
        self.now = now
        self.bcryptCost = bcryptCost
        self.secureCookies = secureCookies
        self.schemes = schemes
        self.sessionLifetime = sessionLifetime
        self.loginThrottle = loginThrottle
        self.evidence = evidence
    }
}

extension SchemeSummary {
    /// The built-in schemes' summaries, read once per process (the schemes are resources of the program).
    public static let builtInSchemes = SchemeSummary.builtIn()
}
