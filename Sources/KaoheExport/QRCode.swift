/// A QR Code symbol (ISO/IEC 18004, model 2) as a pure value: the matrix of dark and light modules.
///
/// The whole text goes into one segment: numeric mode when it is all digits, alphanumeric mode when it
/// uses only `0–9 A–Z space $ % * + - . / :`, otherwise byte mode with the UTF-8 bytes (no ECI header,
/// as phone readers expect). The smallest version that holds it is used, and of the eight data masks
/// the one with the lowest penalty score (ISO/IEC 18004 7.8.3, evaluated before the format and version
/// information are drawn, as the reference encoders do).
///
/// ```swift
/// let code = try QRCode("http://127.0.0.1:8080/p/ABCD2345EF")
/// let drawing = code.svg(moduleSize: 4)
/// ```
public struct QRCode: Sendable, Equatable {
    /// How much of the symbol may be damaged and still be read: about 7 %, 15 %, 25 % and 30 % of the
    /// codewords. Higher levels need a bigger symbol for the same text.
    public enum ErrorCorrection: Sendable { case low, medium, quartile, high }

    /// The symbol version, 1…40.
    public let version: Int
    /// Modules per side: 17 + 4 × version (the quiet zone is not counted).
    public let size: Int
    /// The error correction level used.
    let errorCorrection: ErrorCorrection
    /// The data mask pattern applied, 0…7.
    let mask: Int
    /// Row-major, `size × size`; `true` is dark.
    private let modules: [Bool]

    /// Encodes `text` as UTF-8 bytes (byte mode; numeric/alphanumeric modes when the whole text fits
    /// them) in the smallest version 1…40 that holds it.
    /// - Throws: ``QRCodeError/tooLong(bytes:max:)`` when even version 40 at this level cannot hold it.
    public init(_ text: String, errorCorrection: ErrorCorrection = .medium) throws(QRCodeError) {
        try self.init(text, errorCorrection: errorCorrection, mask: nil, minimumVersion: 1)
    }

    /// As the public initialiser, with the mask forced (`nil`: the lowest penalty) and a lower bound on
    /// the version (to compare with other encoders symbol for symbol).
    init(_ text: String, errorCorrection: ErrorCorrection, mask forcedMask: Int?, minimumVersion: Int)
        throws(QRCodeError)
    {
        let segment = Segment(text)
        guard let version = segment.smallestVersion(level: errorCorrection, from: minimumVersion) else {
            throw QRCodeError.tooLong(
                bytes: segment.byteCount, max: segment.mode.capacity(version: 40, level: errorCorrection))
        }
        let codewords = Self.codewords(segment: segment, version: version, level: errorCorrection)
        var matrix = Matrix(version: version)
        matrix.drawFunctionPatterns()
        matrix.place(codewords)
        let chosen: Int
        if let forcedMask {
            chosen = forcedMask
        } else {
            var best = (mask: 0, penalty: Int.max)
            for candidate in 0..<8 {
                var trial = matrix
                trial.applyMask(candidate)
                let penalty = trial.penalty()
                if penalty < best.penalty { best = (candidate, penalty) }
            }
            chosen = best.mask
        }
        matrix.applyMask(chosen)
        matrix.drawFormatInformation(level: errorCorrection, mask: chosen)
        matrix.drawVersionInformation()
        self.version = version
        self.size = matrix.size
        self.errorCorrection = errorCorrection
        self.mask = chosen
        self.modules = matrix.dark
    }

    /// True when the module at `row`, `column` (0-based from the top left) is dark; modules outside
    /// `0..<size` (the quiet zone) are light.
    public func isDark(row: Int, column: Int) -> Bool {
        guard (0..<size).contains(row), (0..<size).contains(column) else { return false }
        return modules[row * size + column]
    }

