import Foundation
import KaoheStorage
import KaoheStorageSQL
import Testing

@testable import KaoheApplication
@testable import KaoheWeb

/// A list of the numbers 1…n in a spec with one sort key, for the shared paging and sorting.
private let numbersSpec = ListSpec(
    name: "测试列表", sortKeys: [(key: "n", label: "数"), (key: "parity", label: "奇偶")], defaultSort: "n",
    filters: [(key: "kind", label: "类别")], defaultSize: 10, maxSize: 25)

@Suite("Lists: one query model, search, filters, sorting and paging")
struct ListQueryTests {
    @Test("Defaults, and every known parameter read back into links")
    func parseAndLinks() throws {
        let defaults = try ListQuery.parse([:], spec: numbersSpec)
        #expect(defaults == ListQuery(sort: "n", direction: .ascending, size: 10))
        #expect(defaults.parameters(spec: numbersSpec).isEmpty)
        let query = try ListQuery.parse(
            ["q": "  尖山 ", "kind": "odd", "sort": "parity", "dir": "desc", "page": "3", "size": "25", "done": "x"],
            spec: numbersSpec)
        #expect(query.search == "尖山" && query.filter("kind") == "odd" && query.sort == "parity")
        #expect(query.direction == .descending && query.page == 3 && query.size == 25 && query.offset == 50)
        let again = try ListQuery.parse(
            Dictionary(query.parameters(spec: numbersSpec), uniquingKeysWith: { a, _ in a }), spec: numbersSpec)
        #expect(again == query)
    }

    @Test(
        "A bad parameter is a clear error naming it",
        arguments: [
            (["sort": "score"], "sort"), (["dir": "up"], "dir"), (["page": "x"], "page"), (["page": "0"], "page"),
            (["page": "-2"], "page"), (["size": "26"], "size"), (["size": "0"], "size"), (["size": "many"], "size"),
            (["q": String(repeating: "长", count: 201)], "q"), (["kind": String(repeating: "k", count: 201)], "kind"),
        ])
    func badParameters(_ parameters: [String: String], _ name: String) {
        do {
            _ = try ListQuery.parse(parameters, spec: numbersSpec)
            Issue.record("accepted \(parameters)")
        } catch {
            guard case .invalid(let message) = error as? AppError else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(message.contains("参数 \(name)") && message.contains("测试列表"))
        }
    }

    @Test("Paging: first, middle, last, past the end; both directions; ties keep their order")
    func pagingAndSorting() throws {
        let numbers = Array(1...23)
        func page(_ parameters: [String: String]) throws -> ListPage<Int> {
            try ListQuery.parse(parameters, spec: numbersSpec).page(of: numbers) { key in
                key == "parity" ? { $0 % 2 < $1 % 2 } : { $0 < $1 }
            }
        }
        let first = try page([:])
        #expect(first.rows == Array(1...10) && first.total == 23 && first.pageCount == 3 && first.hasNext)
        let last = try page(["page": "3"])
        #expect(last.rows == [21, 22, 23] && !last.hasNext)
        let beyond = try page(["page": "4"])
        #expect(beyond.rows.isEmpty && beyond.total == 23 && !beyond.hasNext)
        let descending = try page(["dir": "desc", "size": "5"])
        #expect(descending.rows == [23, 22, 21, 20, 19] && descending.pageCount == 5)
        let even = try page(["sort": "parity", "size": "25"])
        #expect(even.rows == Array(stride(from: 2, through: 22, by: 2)) + Array(stride(from: 1, through: 23, by: 2)))
        let odd = try page(["sort": "parity", "dir": "desc", "size": "3"])
        #expect(odd.rows == [1, 3, 5])
    }

    @Test("Filtering by row keeps the order, the total and the page of the rows it keeps")
    func pagingWhere() throws {
        let numbers = Array(1...23)
        let query = try ListQuery.parse(["dir": "desc", "size": "4", "page": "2"], spec: numbersSpec)
        let odd = query.page(of: numbers, where: { $0 % 2 == 1 }) { _ in { $0 < $1 } }
        #expect(odd.rows == [15, 13, 11, 9] && odd.total == 12 && odd.pageCount == 3 && odd.hasNext)
        let none = query.page(of: numbers, where: { $0 > 100 }) { _ in { $0 < $1 } }
        #expect(none.rows.isEmpty && none.total == 0)
    }

