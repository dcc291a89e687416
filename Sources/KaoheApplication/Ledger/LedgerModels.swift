import Foundation
import KaoheEngine
import KaoheExport
import KaoheStorage

/// The filters of a ledger page: state, unit, overdue only.
public struct LedgerFilter: Sendable, Equatable {
    /// Only items in this state.
    public var state: RectificationState?
    /// Only the items of this unit (the ledger of one unit).
    public var unit: UnitID?
    /// Only overdue items.
    public var overdueOnly: Bool

    /// Creates a filter.
    public init(state: RectificationState? = nil, unit: UnitID? = nil, overdueOnly: Bool = false) {
        self.state = state
        self.unit = unit
        self.overdueOnly = overdueOnly
    }

    /// Reads the query values `state`, `unit`, `overdue`; an unknown state is refused with its name.
    public static func parse(state: String?, unit: String?, overdue: String?) throws -> LedgerFilter {
        var filter = LedgerFilter()
        if let state, !state.isEmpty {
            guard let value = RectificationState(rawValue: state) else {
                let known = RectificationState.allCases.map { "\($0.rawValue)（\($0.displayName)）" }
                throw AppError.invalid("整改状态“\(state)”无效，可用：\(known.joined(separator: "、"))")
            }
            filter.state = value
        }
        if let unit, !unit.isEmpty { filter.unit = UnitID(try InputRules.id(unit, field: "责任单位")) }
        filter.overdueOnly = overdue == "1" || overdue == "on" || overdue == "true"
        return filter
    }

    /// The query values that ask for this filter again.
    public var query: [(String, String)] {
        var items: [(String, String)] = []
        if let state { items.append(("state", state.rawValue)) }
        if let unit { items.append(("unit", unit.rawValue)) }
        if overdueOnly { items.append(("overdue", "1")) }
        return items
    }
}

/// One row of the ledger.
public struct LedgerRow: Sendable {
    /// The item.
    public var item: RectificationItem
    /// The responsible unit.
    public var unit: AssessedUnit
    /// Whether it is overdue today.
    public var overdue: Bool
}

/// The ledger page of an assessment (or of one unit).
public struct LedgerPage: Sendable {
    /// The assessment.
    public var assessment: Assessment
    /// The rows after the filter, by 序号 (all of them: the XLSX).
    public var rows: [LedgerRow]
    /// The page shown: the filtered rows searched, sorted and cut by the list query.
    public var list: ListPage<LedgerRow>
    /// How many items there are before the filter, and per state.
    public var counts: [RectificationState: Int]
    /// Overdue items before the filter.
    public var overdueCount: Int
    /// The filter.
    public var filter: LedgerFilter
    /// Today (Asia/Shanghai).
    public var today: Day
    /// The units the viewer may open items for.
    public var units: [AssessedUnit]
    /// The units that have items in the ledger (before the filter) and the filtered unit, by code: the filter's
    /// choices.
    public var unitsWithItems: [AssessedUnit]
    /// Whether the viewer may open items (organizers, administrators, evaluators).
    public var canOpen: Bool
    /// Whether the viewer may carry over last year's open items (organizers, administrators).
    public var canManage: Bool
    /// The assessments of the previous year of the same organization (carry-over sources).
    public var previous: [Assessment]
    /// The scheme's items for the form (id, title).
    public var items: [(id: String, title: String)]
    /// The scheme's penalty item fed by the ledger, when it has one.
    public var penalty: LedgerPenaltyTarget?
}

/// One item's page: the item, its history, what the viewer may do.
public struct LedgerItemPage: Sendable {
    /// The assessment.
    public var assessment: Assessment
    /// The item.
    public var item: RectificationItem
    /// The responsible unit.
    public var unit: AssessedUnit
    /// The history, oldest first.
    public var events: [RectificationEvent]
    /// Whether it is overdue today.
    public var overdue: Bool
    /// The steps the viewer may take now.
    public var allowed: [RectificationAction]
    /// The evidence files of the answers, by id (those the viewer may see).
    public var evidence: [EvidenceID: EvidenceFile]
    /// Display names of users.
    public var userNames: [UserID: String]
    /// The item carried over from, and the item carried into (ids).
    public var carriedFrom: RectificationItem?
    /// Today.
    public var today: Day
}

