import Foundation

extension SVGChart {
    // MARK: Lines

    /// One line per series over ordered categories (e.g. months), with a legend. A missing (nil or
    /// non-finite) value leaves a gap: the line stops before it and starts again after it; a value alone
    /// between gaps is drawn as its point. The y axis spans the values, widened to whole tick steps of
    /// 1, 2 or 5 × 10ⁿ (at most 6 steps); each point carries its value in a `<title>`.
    public static func lines(
        categories: [String], series: [(name: String, values: [Double?])], title: String, yLabel: String = "",
        width: Int = 720, height: Int = 400
    ) -> String {
        let finite = series.flatMap { $0.values.compactMap { $0 } }.filter(\.isFinite)
        guard !categories.isEmpty, !series.isEmpty, let low = finite.min(), let high = finite.max() else {
            return noData(title: title, width: width, height: height)
        }
        let width = max(width, 240)
        let (left, right, bottom) = (56.0, 20.0, 48.0)
        var legend = ""
        var lx = left
        var ly = 44.0
        for (s, entry) in series.enumerated() {
            let itemW = 26 + estimatedWidth(entry.name, fontSize: 12) + 16
            if lx + itemW > Double(width) - right, lx > left {
                lx = left
                ly += 18
            }
            let colour = palette[s % palette.count]
            legend +=
                #"<g class="legend-item"><line x1="\#(n(lx))" y1="\#(n(ly - 4))" x2="\#(n(lx + 20))" y2="\#(n(ly - 4))" stroke="\#(colour)" stroke-width="2"/>"#
            legend += #"<text x="\#(n(lx + 24))" y="\#(n(ly))">\#(esc(entry.name))</text></g>"# + "\n"
            lx += itemW
        }
        let top = ly + 24
        let height = max(height, Int((top + bottom + 120).rounded(.up)))
        let plotW = Double(width) - left - right
        let plotH = Double(height) - top - bottom
        let (step, axisLow, axisHigh) = lineScale(low: low, high: high)
        func y(_ value: Double) -> Double { top + plotH - (value - axisLow) / (axisHigh - axisLow) * plotH }
        let slot = plotW / Double(categories.count)
        func x(_ index: Int) -> Double { left + (Double(index) + 0.5) * slot }

        var svg = open(width: width, height: height, title: title)
        svg += #"<g class="legend">"# + "\n" + legend + "</g>\n"
        for index in 0...Int(((axisHigh - axisLow) / step).rounded()) {
            let tick = axisLow + Double(index) * step
            svg +=
                #"<line class="grid" x1="\#(n(left))" y1="\#(n(y(tick)))" x2="\#(n(left + plotW))" y2="\#(n(y(tick)))" stroke="\#(gridColor)"/>"#
            svg +=
                #"<text class="y-tick" x="\#(n(left - 6))" y="\#(n(y(tick) + 4))" text-anchor="end">\#(n(tick))</text>"#
                + "\n"
        }
        svg +=
            #"<line class="axis" x1="\#(n(left))" y1="\#(n(top))" x2="\#(n(left))" y2="\#(n(top + plotH))" stroke="\#(ink)"/>"#
        svg +=
            #"<line class="axis" x1="\#(n(left))" y1="\#(n(top + plotH))" x2="\#(n(left + plotW))" y2="\#(n(top + plotH))" stroke="\#(ink)"/>"#
            + "\n"
        for (c, category) in categories.enumerated() {
            let label = truncated(category, toWidth: slot - 2, fontSize: 12)
            svg +=
                #"<text class="x-tick" x="\#(n(x(c)))" y="\#(n(top + plotH + 18))" text-anchor="middle"><title>\#(esc(category))</title>\#(esc(label))</text>"#
                + "\n"
        }
        for (s, entry) in series.enumerated() {
            let colour = palette[s % palette.count]
            var runs: [[(Int, Double)]] = [[]]
            for c in categories.indices {
                if c < entry.values.count, let value = entry.values[c], value.isFinite {
                    runs[runs.count - 1].append((c, value))
                } else if !runs[runs.count - 1].isEmpty {
                    runs.append([])
                }
            }
            svg += #"<g class="series" data-series="\#(s)">"# + "\n"
            for run in runs where run.count > 1 {
                let points = run.map { "\(n(x($0.0))),\(n(y($0.1)))" }.joined(separator: " ")
                svg +=
                    #"<polyline class="line" points="\#(points)" fill="none" stroke="\#(colour)" stroke-width="2"/>"#
                    + "\n"
            }
            for run in runs {
                for (c, value) in run {
                    svg +=
                        #"<circle class="point" data-category="\#(c)" data-value="\#(n(value))" cx="\#(n(x(c)))" cy="\#(n(y(value)))" r="3" fill="\#(colour)">"#
                    svg += "<title>\(esc(entry.name)) · \(esc(categories[c])): \(n(value))</title></circle>\n"
                }
            }
            svg += "</g>\n"
        }
        if !yLabel.isEmpty {
            svg +=
                #"<text class="y-title" x="14" y="\#(n(top + plotH / 2))" text-anchor="middle" transform="rotate(-90 14 \#(n(top + plotH / 2)))">\#(esc(yLabel))</text>"#
                + "\n"
        }
        return svg + "</svg>\n"
    }

    /// The step (1, 2 or 5 × 10ⁿ, at most 6 steps) and the axis ends (multiples of it) around `low`…`high`;
    /// a single value gets one step either side.
    static func lineScale(low: Double, high: Double) -> (step: Double, low: Double, high: Double) {
        var (low, high) = (low, high)
        if high - low < 1e-9 {
            low -= 1
            high += 1
        }
        var magnitude = pow(10, (log10(high - low) - 1).rounded(.down))
        while true {
            for factor in [1.0, 2.0, 5.0] {
                let step = factor * magnitude
                let axisLow = (low / step).rounded(.down) * step
                let axisHigh = (high / step).rounded(.up) * step
                if (axisHigh - axisLow) / step <= 6 { return (step, axisLow, axisHigh) }
            }
            magnitude *= 10
        }
    }
}
