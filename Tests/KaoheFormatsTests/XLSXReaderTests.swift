import Foundation
import KaoheEngine
import KaoheExport
import KaoheFormats
import KaoheRecords
import Testing
import ZIPFoundation

/// A fresh file path in the temporary directory.
func temporaryPath(_ name: String) -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kaohe-xlsx-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory.appendingPathComponent(name).path
}

/// An XLSX written by the export writer (inline strings and numbers).
func writtenWorkbook(_ rows: [[XLSXCell]], name: String = "case.xlsx") throws -> String {
    var book = XLSXWriter()
    try book.addSheet(XLSXSheet(name: "办件", rows: rows))
    let date = Date(timeIntervalSince1970: 1_700_000_000)
    let path = temporaryPath(name)
    try book.data(properties: XLSXProperties(title: "测试", created: date, modified: date)).write(
        to: URL(fileURLWithPath: path))
    return path
}

/// An XLSX assembled by hand from its parts, as Excel writes them (shared strings, cell references).
func handmadeWorkbook(sheet: String, sharedStrings: [String], name: String = "case.xlsx") throws -> String {
    let path = temporaryPath(name)
    let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
    let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    let strings = sharedStrings.map { "<si><t>\($0)</t></si>" }.joined()
    let parts: [(String, String)] = [
        (
            "xl/workbook.xml",
            #"<?xml version="1.0"?><workbook xmlns="\#(main)" xmlns:r="\#(rel)"><sheets><sheet name="数据" sheetId="1" r:id="rId7"/></sheets></workbook>"#
        ),
        (
            "xl/_rels/workbook.xml.rels",
            #"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId7" Type="\#(rel)/worksheet" Target="worksheets/data.xml"/></Relationships>"#
        ),
        ("xl/sharedStrings.xml", #"<?xml version="1.0"?><sst xmlns="\#(main)">\#(strings)</sst>"#),
        ("xl/worksheets/data.xml", #"<?xml version="1.0"?><worksheet xmlns="\#(main)">\#(sheet)</worksheet>"#),
    ]
    for (entry, xml) in parts {
        let data = Data(xml.utf8)
        try archive.addEntry(
            with: entry, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate
        ) { position, size in
            data.subdata(in: Int(position)..<Int(position) + size)
        }
    }
    return path
}

func readWorkbook(_ path: String, type: RecordType = .case, units: Set<String>? = nil, errorLimit: Int = 0)
    throws(RecordError) -> (RecordSet, [RecordError])
{
    var importer = RecordImport(years: 2017...2026, knownUnits: units)
    var options = RecordReadOptions()
    options.errorLimit = errorLimit
    try RecordFiles.readXLSX(path: path, type: type, file: "case.xlsx", into: &importer, options: &options)
    return (importer.records, options.errors)
}

@Suite struct XLSXReaderTests {
    @Test func inlineStringsAndNumbersAsWritten() throws {
        let path = try writtenWorkbook([
            [.text("编号"), .text("单位"), .text("办理渠道"), .text("受理日期"), .text("承诺时限（工作日）"), .text("legal_days")],
            [.text("c1"), .text("u1"), .text("网下"), .text("2023-03-01"), .integer(3), .integer(5)],
            [.text("c2"), .text("u1"), .text("online"), .text("2023-03-02"), .integer(1), .integer(1)],
        ])
        let reader = try XLSXReader(path: path)
        var rows: [(Int, [String])] = []
        try reader.forEachRow { row, cells in
            rows.append((row, cells))
            return true
        }
        #expect(rows.map(\.0) == [1, 2, 3])
        #expect(rows[1].1 == ["c1", "u1", "网下", "2023-03-01", "3", "5"])
        let (records, _) = try readWorkbook(path)
        #expect(records[.case].count == 2)
        #expect(records.record(.case, row: 0)["channel"] == .choice("offline"))
        #expect(records.record(.case, row: 1)["promised_days"] == .count(1))
    }

    @Test func sharedStringsDateSerialsAndSparseCells() throws {
        // Row 3 leaves B (unit) out on purpose; D holds 45017 = 2023-04-01 as Excel stores a date cell.
        let sheet = """
            <dimension ref="A1:F3"/><sheetData>
            <row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c>\
            <c r="D1" t="s"><v>3</v></c><c r="E1" t="s"><v>4</v></c><c r="F1" t="s"><v>5</v></c></row>
            <row r="2"><c r="A2" t="inlineStr"><is><t>c1</t></is></c><c r="B2" t="s"><v>6</v></c><c r="C2" t="s"><v>7</v></c>\
            <c r="D2" s="1"><v>45017</v></c><c r="E2"><v>3</v></c><c r="F2"><v>5</v></c></row>
            <row r="3"><c r="A3" t="inlineStr"><is><t>c2</t></is></c>\
            <c r="D3"><v>45018.75</v></c><c r="E3"><v>3</v></c><c r="F3"><v>5</v></c></row>
            </sheetData>
            """
        let path = try handmadeWorkbook(
            sheet: sheet, sharedStrings: ["id", "unit", "channel", "受理日期", "promised_days", "legal_days", "u1", "网上"])
        let reader = try XLSXReader(path: path)
        #expect(reader.sheetPath == "xl/worksheets/data.xml")
        #expect(reader.sheetName == "数据")
        #expect(try reader.readDimension() == 3)
        do {
            _ = try readWorkbook(path)
            Issue.record("a row without its unit was accepted")
        } catch {
            #expect(error.row == 3 && error.column == "unit", "\(error)")
        }
        let (records, errors) = try readWorkbook(path, errorLimit: 10)
        #expect(errors.count == 1)
        #expect(records[.case].count == 1)
        #expect(records.record(.case, row: 0)["accepted"] == .date(Day(year: 2023, month: 4, day: 1)))
        #expect(records.record(.case, row: 0)["channel"] == .choice("online"))
    }

    @Test func dateSerials() {
        #expect(XLSXReader.date(fromSerial: "45017") == "2023-04-01")
        #expect(XLSXReader.date(fromSerial: "44197.5") == "2021-01-01")
        #expect(XLSXReader.date(fromSerial: "61") == "1900-03-01")
        #expect(XLSXReader.date(fromSerial: "60") == nil)
        #expect(XLSXReader.date(fromSerial: "abc") == nil)
    }

    @Test func badRowsNameTheirRowAndColumn() throws {
        let path = try writtenWorkbook([
            [.text("id"), .text("unit"), .text("accepted"), .text("promised_days"), .text("legal_days")],
            [.text("c1"), .text("u1"), .text("2023-02-30"), .integer(3), .integer(5)],
            [.text("c2"), .text("u9"), .text("2023-03-01"), .integer(3), .integer(5)],
            [.text("c3"), .text("u1"), .text("2023-03-01"), .integer(6), .integer(5)],
        ])
        let (_, errors) = try readWorkbook(path, units: ["u1"], errorLimit: 100)
        #expect(errors.map(\.row) == [2, 3, 4])
        #expect(errors.map(\.column) == ["accepted", "unit", "promised_days"])
        #expect(errors.allSatisfy { $0.file == "case.xlsx" })
        #expect(errors[0].message.contains("2023-02-30"))
    }

    @Test func truncatedOrCorruptWorkbooksAreRefusedClearly() throws {
        let path = try writtenWorkbook([[.text("id"), .text("unit")], [.text("c1"), .text("u1")]])
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let cut = temporaryPath("cut.xlsx")
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: cut))
        do {
            _ = try readWorkbook(cut)
            Issue.record("a truncated XLSX was read")
        } catch {
            #expect(error.file == "case.xlsx")
            #expect(error.message.contains("不完整"), "\(error)")
        }
        // A sheet whose XML stops in the middle of row 2 (the header row before it is fine).
        let broken = try handmadeWorkbook(
            sheet:
                #"<sheetData><row r="1"><c t="s"><v>0</v></c><c t="s"><v>1</v></c></row><row r="2"><c t="inlineStr"><is><t>c1"#,
            sharedStrings: ["id", "unit"])
        do {
            _ = try readWorkbook(broken, type: .matter)
            Issue.record("a sheet with broken XML was read")
        } catch {
            #expect(error.message.contains("XML 格式错误"), "\(error)")
        }
        let notZip = temporaryPath("case.xlsx")
        try Data("id,unit\n".utf8).write(to: URL(fileURLWithPath: notZip))
        #expect(throws: XLSXReadError.self) { try XLSXReader(path: notZip) }
    }

    @Test func headerMappingsAndIgnoredColumnsInCSV() throws {
        let text = "业务编号,unit,备注,accepted,promised_days,legal_days\nc1,u1,随便,2023-03-01,3,5\n"
        var importer = RecordImport(years: 2017...2026)
        var options = RecordReadOptions()
        #expect(throws: RecordError.self) {
            try RecordFiles.readCSV(
                MemoryChunks(Array(text.utf8)), type: .case, file: "x.csv", into: &importer, options: &options)
        }
        #expect(!RecordLayout.recognizes("业务编号", type: .case))
        #expect(RecordLayout.recognizes("受理日期", type: .case) && RecordLayout.recognizes(" 编号 ", type: .case))
        importer = RecordImport(years: 2017...2026)
        options.headerMapping = ["业务编号": "id", "备注": ""]
        try RecordFiles.readCSV(
            MemoryChunks(Array(text.utf8)), type: .case, file: "x.csv", into: &importer, options: &options)
        #expect(importer.records[.case].count == 1)
        #expect(importer.records.record(.case, row: 0).id == "c1")
        #expect(RecordFiles.format(ofFile: "a.xlsx") == .xlsx)
    }

    @Test func errorsAreCollectedUpToTheLimitAndProgressIsCalled() throws {
        var text = caseHeader
        for index in 1...30 { text += "c\(index),u1,online,\(index % 2 == 0 ? "2023-02-10" : "2023-02-30"),,3,5\n" }
        var importer = RecordImport(years: 2017...2026)
        var options = RecordReadOptions()
        options.errorLimit = 5
        var calls: [Int] = []
        options.progressInterval = 2
        options.progress = { calls.append($0) }
        try RecordFiles.readCSV(
            MemoryChunks(Array(text.utf8), chunkSize: 7), type: .case, file: "x.csv", into: &importer,
            options: &options)
        // Rows with 2023-02-30 are bad (every other row, from row 2): five are collected, then reading stops.
        #expect(options.errors.count == 5 && options.stopped)
        #expect(options.errors.map(\.row) == [2, 4, 6, 8, 10])
        #expect(calls == [2, 4, 6, 8])
    }
}
