import Foundation
import KaoheEngine
import KaoheFormats
import KaoheRecords
import Testing

/// Reads CSV bytes of one type, in chunks of `chunk` bytes.
func readCSV(
    _ bytes: [UInt8], type: RecordType = .case, chunk: Int = 1 << 20, units: Set<String>? = nil,
    encoding: RecordFileEncoding = .utf8
) throws(RecordError) -> RecordSet {
    var importer = RecordImport(years: 2017...2026, knownUnits: units)
    try RecordFiles.readCSV(
        MemoryChunks(bytes, chunkSize: chunk), type: type, encoding: encoding, file: "test.csv", into: &importer)
    return importer.records
}

func csvError(_ text: String, type: RecordType = .case, units: Set<String>? = nil) -> RecordError? {
    do {
        _ = try readCSV(Array(text.utf8), type: type, units: units)
        return nil
    } catch {
        return error
    }
}

let caseHeader = "id,unit,channel,accepted,finished,promised_days,legal_days\n"

@Suite struct RecordFileTests {
    @Test func quotedCellsAcrossChunkBoundaries() throws {
        let text = """
            id,unit,name,in_network,status\r
            p1,u1,"许可, 含逗号",true,active\r
            p2,u1,"说明""引号""
            第二行",false,"dormant"\r
            p3,u2,,是,
            """
        for chunk in [1, 2, 3, 7, 1000] {
            let records = try readCSV(Array(text.utf8), type: .power, chunk: chunk)
            #expect(records[.power].count == 3, "chunk \(chunk)")
            #expect(records.record(.power, row: 0)["name"] == .text("许可, 含逗号"))
            #expect(records.record(.power, row: 1)["name"] == .text("说明\"引号\"\n第二行"))
            #expect(records.record(.power, row: 1)["status"] == .choice("dormant"))
            #expect(records.record(.power, row: 2)["in_network"] == .bool(true))
            #expect(records.record(.power, row: 2).unit == "u2")
        }
    }

    @Test func byteOrderMarkAndChineseHeaders() throws {
        let text = "\u{FEFF}编号,单位编码,办理渠道,受理日期,承诺时限（工作日）,法定时限（工作日）\nc1,u1,网下,2020-09-25,3,5\n"
        let records = try readCSV(Array(text.utf8))
        #expect(records[.case].count == 1)
        #expect(records.record(.case, row: 0).id == "c1")
        #expect(records.record(.case, row: 0)["channel"] == .choice("offline"))
    }

    @Test func gbkFileIsDetectedAndDecoded() throws {
        // GBK bytes written by hand: 编号 B1E0 BAC5, 单位 B5A5 CEBB, 办理渠道 B0EC C0ED C7FE B5C0, 网下 CDF8 CFC2,
        // 受理日期 CADC C0ED C8D5 C6DA; then ",promised_days,legal_days".
        var bytes: [UInt8] = [0xB1, 0xE0, 0xBA, 0xC5, 0x2C, 0xB5, 0xA5, 0xCE, 0xBB, 0x2C]
        bytes += [0xB0, 0xEC, 0xC0, 0xED, 0xC7, 0xFE, 0xB5, 0xC0, 0x2C, 0xCA, 0xDC, 0xC0, 0xED, 0xC8, 0xD5, 0xC6, 0xDA]
        bytes += Array(",promised_days,legal_days\r\nc1,u1,".utf8) + [0xCD, 0xF8, 0xCF, 0xC2]
        bytes += Array(",2020-09-25,3,5\r\nc2,u1,online,2020-09-28,1,1\r\n".utf8)
        var probe = MemoryChunks(bytes, chunkSize: 5)
        #expect(RecordFileEncoding.detect(&probe) == .gb18030)
        var utf8 = MemoryChunks(Array("编号,网下".utf8), chunkSize: 4)
        #expect(RecordFileEncoding.detect(&utf8) == .utf8)
        let path = try writeBytes(bytes, name: "case.csv")
        var importer = RecordImport(years: 2017...2026)
        try RecordFiles.read(path: path, into: &importer)
        #expect(importer.records[.case].count == 2)
        #expect(importer.records.record(.case, row: 0)["channel"] == .choice("offline"))
        #expect(importer.records.record(.case, row: 0)["accepted"] == .date(day("2020-09-25")))
        // In small chunks too (the GB18030 decoder works on whole lines).
        let small = try readCSV(bytes, chunk: 3, encoding: .gb18030)
        #expect(small.record(.case, row: 0)["channel"] == .choice("offline"))
    }

