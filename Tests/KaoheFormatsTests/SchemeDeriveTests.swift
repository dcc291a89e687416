import KaoheEngine
import KaoheFormats
import KaoheRecords
import Testing

/// A one-item scheme: item 1 with the given fact and `derive:` lines; the first derive line is line 16.
func deriveScheme(facts: [String] = countFacts, derive: [String]) -> String {
    let head = [
        "id: test", "title: 测试", "total: 10", "categories:", "  - id: a", "    name: 类别", "    items:",
        "      - id: \"1\"", "        name: 项", "        max: 10", "        facts:",
    ]
    let tail = ["        rule:", "          deduct:", "            - {count: n, per: 1}"]
    return (head + facts.map { "          " + $0 } + ["        derive:"] + derive.map { "          " + $0 } + tail)
        .joined(separator: "\n")
}

func deriveProblems(_ derive: String) -> [SchemeFileProblem] {
    do {
        _ = try SchemeFile.loadWithDerivations(yaml: deriveScheme(derive: [derive]), file: "t.yaml")
        return []
    } catch {
        return error.problems
    }
}

let countFacts = [
    "n: {type: count, label: 件数}", "r: {type: rate, label: 比率}", "d: {type: dates, label: 日期, fields: {a: 甲, b: 乙}}",
]

@Suite struct SchemeDeriveTests {
    @Test func builtInSchemesDeriveExactlyTheFactsOfRecordsMd() throws {
        let expected: [String: [String]] = [
            "xinbei-sanheyi": [
                "12/not_online", "13/offline_cases", "21/consultations", "22/checks", "23/same_person",
                "23/post_entry", "23/irregular", "23/over_legal", "23/over_promised", "24/supervision_rate",
                "24/feedback_rate", "25/late_complaints", "bonus/online_cases", "bonus/online_cases_last_year",
            ],
            "pingqiao-2022": [
                "2.1/coverage", "2.2/accuracy", "2.4/complaints_received", "2.4/complaints_on_time", "3.1/reports",
            ],
            "shuangyashan-2017": ["3.1/offline_cases"],
            "changbai-2020-gongkai": ["2.3/interpretations", "5/monthly"],
            "changbai-2020-xinxi": ["1/submitted", "2/adopted"],
            "changbai-2020-fangguanfu": [], "changbai-2020-yingshang": [], "changbai-2020-xinyong": [],
        ]
        for id in BuiltInSchemes.ids {
            let loaded = try #require(try BuiltInSchemes.loadWithDerivations(id))
            #expect(loaded.derivations.map { "\($0.item)/\($0.fact)" } == expected[id], "\(id)")
        }
        let gongkai = try #require(try BuiltInSchemes.loadWithDerivations("changbai-2020-gongkai"))
        #expect(gongkai.derivations.last?.measure == .monthly(notDueMinimum: 1))
    }

    @Test func validDeclarationsLoad() throws {
        let yaml = deriveScheme(derive: [
            "n: {count: case, where: {channel: offline}, status: late, deadline: {working_days: 3, done: finished}}",
            "r: {rate: supervision, deadline: {date: due, done: closed}, numerator: {status: on_time}, when_empty: not_derived}",
            "d: {pairs: interpretation, deadline: {working_days: 0, done: published}}",
        ])
        let loaded = try SchemeFile.loadWithDerivations(yaml: yaml, file: "t.yaml")
        #expect(loaded.derivations.count == 3)
        #expect(loaded.derivations[0].condition.statuses == [.late])
        #expect(loaded.derivations[1].measure == .rate(numerator: RecordCondition(statuses: [.onTime]), whenEmpty: nil))
        #expect(loaded.derivations[2].deadline == Deadline(.workingDays(0), done: "published"))
        // Loading the scheme alone still works and ignores nothing: the same file is valid.
        #expect(try SchemeFile.load(yaml: yaml, file: "t.yaml").id == "test")
    }

    @Test func problemsNameTheirLines() {
        let unknownType = deriveProblems("n: {count: visit}")
        #expect(unknownType.first?.line == 16)
        #expect(unknownType.first?.message.contains("未知记录类型“visit”") == true)
        let unknownField = deriveProblems("n: {count: case, where: {colour: red}}")
        #expect(unknownField.first?.line == 16)
        #expect(unknownField.first?.message.contains("colour") == true)
        let notInItem = deriveProblems("m: {count: case}")
        #expect(notInItem.first?.line == 16)
        #expect(notInItem.first?.message.contains("没有事实“m”") == true)
        let wrongType = deriveProblems("r: {count: case}")
        #expect(wrongType.first?.line == 16)
        #expect(wrongType.first?.message.contains("rate 类型") == true)
        let badStatus = deriveProblems("n: {count: case, status: open, deadline: {working_days: 1, done: finished}}")
        #expect(badStatus.first?.line == 16)
        let noDeadline = deriveProblems("d: {pairs: consultation}")
        #expect(noDeadline.first?.message.contains("deadline") == true)
        let badDone = deriveProblems("n: {count: case, deadline: {working_days: legal_days, done: channel}}")
        #expect(badDone.first?.message.contains("channel") == true)
        let twoMeasures = deriveProblems("n: {count: case, rate: case}")
        #expect(twoMeasures.first?.line == 16)
    }
}