    @Test(
        "Search: ASCII letters in either case, Chinese exactly, other cased letters folded, empty matches all",
        arguments: [
            ("pq01", "PQ01 平桥区财政局", true), ("PQ", "pq01", true), ("财政", "PQ01 平桥区财政局", true),
            ("财务", "PQ01 平桥区财政局", false), ("", "任何", true), ("区财政局x", "平桥区财政局", false),
            ("ÄMTER", "ämter", true), ("ω", "Ω", true), ("1", "", false),
            ("ab", "a", false), ("a\u{301}", "a", false),
        ])
    func textSearch(_ search: String, _ text: String, _ found: Bool) {
        #expect(TextSearch(search).isFound(in: text) == found, "“\(search)” in “\(text)”")
        let query = ListQuery(search: search, sort: "n", direction: .ascending, size: 10)
        #expect(query.matches("无关", text) == found)
    }

    @Test("Code point order is the order of < for Chinese, ASCII and mixed names")
    func codePointOrder() {
        let names = ["乡镇00", "岭东区", "A局", "a局", "尖山区", "宝清县", "双鸭山市", "乡镇0", "", "Z"]
        for a in names {
            for b in names { #expect(a.precedesInCodeOrder(b) == (a < b), "\(a) vs \(b)") }
        }
    }

    @Test("The pager says where it is and links keep the other parameters")
    func pager() throws {
        let query = try ListQuery.parse(["q": "区", "kind": "a b", "page": "2"], spec: numbersSpec)
        let page = ListPage(rows: Array(11...20), total: 5983, query: query)
        let html = ListViews.pager(page, .units, numbersSpec).text
        #expect(html.contains("第 2 / 599 页，共 5,983 条"))
        #expect(html.contains("href=\"/units?q=%E5%8C%BA&amp;kind=a%20b&amp;page=3\" rel=\"next\""))
        #expect(html.contains("href=\"/units?q=%E5%8C%BA&amp;kind=a%20b\">首页"))
        #expect(html.contains("page=599\">末页"))
        let estimated = ListPage(rows: [1], total: 10_000, totalIsEstimate: true, hasNext: true, query: query)
        let text = ListViews.pager(estimated, .units, numbersSpec).text
        #expect(text.contains("超过 10,000 条") && !text.contains("末页") && text.contains("下一页"))
        let header = ListViews.header("数", key: "n", .units, numbersSpec, query).text
        #expect(header.contains("aria-sort=\"ascending\"") && header.contains("sort=n&amp;dir=desc"))
        #expect(!header.contains("page="))
    }
}

@Suite("The audit log as a list (SQL paging and filters)")
struct AuditListTests {
    /// A store with the fixture's entries plus 60 units created by the organizer a day apart in pairs.
    static func world(_ backend: String) async throws -> (Fixture, [AssessedUnit]) {
        let f = try await Fixture.make(backend: backend)
        let organizer = f.users[.organizer]!
        var made: [AssessedUnit] = []
        for index in 0..<60 {
            if index % 2 == 0 { f.clock.advance(86_400) }
            let unit = try await Operations(f.deps).createUnit(
                organizationID: f.org.id.rawValue, code: "L\(index)", name: "单位\(index)", type: "乡镇", parentID: nil,
                by: organizer)
            made.append(unit)
        }
        return (f, made)
    }

