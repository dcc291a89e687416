import Foundation
import KaoheEngine
import KaoheStorage

/// The month or quarter a bulletin (月度通报 / 季度通报) covers, within the assessment's year.
public struct BulletinPeriod: Sendable, Hashable {
    /// A month or a quarter.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case month, quarter
    }

    /// The calendar year.
    public var year: Int
    /// Month or quarter.
    public var kind: Kind
    /// 1…12 for a month, 1…4 for a quarter.
    public var index: Int

    /// A month of `year` (nil unless 1…12).
    public static func month(_ year: Int, _ month: Int) -> BulletinPeriod? {
        (1...12).contains(month) ? BulletinPeriod(year: year, kind: .month, index: month) : nil
    }

    /// A quarter of `year` (nil unless 1…4).
    public static func quarter(_ year: Int, _ quarter: Int) -> BulletinPeriod? {
        (1...4).contains(quarter) ? BulletinPeriod(year: year, kind: .quarter, index: quarter) : nil
    }

    private init(year: Int, kind: Kind, index: Int) {
        self.year = year
        self.kind = kind
        self.index = index
    }

    /// Reads `2023-03` (a month) or `2023-Q1` (a quarter; `q` also taken).
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, let year = Int(parts[0]), year >= 1900, year <= 9999 else {
            return nil
        }
        let tail = parts[1]
        if let first = tail.first, first == "Q" || first == "q" {
            guard tail.count == 2, let quarter = Int(tail.dropFirst()), let period = Self.quarter(year, quarter) else {
                return nil
            }
            self = period
        } else {
            guard (1...2).contains(tail.count), tail.allSatisfy(\.isASCII), let month = Int(tail),
                let period = Self.month(year, month)
            else { return nil }
            self = period
        }
    }

    /// `2023-03` or `2023-Q1`.
    public var text: String {
        switch kind {
        case .month: index < 10 ? "\(year)-0\(index)" : "\(year)-\(index)"
        case .quarter: "\(year)-Q\(index)"
        }
    }

    /// `2023年3月` or `2023年第一季度`.
    public var label: String {
        switch kind {
        case .month: "\(year)年\(index)月"
        case .quarter: "\(year)年第\(["一", "二", "三", "四"][index - 1])季度"
        }
    }

    /// What the period's own figures are called in a table: 本月 or 本季度.
    public var ownLabel: String { kind == .month ? "本月" : "本季度" }

    /// The months covered (1…12).
    public var months: ClosedRange<Int> { kind == .month ? index...index : (index * 3 - 2)...(index * 3) }

    /// The first day.
    public var first: Day { Day(year: year, month: months.lowerBound, day: 1)! }

    /// The last day: the as-of date of the bulletin's facts.
    public var last: Day {
        let month = months.upperBound
        guard month < 12, let next = Day(year: year, month: month + 1, day: 1) else {
            return Day(year: year, month: 12, day: 31)!
        }
        return Day(daysSinceEpoch: next.daysSinceEpoch - 1)
    }

    /// [first, last].
    public var range: ClosedRange<Day> { first...last }

    /// Every month and every quarter of a year, months first.
    public static func all(in year: Int) -> [BulletinPeriod] {
        (1...12).compactMap { month(year, $0) } + (1...4).compactMap { quarter(year, $0) }
    }
}

/// Which rows a bulletin flags (提示), chosen per bulletin. Numbers are decimal texts; nil turns a flag off.
public struct BulletinRules: Sendable, Equatable, Codable {
    /// Flag a unit with any overdue record (no completion, deadline before the as-of date) behind a derived fact.
    public var overdue: Bool
    /// Flag each item on which a unit lost at least this many points.
    public var deductionAtLeast: String?
    /// Flag a unit whose provisional score is below this.
    public var scoreBelow: String?

    /// Creates rules; the defaults are 逾期 on, 单项扣分≥2分 and 暂定得分低于60分.
    public init(overdue: Bool = true, deductionAtLeast: String? = "2", scoreBelow: String? = "60") {
        self.overdue = overdue
        self.deductionAtLeast = deductionAtLeast
        self.scoreBelow = scoreBelow
    }

