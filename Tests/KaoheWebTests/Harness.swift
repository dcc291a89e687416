import Foundation
import Hummingbird
import HummingbirdTesting
import KaoheStorage
import KaoheStorageSQL

@testable import KaoheApplication
@testable import KaoheWeb

/// The password every test user has.
let testPassword = "Kaohe-2024-test"

/// A settable clock for lock-out tests.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current = Date(timeIntervalSince1970: 1_700_000_000)
    var now: Date { lock.withLock { current } }
    func advance(_ seconds: TimeInterval) { lock.withLock { current += seconds } }
}

/// A migrated SQLite store with one organization, two units, and one user per role
/// (`admin`, `organizer`, `evaluator`, `reporter` of unit A, `leader`), and a draft assessment with unit A enrolled.
struct Fixture {
    let store: SQLStore
    let deps: AppDependencies
    let clock: TestClock
    let org: Organization
    let unitA: AssessedUnit
    let unitB: AssessedUnit
    let users: [Role: User]
    let location: DatabaseLocation
    let schema: String?
    /// A draft assessment with unit A enrolled.
    let assessment: Assessment
    /// A user without roles, for tests that change someone else's account.
    let spare: User

    /// The databases to run multi-instance tests on: SQLite always, PostgreSQL when `KAOHE_TEST_POSTGRES_URL` is set.
    static var backends: [String] {
        (ProcessInfo.processInfo.environment["KAOHE_TEST_POSTGRES_URL"] ?? "").isEmpty
            ? ["sqlite"] : ["sqlite", "postgres"]
    }

    /// A fresh database location: a new SQLite file, or a new schema in the test PostgreSQL database.
    static func freshLocation(_ backend: String) async throws -> (location: DatabaseLocation, schema: String?) {
        if backend == "postgres" {
            let location = try DatabaseLocation.parse(ProcessInfo.processInfo.environment["KAOHE_TEST_POSTGRES_URL"]!)
            let schema = "w_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            let admin = try SQLStore(location: location)
            try await admin.unsafeExecute("CREATE SCHEMA \(schema)")
            await admin.shutdown()
            return (location, schema)
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "kaohe-web-\(UUID().uuidString)/kaohe.sqlite"
        ).path
        return (.sqlite(path: path), nil)
    }

    static func make(secureCookies: Bool = false, backend: String = "sqlite") async throws -> Fixture {
        let clock = TestClock()
        let (location, schema) = try await freshLocation(backend)
        let store = try SQLStore(location: location, postgresSchema: schema, now: { clock.now })
        try await store.migrate()
        let deps = AppDependencies(store: store, now: { clock.now }, bcryptCost: 4, secureCookies: secureCookies)
        let org = Organization(name: "双鸭山市考核办")
        try await store.createOrganization(org, by: .system)
        let unitA = AssessedUnit(organizationID: org.id, code: "A01", name: "尖山区", type: .county)
        let unitB = AssessedUnit(organizationID: org.id, code: "B01", name: "岭东区", type: .county)
        try await store.createUnits([unitA, unitB], by: .system)
        var users: [Role: User] = [:]
        for role in Role.allCases {
            users[role] = try await AuthService(deps).createUser(
                username: role.rawValue, displayName: role.displayName, password: testPassword, roles: [role],
                organizationID: nil,
                unitID: role == .reporter ? unitA.id : nil, by: .system)
        }
        let spare = try await AuthService(deps).createUser(
            username: "spare", displayName: "备用账号", password: testPassword, roles: [], organizationID: nil, unitID: nil,
            by: .system)
        let assessment = Assessment(
            organizationID: org.id, schemeID: "xinbei-sanheyi", year: 2023, title: "2023年度三合一平台考核")
        try await store.createAssessment(assessment, by: .system)
        try await store.enrol([unitA.id], in: assessment.id, by: .system)
        return Fixture(
            store: store, deps: deps, clock: clock, org: org, unitA: unitA, unitB: unitB, users: users,
            location: location, schema: schema,
            assessment: assessment, spare: spare)
    }