    @Test(
        "Newest first by default, deep pages by range, oldest first, filters and capped counts",
        arguments: Fixture.backends)
    func storePages(_ backend: String) async throws {
        let (f, units) = try await Self.world(backend)
        let store = f.store
        let all = try await store.auditLog(entityPrefix: nil, limit: 100_000)
        let size = all.count
        #expect(try await store.auditCount(AuditQuery(), cap: .max) == size)
        let newest = try await store.auditPage(AuditQuery(), offset: 0, limit: 7)
        #expect(newest.map(\.seq) == Array((size - 6...size).reversed()))
        let deep = try await store.auditPage(AuditQuery(), offset: size - 3, limit: 7)
        #expect(deep.map(\.seq) == [3, 2, 1])
        let oldest = try await store.auditPage(AuditQuery(newestFirst: false), offset: 5, limit: 3)
        #expect(oldest.map(\.seq) == [6, 7, 8])
        #expect(try await store.auditPage(AuditQuery(), offset: size, limit: 5).isEmpty)

        let byUnits = AuditQuery(entityPrefix: "unit:")
        let unitEntries = all.filter { $0.entity.hasPrefix("unit:") }
        #expect(try await store.auditCount(byUnits, cap: 1000) == unitEntries.count)
        #expect(try await store.auditCount(byUnits, cap: 10) == 10)
        let second = try await store.auditPage(byUnits, offset: 10, limit: 10)
        #expect(second.map(\.seq) == Array(unitEntries.reversed().dropFirst(10).prefix(10)).map(\.seq))
        let one = AuditQuery(entityPrefix: "unit:\(units[7].id)")
        #expect(try await store.auditPage(one, offset: 0, limit: 10).map(\.entity) == ["unit:\(units[7].id)"])
        // LIKE wildcards in the prefix are literal.
        #expect(try await store.auditCount(AuditQuery(entityPrefix: "unit%"), cap: 100) == 0)

        let organizerName = f.users[.organizer]!.username
        let byActor = try await store.auditPage(AuditQuery(actor: organizerName), offset: 0, limit: 1000)
        #expect(byActor.count == 60 && byActor.allSatisfy { $0.actorName == organizerName })
        let creates = all.filter { $0.action == "create" }
        #expect(try await store.auditCount(AuditQuery(action: "create"), cap: 10_000) == creates.count)
        #expect(try await store.auditCount(AuditQuery(action: "nothing"), cap: 10_000) == 0)

        // Dates: the third day's two units (index 4 and 5).
        let day = all.first { $0.entity == "unit:\(units[4].id)" }!.at
        let window = try await store.auditPage(
            AuditQuery(actor: organizerName, from: day, before: day.addingTimeInterval(86_400)), offset: 0, limit: 10)
        #expect(window.map(\.entity) == ["unit:\(units[5].id)", "unit:\(units[4].id)"])
        await store.shutdown()
    }

