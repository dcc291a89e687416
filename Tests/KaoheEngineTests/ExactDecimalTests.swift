import KaoheEngine
import Testing

@Suite struct ExactDecimalTests {
    @Test func parsesDecimalLiterals() throws {
        #expect(ExactDecimal("0.85")?.description == "0.85")
        #expect(ExactDecimal("-12.50")?.description == "-12.5")
        #expect(ExactDecimal("1e4")?.description == "10000")
        #expect(ExactDecimal("2.5E-1")?.description == "0.25")
        #expect(ExactDecimal("100")?.integerValue == 100)
        #expect(ExactDecimal("0.123456789")?.units == 123_456_789)
    }

    @Test func rejectsMalformedOrTooPrecise() {
        #expect(ExactDecimal("") == nil)
        #expect(ExactDecimal("abc") == nil)
        #expect(ExactDecimal("1.2.3") == nil)
        #expect(ExactDecimal("0.1234567891") == nil)
        #expect(ExactDecimal("99999999999999999999") == nil)
        #expect(ExactDecimal("-") == nil)
    }

    @Test func arithmeticIsExact() throws {
        let a = try #require(ExactDecimal("0.1"))
        let b = try #require(ExactDecimal("0.2"))
        #expect((a + b).description == "0.3")
        #expect((ExactDecimal(100) - ExactDecimal("0.5")! * 3).description == "98.5")
        #expect((ExactDecimal("2.5")! * ExactDecimal("0.5")!).description == "1.25")
        #expect((ExactDecimal(7) / ExactDecimal(10)).description == "0.7")
        #expect((ExactDecimal(2) / ExactDecimal(3)).rounded(places: 2).description == "0.67")
        #expect((ExactDecimal(-2) / ExactDecimal(3)).rounded(places: 2).description == "-0.67")
        #expect(ExactDecimal("87.495")!.rounded(places: 2).description == "87.5")
    }

    @Test func comparesAndClamps() {
        #expect(ExactDecimal("0.8")! >= ExactDecimal("0.80")!)
        #expect(ExactDecimal(-3).clamped(.zero, ExactDecimal(5)) == .zero)
        #expect(ExactDecimal(7).clamped(.zero, ExactDecimal(5)) == ExactDecimal(5))
        #expect(ExactDecimal("0.85")!.percentText == "85%")
    }
}