    /// A fixture whose assessment is open, with the evaluator assigned to unit A for `items` (nil: every item).
    static func opened(evaluatorItems items: [String?]) async throws -> Fixture {
        let fixture = try await Fixture.make()
        _ = try await fixture.store.transition(fixture.assessment.id, to: .open, by: .system)
        for item in items {
            try await fixture.store.assign(
                EvaluatorAssignment(
                    assessmentID: fixture.assessment.id, userID: fixture.users[.evaluator]!.id,
                    unitID: fixture.unitA.id, itemID: item),
                by: .system)
        }
        return fixture
    }

    /// Runs `body` against the real router in process, then closes the store.
    func test(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let app = Application(router: buildRouter(deps))
        do {
            try await app.test(.router) { client in try await body(client) }
        } catch {
            await store.shutdown()
            throw error
        }
        await store.shutdown()
    }
}

/// A tiny browser: keeps cookies, knows the current CSRF token, posts forms.
final class Browser: @unchecked Sendable {
    let client: any TestClientProtocol
    var cookies: [String: String] = [:]
    var csrf: String = ""
    var lastSetCookies: [String] = []

    init(_ client: any TestClientProtocol) { self.client = client }

    @discardableResult
    func request(
        _ method: HTTPRequest.Method, _ uri: String, body: String? = nil, contentType: String? = nil,
        headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = extra
        if !cookies.isEmpty {
            headers[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ")
        }
        if let contentType { headers[.contentType] = contentType }
        let response = try await client.executeRequest(
            uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        lastSetCookies = response.headers[values: .setCookie]
        for line in lastSetCookies {
            let pair = line.split(separator: ";")[0].split(separator: "=", maxSplits: 1)
            let name = String(pair[0]), value = pair.count > 1 ? String(pair[1]) : ""
            if value.isEmpty || line.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
        }
        if let token = response.text.firstMatch(of: /name="_csrf" value="([0-9a-f]+)"/)?.1 { csrf = String(token) }
        return response
    }

    @discardableResult
    func get(_ uri: String) async throws -> TestResponse { try await request(.get, uri) }

    /// Posts a form; adds the current CSRF token unless `csrf` is false.
    @discardableResult
    func post(_ uri: String, _ fields: [(String, String)], csrf: Bool = true) async throws -> TestResponse {
        let all = (csrf ? [("_csrf", self.csrf)] : []) + fields
        let body = all.map { "\(SiteURL.encode($0.0))=\(SiteURL.encode($0.1))" }.joined(separator: "&")
        return try await request(.post, uri, body: body, contentType: "application/x-www-form-urlencoded")
    }

    /// Logs in through the login form.
    @discardableResult
    func login(_ username: String, password: String = testPassword) async throws -> TestResponse {
        try await get(SiteURL.login.path)
        let response = try await post(SiteURL.login.path, [("username", username), ("password", password)])
        if response.status == .seeOther, let location = response.headers[.location] { try await get(location) }
        return response
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    func json() throws -> Any { try JSONSerialization.jsonObject(with: Data(buffer: body)) }

    var errorMessage: String? {
        ((try? json()) as? [String: Any]).flatMap { $0["error"] as? [String: Any] }?["message"] as? String
    }
}

/// An API client holding a bearer token.
struct APIClient {
    let client: any TestClientProtocol
    var token: String?

    @discardableResult
    func call(
        _ method: HTTPRequest.Method, _ url: SiteURL, query: String = "", json: String? = nil, raw: String? = nil,
        headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        if json != nil { headers[.contentType] = "application/json" }
        return try await client.executeRequest(
            uri: url.path + query, method: method, headers: headers, body: (json ?? raw).map { ByteBuffer(string: $0) })
    }

    static func login(_ client: any TestClientProtocol, _ username: String, password: String = testPassword)
        async throws -> APIClient
    {
        let response = try await APIClient(client: client).call(
            .post, .api(.tokens), json: #"{"username":"\#(username)","password":"\#(password)","name":"test"}"#)
        guard response.status == .created, let token = (try response.json() as? [String: Any])?["token"] as? String
        else {
            throw AppError.invalid("API login failed for \(username): \(response.status) \(response.text)")
        }
        return APIClient(client: client, token: token)
    }
}
