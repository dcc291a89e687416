import Foundation
import Testing

@testable import KaoheExport

#if canImport(FoundationXML)
    import FoundationXML
#endif

@Suite struct XLSXWriterTests {
    let date = Date(timeIntervalSince1970: 1_772_600_768)  // 2026-03-04 05:06:08 UTC
    var properties: XLSXProperties {
        XLSXProperties(
            title: "2023年度考核 <结果> & 明细", created: Date(timeIntervalSince1970: 1_700_000_000), modified: date)
    }

    func sampleBook() throws -> XLSXWriter {
        var book = XLSXWriter()
        try book.addSheet(
            XLSXSheet(
                name: "得分汇总", header: ["单位", "得分", "备注"],
                rows: [
                    [.text("长白县"), .number("87.5"), .text("A & B <良好>")],
                    [.text("抚松县"), .number("92.25"), .empty],
                    [.text("靖宇县"), .number("-2"), .text("扣分\u{1}项")],
                    [],
                    [.text("合计"), .number("100.00"), .text("_x0041_")],
                ],
                columnWidths: [20, 10.5, nil]))
        try book.addSheet(XLSXSheet(name: "Sheet 2", rows: [[.integer(7)]]))
        return book
    }

    @Test func packageHasAllParts() throws {
        let reader = try ZipReader(try sampleBook().data(properties: properties))
        #expect(
            reader.entries.map(\.name) == [
                "[Content_Types].xml", "_rels/.rels", "docProps/core.xml", "docProps/app.xml", "xl/workbook.xml",
                "xl/_rels/workbook.xml.rels", "xl/styles.xml",
                "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml",
            ])
        let types = try #require(reader.text("[Content_Types].xml"))
        #expect(types.contains(#"PartName="/xl/worksheets/sheet2.xml""#))
        #expect(types.contains(#"PartName="/xl/styles.xml""#))
        let workbook = try #require(reader.text("xl/workbook.xml"))
        #expect(workbook.contains(#"<sheet name="得分汇总" sheetId="1" r:id="rId1"/>"#))
        #expect(workbook.contains(#"<sheet name="Sheet 2" sheetId="2" r:id="rId2"/>"#))
        let rels = try #require(reader.text("xl/_rels/workbook.xml.rels"))
        #expect(
            rels.contains(
                #"Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml""#
            ))
        #expect(try #require(reader.text("_rels/.rels")).contains(#"Target="xl/workbook.xml""#))
        let styles = try #require(reader.text("xl/styles.xml"))
        #expect(styles.contains("<b/>"))
        #expect(styles.contains(#"formatCode="0.00""#))
        // Every part is well-formed XML.
        for entry in reader.entries {
            let parser = XMLParser(data: entry.data)
            #expect(parser.parse(), "\(entry.name): \(String(describing: parser.parserError))")
        }
    }

    @Test func cellsAreWrittenExactly() throws {
        let sheet = try #require(
            try ZipReader(try sampleBook().data(properties: properties)).text("xl/worksheets/sheet1.xml"))
        #expect(sheet.contains(#"<c r="A1" t="inlineStr" s="1"><is><t xml:space="preserve">单位</t></is></c>"#))
        #expect(sheet.contains(#"<c r="A2" t="inlineStr"><is><t xml:space="preserve">长白县</t></is></c>"#))
        #expect(sheet.contains(#"<c r="B2" s="4"><v>87.5</v></c>"#))  // one decimal
        #expect(sheet.contains(#"<c r="B3" s="5"><v>92.25</v></c>"#))  // two decimals
        #expect(sheet.contains(#"<c r="B4" s="3"><v>-2</v></c>"#))
        #expect(sheet.contains(#"<c r="B6" s="5"><v>100.00</v></c>"#))
        #expect(sheet.contains("A &amp; B &lt;良好&gt;"))
        #expect(sheet.contains(">扣分项<"), "control character stripped")
        #expect(sheet.contains(">_x005F_x0041_<"), "literal _xHHHH_ protected")
        #expect(!sheet.contains(#"r="C3""#), "empty cells are omitted")
        #expect(!sheet.contains(#"<row r="5""#), "empty rows are omitted")
        #expect(sheet.contains(#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#))
        #expect(
            sheet.contains(
                #"<col min="1" max="1" width="20" customWidth="1"/><col min="2" max="2" width="10.5" customWidth="1"/></cols>"#
            ))
        #expect(sheet.contains(#"<dimension ref="A1:C6"/>"#))

        let second = try #require(
            try ZipReader(try sampleBook().data(properties: properties)).text("xl/worksheets/sheet2.xml"))
        #expect(!second.contains("<pane"), "no header, no frozen pane")
        #expect(second.contains(#"<c r="A1" s="3"><v>7</v></c>"#))
    }

    @Test("Every sheet prints A4 landscape, all columns on one page wide, as many pages down as needed")
    func pageSetup() throws {
        let reader = try ZipReader(try sampleBook().data(properties: properties))
        for part in ["xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"] {
            let sheet = try XMLNode.parse(try #require(reader[part]))
            #expect(sheet.name == "worksheet")
            // CT_Worksheet's order: sheetPr first; pageMargins, then pageSetup after sheetData.
            let order = sheet.children.map(\.name)
            #expect(order.first == "sheetPr", "\(part): \(order)")
            let data = try #require(order.firstIndex(of: "sheetData"))
            let margins = try #require(order.firstIndex(of: "pageMargins"))
            let setup = try #require(order.firstIndex(of: "pageSetup"))
            #expect(data < margins && margins < setup && setup == order.count - 1, "\(part): \(order)")
            #expect(sheet.child("sheetPr")?.child("pageSetUpPr")?.attributes["fitToPage"] == "1")
            let page = try #require(sheet.child("pageSetup")).attributes
            #expect(page["orientation"] == "landscape")
            #expect(page["fitToWidth"] == "1" && page["fitToHeight"] == "0")
            #expect(page["paperSize"] == "9")  // A4
        }
        // Portrait without fitting when asked.
        var book = XLSXWriter()
        try book.addSheet(
            XLSXSheet(
                name: "竖排", header: ["a"], rows: [[.text("b")]],
                pageSetup: XLSXPageSetup(orientation: .portrait, fitToWidth: false)))
        let sheet = try XMLNode.parse(
            try #require(try ZipReader(try book.data(properties: properties))["xl/worksheets/sheet1.xml"]))
        #expect(sheet.child("sheetPr") == nil)
        let page = try #require(sheet.child("pageSetup")).attributes
        #expect(page["orientation"] == "portrait" && page["fitToWidth"] == nil && page["fitToHeight"] == nil)
    }

    @Test("The header row is each sheet's print title (_xlnm.Print_Titles, rows 1:1); sheets without header have none")
    func printTitles() throws {
        var book = try sampleBook()
        try book.addSheet(XLSXSheet(name: "O'Brien 明细", header: ["单位"], rows: [[.text("甲")]]))
        let workbook = try XMLNode.parse(
            try #require(try ZipReader(try book.data(properties: properties))["xl/workbook.xml"]))
        #expect(workbook.children.map(\.name) == ["bookViews", "sheets", "definedNames"])
        let names = workbook.descendants("definedName")
        #expect(names.map { $0.attributes["name"] } == ["_xlnm.Print_Titles", "_xlnm.Print_Titles"])
        // localSheetId is the sheet's position: 0 is 得分汇总, 2 is O'Brien 明细; Sheet 2 (index 1) has no header.
        #expect(names.map { $0.attributes["localSheetId"] } == ["0", "2"])
        #expect(names.map(\.text) == ["'得分汇总'!$1:$1", "'O''Brien 明细'!$1:$1"])

        var plain = XLSXWriter()
        try plain.addSheet(XLSXSheet(name: "无表头", rows: [[.text("x")]]))
        let bare = try XMLNode.parse(
            try #require(try ZipReader(try plain.data(properties: properties))["xl/workbook.xml"]))
        #expect(bare.child("definedNames") == nil)
    }

    @Test("Document properties: title, creator Kaohe 考核, the dates given; app.xml; content types and relationships")
    func documentProperties() throws {
        let reader = try ZipReader(try sampleBook().data(properties: properties))
        let dc = "http://purl.org/dc/elements/1.1/", terms = "http://purl.org/dc/terms/"
        let core = try XMLNode.parse(try #require(reader["docProps/core.xml"]))
        #expect(core.name == "coreProperties")
        #expect(core.namespace == "http://schemas.openxmlformats.org/package/2006/metadata/core-properties")
        let title = try #require(core.child("title"))
        #expect(title.namespace == dc && title.text == "2023年度考核 <结果> & 明细")
        let creator = try #require(core.child("creator"))
        #expect(creator.namespace == dc && creator.text == "Kaohe 考核")
        #expect(core.child("lastModifiedBy")?.text == "Kaohe 考核")
        let created = try #require(core.child("created"))
        #expect(created.namespace == terms && created.text == "2023-11-14T22:13:20Z")
        #expect(created.attributes["xsi:type"] == "dcterms:W3CDTF")
        let modified = try #require(core.child("modified"))
        #expect(modified.namespace == terms && modified.text == "2026-03-04T05:06:08Z")

        let app = try XMLNode.parse(try #require(reader["docProps/app.xml"]))
        #expect(app.namespace == "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties")
        #expect(app.child("Application")?.text == "Kaohe 考核")
        #expect(app.descendants("i4").map(\.text) == ["2"])
        #expect(app.child("TitlesOfParts")?.descendants("lpstr").map(\.text) == ["得分汇总", "Sheet 2"])

        let types = try XMLNode.parse(try #require(reader["[Content_Types].xml"]))
        let overrides = Dictionary(
            uniqueKeysWithValues: types.children("Override").map {
                ($0.attributes["PartName"] ?? "", $0.attributes["ContentType"] ?? "")
            })
        #expect(overrides["/docProps/core.xml"] == "application/vnd.openxmlformats-package.core-properties+xml")
        #expect(
            overrides["/docProps/app.xml"] == "application/vnd.openxmlformats-officedocument.extended-properties+xml")
        let rels = try XMLNode.parse(try #require(reader["_rels/.rels"]))
        let targets = Dictionary(
            uniqueKeysWithValues: rels.children("Relationship").map {
                ($0.attributes["Target"] ?? "", $0.attributes["Type"] ?? "")
            })
        #expect(
            targets["docProps/core.xml"]
                == "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties")
        #expect(
            targets["docProps/app.xml"]
                == "http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties")
        #expect(
            targets["xl/workbook.xml"]
                == "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument")
        #expect(Set(rels.children("Relationship").compactMap { $0.attributes["Id"] }).count == 3)
        // Every part the content types name is in the package.
        for part in overrides.keys { #expect(reader[String(part.dropFirst())] != nil, "\(part)") }
        // The ZIP entries carry the modification date too (DOS time in China Standard Time: 13:06:08).
        #expect(reader.entries.allSatisfy { $0.dosTime == (13 << 11 | 6 << 5 | 8 / 2) })
    }

    @Test func outputIsDeterministic() throws {
        #expect(try sampleBook().data(properties: properties) == (try sampleBook().data(properties: properties)))
    }

    @Test(arguments: [
        "", "a[1]", "a:b", "x*", "q?", "a/b", "a\\b", "'quoted'", "History", String(repeating: "长", count: 32),
    ])
    func refusesBadSheetNames(_ name: String) {
        var book = XLSXWriter()
        #expect {
            try book.addSheet(XLSXSheet(name: name, rows: []))
        } throws: { error in
            if case .invalidSheetName(let refused, _) = error as? ExportError { return refused == name }
            return false
        }
    }

    @Test func acceptsLongestName() throws {
        var book = XLSXWriter()
        try book.addSheet(XLSXSheet(name: String(repeating: "长", count: 31), rows: []))
        #expect(book.sheets.count == 1)
    }

    @Test func refusesDuplicateSheetsBadNumbersAndEmptyBooks() throws {
        var book = XLSXWriter()
        try book.addSheet(XLSXSheet(name: "Scores", rows: []))
        #expect(throws: ExportError.duplicateSheetName("scores")) {
            try book.addSheet(XLSXSheet(name: "scores", rows: []))
        }
        for bad in ["8.75e1", "1,000", "NaN", "", "-", ".5", "5.", "+3", " 1", "1.2.3"] {
            #expect(throws: ExportError.invalidNumber(bad)) {
                try book.addSheet(XLSXSheet(name: "N", rows: [[.number(bad)]]))
            }
        }
        #expect(throws: ExportError.noSheets) { try XLSXWriter().data(properties: properties) }
    }

    @Test func columnNames() {
        #expect(XLSXWriter.columnName(0) == "A")
        #expect(XLSXWriter.columnName(25) == "Z")
        #expect(XLSXWriter.columnName(26) == "AA")
        #expect(XLSXWriter.columnName(16_383) == "XFD")
    }

    @Test func fittingWidthsCountChineseAsDouble() {
        let widths = XLSXSheet.fittingWidths(for: [[.text("长白县"), .text("abc"), .number("87.5")]])
        #expect(widths == [8, 6, 6])
        let long = XLSXSheet.fittingWidths(for: [[.text(String(repeating: "长", count: 20))]])
        #expect(long == [42])
    }
}