    @Test("The audit page: search, each filter, paging, the chain check on request, and bad parameters")
    func page() async throws {
        let (f, units) = try await Self.world("sqlite")
        try await f.test { client in
            let browser = Browser(client)
            try await browser.login("organizer")
            let first = try await browser.get(SiteURL.audit.path(query: [("size", "20")]))
            #expect(first.status == .ok)
            #expect(first.text.contains("第 1 / ") && first.text.contains("unit:\(units[59].id)"))
            #expect(!first.text.contains("unit:\(units[0].id)<") && !first.text.contains("哈希链完整"))
            let searched = try await browser.get(SiteURL.audit.path(query: [("q", "unit:\(units[0].id)")]))
            #expect(searched.text.contains("unit:\(units[0].id)") && searched.text.contains("共 1 条"))
            let old = try await browser.get(SiteURL.audit.path(query: [("entity", "unit:\(units[1].id)")]))
            #expect(old.text.contains("unit:\(units[1].id)") && old.text.contains("共 1 条"))
            let actor = try await browser.get(
                SiteURL.audit.path(query: [("actor", f.users[.organizer]!.username), ("action", "create")]))
            #expect(actor.text.contains("共 60 条"))
            let later = try await browser.get(SiteURL.audit.path(query: [("from", "2099-01-01")]))
            #expect(later.text.contains("没有符合条件的记录"))
            let oldestFirst = try await browser.get(SiteURL.audit.path(query: [("dir", "asc"), ("size", "1")]))
            #expect(oldestFirst.text.contains("<tr><td>1</td>"))
            let verified = try await browser.get(SiteURL.audit.path(query: [("verify", "1")]))
            #expect(verified.text.contains("哈希链完整"))
            for (key, value, name) in [
                ("page", "abc", "page"), ("size", "501", "size"), ("sort", "actor", "sort"),
                ("from", "2024-13-01", "from"), ("to", "昨天", "to"),
            ] {
                let bad = try await browser.get(SiteURL.audit.path(query: [(key, value)]))
                #expect(bad.status == .badRequest)
                #expect(bad.text.contains("参数 \(name)"))
            }
            let reversed = try await browser.get(
                SiteURL.audit.path(query: [("from", "2024-02-01"), ("to", "2024-01-01")]))
            #expect(reversed.status == .badRequest && reversed.text.contains("截止日期"))
        }
    }
}

@Suite("The units list")
struct UnitListTests {
    @Test("Search, organization and type filters, each sort key both ways, paging, and a reporter's own unit")
    func units() async throws {
        let f = try await Fixture.make()
        let other = Organization(name: "宝清县考核办")
        try await f.store.createOrganization(other, by: .system)
        var extra: [AssessedUnit] = []
        for index in 0..<30 {
            extra.append(
                AssessedUnit(
                    organizationID: index < 20 ? f.org.id : other.id, parentID: index == 2 ? f.unitA.id : nil,
                    code: String(format: "T%02d", index),
                    name: "乡镇\(String(format: "%02d", 29 - index))", type: index % 3 == 0 ? .township : .other))
        }
        try await f.store.createUnits(extra, by: .system)
        let ops = Operations(f.deps)
        let admin = f.users[.admin]!
        func list(_ parameters: [String: String], for user: User? = nil) async throws -> UnitListPage {
            try await ops.unitList(try ListQuery.parse(parameters, spec: Operations.unitListSpec), for: user ?? admin)
        }
        let first = try await list(["size": "10"])
        #expect(
            first.page.total == 32
                && first.page.rows.map(\.code) == ["A01", "B01"] + (0..<8).map { String(format: "T%02d", $0) })
        #expect(first.parentNames == [f.unitA.id: f.unitA.name])
        let last = try await list(["size": "10", "page": "4"])
        #expect(last.page.rows.map(\.code) == ["T28", "T29"])
        #expect(try await list(["size": "10", "page": "5"]).page.rows.isEmpty)
        #expect(try await list(["q": "尖山"]).page.rows.map(\.id) == [f.unitA.id])
        #expect(try await list(["q": "t0"]).page.total == 10)
        #expect(try await list(["org": other.id.rawValue]).page.total == 10)
        #expect(try await list(["type": "township"]).page.total == 10)
        #expect(try await list(["type": "乡镇", "org": other.id.rawValue]).page.total == 3)
        #expect(try await list(["sort": "code", "dir": "desc", "size": "1"]).page.rows.map(\.code) == ["T29"])
        #expect(try await list(["sort": "name", "size": "1"]).page.rows.map(\.name) == ["乡镇00"])
        #expect(try await list(["sort": "name", "dir": "desc", "size": "1"]).page.rows.map(\.name) == ["岭东区"])
        // By the Chinese names in code point order: 乡镇 < 其他 < 县区, 双鸭山市考核办 < 宝清县考核办.
        #expect(try await list(["sort": "type", "size": "2"]).page.rows.map(\.type) == [.township, .township])
        #expect(try await list(["sort": "type", "dir": "desc", "size": "1"]).page.rows.map(\.type) == [.county])
        let byOrg = try await list(["sort": "organization", "size": "40"]).page.rows.map(\.organizationID)
        #expect(byOrg == Array(repeating: f.org.id, count: 22) + Array(repeating: other.id, count: 10))
        let byOrgDesc = try await list(["sort": "organization", "dir": "desc", "size": "1"]).page.rows
        #expect(byOrgDesc.map(\.organizationID) == [other.id])
        let own = try await list(["size": "500"], for: f.users[.reporter]!)
        #expect(own.page.rows.map(\.id) == [f.unitA.id] && own.organizations.map(\.id) == [f.org.id])
        await #expect(throws: AppError.self) { try await list(["type": "village"]) }