    /// An SVG drawing (one <path>, quiet zone of 4 modules), `moduleSize` px per module.
    ///
    /// Black modules on a white background, `shape-rendering="crispEdges"`; the `viewBox` counts modules
    /// (including the quiet zone), so the drawing scales cleanly when a page sets another size.
    /// A `moduleSize` below 1 is taken as 1.
    public func svg(moduleSize: Int = 4) -> String {
        let quiet = 4
        let extent = size + 2 * quiet
        let pixels = extent * max(moduleSize, 1)
        var path = ""
        for row in 0..<size {
            var column = 0
            while column < size {
                guard isDark(row: row, column: column) else {
                    column += 1
                    continue
                }
                let start = column
                while column < size, isDark(row: row, column: column) { column += 1 }
                path += "M\(start + quiet) \(row + quiet)h\(column - start)v1h-\(column - start)z"
            }
        }
        return
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(pixels)\" height=\"\(pixels)\" viewBox=\"0 0 \(extent) \(extent)\" shape-rendering=\"crispEdges\">"
            + "<rect width=\"\(extent)\" height=\"\(extent)\" fill=\"#ffffff\"/>"
            + "<path fill=\"#000000\" d=\"\(path)\"/></svg>"
    }
}

/// Why a text cannot be drawn as a QR Code.
public enum QRCodeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The text needs more room than version 40 has at the chosen level: `bytes` is its UTF-8 length,
    /// `max` the most characters (bytes) version 40 holds in the mode the text would use.
    case tooLong(bytes: Int, max: Int)

    public var description: String {
        switch self {
        case .tooLong(let bytes, let max): "text too long for a QR code: \(bytes) bytes, at most \(max)"
        }
    }
}

// MARK: - Data encoding

extension QRCode {
    enum Mode {
        case numeric, alphanumeric, byte

        var indicator: Int {
            switch self {
            case .numeric: 0b0001
            case .alphanumeric: 0b0010
            case .byte: 0b0100
            }
        }

        /// Bits of the character count indicator (Table 3).
        func countBits(version: Int) -> Int {
            let band = version <= 9 ? 0 : version <= 26 ? 1 : 2
            switch self {
            case .numeric: return [10, 12, 14][band]
            case .alphanumeric: return [9, 11, 13][band]
            case .byte: return [8, 16, 16][band]
            }
        }

        /// Data bits of `count` characters (without mode and count indicators).
        func dataBits(count: Int) -> Int {
            switch self {
            case .numeric: count / 3 * 10 + [0, 4, 7][count % 3]
            case .alphanumeric: count / 2 * 11 + count % 2 * 6
            case .byte: count * 8
            }
        }

        /// The most characters a symbol of `version` holds at `level` in this mode.
        func capacity(version: Int, level: ErrorCorrection) -> Int {
            let available =
                QRTables.dataCodewords(version: version, level: level) * 8 - 4 - countBits(version: version)
            var count: Int
            switch self {
            case .numeric: count = available / 10 * 3 + (available % 10 >= 7 ? 2 : available % 10 >= 4 ? 1 : 0)
            case .alphanumeric: count = available / 11 * 2 + (available % 11 >= 6 ? 1 : 0)
            case .byte: count = available / 8
            }
            return min(count, (1 << countBits(version: version)) - 1)
        }
    }

    /// The alphanumeric mode's 45 characters, in code order.
    static let alphanumericCharset = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:".utf8)

    struct Segment {
        let mode: Mode
        let bytes: [UInt8]
        var byteCount: Int { bytes.count }

        init(_ text: String) {
            bytes = Array(text.utf8)
            if bytes.allSatisfy({ (0x30...0x39).contains($0) }) {
                mode = .numeric
            } else if bytes.allSatisfy({ QRCode.alphanumericCharset.contains($0) }) {
                mode = .alphanumeric
            } else {
                mode = .byte
            }
        }

        func bitLength(version: Int) -> Int {
            4 + mode.countBits(version: version) + mode.dataBits(count: bytes.count)
        }

        func smallestVersion(level: ErrorCorrection, from minimum: Int) -> Int? {
            (max(minimum, 1)...40).first { version in
                bytes.count < 1 << mode.countBits(version: version)
                    && bitLength(version: version) <= QRTables.dataCodewords(version: version, level: level) * 8
            }
        }

