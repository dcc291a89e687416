import KaoheEngine
import KaoheFormats
import KaoheRecords
import Testing

/// Derives with DeriveRun and scores the facts document with the engine, as `kaohe derive | kaohe score -`.
func deriveAndScore(
    _ files: [(String, String)], scheme: String, period: String? = nil, asOf: String? = nil
) throws -> (document: FactsDocument, results: [UnitResult], text: String) {
    let paths = try writeFiles(files)
    let bytes = try DeriveRun.run(
        files: paths, scheme: scheme, period: try period.map { text throws in try DeriveRun.period(text) },
        asOf: asOf.flatMap { Day(iso: $0) }, calendar: builtInCalendar)
    let (loaded, document) = try ScoreRun.decode(bytes, scheme: nil, calendar: builtInCalendar)
    let results = Engine.score(
        units: document.units, scheme: loaded, context: ScoringContext(calendar: builtInCalendar))
    return (document, results, String(decoding: bytes, as: UTF8.self))
}

func fact(_ document: FactsDocument, _ scheme: Scheme, unit: String, _ item: String, _ name: String) -> FactValue? {
    guard let input = document.units.first(where: { $0.id == unit }), let slot = scheme.slot(group: item, fact: name)
    else { return nil }
    return input.facts[slot]
}

@Suite struct DeriveRunTests {
    let xinbei = try! BuiltInSchemes.load("xinbei-sanheyi")!
    let pingqiao = try! BuiltInSchemes.load("pingqiao-2022")!