    /// The rules in words, for the page.
    public var summary: String {
        var parts: [String] = []
        if overdue { parts.append("有逾期未办结的记录") }
        if let deductionAtLeast { parts.append("单项扣分达到\(deductionAtLeast)分") }
        if let scoreBelow { parts.append("暂定得分低于\(scoreBelow)分") }
        return parts.isEmpty ? "不作提示" : parts.joined(separator: "；")
    }
}

/// What a bulletin is asked for: its period and its flag rules.
public struct BulletinRequest: Sendable, Equatable {
    /// The month or quarter.
    public var period: BulletinPeriod
    /// The flags.
    public var rules: BulletinRules

    /// Creates a request.
    public init(period: BulletinPeriod, rules: BulletinRules = BulletinRules()) {
        self.period = period
        self.rules = rules
    }

    /// The month a bulletin is usually made for: today's month within the assessment's year, its December once
    /// the year is over, its January before it begins.
    public static func defaultPeriod(year: Int, today: Day) -> BulletinPeriod {
        let (todayYear, todayMonth, _) = today.components
        if todayYear == year { return .month(year, todayMonth)! }
        return .month(year, todayYear > year ? 12 : 1)!
    }

    /// Reads a request from form or query values: `period` (`2023-03`, `2023-Q1`; absent: the default month),
    /// `overdue` (`1`/`0`; absent: on), `deduction` and `below` (numbers; empty: off; absent: 2 and 60).
    public static func parse(
        period: String?, overdue: String?, deduction: String?, below: String?, year: Int, today: Day
    ) throws -> BulletinRequest {
        let chosen: BulletinPeriod
        if let text = period?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            guard let parsed = BulletinPeriod(text) else {
                throw AppError.invalid("通报期间“\(text)”无效，应为“年-月”（如 \(year)-03）或“年-季度”（如 \(year)-Q1）")
            }
            guard parsed.year == year else {
                throw AppError.invalid("通报期间“\(text)”不在考核年度（\(year)年）内")
            }
            chosen = parsed
        } else {
            chosen = defaultPeriod(year: year, today: today)
        }
        var rules = BulletinRules()
        if let overdue {
            switch overdue.trimmingCharacters(in: .whitespaces) {
            case "1", "true", "on", "是": rules.overdue = true
            case "0", "false", "off", "否", "": rules.overdue = false
            default: throw AppError.invalid("“逾期提示”应为 1（提示）或 0（不提示），而不是“\(overdue)”")
            }
        }
        func number(_ text: String?, default value: String?, field: String, positive: Bool) throws -> String? {
            guard let text else { return value }
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { return nil }
            guard let decimal = ExactDecimal(trimmed), !positive || decimal > .zero,
                decimal <= ExactDecimal(100_000)
            else {
                throw AppError.invalid(
                    "“\(field)”应为\(positive ? "大于0的" : "")数字（如 \(value ?? "2")），而不是“\(trimmed)”；留空表示不提示")
            }
            return decimal.description
        }
        rules.deductionAtLeast = try number(deduction, default: "2", field: "单项扣分提示（分）", positive: true)
        rules.scoreBelow = try number(below, default: "60", field: "低分提示（分）", positive: false)
        return BulletinRequest(period: chosen, rules: rules)
    }
}

/// A bulletin as published and as shown: the frozen JSON document (``StoredBulletin/body``), also the draft.
public struct BulletinDocument: Sendable, Equatable, Codable {
    /// The document format (1).
    public var format: Int
    /// E.g. `2023年第3期（2023年3月）`.
    public var title: String
    /// The number (第3期); for a draft the number it would get.
    public var number: Int
    /// Not published yet.
    public var draft: Bool
    /// The assessment.
    public var assessment: BulletinAssessment
    /// `2023-03` or `2023-Q1`.
    public var period: String
    /// `month` or `quarter`.
    public var periodKind: BulletinPeriod.Kind
    /// `2023年3月`.
    public var periodLabel: String
    /// The window of the period's own figures: [first day, last day] (`YYYY-MM-DD`).
    public var periodStart: String
    public var periodEnd: String
    /// The start of the year-to-date window (the assessment's period start).
    public var yearStart: String
    /// The as-of date of every figure and of the provisional score (the period's last day).
    public var asOf: String
    /// The scheme's total.
    public var scoreMax: String
    /// The flag rules used.
    public var rules: BulletinRules
    /// The bulletin the rank change compares with: the published one with the latest as-of date before this one's.
    public var previous: BulletinReference?
    /// The derived facts shown, in order; each unit's ``BulletinUnit/figures`` follow it.
    public var indicators: [BulletinIndicator]
    /// The units in ranking order (per unit group).
    public var units: [BulletinUnit]
    /// Remarks (units not scored, no platform records…).
    public var notes: [String]
    /// When the document was made (ISO 8601).
    public var generatedAt: String