        try await f.test { client in
            let browser = Browser(client)
            try await browser.login("admin")
            let page = try await browser.get(SiteURL.units.path(query: [("q", "乡镇0"), ("sort", "name")]))
            #expect(page.status == .ok && page.text.contains("第 1 / 1 页，共 10 条") && page.text.contains("aria-sort"))
            let bad = try await browser.get(SiteURL.units.path(query: [("type", "village")]))
            #expect(bad.status == .badRequest && bad.text.contains("参数 type"))
            let tooBig = try await browser.get(SiteURL.units.path(query: [("size", "100000")]))
            #expect(tooBig.status == .badRequest && tooBig.text.contains("最多 500"))
            try await browser.login("reporter")
            let mine = try await browser.get(SiteURL.units.path)
            #expect(mine.text.contains(f.unitA.name) && !mine.text.contains(f.unitB.name))
        }
    }
}

@Suite("The rectification ledger as a list")
struct LedgerListTests {
    @Test("Search, sorting both ways, paging, filters kept, and a reporter's own items")
    func ledger() async throws {
        let world = try await LedgerWorld.make()
        var items: [RectificationItem] = []
        for index in 0..<12 {
            items.append(
                try await world.open(
                    index % 2 == 0 ? world.f.unitA : world.f.unitB, days: String(20 - index),
                    problem: index == 5 ? "档案缺失" : "办件超期\(index)"))
        }
        func page(_ parameters: [String: String], for user: User? = nil) async throws -> LedgerPage {
            try await world.ops.ledger(
                world.a.rawValue, filter: LedgerFilter(),
                list: try ListQuery.parse(parameters, spec: Operations.ledgerListSpec), for: user ?? world.organizer)
        }
        let first = try await page(["size": "5"])
        #expect(first.list.rows.map(\.item.number) == [1, 2, 3, 4, 5] && first.list.pageCount == 3)
        #expect(first.rows.count == 12)
        #expect(try await page(["size": "5", "page": "3"]).list.rows.map(\.item.number) == [11, 12])
        #expect(try await page(["q": "档案"]).list.rows.map(\.item.id) == [items[5].id])
        #expect(try await page(["q": world.f.unitB.name]).list.total == 6)
        #expect(try await page(["dir": "desc", "size": "1"]).list.rows.map(\.item.number) == [12])
        #expect(try await page(["sort": "deadline", "size": "1"]).list.rows.map(\.item.id) == [items[11].id])
        #expect(
            try await page(["sort": "deadline", "dir": "desc", "size": "1"]).list.rows.map(\.item.id) == [items[0].id])
        #expect(try await page(["sort": "unit", "size": "6"]).list.rows.allSatisfy { $0.unit.id == world.f.unitA.id })
        #expect(
            try await page(["sort": "unit", "dir": "desc", "size": "6"]).list.rows.allSatisfy {
                $0.unit.id == world.f.unitB.id
            })
        _ = try await world.step(items[3], "start", by: world.reporterB)
        #expect(
            try await page(["sort": "state", "dir": "desc", "size": "1"]).list.rows.map(\.item.id) == [items[3].id])
        #expect(try await page(["sort": "state", "size": "1"]).list.rows.map(\.item.id) == [items[0].id])
        let mine = try await page(["size": "500"], for: world.reporter)
        #expect(mine.list.total == 6 && mine.list.rows.allSatisfy { $0.unit.id == world.f.unitA.id })
        // The unit filter offers the units that have items (and the one filtered by), not every unit.
        let idle = AssessedUnit(organizationID: world.f.org.id, code: "Z09", name: "无整改单位", type: .other)
        try await world.f.store.createUnits([idle], by: .system)
        #expect(first.unitsWithItems.map(\.id) == [world.f.unitA.id, world.f.unitB.id])
        let filtered = try await world.ops.ledger(
            world.a.rawValue, filter: LedgerFilter(unit: idle.id), for: world.organizer)
        #expect(filtered.rows.isEmpty && filtered.unitsWithItems.map(\.id).contains(idle.id))
        #expect(try await page([:]).unitsWithItems.map(\.code) == ["A01", "B01"])

        try await world.f.test { client in
            let browser = Browser(client)
            try await browser.login("organizer")
            let html = try await browser.get(
                SiteURL.ledger(.value(world.a)).path(query: [("state", "pending"), ("size", "5"), ("page", "2")]))
            #expect(html.status == .ok && html.text.contains("第 2 / 3 页，共 11 条"))
            #expect(html.text.contains("state=pending&amp;size=5&amp;page=3"))
            let bad = try await browser.get(SiteURL.ledger(.value(world.a)).path(query: [("sort", "problem")]))
            #expect(bad.status == .badRequest && bad.text.contains("参数 sort"))
        }
    }
}

