import Foundation
import Hummingbird
import HummingbirdTesting
import KaoheStorage
import Testing

@testable import KaoheApplication
@testable import KaoheWeb

@Suite("Pages: organizations, units, CSV import, users, schemes")
struct PageTests {
    @Test("Organizations: create under a parent, listed as a tree, names escaped, empty name refused")
    func organizations() async throws {
        let fixture = try await Fixture.make()
        try await fixture.test { client in
            let browser = Browser(client)
            try await browser.login("organizer")
            let created = try await browser.post(
                SiteURL.organizations.path,
                [("name", "<script>尖山区考核组</script>"), ("parent_id", fixture.org.id.rawValue)])
            #expect(created.status == .seeOther)
            let page = try await browser.get(created.headers[.location]!)
            #expect(page.text.contains("组织已创建"))
            #expect(page.text.contains("&lt;script&gt;尖山区考核组&lt;/script&gt;"))
            #expect(!page.text.contains("<script>尖山区"))
            #expect(page.text.contains("class=\"d1\""))
            let child = try #require(try await fixture.store.organizations().first { $0.name.contains("尖山区考核组") })
            #expect(child.parentID == fixture.org.id)
            let empty = try await browser.post(SiteURL.organizations.path, [("name", "  ")])
            #expect(empty.status == .badRequest)
            #expect(empty.text.contains("请填写“名称”"))
            let badParent = try await browser.post(SiteURL.organizations.path, [("name", "某组"), ("parent_id", "nope")])
            #expect(badParent.status == .notFound)
            #expect(badParent.text.contains("上级组织不存在：nope"))
        }
    }

    @Test("Units: create with a type and parent; duplicates and unknown types are named")
    func units() async throws {
        let fixture = try await Fixture.make()
        try await fixture.test { client in
            let browser = Browser(client)
            try await browser.login("organizer")
            let created = try await browser.post(
                SiteURL.units.path,
                [
                    ("organization_id", fixture.org.id.rawValue), ("code", "A01-01"), ("name", "长胜乡"),
                    ("type", "township"),
                    ("parent_id", fixture.unitA.id.rawValue),
                ])
            #expect(created.status == .seeOther)
            let page = try await browser.get(SiteURL.units.path)
            #expect(page.text.contains("长胜乡") && page.text.contains("乡镇") && page.text.contains("双鸭山市考核办"))
            let dup = try await browser.post(
                SiteURL.units.path,
                [("organization_id", fixture.org.id.rawValue), ("code", "A01"), ("name", "重复"), ("type", "county")])
            #expect(dup.status == .conflict)
            #expect(dup.text.contains("单位编码“A01”已存在"))
            let badType = try await browser.post(
                SiteURL.units.path,
                [("organization_id", fixture.org.id.rawValue), ("code", "Z9"), ("name", "某"), ("type", "县市")])
            #expect(badType.status == .badRequest)
            #expect(badType.text.contains("类型“县市”无法识别"))
        }
    }

    @Test("CSV import: all lines or none, errors shown line by line with the text kept")
    func csvImport() async throws {
        let fixture = try await Fixture.make()
        try await fixture.test { client in
            let browser = Browser(client)
            try await browser.login("organizer")
            #expect(try await browser.get(SiteURL.unitImport.path).text.contains("编码,名称,类型,上级编码"))
            let bad = "编码,名称,类型,上级编码\nC01,宝山区,县区,\nA01,重复,县区,\nC02,某镇,乡镇,NOPE\n"
            let failed = try await browser.post(
                SiteURL.unitImport.path, [("organization_id", fixture.org.id.rawValue), ("csv", bad)])
            #expect(failed.status == .badRequest)
            #expect(failed.text.contains("第3行：编码“A01”已存在于该组织"))
            #expect(failed.text.contains("第4行：上级编码“NOPE”不存在"))
            #expect(failed.text.contains("C02,某镇,乡镇,NOPE"))
            #expect(try await fixture.store.units(in: fixture.org.id).count == 2)

            let good = "\u{FEFF}编码,名称,类型,上级编码\nC01,宝山区,县区,\nC01-1,七星镇,乡镇,C01\nP01,\"省农垦总局, 红兴隆分局\",中省直单位,\n"
            let imported = try await browser.post(
                SiteURL.unitImport.path, [("organization_id", fixture.org.id.rawValue), ("csv", good)])
            #expect(imported.status == .seeOther)
            #expect(try await browser.get(imported.headers[.location]!).text.contains("已导入3个单位"))
            let units = try await fixture.store.units(in: fixture.org.id)
            #expect(units.count == 5)
            let town = try #require(units.first { $0.code == "C01-1" })
            #expect(town.parentID == units.first { $0.code == "C01" }?.id)
            #expect(units.contains { $0.name == "省农垦总局, 红兴隆分局" && $0.type == .provincialUnit })
            let audit = try await fixture.store.auditLog(entityPrefix: "unit:", limit: 100)
            #expect(audit.filter { $0.reason == "CSV导入3个单位" }.count == 3)
        }
    }

