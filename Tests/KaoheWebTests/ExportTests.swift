import Foundation
import Hummingbird
import HummingbirdTesting
import KaoheStorage
import Testing

@testable import KaoheApplication
@testable import KaoheWeb

@Suite("Exports: score sheet titles, the XLSX download's page setup and properties")
struct ExportTests {
    static let xinbeiTitle = "新北区“三合一”阳光政务平台考核评分表"
    static let pingqiaoSheet = "平桥区“互联网+监管”工作绩效考核办法（试行）评分表"

    @Test("评分表 is added to a scheme title once: not to xinbei's, which already ends so; to pingqiao's")
    func sheetTitleRule() {
        #expect(Views.scoreSheetTitle(Self.xinbeiTitle) == Self.xinbeiTitle)
        #expect(Views.scoreSheetTitle("平桥区“互联网+监管”工作绩效考核办法（试行）") == Self.pingqiaoSheet)
        #expect(Views.scoreSheetTitle("双鸭山市2017年“互联网+政务服务”工作考核细则 ") == "双鸭山市2017年“互联网+政务服务”工作考核细则评分表")
    }

    @Test("The unit's score sheet and the scheme page: xinbei reads …考核评分表, pingqiao …（试行）评分表, once each")
    func sheetPages() async throws {
        let f = try await openFixture()  // an xinbei-sanheyi assessment, units A and B open
        let pingqiao = Assessment(organizationID: f.org.id, schemeID: "pingqiao-2022", year: 2022, title: "平桥考核")
        try await f.store.createAssessment(pingqiao, by: .system)
        try await f.store.enrol([f.unitA.id], in: pingqiao.id, by: .system)
        _ = try await f.store.transition(pingqiao.id, to: .open, by: .system)
        try await f.test { client in
            let browser = Browser(client)
            try await browser.login("organizer")
            for (assessment, title) in [(f.a, Self.xinbeiTitle), (pingqiao.id, Self.pingqiaoSheet)] {
                let sheet = try await browser.get(SiteURL.unitSheet(.value(assessment), .value(f.unitA.id)).path)
                #expect(sheet.status == .ok)
                #expect(sheet.text.contains("<h1>\(title)</h1>"), "\(sheet.text.prefix(600))")
                #expect(sheet.text.contains("<title>\(title) · 考核平台</title>"))
                #expect(sheet.text.components(separatedBy: "评分表").count - 1 == 2, "title and h1 only")
            }
            for (scheme, title) in [("xinbei-sanheyi", Self.xinbeiTitle), ("pingqiao-2022", Self.pingqiaoSheet)] {
                let page = try await browser.get(SiteURL.scheme(.value(scheme)).path)
                #expect(page.status == .ok)
                #expect(page.text.contains("<caption>\(title)</caption>"), "\(scheme)")
                #expect(!page.text.contains("评分表评分表") && !page.text.contains("评分表 评分表"), "\(scheme)")
            }
        }
    }

    @Test("The results XLSX prints landscape, fit to width, with its header rows as print titles, and names itself")
    func resultsWorkbook() async throws {
        let f = try await openFixture()
        #expect(f.clock.now == Date(timeIntervalSince1970: 1_700_000_000))  // 2023-11-14 22:13:20 UTC
        try await f.test { client in
            let browser = Browser(client)
            try await browser.login("leader")
            let xlsx = try await browser.get(SiteURL.resultsXLSX(.value(f.a)).path)
            #expect(xlsx.status == .ok)
            // Entries are stored, not deflated: the parts' XML is in the bytes as written.
            let bytes = String(decoding: xlsx.body.readableBytesView, as: UTF8.self)
            #expect(bytes.contains("<dc:title>2023年度三合一平台考核 考核结果</dc:title>"))
            #expect(bytes.contains("<dc:creator>Kaohe 考核</dc:creator>"))
            #expect(
                bytes.contains(#"<dcterms:created xsi:type="dcterms:W3CDTF">2023-11-14T22:13:20Z</dcterms:created>"#))
            #expect(
                bytes.contains(#"<dcterms:modified xsi:type="dcterms:W3CDTF">2023-11-14T22:13:20Z</dcterms:modified>"#))
            #expect(
                bytes.contains(
                    #"<definedName name="_xlnm.Print_Titles" localSheetId="0">&apos;考核结果&apos;!$1:$1</definedName>"#))
            #expect(
                bytes.contains(
                    #"<definedName name="_xlnm.Print_Titles" localSheetId="1">&apos;评分明细&apos;!$1:$1</definedName>"#))
            #expect(
                bytes.components(separatedBy: #"orientation="landscape" fitToWidth="1" fitToHeight="0""#).count - 1 == 2
            )
        }
    }
}