@Suite("The assessments list")
struct AssessmentListTests {
    @Test("Search, state, year and organization filters, each sort key both ways, paging, a reporter's own")
    func assessments() async throws {
        let f = try await Fixture.make()
        let other = Organization(name: "宝清县考核办")
        try await f.store.createOrganization(other, by: .system)
        var made: [Assessment] = [f.assessment]
        for (year, title, org) in [(2021, "2021年度营商环境考核", f.org.id), (2022, "2022年度三合一平台考核", other.id)] {
            let assessment = Assessment(organizationID: org, schemeID: "xinbei-sanheyi", year: year, title: title)
            try await f.store.createAssessment(assessment, by: .system)
            made.append(assessment)
        }
        _ = try await f.store.transition(made[1].id, to: .open, by: .system)
        let ops = Operations(f.deps)
        func list(_ parameters: [String: String], for user: User? = nil) async throws -> ListPage<Assessment> {
            try await ops.assessmentList(
                try ListQuery.parse(parameters, spec: Operations.assessmentListSpec), for: user ?? f.users[.organizer]!)
        }
        #expect(try await list([:]).rows.map(\.year) == [2023, 2022, 2021])
        #expect(try await list(["dir": "asc"]).rows.map(\.year) == [2021, 2022, 2023])
        #expect(try await list(["q": "营商"]).rows.map(\.id) == [made[1].id])
        #expect(try await list(["q": "XINBEI"]).total == 3)
        #expect(try await list(["state": "open"]).rows.map(\.id) == [made[1].id])
        #expect(try await list(["year": "2022"]).rows.map(\.id) == [made[2].id])
        #expect(try await list(["org": other.id.rawValue]).rows.map(\.id) == [made[2].id])
        #expect(try await list(["sort": "title"]).rows.map(\.year) == [2021, 2022, 2023])
        #expect(try await list(["sort": "title", "dir": "desc"]).rows.map(\.year) == [2023, 2022, 2021])
        #expect(try await list(["sort": "state", "dir": "desc", "size": "1"]).rows.map(\.id) == [made[1].id])
        #expect(try await list(["sort": "state", "size": "2"]).rows.map(\.state) == [.draft, .draft])
        // 双鸭山市考核办 < 宝清县考核办 in code point order.
        #expect(try await list(["sort": "organization", "dir": "desc", "size": "1"]).rows.map(\.id) == [made[2].id])
        #expect(
            try await list(["sort": "organization", "size": "2"]).rows.map(\.organizationID) == [f.org.id, f.org.id])
        let second = try await list(["size": "2", "page": "2"])
        #expect(second.rows.map(\.year) == [2021] && second.pageCount == 2 && !second.hasNext)
        #expect(try await list(["size": "2", "page": "3"]).rows.isEmpty)
        #expect(try await list([:], for: f.users[.reporter]!).rows.map(\.id) == [f.assessment.id])
        await #expect(throws: AppError.self) { try await list(["state": "closed"]) }
        await #expect(throws: AppError.self) { try await list(["year": "去年"]) }

        try await f.test { client in
            let browser = Browser(client)
            try await browser.login("organizer")
            let page = try await browser.get(SiteURL.assessments.path(query: [("size", "2")]))
            #expect(page.status == .ok && page.text.contains("第 1 / 2 页，共 3 条") && page.text.contains("宝清县考核办"))
            let bad = try await browser.get(SiteURL.assessments.path(query: [("year", "去年")]))
            #expect(bad.status == .badRequest && bad.text.contains("参数 year"))
            try await browser.login("reporter")
            let mine = try await browser.get(SiteURL.assessments.path)
            #expect(mine.text.contains(f.assessment.title) && !mine.text.contains("宝清县考核办"))
        }
    }
}