        func append(to bits: inout BitBuffer, version: Int) {
            bits.append(mode.indicator, count: 4)
            bits.append(bytes.count, count: mode.countBits(version: version))
            switch mode {
            case .numeric:
                var index = 0
                while index < bytes.count {
                    let digits = min(3, bytes.count - index)
                    var value = 0
                    for byte in bytes[index..<(index + digits)] { value = value * 10 + Int(byte - 0x30) }
                    bits.append(value, count: [0, 4, 7, 10][digits])
                    index += digits
                }
            case .alphanumeric:
                let codes = bytes.map { byte in QRCode.alphanumericCharset.firstIndex(of: byte)! }
                var index = 0
                while index + 1 < codes.count {
                    bits.append(codes[index] * 45 + codes[index + 1], count: 11)
                    index += 2
                }
                if index < codes.count { bits.append(codes[index], count: 6) }
            case .byte:
                for byte in bytes { bits.append(Int(byte), count: 8) }
            }
        }
    }

    struct BitBuffer {
        var bits: [Bool] = []

        mutating func append(_ value: Int, count: Int) {
            for shift in stride(from: count - 1, through: 0, by: -1) { bits.append((value >> shift) & 1 == 1) }
        }

        var bytes: [UInt8] {
            stride(from: 0, to: bits.count, by: 8).map { start in
                var byte: UInt8 = 0
                for offset in 0..<8 where start + offset < bits.count && bits[start + offset] {
                    byte |= 0x80 >> offset
                }
                return byte
            }
        }
    }

    /// The data codewords (segment, terminator, padding to a byte, pad codewords 0xEC 0x11) of a symbol.
    static func dataCodewords(segment: Segment, version: Int, level: ErrorCorrection) -> [UInt8] {
        var bits = BitBuffer()
        segment.append(to: &bits, version: version)
        let capacity = QRTables.dataCodewords(version: version, level: level) * 8
        bits.append(0, count: min(4, capacity - bits.bits.count))
        bits.append(0, count: (8 - bits.bits.count % 8) % 8)
        var bytes = bits.bytes
        var pad: UInt8 = 0xEC
        while bytes.count * 8 < capacity {
            bytes.append(pad)
            pad = pad == 0xEC ? 0x11 : 0xEC
        }
        return bytes
    }

    /// The final codeword sequence: data split into blocks (short blocks first), each with its
    /// Reed–Solomon codewords, interleaved column by column (data first, then error correction).
    static func codewords(segment: Segment, version: Int, level: ErrorCorrection) -> [UInt8] {
        interleave(
            data: dataCodewords(segment: segment, version: version, level: level), version: version, level: level)
    }

    static func interleave(data: [UInt8], version: Int, level: ErrorCorrection) -> [UInt8] {
        let blockCount = QRTables.errorCorrectionBlocks[level.tableIndex][version]
        let eccLength = QRTables.eccCodewordsPerBlock[level.tableIndex][version]
        let total = QRTables.totalCodewords(version: version)
        let shortBlocks = blockCount - total % blockCount
        let shortDataLength = total / blockCount - eccLength
        var dataBlocks: [[UInt8]] = []
        var eccBlocks: [[UInt8]] = []
        var start = 0
        for block in 0..<blockCount {
            let length = shortDataLength + (block < shortBlocks ? 0 : 1)
            let chunk = Array(data[start..<(start + length)])
            start += length
            dataBlocks.append(chunk)
            eccBlocks.append(GF256.remainder(of: chunk, degree: eccLength))
        }
        var result: [UInt8] = []
        result.reserveCapacity(total)
        for index in 0...shortDataLength {
            for block in dataBlocks where index < block.count { result.append(block[index]) }
        }
        for index in 0..<eccLength {
            for block in eccBlocks { result.append(block[index]) }
        }
        return result
    }
}

// MARK: - Matrix

extension QRCode {
    /// The symbol under construction: module colours and which modules are function patterns.
    struct Matrix {
        let version: Int
        let size: Int
        var dark: [Bool]
        var isFunction: [Bool]

        init(version: Int) {
            self.version = version
            size = 17 + 4 * version
            dark = Array(repeating: false, count: size * size)
            isFunction = Array(repeating: false, count: size * size)
        }

        subscript(row: Int, column: Int) -> Bool {
            get { dark[row * size + column] }
            set { dark[row * size + column] = newValue }
        }

