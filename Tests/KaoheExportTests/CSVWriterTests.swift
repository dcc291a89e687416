import Foundation
import Testing

@testable import KaoheExport

@Suite struct CSVWriterTests {
    @Test func bomCRLFAndChinese() throws {
        var csv = CSVWriter()
        csv.addRow(["单位", "得分"])
        csv.addRow(["长白县", "87.5"])
        let data = csv.data()
        #expect(Array(data.prefix(3)) == [0xEF, 0xBB, 0xBF])
        #expect(String(decoding: data.dropFirst(3), as: UTF8.self) == "单位,得分\r\n长白县,87.5\r\n")
        #expect(CSVWriter(includesByteOrderMark: false).data().isEmpty)
    }

    @Test func rfc4180Quoting() {
        #expect(CSVWriter.field("plain") == "plain")
        #expect(CSVWriter.field("a,b") == "\"a,b\"")
        #expect(CSVWriter.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CSVWriter.field("two\nlines") == "\"two\nlines\"")
        #expect(CSVWriter.field("cr\rhere") == "\"cr\rhere\"")
        #expect(CSVWriter.field("") == "")
        #expect(CSVWriter.line(["a", "", "b,c"]) == "a,,\"b,c\"\r\n")
    }

    @Test(arguments: [
        ("=SUM(A1:A2)", "'=SUM(A1:A2)"), ("+1+2", "'+1+2"), ("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"),
        ("@SUM(1)", "'@SUM(1)"), ("\tx", "'\tx"), ("--2", "'--2"), ("-", "'-"),
        ("-2.5", "-2.5"), ("+3", "+3"), ("-100", "-100"), ("87.5", "87.5"), ("a=b", "a=b"), ("长白县", "长白县"),
    ])
    func formulaInjectionGuard(input: String, expected: String) {
        #expect(CSVWriter.neutralized(input) == expected)
    }

    @Test func guardAppliesBeforeQuoting() {
        let data = CSVWriter.data(rows: [["=1,2", "ok"]], includesByteOrderMark: false)
        #expect(String(decoding: data, as: UTF8.self) == "\"'=1,2\",ok\r\n")
        let raw = CSVWriter.data(rows: [["=1"]], includesByteOrderMark: false, guardsFormulas: false)
        #expect(String(decoding: raw, as: UTF8.self) == "=1\r\n")
    }
}
