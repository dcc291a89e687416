import Foundation
import Hummingbird
import HummingbirdTesting
import KaoheEngine
import KaoheFormats
import KaoheStorage
import KaoheTestSupport
import Testing

@testable import KaoheApplication
@testable import KaoheWeb

/// The fixture's assessment opened for facts, with unit B enrolled too.
func openFixture() async throws -> Fixture {
    let fixture = try await Fixture.make()
    try await fixture.store.enrol([fixture.unitB.id], in: fixture.assessment.id, by: .system)
    _ = try await fixture.store.transition(fixture.assessment.id, to: .open, by: .system)
    return fixture
}

extension Fixture {
    var a: AssessmentID { assessment.id }
    func scoringPath(_ unit: AssessedUnit) -> String { SiteURL.unitScoring(.value(a), .value(unit.id)).path }
    func itemPath(_ unit: AssessedUnit, _ item: String) -> String {
        SiteURL.itemForm(.value(a), .value(unit.id), .value(item)).path
    }
    func stored(_ unit: AssessedUnit, _ item: String) async throws -> FactsRecord? {
        try await store.facts(assessment: a, unit: unit.id, item: item)
    }
}

/// A complete facts document for units A01 and B01 of `xinbei-sanheyi` (names as in the fixture).
let xinbeiDocument = """
    {
      "scheme": "xinbei-sanheyi",
      "units": [
        {"id": "A01", "name": "尖山区", "facts": {
          "3": {"late": 2, "missing": 1}, "13": {"offline_cases": 4}, "22": {"checks": 12},
          "24": {"supervision_rate": 0.95, "feedback_rate": 1},
          "21": {"consultations": [{"received": "2023-03-01", "replied": "2023-03-02"}]},
          "bonus": {"innovation": 1.5}
        }},
        {"id": "B01", "name": "岭东区", "facts": {
          "22": {"checks": 10}, "24": {"supervision_rate": 0.8, "feedback_rate": 0.75}, "penalty": {"penalty": 2}
        }}
      ]
    }
    """