    @Test("Users: admin creates users with roles, reporters need a unit, roles can be changed with a reason")
    func users() async throws {
        let fixture = try await Fixture.make()
        try await fixture.test { client in
            let browser = Browser(client)
            try await browser.login("admin")
            let created = try await browser.post(
                SiteURL.users.path,
                [
                    ("username", "zhang.san"), ("display_name", "张三"), ("password", "Secret-123"),
                    ("roles", "evaluator"), ("roles", "leader"),
                ])
            #expect(created.status == .seeOther)
            let user = try #require(try await fixture.store.user(username: "zhang.san"))
            #expect(user.roles == [.evaluator, .leader])
            #expect(user.passwordHash.hasPrefix("$2"))
            let list = try await browser.get(SiteURL.users.path)
            #expect(list.text.contains("张三") && list.text.contains(SiteURL.userRoles(.value(user.id)).path))

            let reporter = try await browser.post(
                SiteURL.users.path,
                [("username", "li"), ("display_name", "李四"), ("password", "Secret-123"), ("roles", "reporter")])
            #expect(reporter.status == .badRequest)
            #expect(reporter.text.contains("单位填报人必须指定所属单位"))
            let badName = try await browser.post(SiteURL.users.path, [("username", "李 四"), ("password", "Secret-123")])
            #expect(badName.text.contains("用户名“李 四”无效"))
            let dup = try await browser.post(
                SiteURL.users.path, [("username", "zhang.san"), ("password", "Secret-123")])
            #expect(dup.status == .conflict)
            #expect(dup.text.contains("用户名“zhang.san”已存在"))
            let badRole = try await browser.post(
                SiteURL.users.path, [("username", "wang"), ("password", "Secret-123"), ("roles", "boss")])
            #expect(badRole.text.contains("未知角色“boss”"))

            let roles = try await browser.post(
                SiteURL.userRoles(.value(user.id)).path,
                [("roles", "reporter"), ("unit_id", fixture.unitB.id.rawValue), ("reason", "调任岭东区")])
            #expect(roles.status == .seeOther)
            let updated = try await fixture.store.user(user.id)
            #expect(
                updated?.roles == [.reporter] && updated?.unitID == fixture.unitB.id
                    && updated?.organizationID == fixture.org.id)
            #expect(
                try await fixture.store.auditLog(entityPrefix: "user:\(user.id)", limit: 10).last?.reason == "调任岭东区")

