import KaoheEngine
import KaoheRecords
import Testing

/// The error a row produces, nil when it is accepted.
func rowError(
    _ row: [String: String], _ type: RecordType = .case, units: Set<String>? = nil
) -> RecordError? {
    do {
        _ = try RecordImport.validate(row, type: type, row: 2, years: 2019...2021, knownUnits: units)
        return nil
    } catch {
        return error
    }
}

let goodCase = [
    "id": "c1", "unit": "u1", "channel": "offline", "accepted": "2020-03-02", "finished": "2020-03-04",
    "promised_days": "5", "legal_days": "10",
]

func with(_ base: [String: String], _ changes: [String: String]) -> [String: String] {
    base.merging(changes) { $1 }
}

@Suite struct ValidationTests {
    @Test func typedRecordFromIdsOrChineseLabels() throws {
        let record = try RecordImport.validate(
            [
                "编号": "c9", "单位": "u1", "办理渠道": "网下", "受理日期": "2020-09-25", "办结日期": "null",
                "承诺时限(工作日)": "3", "法定时限（工作日）": "5", "同一人操作": "是", "事后补录": "0", "irregular": "TRUE",
            ], type: .case, years: 2019...2021)
        #expect(record.id == "c9")
        #expect(record.unit == "u1")
        #expect(record["channel"] == .choice("offline"))
        #expect(record["accepted"] == .date(day("2020-09-25")))
        #expect(record["finished"] == .date(nil))
        #expect(record["promised_days"] == .count(3))
        #expect(record["same_person"] == .bool(true))
        #expect(record["post_entry"] == .bool(false))
        #expect(record["irregular"] == .bool(true))
        #expect(record["matter"] == .text(nil))
    }

    @Test func defaults() throws {
        let complaint = try RecordImport.validate(
            ["id": "p1", "unit": "u1", "received": "2020-01-06"], type: .complaint, years: 2019...2021)
        #expect(complaint["limit_days"] == .count(7))
        #expect(complaint["closed"] == .date(nil))
        let plain = try RecordImport.validate(goodCase, type: .case, years: 2019...2021)
        #expect(plain["same_person"] == .bool(false))
    }

    @Test func refusals() {
        #expect(rowError(goodCase) == nil)
        let badDate = rowError(with(goodCase, ["accepted": "2020-02-30"]))
        #expect(badDate?.column == "accepted")
        #expect(badDate?.row == 2)
        #expect(badDate?.message.contains("不是有效日期") == true)
        #expect(rowError(with(goodCase, ["accepted": "2020/03/02"]))?.column == "accepted")
        #expect(rowError(with(goodCase, ["same_person": "maybe"]))?.column == "same_person")
        #expect(rowError(with(goodCase, ["legal_days": "-1"]))?.message.contains("不能小于0") == true)
        #expect(rowError(with(goodCase, ["legal_days": "2.5"]))?.column == "legal_days")
        #expect(rowError(with(goodCase, ["channel": "phone"]))?.column == "channel")
        let promised = rowError(with(goodCase, ["promised_days": "11"]))
        #expect(promised?.column == "promised_days")
        #expect(promised?.message.contains("超过法定时限") == true)
        // promised = legal is fine.
        #expect(rowError(with(goodCase, ["promised_days": "10"])) == nil)
        #expect(rowError(with(goodCase, ["finished": "2020-03-01"]))?.column == "finished")
        #expect(rowError(with(goodCase, ["accepted": "2018-12-31"]))?.message.contains("不在工作日历的年份内") == true)
        #expect(rowError(with(goodCase, ["accepted": ""]))?.column == "accepted")
        #expect(rowError(with(goodCase, ["colour": "red"]))?.column == "colour")
        var missing = goodCase
        missing["legal_days"] = nil
        #expect(rowError(missing)?.column == "legal_days")
        #expect(rowError(with(goodCase, ["unit": "u9"]), units: ["u1", "u2"])?.column == "unit")
        #expect(rowError(with(goodCase, ["unit": "u2"]), units: ["u1", "u2"]) == nil)
        #expect(rowError(with(goodCase, ["id": ""]))?.column == "id")
        let reply = ["id": "q1", "unit": "u1", "received": "2020-05-06", "replied": "2020-05-05"]
        #expect(rowError(reply, .consultation)?.column == "replied")
        #expect(
            rowError(["id": "i1", "unit": "u1", "matter": "M1", "date": "2020-01-06"], .inspection)?.column == "correct"
        )
    }

    @Test func duplicateInOneBatchReplaceAcrossBatches() throws {
        var importer = RecordImport(years: 2019...2021)
        importer.beginFile("a.csv")
        #expect(try importer.add(goodCase, type: .case, row: 2) == .added)
        #expect(throws: RecordError.self) { try importer.add(goodCase, type: .case, row: 3) }
        importer.beginFile("b.csv")
        #expect(try importer.add(with(goodCase, ["channel": "online"]), type: .case, row: 2) == .replaced)
        #expect(importer.records[.case].count == 1)
        #expect(importer.records.record(.case, row: 0)["channel"] == .choice("online"))
        // The same id in another type is another record.
        #expect(
            try importer.add(["id": "c1", "unit": "u1", "received": "2020-01-06"], type: .consultation, row: 2)
                == .added)
    }
}
