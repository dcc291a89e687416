import KaoheEngine
import KaoheFormats
import Testing

/// The built-in schemes against the reading rules of ../shared/spec/reference-schemes.md.
@Suite struct ReferenceSchemeTests {
    @Test(arguments: BuiltInSchemes.ids)
    func everyBuiltInSchemeLoads(id: String) throws {
        let scheme = try #require(try BuiltInSchemes.load(id))
        #expect(scheme.id == id)
        #expect(!scheme.notes.isEmpty, "scheme \(id) should document its interpretation notes")
        for type in scheme.unitTypes.isEmpty ? [nil] : scheme.unitTypes.map(\.id) {
            #expect(scheme.baseMaximum(for: type) == scheme.total)
        }
    }

    @Test func pingqiaoBands() throws {
        func coverage(_ rate: String) throws -> ExactDecimal? {
            try scoreUnit("pingqiao-2022", #"{"2.1":{"coverage":\#(rate)}}"#).score("2.1")
        }
        #expect(try coverage("0.8") == 20)
        #expect(try coverage("0.6") == 15)
        #expect(try coverage("0.7999") == 15)
        #expect(try coverage("0.5999") == 10)
        func accuracy(_ rate: String) throws -> ExactDecimal? {
            try scoreUnit("pingqiao-2022", #"{"2.2":{"accuracy":\#(rate)}}"#).score("2.2")
        }
        #expect(try accuracy("0.8") == 20)
        #expect(try accuracy("0.6") == 10)
        #expect(try accuracy("0.59") == 0)
        func complaints(_ onTime: Int, _ received: Int) throws -> ExactDecimal? {
            try scoreUnit(
                "pingqiao-2022", #"{"2.4":{"complaints_received":\#(received),"complaints_on_time":\#(onTime)}}"#
            ).score("2.4")
        }
        #expect(try complaints(0, 0) == 10)
        #expect(try complaints(8, 10) == 10)
        #expect(try complaints(6, 10) == 8)
        #expect(try complaints(5, 10) == 5)
        #expect(
            factsFailure(
                #"{"scheme":"pingqiao-2022","units":[{"id":"x","facts":{"2.4":{"complaints_received":3,"complaints_on_time":4}}}]}"#
            )?.contains("complaints_on_time") == true)
        func reports(_ n: Int) throws -> ExactDecimal? {
            try scoreUnit("pingqiao-2022", #"{"3.1":{"reports":\#(n)}}"#).score("3.1")
        }
        #expect(try reports(3) == 5)
        #expect(try reports(2) == 0)
        let empty = try scoreUnit("pingqiao-2022", "{}")
        #expect(!empty.complete)
        #expect(empty.pending.contains("3.1"))
        #expect(empty.pending.contains("2.4"))
        #expect(!empty.pending.contains("3.3"))  // absent levels = none
        #expect(empty.total == 0)
        let commended = try scoreUnit("pingqiao-2022", #"{"3.3":{"commendations":["province","city"]}}"#)
        #expect(commended.score("3.3") == 5)
    }

    @Test func shuangyashanEffectsAndHalves() throws {
        let notStarted = try scoreUnit(
            "shuangyashan-2017", #"{"4.1":{"system_started":false},"4.2":{"supervised":true},"4.3":{}}"#)
        #expect(notStarted.score("4.1") == 0)
        #expect(
            notStarted.item("4.2")?.state
                == .zeroedByEffect(
                    reason: notStarted.item("4.2").map { if case .zeroedByEffect(let r) = $0.state { r } else { "" } }
                        ?? ""))
        #expect(notStarted.score("4.3") == 0)
        let ignored = try scoreUnit(
            "shuangyashan-2017",
            #"{"4.1":{"system_started":true,"staffed":true,"mechanism":true},"4.2":{"supervised":true,"ignored_city_warnings":4}}"#
        )
        #expect(ignored.score("4.1") == 0)
        #expect(ignored.score("4.2") == 0)
        let threeIgnored = try scoreUnit(
            "shuangyashan-2017",
            #"{"4.1":{"system_started":true,"staffed":true,"mechanism":true},"4.2":{"supervised":true,"ignored_city_warnings":3}}"#
        )
        #expect(threeIgnored.score("4.1") == 10)
        #expect(threeIgnored.score("4.2") == 5)
        #expect(threeIgnored.score("4.3") == 3)
        func efficiency(_ exposures: Int) throws -> ExactDecimal? {
            try scoreUnit("shuangyashan-2017", #"{"4.4":{"assessed":true,"exposures":\#(exposures)}}"#).score("4.4")
        }
        #expect(try efficiency(0) == 2)
        #expect(try efficiency(1) == 1)
        #expect(try efficiency(2) == 0)
        func reports(_ missed: Int, _ late: Int) throws -> ExactDecimal? {
            try scoreUnit("shuangyashan-2017", #"{"1.4":{"missed_reports":\#(missed),"late_reports":\#(late)}}"#).score(
                "1.4")
        }
        #expect(try reports(1, 0) == 4)
        #expect(try reports(1, 1) == 0)
        #expect(try reports(0, 2) == 0)
        let included = try scoreUnit("shuangyashan-2017", #"{"1.2":{"in_appraisal":true,"appraisal_weight":4.5}}"#)
        #expect(included.score("1.2") == 2)
        let weightFive = try scoreUnit("shuangyashan-2017", #"{"1.2":{"in_appraisal":true,"appraisal_weight":5}}"#)
        #expect(weightFive.score("1.2") == 5)
        let excluded = try scoreUnit("shuangyashan-2017", #"{"1.2":{"in_appraisal":false}}"#)
        #expect(excluded.score("1.2") == 0)
        #expect(!excluded.pending.contains("1.2"))
        func column(_ unresolved: Int) throws -> ExactDecimal? {
            try scoreUnit("shuangyashan-2017", #"{"5.3":{"column":true,"unresolved":\#(unresolved)}}"#).score("5.3")
        }
        #expect(try column(1) == 1)
        #expect(try column(2) == 0)
        #expect(try column(3) == 0)
        let bonus = try scoreUnit(
            "shuangyashan-2017", #"{"7.1":{"parallel_approval":true},"7.3":{"quality_measures":true}}"#,
            parameters: #"{"annual_weight":20}"#)
        #expect(bonus.bonus == 15)
        #expect(bonus.annual == (bonus.total * 20 / 100).rounded(places: 2))
    }

    @Test func changbaiGongkai() throws {
        let onTime = try scoreUnit(
            "changbai-2020-gongkai", #"{"2.3":{"interpretations":[{"policy":"2020-09-30","published":"2020-10-12"}]}}"#)
        #expect(onTime.score("2.3") == 5)
        let late = try scoreUnit(
            "changbai-2020-gongkai", #"{"2.3":{"interpretations":[{"policy":"2020-09-30","published":"2020-10-13"}]}}"#)
        #expect(late.score("2.3") == 0)
        let none = try scoreUnit("changbai-2020-gongkai", #"{"2.3":{"interpretations":[]}}"#)
        #expect(none.score("2.3") == 0)
        let months = try scoreUnit("changbai-2020-gongkai", #"{"5":{"monthly":[1,1,0,2,1,1,0,1,1,1,1,1]}}"#)
        #expect(months.score("5") == 10)
        let leak = try scoreUnit("changbai-2020-gongkai", #"{"2.2":{"missed":1,"leak":true}}"#)
        #expect(leak.score("2.2") == 0)
        let missed = try scoreUnit("changbai-2020-gongkai", #"{"2.2":{"missed":2},"1":{"missing_elements":7}}"#)
        #expect(missed.score("2.2") == 26)
        #expect(missed.score("1") == 0)
    }

    static let fullFangguanfu = #"{"2":{"rules":"implemented"}"#

    @Test func changbaiFangguanfuGradesAndDowngrade() throws {
        let perfect = try scoreUnit("changbai-2020-fangguanfu", Self.fullFangguanfu + "}")
        #expect(perfect.total == 100)
        #expect(perfect.grade == "优秀")
        #expect(!perfect.downgrade)
        // 90 exactly → 优秀 (favourable boundary); 70 → 合格; 69 → 不合格 and downgraded.
        let ninety = try scoreUnit("changbai-2020-fangguanfu", Self.fullFangguanfu + #","4":{"violations":5}}"#)
        #expect(ninety.total == 90)
        #expect(ninety.grade == "优秀")
        let seventy = try scoreUnit(
            "changbai-2020-fangguanfu",
            Self.fullFangguanfu + #","6":{"violations":1},"8":{"violations":2},"5":{"violations":2}}"#)
        #expect(seventy.total == 70)
        #expect(seventy.grade == "合格")
        #expect(!seventy.downgrade)
        let low = try scoreUnit(
            "changbai-2020-fangguanfu", Self.fullFangguanfu + #","6":{"violations":1},"7":{"violations":1}}"#)
        #expect(low.total == 70)
        let below = try scoreUnit(
            "changbai-2020-fangguanfu",
            Self.fullFangguanfu + #","6":{"violations":1},"7":{"violations":1},"1":{"leader_not_involved":true}}"#)
        #expect(below.total == 69)
        #expect(below.grade == "不合格")
        #expect(below.downgrade)
        let county = try scoreUnit(
            "changbai-2020-fangguanfu", Self.fullFangguanfu + #","downgrade":{"county_notices":1}}"#)
        #expect(!county.downgrade)
        let twice = try scoreUnit(
            "changbai-2020-fangguanfu", Self.fullFangguanfu + #","downgrade":{"county_notices":2,"city_notices":1}}"#)
        #expect(twice.downgrade)
        #expect(twice.downgradeReasons.count == 2)
        #expect(twice.grade == "优秀")
        let coordination = try scoreUnit("changbai-2020-fangguanfu", Self.fullFangguanfu + #","5":{"violations":1}}"#)
        #expect(coordination.score("5") == ExactDecimal("2.5"))
    }

    @Test func changbaiXinxiMayExceedMax() throws {
        let result = try scoreUnit(
            "changbai-2020-xinxi",
            #"{"1":{"submitted":52},"2":{"adopted":5},"3":{"has_rules":true,"keeps_signed_copies":false},"4":{"leadership":true,"mechanism":true,"dedicated_staff":false,"cooperation":true}}"#
        )
        #expect(result.score("1") == 42)
        #expect(result.score("2") == 23)
        #expect(result.score("3") == 10)
        #expect(result.score("4") == 15)
        #expect(result.total == 90)
        let none = try scoreUnit("changbai-2020-xinxi", #"{"1":{"submitted":0},"2":{"adopted":0}}"#)
        #expect(none.score("1") == 0)
        #expect(none.score("2") == 18)
    }

    @Test func changbaiTemplatesUseRatersAndUnitTypes() throws {
        let yingshang = try #require(try BuiltInSchemes.load("changbai-2020-yingshang"))
        #expect(yingshang.items.contains { if case .raters = $0.rule { true } else { false } })
        #expect(yingshang.categories.contains { $0.kind == .bonus })
        let xinyong = try #require(try BuiltInSchemes.load("changbai-2020-xinyong"))
        #expect(xinyong.unitTypes.count == 2)
        let township = xinyong.items.filter { xinyong.applies($0, to: "township") }.count
        let department = xinyong.items.filter { xinyong.applies($0, to: "department") }.count
        #expect(township != department)
        #expect(
            factsFailure(#"{"scheme":"changbai-2020-xinyong","units":[{"id":"x","facts":{}}]}"#)?.contains("type")
                == true)
    }

    @Test func xinbeiBoundaries() throws {
        func checks(_ n: Int) throws -> ExactDecimal? {
            try scoreUnit("xinbei-sanheyi", #"{"22":{"checks":\#(n)}}"#).score("22")
        }
        #expect(try checks(201) == 2)
        #expect(try checks(200) == 1)
        #expect(try checks(150) == 1)
        #expect(try checks(149) == 0)
        func supervision(_ s: String, _ f: String) throws -> ExactDecimal? {
            try scoreUnit("xinbei-sanheyi", #"{"24":{"supervision_rate":\#(s),"feedback_rate":\#(f)}}"#).score("24")
        }
        #expect(try supervision("1", "1") == 2)
        #expect(try supervision("0.99", "0.6") == ExactDecimal("1.5"))
        #expect(try supervision("0.8", "0.6") == 1)
        #expect(try supervision("0.6", "0.6") == 1)
        #expect(try supervision("0.59", "0.59") == 0)
        let consultations = try scoreUnit(
            "xinbei-sanheyi",
            #"{"21":{"consultations":[{"received":"2020-09-30","replied":"2020-10-12"},{"received":"2020-09-25","replied":"2020-09-30"},{"received":"2020-09-25","replied":null}]}}"#
        )
        #expect(consultations.score("21") == ExactDecimal("0.5"))
        let bonus = try scoreUnit(
            "xinbei-sanheyi",
            #"{"bonus":{"online_cases":10001,"online_cases_last_year":9000,"innovation":3},"penalty":{"penalty":2.5}}"#)
        #expect(bonus.bonus == 5)
        #expect(bonus.penalty == ExactDecimal("2.5"))
        let noBonus = try scoreUnit(
            "xinbei-sanheyi", #"{"bonus":{"online_cases":10000,"online_cases_last_year":9000}}"#)
        #expect(noBonus.bonus == 0)
        #expect(
            factsFailure(#"{"scheme":"xinbei-sanheyi","units":[{"id":"x","facts":{"penalty":{"penalty":4}}}]}"#)?
                .contains("3") == true)
    }
}
