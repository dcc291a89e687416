/// An exact decimal number with nine fractional digits, used for every score, rate and weight.
///
/// Scores in the documents move in steps of 0.5 and 2.5 and rates are compared against
/// band boundaries, so binary floating point must never appear: `0.1 + 0.2` is `0.3` here.
public struct ExactDecimal: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Number of units in 1.
    public static let scale: Int64 = 1_000_000_000
    /// Number of fractional digits kept.
    public static let fractionDigits = 9

    /// The value times `scale`.
    public var units: Int64

    public init(units: Int64) { self.units = units }
    public init(_ integer: Int) { self.units = Int64(integer) * Self.scale }

    public static let zero = ExactDecimal(units: 0)
    public static let one = ExactDecimal(1)

    /// Parses a decimal literal such as `-12.5`, `0.85` or `1e4` (JSON number syntax).
    /// Returns nil for malformed text, more than nine fractional digits, or a value out of range.
    public init?(_ text: some StringProtocol) {
        var bytes = Array(text.utf8)[...]
        guard !bytes.isEmpty else { return nil }
        var negative = false
        if bytes.first == UInt8(ascii: "-") {
            negative = true
            bytes = bytes.dropFirst()
        } else if bytes.first == UInt8(ascii: "+") {
            bytes = bytes.dropFirst()
        }
        var digits: [UInt8] = []
        var fractionCount = 0
        var seenPoint = false
        var exponent = 0
        var index = bytes.startIndex
        var sawDigit = false
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte >= 48 && byte <= 57 {
                digits.append(byte - 48)
                sawDigit = true
                if seenPoint { fractionCount += 1 }
            } else if byte == UInt8(ascii: ".") && !seenPoint {
                seenPoint = true
            } else if byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
                guard let value = Int(String(decoding: bytes[(index + 1)...], as: UTF8.self)),
                    abs(value) < 40
                else { return nil }
                exponent = value
                break
            } else {
                return nil
            }
            index += 1
        }
        guard sawDigit else { return nil }
        // value = digits × 10^(exponent − fractionCount); we want value × 10^9.
        var shift = exponent - fractionCount + Self.fractionDigits
        // Drop trailing zeros that would otherwise be divided away.
        while shift < 0, let last = digits.last, last == 0, digits.count > 1 {
            digits.removeLast()
            shift += 1
        }
        if shift < 0 {
            // Accept only if the remaining digits below the scale are all zero.
            return nil
        }
        var magnitude: Int64 = 0
        for digit in digits {
            let (times, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (plus, o2) = times.addingReportingOverflow(Int64(digit))
            if o1 || o2 { return nil }
            magnitude = plus
        }
        for _ in 0..<shift {
            let (times, overflow) = magnitude.multipliedReportingOverflow(by: 10)
            if overflow { return nil }
            magnitude = times
        }
        self.units = negative ? -magnitude : magnitude
    }

    public static func < (lhs: ExactDecimal, rhs: ExactDecimal) -> Bool { lhs.units < rhs.units }
    public static func + (lhs: ExactDecimal, rhs: ExactDecimal) -> ExactDecimal {
        ExactDecimal(units: lhs.units + rhs.units)
    }
    public static func - (lhs: ExactDecimal, rhs: ExactDecimal) -> ExactDecimal {
        ExactDecimal(units: lhs.units - rhs.units)
    }
    public static func += (lhs: inout ExactDecimal, rhs: ExactDecimal) { lhs.units += rhs.units }
    public static func -= (lhs: inout ExactDecimal, rhs: ExactDecimal) { lhs.units -= rhs.units }
    public static prefix func - (value: ExactDecimal) -> ExactDecimal { ExactDecimal(units: -value.units) }

    /// Product, rounded half away from zero to nine digits.
    public static func * (lhs: ExactDecimal, rhs: ExactDecimal) -> ExactDecimal {
        let product = Int128(lhs.units) * Int128(rhs.units)
        return ExactDecimal(units: Int64(divideRounded(product, Int128(scale))))
    }

    /// Product with an integer count (exact).
    public static func * (lhs: ExactDecimal, rhs: Int) -> ExactDecimal {
        ExactDecimal(units: lhs.units * Int64(rhs))
    }

    /// Quotient, rounded half away from zero to nine digits. The divisor must not be zero.
    public static func / (lhs: ExactDecimal, rhs: ExactDecimal) -> ExactDecimal {
        precondition(rhs.units != 0, "division by zero")
        let numerator = Int128(lhs.units) * Int128(scale)
        return ExactDecimal(units: Int64(divideRounded(numerator, Int128(rhs.units))))
    }

    /// The value rounded half away from zero to `places` fractional digits (0...9).
    public func rounded(places: Int) -> ExactDecimal {
        var step: Int64 = 1
        for _ in 0..<(Self.fractionDigits - places) { step *= 10 }
        return ExactDecimal(units: Int64(Self.divideRounded(Int128(units), Int128(step))) * step)
    }

    public var isInteger: Bool { units % Self.scale == 0 }
    /// The integer part when the value is whole.
    public var integerValue: Int? { isInteger ? Int(units / Self.scale) : nil }

    public static func min(_ a: ExactDecimal, _ b: ExactDecimal) -> ExactDecimal { a < b ? a : b }
    public static func max(_ a: ExactDecimal, _ b: ExactDecimal) -> ExactDecimal { a < b ? b : a }

    /// Clamps to `[lower, upper]`.
    public func clamped(_ lower: ExactDecimal, _ upper: ExactDecimal) -> ExactDecimal {
        Self.min(Self.max(self, lower), upper)
    }

    /// Shortest decimal text: `94`, `1.5`, `-0.25`.
    public var description: String {
        if units >= 0 && units % Self.scale == 0 && units / Self.scale < 128 {
            return Self.smallIntegers[Int(units / Self.scale)]
        }
        let negative = units < 0
        let magnitude = units.magnitude
        let whole = magnitude / UInt64(Self.scale)
        var fraction = magnitude % UInt64(Self.scale)
        var text = negative ? "-" : ""
        text += String(whole)
        if fraction != 0 {
            var digits = Self.fractionDigits
            while fraction % 10 == 0 {
                fraction /= 10
                digits -= 1
            }
            let fractionText = String(fraction)
            text += "." + String(repeating: "0", count: digits - fractionText.count) + fractionText
        }
        return text
    }

    private static let smallIntegers: [String] = (0..<128).map { String($0) }

    /// Text as a percentage, e.g. `85%` for 0.85.
    public var percentText: String { (self * ExactDecimal(100)).description + "%" }

    private static func divideRounded(_ numerator: Int128, _ denominator: Int128) -> Int128 {
        let quotient = numerator / denominator
        let remainder = numerator % denominator
        if remainder.magnitude * 2 >= denominator.magnitude {
            return (numerator < 0) != (denominator < 0) ? quotient - 1 : quotient + 1
        }
        return quotient
    }
}

extension ExactDecimal: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int) { self.init(value) }
}
