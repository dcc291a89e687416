import Foundation
import Hummingbird
import HummingbirdTesting
import KaoheStorage
import KaoheStorageSQL
import Testing

@testable import KaoheApplication
@testable import KaoheWeb

@Suite("Several app instances on one database")
struct InstancesTests {
    @Test(
        "A session started on one instance works on another; changes and logout are shared", arguments: Fixture.backends
    )
    func sharedSessions(_ backend: String) async throws {
        let fixture = try await Fixture.make(backend: backend)
        let secondStore = try SQLStore(
            location: fixture.location, postgresSchema: fixture.schema, now: { fixture.clock.now })
        var secondDeps = fixture.deps
        secondDeps.store = secondStore
        let second = Application(router: buildRouter(secondDeps))
        try await fixture.test { clientA in
            try await second.test(.router) { clientB in
                let a = Browser(clientA)
                try await a.login("organizer")
                let b = Browser(clientB)
                b.cookies = a.cookies
                let dashboard = try await b.get(SiteURL.dashboard.path)
                #expect(dashboard.status == .ok)
                #expect(dashboard.text.contains("欢迎，考核组织者"))
                #expect(b.csrf == a.csrf)
                #expect(try await b.post(SiteURL.organizations.path, [("name", "实例二创建")]).status == .seeOther)
                #expect(try await a.get(SiteURL.organizations.path).text.contains("实例二创建"))
                #expect(try await b.post(SiteURL.logout.path, []).status == .seeOther)
                #expect(try await a.get(SiteURL.dashboard.path).status == .seeOther)
            }
        }
        await secondStore.shutdown()
        #expect(
            try await { () async throws -> AuditVerification in
                let check = try SQLStore(location: fixture.location, postgresSchema: fixture.schema)
                let result = try await check.verifyAudit()
                await check.shutdown()
                return result
            }() == .intact(entries: 12))
    }
}
