import Foundation
import Hummingbird
import HummingbirdTesting
import KaoheStorage
import KaoheStorageSQL
import Testing

@testable import KaoheApplication
@testable import KaoheWeb

@Suite("JSON API under /api/v1")
struct APITests {
    @Test("Tokens: issued for a correct password, refused otherwise; bad tokens get 401 in Chinese")
    func tokens() async throws {
        let fixture = try await Fixture.make()
        try await fixture.test { client in
            let anonymous = APIClient(client: client, token: nil)
            let wrong = try await anonymous.call(.post, .api(.tokens), json: #"{"username":"admin","password":"nope"}"#)
            #expect(wrong.status == .unauthorized)
            #expect(wrong.errorMessage?.hasPrefix("用户名或密码错误") == true)
            #expect(wrong.headers[.wwwAuthenticate] == "Bearer realm=\"kaohe\"")
            let missing = try await anonymous.call(.post, .api(.tokens), json: #"{"username":"admin"}"#)
            #expect(missing.status == .badRequest)
            #expect(missing.errorMessage == "JSON 缺少字段“password”")
            let notJSON = try await anonymous.call(.post, .api(.tokens), json: "{username")
            #expect(notJSON.errorMessage == "请求体不是有效的 JSON")

            let api = try await APIClient.login(client, "organizer")
            #expect(api.token?.hasPrefix("kh_") == true)
            let me = try #require(try await api.call(.get, .api(.me)).json() as? [String: Any])
            #expect(me["username"] as? String == "organizer")
            #expect(me["passwordHash"] == nil)
            let forged = APIClient(client: client, token: "kh_forged")
            let refused = try await forged.call(.get, .api(.me))
            #expect(refused.status == .unauthorized)
            #expect(refused.errorMessage == "令牌无效或已过期")
            let badHeader = try await client.executeRequest(
                uri: SiteURL.api(.me).path, method: .get, headers: [.authorization: "Basic abc"], body: nil)
            #expect(badHeader.status == .badRequest)
            fixture.clock.advance(91 * 86400)
            #expect(try await api.call(.get, .api(.me)).status == .unauthorized)
        }
    }

    @Test("Organizations and units through the API, with errors naming the field")
    func organizationsAndUnits() async throws {
        let fixture = try await Fixture.make()
        try await fixture.test { client in
            let api = try await APIClient.login(client, "organizer")
            let created = try await api.call(.post, .api(.organizations), json: #"{"name":"七台河市考核办"}"#)
            #expect(created.status == .created)
            let org = try #require(try created.json() as? [String: Any])
            let orgID = try #require(org["id"] as? String)
            let orgs = try #require(try await api.call(.get, .api(.organizations)).json() as? [[String: Any]])
            #expect(orgs.count == 2)

            let unit = try await api.call(
                .post, .api(.units), json: #"{"organizationID":"\#(orgID)","code":"Q1","name":"桃山区","type":"县区"}"#)
            #expect(unit.status == .created)
            #expect((try unit.json() as? [String: Any])?["type"] as? String == "county")
            let wrongType = try await api.call(
                .post, .api(.units), json: #"{"organizationID":"\#(orgID)","code":"Q1","name":"桃山区","type":5}"#)
            #expect(wrongType.status == .badRequest)
            #expect(wrongType.errorMessage == "JSON 字段“type”类型不对")
            let dup = try await api.call(
                .post, .api(.units), json: #"{"organizationID":"\#(orgID)","code":"Q1","name":"又一个","type":"县区"}"#)
            #expect(dup.status == .conflict)
            #expect(dup.errorMessage == "单位编码“Q1”已存在")

            let csv = "编码,名称,类型,上级编码\nQ2,新兴区,县区,\nQ2-1,长兴乡,乡镇,Q2\n"
            let imported = try await api.call(.post, .api(.unitImport), query: "?organization=\(orgID)", raw: csv)
            #expect(imported.status == .created)
            #expect((try imported.json() as? [String: Any])?["imported"] as? Int == 2)
            let bad = try await api.call(
                .post, .api(.unitImport), query: "?organization=\(orgID)", raw: "编码,名称,类型\nQ1,重复,县区\nQ9,,乡镇\n")
            #expect(bad.status == .badRequest)
            let details = try #require(
                (try bad.json() as? [String: Any]).flatMap { $0["error"] as? [String: Any] }?["details"]
                    as? [[String: Any]])
            #expect(details.map { $0["line"] as? Int } == [2, 3])
            #expect(details.first?["message"] as? String == "编码“Q1”已存在于该组织")
            let noOrg = try await api.call(.post, .api(.unitImport), raw: csv)
            #expect(noOrg.errorMessage == "缺少查询参数 organization（组织编号）")
            let units = try #require(
                try await api.call(.get, .api(.units), query: "?organization=\(orgID)").json() as? [[String: Any]])
            #expect(units.compactMap { $0["code"] as? String }.sorted() == ["Q1", "Q2", "Q2-1"])

            // Enrolment by id refuses an empty id (with its position) instead of skipping it; nothing is enrolled.
            let assessment = fixture.assessment.id
            let empty = try await api.call(
                .post, .api(.assessmentEnrolments(.value(assessment))),
                json: #"{"unitIDs":["\#(fixture.unitA.id)",""]}"#)
            #expect(empty.status == .badRequest && empty.errorMessage == "unitIDs 的第2个单位编号为空")
            let enrolled = try await api.call(
                .post, .api(.assessmentEnrolments(.value(assessment))), json: #"{"unitIDs":["\#(fixture.unitA.id)"]}"#)
            let count = try enrolled.json() as? [String: Any]
            #expect(enrolled.status == .ok && count?["enrolled"] as? Int == 1)
        }
    }

    @Test("Users and roles through the API (administrators only)")
    func users() async throws {
        let fixture = try await Fixture.make()
        try await fixture.test { client in
            let api = try await APIClient.login(client, "admin")
            let created = try await api.call(
                .post, .api(.users),
                json:
                    #"{"username":"tb","displayName":"填报员","password":"Secret-123","roles":["reporter"],"unitID":"\#(fixture.unitB.id)"}"#
            )
            #expect(created.status == .created)
            let user = try #require(try created.json() as? [String: Any])
            #expect(user["unitID"] as? String == fixture.unitB.id.rawValue)
            #expect(user["organizationID"] as? String == fixture.org.id.rawValue)
            let id = try #require(user["id"] as? String)
            let shortPassword = try await api.call(
                .post, .api(.users), json: #"{"username":"x2","password":"123","roles":[]}"#)
            #expect(shortPassword.errorMessage == "密码至少需要10个字符")
            let roles = try await api.call(
                .put, .api(.userRoles(.value(UserID(id)))), json: #"{"roles":["evaluator","leader"],"reason":"轮岗"}"#)
            #expect(roles.status == .ok)
            #expect((try roles.json() as? [String: Any])?["roles"] as? [String] == ["evaluator", "leader"])
            let list = try #require(try await api.call(.get, .api(.users)).json() as? [[String: Any]])
            #expect(list.count == 7)
            #expect(list.allSatisfy { $0["passwordHash"] == nil })
            // The new reporter-turned-evaluator can log in through the API.
            #expect(try await APIClient.login(client, "tb", password: "Secret-123").token != nil)
        }
    }

    @Test("Unknown API paths answer JSON 404")
    func notFound() async throws {
        let fixture = try await Fixture.make()
        try await fixture.test { client in
            let response = try await APIClient(client: client, token: nil).call(.get, .api(.me), query: "/extra")
            #expect(response.status == .notFound)
        }
    }
}

@Suite("Configuration layering")
struct ConfigTests {
    @Test("Defaults, then environment, then command line")
    func layering() throws {
        #expect(try AppConfig.resolve(cli: .init(), environment: [:]) == .defaults)
        let env = [
            "KAOHE_HOST": "0.0.0.0", "KAOHE_PORT": "9000", "KAOHE_DATABASE_URL": "postgres://u@h/db",
            "KAOHE_SECURE_COOKIES": "true",
        ]
        let fromEnv = try AppConfig.resolve(cli: .init(), environment: env)
        #expect(
            fromEnv.host == "0.0.0.0" && fromEnv.port == 9000 && fromEnv.databaseURL == "postgres://u@h/db"
                && fromEnv.secureCookies)
        let fromCLI = try AppConfig.resolve(
            cli: .init(host: "127.0.0.2", port: 8081, databaseURL: "sqlite:x.db"), environment: env)
        #expect(
            fromCLI.host == "127.0.0.2" && fromCLI.port == 8081 && fromCLI.databaseURL == "sqlite:x.db"
                && fromCLI.secureCookies)
        #expect(AppConfig.defaults.sqlitePath.hasSuffix("kaohe-data/kaohe.sqlite"))
        #expect(AppConfig.defaults.baseURL == "http://127.0.0.1:8080")
    }

    @Test("Bad values name the variable or option")
    func badValues() {
        #expect(throws: AppError.invalid("环境变量 KAOHE_PORT 的值“80a”不是有效端口（1–65535）")) {
            try AppConfig.resolve(cli: .init(), environment: ["KAOHE_PORT": "80a"])
        }
        #expect(throws: AppError.invalid("--port 的值 70000 不是有效端口（1–65535）")) {
            try AppConfig.resolve(cli: .init(port: 70000), environment: [:])
        }
        #expect(throws: AppError.invalid("环境变量 KAOHE_SECURE_COOKIES 的值“maybe”应为 true 或 false")) {
            try AppConfig.resolve(cli: .init(), environment: ["KAOHE_SECURE_COOKIES": "maybe"])
        }
    }

    @Test("First start creates an administrator once and migrates; the second start does neither")
    func bootstrapOnce() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kaohe-boot-\(UUID().uuidString)").path
        var config = AppConfig.defaults
        config.dataDirectory = dir
        let first = try await bootstrap(config)
        let admin = try #require(first.firstAdmin)
        #expect(admin.username == "admin" && admin.password.count == 16)
        #expect(first.appliedMigrations == allMigrations.map(\.fullName))
        let user = try await first.store.user(username: "admin")
        #expect(user?.roles == [.admin])
        await first.store.shutdown()
        #expect(FileManager.default.fileExists(atPath: dir + "/kaohe.sqlite"))
        let second = try await bootstrap(config)
        #expect(second.firstAdmin == nil && second.appliedMigrations.isEmpty)
        await second.store.shutdown()
    }
}
