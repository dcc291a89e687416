import Testing

@testable import KaoheExport

@Suite struct HTTPDownloadTests {
    @Test func chineseFileName() {
        #expect(
            HTTPDownload.contentDisposition(fileName: "2026年得分.xlsx")
                == "attachment; filename=\"2026___.xlsx\"; filename*=UTF-8''2026%E5%B9%B4%E5%BE%97%E5%88%86.xlsx")
    }

    @Test func unsafeCharactersAreReplaced() {
        #expect(
            HTTPDownload.contentDisposition(fileName: "a/b\"c\r\n d%.csv")
                == "attachment; filename=\"a_b_c__ d_.csv\"; filename*=UTF-8''a_b_c__%20d%25.csv")
    }
}
