import Foundation
import Testing

@testable import KaoheExport

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// The symbol as rows of 0 and 1, as in the fixtures.
private func rows(of code: QRCode) -> String {
    (0..<code.size).map { row in
        String((0..<code.size).map { code.isDark(row: row, column: $0) ? "1" : "0" })
    }.joined(separator: "\n")
}

/// The data codewords of `text` in a given symbol (before interleaving).
private func dataCodewords(_ text: String, version: Int, level: QRCode.ErrorCorrection) -> [UInt8] {
    QRCode.dataCodewords(segment: QRCode.Segment(text), version: version, level: level)
}

@Suite struct QRCodeTests {
    // MARK: Against independent encoders (segno / python-qrcode; scripts/qr-fixtures.py)

    @Test(arguments: QRFixtures.symbols.filter { !$0.maskChosen })
    func matchesIndependentEncoderWithForcedMask(_ fixture: QRFixtures.Symbol) throws {
        let code = try QRCode(
            fixture.text, errorCorrection: fixture.level, mask: fixture.mask, minimumVersion: fixture.version)
        #expect(code.version == fixture.version, "\(fixture.name)")
        #expect(code.size == 17 + 4 * fixture.version)
        #expect(rows(of: code) == fixture.rows, "\(fixture.name) mask \(fixture.mask)")
    }

    @Test(arguments: QRFixtures.symbols.filter { $0.maskChosen })
    func choosesTheSameVersionAndMaskAsSegno(_ fixture: QRFixtures.Symbol) throws {
        let code = try QRCode(fixture.text, errorCorrection: fixture.level)
        #expect(code.version == fixture.version, "\(fixture.name): smallest version")
        #expect(code.mask == fixture.mask, "\(fixture.name): mask with the lowest penalty")
        #expect(rows(of: code) == fixture.rows, "\(fixture.name)")
    }

    @Test func fixturesCoverWhatTheIssueAsksFor() {
        let versions = Set(QRFixtures.symbols.map(\.version))
        #expect(versions.contains { $0 >= 7 }, "a symbol with version information")
        #expect(Set(QRFixtures.symbols.filter { !$0.maskChosen }.map(\.mask)) == Set(0..<8), "every mask")
        #expect(QRFixtures.symbols.contains { $0.text.unicodeScalars.contains { $0.value > 0x4E00 } }, "Chinese")
        let modes = Set(QRFixtures.symbols.map { "\(QRCode.Segment($0.text).mode)" })
        #expect(modes == ["numeric", "alphanumeric", "byte"])
    }

