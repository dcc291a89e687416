import Foundation
import Hummingbird
import HummingbirdTesting
import KaoheEngine
import KaoheStorage
import Testing

@testable import KaoheApplication
@testable import KaoheWeb

@Suite("Rater rounds (评议): set up, named and unit sheets, public codes, closing scores the item")
struct RaterRoundTests {
    /// The round's groups as its form sends them: the leaders named (the `leader` account), the public rating
    /// 满意=100 / 不满意=0, no trimming, one ballot enough.
    static func groupForms(_ round: RaterRound) -> [RaterGroupForm] {
        round.groups.map { g in
            RaterGroupForm(
                id: g.id, kind: g.id == "leaders" ? "named" : g.kind.rawValue,
                levels: g.kind == .public ? "满意=100，不满意=0" : "", trim: "0", minimum: "1",
                raters: g.id == "leaders" ? "leader" : "", units: "")
        }
    }

    /// A 营商环境 assessment with both units enrolled and a second reporter for unit B.
    static func setUp(_ fixture: Fixture) async throws -> Assessment {
        let assessment = Assessment(
            organizationID: fixture.org.id, schemeID: "changbai-2020-yingshang", year: 2020, title: "营商环境考评")
        try await fixture.store.createAssessment(assessment, by: .system)
        try await fixture.store.enrol([fixture.unitA.id, fixture.unitB.id], in: assessment.id, by: .system)
        _ = try await AuthService(fixture.deps).createUser(
            username: "reporter-b", displayName: "岭东区填报人", password: testPassword, roles: [.reporter],
            organizationID: nil, unitID: fixture.unitB.id, by: .system)
        return assessment
    }

    /// A new round on item 3 of a ``setUp(_:)`` assessment, made by the organizer, with its groups' forms.
    static func newRound(_ fixture: Fixture) async throws -> (
        assessment: Assessment, round: RaterRound, groups: [RaterGroupForm]
    ) {
        let assessment = try await setUp(fixture)
        let round = try await Operations(fixture.deps).createRaterRound(
            assessment.id.rawValue, itemID: "3", title: "", by: fixture.users[.organizer]!)
        return (assessment, round, groupForms(round))
    }

    static func roundID(_ response: TestResponse) throws -> RaterRoundID {
        let location = try #require(response.headers[.location])
        let id = try #require(location.firstMatch(of: /\/raters\/([0-9a-f-]+)/)?.1)
        return RaterRoundID(String(id))
    }

