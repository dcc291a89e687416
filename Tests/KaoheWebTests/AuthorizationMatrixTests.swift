import Foundation
import Hummingbird
import HummingbirdTesting
import KaoheStorage
import Testing

@testable import KaoheApplication
@testable import KaoheWeb

/// One route with the roles allowed to use it, written out by hand (not derived from the permission table),
/// so that a change to the table that opens or closes a route makes this test fail.
struct RouteCase: Sendable {
    let method: HTTPRequest.Method
    let url: SiteURL
    let form: [(String, String)]
    let json: String?
    let raw: String?
    let query: String
    let headers: HTTPFields
    let allowed: Set<Role>

    var isAPI: Bool { url.path.hasPrefix("/api/") }
    var label: String { "\(method) \(url.path)\(query)" }

    static func page(_ method: HTTPRequest.Method, _ url: SiteURL, _ form: [(String, String)] = [], allowed: Set<Role>)
        -> RouteCase
    {
        RouteCase(method: method, url: url, form: form, json: nil, raw: nil, query: "", headers: [:], allowed: allowed)
    }

    static func api(
        _ method: HTTPRequest.Method, _ url: APIURL, json: String? = nil, raw: String? = nil, query: String = "",
        headers: HTTPFields = [:],
        allowed: Set<Role>
    ) -> RouteCase {
        RouteCase(
            method: method, url: .api(url), form: [], json: json, raw: raw, query: query, headers: headers,
            allowed: allowed)
    }
}

@Suite("Authorization matrix: every role against every route")
struct AuthorizationMatrixTests {
    static let everyone = Set(Role.allCases)
    static let viewers: Set<Role> = [.admin, .organizer, .evaluator, .leader]
    static let managers: Set<Role> = [.admin, .organizer]
    static let admins: Set<Role> = [.admin]
    static let recorders: Set<Role> = [.admin, .organizer, .evaluator]
    static let selfAssessors: Set<Role> = [.admin, .reporter]
    static let unitViewers: Set<Role> = [.admin, .organizer, .evaluator, .reporter]
    static let evidenceUsers: Set<Role> = [.admin, .organizer, .evaluator, .reporter]

