import Foundation
import KaoheEngine
import KaoheStorage

/// One row of the searchable ranking: a scored unit and the name of the unit group it is ranked in.
public struct ResultListRow: Sendable {
    /// The scored unit.
    public var row: AssessmentScores.Row
    /// Its unit group's id (nil: all units are one group).
    public var groupID: String?
    /// Its unit group's name.
    public var groupName: String
}

extension Operations {
    /// The ranking as a list: `q` searches the unit's name and code; filters by grade (`grade`, or `未定`) and
    /// unit group (`group`, the scheme's unit type id); sorted by rank (in group order), total score, name or
    /// code.
    public static let resultListSpec = ListSpec(
        name: "考核结果",
        sortKeys: [
            (key: "rank", label: "排名"), (key: "total", label: "总分"), (key: "name", label: "单位"),
            (key: "code", label: "编码"),
        ], defaultSort: "rank", filters: [(key: "grade", label: "等级"), (key: "group", label: "单位类别")],
        defaultSize: 50, maxSize: 500)

    /// Above this many scored units the results page opens on the searchable list; the full ranking tables
    /// (megabytes at 5,000 units) are one click away (`all=1`).
    public static let fullRankingLimit = 500

    /// Whether a results request asks for the searchable list (any list parameter) rather than the full
    /// ranking tables; with none, the list when there are more than `fullRankingLimit` units, unless `all=1`.
    public static func asksForResultList(_ parameters: [String: String], units: Int = 0) -> Bool {
        (["q", "sort", "dir", "page", "size"] + resultListSpec.filters.map(\.key)).contains {
            !(parameters[$0] ?? "").isEmpty
        } || (units > fullRankingLimit && parameters["all"] != "1")
    }

    /// One page of the ranking of `scores` (in memory: at most a few thousand units, see scripts/bench-web). A
    /// grade or group the scheme does not have is an error naming the parameter.
    public static func resultList(_ scores: AssessmentScores, _ list: ListQuery) throws -> ListPage<ResultListRow> {
        let groups = scores.groupNames
        if let group = list.filter("group"), !groups.contains(where: { $0.id == group }) {
            let known = groups.compactMap { g in g.id.map { "\($0)（\(g.name)）" } }.joined(separator: "、")
            throw AppError.invalid("考核结果：参数 group（单位类别）不认识“\(group)”\(known.isEmpty ? "，本方案不分类别" : "，可用：\(known)")")
        }
        let grades = scores.scheme.grades.map(\.name) + ["未定"]
        if let grade = list.filter("grade"), !grades.contains(grade) {
            throw AppError.invalid("考核结果：参数 grade（等级）不认识“\(grade)”，可用：\(grades.joined(separator: "、"))")
        }
        // Row numbers in group order (each group by rank), filtered and sorted: the rows themselves are large
        // (facts and item results) and only the page's are copied.
        let rows = scores.rows
        let unitTypes = rows.map(\.input.unitType)
        let groupOf: (Int) -> Int? =
            scores.scheme.unitTypes.isEmpty
            ? { _ in 0 }
            : { i in scores.scheme.unitTypes.firstIndex { $0.id == unitTypes[i] } }
        let ranks = rows.map(\.result.rank)
        let ordered = rows.indices.compactMap { i in groupOf(i).map { (row: i, group: $0) } }.sorted {
            ($0.group, ranks[$0.row], $0.row) < ($1.group, ranks[$1.row], $1.row)
        }
        let wantedGroup = list.filter("group").flatMap { id in groups.firstIndex { $0.id == id } }
        let grade = list.filter("grade")
        // Read through the buffer: a row is borrowed, where `rows[i]` in a closure copied it.
        let page = rows.withUnsafeBufferPointer { rows in
            list.page(
                of: ordered,
                where: { ref in
                    (wantedGroup == nil || ref.group == wantedGroup)
                        && (grade == nil || (rows[ref.row].result.grade ?? "未定") == grade)
                        && list.matches(rows[ref.row].unit.name, rows[ref.row].unit.code)
                }
            ) { key -> ((row: Int, group: Int), (row: Int, group: Int)) -> Bool in
                switch key {
                case "total": { rows[$0.row].result.total < rows[$1.row].result.total }
                case "name": { rows[$0.row].unit.name.precedesInCodeOrder(rows[$1.row].unit.name) }
                case "code": { rows[$0.row].unit.code < rows[$1.row].unit.code }
                // Ties in rank keep the group order.
                default: { rows[$0.row].result.rank < rows[$1.row].result.rank }
                }
            }
        }
        return page.map {
            ResultListRow(row: rows[$0.row], groupID: groups[$0.group].id, groupName: groups[$0.group].name)
        }
    }
}
