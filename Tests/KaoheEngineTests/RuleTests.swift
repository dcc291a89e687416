import KaoheEngine
import Testing

/// Scores one item of a one-item scheme.
func scoreItem(
    _ item: Item, _ facts: [String: FactValue], calendar: WorkCalendar = WorkCalendarTests.calendar,
    parameters: [Parameter] = []
) throws -> (ItemResult, String) {
    let scheme = try Scheme(
        id: "t", title: "t", total: item.max, categories: [Category(id: "c", name: "c", items: [item])],
        parameters: parameters)
    var sheet = FactSheet(slotCount: scheme.slots.count)
    for (name, value) in facts { sheet[try #require(scheme.slot(group: item.id, fact: name))] = value }
    let result = Engine.score(
        UnitInput(id: "u", name: "u", facts: sheet), scheme: scheme, context: ScoringContext(calendar: calendar))
    let item = result.items[0]
    return (item, Explainer(scheme: scheme).explain(item, facts: sheet))
}

func d(_ text: String) -> ExactDecimal { ExactDecimal(text)! }

@Suite struct RuleTests {
    @Test func passRule() throws {
        let item = Item(
            id: "1", name: "n", max: 5, facts: [FactSpec("ok", .bool, label: "成立领导小组")], rule: .pass(FactName("ok")))
        #expect(try scoreItem(item, ["ok": .bool(true)]).0.score == 5)
        #expect(try scoreItem(item, ["ok": .bool(false)]).0.score == 0)
        let (pending, text) = try scoreItem(item, [:])
        #expect(pending.state == .pending(missing: ["1/ok"]))
        #expect(text.contains("待评"))
    }

    @Test func perIncidentDeductionsFloorAtZero() throws {
        let item = Item(
            id: "13", name: "n", max: 30, facts: [FactSpec("offline_cases", .count, label: "网下办件", unit: "件")],
            rule: .deduct([.perCount(FactName("offline_cases"), points: 2)]))
        let (three, text) = try scoreItem(item, ["offline_cases": .count(3)])
        #expect(three.score == 24)
        #expect(text == "网下办件3件 × 2分 = 扣6分；30 − 6 = 24分")
        #expect(try scoreItem(item, ["offline_cases": .count(20)]).0.score == 0)
        #expect(try scoreItem(item, ["offline_cases": .count(20)]).1.contains("扣完为止"))
        #expect(try scoreItem(item, [:]).0.score == 30)  // absent count = no incidents
    }

    @Test func zeroTermsDecideFirstAndFractions() throws {
        let item = Item(
            id: "4.4", name: "n", max: 2,
            facts: [
                FactSpec("assessed", .bool, label: "开展审批效能评估"),
                FactSpec("exposures", .count, label: "效能投诉或媒体曝光", unit: "件"),
            ],
            rule: .deduct([
                .zero(when: .isFalse(FactName("assessed"))),
                .zero(when: .compare(.fact(FactName("exposures")), .atLeast, .constant(2))),
                .fractionOfMax(d("0.5"), when: .compare(.fact(FactName("exposures")), .equal, .constant(1))),
            ]))
        #expect(try scoreItem(item, ["assessed": .bool(true)]).0.score == 2)
        #expect(try scoreItem(item, ["assessed": .bool(true), "exposures": .count(1)]).0.score == 1)
        #expect(try scoreItem(item, ["assessed": .bool(true), "exposures": .count(2)]).0.score == 0)
        #expect(try scoreItem(item, ["assessed": .bool(false)]).0.score == 0)
        #expect(try scoreItem(item, ["exposures": .count(3)]).0.score == 0)  // zeroed even without `assessed`
        #expect(try scoreItem(item, ["exposures": .count(1)]).0.state == .pending(missing: ["4.4/assessed"]))
    }

    @Test func rateBandsTakeTheFavourableBoundary() throws {
        let bands = [
            Band(Interval(lower: Bound(d("0.8"), inclusive: true)), 20),
            Band(Interval(lower: Bound(d("0.6"), inclusive: true), upper: Bound(d("0.8"), inclusive: true)), 15),
            Band(Interval(upper: Bound(d("0.6"), inclusive: false)), 10),
        ]
        let item = Item(
            id: "2.1", name: "n", max: 20, facts: [FactSpec("coverage", .rate, label: "覆盖率")],
            rule: .bands(.fact(FactName("coverage")), bands))
        #expect(try scoreItem(item, ["coverage": .decimal(d("0.8"))]).0.score == 20)
        #expect(try scoreItem(item, ["coverage": .decimal(d("0.79999"))]).0.score == 15)
        #expect(try scoreItem(item, ["coverage": .decimal(d("0.6"))]).0.score == 15)
        #expect(try scoreItem(item, ["coverage": .decimal(d("0.59"))]).0.score == 10)
        #expect(try scoreItem(item, ["coverage": .decimal(d("0.85"))]).1 == "覆盖率85%，属“80%以上” → 20分")
    }

    @Test func ratioBandsUseExactFractionsAndDefaultWhenZero() throws {
        let bands = [
            Band(Interval(lower: Bound(d("0.8"), inclusive: true)), 10),
            Band(Interval(lower: Bound(d("0.6"), inclusive: true), upper: Bound(d("0.8"), inclusive: false)), 8),
            Band(Interval(upper: Bound(d("0.6"), inclusive: false)), 5),
        ]
        let item = Item(
            id: "2.4", name: "n", max: 10,
            facts: [
                FactSpec("on_time", .count, label: "限时办结", required: true),
                FactSpec("received", .count, label: "受理投诉", required: true),
            ],
            rule: .bands(.ratio(numerator: FactName("on_time"), denominator: FactName("received"), whenZero: 1), bands))
        #expect(try scoreItem(item, ["on_time": .count(0), "received": .count(0)]).0.score == 10)
        #expect(try scoreItem(item, ["on_time": .count(4), "received": .count(5)]).0.score == 10)
        #expect(try scoreItem(item, ["on_time": .count(2), "received": .count(3)]).0.score == 8)  // 66.7%
        #expect(try scoreItem(item, ["on_time": .count(3), "received": .count(5)]).0.score == 8)  // exactly 60%
        #expect(try scoreItem(item, ["on_time": .count(1), "received": .count(3)]).0.score == 5)
        #expect(try scoreItem(item, ["received": .count(3)]).0.state == .pending(missing: ["2.4/on_time"]))
    }

    @Test func countThresholdAndChoice() throws {
        let threshold = Item(
            id: "3.1", name: "n", max: 5,
            facts: [FactSpec("reports", .count, label: "报送信息", unit: "篇", required: true)],
            rule: .bands(
                .fact(FactName("reports")),
                [
                    Band(Interval(lower: Bound(3, inclusive: true)), 5),
                    Band(Interval(upper: Bound(3, inclusive: false)), 0),
                ]))
        #expect(try scoreItem(threshold, ["reports": .count(3)]).0.score == 5)
        #expect(try scoreItem(threshold, ["reports": .count(2)]).0.score == 0)
        #expect(try scoreItem(threshold, [:]).0.state == .pending(missing: ["3.1/reports"]))
        let options = [FactOption("effective", "有效"), FactOption("ineffective", "不到位"), FactOption("missing", "未建立")]
        let choice = Item(
            id: "2.2", name: "n", max: 3, facts: [FactSpec("mechanism", .choice(options), label: "协作机制")],
            rule: .choice(FactName("mechanism"), ["effective": 3, "ineffective": 2, "missing": 1]))
        #expect(try scoreItem(choice, ["mechanism": .choice("ineffective")]).0.score == 2)
        #expect(try scoreItem(choice, ["mechanism": .choice("ineffective")]).1 == "协作机制：不到位 → 2分")
    }

    @Test func levelsAddUpToTheCap() throws {
        let levels = [FactOption("province", "省级"), FactOption("city", "市级"), FactOption("district", "区级")]
        let item = Item(
            id: "3.3", name: "n", max: 5, facts: [FactSpec("commendations", .levels(levels), label: "受表扬")],
            rule: .award([.perLevel(FactName("commendations"), ["province": 5, "city": 3, "district": 2])]))
        #expect(try scoreItem(item, ["commendations": .levels(["city", "district"])]).0.score == 5)
        #expect(try scoreItem(item, ["commendations": .levels(["city", "city"])]).0.score == 5)
        #expect(try scoreItem(item, ["commendations": .levels(["city", "city"])]).1.contains("最高不超过5分"))
        #expect(try scoreItem(item, ["commendations": .levels(["district"])]).0.score == 2)
        #expect(try scoreItem(item, [:]).0.score == 0)
    }

    @Test func linearMayExceedMax() throws {
        let item = Item(
            id: "1", name: "n", max: 30,
            facts: [FactSpec("submitted", .count, label: "信息上报", unit: "条", required: true)],
            rule: .linear(FactName("submitted"), base: 30, baseline: 40, per: 1, floor: 0), mayExceedMax: true)
        #expect(try scoreItem(item, ["submitted": .count(45)]).0.score == 35)
        #expect(try scoreItem(item, ["submitted": .count(35)]).0.score == 25)
        #expect(try scoreItem(item, ["submitted": .count(0)]).0.score == 0)
        #expect(try scoreItem(item, ["submitted": .count(45)]).1 == "30 + (信息上报45条 − 40) = 35分 → 35分")
    }

    @Test func workingDayTimelinessOverDatePairs() throws {
        let fields = [FactOption("received", "收到"), FactOption("replied", "回复")]
        let item = Item(
            id: "21", name: "n", max: 2,
            facts: [FactSpec("consultations", .dates(fields: fields), label: "咨询", unit: "件")],
            rule: .deduct([
                .lateDates(
                    FactName("consultations"), from: "received", to: "replied", workingDays: 3, perLate: d("0.5"),
                    perMissing: 1)
            ]))
        func day(_ s: String) -> Day { Day(iso: s)! }
        let onTime: FactValue = .dates([
            [day("2020-09-25"), day("2020-09-29")], [day("2020-09-30"), day("2020-10-12")],
        ])
        #expect(try scoreItem(item, ["consultations": onTime]).0.score == 2)
        let late: FactValue = .dates([
            [day("2020-09-25"), day("2020-09-30")], [day("2020-09-30"), day("2020-10-13")], [day("2020-09-30"), nil],
        ])
        let (result, text) = try scoreItem(item, ["consultations": late])
        #expect(result.score == 0)  // 2 − 0.5 − 0.5 − 1
        #expect(text.contains("超期2件 × 0.5分 + 未办理1件 × 1分 = 扣2分"))
        let timely = Item(
            id: "2.3", name: "n", max: 5,
            facts: [FactSpec("interpretations", .dates(fields: fields), label: "政策解读", unit: "次")],
            rule: .timely(FactName("interpretations"), from: "received", to: "replied", workingDays: 3, atLeast: 1))
        #expect(try scoreItem(timely, [:]).0.score == 0)
        #expect(try scoreItem(timely, ["interpretations": onTime]).0.score == 5)
        #expect(try scoreItem(timely, ["interpretations": late]).0.score == 0)
    }

    @Test func monthsShortDeduction() throws {
        let item = Item(
            id: "5", name: "n", max: 12,
            facts: [FactSpec("monthly", .counts12, label: "每月报送信息", unit: "条", required: true)],
            rule: .deduct([.monthsShort(FactName("monthly"), atLeast: 1, points: 1)]))
        #expect(try scoreItem(item, ["monthly": .counts([1, 0, 2, 0, 1, 1, 1, 1, 1, 1, 1, 0])]).0.score == 9)
        #expect(try scoreItem(item, [:]).0.state == .pending(missing: ["5/monthly"]))
    }

    @Test func manualAndWeightedRaters() throws {
        let manual = Item(
            id: "1", name: "n", max: 30, facts: [FactSpec("score", .number(min: 0, max: 30), label: "评分")],
            rule: .manual(FactName("score")))
        #expect(try scoreItem(manual, ["score": .decimal(d("27.5"))]).0.score == d("27.5"))
        let parameters = [
            Parameter(id: "w1", name: "县领导", defaultValue: d("0.4")),
            Parameter(id: "w2", name: "部门", defaultValue: d("0.3")),
            Parameter(id: "w3", name: "社会", defaultValue: d("0.3")),
        ]
        let raters = Item(
            id: "3", name: "n", max: 20,
            facts: [
                FactSpec("leaders", .number(min: 0, max: 100), label: "县领导评议"),
                FactSpec("departments", .number(min: 0, max: 100), label: "县直部门评议"),
                FactSpec("public", .number(min: 0, max: 100), label: "社会评议"),
            ],
            rule: .raters(
                [
                    RaterGroup(fact: FactName("leaders"), weightParameter: "w1"),
                    RaterGroup(fact: FactName("departments"), weightParameter: "w2"),
                    RaterGroup(fact: FactName("public"), weightParameter: "w3"),
                ], scale: 100))
        let facts: [String: FactValue] = ["leaders": .decimal(90), "departments": .decimal(80), "public": .decimal(70)]
        let (result, text) = try scoreItem(raters, facts, parameters: parameters)
        #expect(result.score == d("16.2"))  // (36 + 24 + 21) = 81 → 81 × 20 / 100
        #expect(text.contains("= 81"))
    }

    @Test func discretionaryValueAndConditionalBonus() throws {
        let item = Item(
            id: "bonus", name: "n", max: 5,
            facts: [
                FactSpec("online_cases", .count, label: "网上办件", unit: "件"),
                FactSpec("online_cases_last_year", .count, label: "去年网上办件", unit: "件"),
                FactSpec("innovation", .number(min: 0, max: 3), label: "创新加分", defaultValue: .decimal(0)),
            ],
            rule: .award([
                .points(
                    2,
                    when: .any([
                        .compare(.fact(FactName("online_cases")), .above, .constant(10000)),
                        .compare(
                            .fact(FactName("online_cases")), .above,
                            .scaledFact(FactName("online_cases_last_year"), factor: d("1.3"))),
                    ])),
                .value(FactName("innovation")),
            ]))
        #expect(
            try scoreItem(item, ["online_cases": .count(10000), "online_cases_last_year": .count(8000)]).0.score == 0)
        #expect(try scoreItem(item, ["online_cases": .count(1)]).0.score == 2)  // growth over a last year of 0
        #expect(
            try scoreItem(item, ["online_cases": .count(10001), "online_cases_last_year": .count(8000)]).0.score == 2)
        #expect(
            try scoreItem(item, ["online_cases": .count(1300), "online_cases_last_year": .count(1000)]).0.score == 0)
        #expect(
            try scoreItem(item, ["online_cases": .count(1301), "online_cases_last_year": .count(1000)]).0.score == 2)
        #expect(try scoreItem(item, ["online_cases": .count(20000), "innovation": .decimal(3)]).0.score == 5)
    }
}