        mutating func setFunction(_ row: Int, _ column: Int, _ value: Bool) {
            dark[row * size + column] = value
            isFunction[row * size + column] = true
        }

        /// Finder patterns with separators, timing patterns, alignment patterns, and the format and
        /// version information areas reserved (light until drawn after masking).
        mutating func drawFunctionPatterns() {
            for index in 0..<size {
                setFunction(6, index, index % 2 == 0)
                setFunction(index, 6, index % 2 == 0)
            }
            for (row, column) in [(3, 3), (3, size - 4), (size - 4, 3)] {
                for dr in -4...4 {
                    for dc in -4...4 {
                        let r = row + dr
                        let c = column + dc
                        guard (0..<size).contains(r), (0..<size).contains(c) else { continue }
                        let distance = max(abs(dr), abs(dc))
                        setFunction(r, c, distance != 2 && distance != 4)
                    }
                }
            }
            let positions = QRTables.alignmentPositions(version: version)
            let last = positions.count - 1
            for (i, row) in positions.enumerated() {
                for (j, column) in positions.enumerated() {
                    if (i == 0 && j == 0) || (i == 0 && j == last) || (i == last && j == 0) { continue }
                    for dr in -2...2 {
                        for dc in -2...2 { setFunction(row + dr, column + dc, max(abs(dr), abs(dc)) != 1) }
                    }
                }
            }
            // Format information (both copies) and the dark module, reserved.
            for index in 0..<9 where index != 6 {
                setFunction(8, index, false)
                setFunction(index, 8, false)
            }
            for index in 0..<8 {
                setFunction(8, size - 1 - index, false)
                setFunction(size - 1 - index, 8, false)
            }
            if version >= 7 {
                for a in 0..<6 {
                    for b in (size - 11)..<(size - 8) {
                        setFunction(a, b, false)
                        setFunction(b, a, false)
                    }
                }
            }
        }

        /// Places the codewords' bits, most significant first, in two-module columns from the bottom
        /// right, upwards then downwards, skipping function modules and the vertical timing column.
        /// Remainder bits stay light.
        mutating func place(_ codewords: [UInt8]) {
            var bitIndex = 0
            let bitCount = codewords.count * 8
            var right = size - 1
            while right >= 1 {
                if right == 6 { right = 5 }
                let upward = (right + 1) & 2 == 0
                for step in 0..<size {
                    let row = upward ? size - 1 - step : step
                    for column in [right, right - 1] where !isFunction[row * size + column] {
                        if bitIndex < bitCount {
                            self[row, column] = (codewords[bitIndex >> 3] >> (7 - UInt8(bitIndex & 7))) & 1 == 1
                            bitIndex += 1
                        }
                    }
                }
                right -= 2
            }
        }

        /// Mask condition of pattern `mask` (Table 10) for the module at `row`, `column`.
        static func masks(_ mask: Int, row i: Int, column j: Int) -> Bool {
            switch mask {
            case 0: (i + j) % 2 == 0
            case 1: i % 2 == 0
            case 2: j % 3 == 0
            case 3: (i + j) % 3 == 0
            case 4: (i / 2 + j / 3) % 2 == 0
            case 5: (i * j) % 2 + (i * j) % 3 == 0
            case 6: ((i * j) % 2 + (i * j) % 3) % 2 == 0
            default: ((i + j) % 2 + (i * j) % 3) % 2 == 0
            }
        }

        /// Inverts the data modules where the mask condition holds.
        mutating func applyMask(_ mask: Int) {
            for row in 0..<size {
                for column in 0..<size where !isFunction[row * size + column] {
                    if Self.masks(mask, row: row, column: column) { dark[row * size + column].toggle() }
                }
            }
        }

        /// The 15 format bits: level and mask, BCH(15,5) with generator 0x537, masked with 0x5412.
        static func formatBits(level: ErrorCorrection, mask: Int) -> Int {
            let data = level.formatBits << 3 | mask
            var remainder = data
            for _ in 0..<10 { remainder = (remainder << 1) ^ ((remainder >> 9) * 0x537) }
            return (data << 10 | remainder) ^ 0x5412
        }

