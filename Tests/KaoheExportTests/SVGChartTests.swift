import Foundation
import Testing

@testable import KaoheExport

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Pulls `<rect class="bar" …>` attributes out of chart text.
func bars(in svg: String) -> [[String: String]] {
    svg.components(separatedBy: "<rect class=\"bar\" ").dropFirst().map { chunk in
        let head = chunk.prefix { $0 != ">" }
        var attributes: [String: String] = [:]
        for pair in head.components(separatedBy: "\" ") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2 {
                attributes[String(parts[0])] = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
        }
        return attributes
    }
}

func isWellFormed(_ svg: String) -> Bool { XMLParser(data: Data(svg.utf8)).parse() }

@Suite struct SVGChartTests {
    let scores = ["55", "61.5", "72", "78", "80", "85.5", "88", "90", "90", "95", "100"]

    @Test func histogramBinsAndHeights() throws {
        let svg = try SVGChart.histogram(values: scores, bins: 5, title: "得分分布", range: 0...100)
        #expect(
            svg.hasPrefix(
                #"<svg xmlns="http://www.w3.org/2000/svg" width="640" height="360" viewBox="0 0 640 360" font-family="Noto Sans CJK SC, sans-serif""#
            ))
        #expect(isWellFormed(svg))
        let found = bars(in: svg)
        #expect(found.map { $0["data-count"] } == ["0", "0", "1", "3", "7"])
        // Axis runs 0…8 (step 2) over a 256 px plot: 32 px per unit.
        #expect(found.map { $0["height"] } == ["0", "0", "32", "96", "224"])
        #expect(found.map { $0["y"] } == ["304", "304", "272", "208", "80"])
        for tick in ["0", "2", "4", "6", "8"] { #expect(svg.contains(#"text-anchor="end">\#(tick)</text>"#)) }
        for edge in ["0", "20", "40", "60", "80", "100"] {
            #expect(svg.contains(#"class="x-tick""#) && svg.contains(#"text-anchor="middle">\#(edge)</text>"#))
        }
        #expect(svg.contains(#"<text class="count" x="563.6" y="76" text-anchor="middle">7</text>"#))
        #expect(svg.contains("<title>[80, 100]: 7</title>"), "last bin includes its upper edge")
        #expect(svg.contains("<title>[60, 80): 3</title>"))
    }

    @Test func binEdgesAreExact() {
        // 80 belongs to [80, 90); with 1/3-wide bins, 1/3 itself falls in the second bin only when ≥ the edge.
        let counts = SVGChart.binCounts([80, 79.99, 90, 100, -1, 101], bins: 10, range: 0...100)
        #expect(counts == [0, 0, 0, 0, 0, 0, 0, 1, 1, 2])
        let thirds = SVGChart.binCounts(
            [0, Decimal(string: "33.33")!, Decimal(string: "33.34")!, 100], bins: 3, range: 0...100)
        #expect(thirds == [2, 1, 1])
    }

    @Test func doublesAndStringsAgree() throws {
        let fromText = try SVGChart.histogram(
            values: ["0.1", "0.2", "0.3"], bins: 3, title: "t", range: 0...Decimal(string: "0.3")!)
        let fromDouble = SVGChart.histogram(
            values: [0.1, 0.2, 0.3, .nan], bins: 3, title: "t", range: 0...Decimal(string: "0.3")!)
        #expect(fromText == fromDouble)
        #expect(bars(in: fromText).map { $0["data-count"] } == ["0", "1", "2"])
    }

    @Test func automaticRangeSpansTheData() throws {
        let svg = try SVGChart.histogram(values: ["61.5", "88.2"], bins: 2, title: "t")
        // floor(61.5) = 61, ceil(88.2) = 89.
        #expect(svg.contains("<title>[61, 75): 1</title>"))
        #expect(svg.contains("<title>[75, 89]: 1</title>"))
        let halves = try SVGChart.histogram(values: ["61.5", "88.5"], bins: 2, title: "t")
        #expect(halves.contains("<title>[61, 75): 1</title>"))
        let single = try SVGChart.histogram(values: ["90"], bins: 4, title: "t")
        #expect(bars(in: single).map { $0["data-count"] } == ["1", "0", "0", "0"])
    }