@Suite("Scoring pages, facts import and results")
struct ScoringTests {
    @Test("The scoring page has one form per item, built from the fact types")
    func scoringPage() async throws {
        let f = try await openFixture()
        try await f.test { client in
            let browser = Browser(client)
            try await browser.login("admin")
            let page = try await browser.get(f.scoringPath(f.unitA))
            #expect(page.status == .ok)
            let html = page.text
            // 31 items of the scheme, each with its own form.
            #expect(html.components(separatedBy: "class=\"card facts\"").count - 1 == 31)
            #expect(html.contains(#"name="f.no_first_responsible" value="true""#))  // bool → 是/否
            #expect(html.contains(#"type="number" min="0" step="1" name="f.late""#))  // count
            #expect(
                html.contains(#"name="f.supervision_rate.num""#) && html.contains(#"name="f.supervision_rate.pct""#))
            #expect(html.contains(#"type="date" name="f.consultations.received""#))  // dates rows
            #expect(html.contains("待评"))
        }
    }

    @Test("Every built-in scheme renders its scoring page")
    func everyScheme() async throws {
        let f = try await Fixture.make()
        let township = AssessedUnit(organizationID: f.org.id, code: "T01", name: "马鹿沟镇", type: .township)
        try await f.store.createUnits([township], by: .system)
        var ids: [AssessmentID] = []
        for scheme in BuiltInSchemes.ids {
            let assessment = Assessment(organizationID: f.org.id, schemeID: scheme, year: 2023, title: scheme)
            try await f.store.createAssessment(assessment, by: .system)
            try await f.store.enrol([f.unitA.id, township.id], in: assessment.id, by: .system)
            _ = try await f.store.transition(assessment.id, to: .open, by: .system)
            ids.append(assessment.id)
        }
        let assessments = ids
        try await f.test { client in
            let browser = Browser(client)
            try await browser.login("organizer")
            for (scheme, id) in zip(BuiltInSchemes.ids, assessments) {
                let unit = scheme == "changbai-2020-xinyong" ? township : f.unitA
                let page = try await browser.get(SiteURL.unitScoring(.value(id), .value(unit.id)).path)
                #expect(page.status == .ok, "\(scheme): \(page.status) \(page.text.prefix(300))")
                let loaded = try #require(try BuiltInSchemes.load(scheme))
                let unitType = ScoringRules.schemeUnitType(for: unit, in: loaded)
                let forms = ScoreGroup.all(in: loaded, unitType: unitType).count
                #expect(page.text.components(separatedBy: "class=\"card facts\"").count - 1 == forms, "\(scheme)")
                let results = try await browser.get(SiteURL.results(.value(id)).path)
                #expect(results.status == .ok, "\(scheme) results: \(results.status)")
            }
        }
    }

    @Test("Saving an item stores checked JSON and shows its score and explanation at once")
    func saveItem() async throws {
        let f = try await openFixture()
        try await f.test { client in
            let browser = Browser(client)
            try await browser.login("organizer")
            try await browser.get(f.scoringPath(f.unitA))
            let saved = try await browser.post(
                f.itemPath(f.unitA, "3"), [("version", "0"), ("f.late", "2"), ("f.missing", "1"), ("reason", "核查")])
            #expect(saved.status == .seeOther)
            #expect(saved.headers[.location]?.hasSuffix("#item-3") == true)
            #expect(try await f.stored(f.unitA, "3")?.json == #"{"late":2,"missing":1}"#)
            let page = try await browser.get(f.scoringPath(f.unitA) + "?done=saved").text
            #expect(page.contains("已保存"))
            #expect(page.contains("得分 0 / 3分"))
            #expect(page.contains("材料报送不及时2次"))
            // A rate as numerator / denominator; dates as rows.
            #expect(
                try await browser.post(
                    f.itemPath(f.unitA, "24"),
                    [
                        ("version", "0"), ("f.supervision_rate.num", "19"), ("f.supervision_rate.den", "20"),
                        ("f.feedback_rate.pct", "100"),
                    ]
                ).status == .seeOther)
            #expect(try await f.stored(f.unitA, "24")?.json == #"{"supervision_rate":0.95,"feedback_rate":1}"#)
            #expect(
                try await browser.post(
                    f.itemPath(f.unitA, "21"),
                    [
                        ("version", "0"), ("f.consultations.received", "2023-03-01"),
                        ("f.consultations.replied", "2023-03-03"), ("f.consultations.received", ""),
                        ("f.consultations.replied", ""),
                    ]
                ).status == .seeOther)
            #expect(
                try await f.stored(f.unitA, "21")?.json
                    == #"{"consultations":[{"received":"2023-03-01","replied":"2023-03-03"}]}"#)
            let audit = try await f.store.auditLog(entityPrefix: "facts:\(f.a)/\(f.unitA.id)/3", limit: 10)
            #expect(audit.last?.reason == "核查")
        }
    }

    @Test("A wrong value names the item and the fact; nothing saved, nothing typed lost")
    func invalidValue() async throws {
        let f = try await openFixture()
        try await f.test { client in
            let browser = Browser(client)
            try await browser.login("admin")
            try await browser.get(f.scoringPath(f.unitA))
            #expect(
                try await browser.post(f.itemPath(f.unitA, "3"), [("version", "0"), ("f.late", "1")]).status
                    == .seeOther)
            let bad = try await browser.post(
                f.itemPath(f.unitA, "3"), [("version", "1"), ("f.late", "-1"), ("f.missing", "7")])
            #expect(bad.status == .badRequest)
            #expect(bad.text.contains("考核项“3 材料报送” 事实“材料报送不及时（late）”"))
            #expect(bad.text.contains("不能为负数"))
            #expect(bad.text.contains(#"name="f.missing" value="7""#))  // what was typed is still there
            let rate = try await browser.post(
                f.itemPath(f.unitA, "24"), [("version", "0"), ("f.supervision_rate.pct", "120")])
            #expect(rate.status == .badRequest && rate.text.contains("督查督办"))
            #expect(try await f.stored(f.unitA, "3")?.json == #"{"late":1}"#)
            #expect(try await f.stored(f.unitA, "24") == nil)
        }
    }

    @Test("Two people saving the same item: the second gets a conflict showing the first's values")
    func conflict() async throws {
        let f = try await openFixture()
        try await f.test { client in
            let first = Browser(client), second = Browser(client)
            try await first.login("admin")
            try await second.login("organizer")
            try await first.get(f.scoringPath(f.unitA))
            try await second.get(f.scoringPath(f.unitA))
            #expect(
                try await first.post(f.itemPath(f.unitA, "3"), [("version", "0"), ("f.late", "5")]).status == .seeOther)
            let lost = try await second.post(f.itemPath(f.unitA, "3"), [("version", "0"), ("f.late", "1")])
            #expect(lost.status == .conflict)
            #expect(lost.text.contains("保存冲突"))
            #expect(lost.text.contains("系统管理员在您打开页面后保存了本项目（第1版"))
            #expect(lost.text.contains("<td>材料报送不及时</td><td>5次</td>"))  // the other person's value
            #expect(lost.text.contains(#"name="f.late" value="1""#))  // the loser's own input
            #expect(lost.text.contains(#"name="version" value="1""#))  // ready to save over, deliberately
            #expect(try await f.stored(f.unitA, "3")?.json == #"{"late":5}"#)
            #expect(
                try await second.post(f.itemPath(f.unitA, "3"), [("version", "1"), ("f.late", "1")]).status == .seeOther
            )
            #expect(try await f.stored(f.unitA, "3")?.json == #"{"late":1}"#)
        }
    }

    @Test("Findings are recorded one by one and counted into their fact")
    func findings() async throws {
        let f = try await openFixture()
        try await f.test { client in
            let browser = Browser(client)
            try await browser.login("organizer")
            try await browser.get(f.scoringPath(f.unitA))
            let url = SiteURL.unitFindings(.value(f.a), .value(f.unitA.id)).path
            for (day, note) in [("2023-02-01", "3月材料迟报"), ("2023-04-11", "5月材料迟报")] {
                let response = try await browser.post(
                    url, [("item", "3"), ("fact", "late"), ("date", day), ("note", note), ("evidence", "报送记录截图")])
                #expect(response.status == .seeOther)
            }
            #expect(try await f.stored(f.unitA, "3")?.json == #"{"late":2}"#)
            let page = try await browser.get(f.scoringPath(f.unitA)).text
            #expect(page.contains("材料报送不及时：<b>2次</b>"))
            #expect(page.contains("问题记录（2条）") && page.contains("5月材料迟报"))
            #expect(page.contains("得分 1 / 3分"))
            // A typed count cannot override the findings.
            try await browser.post(f.itemPath(f.unitA, "3"), [("version", "2"), ("f.late", "0"), ("f.missing", "1")])
            #expect(try await f.stored(f.unitA, "3")?.json == #"{"late":2,"missing":1}"#)
            let bad = try await browser.post(
                url, [("item", "3"), ("fact", "nope"), ("date", "2023-02-01"), ("note", "x")])
            #expect(bad.status == .badRequest && bad.text.contains("没有计数事实“nope”"))
            let badDate = try await browser.post(
                url, [("item", "3"), ("fact", "late"), ("date", "2023-02-30"), ("note", "x")])
            #expect(badDate.status == .badRequest)
            #expect(try await f.store.findings(assessment: f.a, unit: f.unitA.id, item: "3").count == 2)
            #expect(
                try await f.store.findings(assessment: f.a, unit: f.unitA.id, item: "3").allSatisfy {
                    $0.factName == "late"
                })
        }
    }

    @Test("Evaluators record only where assigned; reporters and leaders never; a final assessment refuses all")
    func whoMayRecord() async throws {
        let f = try await openFixture()
        try await f.store.assign(
            EvaluatorAssignment(assessmentID: f.a, userID: f.users[.evaluator]!.id, unitID: f.unitA.id, itemID: "3"),
            by: .system)
        try await f.test { client in
            let evaluator = Browser(client)
            try await evaluator.login("evaluator")
            let page = try await evaluator.get(f.scoringPath(f.unitA)).text
            #expect(page.components(separatedBy: "class=\"card facts\"").count - 1 == 1)
            #expect(
                try await evaluator.post(f.itemPath(f.unitA, "3"), [("version", "0"), ("f.late", "1")]).status
                    == .seeOther)
            let other = try await evaluator.post(
                f.itemPath(f.unitA, "4"), [("version", "0"), ("f.missed_trainings", "1")])
            #expect(other.status == .forbidden && other.text.contains("未分配"))
            let unitB = try await evaluator.post(f.itemPath(f.unitB, "3"), [("version", "0"), ("f.late", "1")])
            #expect(unitB.status == .forbidden)
            let leader = Browser(client)
            try await leader.login("leader")
            #expect(!(try await leader.get(f.scoringPath(f.unitA)).text.contains("class=\"card facts\"")))
            #expect(
                try await leader.post(f.itemPath(f.unitA, "3"), [("version", "1"), ("f.late", "3")]).status
                    == .forbidden)

            for state in [AssessmentState.scoring, .publicity, .final] {
                try await f.store.move(f.a, to: state)
            }
            let admin = Browser(client)
            try await admin.login("admin")
            let locked = try await admin.get(f.scoringPath(f.unitA)).text
            #expect(locked.contains("已定稿锁定") && !locked.contains("class=\"card facts\""))
            let refused = try await admin.post(f.itemPath(f.unitA, "3"), [("version", "1"), ("f.late", "9")])
            #expect(refused.status == .conflict)
            let finding = try await admin.post(
                SiteURL.unitFindings(.value(f.a), .value(f.unitA.id)).path,
                [("item", "3"), ("fact", "late"), ("date", "2023-02-01"), ("note", "x")])
            #expect(finding.status == .conflict)
            let api = try await APIClient.login(client, "admin")
            let imported = try await api.call(.post, .api(.factsImport(.value(f.a))), raw: xinbeiDocument)
            #expect(imported.status == .conflict)
            #expect(try await f.stored(f.unitA, "3")?.json == #"{"late":1}"#)
            #expect(try await f.stored(f.unitA, "13") == nil)
        }
    }

    @Test("A facts document imports all or nothing; errors name line, unit, item and fact")
    func importDocument() async throws {
        let f = try await openFixture()
        try await f.test { client in
            let api = try await APIClient.login(client, "organizer")
            let broken = xinbeiDocument.replacingOccurrences(of: #""checks": 10"#, with: #""checks": -3"#)
            let refused = try await api.call(.post, .api(.factsImport(.value(f.a))), raw: broken)
            #expect(refused.status == .badRequest)
            let message = refused.errorMessage ?? ""
            #expect(message.contains("第11行") && message.contains("单位“B01”") && message.contains("考核项“22”"))
            #expect(message.contains("事实“checks”"), "\(message)")
            #expect(try await f.store.facts(assessment: f.a).isEmpty)  // unit A was valid, but nothing was written
            let unknown = xinbeiDocument.replacingOccurrences(of: #""id": "B01""#, with: #""id": "Z99""#)
            let notEnrolled = try await api.call(.post, .api(.factsImport(.value(f.a))), raw: unknown)
            #expect(notEnrolled.status == .badRequest && (notEnrolled.errorMessage ?? "").contains("Z99"))
            let wrongScheme = xinbeiDocument.replacingOccurrences(of: "xinbei-sanheyi", with: "pingqiao-2022")
            #expect(try await api.call(.post, .api(.factsImport(.value(f.a))), raw: wrongScheme).status == .badRequest)
            let syntax = try await api.call(.post, .api(.factsImport(.value(f.a))), raw: "{\n\"units\": [\n}")
            #expect(syntax.status == .badRequest && (syntax.errorMessage ?? "").contains("第3行"))

            let ok = try await api.call(.post, .api(.factsImport(.value(f.a))), raw: xinbeiDocument)
            #expect(ok.status == .ok)
            #expect((try ok.json() as? [String: Any])?["imported"] as? Int == 9)
            #expect(try await f.stored(f.unitA, "24")?.json == #"{"supervision_rate":0.95,"feedback_rate":1}"#)
            #expect(try await f.stored(f.unitB, "penalty")?.json == #"{"penalty":2}"#)

            // Through the page: the same checks, the text kept on error.
            let browser = Browser(client)
            try await browser.login("organizer")
            try await browser.get(SiteURL.factsImport(.value(f.a)).path)
            let page = try await browser.post(SiteURL.factsImport(.value(f.a)).path, [("json", broken)])
            #expect(page.status == .badRequest && page.text.contains("没有保存任何数据") && page.text.contains("第11行"))
            #expect(page.text.contains("&quot;checks&quot;: -3"))
            let done = try await browser.post(SiteURL.factsImport(.value(f.a)).path, [("json", xinbeiDocument)])
            #expect(done.status == .seeOther)
            #expect(try await browser.get(done.headers[.location]!).text.contains("已导入9项事实"))
        }
    }

    @Test("The results equal the engine's for the same facts: page, API and downloads")
    func resultsMatchEngine() async throws {
        let f = try await openFixture()
        let calendar = try CalendarFile.current()
        let (scheme, document) = try ScoreRun.decode(Array(xinbeiDocument.utf8), scheme: nil, calendar: calendar)
        let expected = Engine.score(units: document.units, scheme: scheme, context: ScoringContext(calendar: calendar))
        // What `kaohe score` prints for the same document.
        let expectedJSON = ResultsJSON.encode(scheme: scheme, units: document.units, results: expected, pretty: true)
        try await f.test { client in
            let api = try await APIClient.login(client, "organizer")
            #expect(try await api.call(.post, .api(.factsImport(.value(f.a))), raw: xinbeiDocument).status == .ok)
            let results = try await api.call(.get, .api(.results(.value(f.a))))
            #expect(results.status == .ok)
            #expect(Array(results.text.utf8) == expectedJSON)

            let browser = Browser(client)
            try await browser.login("leader")
            let page = try await browser.get(SiteURL.results(.value(f.a)).path).text
            for result in expected {
                let match = page.firstMatch(
                    of: try Regex(
                        #"<tr data-unit=""# + result.id + #""><td>(\d+)</td>.*?<td class="total"><b>([^<]+)</b>"#
                    )
                    .dotMatchesNewlines())
                let cells = try #require(match)
                #expect(cells.output[1].substring.map(String.init) == String(result.rank))
                #expect(cells.output[2].substring.map(String.init) == result.total.description, "\(result.id)")
            }
            #expect(page.contains("等级分布") && page.contains("charts/distribution.svg"))
            let sheet = try await browser.get(SiteURL.unitSheet(.value(f.a), .value(f.unitA.id)).path).text
            for header in ["项目", "考核内容", "考核标准", "分值", "得分", "扣分说明"] { #expect(sheet.contains("<th>\(header)</th>")) }
            let a01 = try #require(expected.first { $0.id == "A01" })
            #expect(sheet.contains("<b>\(a01.total.description)</b>"))
            #expect(sheet.contains("材料报送不及时2次"))

            let csv = try await browser.get(SiteURL.resultsCSV(.value(f.a)).path)
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(Array(csv.body.readableBytesView.prefix(3)) == [0xEF, 0xBB, 0xBF])
            #expect(csv.text.contains("A01,尖山区") && csv.text.contains(a01.total.description))
            let xlsx = try await browser.get(SiteURL.resultsXLSX(.value(f.a)).path)
            #expect(Array(xlsx.body.readableBytesView.prefix(2)) == [0x50, 0x4B])
            #expect(xlsx.headers[.contentDisposition]?.contains("filename*=UTF-8''") == true)
            for chart in [SiteURL.distributionChart(.value(f.a)), .categoryChart(.value(f.a))] {
                let svg = try await browser.get(chart.path)
                #expect(svg.headers[.contentType]?.hasPrefix("image/svg+xml") == true)
                #expect(svg.text.contains("<svg") && svg.text.contains("</svg>"))
            }
        }
    }

    @Test("A reporter of unit A sees nothing of unit B: scoring, sheet, results, downloads")
    func reporterIsolation() async throws {
        let f = try await openFixture()
        try await f.test { client in
            let api = try await APIClient.login(client, "organizer")
            #expect(try await api.call(.post, .api(.factsImport(.value(f.a))), raw: xinbeiDocument).status == .ok)
            let reporter = Browser(client)
            try await reporter.login("reporter")
            #expect(try await reporter.get(f.scoringPath(f.unitA)).status == .ok)
            #expect(try await reporter.get(f.scoringPath(f.unitB)).status == .notFound)
            #expect(try await reporter.get(SiteURL.unitSheet(.value(f.a), .value(f.unitB.id)).path).status == .notFound)
            let results = try await reporter.get(SiteURL.results(.value(f.a)).path)
            #expect(results.status == .ok)
            #expect(
                results.text.contains("尖山区") && !results.text.contains("岭东区") && !results.text.contains("B01"))
            let csv = try await reporter.get(SiteURL.resultsCSV(.value(f.a)).path)
            #expect(csv.status == .ok)
            #expect(csv.text.contains("尖山区") && csv.text.contains("A01"), "\(csv.text)")
            #expect(!csv.text.contains("岭东区") && !csv.text.contains("B01"), "\(csv.text)")
            // Positive control: the organizer's CSV of the same assessment does list unit B.
            let organizer = Browser(client)
            try await organizer.login("organizer")
            let all = try await organizer.get(SiteURL.resultsCSV(.value(f.a)).path)
            #expect(all.status == .ok && all.text.contains("岭东区") && all.text.contains("B01"), "\(all.text)")
            let reporterAPI = try await APIClient.login(client, "reporter")
            let json = try await reporterAPI.call(.get, .api(.results(.value(f.a)))).text
            #expect(json.contains("A01") && !json.contains("B01"))
            #expect(
                try await reporter.post(f.itemPath(f.unitA, "3"), [("version", "0"), ("f.late", "1")]).status
                    == .forbidden)
        }
    }

    @Test("A scheme uploaded by an organizer is scored like a built-in one")
    func uploadedScheme() async throws {
        let f = try await Fixture.make()
        try await f.test { client in
            let api = try await APIClient.login(client, "organizer")
            let upload = try await api.call(
                .post, .api(.schemes), query: "?file=up.yaml", raw: sampleSchemeYAML(id: "up-1"))
            #expect(upload.status == .created, "\(upload.text)")
            let created = try await api.call(
                .post, .api(.assessments),
                json: #"{"organizationID":"\#(f.org.id)","schemeID":"up-1","year":2024,"title":"上传方案考核"}"#)
            let id = try #require((try created.json() as? [String: Any])?["id"] as? String)
            let a = AssessmentID(id)
            try await f.store.enrol([f.unitA.id], in: a, by: .system)
            _ = try await f.store.transition(a, to: .open, by: .system)
            let browser = Browser(client)
            try await browser.login("organizer")
            let page = try await browser.get(SiteURL.unitScoring(.value(a), .value(f.unitA.id)).path)
            #expect(page.status == .ok && page.text.components(separatedBy: "class=\"card facts\"").count - 1 == 2)
            let one = SiteURL.itemForm(.value(a), .value(f.unitA.id), .value("1.1")).path
            let two = SiteURL.itemForm(.value(a), .value(f.unitA.id), .value("1.2")).path
            #expect(try await browser.post(one, [("version", "0"), ("f.ok", "true")]).status == .seeOther)
            #expect(try await browser.post(two, [("version", "0"), ("f.late", "3")]).status == .seeOther)
            let results = try await browser.get(SiteURL.results(.value(a)).path).text
            #expect(results.contains(#"<td class="total"><b>7</b>"#))
        }
    }

    @Test("Without scheme unit types all units are ranked together, as kaohe score does; ties share a rank")
    func rankingPerGroup() async throws {
        let f = try await openFixture()
        let c = AssessedUnit(organizationID: f.org.id, code: "C01", name: "市财政局", type: .municipalDepartment)
        try await f.store.createUnits([c], by: .system)
        try await f.store.enrol([c.id], in: f.a, by: .system)
        try await f.test { client in
            let api = try await APIClient.login(client, "organizer")
            // B01 and C01 get the same facts (95 points), A01 88: ranked together A01 is 3rd, though C01 is a
            // 市直部门 and the others are 县区.
            let document = xinbeiDocument.replacingOccurrences(
                of: #"{"id": "B01", "name": "岭东区", "facts": {"#,
                with:
                    #"{"id": "C01", "facts": {"22": {"checks": 10}, "24": {"supervision_rate": 0.8, "feedback_rate": 0.75}, "penalty": {"penalty": 2}}},{"id": "B01", "name": "岭东区", "facts": {"#
            )
            let imported = try await api.call(.post, .api(.factsImport(.value(f.a))), raw: document)
            #expect(imported.status == .ok, "\(imported.text)")
            let page = try await api.call(.get, .api(.results(.value(f.a)))).text
            let json = try #require(try JSONSerialization.jsonObject(with: Data(page.utf8)) as? [String: Any])
            let units = try #require(json["units"] as? [[String: Any]])
            let ranks = Dictionary(
                uniqueKeysWithValues: units.map { ($0["id"] as? String ?? "", $0["rank"] as? Int ?? 0) })
            #expect(ranks == ["A01": 3, "B01": 1, "C01": 1])
            let cli = try #require(
                try JSONSerialization.jsonObject(with: Data(try cliResults(document))) as? [String: Any])
            let cliRanks = Dictionary(
                uniqueKeysWithValues: (cli["units"] as? [[String: Any]] ?? []).map {
                    ($0["id"] as? String ?? "", $0["rank"] as? Int ?? 0)
                })
            #expect(cliRanks == ranks)
            let browser = Browser(client)
            try await browser.login("leader")
            let html = try await browser.get(SiteURL.results(.value(f.a)).path).text
            #expect(html.contains("<h2>全部单位（3个单位）</h2>") && !html.contains("<h2>县区"))
        }
    }
}