            let own = try await browser.post(
                SiteURL.userRoles(.value(fixture.users[.admin]!.id)).path, [("roles", "leader")])
            #expect(own.status == .badRequest)
            #expect(own.text.contains("不能取消自己的系统管理员角色"))
            let missing = try await browser.post(SiteURL.userRoles(.value(UserID("nope"))).path, [("roles", "leader")])
            #expect(missing.status == .notFound)
        }
    }

    @Test("A reporter sees only their own unit")
    func reporterScope() async throws {
        let fixture = try await Fixture.make()
        try await fixture.test { client in
            let browser = Browser(client)
            try await browser.login("reporter")
            let page = try await browser.get(SiteURL.units.path)
            #expect(page.status == .ok)
            #expect(page.text.contains("尖山区"))
            #expect(!page.text.contains("岭东区"))
            #expect(!page.text.contains("新建单位"))
            let dashboard = try await browser.get(SiteURL.dashboard.path)
            #expect(dashboard.text.contains("本单位：尖山区（A01）") && !dashboard.text.contains("岭东区"))
        }
    }

    @Test("Schemes list shows the built-in schemes; static assets are served")
    func schemesAndAssets() async throws {
        let fixture = try await Fixture.make()
        try await fixture.test { client in
            let browser = Browser(client)
            try await browser.login("leader")
            let page = try await browser.get(SiteURL.schemes.path)
            for scheme in SchemeSummary.builtIn() { #expect(page.text.contains(scheme.id)) }
            let css = try await browser.get(SiteURL.stylesheet.path)
            #expect(css.status == .ok && css.headers[.contentType]?.hasPrefix("text/css") == true)
            #expect(try await browser.get(SiteURL.script.path).text.contains("FileReader"))
            #expect(try await browser.get(SiteURL.health.path).text == "ok\n")
            let missing = try await browser.get("/no-such-page")
            #expect(missing.status == .notFound)
        }
    }

    @Test("Links are built from the route enum")
    func siteURLs() {
        #expect(SiteURL.userRoles(.key).path == "/users/:id/roles")
        #expect(SiteURL.userRoles(.value(UserID("a b/c"))).path == "/users/a%20b%2Fc/roles")
        #expect(SiteURL.api(.userRoles(.value(UserID("x")))).path == "/api/v1/users/x/roles")
        #expect(SiteURL.login.path(query: [("next", "/units?x=1&y=2")]) == "/login?next=/units%3Fx%3D1%26y%3D2")
        // Plain ids and codes are kept as they are; anything else is encoded.
        #expect(SiteURL.userRoles(.value(UserID("a-B.9_~"))).path == "/users/a-B.9_~/roles")
        #expect(SiteURL.userRoles(.value(UserID("单位:1"))).path == "/users/%E5%8D%95%E4%BD%8D:1/roles")
        #expect(SiteURL.encode("x-1.y_~") == "x-1.y_~" && SiteURL.encode("a b&c") == "a%20b%26c")
        #expect(SiteURL.encode("基准") == "%E5%9F%BA%E5%87%86" && SiteURL.encode("") == "")
    }

    @Test("HTML escaping: the five characters anywhere, other text kept byte for byte")
    func escaping() {
        #expect(HTML.escape("平桥区财政局 A01") == "平桥区财政局 A01")
        #expect(HTML.escape("<a href=\"x\">'&'</a>") == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
        #expect(HTML.escape("\"\u{301}onmouseover") == "&quot;\u{301}onmouseover")
        #expect(HTML.escape("尖山<区>😀") == "尖山&lt;区&gt;😀" && HTML.escape("") == "")
    }
}

@Suite("Password reset by an administrator, audit log page")
struct AdminToolsTests {
    @Test("An administrator sets a new random password, shown once; the old one stops working and sessions end")
    func passwordReset() async throws {
        let fixture = try await Fixture.make()
        try await fixture.test { client in
            let spare = Browser(client)
            #expect(try await spare.login("spare").status == .seeOther)
            let admin = Browser(client)
            try await admin.login("admin")
            try await admin.get(SiteURL.users.path)
            let response = try await admin.post(SiteURL.userPasswordReset(.value(fixture.spare.id)).path, [])
            #expect(response.status == .ok)
            let password = try #require(response.text.firstMatch(of: /设置新密码：([A-Za-z0-9]{16})/)?.1)
            #expect(try await spare.get(SiteURL.dashboard.path).status == .seeOther)
            #expect(try await Browser(client).login("spare").status == .unauthorized)
            #expect(try await Browser(client).login("spare", password: String(password)).status == .seeOther)
            let audit = try await fixture.store.auditLog(entityPrefix: "user:\(fixture.spare.id)", limit: 10)
            #expect(
                audit.last?.action == "password" && audit.last?.reason == "管理员重置密码" && audit.last?.actorName == "admin")
            let recorded = audit.last?.newValue ?? ""
            let leaked = recorded.contains(String(password))
            #expect(leaked == false)
            let missing = try await admin.post(SiteURL.userPasswordReset(.value(UserID("nope"))).path, [])
            #expect(missing.status == .notFound)
        }
    }

    @Test("The audit page lists entries by entity, shows the chain intact, and shows where it breaks after tampering")
    func auditPage() async throws {
        let fixture = try await Fixture.make()
        try await fixture.test { client in
            let browser = Browser(client)
            try await browser.login("organizer")
            let page = try await browser.get(SiteURL.audit.path(query: [("verify", "1")]))
            #expect(page.status == .ok)
            #expect(page.text.contains("哈希链完整"))
            #expect(page.text.contains("unit:\(fixture.unitA.id)"))
            let filtered = try await browser.get(SiteURL.audit.path(query: [("entity", "unit:\(fixture.unitB.id)")]))
            #expect(
                filtered.text.contains("unit:\(fixture.unitB.id)")
                    && !filtered.text.contains("unit:\(fixture.unitA.id)"))
            try await fixture.store.unsafeExecute("UPDATE audit_log SET reason = '篡改' WHERE seq = 2")
            let broken = try await browser.get(SiteURL.audit.path(query: [("verify", "1")]))
            #expect(broken.text.contains("哈希链在第2条断开"))
        }
    }
}