    @Test func xinbeiFactsCountedByHand() throws {
        let (document, _, text) = try deriveAndScore(
            XinbeiRecords.files, scheme: "xinbei-sanheyi", period: "2020-01-01..2020-12-31")
        func value(_ unit: String, _ item: String, _ name: String) -> FactValue? {
            fact(document, xinbei, unit: unit, item, name)
        }
        #expect(document.units.map(\.id) == ["u1", "u2", "u3"])
        // u1: offline c1 c2 c6 (open, still counted) c9; online c3 c4 c5 c7 c8; c10 is 2019.
        #expect(value("u1", "13", "offline_cases") == .count(4))
        #expect(value("u1", "bonus", "online_cases") == .count(5))
        #expect(value("u1", "bonus", "online_cases_last_year") == .count(1))
        #expect(value("u1", "12", "not_online") == .count(2))
        #expect(value("u1", "22", "checks") == .count(2))
        #expect(value("u1", "23", "same_person") == .count(1))
        #expect(value("u1", "23", "post_entry") == .count(1))
        #expect(value("u1", "23", "irregular") == .count(1))
        // Past legal: c5 (overdue, promised = legal, counted once), c7 (finished after A: overdue).
        #expect(value("u1", "23", "over_legal") == .count(2))
        // Past promised only: c4 (12 Oct due, finished 13 Oct), c9 (Qingming: due 7 Apr, finished 10 Apr).
        #expect(value("u1", "23", "over_promised") == .count(2))
        #expect(value("u1", "24", "supervision_rate") == .decimal(ExactDecimal("0.666666667")!))
        #expect(value("u1", "24", "feedback_rate") == .decimal(ExactDecimal("0.5")!))
        #expect(value("u1", "25", "late_complaints") == .count(2))
        #expect(
            value("u1", "21", "consultations")
                == .dates([
                    [day("2020-07-01"), nil], [day("2020-09-25"), day("2020-09-29")],
                    [day("2020-09-30"), day("2020-10-13")],
                ]))
        // u2: c12 due 3 Feb after the Spring Festival, finished 4 Feb; c13 finished on Sunday 19 Jan, a working day.
        #expect(value("u2", "23", "over_promised") == .count(1))
        #expect(value("u2", "23", "over_legal") == .count(0))
        #expect(value("u2", "12", "not_online") == .count(0))
        #expect(value("u2", "bonus", "online_cases_last_year") == .count(0))
        #expect(value("u2", "24", "supervision_rate") == .decimal(.one))
        #expect(value("u2", "21", "consultations") == .dates([[day("2020-12-01"), nil]]))
        // u3: its only case is of 2019: zeros.
        #expect(value("u3", "13", "offline_cases") == .count(0))
        #expect(value("u3", "bonus", "online_cases_last_year") == .count(1))
        #expect(text.contains("\"supervision_rate\":0.666666667"))
    }

    @Test func xinbeiScoredEndToEnd() throws {
        let (_, results, _) = try deriveAndScore(
            XinbeiRecords.files, scheme: "xinbei-sanheyi", period: "2020-01-01..2020-12-31")
        let u1 = try #require(results.first { $0.id == "u1" })
        #expect(u1.score("12") == 3)
        #expect(u1.score("13") == 22)
        #expect(u1.score("21") == ExactDecimal("0.5"))
        #expect(u1.score("22") == 0)
        #expect(u1.score("23") == 0)
        #expect(u1.score("24") == 0)
        #expect(u1.score("25") == 0)
        #expect(u1.score("bonus") == 2)
        #expect(u1.complete)
        #expect(u1.total == ExactDecimal("76.5"))
        let u2 = try #require(results.first { $0.id == "u2" })
        #expect(u2.score("13") == 28)
        #expect(u2.score("21") == 1)
        #expect(u2.score("23") == 7)
        #expect(u2.score("24") == 2)
        #expect(u2.total == 95)
        let u3 = try #require(results.first { $0.id == "u3" })
        #expect(u3.score("bonus") == 0)
        #expect(u3.total == 98)
    }

    @Test func pingqiaoDefaultsToTheSchemesYear() throws {
        let (document, results, _) = try deriveAndScore(PingqiaoRecords.files, scheme: "pingqiao-2022")
        func value(_ unit: String, _ item: String, _ name: String) -> FactValue? {
            fact(document, pingqiao, unit: unit, item, name)
        }
        // Catalog on 31 Dec 2022: m1, m2 (m3 removed, m4 listed in 2023); inspected in 2022: m1.
        #expect(value("u1", "2.1", "coverage") == .decimal(ExactDecimal("0.5")!))
        #expect(value("u1", "2.2", "accuracy") == .decimal(ExactDecimal("0.666666667")!))
        #expect(value("u1", "2.4", "complaints_received") == .count(2))
        #expect(value("u1", "2.4", "complaints_on_time") == .count(1))
        #expect(value("u1", "3.1", "reports") == .count(2))
        // u2: no catalog, no inspection: not derived (pending).
        #expect(value("u2", "2.1", "coverage") == nil)
        #expect(value("u2", "2.2", "accuracy") == nil)
        #expect(value("u2", "2.4", "complaints_received") == .count(0))
        #expect(value("u2", "3.1", "reports") == .count(1))
        let u1 = try #require(results.first { $0.id == "u1" })
        #expect(u1.score("2.1") == 10)
        #expect(u1.score("2.2") == 10)
        #expect(u1.score("2.4") == 5)
        #expect(u1.score("3.1") == 0)
        let u2 = try #require(results.first { $0.id == "u2" })
        #expect(u2.score("2.4") == 10)
        #expect(u2.pending.contains("2.1"))
    }

    @Test func changbaiAsOfMidYear() throws {
        let reports = """
            id,unit,date,topic,adopted
            r1,u,2020-01-05,openness,false
            r2,u,2020-01-20,openness,false
            r3,u,2020-03-03,openness,false
            r4,u,2020-06-10,openness,false
            r5,u,2020-07-01,openness,false
            g1,u,2020-02-01,government,是
            g2,u,2020-03-01,government,否
            g3,u,2020-08-01,government,true

            """
        let interpretations = """
            id,unit,policy,published
            i1,u,2020-09-25,2020-09-29
            i2,u,2020-09-30,2020-10-12
            i3,u,2020-12-30,

            """
        let files = [("report.csv", reports), ("interpretation.csv", interpretations)]
        let gongkai = try #require(try BuiltInSchemes.load("changbai-2020-gongkai"))
        let mid = try deriveAndScore(files, scheme: "changbai-2020-gongkai", asOf: "2020-06-15")
        // Jan 2, Mar 1, Jun 1 (not yet due), Jul–Dec not yet due: never short; Feb, Apr, May short.
        #expect(
            fact(mid.document, gongkai, unit: "u", "5", "monthly") == .counts([2, 0, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1]))
        #expect(mid.results[0].score("5") == 9)
        let annual = try deriveAndScore(files, scheme: "changbai-2020-gongkai")
        #expect(
            fact(annual.document, gongkai, unit: "u", "2.3", "interpretations")
                == .dates([[day("2020-09-25"), day("2020-09-29")], [day("2020-09-30"), day("2020-10-12")]]))
        #expect(annual.results[0].score("2.3") == 5)
        let xinxi = try #require(try BuiltInSchemes.load("changbai-2020-xinxi"))
        let counted = try deriveAndScore(files, scheme: "changbai-2020-xinxi")
        #expect(fact(counted.document, xinxi, unit: "u", "1", "submitted") == .count(3))
        #expect(fact(counted.document, xinxi, unit: "u", "2", "adopted") == .count(2))
    }

    @Test func shuangyashanOfflineCases() throws {
        let cases = """
            id,unit,channel,accepted,promised_days,legal_days
            a,u,offline,2017-03-01,1,1
            b,u,online,2017-03-01,1,1
            c,u,网下,2017-12-31,1,1
            d,u,offline,2018-01-01,1,1

            """
        let derived = try deriveAndScore([("case.csv", cases)], scheme: "shuangyashan-2017")
        let scheme = try #require(try BuiltInSchemes.load("shuangyashan-2017"))
        #expect(fact(derived.document, scheme, unit: "u", "3.1", "offline_cases") == .count(2))
    }

    @Test func failures() throws {
        let paths = try writeFiles(XinbeiRecords.files)
        #expect(throws: DeriveRun.Failure.self) {
            try DeriveRun.run(files: paths, scheme: "xinbei-sanheyi", calendar: builtInCalendar)
        }
        do {
            _ = try DeriveRun.run(files: paths, scheme: "xinbei-sanheyi", calendar: builtInCalendar)
        } catch {
            #expect(error.description.contains("--period"))
        }
        let bad = try writeFiles([
            ("case.csv", XinbeiRecords.cases.replacingOccurrences(of: "2020-04-10", with: "2020-04-31"))
        ])
        do {
            _ = try DeriveRun.run(
                files: bad, scheme: "xinbei-sanheyi", period: DeriveRun.period("2020-01-01..2020-12-31"),
                calendar: builtInCalendar)
            Issue.record("a bad date was accepted")
        } catch {
            guard case .records(let record) = error else { throw error }
            #expect(record.row == 10)
            #expect(record.column == "finished")
            #expect(record.file == bad[0])
        }
        #expect(throws: DeriveRun.Failure.self) { try DeriveRun.period("2020-12-31..2020-01-01") }
        #expect(throws: DeriveRun.Failure.self) {
            try DeriveRun.run(files: paths, scheme: "changbai-2020-fangguanfu", calendar: builtInCalendar)
        }
    }
}
