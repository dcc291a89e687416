/// How one rater group's ballots for one unit count (shared/spec/raters.md rules 2 and 3).
public enum RaterTally: Sendable, Equatable, Hashable {
    /// Counted: `ballots` ballots were cast, `dropped` of them (the k highest and the k lowest) were left out by
    /// trimming, and `mean` is the mean of the others rounded half up to two decimals.
    case counted(ballots: Int, dropped: Int, mean: ExactDecimal)
    /// Left out: fewer than `minimum` ballots; the other groups' weights are scaled up.
    case leftOut(ballots: Int, minimum: Int)

    /// How many ballots were cast.
    public var ballots: Int {
        switch self {
        case .counted(let ballots, _, _), .leftOut(let ballots, _): ballots
        }
    }

    /// The group score when counted.
    public var mean: ExactDecimal? {
        if case .counted(_, _, let mean) = self { return mean }
        return nil
    }
}

/// The ballot arithmetic of rater rounds: trimming, the minimum, means and the weighted score, exact and rounded
/// half up to two decimals as raters.md fixes them. Pure: the rounds' storage feeds it marks, the engine the
/// resulting tallies.
public enum RaterArithmetic {
    /// The tally of one group's ballots for one unit, given as marks with how many ballots gave each.
    ///
    /// - Parameters:
    ///   - trim: k; the k highest and k lowest marks are dropped only when there are at least 2k + 3 ballots.
    ///   - minimum: fewer ballots than this (and always none) leave the group out.
    public static func tally(_ marks: [(mark: ExactDecimal, count: Int)], trim: Int, minimum: Int) -> RaterTally {
        let sorted = marks.filter { $0.count > 0 }.sorted { $0.mark < $1.mark }
        let ballots = sorted.reduce(0) { $0 + $1.count }
        if ballots == 0 || ballots < minimum { return .leftOut(ballots: ballots, minimum: Swift.max(minimum, 1)) }
        let k = trim > 0 && ballots >= 2 * trim + 3 ? trim : 0
        var skipLow = k
        var kept = ballots - 2 * k
        var sum = ExactDecimal.zero
        for entry in sorted {
            var count = entry.count
            let skipped = Swift.min(skipLow, count)
            skipLow -= skipped
            count -= skipped
            let taken = Swift.min(kept, count)
            kept -= taken
            sum += entry.mark * taken
            if kept == 0 { break }
        }
        return .counted(
            ballots: ballots, dropped: 2 * k, mean: sum.divided(by: ExactDecimal(ballots - 2 * k), places: 2))
    }

    /// The tally of a list of marks (one per ballot).
    public static func tally(marks: [ExactDecimal], trim: Int, minimum: Int) -> RaterTally {
        var counts: [ExactDecimal: Int] = [:]
        for mark in marks { counts[mark, default: 0] += 1 }
        return tally(counts.map { (mark: $0.key, count: $0.value) }, trim: trim, minimum: minimum)
    }

    /// W = Σ weight × score ÷ Σ weight over the groups given (the kept ones), rounded half up to two decimals;
    /// nil when the weights sum to zero or less.
    public static func weightedScore(_ groups: [(score: ExactDecimal, weight: ExactDecimal)]) -> ExactDecimal? {
        let weights = groups.reduce(ExactDecimal.zero) { $0 + $1.weight }
        guard weights > .zero else { return nil }
        let sum = groups.reduce(ExactDecimal.zero) { $0 + $1.score * $1.weight }
        return sum.divided(by: weights, places: 2)
    }

    /// The item score max × W ÷ scale, rounded half up to two decimals.
    public static func itemScore(weighted: ExactDecimal, max: ExactDecimal, scale: ExactDecimal) -> ExactDecimal {
        (weighted * max).divided(by: scale, places: 2)
    }
}

extension ExactDecimal {
    /// The exact quotient rounded half away from zero to `places` digits (0…9), without rounding twice.
    public func divided(by divisor: ExactDecimal, places: Int) -> ExactDecimal {
        precondition(divisor.units != 0, "division by zero")
        var step: Int128 = 1
        for _ in 0..<(Self.fractionDigits - places) { step *= 10 }
        // self / divisor in units of 10^-places: units × 10^places / divisor.units … computed in 10^-9 units.
        let numerator = Int128(units) * Int128(Self.scale)
        let denominator = Int128(divisor.units) * step
        var quotient = numerator / denominator
        let remainder = numerator % denominator
        if remainder.magnitude * 2 >= denominator.magnitude {
            quotient += (numerator < 0) != (denominator < 0) ? -1 : 1
        }
        return ExactDecimal(units: Int64(quotient * step))
    }

    /// Text with exactly two decimals: `92.50`, `88.00`.
    public var twoDecimals: String {
        let value = rounded(places: 2)
        let negative = value.units < 0
        let cents = value.units.magnitude / 10_000_000
        let text = "\(cents / 100).\(cents % 100 < 10 ? "0" : "")\(cents % 100)"
        return negative ? "-" + text : text
    }
}

/// A count with thousands separators: `1,204`.
public func groupedCount(_ n: Int) -> String {
    let digits = String(n.magnitude)
    var out = ""
    for (index, character) in digits.enumerated() {
        if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
        out.append(character)
    }
    return n < 0 ? "-" + out : out
}
