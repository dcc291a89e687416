import Foundation
import Hummingbird
import HummingbirdTesting
import KaoheStorage
import KaoheTestSupport
import Testing

@testable import KaoheApplication
@testable import KaoheWeb

@Suite("Login, sessions, CSRF, password change")
struct AuthTests {
    @Test("Login sets an HttpOnly, SameSite=Lax session cookie and leads to the dashboard")
    func login() async throws {
        let fixture = try await Fixture.make()
        try await fixture.test { client in
            let browser = Browser(client)
            let page = try await browser.get(SiteURL.login.path)
            #expect(page.status == .ok)
            #expect(page.text.contains("<h1>登录</h1>"))
            #expect(
                browser.lastSetCookies.contains {
                    $0.hasPrefix("kaohe_csrf=") && $0.contains("HttpOnly") && $0.contains("SameSite=Lax")
                })
            let response = try await browser.post(
                SiteURL.login.path, [("username", "organizer"), ("password", testPassword)])
            #expect(response.status == .seeOther)
            #expect(response.headers[.location] == SiteURL.dashboard.path)
            let cookie = try #require(browser.lastSetCookies.first { $0.hasPrefix("kaohe_session=") })
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"))
            #expect(!cookie.contains("Secure"))
            let dashboard = try await browser.get(SiteURL.dashboard.path)
            #expect(dashboard.status == .ok)
            #expect(dashboard.text.contains("欢迎，考核组织者"))
            #expect(dashboard.headers[.contentSecurityPolicy]?.contains("default-src 'self'") == true)
            #expect(dashboard.headers[.xContentTypeOptions] == "nosniff")
        }
    }

    @Test("With https configured, cookies carry Secure")
    func secureCookies() async throws {
        let fixture = try await Fixture.make(secureCookies: true)
        try await fixture.test { client in
            let browser = Browser(client)
            try await browser.get(SiteURL.login.path)
            #expect(browser.lastSetCookies.allSatisfy { $0.contains("Secure") })
            try await browser.post(SiteURL.login.path, [("username", "admin"), ("password", testPassword)])
            #expect(browser.lastSetCookies.first { $0.hasPrefix("kaohe_session=") }?.contains("Secure") == true)
        }
    }

    @Test("Pages need a login: anonymous visitors are sent to the login page with the page to return to")
    func redirectsToLogin() async throws {
        let fixture = try await Fixture.make()
        try await fixture.test { client in
            let browser = Browser(client)
            let response = try await browser.get(SiteURL.units.path)
            #expect(response.status == .seeOther)
            #expect(response.headers[.location] == "/login?next=/units")
            let home = try await browser.get(SiteURL.home.path)
            #expect(home.headers[.location] == SiteURL.login.path)
            try await browser.get(SiteURL.login.path + "?next=/units")
            let login = try await browser.post(
                SiteURL.login.path, [("username", "admin"), ("password", testPassword), ("next", "/units")])
            #expect(login.headers[.location] == "/units")
            // No open redirect to another site.
            try await browser.post(SiteURL.logout.path, [])
            try await browser.get(SiteURL.login.path)
            let evil = try await browser.post(
                SiteURL.login.path, [("username", "admin"), ("password", testPassword), ("next", "//evil.example")])
            #expect(evil.headers[.location] == SiteURL.dashboard.path)
        }
    }

    @Test("A POST without the CSRF token is refused before storage is touched")
    func csrfBeforeStorage() async throws {
        let store = FailingStore()
        let app = Application(router: buildRouter(AppDependencies(store: store, bcryptCost: 4)))
        try await app.test(.router) { client in
            let browser = Browser(client)
            browser.cookies = ["kaohe_session": "stolen", "kaohe_csrf": "abc"]
            for url in [
                SiteURL.login, .logout, .organizations, .units, .unitImport, .users, .password,
                .userRoles(.value(UserID("x"))),
            ] {
                let response = try await browser.post(url.path, [("name", "x")], csrf: false)
                #expect(response.status == .forbidden, "\(url.path)")
                #expect(response.text.contains("CSRF"))
            }
            let json = try await browser.request(
                .post, SiteURL.organizations.path, body: "{}", contentType: "application/json")
            #expect(json.status == .badRequest)
        }
        #expect(store.calls.isEmpty)
    }

    @Test("A logged-in POST with a wrong or another session's token is refused")
    func csrfWrongToken() async throws {
        let fixture = try await Fixture.make()
        try await fixture.test { client in
            let admin = Browser(client)
            try await admin.login("admin")
            let other = Browser(client)
            try await other.login("organizer")
            let saved = admin.csrf
            admin.csrf = other.csrf
            let response = try await admin.post(SiteURL.organizations.path, [("name", "伪造")])
            #expect(response.status == .forbidden)
            admin.csrf = saved
            #expect(try await admin.post(SiteURL.organizations.path, [("name", "真实")]).status == .seeOther)
            #expect(try await fixture.store.organizations().map(\.name).contains("伪造") == false)
        }
    }

    @Test("Logout ends the server-side session")
    func logout() async throws {
        let fixture = try await Fixture.make()
        try await fixture.test { client in
            let browser = Browser(client)
            try await browser.login("admin")
            let token = try #require(browser.cookies["kaohe_session"])
            #expect(try await fixture.store.session(tokenHash: SHA256.hex(token), now: fixture.clock.now) != nil)
            let response = try await browser.post(SiteURL.logout.path, [])
            #expect(response.status == .seeOther)
            #expect(response.headers[.location] == SiteURL.login.path)
            #expect(try await fixture.store.session(tokenHash: SHA256.hex(token), now: fixture.clock.now) == nil)
            // The old cookie no longer works even if replayed.
            browser.cookies["kaohe_session"] = token
            #expect(try await browser.get(SiteURL.dashboard.path).status == .seeOther)
        }
    }

    @Test("Sessions expire after their lifetime")
    func expiry() async throws {
        let fixture = try await Fixture.make()
        try await fixture.test { client in
            let browser = Browser(client)
            try await browser.login("admin")
            #expect(try await browser.get(SiteURL.dashboard.path).status == .ok)
            fixture.clock.advance(12 * 3600 + 1)
            #expect(try await browser.get(SiteURL.dashboard.path).status == .seeOther)
        }
    }

    @Test("Password change: checks the current password, the rules, and ends other sessions")
    func passwordChange() async throws {
        let fixture = try await Fixture.make()
        try await fixture.test { client in
            let browser = Browser(client)
            let elsewhere = Browser(client)
            try await browser.login("evaluator")
            try await elsewhere.login("evaluator")
            try await browser.get(SiteURL.password.path)
            let wrong = try await browser.post(
                SiteURL.password.path, [("current", "nope"), ("new", "NewPass-123"), ("confirm", "NewPass-123")])
            #expect(wrong.status == .badRequest)
            #expect(wrong.text.contains("当前密码不正确"))
            let short = try await browser.post(
                SiteURL.password.path, [("current", testPassword), ("new", "short"), ("confirm", "short")])
            #expect(short.text.contains("密码至少需要10个字符"))
            let mismatch = try await browser.post(
                SiteURL.password.path, [("current", testPassword), ("new", "NewPass-123"), ("confirm", "NewPass-124")])
            #expect(mismatch.text.contains("两次输入的新密码不一致"))
            let ok = try await browser.post(
                SiteURL.password.path, [("current", testPassword), ("new", "NewPass-123"), ("confirm", "NewPass-123")])
            #expect(ok.status == .seeOther)
            #expect(try await browser.get(ok.headers[.location]!).text.contains("密码已修改"))
            #expect(try await elsewhere.get(SiteURL.dashboard.path).status == .seeOther)
            let fresh = Browser(client)
            #expect(try await fresh.login("evaluator").status == .unauthorized)
            #expect(try await fresh.login("evaluator", password: "NewPass-123").status == .seeOther)
            let audit = try await fixture.store.auditLog(
                entityPrefix: "user:\(fixture.users[.evaluator]!.id)", limit: 10)
            #expect(audit.last?.action == "password" && audit.last?.newValue == nil)
        }
    }
}