    @Test func importErrorsNameRowAndColumn() {
        let badDate = csvError(caseHeader + "c1,u1,online,2020-09-25,,3,5\nc2,u1,online,2020-13-01,,3,5\n")
        #expect(badDate?.row == 3)
        #expect(badDate?.column == "accepted")
        #expect(badDate?.file == "test.csv")
        #expect(badDate?.description.hasPrefix("test.csv: 第3行 “accepted”列：") == true)
        let unit = csvError(caseHeader + "c1,u1,online,2020-09-25,,3,5\nc2,u7,online,2020-09-25,,3,5\n", units: ["u1"])
        #expect(unit?.row == 3)
        #expect(unit?.column == "unit")
        #expect(unit?.message.contains("u7") == true)
        let duplicate = csvError(caseHeader + "c1,u1,online,2020-09-25,,3,5\nc1,u1,online,2020-09-26,,3,5\n")
        #expect(duplicate?.row == 3)
        #expect(duplicate?.column == "id")
        let promised = csvError(caseHeader + "c1,u1,online,2020-09-25,,6,5\n")
        #expect(promised?.row == 2)
        #expect(promised?.column == "promised_days")
        let header = csvError("id,unit,colour\n")
        #expect(header?.row == 1)
        #expect(header?.column == "colour")
        #expect(csvError("id,unit,channel\nc1,u1,online\n")?.column == "accepted")
        #expect(csvError(caseHeader + "c1,u1,online,2020-09-25,,3,5,extra\n")?.row == 2)
        #expect(csvError(caseHeader + "c1,u1,online,2016-12-31,,3,5\n")?.column == "accepted")
        #expect(csvError(caseHeader + "c1,u1,\"online,2020-09-25,,3,5\n")?.message == "引号未闭合")
        #expect(csvError("")?.row == 1)
    }

    @Test func jsonLinesOfSeveralTypes() throws {
        let text = """
            {"type":"case","id":"c1","unit":"u1","channel":"offline","accepted":"2020-09-25","promised_days":3,"legal_days":5,"same_person":true}
            {"type":"consultation","id":"q1","unit":"u1","received":"2020-09-25","replied":null}
            """
        var importer = RecordImport(years: 2017...2026)
        try RecordFiles.readJSONLines(MemoryChunks(Array(text.utf8), chunkSize: 16), file: "r.jsonl", into: &importer)
        #expect(importer.records[.case].count == 1)
        #expect(importer.records.record(.case, row: 0)["same_person"] == .bool(true))
        #expect(importer.records[.consultation].count == 1)
        func failure(_ line: String) -> RecordError? {
            var importer = RecordImport(years: 2017...2026)
            do {
                try RecordFiles.readJSONLines(MemoryChunks(Array(line.utf8)), file: "r.jsonl", into: &importer)
                return nil
            } catch { return error }
        }
        #expect(failure("\n{\"type\":\"visit\",\"id\":\"v\",\"unit\":\"u\"}")?.row == 2)
        #expect(failure("{\"id\":\"v\",\"unit\":\"u\"}")?.column == "type")
        #expect(
            failure("{\"type\":\"consultation\",\"id\":\"q\",\"unit\":\"u\",\"received\":[1]}")?.column == "received")
        #expect(failure("{\"type\":\"consultation\",")?.row == 1)
    }

    @Test func typeFromTheFileName() {
        #expect(RecordFiles.type(forFile: "/tmp/case.csv") == .case)
        #expect(RecordFiles.type(forFile: "monitor_login.2020.csv") == .monitorLogin)
        #expect(RecordFiles.type(forFile: "办件.csv") == .case)
        #expect(RecordFiles.type(forFile: "cases.csv") == nil)
    }
}
