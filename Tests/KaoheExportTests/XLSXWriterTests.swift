import Foundation
import Testing

@testable import KaoheExport

#if canImport(FoundationXML)
    import FoundationXML
#endif

@Suite struct XLSXWriterTests {
    let date = Date(timeIntervalSince1970: 1_772_600_768)

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
        let reader = try ZipReader(try sampleBook().data(modified: date))
        #expect(
            reader.entries.map(\.name) == [
                "[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml",
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
        let sheet = try #require(try ZipReader(try sampleBook().data(modified: date)).text("xl/worksheets/sheet1.xml"))
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

        let second = try #require(try ZipReader(try sampleBook().data(modified: date)).text("xl/worksheets/sheet2.xml"))
        #expect(!second.contains("<pane"), "no header, no frozen pane")
        #expect(second.contains(#"<c r="A1" s="3"><v>7</v></c>"#))
    }

    @Test func outputIsDeterministic() throws {
        #expect(try sampleBook().data(modified: date) == (try sampleBook().data(modified: date)))
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
        #expect(throws: ExportError.noSheets) { try XLSXWriter().data(modified: date) }
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