    @Test func invalidTextThrows() {
        #expect(throws: ExportError.invalidNumber("8O")) {
            try SVGChart.histogram(values: ["80", "8O"], bins: 2, title: "t")
        }
    }

    @Test func escapesText() throws {
        let svg = try SVGChart.histogram(values: ["1"], bins: 1, title: "A<B>&\"C\"\u{1}", xLabel: "x<", yLabel: "&y")
        #expect(isWellFormed(svg))
        #expect(svg.contains("<title>A&lt;B&gt;&amp;&quot;C&quot;</title>"))
        #expect(svg.contains(#"aria-label="A&lt;B&gt;&amp;&quot;C&quot;""#))
        #expect(svg.contains(">x&lt;</text>"))
        #expect(svg.contains(">&amp;y</text>"))
        #expect(!svg.contains("A<B"))
    }

    @Test func groupedBarsPercentOfCategoryMax() {
        let svg = SVGChart.groupedBars(
            categories: ["党建工作", "经济发展"], categoryMaxima: [20, 50],
            series: [(name: "长白县", values: [18, 40]), (name: "抚松<县>", values: [25, -5])], title: "分类得分对比")
        #expect(isWellFormed(svg))
        let found = bars(in: svg)
        #expect(found.map { $0["data-percent"] } == ["90", "100", "80", "0"])  // clamped to 0…100
        #expect(found.map { $0["data-series"] } == ["0", "1", "0", "1"])
        // Plot: top 68 (one legend row), bottom 352 → 284 px for 100 %.
        #expect(found.map { $0["height"] } == ["255.6", "284", "227.2", "0"])
        #expect(found.map { $0["y"] } == ["96.4", "68", "124.8", "352"])
        #expect(found[0]["fill"] == SVGChart.palette[0] && found[1]["fill"] == SVGChart.palette[1])
        #expect(svg.contains(#"<g class="legend">"#))
        #expect(svg.contains(">长白县</text></g>"))
        #expect(svg.contains(">抚松&lt;县&gt;</text></g>"))
        #expect(svg.contains("<title>长白县 · 党建工作: 18 / 20 (90%)</title>"))
        for tick in ["0%", "20%", "40%", "60%", "80%", "100%"] { #expect(svg.contains(">\(tick)</text>")) }
    }

    @Test func groupedBarsSeriesMaxSignature() {
        let svg = SVGChart.groupedBars(
            categories: ["A", "B", "C"], series: [(name: "单位", values: [50, 100], max: 200)], title: "t")
        #expect(bars(in: svg).map { $0["data-percent"] } == ["25", "50"], "missing value draws no bar")
    }

    @Test func longCategoryLabelsAreShortened() {
        let name = String(repeating: "很长的考核类别名称", count: 6)
        let svg = SVGChart.groupedBars(
            categories: [name, "B", "C", "D"], categoryMaxima: [1, 1, 1, 1],
            series: [(name: "u", values: [1, 1, 1, 1])], title: "t")
        #expect(svg.contains("<title>\(name)</title>"))
        #expect(svg.contains("…</text>"))
    }

    @Test(arguments: [
        SVGChart.histogram(values: [Double](), bins: 10, title: "得分分布"),
        SVGChart.groupedBars(categories: [], categoryMaxima: [], series: [(name: "u", values: [])], title: "得分分布"),
        SVGChart.groupedBars(categories: ["A"], categoryMaxima: [1], series: [], title: "得分分布"),
    ])
    func emptyDataSaysSo(_ svg: String) {
        #expect(isWellFormed(svg))
        #expect(svg.contains(">暂无数据</text>"))
        #expect(svg.contains(">得分分布</text>"))
        #expect(bars(in: svg).isEmpty)
    }

    @Test func manySeriesGrowTheChartInsteadOfNegativeBars() {
        let series = (1...40).map { (name: "第\($0)单位", values: [Double($0)]) }
        let svg = SVGChart.groupedBars(
            categories: ["总分"], categoryMaxima: [40], series: series, title: "t", height: 200)
        #expect(isWellFormed(svg))
        #expect(!svg.contains("height=\"-"))
        #expect(!svg.contains(#"height="200""#))
        let tiny = SVGChart.histogram(values: [1, 2, 3], bins: 3, title: "t", width: 10, height: 10)
        #expect(!tiny.contains("=\"-"))
        #expect(tiny.contains(#"width="240" height="180""#))
    }

    @Test func deterministic() throws {
        #expect(
            try SVGChart.histogram(values: scores, bins: 7, title: "t")
                == (try SVGChart.histogram(values: scores, bins: 7, title: "t")))
    }
}
