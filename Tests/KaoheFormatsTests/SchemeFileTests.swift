import Foundation
import KaoheEngine
import KaoheFormats
import Testing

@Suite struct SchemeFileTests {
    static let header = """
        id: test
        title: 测试方案
        total: 10
        categories:
          - id: "1"
            name: 类别
            items:

        """

    /// One item with the given rule (indented as an item's `rule:` value) and facts.
    static func scheme(max: String = "10", facts: String, rule: String) -> String {
        header + """
                  - id: "1.1"
                    name: 项
                    max: \(max)
                    facts:
            \(facts)
                    rule:
            \(rule)

            """
    }

    @Test func validSchemeLoads() throws {
        let yaml = Self.scheme(
            facts: "          n: {type: count, label: 次数, unit: 次}", rule: "          deduct: [{count: n, per: 2}]")
        let scheme = try SchemeFile.load(yaml: yaml, file: "ok.yaml")
        #expect(scheme.items.count == 1)
    }

    @Test func unknownRuleKindNamesTheLine() {
        let problems = schemeProblems(
            Self.scheme(
                facts: "          n: {type: count, label: 次数}", rule: "          subtract: [{count: n, per: 2}]"))
        #expect(problems.count == 1)
        #expect(problems.first?.line == 14)
        #expect(problems.first?.message.contains("subtract") == true)
    }

    @Test func unknownFactTypeNamesTheLine() {
        let problems = schemeProblems(
            Self.scheme(
                facts: "          n: {type: integer, label: 次数}", rule: "          deduct: [{count: n, per: 2}]"))
        #expect(problems.first?.line == 12)
        #expect(problems.first?.message.contains("integer") == true)
    }

    @Test("An unquoted null or bool where text belongs is refused on its line; quoted, it is text")
    func nullAndBoolAreNotText() throws {
        let facts = "          ok: {type: bool, label: 完成}"
        let plain = Self.scheme(facts: facts, rule: "          pass: ok").replacingOccurrences(
            of: "id: test", with: "id: null")
        let problems = schemeProblems(plain)
        #expect(problems.first?.line == 1)
        #expect(problems.first?.message.contains("“null”在 YAML 中是空值或真假值") == true)
        let named = Self.scheme(facts: facts, rule: "          pass: ok").replacingOccurrences(
            of: "name: 类别", with: "name: false")
        #expect(schemeProblems(named).first?.line == 6)
        let quoted = Self.scheme(facts: facts, rule: "          pass: ok").replacingOccurrences(
            of: "name: 类别", with: "name: \"false\"")
        #expect(try SchemeFile.load(yaml: quoted, file: "ok.yaml").categories.first?.name == "false")
    }

    @Test func maximaMustAddUpToTheTotal() {
        let problems = schemeProblems(
            Self.scheme(max: "8", facts: "          ok: {type: bool, label: 完成}", rule: "          pass: ok"))
        #expect(problems.count == 1)
        #expect(problems.first?.line == 3)
        #expect(problems.first?.message.contains("8") == true)
    }

    @Test func bandsWithGapsOrOverlapsAreRejected() {
        let gap = schemeProblems(
            Self.scheme(
                facts: "          r: {type: rate, label: 比率}",
                rule: "          bands: {of: r, bands: [{at_least: 0.8, score: 10}, {below: 0.6, score: 0}]}"))
        #expect(gap.first?.message.contains("空档") == true)
        #expect(gap.first?.line == 14)
        let overlap = schemeProblems(
            Self.scheme(
                facts: "          r: {type: rate, label: 比率}",
                rule: "          bands: {of: r, bands: [{at_least: 0.6, score: 10}, {below: 0.8, score: 0}]}"))
        #expect(overlap.first?.message.contains("重叠") == true)
        let sharedPoint = schemeProblems(
            Self.scheme(
                facts: "          r: {type: rate, label: 比率}",
                rule: "          bands: {of: r, bands: [{at_least: 0.6, score: 10}, {at_most: 0.6, score: 0}]}"))
        #expect(sharedPoint.isEmpty)
        let integerGap = schemeProblems(
            Self.scheme(
                facts: "          n: {type: count, label: 次数, required: true}",
                rule: "          bands: {of: n, bands: [{at_most: 2, score: 0}, {at_least: 3, score: 10}]}"))
        #expect(integerGap.isEmpty)
        let topGap = schemeProblems(
            Self.scheme(
                facts: "          n: {type: count, label: 次数, required: true}",
                rule: "          bands: {of: n, bands: [{at_most: 2, score: 0}]}"))
        #expect(topGap.first?.message.contains("未覆盖") == true)
    }

    @Test func referencesToUnknownItemsAndFacts() {
        var yaml = Self.scheme(facts: "          ok: {type: bool, label: 完成}", rule: "          pass: ok")
        yaml += """
            effects:
              - if: {item: "9.9", not: ok}
                zero: ["1.1"]
                reason: 测试
              - if: {item: "1.1", not: ok}
                zero: ["7"]
                reason: 测试

            """
        let problems = schemeProblems(yaml)
        #expect(problems.count == 2)
        #expect(problems[0].line == 16)
        #expect(problems[0].message.contains("9.9"))
        #expect(problems[1].line == 19)
        #expect(problems[1].message.contains("“7”"))
        let unknownFact = schemeProblems(
            Self.scheme(facts: "          ok: {type: bool, label: 完成}", rule: "          pass: done"))
        #expect(unknownFact.first?.message.contains("done") == true)
        let wrongType = schemeProblems(
            Self.scheme(facts: "          ok: {type: count, label: 完成}", rule: "          pass: ok"))
        #expect(wrongType.first?.message.contains("bool") == true)
    }

    @Test func yamlSyntaxAndUnknownFields() {
        let syntax = schemeProblems("id: x\ntitle: [unclosed\n")
        #expect(syntax.first?.line != nil)
        let unknown = schemeProblems(Self.header.replacingOccurrences(of: "title:", with: "titel:"))
        #expect(unknown.contains { $0.message.contains("titel") && $0.line == 2 })
    }

    @Test func describeTextLooksLikeTheScoreSheet() throws {
        let scheme = try #require(try BuiltInSchemes.load("pingqiao-2022"))
        let text = SchemeDescription.text(scheme)
        #expect(text.contains("项目"))
        #expect(text.contains("考核标准"))
        #expect(text.contains("组织机构建立情况"))
        #expect(text.contains("汇总得分"))
        let json = String(decoding: SchemeDescription.json(scheme), as: UTF8.self)
        let parsed = try JSONParser.parse(json)
        #expect(parsed["id"]?.value == .string("pingqiao-2022"))
    }
}
