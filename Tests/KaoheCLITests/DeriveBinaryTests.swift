import Foundation
import KaoheTestSupport
import Testing

/// `kaohe derive … | kaohe score -`, through the built binary.
@Suite struct DeriveBinaryTests {
    /// Writes `files` (name → text) into a fresh directory and returns its path.
    func directory(_ files: [String: String]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("kaohe-derive-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for (name, text) in files { try Data(text.utf8).write(to: url.appendingPathComponent(name)) }
        return url
    }

    @Test("A year of case and consultation records derives the facts that kaohe score explains")
    func derivesAndScores() throws {
        // Counted by hand: U1 has two offline cases (c1 on time, c3 finished 2023-05-30 against the legal
        // 5th working day 2023-05-15: past the legal term, so not past the promised one too) and one
        // consultation received Mon 2023-04-03, due Fri 04-07 (Qingming, Wed 04-05, is off), replied 04-10: late.
        let dir = try directory([
            "case.csv": """
            id,unit,channel,accepted,finished,promised_days,legal_days
            c1,U1,offline,2023-03-01,2023-03-02,3,5
            c2,U1,online,2023-03-01,2023-03-03,3,5
            c3,U1,网下,2023-05-08,2023-05-30,3,5

            """,
            "consultation.csv": "id,unit,received,replied\nq1,U1,2023-04-03,2023-04-10\n",
        ])
        defer { try? FileManager.default.removeItem(at: dir) }
        let derived = try KaoheBinary.run(
            [
                "derive", dir.appendingPathComponent("case.csv").path,
                dir.appendingPathComponent("consultation.csv").path,
                "--scheme", "xinbei-sanheyi", "--period", "2023-01-01..2023-12-31",
            ])
        #expect(derived.status == 0, "\(derived.stderr)")
        #expect(derived.stdout.contains(#""13":{"offline_cases":2}"#))
        #expect(derived.stdout.contains(#""over_legal":1,"over_promised":0"#))
        let scored = try KaoheBinary.run(["score", "-"], stdin: derived.stdout)
        #expect(scored.status == 0, "\(scored.stderr)")
        #expect(scored.stdout.contains("网下办件2件 × 2分 = 扣4分；30 − 4 = 26分"))
        #expect(scored.stdout.contains("办件超法定期限1件 × 3分 = 扣3分；9 − 3 = 6分"))
        #expect(scored.stdout.contains("超期1件 × 0.5分"))
    }

    @Test("A bad record exits non-zero naming file, row and column, with nothing on stdout")
    func badRecord() throws {
        let dir = try directory([
            "case.csv": "id,unit,channel,accepted,promised_days,legal_days\nc1,U1,offline,2023-02-30,6,5\n"
        ])
        defer { try? FileManager.default.removeItem(at: dir) }
        let output = try KaoheBinary.run(
            ["derive", dir.appendingPathComponent("case.csv").path, "--scheme", "shuangyashan-2017"])
        #expect(output.status != 0)
        #expect(output.stdout.isEmpty)
        for fragment in ["case.csv", "第2行", "accepted", "2023-02-30"] {
            #expect(output.stderr.contains(fragment), "\(output.stderr)")
        }
        let noPeriod = try KaoheBinary.run(
            ["derive", dir.appendingPathComponent("case.csv").path, "--scheme", "xinbei-sanheyi"])
        #expect(noPeriod.status != 0 && noPeriod.stdout.isEmpty && noPeriod.stderr.contains("--period"))
    }
}