@Suite struct RankingTests {
    func result(_ id: String, _ total: Int, type: String? = nil) -> UnitResult {
        UnitResult(
            id: id, name: id, unitType: type, items: [], base: ExactDecimal(total), baseMax: 100, bonus: 0, penalty: 0,
            total: ExactDecimal(total), annual: nil, grade: nil, downgrade: false, downgradeReasons: [], pending: [],
            rank: 0)
    }

    @Test func tiesShareARankAndTheNextIsSkipped() {
        var results = [result("a", 80), result("b", 90), result("c", 90), result("d", 70)]
        Engine.rank(&results)
        #expect(results.map(\.rank) == [3, 1, 1, 4])
    }

    @Test func ranksWithinUnitTypes() {
        var results = [
            result("a", 80, type: "township"), result("b", 90, type: "department"), result("c", 85, type: "township"),
        ]
        Engine.rank(&results)
        #expect(results.map(\.rank) == [2, 1, 1])
    }

    @Test func manualScoresAreKeptToTwoDecimals() throws {
        let manual = Item(
            id: "1", name: "n", max: 30, facts: [FactSpec("score", .number(min: 0, max: 30), label: "评分")],
            rule: .manual(FactName("score")))
        #expect(try scoreItem(manual, ["score": .decimal(d("27.125"))]).0.score == d("27.13"))
    }
}
