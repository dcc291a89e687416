import ArgumentParser
import Foundation
import Hummingbird
import HummingbirdTesting
import KaoheEngine
import KaoheFormats
import KaoheStorage
import KaoheStorageSQL
import Testing

@testable import KaoheApplication
@testable import KaoheCLI
@testable import KaoheWeb

@Suite("Demo data: kaohe demo and serve --demo")
struct DemoLoaderTests {
    @Test(
        "Loads the documents' units, five assessments (one with a closed rater round) with facts and findings, demo accounts; audited; idempotent",
        arguments: Fixture.backends)
    func loadsOnce(backend: String) async throws {
        let (location, schema) = try await Fixture.freshLocation(backend)
        let store = try SQLStore(location: location, postgresSchema: schema)
        try await store.migrate()
        let deps = AppDependencies(store: store, bcryptCost: 4)
        do {
            let loader = DemoLoader(deps)
            #expect(try await !loader.isLoaded())
            let summary = try #require(try await loader.load())
            #expect(summary.organizations == 4 && summary.assessments == 5)
            #expect(summary.units == 26 + 8 + 42 + 3 + 6 + 5)

            let orgNames = try await store.organizations().map(\.name)
            #expect(orgNames.contains("平桥区政务服务和大数据管理局") && orgNames.contains("双鸭山市人民政府办公室"))
            let pingqiao = try await store.units(in: OrganizationID("demo-org-pingqiao"))
            #expect(pingqiao.count == 26 && pingqiao.allSatisfy { $0.type == .districtDepartment })
            #expect(pingqiao.contains { $0.name == "区委宣传部" } && pingqiao.contains { $0.name == "区档案局" })
            let shuangyashan = try await store.units(in: OrganizationID("demo-org-shuangyashan"))
            #expect(shuangyashan.filter { $0.type == .county }.count == 8)
            #expect(shuangyashan.filter { $0.type == .municipalDepartment }.count == 42)
            #expect(
                shuangyashan.filter { $0.type == .provincialUnit }.map(\.name).sorted()
                    == ["市国税局", "市地税局", "市社保局"].sorted())

            let assessments = try await store.assessments()
            let states = Dictionary(uniqueKeysWithValues: assessments.map { ($0.schemeID, $0.state) })
            #expect(states["pingqiao-2022"] == .scoring)
            #expect(states["shuangyashan-2017"] == .publicity)
            #expect(states["changbai-2020-fangguanfu"] != nil && states["xinbei-sanheyi"] != nil)
            let pq = try #require(assessments.first { $0.schemeID == "pingqiao-2022" })
            #expect(try await store.enrolments(of: pq.id).count == 26)

            // A year of platform records: Xinbei's and Pingqiao's facts are derived from them, with late and
            // overdue work behind some deductions.
            #expect(summary.platformRecords > 40_000)
            let xinbeiRecords = try await store.recordCounts(organization: OrganizationID("demo-org-xinbei"))
            #expect(xinbeiRecords["case"].map { $0 > 5 * 2000 } == true && xinbeiRecords["consultation"] != nil)
            let xb = try #require(assessments.first { $0.schemeID == "xinbei-sanheyi" })
            let derived = try #require(try await Operations(deps).derivations(of: xb))
            let counts = try #require(derived.facts(of: "xb05"))
            #expect(counts.fact("13", "offline_cases").map { $0.rows.count > 0 } == true)
            let late = (derived.result.units.compactMap { $0.fact("23", "over_legal")?.rows.count }).reduce(0, +)
            #expect(late > 0)
            let pingqiaoDerived = try #require(try await Operations(deps).derivations(of: pq))
            #expect(pingqiaoDerived.facts(of: "pq01")?.fact("2.1", "coverage") != nil)
            let sys = try #require(assessments.first { $0.schemeID == "shuangyashan-2017" })
            #expect(try await store.enrolments(of: sys.id).count == 53)

            // January's and February's bulletins are published where facts come from records, numbered in order.
            #expect(summary.bulletins == 4)
            for assessment in [xb, pq] {
                let bulletins = try await store.bulletins(assessment: assessment.id).sorted { $0.number < $1.number }
                #expect(bulletins.map(\.number) == [1, 2])
                #expect(bulletins.map(\.period) == ["\(assessment.year)-01", "\(assessment.year)-02"])
            }
            #expect(try await store.bulletins(assessment: sys.id).isEmpty)

            // Every enrolled unit's facts decode against the scheme as one complete unit: nothing pending.
            var stored = 0
            for assessment in assessments {
                let scheme = try #require(try BuiltInSchemes.load(assessment.schemeID))
                for enrolment in try await store.enrolments(of: assessment.id) {
                    let records = try await store.facts(assessment: assessment.id, unit: enrolment.unitID)
                    #expect(!records.isEmpty, "\(assessment.schemeID) \(enrolment.unitID) has no facts")
                    stored += records.count
                    let body = records.map { "\"\($0.itemID)\":\($0.json)" }.joined(separator: ",")
                    let node = try JSONParser.parse(#"{"id":"\#(enrolment.unitID)","facts":{\#(body)}}"#)
                    let input = try FactsDocument.decodeUnit(node, scheme: scheme)
                    let filled = input.facts.values.compactMap { $0 }.count
                    #expect(
                        filled > scheme.slots.count / 2, "\(assessment.schemeID): \(filled) of \(scheme.slots.count)")
                    #expect(records.allSatisfy { $0.version == 1 && $0.updatedBy == nil })
                }
            }
            #expect(stored == summary.factRecords && stored > 26 * 10)

            var findings = 0
            for assessment in assessments {
                for enrolment in try await store.enrolments(of: assessment.id) {
                    findings += try await store.findings(assessment: assessment.id, unit: enrolment.unitID, item: nil)
                        .count
                }
            }
            #expect(findings == summary.findings && findings > 0)

            // Pingqiao: a drawn spot check with its results published, and a ledger with items in every state,
            // some overdue, two opened from the spot check's problems.
            let plans = try await store.spotCheckPlans(assessment: pq.id)
            #expect(plans.count == 1 && plans[0].state == .resultsPublished && plans[0].draw?.assignments.count == 4)
            #expect(try await store.spotCheckResults(plan: plans[0].id).filter { !$0.passed }.count == 2)
            let ledger = try await store.rectificationItems(assessment: pq.id, unit: nil)
            #expect(ledger.count == summary.ledgerItems && summary.ledgerItems == 8)
            #expect(Set(ledger.map(\.state)) == Set(RectificationState.allCases))
            let today = try #require(Day(iso: "2026-01-01"))
            #expect(ledger.filter { $0.isOverdue(on: today) }.count >= 3)
            #expect(ledger.filter { $0.source == .spotCheck && $0.findingID != nil }.count == 2)
            // The demo accounts' inboxes, filled by the same triggers as in use: the reporter has the returned item
            // and the rectification item of its unit (opened, overdue); the inspectors their spot-check plan.
            let demoReporter = try #require(try await store.user(username: "demo-reporter"))
            let inbox = try await store.notifications(of: demoReporter.id, limit: 100)
            #expect(inbox.contains { $0.kind == .itemReturned && $0.title.contains("2.1") })
            #expect(inbox.contains { $0.kind == .rectification && $0.title.contains("已逾期") })
            #expect(inbox.allSatisfy { $0.link.hasPrefix("/assessments/") && $0.readAt == nil })
            let evaluatorUser = try #require(try await store.user(username: "demo-evaluator"))
            #expect(
                try await store.notifications(of: evaluatorUser.id, limit: 100).contains {
                    $0.kind == .spotCheckAssigned
                })
            // The 营商环境 assessment's rater round is closed: 8 leaders, 6 departments, 1,000 public sheets,
            // and item 3 is scored from them for every unit, its explanation showing the ballots.
            #expect(summary.raterBallots == 8 + 6 + 1000)
            let ys = try #require(assessments.first { $0.schemeID == "changbai-2020-yingshang" })
            let round = try #require(try await store.raterRound(DemoLoader.raterRoundID))
            #expect(round.status(at: Date()) == .closed)
            let scores = try await Operations(deps).scores(of: ys)
            #expect(scores.rows.count == 6)
            let explainer = Explainer(scheme: scores.scheme)
            for row in scores.rows {
                let item = try #require(row.result.items.first { $0.itemID == "3" })
                #expect(item.state == .scored && item.score > 15 && item.score <= 25)
                let text = explainer.explain(item, facts: row.input.facts)
                #expect(text.contains("（8票）") && text.contains("（1,000票）") && text.contains("去掉最高最低"), "\(text)")
            }

