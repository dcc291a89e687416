import Foundation

/// Server-rendered SVG charts as pure functions: the same input always gives the same text.
/// Labels may be Chinese (font-family `Noto Sans CJK SC, sans-serif`); all text is XML-escaped.
public enum SVGChart {
    /// The font-family attribute used for every chart.
    public static let fontFamily = "Noto Sans CJK SC, sans-serif"
    /// Bar colours, cycled by series.
    public static let palette = [
        "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f",
    ]
    static let ink = "#333333"
    static let gridColor = "#e0e0e0"
    static let paper = "#ffffff"
    static let mutedInk = "#888888"
    /// The text shown when there is nothing to draw.
    public static let noDataText = "暂无数据"

    // MARK: Histogram

    /// A score distribution from exact decimal texts (e.g. `"87.5"`).
    /// - Parameters:
    ///   - bins: number of equal-width bins (at least 1); each includes its lower edge, the last also its upper.
    ///   - range: the scale, e.g. `0...100`; values outside it are left out. `nil` spans the data, widened to whole numbers.
    /// - Throws: ``ExportError/invalidNumber(_:)`` for text that is not a plain decimal.
    public static func histogram(
        values: [String], bins: Int, title: String, range: ClosedRange<Decimal>? = nil,
        xLabel: String = "得分", yLabel: String = "单位数", width: Int = 640, height: Int = 360
    ) throws -> String {
        var decimals: [Decimal] = []
        for text in values {
            guard XLSXWriter.isPlainDecimal(text),
                let value = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))
            else { throw ExportError.invalidNumber(text) }
            decimals.append(value)
        }
        return histogram(
            decimals: decimals, bins: bins, title: title, range: range, xLabel: xLabel, yLabel: yLabel, width: width,
            height: height)
    }

    /// A score distribution from `Double`s (NaN and infinities are left out); see the `String` version.
    public static func histogram(
        values: [Double], bins: Int, title: String, range: ClosedRange<Decimal>? = nil,
        xLabel: String = "得分", yLabel: String = "单位数", width: Int = 640, height: Int = 360
    ) -> String {
        let decimals = values.filter(\.isFinite).map {
            Decimal(string: "\($0)", locale: Locale(identifier: "en_US_POSIX")) ?? Decimal($0)
        }
        return histogram(
            decimals: decimals, bins: bins, title: title, range: range, xLabel: xLabel, yLabel: yLabel, width: width,
            height: height)
    }

    /// Counts per bin: bin `i` holds `v` with `lo + span·i/bins ≤ v < lo + span·(i+1)/bins` (last bin closed),
    /// compared exactly by multiplying through by `bins`.
    public static func binCounts(_ values: [Decimal], bins: Int, range: ClosedRange<Decimal>) -> [Int] {
        let bins = max(1, bins)
        let n = Decimal(bins)
        let lo = range.lowerBound
        let span = range.upperBound - range.lowerBound
        var counts = Array(repeating: 0, count: bins)
        for value in values where value >= range.lowerBound && value <= range.upperBound {
            let scaled = (value - lo) * n
            var index = bins - 1
            for i in 0..<bins where scaled < span * Decimal(i + 1) {
                index = i
                break
            }
            counts[index] += 1
        }
        return counts
    }

    static func histogram(
        decimals: [Decimal], bins: Int, title: String, range: ClosedRange<Decimal>?, xLabel: String, yLabel: String,
        width: Int, height: Int
    ) -> String {
        guard !decimals.isEmpty, let minimum = decimals.min(), let maximum = decimals.max() else {
            return noData(title: title, width: width, height: height)
        }
        let bins = max(1, bins)
        let (width, height) = (max(width, 240), max(height, 180))
        var lo: Decimal
        var hi: Decimal
        if let range {
            (lo, hi) = (range.lowerBound, range.upperBound)
        } else {
            lo = Decimal(Int(NSDecimalNumber(decimal: minimum).doubleValue.rounded(.down)))
            if lo > minimum { lo -= 1 }
            hi = Decimal(Int(NSDecimalNumber(decimal: maximum).doubleValue.rounded(.up)))
            if hi < maximum { hi += 1 }
        }
        if hi <= lo { hi = lo + 1 }
        let counts = binCounts(decimals, bins: bins, range: lo...hi)

        let (left, right, top, bottom) = (56.0, 20.0, 48.0, 56.0)
        let plotW = Double(width) - left - right
        let plotH = Double(height) - top - bottom
        let (step, yMax) = niceScale(counts.max() ?? 0)
        var svg = open(width: width, height: height, title: title)
        svg += yAxis(
            ticks: stride(from: 0, through: yMax, by: step).map { ($0, "\($0)") }, maximum: Double(yMax),
            left: left, top: top, plotW: plotW, plotH: plotH)
        let binW = plotW / Double(bins)
        let gap = min(4, binW * 0.1)
        let span = hi - lo
        for (i, count) in counts.enumerated() {
            let barH = Double(count) / Double(yMax) * plotH
            let x = left + Double(i) * binW + gap
            let y = top + plotH - barH
            let from = decimalLabel(lo + span * Decimal(i) / Decimal(bins))
            let to = decimalLabel(lo + span * Decimal(i + 1) / Decimal(bins))
            let interval = "[\(from), \(to)\(i == bins - 1 ? "]" : ")")"
            svg +=
                #"<rect class="bar" data-bin="\#(i)" data-count="\#(count)" x="\#(n(x))" y="\#(n(y))" width="\#(n(binW - 2 * gap))" height="\#(n(barH))" fill="\#(palette[0])">"#
            svg += "<title>\(esc(interval)): \(count)</title></rect>\n"
            if count > 0 {
                svg +=
                    #"<text class="count" x="\#(n(x + (binW - 2 * gap) / 2))" y="\#(n(y - 4))" text-anchor="middle">\#(count)</text>"#
                    + "\n"
            }
        }
        let labelEvery = max(1, Int((Double(bins + 1) / 12).rounded(.up)))
        for i in 0...bins where i % labelEvery == 0 || i == bins {
            let x = left + Double(i) * binW
            svg +=
                #"<line x1="\#(n(x))" y1="\#(n(top + plotH))" x2="\#(n(x))" y2="\#(n(top + plotH + 5))" stroke="\#(ink)"/>"#
            svg +=
                #"<text class="x-tick" x="\#(n(x))" y="\#(n(top + plotH + 18))" text-anchor="middle">\#(esc(decimalLabel(lo + span * Decimal(i) / Decimal(bins))))</text>"#
                + "\n"
        }
        svg += axisTitles(x: xLabel, y: yLabel, left: left, top: top, plotW: plotW, plotH: plotH, height: height)
        return svg + "</svg>\n"
    }

    // MARK: Grouped bars

    /// Per-category comparison across units: one group of bars per category, one bar per series (unit),
    /// each value drawn as a percentage of the series' `max` (clamped to 0…100 %), with a legend.
    /// `height` grows when the legend needs many rows.
    /// Missing or non-finite values draw no bar.
    public static func groupedBars(
        categories: [String], series: [(name: String, values: [Double], max: Double)], title: String,
        width: Int = 720, height: Int = 400
    ) -> String {
        let percents = series.map { s in
            categories.indices.map { i -> (value: Double, max: Double)? in
                guard i < s.values.count, s.values[i].isFinite, s.max.isFinite else { return nil }
                return (s.values[i], s.max)
            }
        }
        return groupedBars(
            categories: categories, names: series.map(\.name), points: percents, title: title, width: width,
            height: height)
    }

    /// Per-category comparison across units where each category has its own maximum
    /// (`categoryMaxima[i]` for `categories[i]`); `series` holds each unit's values by category.
    public static func groupedBars(
        categories: [String], categoryMaxima: [Double], series: [(name: String, values: [Double])], title: String,
        width: Int = 720, height: Int = 400
    ) -> String {
        let points = series.map { s in
            categories.indices.map { i -> (value: Double, max: Double)? in
                guard i < s.values.count, i < categoryMaxima.count, s.values[i].isFinite, categoryMaxima[i].isFinite
                else { return nil }
                return (s.values[i], categoryMaxima[i])
            }
        }
        return groupedBars(
            categories: categories, names: series.map(\.name), points: points, title: title, width: width,
            height: height)
    }

    /// A value as a percentage of `max`, clamped to 0…100 (0 when `max` ≤ 0).
    public static func percent(_ value: Double, of max: Double) -> Double {
        guard max > 0 else { return 0 }
        return Swift.min(100, Swift.max(0, value / max * 100))
    }

    static func groupedBars(
        categories: [String], names: [String], points: [[(value: Double, max: Double)?]], title: String, width: Int,
        height: Int
    ) -> String {
        guard !categories.isEmpty, !names.isEmpty else { return noData(title: title, width: width, height: height) }
        let width = max(width, 240)
        let (left, right, bottom) = (56.0, 20.0, 48.0)
        // Legend rows under the title.
        var legend = ""
        var lx = left
        var ly = 44.0
        for (s, name) in names.enumerated() {
            let itemW = 18 + estimatedWidth(name, fontSize: 12) + 16
            if lx + itemW > Double(width) - right, lx > left {
                lx = left
                ly += 18
            }
            legend +=
                #"<g class="legend-item"><rect x="\#(n(lx))" y="\#(n(ly - 10))" width="12" height="12" fill="\#(palette[s % palette.count])"/>"#
            legend += #"<text x="\#(n(lx + 16))" y="\#(n(ly))">\#(esc(name))</text></g>"# + "\n"
            lx += itemW
        }
        let top = ly + 24
        // A legend of many rows makes the chart taller rather than squeezing the plot below 120 px.
        let height = max(height, Int((top + bottom + 120).rounded(.up)))
        let plotW = Double(width) - left - right
        let plotH = Double(height) - top - bottom
        var svg = open(width: width, height: height, title: title)
        svg += #"<g class="legend">"# + "\n" + legend + "</g>\n"
        svg += yAxis(
            ticks: stride(from: 0, through: 100, by: 20).map { ($0, "\($0)%") }, maximum: 100,
            left: left, top: top, plotW: plotW, plotH: plotH)
        let groupW = plotW / Double(categories.count)
        let barW = groupW * 0.8 / Double(names.count)
        for (c, category) in categories.enumerated() {
            let groupX = left + Double(c) * groupW + groupW * 0.1
            for (s, name) in names.enumerated() {
                guard c < points[s].count, let point = points[s][c] else { continue }
                let pct = percent(point.value, of: point.max)
                let barH = pct / 100 * plotH
                let x = groupX + Double(s) * barW
                let y = top + plotH - barH
                svg +=
                    #"<rect class="bar" data-series="\#(s)" data-category="\#(c)" data-percent="\#(n(pct))" x="\#(n(x))" y="\#(n(y))" width="\#(n(barW))" height="\#(n(barH))" fill="\#(palette[s % palette.count])">"#
                svg +=
                    "<title>\(esc(name)) · \(esc(category)): \(n(point.value)) / \(n(point.max)) (\(n(pct))%)</title></rect>\n"
                if barW >= 18 {
                    svg +=
                        #"<text class="value" x="\#(n(x + barW / 2))" y="\#(n(y - 3))" text-anchor="middle" font-size="10">\#(n(pct.rounded()))</text>"#
                        + "\n"
                }
            }
            let label = truncated(category, toWidth: groupW - 4, fontSize: 12)
            svg +=
                #"<text class="x-tick" x="\#(n(left + (Double(c) + 0.5) * groupW))" y="\#(n(top + plotH + 18))" text-anchor="middle">"#
            svg += "<title>\(esc(category))</title>\(esc(label))</text>\n"
        }
        return svg + "</svg>\n"
    }

    // MARK: Empty

    /// A chart-sized SVG with the title and 暂无数据 in the middle.
    public static func noData(title: String, width: Int = 640, height: Int = 360) -> String {
        var svg = open(width: width, height: height, title: title)
        svg +=
            #"<text class="no-data" x="\#(n(Double(width) / 2))" y="\#(n(Double(height) / 2))" text-anchor="middle" font-size="16" fill="\#(mutedInk)">\#(noDataText)</text>"#
            + "\n"
        return svg + "</svg>\n"
    }

    // MARK: Pieces

    static func open(width: Int, height: Int, title: String) -> String {
        var svg =
            #"<svg xmlns="http://www.w3.org/2000/svg" width="\#(width)" height="\#(height)" viewBox="0 0 \#(width) \#(height)" font-family="\#(fontFamily)" font-size="12" role="img" aria-label="\#(esc(title, attribute: true))">"#
            + "\n"
        svg += "<title>\(esc(title))</title>\n"
        svg += #"<rect class="background" width="\#(width)" height="\#(height)" fill="\#(paper)"/>"# + "\n"
        svg +=
            #"<text class="title" x="\#(n(Double(width) / 2))" y="24" text-anchor="middle" font-size="16" font-weight="bold">\#(esc(title))</text>"#
            + "\n"
        return svg
    }

    static func yAxis(ticks: [(Int, String)], maximum: Double, left: Double, top: Double, plotW: Double, plotH: Double)
        -> String
    {
        var svg = ""
        for (value, label) in ticks {
            let y = top + plotH - Double(value) / maximum * plotH
            svg +=
                #"<line class="grid" x1="\#(n(left))" y1="\#(n(y))" x2="\#(n(left + plotW))" y2="\#(n(y))" stroke="\#(gridColor)"/>"#
            svg +=
                #"<text class="y-tick" x="\#(n(left - 6))" y="\#(n(y + 4))" text-anchor="end">\#(esc(label))</text>"#
                + "\n"
        }
        svg +=
            #"<line class="axis" x1="\#(n(left))" y1="\#(n(top))" x2="\#(n(left))" y2="\#(n(top + plotH))" stroke="\#(ink)"/>"#
        svg +=
            #"<line class="axis" x1="\#(n(left))" y1="\#(n(top + plotH))" x2="\#(n(left + plotW))" y2="\#(n(top + plotH))" stroke="\#(ink)"/>"#
            + "\n"
        return svg
    }

    static func axisTitles(x: String, y: String, left: Double, top: Double, plotW: Double, plotH: Double, height: Int)
        -> String
    {
        var svg =
            #"<text class="x-title" x="\#(n(left + plotW / 2))" y="\#(n(Double(height) - 12))" text-anchor="middle">\#(esc(x))</text>"#
        svg +=
            #"<text class="y-title" x="14" y="\#(n(top + plotH / 2))" text-anchor="middle" transform="rotate(-90 14 \#(n(top + plotH / 2)))">\#(esc(y))</text>"#
            + "\n"
        return svg
    }

    /// A tick step of 1, 2 or 5 × 10ⁿ giving at most 5 steps, and the axis maximum (a multiple of it, at least 1).
    static func niceScale(_ maxCount: Int) -> (step: Int, max: Int) {
        let target = max(1, maxCount)
        var magnitude = 1
        while true {
            for factor in [1, 2, 5] {
                let step = factor * magnitude
                let top = ((target + step - 1) / step) * step
                if top / step <= 5 { return (step, top) }
            }
            magnitude *= 10
        }
    }

    static func esc(_ text: String, attribute: Bool = false) -> String { XMLText.escape(text, attribute: attribute) }

    /// Fixed-point text with at most two decimals, no trailing zeros: deterministic on every platform.
    static func n(_ value: Double) -> String { XLSXWriter.decimalText(value) }

    static func decimalLabel(_ value: Decimal) -> String {
        var input = value
        var rounded = Decimal()
        NSDecimalRound(&rounded, &input, 2, .plain)
        return NSDecimalNumber(decimal: rounded).stringValue
    }

    static func estimatedWidth(_ text: String, fontSize: Double) -> Double {
        Double(XLSXSheet.displayWidth(text[...])) * fontSize * 0.55
    }

    static func truncated(_ text: String, toWidth width: Double, fontSize: Double) -> String {
        guard estimatedWidth(text, fontSize: fontSize) > width else { return text }
        var result = ""
        for character in text {
            if estimatedWidth(result + String(character) + "…", fontSize: fontSize) > width { break }
            result.append(character)
        }
        return result + "…"
    }
}