    static func routes(_ f: Fixture, tag: String) -> [RouteCase] {
        let org = f.org.id.rawValue
        let target = f.users[.leader]!.id
        let a = f.assessment.id
        let evaluator = f.users[.evaluator]!.id.rawValue
        return [
            .page(.get, .dashboard, allowed: everyone),
            .page(.get, .password, allowed: everyone),
            .page(.post, .password, [("current", "wrong"), ("new", "x"), ("confirm", "x")], allowed: everyone),
            .page(.get, .schemes, allowed: everyone),
            .page(.get, .scheme(.value("pingqiao-2022")), allowed: everyone),
            .page(
                .post, .schemes, [("file_name", "m-\(tag).yaml"), ("yaml", sampleSchemeYAML(id: "m-\(tag)"))],
                allowed: managers),
            .page(.get, .organizations, allowed: viewers),
            .page(.post, .organizations, [("name", "组织-\(tag)")], allowed: managers),
            .page(.get, .units, allowed: everyone),
            .page(
                .post, .units,
                [("organization_id", org), ("code", "U-\(tag)"), ("name", "单位\(tag)"), ("type", "other")],
                allowed: managers),
            .page(.get, .unitImport, allowed: managers),
            .page(
                .post, .unitImport, [("organization_id", org), ("csv", "编码,名称,类型\nI-\(tag),导入\(tag),其他\n")],
                allowed: managers),
            .page(.get, .users, allowed: admins),
            .page(
                .post, .users,
                [("username", "u-\(tag)"), ("display_name", "新用户"), ("password", "Secret-123"), ("roles", "leader")],
                allowed: admins),
            .page(.post, .userRoles(.value(target)), [("roles", "leader")], allowed: admins),
            .page(.post, .userPasswordReset(.value(f.spare.id)), allowed: admins),
            // API tokens and login delays: anyone sees their own tokens and may revoke a token (someone else's is
            // "not found" unless they administer users); administrators see and revoke a user's, and unlock.
            .page(.get, .accountTokens, allowed: everyone),
            .page(.post, .tokenRevoke(.value(APITokenID("matrix-token"))), allowed: everyone),
            .page(.get, .userTokens(.value(target)), allowed: admins),
            .page(.post, .userTokensRevoke(.value(target)), allowed: admins),
            .page(.post, .userUnlock(.value(target)), allowed: admins),
            .api(.get, .tokens, allowed: everyone),
            .api(.delete, .token(.value(APITokenID("matrix-token"))), allowed: everyone),
            .api(.get, .userTokens(.value(target)), allowed: admins),
            .api(.delete, .userTokens(.value(target)), allowed: admins),
            .api(.post, .userUnlock(.value(target)), allowed: admins),
            .page(.get, .audit, allowed: managers),
            .page(.get, .assessments, allowed: everyone),
            .page(
                .post, .assessments,
                [("organization_id", org), ("scheme_id", "pingqiao-2022"), ("year", "2022"), ("title", "考核-\(tag)")],
                allowed: managers),
            .page(.get, .assessment(.value(a)), allowed: everyone),
            .page(.post, .assessmentState(.value(a)), [("state", "open"), ("reason", "开始")], allowed: managers),
            .page(.post, .assessmentEnrolments(.value(a)), [("unit_ids", f.unitB.id.rawValue)], allowed: managers),
            .page(.post, .assessmentAssignments(.value(a)), [("user_id", evaluator)], allowed: managers),
            // Scoring and results of unit A (the assessment was opened and the evaluator assigned above).
            .page(.get, .unitScoring(.value(a), .value(f.unitA.id)), allowed: everyone),
            .page(
                .post, .itemForm(.value(a), .value(f.unitA.id), .value("3")), [("version", "0"), ("f.late", "1")],
                allowed: recorders),
            .page(
                .post, .unitFindings(.value(a), .value(f.unitA.id)),
                [("item", "4"), ("fact", "missed_trainings"), ("date", "2023-03-01"), ("note", "未参加培训")],
                allowed: recorders),
            .page(.get, .unitSheet(.value(a), .value(f.unitA.id)), allowed: everyone),
            // The whole sheet of unit A in one form.
            .page(.get, .unitEntry(.value(a), .value(f.unitA.id)), allowed: recorders),
            .page(
                .post, .unitEntry(.value(a), .value(f.unitA.id)), [("v.3", "0"), ("i.3.f.late", "2")],
                allowed: recorders),
            // Grid entry of item 3 for all units.
            .page(.get, .itemGrid(.value(a), .value("3")), allowed: recorders),
            .page(
                .post, .itemGrid(.value(a), .value("3")),
                [("r0.unit", f.unitA.id.rawValue), ("r0.version", "0"), ("r0.f.late", "2")], allowed: recorders),
            .page(
                .post, .itemGridRow(.value(a), .value("3"), .value(f.unitA.id)), [("version", "0"), ("f.late", "2")],
                allowed: recorders),
            // Derived facts (none here: the fixture has no records, so allowed roles get 404, not 403).
            .page(
                .get, .recordsBehind(.value(a), .value(f.unitA.id), .value("13"), .value("offline_cases")),
                allowed: everyone),
            .page(
                .get, .recordsBehindCSV(.value(a), .value(f.unitA.id), .value("13"), .value("offline_cases")),
                allowed: everyone),
            .page(
                .get, .recordsBehindXLSX(.value(a), .value(f.unitA.id), .value("13"), .value("offline_cases")),
                allowed: everyone),
            .page(
                .post, .derivedOverride(.value(a), .value(f.unitA.id), .value("13"), .value("offline_cases")),
                [("f.offline_cases", "1"), ("reason", "核实")], allowed: recorders),
            .page(.get, .factsImport(.value(a)), allowed: recorders),
            .page(
                .post, .factsImport(.value(a)),
                [("json", #"{"units":[{"id":"A01","facts":{"5":{"incidents":1}}}]}"#)], allowed: recorders),
            .page(.get, .results(.value(a)), allowed: everyone),
            .page(.get, .resultsCSV(.value(a)), allowed: everyone),
            .page(.get, .resultsXLSX(.value(a)), allowed: everyone),
            .page(.get, .distributionChart(.value(a)), allowed: everyone),
            .page(.get, .categoryChart(.value(a)), allowed: everyone),
            // Issue 3 gaps: the unit's change history, the assessment's parameters (the fixture's scheme has
            // none, so managers get a clear 400 — allowed, not forbidden).
            .page(.get, .unitAudit(.value(a), .value(f.unitA.id)), allowed: everyone),
            .page(.post, .assessmentParameters(.value(a)), [("p.annual_weight", "50")], allowed: managers),
            .api(.put, .assessmentParameters(.value(a)), raw: #"{"annual_weight":50}"#, allowed: managers),
            .api(.get, .me, allowed: everyone),
            .api(.get, .assessments, allowed: everyone),
            .api(
                .post, .assessments,
                json: #"{"organizationID":"\#(org)","schemeID":"pingqiao-2022","year":2022,"title":"API考核-\#(tag)"}"#,
                allowed: managers),
            .api(.get, .assessment(.value(a)), allowed: everyone),
            .api(.post, .assessmentState(.value(a)), json: #"{"state":"open"}"#, allowed: managers),
            .api(.post, .assessmentEnrolments(.value(a)), json: #"{"unitIDs":["\#(f.unitB.id)"]}"#, allowed: managers),
            .api(.post, .assessmentAssignments(.value(a)), json: #"{"userID":"\#(evaluator)"}"#, allowed: managers),
            // Facts and findings of unit A (the evaluator was assigned above, before their turn).
            .api(
                .put, .itemFacts(.value(a), .value(f.unitA.id), .value("5")), raw: #"{"incidents":2}"#,
                headers: [.ifMatch: "0"], allowed: recorders),
            .api(.get, .itemFacts(.value(a), .value(f.unitA.id), .value("5")), allowed: everyone),
            .api(.get, .unitFacts(.value(a), .value(f.unitA.id)), allowed: everyone),
            .api(
                .post, .findings(.value(a), .value(f.unitA.id)),
                json: #"{"itemID":"5","date":"2023-03-01","note":"逾期答复"}"#, allowed: recorders),
            .api(.get, .findings(.value(a), .value(f.unitA.id)), allowed: everyone),
            .api(
                .post, .factsImport(.value(a)), raw: #"{"units":[{"id":"A01","facts":{"4":{"missed_trainings":1}}}]}"#,
                allowed: recorders),
            .api(.get, .results(.value(a)), allowed: everyone),
            .api(.get, .schemes, allowed: everyone),
            .api(.get, .scheme(.value("pingqiao-2022")), allowed: everyone),
            .api(.post, .schemes, raw: sampleSchemeYAML(id: "a-\(tag)"), query: "?file=a.yaml", allowed: managers),
            .api(.get, .organizations, allowed: viewers),
            .api(.post, .organizations, json: #"{"name":"API组织-\#(tag)"}"#, allowed: managers),
            .api(.get, .units, allowed: everyone),
            .api(
                .post, .units, json: #"{"organizationID":"\#(org)","code":"AU-\#(tag)","name":"API单位","type":"乡镇"}"#,
                allowed: managers),
            .api(
                .post, .unitImport, raw: "编码,名称,类型\nAI-\(tag),API导入,其他\n", query: "?organization=\(org)",
                allowed: managers),
            .api(.get, .users, allowed: admins),
            .api(
                .post, .users, json: #"{"username":"api-\#(tag)","password":"Secret-123","roles":["leader"]}"#,
                allowed: admins),
            .api(.put, .userRoles(.value(target)), json: #"{"roles":["leader"]}"#, allowed: admins),
            // Evidence of unit A: its reporter, the evaluator (assigned above), organizers and administrators;
            // leaders none. The upload is posted url-encoded here, so allowed roles get 400 (a multipart form is
            // needed) after the access checks; the evidence id does not exist, so allowed roles get 404.
            // Platform records: organizers and administrators. The page upload is posted url-encoded here, so
            // allowed roles get 400 (a multipart form is needed); the job does not exist, so they get 404.
            .page(.get, .organizationRecords(.value(f.org.id)), allowed: managers),
            .page(.post, .organizationRecords(.value(f.org.id)), allowed: managers),
            .page(.get, .recordImportJob(.value(f.org.id), .value("matrix-job")), allowed: managers),
            .page(.get, .recordImportStatus(.value(f.org.id), .value("matrix-job")), allowed: managers),
            .page(
                .post, .recordImportMapping(.value(f.org.id), .value("matrix-job")), [("field_0_0", "id")],
                allowed: managers),
            .api(
                .post, .organizationRecords(.value(f.org.id)),
                json:
                    #"{"records":[{"type":"case","id":"m-\#(tag)","unit":"A01","accepted":"2023-03-01","promised_days":3,"legal_days":5}]}"#,
                allowed: managers),
            .page(.get, .evidenceIndex(.value(a), .value(f.unitA.id)), allowed: evidenceUsers),
            .page(.get, .evidencePackage(.value(a), .value(f.unitA.id)), allowed: evidenceUsers),
            .page(.post, .evidenceUpload(.value(a), .value(f.unitA.id), .value("5")), allowed: evidenceUsers),
            .page(.get, .evidenceFile(.value(EvidenceID("matrix-evidence"))), allowed: evidenceUsers),
            .page(
                .post, .evidenceWithdraw(.value(EvidenceID("matrix-evidence"))), [("reason", "测试")],
                allowed: evidenceUsers),
            // Workflow: the unit's self-assessment (its reporter; administrators act for any unit), review
            // (evaluators where assigned, organizers), deadlines and publication (managers). Allowed roles may
            // get 400/404/409 here (nothing submitted or published yet) — but never 403.
            .page(.get, .selfAssessment(.value(a), .value(f.unitA.id)), allowed: unitViewers),
            .page(.get, .review(.value(a), .value(f.unitA.id)), allowed: unitViewers),
            .page(
                .post, .selfAssessmentItem(.value(a), .value(f.unitA.id), .value("3")),
                [("version", "0"), ("self_score", "1"), ("note", "自查")], allowed: selfAssessors),
            .page(
                .post, .reviewAnswer(.value(a), .value(f.unitA.id), .value("3")), [("answer", "已补正")],
                allowed: selfAssessors),
            .page(.post, .selfAssessmentSubmit(.value(a), .value(f.unitA.id)), allowed: selfAssessors),
            .page(
                .post, .reviewItem(.value(a), .value(f.unitA.id), .value("3")), [("decision", "accept")],
                allowed: recorders),
            .page(
                .post, .unitObjections(.value(a), .value(f.unitA.id)), [("item", "3"), ("text", "异议")],
                allowed: selfAssessors),
            .page(.get, .submissions(.value(a)), allowed: recorders),
            .page(
                .post, .assessmentDeadlines(.value(a)), [("submission_deadline", "2030-12-31")], allowed: managers),
            .page(
                .post, .deadlineExtension(.value(a), .value(f.unitA.id)),
                [("deadline", "2030-12-31"), ("reason", "测试")], allowed: managers),
            .page(.get, .publications(.value(a)), allowed: everyone),
            .page(.get, .objections(.value(a)), allowed: everyone),
            .page(.post, .publications(.value(a)), [("note", "更正")], allowed: managers),
            .page(
                .post, .objectionAnswer(.value(a), .value(ObjectionID("matrix-objection"))),
                [("decision", "rejected"), ("answer", "不成立")], allowed: managers),
            .page(.get, .publicationCompare(.value(a)), allowed: everyone),
            // Bulletins: managers make drafts and publish; whoever opens the assessment reads the published ones.
            .page(.get, .bulletins(.value(a)), allowed: everyone),
            .page(.get, .bulletinDraft(.value(a)), allowed: managers),
            .page(.get, .bulletinDraftPrint(.value(a)), allowed: managers),
            .page(.get, .bulletinDraftXLSX(.value(a)), allowed: managers),
            .page(.post, .bulletins(.value(a)), [("period", "2023-01")], allowed: managers),
            .page(.get, .bulletinTrend(.value(a)), allowed: everyone),
            .page(.get, .bulletin(.value(a), .value(1)), allowed: everyone),
            .page(.get, .bulletinPrint(.value(a), .value(1)), allowed: everyone),
            .page(.get, .bulletinXLSX(.value(a), .value(1)), allowed: everyone),
            .page(.get, .ledger(.value(a)), allowed: everyone),
            .page(.post, .ledger(.value(a)), [("unit", f.unitA.id.rawValue)], allowed: recorders),
            .page(.get, .ledgerXLSX(.value(a)), allowed: everyone),
            .page(.post, .ledgerCarryOver(.value(a)), allowed: managers),
            .page(.get, .ledgerItem(.value(a), .value("none")), allowed: everyone),
            .page(.post, .ledgerStep(.value(a), .value("none")), [("action", "start")], allowed: unitViewers),
            .page(.post, .ledgerAnswer(.value(a), .value("none")), [("text", "已整改")], allowed: selfAssessors),
            .page(.get, .spotChecks(.value(a)), allowed: everyone),
            .page(.post, .spotChecks(.value(a)), [("title", "")], allowed: managers),
            .page(.get, .spotCheck(.value(a), .value("none")), allowed: everyone),
            .page(.get, .spotCheckPrint(.value(a), .value("none")), allowed: everyone),
            .page(.get, .spotCheckNotice(.value(a), .value("none")), allowed: everyone),
            .page(.get, .spotCheckNoticePrint(.value(a), .value("none")), allowed: everyone),
            .page(.post, .spotCheckDraw(.value(a), .value("none")), allowed: managers),
            .page(.post, .spotCheckResult(.value(a), .value("none")), [("object", "A01")], allowed: recorders),
            .page(.post, .spotCheckPublish(.value(a), .value("none")), allowed: managers),
            // Rater rounds: organizers manage them; anyone may open a sheet (refused unless a rater of the group;
            // here the round does not exist, so everyone gets "not found", never "forbidden").
            .page(.get, .raterRounds(.value(a)), allowed: everyone),
            .page(.post, .raterRounds(.value(a)), [("item", "3")], allowed: managers),
            .page(.get, .raterRound(.value(RaterRoundID("matrix-round"))), allowed: managers),
            .page(.post, .raterRound(.value(RaterRoundID("matrix-round"))), [("title", "x")], allowed: managers),
            .page(
                .post, .raterRoundState(.value(RaterRoundID("matrix-round"))), [("action", "close")], allowed: managers),
            .page(.get, .raterReminders(.value(RaterRoundID("matrix-round"))), allowed: managers),
            .page(
                .post, .raterCodes(.value(RaterRoundID("matrix-round"))), [("group", "public"), ("count", "1")],
                allowed: managers),
            .page(
                .post, .raterComment(.value(RaterRoundID("matrix-round")), .value("c")), [("status", "hidden")],
                allowed: managers),
            .page(.get, .raterBallot(.value(RaterRoundID("matrix-round")), .value("leaders")), allowed: everyone),
            .page(
                .post, .raterBallot(.value(RaterRoundID("matrix-round")), .value("leaders")), [("action", "save")],
                allowed: everyone),
            .page(.get, .raterUnitComments(.value(a)), allowed: everyone),
            // The inbox: every signed-in user has their own (a notification that is not theirs is "not found").
            .page(.get, .inbox, allowed: everyone),
            .page(.post, .inboxRead(.value("none")), allowed: everyone),
            .page(.post, .inboxReadAll, allowed: everyone),
            .page(.post, .accountMail, [("email", ""), ("mode", "off")], allowed: everyone),
            // The outbox: administrators only.
            .page(.get, .mailOutbox, allowed: admins),
            .page(.post, .mailRetry, allowed: admins),
            .page(.post, .raterRemind(.value(RaterRoundID("matrix-round"))), allowed: managers),
            .api(.get, .bulletins(.value(a)), allowed: everyone),
            .api(.get, .bulletin(.value(a), .value(1)), allowed: everyone),
            .api(.get, .selfAssessment(.value(a), .value(f.unitA.id)), allowed: unitViewers),
            .api(
                .put, .selfAssessmentItem(.value(a), .value(f.unitA.id), .value("5")),
                raw: #"{"selfScore":"1","note":"自查"}"#, headers: [.ifMatch: "0"], allowed: selfAssessors),
            .api(.post, .selfAssessmentSubmit(.value(a), .value(f.unitA.id)), allowed: selfAssessors),
            .api(.get, .submissions(.value(a)), allowed: recorders),
            .api(.get, .publications(.value(a)), allowed: everyone),
            .api(.get, .publication(.value(a), .value(1)), allowed: everyone),
        ]
    }

    @Test("Each role gets exactly the routes it is allowed; anonymous visitors get none")
    func matrix() async throws {
        let fixture = try await Fixture.make()
        try await fixture.test { client in
            var checked = 0
            for role in Role.allCases {
                let browser = Browser(client)
                #expect(try await browser.login(role.rawValue).status == .seeOther)
                let api = try await APIClient.login(client, role.rawValue)
                for route in Self.routes(fixture, tag: role.rawValue) {
                    let response: TestResponse
                    if route.isAPI {
                        response = try await api.call(
                            route.method, route.url, query: route.query, json: route.json, raw: route.raw,
                            headers: route.headers)
                    } else if route.method == .get {
                        response = try await browser.get(route.url.path)
                    } else {
                        response = try await browser.post(route.url.path, route.form)
                    }
                    if route.allowed.contains(role) {
                        let toLogin =
                            response.status == .seeOther
                            && response.headers[.location]?.hasPrefix(SiteURL.login.path) == true
                        #expect(
                            response.status != .forbidden && response.status != .unauthorized && !toLogin,
                            "\(role) should be allowed \(route.label), got \(response.status) \(response.text.prefix(200))"
                        )
                        #expect(response.status.code < 500, "\(role) \(route.label): \(response.status)")
                    } else {
                        #expect(
                            response.status == .forbidden,
                            "\(role) must be refused \(route.label), got \(response.status)")
                        let message = route.isAPI ? response.errorMessage ?? "" : response.text
                        #expect(message.contains("无权操作"), "\(role) \(route.label): \(message.prefix(200))")
                    }
                    checked += 1
                }
            }
            // Anonymous: pages lead to the login form, the API answers 401.
            let anonymous = Browser(client)
            try await anonymous.get(SiteURL.login.path)
            let noToken = APIClient(client: client, token: nil)
            for route in Self.routes(fixture, tag: "anon") {
                let response: TestResponse
                if route.isAPI {
                    response = try await noToken.call(
                        route.method, route.url, query: route.query, json: route.json, raw: route.raw,
                        headers: route.headers)
                    #expect(response.status == .unauthorized, "anonymous \(route.label): \(response.status)")
                    #expect(response.errorMessage == "请先登录")
                } else {
                    response =
                        route.method == .get
                        ? try await anonymous.get(route.url.path) : try await anonymous.post(route.url.path, route.form)
                    #expect(response.status == .seeOther, "anonymous \(route.label): \(response.status)")
                    #expect(response.headers[.location]?.hasPrefix(SiteURL.login.path) == true)
                }
                checked += 1
            }
            // Every case ran for every role and anonymously (the cases' coverage of the router is its own test).
            #expect(checked == (Role.allCases.count + 1) * Self.routes(fixture, tag: "x").count)
            #expect(checked >= (Role.allCases.count + 1) * Self.coveredRouterRoutes(fixture).covered)
            // Nothing a refused request asked for was created.
            let names = try await fixture.store.organizations().map(\.name)
            #expect(
                !names.contains {
                    $0.hasSuffix("-evaluator") || $0.hasSuffix("-reporter") || $0.hasSuffix("-leader")
                        || $0.hasSuffix("-anon")
                })
            #expect(try await fixture.store.user(username: "u-organizer") == nil)
        }
    }

    @Test("A reporter of unit A gets nothing of unit B")
    func reporterIsolation() async throws {
        let fixture = try await Fixture.make()
        try await fixture.test { client in
            let api = try await APIClient.login(client, "reporter")
            let units = try #require(try await api.call(.get, .api(.units)).json() as? [[String: Any]])
            #expect(units.map { $0["code"] as? String } == ["A01"])
            let filtered = try #require(
                try await api.call(.get, .api(.units), query: "?organization=\(fixture.org.id)").json()
                    as? [[String: Any]])
            #expect(filtered.count == 1)
            let browser = Browser(client)
            try await browser.login("reporter")
            let page = try await browser.get(SiteURL.units.path)
            // Positive control: the page is the reporter's list, with its own unit on it.
            #expect(page.status == .ok && page.text.contains("A01") && page.text.contains("尖山区"))
            #expect(!page.text.contains("B01") && !page.text.contains("岭东区"))
            let dashboard = try await browser.get(SiteURL.dashboard.path)
            #expect(dashboard.status == .ok && dashboard.text.contains("尖山区"))
            #expect(!dashboard.text.contains("岭东区"))
        }
    }

    /// Routes that need no login (and so have no row in the matrix).
    static let publicRoutes: Set<String> = [
        "GET /", "GET /login", "POST /login", "POST /logout", "GET /healthz", "GET /static/app.css",
        "GET /static/app.js", "POST /api/v1/tokens",
        // The public ballot of rater rounds: a one-time code instead of an account.
        "GET /p", "POST /p", "GET /p/{code}", "POST /p/{code}",
    ]

    /// The router's own routes (method and path) and which of them no matrix case exercises.
    static func coveredRouterRoutes(_ fixture: Fixture) -> (covered: Int, missing: [String], all: Int) {
        let cases = routes(fixture, tag: "x")
        let router = buildRouter(fixture.deps)
        var missing: [String] = []
        var covered = 0
        for route in router.routes {
            let path = route.path.description
            let key = "\(route.method) \(path)"
            if publicRoutes.contains(key) { continue }
            let pattern =
                "^"
                + path.split(separator: "/", omittingEmptySubsequences: false).map {
                    $0.hasPrefix(":") || $0.hasPrefix("{")
                        ? "[^/]+" : NSRegularExpression.escapedPattern(for: String($0))
                }.joined(separator: "/") + "$"
            let matched = cases.contains {
                $0.method == route.method && $0.url.path.range(of: pattern, options: .regularExpression) != nil
            }
            if matched { covered += 1 } else { missing.append(key) }
        }
        return (covered, missing, router.routes.count)
    }

    @Test("Every route of the router has a row in the matrix (or is public): a new route without one fails")
    func everyRouteCovered() async throws {
        let fixture = try await Fixture.make()
        let (covered, missing, all) = Self.coveredRouterRoutes(fixture)
        // Positive control: the list comes from the router and is not empty or trivially small.
        #expect(all > 40 && covered > 40, "router routes: \(all), covered: \(covered)")
        #expect(missing.isEmpty, "routes without a row in the matrix: \(missing)")
        // The public list names only routes that exist (no stale exemptions).
        let keys = Set(buildRouter(fixture.deps).routes.map { "\($0.method) \($0.path.description)" })
        #expect(Self.publicRoutes.subtracting(keys).isEmpty, "\(Self.publicRoutes.subtracting(keys))")
        await fixture.store.shutdown()
    }
}