            // Accounts: one per role, the reporter bound to 区委宣传部, the evaluator assigned on Pingqiao.
            let reporter = try #require(try await store.user(username: "demo-reporter"))
            #expect(reporter.roles == [.reporter] && reporter.unitID == DemoLoader.unitID("pq01"))
            let evaluator = try #require(try await store.user(username: "demo-evaluator"))
            #expect(try await store.assignments(of: pq.id).filter { $0.userID == evaluator.id }.count == 5)
            #expect(try await store.user(username: "demo-organizer")?.roles == [.organizer])
            #expect(try await store.user(username: "demo-leader")?.roles == [.leader])

            // Each demo role's start page says at once what waits: the organizer the submissions to review, overdue
            // rectifications, due bulletins and the open objection; the evaluator its units; the reporter its
            // returned item and ledger item; the leader the published results and bulletins.
            let operations = Operations(deps)
            let organizer = try await operations.dashboard(
                for: try #require(try await store.user(username: "demo-organizer")))
            let pqCard = try #require(organizer.organizer.first { $0.assessment.id == pq.id })
            #expect(pqCard.workload.awaitingReview.count > 0 && pqCard.workload.overdueRectifications >= 3)
            #expect(pqCard.bulletinDue?.text == "2022-12" && pqCard.workload.latestBulletin?.number == 2)
            #expect(organizer.organizer.first { $0.assessment.id == sys.id }?.workload.openObjections == 1)
            let evaluatorCards = try await operations.dashboard(for: evaluator).evaluator
            #expect(evaluatorCards.first { $0.assessment.id == pq.id }?.units == 5)
            let reporterCard = try #require(try await operations.dashboard(for: reporter).reporter?.cards.first)
            #expect(reporterCard.returned.map(\.itemID) == ["2.1"] && !reporterCard.rectifications.isEmpty)
            let leader = try await operations.dashboard(
                for: try #require(try await store.user(username: "demo-leader")))
            #expect(leader.leader.contains { $0.publication != nil } && leader.leader.contains { $0.bulletin != nil })

            // Audited, and the chain holds.
            let audit = try await store.auditLog(entityPrefix: nil, limit: 100_000)
            #expect(audit.contains { $0.actorName == "演示数据" && $0.entity.hasPrefix("facts") })
            #expect(audit.contains { $0.actorName == "演示数据" && $0.entity.hasPrefix("finding") })
            let verification = try await store.verifyAudit()
            #expect(verification == .intact(entries: audit.count))

            // A second run changes nothing.
            #expect(try await loader.isLoaded())
            #expect(try await loader.load() == nil)
            #expect(try await store.auditLog(entityPrefix: nil, limit: 100_000).count == audit.count)
        } catch {
            await store.shutdown()
            throw error
        }
        await store.shutdown()
    }

