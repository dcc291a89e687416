import Foundation
import Testing

@testable import KaoheExport

@Suite struct SVGLineChartTests {
    let months = (1...6).map { "\($0)月" }

    @Test func pointsLinesAndGaps() {
        let svg = SVGChart.lines(
            categories: months,
            series: [("尖山区", [96, 94, 96, nil, nil, 95]), ("岭东区", [98, 95, 93, nil, 90, nil])],
            title: "暂定得分", yLabel: "分")
        #expect(isWellFormed(svg))
        // Every value is a point; a gap splits a line, a value alone between gaps is its point only.
        #expect(svg.components(separatedBy: "<circle class=\"point\"").count - 1 == 8)
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 2)
        #expect(svg.contains("<title>尖山区 · 6月: 95</title>") && svg.contains("<title>岭东区 · 5月: 90</title>"))
        // 90…98 spans 8: step 2, axis 90…98 (5 ticks).
        #expect(svg.components(separatedBy: "class=\"y-tick\"").count - 1 == 5)
        #expect(svg.contains(">90</text>") && svg.contains(">98</text>") && !svg.contains(">100</text>"))
        // The first point (96 on 90…98) lies three quarters up the plot.
        let top = 44.0 + 24, plotH = 400.0 - top - 48
        #expect(svg.contains("cy=\"\(XLSXWriter.decimalText(top + plotH - 0.75 * plotH))\""))
    }

    @Test func scaleAndEmpty() {
        #expect(SVGChart.lineScale(low: 90, high: 98) == (2, 90, 98))
        #expect(SVGChart.lineScale(low: 61.5, high: 100) == (10, 60, 100))
        #expect(SVGChart.lineScale(low: 95, high: 95) == (0.5, 94, 96))
        #expect(
            SVGChart.lines(categories: months, series: [("甲", [nil, nil])], title: "空").contains(SVGChart.noDataText))
        #expect(SVGChart.lines(categories: [], series: [], title: "空").contains(SVGChart.noDataText))
    }
}