    @Test("A whole round: refusals, the arithmetic on the round page and in the results")
    func wholeRound() async throws {
        let fixture = try await Fixture.make()
        let assessment = try await Self.setUp(fixture)
        let a = fixture.unitA.id.rawValue, b = fixture.unitB.id.rawValue
        try await fixture.test { client in
            let organizer = Browser(client)
            try await organizer.login("organizer")
            let created = try await organizer.post(SiteURL.raterRounds(.value(assessment.id)).path, [("item", "3")])
            #expect(created.status == .seeOther)
            let round = try Self.roundID(created)
            var page = try await organizer.get(SiteURL.raterRound(.value(round)).path)
            #expect(page.status == .ok && page.text.contains("县领导评议") && page.text.contains("社会评议"))
            // A bad setting is refused with what and where; nothing changes.
            let settings: [(String, String)] = [
                ("title", "2020年度年终评议"), ("opens_at", ""), ("closes_at", ""),
                ("group", "leaders"), ("kind_leaders", "named"), ("raters_leaders", "leader, evaluator"),
                ("levels_leaders", ""), ("trim_leaders", "0"), ("minimum_leaders", "1"), ("units_leaders", ""),
                ("group", "departments"), ("kind_departments", "units"), ("raters_departments", ""),
                ("levels_departments", ""), ("trim_departments", "1"), ("minimum_departments", "2"),
                ("units_departments", ""),
                ("group", "public"), ("kind_public", "public"), ("raters_public", ""),
                ("levels_public", "满意=100，基本满意=80，不满意=0"), ("trim_public", "0"), ("minimum_public", "1"),
                ("units_public", ""),
            ]
            var bad = settings
            bad[5] = ("raters_leaders", "nobody")
            let refused = try await organizer.post(SiteURL.raterRound(.value(round)).path, bad)
            #expect(refused.status == .badRequest && refused.text.contains("评议人“nobody”不是系统中的用户名"))
            #expect(try await organizer.post(SiteURL.raterRound(.value(round)).path, settings).status == .seeOther)
            #expect(
                try await organizer.post(SiteURL.raterRoundState(.value(round)).path, [("action", "open")]).status
                    == .seeOther)
            // Codes: CSV with the short addresses; the codes are never stored in plain text.
            let csv = try await organizer.post(
                SiteURL.raterCodes(.value(round)).path, [("group", "public"), ("count", "3"), ("format", "csv")])
            #expect(csv.status == .ok)
            let codes = csv.text.matches(of: /\/p\/([2-9A-HJ-NP-Z]{11})/).map { String($0.1) }
            #expect(codes.count == 3 && Set(codes).count == 3)
            #expect(try await fixture.store.raterCode(hash: RaterCodes.hash(codes[0]))?.used == false)
            // Slips: one per code, each with its QR code, short address and code.
            let slips = try await organizer.post(
                SiteURL.raterCodes(.value(round)).path, [("group", "public"), ("count", "2"), ("format", "slips")])
            let slipCodes = slips.text.matches(of: /class="code">([2-9A-HJ-NP-Z]{11})</).map { String($0.1) }
            #expect(slips.status == .ok && slipCodes.count == 2)
            #expect(slips.text.components(separatedBy: "<svg").count - 1 == 2)
            #expect(slipCodes.allSatisfy { slips.text.contains("/p/\($0)") })
            #expect(try await fixture.store.raterCodeCounts(round: round).first?.issued == 5)

            // The leader rates both units: a draft, then the submission.
            let leader = Browser(client)
            try await leader.login("leader")
            let ballotPath = SiteURL.raterBallot(.value(round), .value("leaders")).path
            #expect(try await leader.get(ballotPath).text.contains("尖山区"))
            #expect(
                try await leader.post(ballotPath, [("action", "save"), ("mark_\(a)", "88")]).status == .seeOther)
            let incomplete = try await leader.post(ballotPath, [("action", "submit"), ("mark_\(a)", "88")])
            #expect(incomplete.status == .badRequest && incomplete.text.contains("尚未评分：岭东区"))
            let outOfScale = try await leader.post(
                ballotPath, [("action", "submit"), ("mark_\(a)", "101"), ("mark_\(b)", "80")])
            #expect(outOfScale.status == .badRequest && outOfScale.text.contains("0至100之间"))
            #expect(
                try await leader.post(ballotPath, [("action", "submit"), ("mark_\(a)", "90"), ("mark_\(b)", "80")])
                    .status == .seeOther)
            let again = try await leader.post(
                ballotPath, [("action", "submit"), ("mark_\(a)", "10"), ("mark_\(b)", "10")])
            #expect(again.status == .conflict && again.text.contains("提交后不能修改"))
            // The evaluator saved nothing: the reminder list names them.
            let reminders = try await organizer.get(SiteURL.raterReminders(.value(round)).path)
            #expect(reminders.text.contains("评分人") && !reminders.text.contains("领导（leader）"))

            // Units rate each other, never themselves.
            let reporter = Browser(client)
            try await reporter.login("reporter")
            let unitsPath = SiteURL.raterBallot(.value(round), .value("departments")).path
            let sheet = try await reporter.get(unitsPath)
            #expect(sheet.text.contains("岭东区") && !sheet.text.contains("mark_\(a)"))
            let own = try await reporter.post(
                unitsPath, [("action", "submit"), ("mark_\(a)", "100"), ("mark_\(b)", "70")])
            #expect(own.status == .badRequest && own.text.contains("不能评议本单位"))
            #expect(
                try await reporter.post(unitsPath, [("action", "submit"), ("mark_\(b)", "70")]).status == .seeOther)

            // The public: a code opens the sheet without an account, once.
            let phone = Browser(client)
            let open = try await phone.get(SiteURL.publicBallot(.value(codes[0])).path)
            #expect(open.status == .ok && open.text.contains("满意") && open.text.contains("尖山区"))
            let done = try await phone.post(
                SiteURL.publicBallot(.value(codes[0])).path,
                [("mark_\(a)", "满意"), ("mark_\(b)", "基本满意"), ("comment_\(a)", "窗口服务好")])
            #expect(done.status == .ok && done.text.contains("感谢"))
            let reuse = try await phone.post(
                SiteURL.publicBallot(.value(codes[0])).path, [("mark_\(a)", "不满意"), ("mark_\(b)", "不满意")])
            #expect(reuse.status == .conflict && reuse.text.contains("已使用过"))
            #expect(try await phone.get(SiteURL.publicBallot(.value(codes[0])).path).status == .conflict)
            // A wrong code is refused and audited (without the code).
            let wrong = try await phone.get(SiteURL.publicBallot(.value("ZZZZZZZZZZZ")).path)
            #expect(wrong.status == .conflict && wrong.text.contains("评议码不正确"))
            #expect(try await fixture.store.auditLog(entityPrefix: "rater-code:refused", limit: 10).count >= 3)

            // Comments wait for moderation; the unit sees only approved ones.
            let unitComments = SiteURL.raterUnitComments(.value(assessment.id)).path
            #expect(!(try await reporter.get(unitComments)).text.contains("窗口服务好"))

            // Close: frozen, and item 3 is scored from the tallies.
            #expect(
                try await organizer.post(SiteURL.raterRoundState(.value(round)).path, [("action", "close")]).status
                    == .seeOther)
            let late = try await Browser(client).get(SiteURL.publicBallot(.value(codes[1])).path)
            #expect(late.status == .conflict && late.text.contains("已结束"))
            page = try await organizer.get(SiteURL.raterRound(.value(round)).path)
            // Unit A: leaders 90 (1), departments 0 ballots → left out, public 100 (1):
            // (90 × 0.4 + 100 × 0.3) ÷ 0.7 = 94.2857… → 94.29; 25 × 94.29 ÷ 100 = 23.5725 → 23.57.
            #expect(page.text.contains("23.57"))
            #expect(page.text.contains("县领导评议 90.00（1票）×40%"))
            // Unit B: leaders 80, departments 70 (1 < minimum 2 → left out), public 80:
            // (80 × 0.4 + 80 × 0.3) ÷ 0.7 = 80 → 25 × 80 ÷ 100 = 20.
            #expect(page.text.contains("部门评议1票，少于2票，不计入"))
            let comment = try #require(try await fixture.store.raterComments(round: round).first)
            #expect(
                try await organizer.post(
                    SiteURL.raterComment(.value(round), .value(comment.id)).path, [("status", "approved")]
                ).status == .seeOther)
            #expect(try await reporter.get(unitComments).text.contains("窗口服务好"))
            let scoring = try await organizer.get(
                SiteURL.unitScoring(.value(assessment.id), .value(fixture.unitA.id)).path)
            #expect(scoring.text.contains("23.57"))
            let scores = try await Operations(fixture.deps).scores(of: assessment)
            let itemA = scores.rows.first { $0.unit.id == fixture.unitA.id }?.result.items.first { $0.itemID == "3" }
            let itemB = scores.rows.first { $0.unit.id == fixture.unitB.id }?.result.items.first { $0.itemID == "3" }
            #expect(itemA?.score == KaoheEngine.ExactDecimal("23.57")! && itemA?.state == .scored)
            #expect(itemB?.score == KaoheEngine.ExactDecimal(20))
        }
    }

    @Test("Dates open and close a round; a round closed by date is recorded closed and scores the item")
    func byDate() async throws {
        let fixture = try await Fixture.make()
        let (assessment, round, groups) = try await Self.newRound(fixture)
        let operations = Operations(fixture.deps)
        let organizer = fixture.users[.organizer]!
        // The clock starts at 2023-11-15 06:13 China time.
        await #expect(throws: AppError.invalid("结束时间应晚于开始时间")) {
            try await operations.updateRaterRound(
                round.id.rawValue,
                RaterRoundForm(title: "按日期", opensAt: "2023-11-15 08:00", closesAt: "2023-11-15 07:00", groups: groups),
                by: organizer)
        }
        _ = try await operations.updateRaterRound(
            round.id.rawValue,
            RaterRoundForm(title: "按日期", opensAt: "2023-11-15 07:00", closesAt: "2023-11-15 08:00", groups: groups),
            by: organizer)
        let (_, _, codes) = try await operations.generateRaterCodes(
            round.id.rawValue, group: "public", count: "2", by: organizer)
        let marks: [String: (mark: String, comment: String)] = [
            fixture.unitA.id.rawValue: ("满意", ""), fixture.unitB.id.rawValue: ("不满意", ""),
        ]
        await #expect(throws: AppError.conflict("评议“按日期”尚未开始")) {
            try await operations.submitPublicBallot(code: codes[0], marks: marks, clientAddress: nil)
        }
        fixture.clock.advance(3600)  // 07:13: open by date
        _ = try await operations.submitPublicBallot(code: codes[0], marks: marks, clientAddress: nil)
        // Settings are frozen once it has opened.
        await #expect(throws: AppError.conflict("评议“按日期”已开始或已结束，不能再修改设置")) {
            try await operations.updateRaterRound(
                round.id.rawValue, RaterRoundForm(title: "改名", opensAt: "", closesAt: "", groups: groups), by: organizer
            )
        }
        let before = try await operations.cachedScores(assessment.id.rawValue, for: organizer).scores
        #expect(before.rows.allSatisfy { $0.result.items.first { $0.itemID == "3" }?.state != .scored })
        fixture.clock.advance(3600)  // 08:13: closed by date
        await #expect(throws: AppError.conflict("评议“按日期”已结束，感谢您的关注")) {
            try await operations.submitPublicBallot(code: codes[1], marks: marks, clientAddress: nil)
        }
        let after = try await operations.cachedScores(assessment.id.rawValue, for: organizer).scores
        let itemA = after.rows.first { $0.unit.id == fixture.unitA.id }?.result.items.first { $0.itemID == "3" }
        let itemB = after.rows.first { $0.unit.id == fixture.unitB.id }?.result.items.first { $0.itemID == "3" }
        // Public only (leaders and departments left out): A 100 → 25, B 0 → 0.
        #expect(itemA?.score == ExactDecimal(25) && itemB?.score == .zero && itemB?.state == .scored)
        let stored = try #require(try await fixture.store.raterRound(round.id))
        #expect(stored.state == .closed)
        let closings = try await fixture.store.auditLog(entityPrefix: "rater-round:", limit: 20).filter {
            $0.action == "close"
        }
        #expect(closings.count == 1 && closings[0].actorName == "系统")
        await fixture.store.shutdown()
    }

    @Test("Guessing codes is slowed per address")
    func guessing() async throws {
        let fixture = try await Fixture.make()
        let operations = Operations(fixture.deps)
        for _ in 0..<10 {
            await #expect(throws: AppError.conflict("评议码不正确，请核对后重新输入")) {
                try await operations.publicBallot(code: "ZZZZZZZZZZZ", clientAddress: "203.0.113.9")
            }
        }
        await #expect(throws: AppError.self) {
            try await operations.publicBallot(code: "ZZZZZZZZZZZ", clientAddress: "203.0.113.9")
        }
        do {
            _ = try await operations.publicBallot(code: "ZZZZZZZZZZZ", clientAddress: "203.0.113.9")
        } catch let error as AppError {
            #expect(error.message.contains("秒后再试"))
        }
        // Another address is not slowed; a login from the slowed one is not either.
        await #expect(throws: AppError.conflict("评议码不正确，请核对后重新输入")) {
            try await operations.publicBallot(code: "ZZZZZZZZZZZ", clientAddress: "203.0.113.10")
        }
        #expect(try await fixture.store.loginThrottle(["address:203.0.113.9"]).isEmpty)
        await fixture.store.shutdown()
    }

    @Test("Codes: 11 characters without 0/O/1/I, at least 50 bits, distinct")
    func codes() {
        let codes = RaterCodes.generate(2000)
        #expect(Set(codes).count == 2000)
        #expect(codes.allSatisfy { $0.count == 11 && !$0.contains { "0O1I".contains($0) } })
        #expect(RaterCodes.bits >= 50)
        #expect(RaterCodes.normalize(" abcd-efgh-jkm ") == "ABCDEFGHJKM")
        #expect(RaterCodes.normalize("ABCDEFGHIJK") == nil)  // I is not in the alphabet
        // Every character of the alphabet turns up (the draw is not stuck on a subset).
        #expect(Set(codes.joined()).count == 32)
    }
}