    @Test func blockTableMatchesPythonQRCode() {
        #expect(QRFixtures.blocks.count == 160)
        for entry in QRFixtures.blocks {
            let level = entry.level.tableIndex
            #expect(
                QRTables.dataCodewords(version: entry.version, level: entry.level) == entry.data,
                "version \(entry.version) \(entry.level)")
            #expect(QRTables.eccCodewordsPerBlock[level][entry.version] == entry.ecPerBlock)
            #expect(QRTables.errorCorrectionBlocks[level][entry.version] == entry.blocks)
        }
    }

    @Test func alignmentPositionsMatchPythonQRCode() {
        for version in 1...40 {
            #expect(QRTables.alignmentPositions(version: version) == QRFixtures.alignment[version - 1], "\(version)")
        }
    }

    @Test func versionInformationMatchesPythonQRCode() {
        for version in 7...40 {
            #expect(QRCode.Matrix.versionBits(version: version) == QRFixtures.versionBits[version - 7], "\(version)")
        }
    }

    // MARK: Known values

    /// Thonky's QR tutorial, "HELLO WORLD" at 1-M: data and error correction codewords.
    @Test func reedSolomonOfHelloWorld1M() {
        let data = dataCodewords("HELLO WORLD", version: 1, level: .medium)
        #expect(data == [32, 91, 11, 120, 209, 114, 220, 77, 67, 64, 236, 17, 236, 17, 236, 17])
        #expect(GF256.remainder(of: data, degree: 10) == [196, 35, 39, 119, 235, 215, 231, 226, 93, 23])
        // One block: the final sequence is the data then the error correction codewords.
        #expect(
            QRCode.interleave(data: data, version: 1, level: .medium)
                == data + [196, 35, 39, 119, 235, 215, 231, 226, 93, 23])
    }

    /// Thonky's "HELLO WORLD" at 1-Q.
    @Test func reedSolomonOfHelloWorld1Q() {
        let data = dataCodewords("HELLO WORLD", version: 1, level: .quartile)
        #expect(data == [32, 91, 11, 120, 209, 114, 220, 77, 67, 64, 236, 17, 236])
        #expect(
            GF256.remainder(of: data, degree: 13) == [168, 72, 22, 82, 217, 54, 156, 0, 46, 15, 180, 122, 16])
    }

    /// Thonky's 5-Q example: 2 blocks of 15 and 2 of 16 data codewords, interleaved column by column.
    @Test func interleavingPutsShortBlocksFirst() {
        let data = (0..<62).map { UInt8($0) }
        let sequence = QRCode.interleave(data: data, version: 5, level: .quartile)
        #expect(sequence.count == 134)
        // Columns 0…14 take one codeword of each block; column 15 only the two long blocks.
        #expect(Array(sequence.prefix(8)) == [0, 15, 30, 46, 1, 16, 31, 47])
        #expect(Array(sequence[56..<62]) == [14, 29, 44, 60, 45, 61])
        let blocks = [Array(data[0..<15]), Array(data[15..<30]), Array(data[30..<46]), Array(data[46..<62])]
        let ecc = blocks.map { GF256.remainder(of: $0, degree: 18) }
        #expect(Array(sequence[62..<66]) == ecc.map { $0[0] })
        #expect(Array(sequence.suffix(4)) == ecc.map { $0[17] })
    }

    /// The 32 format information strings (ISO/IEC 18004 Annex C, as listed by Thonky), bit 14 first.
    @Test func formatInformationForEveryLevelAndMask() {
        let table: [(QRCode.ErrorCorrection, [String])] = [
            (
                .low,
                [
                    "111011111000100", "111001011110011", "111110110101010", "111100010011101",
                    "110011000101111", "110001100011000", "110110001000001", "110100101110110",
                ]
            ),
            (
                .medium,
                [
                    "101010000010010", "101000100100101", "101111001111100", "101101101001011",
                    "100010111111001", "100000011001110", "100111110010111", "100101010100000",
                ]
            ),
            (
                .quartile,
                [
                    "011010101011111", "011000001101000", "011111100110001", "011101000000110",
                    "010010010110100", "010000110000011", "010111011011010", "010101111101101",
                ]
            ),
            (
                .high,
                [
                    "001011010001001", "001001110111110", "001110011100111", "001100111010000",
                    "000011101100010", "000001001010101", "000110100001100", "000100000111011",
                ]
            ),
        ]
        for (level, strings) in table {
            for (mask, expected) in strings.enumerated() {
                let bits = QRCode.Matrix.formatBits(level: level, mask: mask)
                #expect(String(bits, radix: 2).leftPadded(to: 15) == expected, "\(level) mask \(mask)")
            }
        }
    }

    @Test func formatInformationIsDrawnInBothCopies() throws {
        let code = try QRCode("K7M9-XR4P2T", errorCorrection: .high, mask: 5, minimumVersion: 1)
        let bits = QRCode.Matrix.formatBits(level: .high, mask: 5)
        let n = code.size
        // Bit 14 (most significant) next to the top-left finder at row 8 column 0, and at the bottom left.
        let topLeft: [(Int, Int)] =
            [(8, 0), (8, 1), (8, 2), (8, 3), (8, 4), (8, 5), (8, 7), (8, 8), (7, 8)]
            + [(5, 8), (4, 8), (3, 8), (2, 8), (1, 8), (0, 8)]
        let other: [(Int, Int)] =
            (0..<7).map { (n - 1 - $0, 8) } + (0..<8).map { (8, n - 8 + $0) }
        for (index, (row, column)) in topLeft.enumerated() {
            #expect(code.isDark(row: row, column: column) == ((bits >> (14 - index)) & 1 == 1), "top left \(index)")
        }
        for (index, (row, column)) in other.enumerated() {
            #expect(code.isDark(row: row, column: column) == ((bits >> (14 - index)) & 1 == 1), "other \(index)")
        }
        #expect(code.isDark(row: n - 8, column: 8), "the dark module")
    }

    @Test func versionInformationOfVersion7() throws {
        #expect(String(QRCode.Matrix.versionBits(version: 7), radix: 2).leftPadded(to: 18) == "000111110010010100")
        // A text that needs version 7 carries it in both blocks: bit i at row i / 3, column size − 11 + i % 3.
        let code = try QRCode(String(repeating: "a", count: 120), errorCorrection: .medium)
        #expect(code.version == 7)
        let bits = 0b000111110010010100
        for index in 0..<18 {
            let dark = (bits >> index) & 1 == 1
            #expect(code.isDark(row: index / 3, column: code.size - 11 + index % 3) == dark, "top right \(index)")
            #expect(code.isDark(row: code.size - 11 + index % 3, column: index / 3) == dark, "bottom left \(index)")
        }
    }

    // MARK: Sizes and errors

    @Test func smallestVersionAndMode() throws {
        #expect(try QRCode("HELLO WORLD", errorCorrection: .quartile).version == 1)
        // Version 1-M holds 14 bytes, 20 alphanumeric characters or 34 digits.
        #expect(try QRCode(String(repeating: "a", count: 14)).version == 1)
        #expect(try QRCode(String(repeating: "a", count: 15)).version == 2)
        #expect(try QRCode(String(repeating: "A", count: 20)).version == 1)
        #expect(try QRCode(String(repeating: "A", count: 21)).version == 2)
        #expect(try QRCode(String(repeating: "7", count: 34)).version == 1)
        #expect(try QRCode(String(repeating: "7", count: 35)).version == 2)
        let code = try QRCode("http://127.0.0.1:8080/p/ABCD2345EF")
        #expect(code.size == 17 + 4 * code.version)
        #expect(!code.isDark(row: -1, column: 0) && !code.isDark(row: 0, column: code.size))
        #expect(code.isDark(row: 0, column: 0) && code.isDark(row: 6, column: 6) && !code.isDark(row: 7, column: 7))
    }

    @Test func tooLong() throws {
        // Version 40-L holds 2953 bytes, 4296 alphanumeric characters, 7089 digits; 40-H 1273 bytes.
        #expect(try QRCode(String(repeating: "a", count: 2953), errorCorrection: .low).version == 40)
        #expect(throws: QRCodeError.tooLong(bytes: 2954, max: 2953)) {
            try QRCode(String(repeating: "a", count: 2954), errorCorrection: .low)
        }
        #expect(try QRCode(String(repeating: "A", count: 4296), errorCorrection: .low).version == 40)
        #expect(throws: QRCodeError.tooLong(bytes: 4297, max: 4296)) {
            try QRCode(String(repeating: "A", count: 4297), errorCorrection: .low)
        }
        #expect(try QRCode(String(repeating: "1", count: 7089), errorCorrection: .low).version == 40)
        #expect(throws: QRCodeError.tooLong(bytes: 7090, max: 7089)) {
            try QRCode(String(repeating: "1", count: 7090), errorCorrection: .low)
        }
        #expect(try QRCode(String(repeating: "考", count: 424), errorCorrection: .high).version == 40)
        #expect(throws: QRCodeError.tooLong(bytes: 1275, max: 1273)) {
            try QRCode(String(repeating: "考", count: 425), errorCorrection: .high)
        }
    }

    // MARK: SVG

    @Test func svgIsValidXMLWithOneBlackPath() throws {
        let code = try QRCode("K7M9-XR4P2T")
        let svg = code.svg(moduleSize: 5)
        let extent = code.size + 8
        #expect(isWellFormed(svg))
        #expect(
            svg.hasPrefix(
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(extent * 5)\" height=\"\(extent * 5)\" viewBox=\"0 0 \(extent) \(extent)\" shape-rendering=\"crispEdges\">"
            ))
        #expect(svg.components(separatedBy: "<path").count == 2)
        #expect(svg.contains("<rect width=\"\(extent)\" height=\"\(extent)\" fill=\"#ffffff\"/>"))
        #expect(svg.contains("<path fill=\"#000000\" d=\""))
        #expect(code.svg().hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(extent * 4)\""))
    }

    /// Paints the path's horizontal runs back into a grid: it must give the symbol, offset by the quiet zone.
    @Test func svgPathDrawsExactlyTheDarkModules() throws {
        let code = try QRCode("http://127.0.0.1:8080/p/ABCD2345EF", errorCorrection: .quartile)
        let svg = code.svg()
        let d = try #require(svg.components(separatedBy: " d=\"").last?.components(separatedBy: "\"").first)
        let extent = code.size + 8
        var grid = Array(repeating: Array(repeating: false, count: extent), count: extent)
        for run in d.split(separator: "z") {
            // "M<x> <y>h<w>v1h-<w>"
            let scanner = Scanner(string: String(run))
            #expect(scanner.scanString("M") != nil)
            let x = try #require(scanner.scanInt())
            let y = try #require(scanner.scanInt())
            #expect(scanner.scanString("h") != nil)
            let width = try #require(scanner.scanInt())
            #expect(scanner.scanString("v1h-") != nil)
            #expect(scanner.scanInt() == width)
            for column in x..<(x + width) {
                #expect(!grid[y][column], "drawn twice")
                grid[y][column] = true
            }
        }
        for row in 0..<extent {
            for column in 0..<extent {
                #expect(grid[row][column] == code.isDark(row: row - 4, column: column - 4))
            }
        }
    }
}

extension String {
    fileprivate func leftPadded(to length: Int) -> String {
        String(repeating: "0", count: max(0, length - count)) + self
    }
}
