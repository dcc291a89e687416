import Foundation
import KaoheTestSupport
import Testing

/// `kaohe records import`, through the built binary, on a demo database.
@Suite struct RecordsImportBinaryTests {
    @Test("Imports, re-imports unchanged, refuses a bad file naming file/row/column, maps a header")
    func importThroughTheBinary() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "kaohe-records-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data").path
        let demo = try KaoheBinary.run(["demo", "--data-dir", data])
        #expect(demo.status == 0, "\(demo.stderr)")
        func write(_ name: String, _ text: String) throws -> String {
            let url = dir.appendingPathComponent(name)
            try Data(text.utf8).write(to: url)
            return url.path
        }
        var text = "id,unit,channel,accepted,finished,promised_days,legal_days\n"
        for index in 0..<2000 { text += "cli\(index),xb0\(index % 3 + 1),offline,2023-03-01,2023-03-03,3,5\n" }
        let cases = try write("case.csv", text)
        let consultations = try write("咨询.csv", "id,unit,收到日期,回复日期\nq1,xb01,2023-04-03,2023-04-10\n")
        let org = ["--organization", "demo-org-xinbei", "--data-dir", data]

        let first = try KaoheBinary.run(["records", "import", cases, consultations] + org)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("case.csv：2000条（case）新增2000，更新0，未变0"), "\(first.stdout)")
        #expect(first.stdout.contains("咨询.csv：1条（consultation）新增1"), "\(first.stdout)")
        // Progress lines go to standard error (not a terminal here: one line at a time).
        #expect(first.stderr.contains("%") && first.stderr.contains("每秒"), "\(first.stderr)")

        let again = try KaoheBinary.run(["records", "import", cases, "--quiet"] + org)
        #expect(again.status == 0)
        #expect(again.stdout.contains("新增0，更新0，未变2000"), "\(again.stdout)")
        #expect(again.stderr.isEmpty)

        let bad = try write(
            "bad.csv", "id,unit,accepted,promised_days,legal_days\nb1,xb01,2023-02-30,3,5\nb2,nope,2023-03-01,3,5\n")
        let refused = try KaoheBinary.run(["records", "import", bad, "--type", "case", "--quiet"] + org)
        #expect(refused.status != 0)
        #expect(refused.stdout.isEmpty)
        for fragment in ["bad.csv: 第2行 “accepted”列", "bad.csv: 第3行 “unit”列", "未知单位“nope”", "没有写入任何记录"] {
            #expect(refused.stderr.contains(fragment), "\(refused.stderr)")
        }

        let unmapped = try write("case2.csv", "业务号,unit,accepted,promised_days,legal_days\nm1,xb01,2023-03-01,3,5\n")
        let needsMap = try KaoheBinary.run(["records", "import", unmapped, "--type", "case", "--quiet"] + org)
        #expect(needsMap.status != 0 && needsMap.stderr.contains("“业务号”"), "\(needsMap.stderr)")
        let mapped = try KaoheBinary.run(
            ["records", "import", unmapped, "--type", "case", "--map", "业务号=id", "--quiet"] + org)
        #expect(mapped.status == 0, "\(mapped.stderr)")
        #expect(mapped.stdout.contains("新增1"))
        // Remembered for the organization: no --map the second time.
        let remembered = try KaoheBinary.run(["records", "import", unmapped, "--type", "case", "--quiet"] + org)
        #expect(remembered.status == 0 && remembered.stdout.contains("未变1"), "\(remembered.stderr)")

        let noOrg = try KaoheBinary.run(["records", "import", cases, "--organization", "nope", "--data-dir", data])
        #expect(noOrg.status != 0 && noOrg.stderr.contains("未找到：组织 nope"))
    }
}
