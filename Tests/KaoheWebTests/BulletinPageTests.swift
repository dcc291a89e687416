import Foundation
import Hummingbird
import HummingbirdTesting
import KaoheStorage
import Testing

@testable import KaoheApplication
@testable import KaoheWeb

@Suite("Monthly bulletin pages, print, XLSX, chart and API")
struct BulletinPageTests {
    @Test("An organizer drafts and publishes through the pages; numbers follow 1, 2; print, XLSX and the API answer")
    func publishThroughPages() async throws {
        let w = try await BulletinWorld.make()
        let a = w.a
        try await w.f.test { client in
            let browser = Browser(client)
            try await browser.login("organizer")
            let index = try await browser.get(SiteURL.bulletins(.value(a)).path)
            #expect(index.status == .ok && index.text.contains("还没有发布的通报") && index.text.contains("生成本月通报"))
            // The clock is 2023-11-14: November is the suggested month.
            #expect(index.text.contains(#"<option value="2023-11" selected>11月</option>"#))

            let query = [("period", "2023-02"), ("overdue", "1"), ("deduction", "2"), ("below", "60")]
            let draft = try await browser.get(SiteURL.bulletinDraft(.value(a)).path(query: query))
            #expect(draft.status == .ok && draft.text.contains("草稿") && draft.text.contains("发布第1期"))
            #expect(draft.text.contains("<h1>2023年第1期（2023年2月）</h1>"))
            #expect(draft.text.contains("case:b2") && draft.text.contains("<td class=\"num\"><b>95</b>"))
            let publish = try await browser.post(SiteURL.bulletins(.value(a)).path, query)
            #expect(publish.status == .seeOther)
            #expect(publish.headers[.location] == SiteURL.bulletin(.value(a), .value(1)).path + "?done=published")
            let page = try await browser.get(try #require(publish.headers[.location]))
            #expect(page.status == .ok && page.text.contains("“2023年第1期（2023年2月）”已发布"))
            #expect(!page.text.contains("发布第"))

            let march = [("period", "2023-03")]
            let second = try await browser.post(SiteURL.bulletins(.value(a)).path, march)
            #expect(second.headers[.location]?.hasPrefix(SiteURL.bulletin(.value(a), .value(2)).path) == true)
            let marchPage = try await browser.get(SiteURL.bulletin(.value(a), .value(2)).path)
            // A rose from 2nd to 1st, B fell from 1st to 2nd, C stayed 3rd.
            #expect(marchPage.text.contains(#"<span class="up" title="上升1位">▲1</span>"#))
            #expect(marchPage.text.contains(#"<span class="down" title="下降1位">▼1</span>"#))
            #expect(marchPage.text.contains(#"<span class="same" title="持平">—</span>"#))
            #expect(marchPage.text.contains("排名变化与“2023年第1期（2023年2月）”相比"))

            let bad = try await browser.get(SiteURL.bulletinDraft(.value(a)).path(query: [("period", "2023-13")]))
            #expect(bad.status == .badRequest && bad.text.contains("通报期间“2023-13”无效"))
            let refused = try await browser.post(SiteURL.bulletins(.value(a)).path, [("period", "2022-05")])
            #expect(refused.status == .badRequest && refused.text.contains("不在考核年度（2023年）内"))
            #expect(try await w.f.store.bulletins(assessment: a).count == 2)

            let print = try await browser.get(SiteURL.bulletinPrint(.value(a), .value(2)).path)
            #expect(print.status == .ok && print.headers[.contentType] == "text/html; charset=utf-8")
            #expect(
                print.text.contains(#"<article class="bulletin-print">"#) && print.text.contains("2023年第2期（2023年3月）"))
            #expect(!print.text.contains("<nav>"))
            let draftPrint = try await browser.get(SiteURL.bulletinDraftPrint(.value(a)).path(query: march))
            #expect(draftPrint.status == .ok && draftPrint.text.contains("草稿，尚未发布"))
            let css = try await browser.get(SiteURL.stylesheet.path)
            #expect(css.text.contains("@page bulletin { size: A4 landscape;"))

            for url in [SiteURL.bulletinXLSX(.value(a), .value(2)), .bulletinDraftXLSX(.value(a))] {
                let xlsx = try await browser.get(url.path(query: url.path.hasSuffix("draft.xlsx") ? march : []))
                #expect(
                    xlsx.status == .ok
                        && xlsx.headers[.contentType]
                            == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    "\(url.path)")
                #expect(Array(xlsx.body.readableBytesView.prefix(2)) == [0x50, 0x4B])
                #expect(xlsx.headers[.contentDisposition]?.contains("filename*=UTF-8''") == true)
            }

            // The chart: the two published months and November as computed now, one line per unit.
            let chart = try await browser.get(SiteURL.bulletinTrend(.value(a)).path)
            #expect(chart.status == .ok && chart.headers[.contentType] == "image/svg+xml; charset=utf-8")
            #expect(chart.text.components(separatedBy: "<circle class=\"point\"").count - 1 == 9)
            #expect(chart.text.components(separatedBy: "<polyline").count - 1 == 3)
            #expect(chart.text.contains("11月（当前）") && chart.text.contains(#"data-category="2" data-value="96""#))

            let api = try await APIClient.login(client, "organizer")
            let list = try #require(try await api.call(.get, .api(.bulletins(.value(a)))).json() as? [[String: Any]])
            #expect(list.map { $0["number"] as? Int } == [1, 2])
            #expect(list.map { $0["period"] as? String } == ["2023-02", "2023-03"])
            let one = try await api.call(.get, .api(.bulletin(.value(a), .value(2))))
            let stored = try await w.f.store.bulletins(assessment: a)
            #expect(one.status == .ok && one.text == stored[1].body)
            #expect(try await api.call(.get, .api(.bulletin(.value(a), .value(3)))).status == .notFound)
            let zero = try await client.executeRequest(
                uri: SiteURL.api(.bulletins(.value(a))).path + "/0", method: .get,
                headers: [.authorization: "Bearer \(api.token!)"], body: nil)
            #expect(zero.status == .badRequest)
        }
    }

    @Test("A unit's reporter sees the ranking of all and the details of their own unit only; leaders see all")
    func reporterView() async throws {
        let w = try await BulletinWorld.make()
        let a = w.a
        _ = try await w.publish("2023-03")
        try await w.f.test { client in
            let reporter = Browser(client)
            try await reporter.login("reporter")
            let page = try await reporter.get(SiteURL.bulletin(.value(a), .value(1)).path)
            #expect(page.status == .ok)
            // Every unit's rank and score …
            for (code, total) in [("A01", "96"), ("B01", "93"), ("C01", "91")] {
                #expect(page.text.contains(#"<tr data-unit="\#(code)""#))
                #expect(page.text.contains("<b>\(total)</b>"))
            }
            // … unit A's figures and flags, none of B's or C's.
            #expect(page.text.contains(#"<tr data-unit="A01" class="shown">"#))
            #expect(page.text.contains("13 权力事项网上运行扣4分"))
            #expect(page.text.components(separatedBy: "明细不公开").count - 1 == 2)
            #expect(!page.text.contains("case:b2") && !page.text.contains("case:c3") && !page.text.contains("全过程监控扣3分"))
            let print = try await reporter.get(SiteURL.bulletinPrint(.value(a), .value(1)).path)
            #expect(print.status == .ok && !print.text.contains("case:b2") && print.text.contains("明细不公开"))
            // No drafts and no publishing for reporters and leaders.
            let draft = try await reporter.get(SiteURL.bulletinDraft(.value(a)).path)
            #expect(draft.status == .forbidden && draft.text.contains("无权操作"))
            let index = try await reporter.get(SiteURL.bulletins(.value(a)).path)
            #expect(index.status == .ok && index.text.contains("2023年第1期（2023年3月）") && !index.text.contains("生成本月通报"))

            let api = try await APIClient.login(client, "reporter")
            let json = try #require(
                try await api.call(.get, .api(.bulletin(.value(a), .value(1)))).json() as? [String: Any])
            let units = try #require(json["units"] as? [[String: Any]])
            #expect(units.map { $0["total"] as? String } == ["96", "93", "91"])
            #expect(units.map { $0["detailsHidden"] as? Bool } == [false, true, true])
            #expect(units.map { ($0["figures"] as? [Any])?.isEmpty } == [false, true, true])
            #expect(units.map { ($0["flags"] as? [Any])?.isEmpty } == [false, true, true])

            let leader = Browser(client)
            try await leader.login("leader")
            let seen = try await leader.get(SiteURL.bulletin(.value(a), .value(1)).path)
            #expect(seen.status == .ok && seen.text.contains("case:b2") && !seen.text.contains("明细不公开"))
            #expect(try await leader.get(SiteURL.bulletinDraft(.value(a)).path).status == .forbidden)
            #expect(
                try await leader.post(SiteURL.bulletins(.value(a)).path, [("period", "2023-04")]).status == .forbidden)
            // The leader's chart has the published month only (no month computed now).
            let chart = try await leader.get(SiteURL.bulletinTrend(.value(a)).path)
            #expect(chart.text.components(separatedBy: "<circle class=\"point\"").count - 1 == 3)
            #expect(!chart.text.contains("（当前）"))
            #expect(try await w.f.store.bulletins(assessment: a).count == 1)
        }
    }
}
