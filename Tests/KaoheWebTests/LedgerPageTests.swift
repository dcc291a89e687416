import Foundation
import Hummingbird
import HummingbirdTesting
import KaoheExport
import KaoheStorage
import Testing

@testable import KaoheApplication
@testable import KaoheWeb

@Suite("Ledger and spot-check pages (in process)")
struct LedgerPageTests {
    @Test("The scoring page cites the judged ledger items beside the penalty fact and links items to the ledger")
    func scoringPageCitesLedger() async throws {
        let world = try await LedgerWorld.make()
        let item = try await world.open(world.f.unitA, problem: "平台栏目长期空白")
        _ = try await world.step(item, "judge", "书面通知后仍未整改", by: world.organizer, verdict: "refused", points: "2")
        try await world.f.test { client in
            let browser = Browser(client)
            try await browser.login("organizer")
            let page = try await browser.get(SiteURL.unitScoring(.value(world.a), .value(world.f.unitA.id)).path)
            #expect(page.status == .ok)
            let section = try #require(page.text.range(of: "id=\"item-penalty\"").map { page.text[$0.lowerBound...] })
            #expect(section.contains("整改台账第1号") && section.contains("拒不整改") && section.contains("由整改台账认定"))
            #expect(section.contains(SiteURL.ledgerItem(.value(world.a), .value(item.id)).path))
            // The ledger page: the item, its state and the verdict; a filter for another state hides it.
            let ledger = try await browser.get(SiteURL.ledger(.value(world.a)).path)
            #expect(ledger.status == .ok && ledger.text.contains("平台栏目长期空白") && ledger.text.contains("拒不整改（2分）"))
            let closed = try await browser.get(SiteURL.ledger(.value(world.a)).path(query: [("state", "closed")]))
            #expect(closed.status == .ok && !closed.text.contains("平台栏目长期空白"))
            let badFilter = try await browser.get(SiteURL.ledger(.value(world.a)).path(query: [("state", "done")]))
            #expect(badFilter.status == .badRequest && badFilter.text.contains("整改状态“done”无效"))
            let xlsx = try await browser.get(SiteURL.ledgerXLSX(.value(world.a)).path)
            #expect(xlsx.status == .ok && xlsx.headers[.contentType] == HTTPDownload.xlsxContentType)
            // An illegal step through the form: 409 with the reason, the item unchanged.
            let refused = try await browser.post(
                SiteURL.ledgerStep(.value(world.a), .value(item.id)).path, [("action", "verify")])
            #expect(refused.status == .conflict || refused.status == .badRequest)
            #expect(refused.text.contains("不能“核验销号”"), "\(refused.text.prefix(300))")
            #expect(try await world.f.store.rectificationItem(item.id)?.state == .pending)
        }
    }

    @Test("Publishing and drawing through the pages; a second draw is refused with the reason")
    func drawThroughPages() async throws {
        let world = try await LedgerWorld.make()
        try await world.f.test { client in
            let browser = Browser(client)
            try await browser.login("organizer")
            try await browser.get(SiteURL.spotChecks(.value(world.a)).path)
            let published = try await browser.post(
                SiteURL.spotChecks(.value(world.a)).path,
                [
                    ("title", "实地抽查"), ("population", "units"), ("count", "1"),
                    ("inspector", world.evaluator.id.rawValue),
                ])
            #expect(published.status == .seeOther)
            let plan = try #require(try await world.f.store.spotCheckPlans(assessment: world.a).first)
            let notice = try await browser.get(SiteURL.spotCheck(.value(world.a), .value(plan.id)).path)
            #expect(notice.text.contains(plan.seedHash) && notice.text.contains("抽取时公开"))
            let drawn = try await browser.post(SiteURL.spotCheckDraw(.value(world.a), .value(plan.id)).path, [])
            #expect(drawn.status == .seeOther)
            let seed = try #require(try await world.f.store.spotCheckPlan(plan.id)?.draw?.seed)
            let page = try await browser.get(SiteURL.spotCheck(.value(world.a), .value(plan.id)).path)
            #expect(page.text.contains(seed))
            let again = try await browser.post(SiteURL.spotCheckDraw(.value(world.a), .value(plan.id)).path, [])
            #expect(again.status == .badRequest || again.status == .conflict)
            #expect(again.text.contains("不能重抽"))
            #expect(try await world.f.store.spotCheckPlan(plan.id)?.draw?.seed == seed)
            let print = try await browser.get(SiteURL.spotCheckPrint(.value(world.a), .value(plan.id)).path)
            #expect(print.status == .ok && print.text.contains("抽查计划公告") && print.text.contains(seed))
            // Bad input names the field and publishes nothing.
            let bad = try await browser.post(
                SiteURL.spotChecks(.value(world.a)).path, [("title", "坏计划"), ("population", "units"), ("ratio", "150")])
            #expect(bad.status == .badRequest && bad.text.contains("抽取比例"))
            #expect(try await world.f.store.spotCheckPlans(assessment: world.a).count == 1)
        }
    }
}
