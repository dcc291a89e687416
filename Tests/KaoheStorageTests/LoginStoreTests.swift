import Foundation
import KaoheStorage
import KaoheStorageSQL
import Testing

@Suite("Login throttling and API tokens in the store")
struct LoginStoreTests {
    static let t0 = Date(timeIntervalSince1970: 1_700_000_000)
    static let policy = LoginThrottlePolicy(
        accountThreshold: 3, addressThreshold: 5, firstDelay: 1, maximumDelay: 8, forgetAfter: 3600)

    @Test("Delays start at the threshold, double with each failure and stop at the maximum")
    func delays() {
        let policy = LoginThrottlePolicy.standard
        let delays = (1...20).map { policy.delay(afterFailures: $0, threshold: policy.accountThreshold) }
        #expect(Array(delays.prefix(4)) == [0, 0, 0, 0])
        #expect(Array(delays[4..<10]) == [1, 2, 4, 8, 16, 32])
        let cap: TimeInterval = 15 * 60
        #expect(delays.last == cap)
        #expect(delays.max() == cap)
        #expect(policy.delay(afterFailures: 10_000, threshold: 5) == 15 * 60)
        #expect(policy.threshold(for: .account("a")) == 5 && policy.threshold(for: .address("1.2.3.4")) == 20)
    }

    @Test("Keys: names are lower-cased (invalid names give none); IPv6 counts per /64, mapped IPv4 as IPv4")
    func keys() {
        #expect(LoginThrottleKey.account(username: "Admin")?.text == "account:admin")
        #expect(LoginThrottleKey.account(username: "李 四") == nil)
        #expect(LoginThrottleKey.account(username: String(repeating: "a", count: 33)) == nil)
        #expect(LoginThrottleKey.address(client: "203.0.113.7")?.text == "address:203.0.113.7")
        #expect(LoginThrottleKey.address(client: "::ffff:203.0.113.7")?.text == "address:203.0.113.7")
        let a = LoginThrottleKey.address(client: "2001:db8:1:2:aaaa::1")
        let b = LoginThrottleKey.address(client: "2001:0db8:0001:0002:ffff:1:2:3")
        #expect(a?.text == "address:2001:db8:1:2::/64")
        #expect(a == b)
        #expect(LoginThrottleKey.address(client: "2001:db8:1:3::1") != a)
        #expect(LoginThrottleKey.address(client: "[::1]")?.text == "address:0:0:0:0::/64")
        #expect(LoginThrottleKey.address(client: "") == nil)
    }

