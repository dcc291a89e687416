import KaoheEngine
import KaoheFormats
import Testing

@Suite struct FactsDocumentTests {
    func doc(_ facts: String, scheme: String = "pingqiao-2022") -> String {
        "{\"scheme\":\"\(scheme)\",\n\"units\":[\n{\"id\":\"u1\",\"facts\":\(facts)}]}"
    }

    @Test func badInputNamesUnitItemAndFact() throws {
        let cases: [(String, [String])] = [
            (doc(#"{"9.9":{"x":1}}"#), ["u1", "9.9"]),
            (doc(#"{"2.1":{"coverag":0.5}}"#), ["u1", "2.1", "coverag"]),
            (doc(#"{"2.1":{"coverage":"high"}}"#), ["u1", "2.1", "coverage", "数字"]),
            (doc(#"{"2.1":{"coverage":1.2}}"#), ["u1", "2.1", "coverage", "0 到 1"]),
            (doc(#"{"3.1":{"reports":-1}}"#), ["u1", "3.1", "reports", "负数"]),
            (doc(#"{"3.1":{"reports":1.5}}"#), ["u1", "3.1", "reports", "整数"]),
            (doc(#"{"1.1":{"established":"yes"}}"#), ["u1", "1.1", "established"]),
            (doc(#"{"3.3":{"commendations":["nation"]}}"#), ["u1", "3.3", "commendations", "province"]),
            (
                doc(#"{"21":{"consultations":[{"received":"2020-02-30","replied":null}]}}"#, scheme: "xinbei-sanheyi"),
                ["u1", "21", "consultations", "2020-02-30"]
            ),
            (
                doc(#"{"21":{"consultations":[{"received":"2016-05-03","replied":null}]}}"#, scheme: "xinbei-sanheyi"),
                ["u1", "21", "consultations", "日历"]
            ),
            (
                doc(
                    #"{"21":{"consultations":[{"received":"2020-05-03","replied":"2020-05-01"}]}}"#,
                    scheme: "xinbei-sanheyi"), ["u1", "21", "早于"]
            ),
            (doc("{}", scheme: "no-such-scheme"), ["no-such-scheme"]),
            ("{\"scheme\":\"pingqiao-2022\",\"units\":[{\"id\":\"a\"},{\"id\":\"a\"}]}", ["a", "重复"]),
            ("{\"scheme\":\"pingqiao-2022\",\"units\":[{\"facts\":{}}]}", ["id"]),
            ("{\"scheme\":\"pingqiao-2022\",\"units\":[{\"id\":\"a\",\"facts\":{}}", ["JSON"]),
            ("{\"scheme\":\"pingqiao-2022\",\"parameters\":{\"w\":1},\"units\":[]}", ["w"]),
        ]
        for (json, expected) in cases {
            let message = try #require(factsFailure(json), "should fail: \(json)")
            for fragment in expected {
                #expect(message.contains(fragment), "“\(message)” should mention \(fragment)")
            }
        }
    }

    @Test func errorsCarryTheLine() {
        let message = factsFailure(doc(#"{"2.1":{"coverage":2}}"#))
        #expect(message?.hasPrefix("第3行") == true)
    }

    @Test func nullMeansAbsent() throws {
        let result = try scoreUnit("pingqiao-2022", #"{"2.1":{"coverage":null}}"#)
        #expect(result.pending.contains("2.1"))
    }
}

@Suite struct ItemFactsTests {
    func failure(_ json: String, item: String, scheme: String = "pingqiao-2022", unitType: String? = nil) throws
        -> FactsError?
    {
        let loaded = try #require(try BuiltInSchemes.load(scheme))
        do {
            _ = try FactsDocument.decodeItem(
                json: json, item: item, scheme: loaded, unitType: unitType, calendar: builtInCalendar)
            return nil
        } catch {
            return error
        }
    }

    @Test func oneItemIsCheckedLikeADocumentItem() throws {
        let cases: [(String, String, String, FactsError)] = [
            ("{}", "9.9", "pingqiao-2022", FactsError(line: 1, item: "9.9", message: "方案“pingqiao-2022”中没有这个考核项")),
            (
                "{\n\"coverag\": 0.5}", "2.1", "pingqiao-2022",
                FactsError(line: 2, item: "2.1", fact: "coverag", message: "没有这个事实（可用：coverage）")
            ),
            (
                "{\n\n\"coverage\": \"high\"}", "2.1", "pingqiao-2022",
                FactsError(line: 3, item: "2.1", fact: "coverage", message: "应为数字，而不是字符串")
            ),
            (
                "{\"coverage\": 1.2}", "2.1", "pingqiao-2022",
                FactsError(line: 1, item: "2.1", fact: "coverage", message: "比率应在 0 到 1 之间，而不是 1.2")
            ),
            (
                "{\"complaints_received\": 3,\n\"complaints_on_time\": 4}", "2.4", "pingqiao-2022",
                FactsError(
                    line: 2, item: "2.4", fact: "complaints_on_time",
                    message: "complaints_on_time（4）不能大于 complaints_received（3）")
            ),
            ("[1]", "2.1", "pingqiao-2022", FactsError(line: 1, item: "2.1", message: "应为对象（事实名 → 值）")),
        ]
        for (json, item, scheme, expected) in cases {
            let error = try #require(try failure(json, item: item, scheme: scheme), "should fail: \(json)")
            #expect(error == expected)
        }
        let syntax = try #require(try failure("{\n\"coverage\": }", item: "2.1"))
        #expect(syntax.line == 2 && syntax.item == "2.1" && syntax.message.contains("JSON 语法错误"))
        let calendar = try #require(
            try failure(
                #"{"consultations":[{"received":"2016-05-03","replied":null}]}"#, item: "21",
                scheme: "xinbei-sanheyi"))
        #expect(calendar.fact == "consultations" && calendar.message.contains("日历"))
        let wrongType = try #require(
            try failure("{}", item: "2.1", scheme: "changbai-2020-xinyong", unitType: "township"))
        #expect(wrongType.message == "该考核项不适用于单位类型“township”")
    }

    @Test func oneItemDecodesItsValues() throws {
        let scheme = try #require(try BuiltInSchemes.load("pingqiao-2022"))
        let sheet = try FactsDocument.decodeItem(
            json: #"{"coverage": 0.85}"#,
            item: "2.1", scheme: scheme, calendar: builtInCalendar)
        let slot = try #require(scheme.slot(group: "2.1", fact: "coverage"))
        #expect(sheet[slot] == .decimal(ExactDecimal("0.85")!))
        let empty = try FactsDocument.decodeItem(
            json: #"{"coverage": null}"#, item: "2.1", scheme: scheme, calendar: builtInCalendar)
        #expect(empty[slot] == nil)
    }
}

@Suite struct JSONParserTests {
    @Test func parsesAndKeepsNumberText() throws {
        let node = try JSONParser.parse("{\"a\": [1, 0.85, -2e3, true, null, \"\\u4e2d\\n\"]}")
        guard case .array(let list)? = node["a"]?.value else {
            Issue.record("not an array")
            return
        }
        #expect(list[1].value == .number("0.85"))
        #expect(list[2].value == .number("-2e3"))
        #expect(list[5].value == .string("中\n"))
    }

    @Test func reportsLineAndColumn() {
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse("{\"a\": 01}") }
        do {
            _ = try JSONParser.parse("{\n\"a\": 1,\n\"b\": tru\n}")
            Issue.record("expected failure")
        } catch {
            #expect(error.line == 3)
        }
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse("{\"a\":1}{") }
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse("{\"a\":1,\"a\":2}") }
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse("[1,]") }
    }
}
