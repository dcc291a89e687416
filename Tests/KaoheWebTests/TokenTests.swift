import Foundation
import Hummingbird
import HummingbirdTesting
import KaoheStorage
import Testing

@testable import KaoheApplication
@testable import KaoheWeb

@Suite("API tokens: expiry, listing, revocation by owner and administrators, and automatic revocation")
struct TokenTests {
    static func login(
        _ client: any TestClientProtocol, _ username: String, name: String = "脚本", days: Int? = nil
    ) async throws -> (api: APIClient, id: String, body: [String: Any]) {
        let extra = days.map { #","expiresInDays":\#($0)"# } ?? ""
        let response = try await APIClient(client: client).call(
            .post, .api(.tokens),
            json: #"{"username":"\#(username)","password":"\#(testPassword)","name":"\#(name)"\#(extra)}"#)
        let body = try #require(try response.json() as? [String: Any], "\(response.status) \(response.text)")
        let token = try #require(body["token"] as? String)
        return (APIClient(client: client, token: token), try #require(body["tokenID"] as? String), body)
    }

    @Test("Tokens last 90 days unless asked for fewer (1–90); expired tokens stop working")
    func expiry() async throws {
        let fixture = try await Fixture.make()
        try await fixture.test { client in
            let formatter = ISO8601DateFormatter()
            let standard = try await Self.login(client, "organizer")
            #expect(standard.body["expiresAt"] as? String == formatter.string(from: fixture.clock.now + 90 * 86400))
            let short = try await Self.login(client, "organizer", days: 7)
            #expect(short.body["expiresAt"] as? String == formatter.string(from: fixture.clock.now + 7 * 86400))
            for days in [0, 91, -1] {
                let refused = try await APIClient(client: client).call(
                    .post, .api(.tokens),
                    json: #"{"username":"organizer","password":"\#(testPassword)","expiresInDays":\#(days)}"#)
                #expect(refused.status == .badRequest)
                #expect(refused.errorMessage == "expiresInDays 应为1–90的整数（当前\(days)）")
            }
            fixture.clock.advance(7 * 86400)
            #expect(try await short.api.call(.get, .api(.me)).status == .unauthorized)
            #expect(try await standard.api.call(.get, .api(.me)).status == .ok)
        }
    }

    @Test("The owner lists their tokens (no secrets, with the last use) and revokes one; others cannot")
    func listAndRevoke() async throws {
        let fixture = try await Fixture.make()
        try await fixture.test { client in
            let first = try await Self.login(client, "evaluator", name: "第一个")
            fixture.clock.advance(60)
            let second = try await Self.login(client, "evaluator", name: "第二个")
            let listed = try await second.api.call(.get, .api(.tokens))
            #expect(listed.status == .ok)
            let tokens = try #require(try listed.json() as? [[String: Any]])
            #expect(tokens.map { $0["name"] as? String } == ["第二个", "第一个"])
            #expect(tokens.map { $0["id"] as? String } == [second.id, first.id])
            #expect(Set(tokens[0].keys) == ["id", "userID", "name", "createdAt", "expiresAt", "lastUsedAt"])
            #expect(!listed.text.contains(first.api.token!) && !listed.text.contains(SHA256.hex(first.api.token!)))
            // Used just now (by this very request); the first one never.
            #expect(tokens[0]["lastUsedAt"] as? String == ISO8601DateFormatter().string(from: fixture.clock.now))
            #expect(tokens[1]["lastUsedAt"] == nil)
            // Someone else's token is "not found" for a non-administrator, and stays valid.
            let other = try await Self.login(client, "leader")
            let foreign = try await other.api.call(.delete, .api(.token(.value(APITokenID(first.id)))))
            #expect(foreign.status == .notFound)
            #expect(try await first.api.call(.get, .api(.me)).status == .ok)
            // The owner revokes it: gone at once.
            let revoked = try await second.api.call(.delete, .api(.token(.value(APITokenID(first.id)))))
            #expect(revoked.status == .noContent)
            #expect(try await first.api.call(.get, .api(.me)).status == .unauthorized)
            #expect(try await second.api.call(.delete, .api(.token(.value(APITokenID(first.id))))).status == .notFound)
            let remaining = try #require(try await second.api.call(.get, .api(.tokens)).json() as? [[String: Any]])
            #expect(remaining.map { $0["id"] as? String } == [second.id])
            let log = try await fixture.store.auditLog(entityPrefix: "user:\(fixture.users[.evaluator]!.id)", limit: 10)
            #expect(log.last?.action == "api-token-revoke" && log.last?.reason == "本人撤销令牌")
            #expect(log.last?.newValue?.contains(first.id) == true)
        }
    }

    @Test("Administrators list and revoke a user's tokens (one or all), through the API and on pages")
    func administrators() async throws {
        let fixture = try await Fixture.make()
        let leader = fixture.users[.leader]!
        try await fixture.test { client in
            let one = try await Self.login(client, "leader", name: "报表脚本")
            let two = try await Self.login(client, "leader", name: "同步")
            let admin = try await APIClient.login(client, "admin")
            let list = try #require(
                try await admin.call(.get, .api(.userTokens(.value(leader.id)))).json() as? [[String: Any]])
            #expect(Set(list.compactMap { $0["id"] as? String }) == [one.id, two.id])
            #expect(try await one.api.call(.get, .api(.userTokens(.value(leader.id)))).status == .forbidden)
            #expect(try await admin.call(.get, .api(.userTokens(.value(UserID("nobody"))))).status == .notFound)
            #expect(try await admin.call(.delete, .api(.token(.value(APITokenID(one.id))))).status == .noContent)
            #expect(try await one.api.call(.get, .api(.me)).status == .unauthorized)

            // Pages: the administrator's view of the user's tokens, and revoking all of them.
            let browser = Browser(client)
            try await browser.login("admin")
            let page = try await browser.get(SiteURL.userTokens(.value(leader.id)).path)
            #expect(page.status == .ok)
            #expect(page.text.contains("同步") && !page.text.contains("报表脚本") && !page.text.contains(two.api.token!))
            let all = try await browser.post(SiteURL.userTokensRevoke(.value(leader.id)).path, [])
            #expect(all.headers[.location]?.hasPrefix(SiteURL.userTokens(.value(leader.id)).path) == true)
            #expect(try await browser.get(all.headers[.location]!).text.contains("没有有效的 API 令牌"))
            #expect(try await two.api.call(.get, .api(.me)).status == .unauthorized)
            let deleteAll = try await admin.call(.delete, .api(.userTokens(.value(leader.id))))
            #expect((try deleteAll.json() as? [String: Any])?["revoked"] as? Int == 0)
            let actions = try await fixture.store.auditLog(entityPrefix: "user:\(leader.id)", limit: 10).map {
                "\($0.action) \($0.actorName) \($0.reason ?? "")"
            }
            #expect(
                actions.suffix(2) == ["api-token-revoke admin 管理员撤销令牌", "api-token-revoke admin 管理员撤销全部令牌"])
        }
    }

    @Test("Users see and revoke their own tokens on their page")
    func ownPage() async throws {
        let fixture = try await Fixture.make()
        try await fixture.test { client in
            let token = try await Self.login(client, "reporter", name: "填报脚本")
            let browser = Browser(client)
            try await browser.login("reporter")
            let page = try await browser.get(SiteURL.accountTokens.path)
            #expect(page.status == .ok)
            #expect(page.text.contains("填报脚本") && page.text.contains(token.id) && !page.text.contains(token.api.token!))
            #expect(page.text.contains("从未使用"))
            let revoked = try await browser.post(SiteURL.tokenRevoke(.value(APITokenID(token.id))).path, [])
            #expect(revoked.headers[.location] == SiteURL.accountTokens.path(query: [("ok", "tokenRevoked")]))
            #expect(try await browser.get(revoked.headers[.location]!).text.contains("令牌已撤销"))
            #expect(try await token.api.call(.get, .api(.me)).status == .unauthorized)
            // Another user's token id: not found.
            let other = try await Self.login(client, "leader")
            let foreign = try await browser.post(SiteURL.tokenRevoke(.value(APITokenID(other.id))).path, [])
            #expect(foreign.status == .notFound)
            #expect(try await other.api.call(.get, .api(.me)).status == .ok)
        }
    }

    @Test("A password change, an administrator's reset and taking a role away revoke every token of the user")
    func automaticRevocation() async throws {
        let fixture = try await Fixture.make()
        try await fixture.test { client in
            // Password change on the page.
            let evaluatorToken = try await Self.login(client, "evaluator")
            let evaluator = Browser(client)
            try await evaluator.login("evaluator")
            try await evaluator.get(SiteURL.password.path)
            let changed = try await evaluator.post(
                SiteURL.password.path,
                [("current", testPassword), ("new", "Neues-Kennwort-7"), ("confirm", "Neues-Kennwort-7")])
            #expect(changed.status == .seeOther)
            #expect(try await evaluatorToken.api.call(.get, .api(.me)).status == .unauthorized)

            // An administrator's reset.
            let spareToken = try await APIClient(client: client).call(
                .post, .api(.tokens), json: #"{"username":"spare","password":"\#(testPassword)"}"#)
            let spare = APIClient(
                client: client, token: (try spareToken.json() as? [String: Any])?["token"] as? String)
            #expect(try await spare.call(.get, .api(.me)).status == .ok)
            let admin = Browser(client)
            try await admin.login("admin")
            try await admin.get(SiteURL.users.path)
            #expect(try await admin.post(SiteURL.userPasswordReset(.value(fixture.spare.id)).path, []).status == .ok)
            #expect(try await spare.call(.get, .api(.me)).status == .unauthorized)

            // Roles: adding one keeps the tokens, taking one away revokes them.
            let organizer = try await Self.login(client, "organizer")
            let adminAPI = try await APIClient.login(client, "admin")
            let organizerID = fixture.users[.organizer]!.id
            let added = try await adminAPI.call(
                .put, .api(.userRoles(.value(organizerID))), json: #"{"roles":["organizer","leader"]}"#)
            #expect(added.status == .ok)
            #expect(try await organizer.api.call(.get, .api(.me)).status == .ok)
            let removed = try await adminAPI.call(
                .put, .api(.userRoles(.value(organizerID))), json: #"{"roles":["leader"],"reason":"调岗"}"#)
            #expect(removed.status == .ok)
            #expect(try await organizer.api.call(.get, .api(.me)).status == .unauthorized)

            func revocation(_ user: UserID) async throws -> AuditEntry? {
                try await fixture.store.auditLog(entityPrefix: "user:\(user)", limit: 20).last {
                    $0.action == "api-token-revoke"
                }
            }
            let byChange = try #require(try await revocation(fixture.users[.evaluator]!.id))
            #expect(byChange.newValue?.contains("\"cause\":\"password\"") == true && byChange.reason == "本人修改密码")
            let byReset = try #require(try await revocation(fixture.spare.id))
            #expect(byReset.newValue?.contains("\"cause\":\"password\"") == true && byReset.reason == "管理员重置密码")
            let byRoles = try #require(try await revocation(organizerID))
            #expect(byRoles.newValue?.contains("\"cause\":\"roles\"") == true && byRoles.reason == "调岗")
        }
    }
}
