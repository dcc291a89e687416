import Foundation
import Hummingbird
import HummingbirdTesting
import KaoheStorage
import KaoheStorageSQL
import Testing

@testable import KaoheApplication
@testable import KaoheWeb

/// What one login attempt gave.
enum LoginOutcome: Equatable, CustomStringConvertible {
    case ok, failed(String), throttled(Int)

    var description: String {
        switch self {
        case .ok: "ok"
        case .failed(let message): "failed(\(message))"
        case .throttled(let seconds): "throttled(\(seconds))"
        }
    }

    static func attempt(_ deps: AppDependencies, _ username: String, _ password: String, from address: String?)
        async throws -> LoginOutcome
    {
        do {
            _ = try await AuthService(deps).login(username: username, password: password, clientAddress: address)
            return .ok
        } catch AppError.loginFailed(let message) {
            return .failed(message)
        } catch let throttled as LoginThrottled {
            return .throttled(throttled.retryAfter)
        }
    }
}

@Suite("Logins: no user enumeration, throttling instead of lock-out, administrators unlock")
struct LoginSecurityTests {
    /// `times` wrong passwords for `username`, each from another address, the clock moved on past the delay
    /// between them so that every one is counted (the last one's delay is still running afterwards).
    static func fail(_ fixture: Fixture, _ username: String, times: Int) async throws {
        for index in 1...times {
            let outcome = try await LoginOutcome.attempt(
                fixture.deps, username, "Wrong-password-1", from: "198.51.100.\(index)")
            guard case .failed = outcome else {
                Issue.record("attempt \(index): \(outcome)")
                return
            }
            if index < times { fixture.clock.advance(1000) }
        }
    }

    /// The cost field of a bcrypt hash (`$2b$12$…` → 12).
    static func cost(_ hash: String) -> Int? {
        let parts = hash.split(separator: "$")
        return parts.count >= 3 ? Int(parts[1]) : nil
    }

    @Test("An unknown user is checked against a dummy hash of the configured bcrypt cost")
    func dummyHashCost() async throws {
        let fixture = try await Fixture.make()
        await fixture.store.shutdown()
        for cost: UInt8 in [4, 5, 6] {
            var deps = fixture.deps
            deps.bcryptCost = cost
            let service = AuthService(deps)
            #expect(Self.cost(service.dummyHash) == Int(cost), "\(service.dummyHash)")
            #expect(Self.cost(service.hash("Some-Password-1")) == Int(cost))
        }
        #expect(AppDependencies(store: fixture.store).bcryptCost == 12)
        #expect(Self.cost(fixture.users[.leader]!.passwordHash) == 4)
    }

    @Test("A wrong password answers exactly like an unknown user, on the page and in the API")
    func sameAnswer() async throws {
        let fixture = try await Fixture.make()
        try await fixture.test { client in
            var pages: [String] = []
            for username in ["leader", "nobody-here"] {
                let browser = Browser(client)
                try await browser.get(SiteURL.login.path)
                let response = try await browser.post(
                    SiteURL.login.path, [("username", username), ("password", "Wrong-password-1")])
                #expect(response.status == .unauthorized)
                let message = try #require(response.text.firstMatch(of: /role="alert">([^<]*)</)?.1)
                pages.append(String(message))
            }
            #expect(pages[0] == "用户名或密码错误")
            #expect(pages[0] == pages[1])
            var api: [String?] = []
            for username in ["organizer", "nobody-else"] {
                let response = try await APIClient(client: client).call(
                    .post, .api(.tokens), json: #"{"username":"\#(username)","password":"Wrong-password-1"}"#)
                #expect(response.status == .unauthorized)
                api.append(response.errorMessage)
            }
            #expect(api[0] == "用户名或密码错误" && api[0] == api[1])
        }
        // The same holds once delays start: the answers depend on the name typed, not on whether it exists.
        let other = try await Fixture.make()
        var known: [LoginOutcome] = [], unknown: [LoginOutcome] = []
        for index in 1...7 {
            known.append(
                try await LoginOutcome.attempt(other.deps, "leader", "Wrong-password-1", from: "198.51.100.\(index)"))
            unknown.append(
                try await LoginOutcome.attempt(other.deps, "ghost", "Wrong-password-1", from: "198.51.101.\(index)"))
        }
        await other.store.shutdown()
        #expect(known == unknown)
        #expect(known.last == .throttled(1))
    }

    @Test("After 5 failures for an account further attempts wait 1 s, 2 s, 4 s … at most 15 minutes, unchecked")
    func growingDelays() async throws {
        let fixture = try await Fixture.make()
        let deps = fixture.deps
        // A distributed attacker: every attempt from another address, so only the account's count applies.
        var outcomes: [LoginOutcome] = []
        for index in 1...5 {
            outcomes.append(
                try await LoginOutcome.attempt(deps, "leader", "Wrong-password-1", from: "198.51.100.\(index)"))
        }
        #expect(outcomes.prefix(4).allSatisfy { $0 == .failed("用户名或密码错误") }, "\(outcomes)")
        #expect(outcomes.last == .failed("用户名或密码错误。尝试过于频繁，请1秒后再试"))
        // Refused without checking the password: even the right one.
        #expect(try await LoginOutcome.attempt(deps, "leader", testPassword, from: "198.51.100.99") == .throttled(1))
        var waits: [Int] = []
        for index in 6...22 {
            guard case .throttled(let wait) = try await LoginOutcome.attempt(deps, "leader", "x", from: "203.0.113.1")
            else { Issue.record("not throttled at \(index)"); break }
            waits.append(wait)
            fixture.clock.advance(TimeInterval(wait))
            _ = try await LoginOutcome.attempt(deps, "leader", "Wrong-password-1", from: "198.51.100.\(index)")
        }
        #expect(waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900, 900, 900, 900, 900])
        // Once the delay has passed the owner's correct password works, from any address, and clears the count.
        fixture.clock.advance(900)
        #expect(try await LoginOutcome.attempt(deps, "leader", testPassword, from: "192.0.2.44") == .ok)
        #expect(try await fixture.store.loginThrottle(["account:leader"]).isEmpty)
        // Nothing was written to the audit log by anonymous failures.
        #expect(
            try await fixture.store.auditLog(entityPrefix: "user:\(fixture.users[.leader]!.id)", limit: 10).count == 1)
        await fixture.store.shutdown()
    }

