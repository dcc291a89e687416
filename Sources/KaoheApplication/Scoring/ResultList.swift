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

    /// Whether a results request asks for the searchable list (any list parameter) rather than the full
    /// ranking tables.
    public static func asksForResultList(_ parameters: [String: String]) -> Bool {
        (["q", "sort", "dir", "page", "size"] + resultListSpec.filters.map(\.key)).contains {
            !(parameters[$0] ?? "").isEmpty
        }
    }

    /// One page of the ranking of `scores` (in memory: at most a few thousand units, see scripts/bench-web). A
    /// grade or group the scheme does not have is an error naming the parameter.
    public static func resultList(_ scores: AssessmentScores, _ list: ListQuery) throws -> ListPage<ResultListRow> {
        let groups = scores.groups
        if let group = list.filter("group"), !groups.contains(where: { $0.id == group }) {
            let known = groups.compactMap { g in g.id.map { "\($0)（\(g.name)）" } }.joined(separator: "、")
            throw AppError.invalid("考核结果：参数 group（单位类别）不认识“\(group)”\(known.isEmpty ? "，本方案不分类别" : "，可用：\(known)")")
        }
        let grades = scores.scheme.grades.map(\.name) + ["未定"]
        if let grade = list.filter("grade"), !grades.contains(grade) {
            throw AppError.invalid("考核结果：参数 grade（等级）不认识“\(grade)”，可用：\(grades.joined(separator: "、"))")
        }
        let rows = groups.flatMap { group in
            group.rows.map { ResultListRow(row: $0, groupID: group.id, groupName: group.name) }
        }
        let matching = rows.filter { item in
            (list.filter("group") == nil || item.groupID == list.filter("group"))
                && (list.filter("grade") == nil || (item.row.result.grade ?? "未定") == list.filter("grade"))
                && list.matches(item.row.unit.name, item.row.unit.code)
        }
        return list.page(of: matching) { key -> (ResultListRow, ResultListRow) -> Bool in
            switch key {
            case "total": { $0.row.result.total < $1.row.result.total }
            case "name": { $0.row.unit.name.precedesInCodeOrder($1.row.unit.name) }
            case "code": { $0.row.unit.code < $1.row.unit.code }
            // Ties in rank keep the group order (rows come group by group).
            default: { $0.row.result.rank < $1.row.result.rank }
            }
        }
    }
}
