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