    @Test("Failures from elsewhere never keep the owner out at an address they logged in from before")
    func ownerGetsIn() async throws {
        let fixture = try await Fixture.make()
        let deps = fixture.deps
        #expect(try await LoginOutcome.attempt(deps, "admin", testPassword, from: "10.1.2.3") == .ok)
        try await Self.fail(fixture, "admin", times: 12)
        guard case .throttled(let wait) = try await LoginOutcome.attempt(deps, "admin", testPassword, from: "192.0.2.1")
        else {
            Issue.record("a new address should wait")
            return
        }
        #expect(wait == 128)
        #expect(try await LoginOutcome.attempt(deps, "admin", testPassword, from: "10.1.2.3") == .ok)
        // That success cleared the account's count: the new address is accepted again too.
        #expect(try await LoginOutcome.attempt(deps, "admin", testPassword, from: "192.0.2.1") == .ok)
        await fixture.store.shutdown()
    }

    @Test("20 failures from one address on any names slow that address down, not others")
    func addressThrottle() async throws {
        let fixture = try await Fixture.make()
        let deps = fixture.deps
        for index in 1...19 {
            #expect(
                try await LoginOutcome.attempt(deps, "name\(index)", "Wrong-password-1", from: "203.0.113.9")
                    == .failed("用户名或密码错误"))
        }
        #expect(
            try await LoginOutcome.attempt(deps, "name20", "Wrong-password-1", from: "203.0.113.9")
                == .failed("用户名或密码错误。尝试过于频繁，请1秒后再试"))
        #expect(try await LoginOutcome.attempt(deps, "evaluator", testPassword, from: "203.0.113.9") == .throttled(1))
        #expect(try await LoginOutcome.attempt(deps, "evaluator", testPassword, from: "203.0.113.10") == .ok)
        // Logging into one's own account does not reset the address's count.
        fixture.clock.advance(1)
        #expect(try await LoginOutcome.attempt(deps, "evaluator", testPassword, from: "203.0.113.9") == .ok)
        #expect(try await fixture.store.loginThrottle(["address:203.0.113.9"]).first?.failures == 20)
        // IPv6: the whole /64 counts as one address.
        for index in 1...20 {
            _ = try await LoginOutcome.attempt(deps, "v6name\(index)", "x", from: "2001:db8:5:6::\(index)")
        }
        #expect(
            try await LoginOutcome.attempt(deps, "evaluator", testPassword, from: "2001:db8:5:6::ffff") == .throttled(1)
        )
        await fixture.store.shutdown()
    }

    @Test(
        "The counts live in the database: failures on one instance slow logins on another", arguments: Fixture.backends)
    func sharedBetweenInstances(_ backend: String) async throws {
        let fixture = try await Fixture.make(backend: backend)
        let secondStore = try SQLStore(
            location: fixture.location, postgresSchema: fixture.schema, now: { fixture.clock.now })
        var second = fixture.deps
        second.store = secondStore
        for index in 1...5 {
            let deps = index.isMultiple(of: 2) ? second : fixture.deps
            _ = try await LoginOutcome.attempt(deps, "organizer", "Wrong-password-1", from: "198.51.100.\(index)")
        }
        #expect(try await LoginOutcome.attempt(second, "organizer", testPassword, from: "192.0.2.7") == .throttled(1))
        #expect(
            try await LoginOutcome.attempt(fixture.deps, "organizer", testPassword, from: "192.0.2.7") == .throttled(1))
        fixture.clock.advance(1)
        #expect(try await LoginOutcome.attempt(second, "organizer", testPassword, from: "192.0.2.7") == .ok)
        #expect(try await fixture.store.loginThrottle(["account:organizer"]).isEmpty)
        await secondStore.shutdown()
        await fixture.store.shutdown()
    }

    @Test("Throttled logins: the page answers 429 with Retry-After and the form, the API 429 with JSON")
    func throttledResponses() async throws {
        let fixture = try await Fixture.make()
        try await fixture.test { client in
            let browser = Browser(client)
            try await browser.get(SiteURL.login.path)
            for _ in 1...5 {
                try await browser.post(SiteURL.login.path, [("username", "leader"), ("password", "Wrong-password-1")])
            }
            let page = try await browser.post(SiteURL.login.path, [("username", "leader"), ("password", testPassword)])
            #expect(page.status == .tooManyRequests)
            #expect(page.headers[.retryAfter] == "1")
            #expect(page.text.contains("尝试过于频繁，请1秒后再试") && page.text.contains("<h1>登录</h1>"))
            #expect(browser.cookies["kaohe_session"] == nil)
            let api = try await APIClient(client: client).call(
                .post, .api(.tokens), json: #"{"username":"leader","password":"\#(testPassword)"}"#)
            #expect(api.status == .tooManyRequests)
            #expect(api.headers[.retryAfter] == "1")
            #expect(api.errorMessage == "尝试过于频繁，请1秒后再试")
            fixture.clock.advance(1)
            #expect(
                try await browser.post(SiteURL.login.path, [("username", "leader"), ("password", testPassword)]).status
                    == .seeOther)
        }
    }

    @Test("A real connection's address is what logins are counted against, not X-Forwarded-For")
    func remoteAddress() async throws {
        let fixture = try await Fixture.make()
        let app = Application(
            router: buildRouter(fixture.deps), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let response = try await client.executeRequest(
                uri: SiteURL.api(.tokens).path, method: .post,
                headers: [.contentType: "application/json", .init("X-Forwarded-For")!: "203.0.113.50"],
                body: ByteBuffer(string: #"{"username":"leader","password":"Wrong-password-1"}"#))
            #expect(response.status == .unauthorized)
        }
        // The peer address, not what the client claims in X-Forwarded-For (no trusted proxy configured).
        let states = try await fixture.store.loginThrottle([
            "account:leader", "address:127.0.0.1", "address:203.0.113.50",
        ])
        #expect(states.map(\.key) == ["account:leader", "address:127.0.0.1"])
        await fixture.store.shutdown()
    }

    @Test("An administrator lifts an account's delays on the users page (audited); the owner gets in at once")
    func unlockOnUsersPage() async throws {
        let fixture = try await Fixture.make()
        try await Self.fail(fixture, "leader", times: 8)
        try await fixture.test { client in
            let admin = Browser(client)
            try await admin.login("admin")
            let before = try await admin.get(SiteURL.users.path)
            #expect(before.text.contains("登录受限（失败8次，8秒内拒绝登录）"))
            #expect(before.text.contains(SiteURL.userUnlock(.value(fixture.users[.leader]!.id)).path))
            let unlocked = try await admin.post(SiteURL.userUnlock(.value(fixture.users[.leader]!.id)).path, [])
            #expect(unlocked.status == .seeOther)
            let after = try await admin.get(unlocked.headers[.location]!)
            #expect(after.text.contains("已解除该账号的登录限制") && !after.text.contains("登录受限（"))
            #expect(try await Browser(client).login("leader").status == .seeOther)
            let again = try await admin.post(SiteURL.userUnlock(.value(fixture.users[.leader]!.id)).path, [])
            #expect(try await admin.get(again.headers[.location]!).text.contains("该账号当前没有登录限制"))
            let api = try await APIClient.login(client, "admin")
            let response = try await api.call(.post, .api(.userUnlock(.value(fixture.users[.leader]!.id))))
            #expect((try response.json() as? [String: Any])?["unlocked"] as? Bool == false)
            let log = try await fixture.store.auditLog(entityPrefix: "user:\(fixture.users[.leader]!.id)", limit: 10)
            #expect(log.map(\.action) == ["create", "unlock"])
            #expect(log.last?.actorName == "admin" && log.last?.reason == "管理员解除登录限制")
        }
    }
}

@Suite("The client address logins are counted against")
struct ClientAddressTests {
    @Test("X-Forwarded-For counts only behind a trusted proxy, and then only its last entry")
    func forwardedFor() {
        let peer = "10.0.0.2"
        #expect(AppContext.clientAddress(peer: peer, forwardedFor: ["203.0.113.9"], trustProxy: false) == peer)
        #expect(AppContext.clientAddress(peer: peer, forwardedFor: [], trustProxy: true) == peer)
        #expect(AppContext.clientAddress(peer: peer, forwardedFor: [" "], trustProxy: true) == peer)
        #expect(
            AppContext.clientAddress(peer: peer, forwardedFor: ["1.2.3.4, 203.0.113.9"], trustProxy: true)
                == "203.0.113.9")
        #expect(
            AppContext.clientAddress(peer: peer, forwardedFor: ["1.2.3.4", "198.51.100.3 "], trustProxy: true)
                == "198.51.100.3")
        #expect(AppContext.clientAddress(peer: nil, forwardedFor: [], trustProxy: false) == nil)
    }
}
