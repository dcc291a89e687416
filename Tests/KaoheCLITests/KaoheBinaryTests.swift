import Foundation
import KaoheFormats
import KaoheTestSupport
import Testing

/// The shared spec's worked examples, beside this repository.
let examplesDirectory: URL = {
    if let path = ProcessInfo.processInfo.environment["KAOHE_EXAMPLES"] { return URL(fileURLWithPath: path) }
    return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/spec/examples")
}()

@Suite struct KaoheBinaryTests {
    static let exampleNames: [String] = {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: examplesDirectory.path)) ?? []
        return files.filter { $0.hasSuffix(".facts.json") }.map { String($0.dropLast(".facts.json".count)) }.sorted()
    }()

    @Test func examplesAreFound() {
        #expect(Self.exampleNames.count >= 2, "no examples found in \(examplesDirectory.path)")
    }

    @Test(arguments: exampleNames)
    func exampleScoresExactly(name: String) throws {
        let factsPath = examplesDirectory.appendingPathComponent("\(name).facts.json").path
        let output = try KaoheBinary.run(["score", factsPath])
        #expect(output.status == 0, "\(output.stderr)")
        let result = try JSONParser.parse(output.stdout)
        let expected = try JSONParser.parse(
            String(
                decoding: try Data(contentsOf: examplesDirectory.appendingPathComponent("\(name).expected.json")),
                as: UTF8.self))
        guard case .array(let expectedUnits)? = expected["units"]?.value,
            case .array(let units)? = result["units"]?.value
        else {
            Issue.record("units missing")
            return
        }
        for expectedUnit in expectedUnits {
            let unit = try #require(units.first { $0["id"]?.value == expectedUnit["id"]?.value })
            guard case .object(let fields) = expectedUnit.value else { continue }
            for (key, value) in fields where key != "items" {
                #expect(unit[key]?.value == value.value, "\(name) unit \(key)")
            }
            guard case .object(let items)? = expectedUnit["items"]?.value else { continue }
            for (itemID, score) in items {
                let actual: JSONValue?
                if itemID == "bonus" || itemID == "penalty", unit["items"]?[itemID] == nil {
                    actual = unit[itemID]?.value
                } else {
                    actual = unit["items"]?[itemID]?["score"]?.value
                }
                #expect(actual == score.value, "\(name) item \(itemID)")
            }
        }
    }

    @Test func readsStandardInput() throws {
        let output = try KaoheBinary.run(
            ["score", "-"],
            stdin:
                #"{"scheme":"xinbei-sanheyi","units":[{"id":"x","facts":{"13":{"offline_cases":3},"22":{"checks":300},"24":{"supervision_rate":1,"feedback_rate":1}}}]}"#
        )
        #expect(output.status == 0)
        #expect(output.stdout.contains(#""total":94"#))
        #expect(output.stdout.contains("网下办件3件 × 2分 = 扣6分；30 − 6 = 24分"))
    }

    @Test func badFactsFailWithNothingOnStdout() throws {
        let output = try KaoheBinary.run(
            ["score", "-"], stdin: #"{"scheme":"pingqiao-2022","units":[{"id":"u9","facts":{"2.1":{"coverage":1.5}}}]}"#
        )
        #expect(output.status != 0)
        #expect(output.stdout.isEmpty)
        for fragment in ["u9", "2.1", "coverage"] { #expect(output.stderr.contains(fragment)) }
        let malformed = try KaoheBinary.run(["score", "-"], stdin: "{\"scheme\": ")
        #expect(malformed.status != 0)
        #expect(malformed.stdout.isEmpty)
        #expect(malformed.stderr.contains("JSON"))
    }

    @Test func listsDescribesAndValidates() throws {
        let schemes = try KaoheBinary.run(["schemes"])
        #expect(schemes.status == 0)
        for id in BuiltInSchemes.ids { #expect(schemes.stdout.contains(id)) }
        let describe = try KaoheBinary.run(["describe", "xinbei-sanheyi"])
        #expect(describe.status == 0)
        #expect(try JSONParser.parse(describe.stdout)["id"]?.value == .string("xinbei-sanheyi"))
        let table = try KaoheBinary.run(["describe", "xinbei-sanheyi", "--format", "text"])
        #expect(table.stdout.contains("网下办件"))
        let unknown = try KaoheBinary.run(["describe", "nope"])
        #expect(unknown.status != 0)
        #expect(unknown.stdout.isEmpty)
    }

    @Test func validateReportsFileAndLine() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kaohe-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let bad = directory.appendingPathComponent("bad.yaml")
        try """
        id: bad
        title: 坏方案
        total: 5
        categories:
          - id: "1"
            name: 类别
            items:
              - id: "1.1"
                name: 项
                max: 5
                facts:
                  n: {type: count, label: 次数}
                rule:
                  minus: [{count: n, per: 1}]
        """.write(to: bad, atomically: true, encoding: .utf8)
        let output = try KaoheBinary.run(["validate", bad.path])
        #expect(output.status != 0)
        #expect(output.stdout.isEmpty)
        #expect(output.stderr.contains("bad.yaml:14"))
        #expect(output.stderr.contains("minus"))
        let good = try KaoheBinary.run([
            "validate", examplesDirectory.appendingPathComponent("pingqiao-2022.facts.json").path,
        ])
        #expect(good.status == 0)
        // A custom scheme scores through --scheme.
        let custom = directory.appendingPathComponent("custom.yaml")
        try String(decoding: try Data(contentsOf: bad), as: UTF8.self).replacingOccurrences(of: "minus", with: "deduct")
            .write(to: custom, atomically: true, encoding: .utf8)
        let facts = directory.appendingPathComponent("f.json")
        try #"{"units":[{"id":"a","facts":{"1.1":{"n":2}}}]}"#.write(to: facts, atomically: true, encoding: .utf8)
        let scored = try KaoheBinary.run(["score", facts.path, "--scheme", custom.path])
        #expect(scored.status == 0, "\(scored.stderr)")
        #expect(scored.stdout.contains(#""total":3"#))
    }
}