    /// 本月 or 本季度.
    public var ownLabel: String { periodKind == .month ? "本月" : "本季度" }
}

/// The assessment a bulletin belongs to.
public struct BulletinAssessment: Sendable, Equatable, Codable {
    public var id: String
    public var title: String
    public var year: Int
    public var schemeID: String
    public var schemeTitle: String
}

/// A published bulletin referred to.
public struct BulletinReference: Sendable, Equatable, Codable {
    public var number: Int
    public var title: String
    public var period: String
}

/// One derived fact shown in the bulletin.
public struct BulletinIndicator: Sendable, Equatable, Codable {
    /// The item id (`13`).
    public var item: String
    /// The fact name (`offline_cases`).
    public var fact: String
    /// `13 网下办件`.
    public var label: String
    /// The counting word (件).
    public var unit: String
    /// `count`, `rate`, `dates` or `counts12`.
    public var type: String
}

/// One unit's row.
public struct BulletinUnit: Sendable, Equatable, Codable {
    /// The unit's id and code.
    public var id: String
    public var code: String
    public var name: String
    /// The scheme unit type it is ranked in (nil: one ranking of all units) and its name.
    public var group: String?
    public var groupName: String
    /// The provisional rank (1, 1, 3 on ties) within the group.
    public var rank: Int
    /// The rank in the previous bulletin, and `previousRank − rank` (above 0: moved up).
    public var previousRank: Int?
    public var rankChange: Int?
    /// The provisional score: base + bonus − penalty, pending items counted 0.
    public var total: String
    public var base: String
    public var bonus: String
    public var penalty: String
    /// Items without the facts they need yet.
    public var pending: [String]
    /// True when the viewer may see only the rank and score of this unit (a reporter of another unit).
    public var detailsHidden: Bool
    /// The indicators' figures in the order of ``BulletinDocument/indicators`` (empty when hidden).
    public var figures: [BulletinFigures]
    /// Points lost, per item that lost any (empty when hidden).
    public var deductions: [BulletinDeduction]
    /// The flags raised (empty when hidden).
    public var flags: [BulletinFlag]
}

/// One indicator of one unit: the period's own figure and the year-to-date figure (nil: not derived).
public struct BulletinFigures: Sendable, Equatable, Codable {
    public var current: BulletinFigure?
    public var ytd: BulletinFigure?
}

/// A derived value as shown.
public struct BulletinFigure: Sendable, Equatable, Codable {
    /// A number: the count, the rate (0…1), the number of records listed, or the sum of monthly counts.
    public var value: String
    /// As read: `3件`, `95%`, `12件（逾期1件）`.
    public var text: String
    /// How many records are behind it.
    public var records: Int
}

/// Points one item lost.
public struct BulletinDeduction: Sendable, Equatable, Codable {
    public var item: String
    public var name: String
    public var points: String
}

/// A flag (提示) on a unit.
public struct BulletinFlag: Sendable, Equatable, Codable {
    /// `overdue`, `deduction` or `low_score`.
    public var kind: String
    /// The flag in words.
    public var text: String
    /// The records behind it (type:id, at most 50), for `overdue`.
    public var records: [String]
}

/// The bulletins page: the published ones and, for organizers, the form to make the next.
public struct BulletinIndex: Sendable {
    /// The assessment.
    public var assessment: Assessment
    /// Published bulletins, oldest first.
    public var published: [StoredBulletin]
    /// Whether the viewer may make and publish bulletins.
    public var canManage: Bool
    /// The form's defaults.
    public var suggested: BulletinRequest
}

/// The provisional score of each unit month by month, from the published bulletins (and the current month).
public struct BulletinTrend: Sendable {
    /// `1月` … `12月`.
    public var months: [String]
    /// Per unit: its name and one score per month (nil: no bulletin for that month).
    public var series: [(name: String, values: [Double?])]
    /// The month (1…12) computed now rather than published, when there is one.
    public var liveMonth: Int?
    /// The title.
    public var title: String
}