        /// The 18 version bits: version and BCH(18,6) with generator 0x1F25.
        static func versionBits(version: Int) -> Int {
            var remainder = version
            for _ in 0..<12 { remainder = (remainder << 1) ^ ((remainder >> 11) * 0x1F25) }
            return version << 12 | remainder
        }

        /// Draws both copies of the format information (bit 0 is the least significant) and the dark module.
        mutating func drawFormatInformation(level: ErrorCorrection, mask: Int) {
            let bits = Self.formatBits(level: level, mask: mask)
            func bit(_ index: Int) -> Bool { (bits >> index) & 1 == 1 }
            // Around the top-left finder: column 8 downwards for bits 0–7, row 8 leftwards for 8–14.
            for index in 0..<6 { setFunction(index, 8, bit(index)) }
            setFunction(7, 8, bit(6))
            setFunction(8, 8, bit(7))
            setFunction(8, 7, bit(8))
            for index in 9..<15 { setFunction(8, 14 - index, bit(index)) }
            // Row 8 at the top right (bits 0–7), column 8 at the bottom left (bits 8–14).
            for index in 0..<8 { setFunction(8, size - 1 - index, bit(index)) }
            for index in 8..<15 { setFunction(size - 15 + index, 8, bit(index)) }
            setFunction(size - 8, 8, true)
        }

        /// Draws both copies of the version information (versions 7 and up): bit i at row i / 3 and column
        /// size − 11 + i % 3 (top right), and transposed (bottom left).
        mutating func drawVersionInformation() {
            guard version >= 7 else { return }
            let bits = Self.versionBits(version: version)
            for index in 0..<18 {
                let value = (bits >> index) & 1 == 1
                let a = size - 11 + index % 3
                let b = index / 3
                setFunction(b, a, value)
                setFunction(a, b, value)
            }
        }

        // MARK: Penalty (ISO/IEC 18004 7.8.3.1)

        /// N1 + N2 + N3 + N4 of the current modules.
        func penalty() -> Int {
            dark.withUnsafeBufferPointer { cells in
                var score = 0
                for line in 0..<size {
                    score += Self.linePenalty(cells, start: line * size, step: 1, count: size)
                    score += Self.linePenalty(cells, start: line, step: size, count: size)
                }
                // N2: every 2 × 2 block of one colour, 3 points.
                for row in 0..<(size - 1) {
                    for column in 0..<(size - 1) {
                        let index = row * size + column
                        let value = cells[index]
                        if cells[index + 1] == value, cells[index + size] == value, cells[index + size + 1] == value {
                            score += 3
                        }
                    }
                }
                // N4: 10 points for each full 5 % that the dark share departs from 50 %.
                var darkCount = 0
                for value in cells where value { darkCount += 1 }
                let total = size * size
                score += abs(darkCount * 20 - total * 10) / total * 10
                return score
            }
        }

        /// N1 and N3 of one row or column (`count` modules from `start`, `step` apart).
        ///
        /// N1: a run of 5 + i modules of one colour scores 3 + i. N3: 40 points for each
        /// dark-light-dark-dark-dark-light-dark (1:1:3:1:1) with four light modules before or after it;
        /// the quiet zone beyond the edge counts as light, and a counted pattern is not counted again in
        /// part (as segno does).
        static func linePenalty(_ cells: UnsafeBufferPointer<Bool>, start: Int, step: Int, count: Int) -> Int {
            func at(_ index: Int) -> Bool { cells[start + index * step] }
            func light(_ range: Range<Int>) -> Bool {
                for index in max(range.lowerBound, 0)..<min(range.upperBound, count) where at(index) {
                    return false
                }
                return true
            }
            var score = 0
            var run = 1
            for index in 1..<count {
                if at(index) == at(index - 1) {
                    run += 1
                } else {
                    if run >= 5 { score += run - 2 }
                    run = 1
                }
            }
            if run >= 5 { score += run - 2 }
            var index = 0
            while index <= count - 7 {
                if at(index), !at(index + 1), at(index + 2), at(index + 3), at(index + 4), !at(index + 5),
                    at(index + 6), light((index - 4)..<index) || light((index + 7)..<(index + 11))
                {
                    score += 40
                    index += 7
                } else {
                    index += 1
                }
            }
            return score
        }
    }
}