@Suite("The results ranking as a list")
struct ResultListTests {
    @Test("Search by unit, sort by code, name, total and rank both ways, paging, bad grade and group, own unit")
    func results() async throws {
        let f = try await Fixture.make()
        try await f.store.enrol([f.unitB.id], in: f.assessment.id, by: .system)
        let path = SiteURL.results(.value(f.assessment.id))
        try await f.test { client in
            let browser = Browser(client)
            try await browser.login("organizer")
            func units(_ query: [(String, String)]) async throws -> [String] {
                let page = try await browser.get(path.path(query: query))
                #expect(page.status == .ok)
                return page.text.matches(of: /<tr data-unit="([^"]+)">/).map { String($0.output.1) }
            }
            let full = try await browser.get(path.path)
            #expect(full.text.contains("查找单位") && !full.text.contains("查找结果"))
            #expect(try await units([("q", "尖山")]) == ["A01"])
            #expect(try await units([("q", "b0")]) == ["B01"])
            #expect(try await units([("sort", "code")]) == ["A01", "B01"])
            #expect(try await units([("sort", "code"), ("dir", "desc")]) == ["B01", "A01"])
            // 尖山区 < 岭东区 in code point order.
            #expect(try await units([("sort", "name"), ("dir", "desc")]) == ["B01", "A01"])
            #expect(try await units([("sort", "name")]) == ["A01", "B01"])
            #expect(Set(try await units([("sort", "total")])) == ["A01", "B01"])
            #expect(Set(try await units([("sort", "rank"), ("dir", "desc")])) == ["A01", "B01"])
            #expect(try await units([("size", "1"), ("sort", "code"), ("page", "2")]) == ["B01"])
            let beyond = try await browser.get(path.path(query: [("size", "1"), ("page", "3")]))
            #expect(beyond.text.contains("已超过最后一页") && beyond.text.contains("共 2 条"))
            for (key, value) in [("grade", "特等"), ("group", "planet"), ("sort", "grade"), ("size", "501")] {
                let bad = try await browser.get(path.path(query: [(key, value)]))
                #expect(bad.status == .badRequest && bad.text.contains("参数 \(key)"))
            }
            try await browser.login("reporter")
            #expect(try await units([("sort", "code")]) == ["A01"])
        }
    }

    @Test("Group and grade filters keep exactly the rows of that group and grade, in rank order")
    func groupAndGradeFilters() async throws {
        let f = try await Fixture.make()
        try await f.store.enrol([f.unitB.id], in: f.assessment.id, by: .system)
        let scores = try await Operations(f.deps).visibleScores(f.assessment.id.rawValue, for: f.users[.organizer]!)
        await f.store.shutdown()
        func list(_ parameters: [String: String]) throws -> ListPage<ResultListRow> {
            try Operations.resultList(scores, try ListQuery.parse(parameters, spec: Operations.resultListSpec))
        }
        let all = try list(["size": "500"])
        #expect(all.total == scores.groups.reduce(0) { $0 + $1.rows.count } && all.total == 2)
        // By rank, ties in group order (each group by rank), as the full tables list them.
        let grouped = scores.groups.flatMap(\.rows)
        let expected = grouped.enumerated().sorted {
            ($0.element.result.rank, $0.offset) < ($1.element.result.rank, $1.offset)
        }.map(\.element.unit.id)
        #expect(all.rows.map(\.row.unit.id) == expected)
        for group in scores.groups {
            guard let id = group.id else { continue }
            let only = try list(["group": id, "size": "500"])
            #expect(only.rows.map(\.row.unit.id) == group.rows.map(\.unit.id), "group \(id)")
            #expect(only.rows.allSatisfy { $0.groupID == id && $0.groupName == group.name })
        }
        for grade in scores.scheme.grades.map(\.name) + ["未定"] {
            let only = try list(["grade": grade, "size": "500"])
            #expect(only.total == scores.rows.filter { ($0.result.grade ?? "未定") == grade }.count, "grade \(grade)")
        }
        #expect(!Operations.asksForResultList([:], units: Operations.fullRankingLimit))
        #expect(Operations.asksForResultList([:], units: Operations.fullRankingLimit + 1))
        #expect(!Operations.asksForResultList(["all": "1"], units: 5_000))
        #expect(Operations.asksForResultList(["q": "区"], units: 2))
    }
}