/// What opening a ledger item takes from a form or request.
public struct LedgerItemInput: Sendable {
    /// The responsible unit's id.
    public var unit: String
    /// The scheme item (may be empty).
    public var item: String
    /// The finding it comes from (may be empty).
    public var finding: String
    /// 问题描述 (from the finding's note when empty and a finding is given).
    public var problem: String
    /// 整改措施.
    public var measures: String
    /// 整改时限 in working days, as typed.
    public var workingDays: String
    /// Where it comes from: `manual`, `deduction`, `spot_check` (a finding given: `finding`).
    public var source: String

    /// Creates an input.
    public init(
        unit: String, item: String = "", finding: String = "", problem: String, measures: String,
        workingDays: String, source: String = ""
    ) {
        self.unit = unit
        self.item = item
        self.finding = finding
        self.problem = problem
        self.measures = measures
        self.workingDays = workingDays
        self.source = source
    }
}

/// The scheme's item that ledger judgements feed: Xinbei's 减分项目 (“书面要求整改，仍拒不整改或整改不到位的，酌情扣1～3分”).
public struct LedgerPenaltyTarget: Sendable, Equatable {
    /// The item.
    public var item: String
    /// Its number fact.
    public var fact: String
    /// The fact's upper bound (3).
    public var max: ExactDecimal?

    /// The item of `scheme` whose standard speaks of refusing to rectify (“拒不整改” or “整改不到位”) and whose one
    /// fact is a number; nil when the scheme has none.
    public static func of(_ scheme: Scheme) -> LedgerPenaltyTarget? {
        for category in scheme.categories {
            for item in category.items
            where item.standard.contains("拒不整改") || item.standard.contains("整改不到位") {
                guard item.facts.count == 1, case .number(_, let max) = item.facts[0].type else { continue }
                return LedgerPenaltyTarget(item: item.id, fact: item.facts[0].name, max: max)
            }
        }
        return nil
    }
}

/// The penalty fact as fed by the ledger: its value and the items it cites.
public struct LedgerMark: Sendable, Equatable {
    /// The value scored: the judged items' points, added up, at most the fact's maximum.
    public var value: ExactDecimal
    /// The judged items (拒不整改 / 整改不到位), by 序号.
    public var items: [RectificationItem]

    /// The explanation citing the items: `整改台账第3号（拒不整改，2分）…`.
    public var explanation: String {
        let cited = items.map {
            "第\($0.number)号（\($0.verdict?.displayName ?? "")，\($0.verdictPoints ?? 0)分：\($0.problem)）"
        }
        return "由整改台账认定：" + cited.joined(separator: "；") + "，合计扣\(value)分"
    }
}

/// The ledger as a workbook in the usual 台账 columns.
public enum LedgerTable {
    /// The header: 序号、问题描述、责任单位、整改措施、整改时限、整改情况、销号时间.
    public static let header = ["序号", "问题描述", "责任单位", "整改措施", "整改时限", "整改情况", "销号时间"]

    /// One row per item.
    public static func rows(_ page: LedgerPage) -> [[XLSXCell]] {
        page.rows.map { row in
            let item = row.item
            var status = item.state.displayName
            if row.overdue { status += "（逾期）" }
            if let verdict = item.verdict { status += "；认定\(verdict.displayName)" }
            if let answer = item.answer, !answer.isEmpty { status += "：\(answer)" }
            return [
                .integer(item.number), .text(item.problem), .text(row.unit.name), .text(item.measures),
                .text("\(item.deadline)（\(item.workingDays)个工作日）"), .text(status),
                item.closedOn.map { .text($0.description) } ?? .empty,
            ]
        }
    }

    /// The workbook's bytes.
    public static func xlsx(_ page: LedgerPage, now: Date) throws -> Data {
        var writer = XLSXWriter()
        let rows = rows(page)
        try writer.addSheet(
            XLSXSheet(
                name: "整改台账", header: header, rows: rows,
                columnWidths: XLSXSheet.fittingWidths(for: [header.map(XLSXCell.text)] + rows)))
        let title = "\(page.assessment.title)整改台账"
        return try writer.data(properties: XLSXProperties(title: title, created: now, modified: now))
    }
}