    @Test("Demo accounts log in with the documented password; the reporter sees only their unit")
    func demoLogins() async throws {
        let (location, schema) = try await Fixture.freshLocation("sqlite")
        let store = try SQLStore(location: location, postgresSchema: schema)
        try await store.migrate()
        let deps = AppDependencies(store: store, bcryptCost: 4)
        _ = try await DemoLoader(deps).load()
        let app = Application(router: buildRouter(deps))
        do {
            try await app.test(.router) { client in
                for account in DemoLoader.accounts {
                    let browser = Browser(client)
                    let response = try await browser.login(account.username, password: DemoLoader.password)
                    #expect(response.status == .seeOther, "\(account.username): \(response.status)")
                    #expect(try await browser.get(SiteURL.assessments.path).status == .ok)
                }
                let reporter = Browser(client)
                try await reporter.login("demo-reporter", password: DemoLoader.password)
                let units = try await reporter.get(SiteURL.units.path).text
                #expect(units.contains("区委宣传部") && !units.contains("区档案局") && !units.contains("尖山区"))
                let wrong = Browser(client)
                #expect(try await wrong.login("demo-organizer", password: "not-the-demo-pw").status != .seeOther)
            }
        } catch {
            await store.shutdown()
            throw error
        }
        await store.shutdown()
    }

    @Test("kaohe demo loads into the data directory once; a second run leaves it as it is")
    func demoCommand() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kaohe-demo-\(UUID().uuidString)").path
        let first = try #require(try KaoheCommand.parseAsRoot(["demo", "--data-dir", dir]) as? DemoCommand)
        try await first.run()
        let path = dir + "/kaohe.sqlite"
        var store = try SQLStore(location: .sqlite(path: path))
        let count = try await store.auditLog(entityPrefix: nil, limit: 100_000).count
        #expect(try await store.assessments().count == 5)
        #expect(try await store.user(username: "admin") != nil)  // first start: the administrator too
        await store.shutdown()
        let second = try #require(try KaoheCommand.parseAsRoot(["demo", "--data-dir", dir]) as? DemoCommand)
        try await second.run()
        store = try SQLStore(location: .sqlite(path: path))
        #expect(try await store.auditLog(entityPrefix: nil, limit: 100_000).count == count)
        await store.shutdown()
        let serve = try #require(try KaoheCommand.parseAsRoot(["serve", "--demo", "--data-dir", dir]) as? ServeCommand)
        #expect(serve.demo)
    }
}