@Suite("The record import history as a list")
struct RecordImportListTests {
    @Test("Search, type, unit and date filters, each sort key both ways, paging, bad parameters")
    func history() async throws {
        let f = try await Fixture.make()
        let ops = Operations(f.deps)
        // Three case files a day apart (1, 2 and 3 new records; the last one only unit B).
        for (index, name) in ["case-a.csv", "case-b.csv", "case-c.csv"].enumerated() {
            var text = "id,unit,channel,accepted,finished,promised_days,legal_days\n"
            for row in 0...index { text += "\(name)-\(row),\(index == 2 ? "B01" : "A01"),online,2023-03-01,,3,5\n" }
            _ = try await ops.importRecords(
                RecordImportInput(
                    organizationID: f.org.id.rawValue,
                    files: [RecordImportFile(path: try recordFile(name, text), name: name)], type: "case"),
                by: .user(f.users[.organizer]!))
            f.clock.advance(86_400)
        }
        func list(_ parameters: [String: String]) async throws -> ListPage<RecordImportLog> {
            try await ops.recordsOverview(
                organizationID: f.org.id.rawValue,
                list: try ListQuery.parse(parameters, spec: Operations.recordImportListSpec), by: f.users[.organizer]!
            ).importList
        }
        #expect(try await list([:]).rows.map(\.fileName) == ["case-c.csv", "case-b.csv", "case-a.csv"])
        #expect(try await list(["dir": "asc"]).rows.map(\.fileName) == ["case-a.csv", "case-b.csv", "case-c.csv"])
        #expect(try await list(["sort": "file", "dir": "desc", "size": "1"]).rows.map(\.fileName) == ["case-c.csv"])
        #expect(try await list(["sort": "file", "size": "1"]).rows.map(\.fileName) == ["case-a.csv"])
        #expect(try await list(["sort": "new", "dir": "desc", "size": "1"]).rows.map(\.counts.new) == [3])
        #expect(try await list(["sort": "new", "size": "1"]).rows.map(\.counts.new) == [1])
        #expect(try await list(["q": "CASE-B"]).rows.map(\.fileName) == ["case-b.csv"])
        #expect(try await list(["type": "case"]).total == 3)
        #expect(try await list(["type": "complaint"]).total == 0)
        #expect(try await list(["unit": "B01"]).rows.map(\.fileName) == ["case-c.csv"])
        let first = try await list([:]).rows.last!.createdAt
        let day = ISO8601DateFormatter.string(
            from: first, timeZone: TimeZone(identifier: "Asia/Shanghai")!, formatOptions: [.withFullDate])
        #expect(try await list(["from": day, "to": day]).rows.map(\.fileName) == ["case-a.csv"])
        #expect(try await list(["size": "2", "page": "2"]).rows.map(\.fileName) == ["case-a.csv"])
        #expect(try await list(["size": "2", "page": "3"]).rows.isEmpty)

        try await f.test { client in
            let browser = Browser(client)
            try await browser.login("organizer")
            let records = SiteURL.organizationRecords(.value(f.org.id))
            let page = try await browser.get(records.path(query: [("size", "2")]))
            #expect(page.status == .ok && page.text.contains("第 1 / 2 页，共 3 条"))
            for (key, value) in [("type", "letters"), ("from", "2023-02-30"), ("sort", "sha")] {
                let bad = try await browser.get(records.path(query: [(key, value)]))
                #expect(bad.status == .badRequest && bad.text.contains("参数 \(key)"))
            }
        }
    }
}
