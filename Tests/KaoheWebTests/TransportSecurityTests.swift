import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import KaoheApplication
@testable import KaoheCLI
@testable import KaoheWeb

@Suite("HTTPS: HSTS with --secure-cookies, X-Forwarded-Proto only with --trust-proxy")
struct TransportSecurityTests {
    static let hsts = "max-age=31536000; includeSubDomains"
    static let proto = HTTPFields.Element.Name("X-Forwarded-Proto")!
    static let host = HTTPFields.Element.Name("Host")!

    /// Runs `body` against the in-process router with the given settings.
    func withApp(
        secureCookies: Bool, trustProxy: Bool, _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let fixture = try await Fixture.make(secureCookies: secureCookies)
        var deps = fixture.deps
        deps.trustProxy = trustProxy
        let app = Application(router: buildRouter(deps))
        do {
            try await app.test(.router) { client in try await body(client) }
        } catch {
            await fixture.store.shutdown()
            throw error
        }
        await fixture.store.shutdown()
    }

    func get(_ client: any TestClientProtocol, _ uri: String, _ headers: HTTPFields = [:]) async throws -> TestResponse
    {
        try await client.executeRequest(uri: uri, method: .get, headers: headers, body: nil)
    }

    static func cookiesAreSecure(_ response: TestResponse) -> Bool {
        let cookies = response.headers[values: .setCookie]
        return !cookies.isEmpty && cookies.allSatisfy { $0.contains("; Secure") }
    }

    @Test("--secure-cookies: every response carries HSTS (pages, errors, API, assets) and cookies are Secure")
    func secureCookiesSendHSTS() async throws {
        try await withApp(secureCookies: true, trustProxy: false) { client in
            let login = try await get(client, "/login")
            #expect(login.status == .ok)
            #expect(login.headers[.strictTransportSecurity] == Self.hsts)
            #expect(Self.cookiesAreSecure(login), "\(login.headers[values: .setCookie])")
            for uri in ["/no-such-page", "/api/v1/me", "/static/app.css", "/healthz"] {
                let response = try await get(client, uri)
                #expect(response.headers[.strictTransportSecurity] == Self.hsts, "\(uri): \(response.status)")
            }
            // Without --trust-proxy the header means nothing: no redirect, whatever a client claims.
            let claimed = try await get(client, "/login", [Self.proto: "http", Self.host: "kaohe.example"])
            #expect(claimed.status == .ok && claimed.headers[.location] == nil)
        }
    }

    @Test("Without --secure-cookies and --trust-proxy: no HSTS, and X-Forwarded-Proto is ignored")
    func forwardedProtoIgnoredByDefault() async throws {
        try await withApp(secureCookies: false, trustProxy: false) { client in
            let plain = try await get(client, "/login")
            #expect(plain.status == .ok && plain.headers[.strictTransportSecurity] == nil)
            #expect(!plain.headers[values: .setCookie].isEmpty && !Self.cookiesAreSecure(plain))
            let claimed = try await get(client, "/login", [Self.proto: "https"])
            #expect(claimed.status == .ok)
            #expect(claimed.headers[.strictTransportSecurity] == nil, "an untrusted header must not change anything")
            #expect(!claimed.headers[values: .setCookie].isEmpty && !Self.cookiesAreSecure(claimed))
        }
    }

    @Test("--trust-proxy: a request the proxy received over https gets HSTS and Secure cookies; over http it does not")
    func trustedProxy() async throws {
        try await withApp(secureCookies: false, trustProxy: true) { client in
            let https = try await get(client, "/login", [Self.proto: "https"])
            #expect(https.status == .ok && https.headers[.strictTransportSecurity] == Self.hsts)
            #expect(Self.cookiesAreSecure(https), "\(https.headers[values: .setCookie])")
            let http = try await get(client, "/login", [Self.proto: "http"])
            #expect(http.status == .ok && http.headers[.strictTransportSecurity] == nil && !Self.cookiesAreSecure(http))
            let none = try await get(client, "/login")
            #expect(none.status == .ok && none.headers[.strictTransportSecurity] == nil && !Self.cookiesAreSecure(none))
            // A proxy appends to what the client sent: the last value is the proxy's.
            let appended = try await get(client, "/login", [Self.proto: "https, http"])
            #expect(appended.headers[.strictTransportSecurity] == nil)
        }
    }

    @Test("--secure-cookies with --trust-proxy: plain http through the proxy is redirected to https (308)")
    func redirectToHTTPS() async throws {
        try await withApp(secureCookies: true, trustProxy: true) { client in
            let http = try await get(
                client, "/assessments?year=2023", [Self.proto: "http", Self.host: "kaohe.example"])
            #expect(http.status == .permanentRedirect)
            #expect(http.headers[.location] == "https://kaohe.example/assessments?year=2023")
            let post = try await client.executeRequest(
                uri: "/login", method: .post, headers: [Self.proto: "HTTP", Self.host: "kaohe.example:8443"],
                body: ByteBuffer(string: "username=a"))
            #expect(post.status == .permanentRedirect && post.headers[.location] == "https://kaohe.example:8443/login")
            let bad = try await get(client, "/login", [Self.proto: "http", Self.host: "evil.example/x"])
            #expect(bad.status == .badRequest && bad.headers[.location] == nil)
            let https = try await get(client, "/login", [Self.proto: "https", Self.host: "kaohe.example"])
            #expect(https.status == .ok && https.headers[.strictTransportSecurity] == Self.hsts)
            #expect(Self.cookiesAreSecure(https))
        }
    }

    @Test("--trust-proxy and KAOHE_TRUST_PROXY: layered like the other options; bad values are refused")
    func configuration() throws {
        #expect(try AppConfig.resolve(cli: .init(), environment: [:]).trustProxy == false)
        #expect(try AppConfig.resolve(cli: .init(), environment: ["KAOHE_TRUST_PROXY": "true"]).trustProxy)
        #expect(
            try AppConfig.resolve(cli: .init(trustProxy: false), environment: ["KAOHE_TRUST_PROXY": "1"]).trustProxy
                == false)
        #expect(throws: AppError.self) {
            try AppConfig.resolve(cli: .init(), environment: ["KAOHE_TRUST_PROXY": "maybe"])
        }
        let command = try #require(
            try KaoheCommand.parseAsRoot(["serve", "--trust-proxy", "--secure-cookies"]) as? ServeCommand)
        let config = try command.options.config(
            secureCookies: command.secureCookies, trustProxy: command.trustProxy ? true : nil)
        #expect(config.trustProxy && config.secureCookies)
    }
}