    @Test(
        "Failures are counted per key, block from the threshold on, and are forgotten after a quiet hour",
        arguments: Backend.all)
    func failures(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let account = LoginThrottleKey.account("wang"), address = LoginThrottleKey.address("203.0.113.7")
            var now = Self.t0
            for attempt in 1...2 {
                let states = try await store.recordLoginFailure([account, address], at: now, policy: Self.policy)
                #expect(states.map(\.failures) == [attempt, attempt])
                #expect(states.allSatisfy { $0.blockedUntil == nil })
                now += 10
            }
            let third = try await store.recordLoginFailure([account, address], at: now, policy: Self.policy)
            #expect(third.first { $0.key == account.text }?.blockedUntil == now + 1)
            #expect(third.first { $0.key == address.text }?.blockedUntil == nil)
            let fourth = try await store.recordLoginFailure([account], at: now + 1, policy: Self.policy)
            #expect(fourth.first?.blockedUntil == now + 3)
            #expect(fourth.first?.wait(at: now + 1) == 2)
            let stored = try await store.loginThrottle([account.text, address.text, "account:other"])
            #expect(stored.map(\.key) == [account.text, address.text])
            #expect(stored.map(\.failures) == [4, 3])
            // An hour without failures: the count starts again.
            let later = try await store.recordLoginFailure([account], at: now + 3602, policy: Self.policy)
            #expect(later.first?.failures == 1 && later.first?.blockedUntil == nil)
            try await store.clearLoginThrottle([account.text])
            #expect(try await store.loginThrottle([account.text]).isEmpty)
        }
    }

    @Test("Failures recorded concurrently by two stores on one database are all counted", arguments: Backend.all)
    func concurrentFailures(_ backend: Backend) async throws {
        let (store, second) = try await Self.twoStores(backend)
        do {
            let key = LoginThrottleKey.account("admin")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<10 {
                    let target = index.isMultiple(of: 2) ? store : second
                    group.addTask { _ = try await target.recordLoginFailure([key], at: Self.t0, policy: Self.policy) }
                }
                try await group.waitForAll()
            }
            let state = try #require(try await second.loginThrottle([key.text]).first)
            #expect(state.failures == 10)
            // The 10th failure blocks for min(2^7, 8) seconds, whoever recorded it.
            #expect(state.blockedUntil == Self.t0 + 8)
        } catch {
            await store.shutdown()
            await second.shutdown()
            throw error
        }
        await store.shutdown()
        await second.shutdown()
    }

    /// Two stores (two app instances) on one fresh, migrated database.
    static func twoStores(_ backend: Backend) async throws -> (SQLStore, SQLStore) {
        switch backend {
        case .sqlite:
            let path = FileManager.default.temporaryDirectory
                .appendingPathComponent("kaohe-test-\(UUID().uuidString)").appendingPathComponent("kaohe.sqlite").path
            let first = try SQLStore(location: .sqlite(path: path))
            try await first.migrate()
            return (first, try SQLStore(location: .sqlite(path: path)))
        case .postgres:
            let url = ProcessInfo.processInfo.environment["KAOHE_TEST_POSTGRES_URL"]!
            let schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            let admin = try SQLStore(location: try .parse(url))
            try await admin.unsafeExecute("CREATE SCHEMA \(schema)")
            await admin.shutdown()
            let first = try SQLStore(location: try .parse(url), postgresSchema: schema)
            try await first.migrate()
            return (first, try SQLStore(location: try .parse(url), postgresSchema: schema))
        }
    }

    @Test(
        "An administrator's unlock removes the count and is audited; nothing to unlock is not", arguments: Backend.all)
    func unlock(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let world = try await World.make(in: store)
            let key = LoginThrottleKey.account(username: world.admin.username)!
            for _ in 1...4 { _ = try await store.recordLoginFailure([key], at: Self.t0, policy: Self.policy) }
            #expect(try await store.accountThrottles(since: Self.t0).map(\.key) == [key.text])
            #expect(try await store.unlockLogin(key, entity: "user:\(world.admin.id)", by: .system))
            #expect(try await store.loginThrottle([key.text]).isEmpty)
            #expect(try await store.accountThrottles(since: Self.t0).isEmpty)
            #expect(!(try await store.unlockLogin(key, entity: "user:\(world.admin.id)", by: .system)))
            let log = try await store.auditLog(entityPrefix: "user:\(world.admin.id)", limit: 10)
            #expect(log.map(\.action) == ["create", "unlock"])
            #expect(log.last?.newValue?.contains("\"failures\":4") == true)
        }
    }

    @Test("Known login addresses are remembered per user and forgotten after their lifetime", arguments: Backend.all)
    func knownAddresses(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let world = try await World.make(in: store)
            try await store.rememberLoginAddress(
                of: world.admin.id, address: "203.0.113.7", at: Self.t0, forgetBefore: Self.t0 - 86400)
            #expect(try await store.isKnownLoginAddress(of: world.admin.id, address: "203.0.113.7", since: Self.t0))
            #expect(
                !(try await store.isKnownLoginAddress(of: world.evaluator.id, address: "203.0.113.7", since: Self.t0)))
            #expect(!(try await store.isKnownLoginAddress(of: world.admin.id, address: "203.0.113.8", since: Self.t0)))
            #expect(
                !(try await store.isKnownLoginAddress(of: world.admin.id, address: "203.0.113.7", since: Self.t0 + 1)))
            try await store.rememberLoginAddress(
                of: world.admin.id, address: "203.0.113.8", at: Self.t0 + 100, forgetBefore: Self.t0 + 50)
            #expect(
                !(try await store.isKnownLoginAddress(of: world.admin.id, address: "203.0.113.7", since: Self.t0 - 10)))
        }
    }

    @Test("Tokens are listed without change, revoked one by one, and all at once", arguments: Backend.all)
    func tokens(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let world = try await World.make(in: store)
            let one = APIToken(
                tokenHash: "h1", userID: world.admin.id, name: "脚本", createdAt: Self.t0, expiresAt: Self.t0 + 3600)
            let two = APIToken(
                tokenHash: "h2", userID: world.admin.id, name: "报表", createdAt: Self.t0 + 1, expiresAt: Self.t0 + 3600)
            try await store.createAPIToken(one, by: .user(world.admin))
            try await store.createAPIToken(two, by: .user(world.admin))
            #expect(try await store.apiTokens(of: world.admin.id).map(\.id) == [two.id, one.id])
            #expect(try await store.apiTokens(of: world.evaluator.id).isEmpty)
            try await store.recordAPITokenUse(tokenHash: "h1", at: Self.t0 + 5)
            #expect(try await store.apiToken(id: one.id)?.lastUsedAt == Self.t0 + 5)
            try await store.revokeAPIToken(one.id, by: .user(world.admin, reason: "本人撤销令牌"))
            #expect(try await store.apiToken(tokenHash: "h1", now: Self.t0) == nil)
            #expect(try await store.apiToken(tokenHash: "h2", now: Self.t0 + 2) != nil)
            await #expect(throws: StorageError.notFound(what: "API令牌", id: one.id.rawValue)) {
                try await store.revokeAPIToken(one.id, by: .system)
            }
            #expect(try await store.revokeAPITokens(of: world.admin.id, by: .system) == 1)
            #expect(try await store.revokeAPITokens(of: world.admin.id, by: .system) == 0)
            let log = try await store.auditLog(entityPrefix: "user:\(world.admin.id)", limit: 10)
            #expect(log.map(\.action) == ["create", "api-token", "api-token", "api-token-revoke", "api-token-revoke"])
            #expect(log[3].newValue?.contains("\"cause\":\"revoke\"") == true && log[3].reason == "本人撤销令牌")
            #expect(log[4].newValue?.contains("\"cause\":\"all\"") == true)
            #expect(log[4].newValue?.contains(two.id.rawValue) == true)
            #expect(try await store.verifyAudit() == .intact(entries: log.count + 4))
        }
    }

    @Test(
        "A password change and taking a role away revoke the user's tokens in the same transaction; adding a role does not",
        arguments: Backend.all)
    func revokedByPasswordAndRoles(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let world = try await World.make(in: store)
            func issue(_ hash: String) async throws {
                try await store.createAPIToken(
                    APIToken(
                        tokenHash: hash, userID: world.evaluator.id, name: hash, createdAt: Self.t0,
                        expiresAt: Self.t0 + 86400),
                    by: .user(world.evaluator))
            }
            try await issue("p1")
            try await store.setPasswordHash(
                of: world.evaluator.id, hash: "new", by: .user(world.admin, reason: "管理员重置密码"))
            #expect(try await store.apiTokens(of: world.evaluator.id).isEmpty)
            try await issue("r1")
            _ = try await store.setRoles(
                of: world.evaluator.id, roles: [.evaluator, .leader], organizationID: nil, unitID: nil, by: .system)
            #expect(try await store.apiTokens(of: world.evaluator.id).count == 1)
            _ = try await store.setRoles(
                of: world.evaluator.id, roles: [.leader], organizationID: nil, unitID: nil, by: .user(world.admin))
            #expect(try await store.apiTokens(of: world.evaluator.id).isEmpty)
            let log = try await store.auditLog(entityPrefix: "user:\(world.evaluator.id)", limit: 20)
            #expect(
                log.map(\.action) == [
                    "create", "api-token", "password", "api-token-revoke", "api-token", "roles", "roles",
                    "api-token-revoke",
                ])
            #expect(log[3].newValue?.contains("\"cause\":\"password\"") == true && log[3].reason == "管理员重置密码")
            #expect(log[7].newValue?.contains("\"cause\":\"roles\"") == true)
            // No tokens, no revocation row.
            try await store.setPasswordHash(of: world.evaluator.id, hash: "newer", by: .system)
            #expect(
                try await store.auditLog(entityPrefix: "user:\(world.evaluator.id)", limit: 20).last?.action
                    == "password")
        }
    }
}
