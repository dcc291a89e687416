import KaoheEngine
import Testing

/// raters.md against hand computations.
@Suite struct RaterArithmeticTests {
    func marks(_ values: [String]) -> [ExactDecimal] { values.map(d) }

    @Test func trimmingNeedsTwoKPlusThreeBallots() {
        // k = 1, 2k + 2 = 4 ballots: nothing dropped, (70 + 80 + 90 + 100) ÷ 4 = 85.
        #expect(
            RaterArithmetic.tally(marks: marks(["70", "80", "90", "100"]), trim: 1, minimum: 1)
                == .counted(ballots: 4, dropped: 0, mean: d("85")))
        // 2k + 3 = 5 ballots: 60 and 100 dropped, (80 + 85 + 91) ÷ 3 = 85.333… → 85.33.
        #expect(
            RaterArithmetic.tally(marks: marks(["100", "60", "85", "91", "80"]), trim: 1, minimum: 1)
                == .counted(ballots: 5, dropped: 2, mean: d("85.33")))
        // k = 2 at 2k + 2 = 6 ballots: nothing dropped, 450 ÷ 6 = 75.
        #expect(
            RaterArithmetic.tally(marks: marks(["50", "60", "70", "80", "90", "100"]), trim: 2, minimum: 1)
                == .counted(ballots: 6, dropped: 0, mean: d("75")))
        // k = 2 at 2k + 3 = 7 ballots: 10, 20, 99, 100 dropped; (70 + 80 + 90) ÷ 3 = 80.
        #expect(
            RaterArithmetic.tally(marks: marks(["10", "20", "70", "80", "90", "99", "100"]), trim: 2, minimum: 1)
                == .counted(ballots: 7, dropped: 4, mean: d("80")))
    }

    @Test func trimmingOverCountedLevels() {
        // 满意 ×3, 基本满意 ×1, 不满意 ×1, k = 1: 0 and one 100 dropped; (80 + 100 + 100) ÷ 3 = 93.333… → 93.33.
        let tally = RaterArithmetic.tally(
            [(mark: d("100"), count: 3), (mark: d("80"), count: 1), (mark: d("0"), count: 1)], trim: 1, minimum: 1)
        #expect(tally == .counted(ballots: 5, dropped: 2, mean: d("93.33")))
        // Without trimming: 380 ÷ 5 = 76.
        #expect(
            RaterArithmetic.tally(
                [(mark: d("100"), count: 3), (mark: d("80"), count: 1), (mark: d("0"), count: 1)],
                trim: 0, minimum: 1) == .counted(ballots: 5, dropped: 0, mean: d("76")))
    }

    @Test func meansRoundHalfUp() {
        // (80 + 85.01) ÷ 2 = 82.505 → 82.51; (80 + 85.02 + 85.02) ÷ 3 = 83.3466… → 83.35; 2 ÷ 3 → 0.67.
        #expect(RaterArithmetic.tally(marks: marks(["80", "85.01"]), trim: 0, minimum: 1).mean == d("82.51"))
        #expect(RaterArithmetic.tally(marks: marks(["80", "85.02", "85.02"]), trim: 0, minimum: 1).mean == d("83.35"))
        #expect(RaterArithmetic.tally(marks: marks(["0", "1", "1"]), trim: 0, minimum: 1).mean == d("0.67"))
        // W = (0.5 × 80.01 + 0.5 × 80) ÷ 1 = 80.005 → 80.01.
        #expect(RaterArithmetic.weightedScore([(d("80.01"), d("0.5")), (d("80"), d("0.5"))]) == d("80.01"))
        // 25 × 88.96 ÷ 100 = 22.24; 15 × 86.67 ÷ 100 = 13.0005 → 13.
        #expect(RaterArithmetic.itemScore(weighted: d("88.96"), max: 25, scale: 100) == d("22.24"))
        #expect(RaterArithmetic.itemScore(weighted: d("86.67"), max: 15, scale: 100) == d("13"))
        #expect(RaterArithmetic.itemScore(weighted: d("86.70"), max: 15, scale: 100) == d("13.01"))
    }

    @Test func minimumLeavesTheGroupOut() {
        #expect(
            RaterArithmetic.tally(marks: marks(["90", "80"]), trim: 0, minimum: 3) == .leftOut(ballots: 2, minimum: 3))
        #expect(RaterArithmetic.tally(marks: [], trim: 0, minimum: 1) == .leftOut(ballots: 0, minimum: 1))
        #expect(
            RaterArithmetic.tally(marks: marks(["90", "80", "70"]), trim: 0, minimum: 3)
                == .counted(ballots: 3, dropped: 0, mean: d("80")))
    }

    @Test func twoDecimalsAndGroupedCounts() {
        #expect(d("92.5").twoDecimals == "92.50")
        #expect(d("88").twoDecimals == "88.00")
        #expect(d("0.05").twoDecimals == "0.05")
        #expect(groupedCount(1204) == "1,204")
        #expect(groupedCount(999) == "999")
        #expect(groupedCount(1_234_567) == "1,234,567")
    }

    // MARK: The item

    let parameters = [
        Parameter(id: "w1", name: "县领导", defaultValue: d("0.4")),
        Parameter(id: "w2", name: "部门", defaultValue: d("0.3")),
        Parameter(id: "w3", name: "社会", defaultValue: d("0.3")),
    ]

    func scheme() throws -> Scheme {
        let item = Item(
            id: "3", name: "年终评议", max: 25,
            facts: [
                FactSpec("leaders", .number(min: 0, max: 100), label: "县领导评议得分"),
                FactSpec("departments", .number(min: 0, max: 100), label: "部门评议得分"),
                FactSpec("public", .number(min: 0, max: 100), label: "社会评议得分"),
            ],
            rule: .raters(
                [
                    RaterGroup(fact: FactName("leaders"), weightParameter: "w1"),
                    RaterGroup(fact: FactName("departments"), weightParameter: "w2"),
                    RaterGroup(fact: FactName("public"), weightParameter: "w3"),
                ], scale: 100))
        return try Scheme(
            id: "t", title: "t", total: 25, categories: [Category(id: "c", name: "c", items: [item])],
            parameters: parameters)
    }

    func score(_ tallies: [String: RaterTally]) throws -> (ItemResult, String) {
        let scheme = try scheme()
        var bySlot: [Int: RaterTally] = [:]
        for (fact, tally) in tallies { bySlot[try #require(scheme.slot(group: "3", fact: fact))] = tally }
        let sheet = FactSheet(slotCount: scheme.slots.count)
        let result = Engine.score(
            UnitInput(id: "u", name: "u", facts: sheet, raterTallies: bySlot), scheme: scheme,
            context: ScoringContext(calendar: WorkCalendarTests.calendar))
        return (result.items[0], Explainer(scheme: scheme).explain(result.items[0], facts: sheet))
    }

    @Test func theSpecExample() throws {
        let (result, text) = try score([
            "leaders": .counted(ballots: 8, dropped: 0, mean: d("92.5")),
            "departments": .counted(ballots: 25, dropped: 2, mean: d("88")),
            "public": .counted(ballots: 1204, dropped: 0, mean: d("85.2")),
        ])
        // 0.4 × 92.50 + 0.3 × 88.00 + 0.3 × 85.20 = 37 + 26.4 + 25.56 = 88.96; 25 × 88.96 ÷ 100 = 22.24.
        #expect(result.score == d("22.24"))
        #expect(
            text
                == "县领导评议 92.50（8票）×40% + 部门评议 88.00（25票，去掉最高最低）×30% + 社会评议 85.20（1,204票）×30% = 88.96；25 × 88.96% = 22.24分"
        )
    }

    @Test func aGroupLeftOutRescalesTheOthers() throws {
        let (result, text) = try score([
            "leaders": .leftOut(ballots: 2, minimum: 3),
            "departments": .counted(ballots: 25, dropped: 2, mean: d("88")),
            "public": .counted(ballots: 1204, dropped: 0, mean: d("85.2")),
        ])
        // (0.3 × 88 + 0.3 × 85.2) ÷ 0.6 = 51.96 ÷ 0.6 = 86.60; 25 × 86.60 ÷ 100 = 21.65.
        #expect(result.state == .scored)
        #expect(result.score == d("21.65"))
        #expect(text.contains("= 86.60"))
        #expect(text.contains("县领导评议2票，少于3票，不计入"))
        #expect(text.hasSuffix("25 × 86.60% = 21.65分"))
    }

    @Test func everyGroupLeftOutIsPending() throws {
        let (result, text) = try score([
            "leaders": .leftOut(ballots: 0, minimum: 1), "departments": .leftOut(ballots: 1, minimum: 2),
            "public": .leftOut(ballots: 0, minimum: 1),
        ])
        #expect(result.state == .pending(missing: ["3/leaders", "3/departments", "3/public"]))
        #expect(result.score == 0)
        #expect(text.hasPrefix("待评"))
    }

    @Test func aTallyTakesThePlaceOfTheTypedFactAndAMissingGroupIsPending() throws {
        // Only two groups supplied, the third neither supplied nor typed in: pending on it.
        let (result, _) = try score([
            "leaders": .counted(ballots: 8, dropped: 0, mean: d("90")),
            "departments": .counted(ballots: 25, dropped: 0, mean: d("80")),
        ])
        #expect(result.state == .pending(missing: ["3/public"]))
    }
}
