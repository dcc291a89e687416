import KaoheEngine
import KaoheFormats
import Testing

@Suite struct DemoDataTests {
    @Test func unitsOfTheDocuments() {
        #expect(DemoData.pingqiaoDepartments.count == 26)
        #expect(DemoData.shuangyashanCounties.count == 8)
        #expect(DemoData.shuangyashanDepartments.count == 42)
        #expect(DemoData.shuangyashanProvincial.map(\.name) == ["市国税局", "市地税局", "市社保局"])
        let ids = (DemoData.pingqiaoDepartments + DemoData.shuangyashanCounties + DemoData.shuangyashanDepartments).map(
            \.id)
        #expect(Set(ids).count == ids.count)
    }

    @Test(arguments: BuiltInSchemes.ids)
    func demoFactsAreCompleteAndValid(id: String) throws {
        let scheme = try #require(try BuiltInSchemes.load(id))
        let types: [String?] = scheme.unitTypes.isEmpty ? [nil] : scheme.unitTypes.map(\.id)
        var totals: Set<ExactDecimal> = []
        for type in types {
            for seed in 1...20 {
                let (sheet, findings) = DemoData.facts(
                    for: scheme, unitType: type, seed: UInt64(seed), quality: 60 + seed)
                let unit = UnitInput(id: "u\(seed)", name: "u", unitType: type, facts: sheet)
                let context = ScoringContext(calendar: builtInCalendar)
                #expect(Engine.problems(in: unit, scheme: scheme, context: context).isEmpty)
                let result = Engine.score(unit, scheme: scheme, context: context)
                #expect(result.complete, "\(id) seed \(seed) pending \(result.pending)")
                #expect(result.total >= .zero)
                totals.insert(result.total)
                for finding in findings {
                    #expect(scheme.slot(group: finding.item, fact: finding.fact) != nil)
                }
            }
        }
        #expect(totals.count > 1, "demo units of \(id) should not all score the same")
    }

    @Test func deterministic() throws {
        let scheme = try #require(try BuiltInSchemes.load("xinbei-sanheyi"))
        #expect(DemoData.facts(for: scheme, seed: 7).0 == DemoData.facts(for: scheme, seed: 7).0)
        #expect(DemoData.facts(for: scheme, seed: 7).0 != DemoData.facts(for: scheme, seed: 8).0)
    }
}
