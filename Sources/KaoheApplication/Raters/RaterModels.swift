import Foundation
import KaoheEngine
import KaoheStorage

/// Pure rules of rater rounds: default groups from the scheme, reading marks, and turning tallies into the
/// engine's ``RaterTally`` values (the arithmetic itself is ``RaterArithmetic``).
public enum RaterRules {
    /// The groups of a scheme's `raters` item, with defaults a round starts from: a group whose fact is named
    /// like the public is rated through codes with the public levels, one named like departments or units is rated
    /// by the units, the others by named accounts.
    public static func defaultGroups(of item: Item) -> [RaterGroupConfig] {
        guard case .raters(let groups, let scale) = item.rule else { return [] }
        return groups.map { group in
            let spec = item.facts.first { $0.name == group.fact.name }
            var label = spec?.label ?? group.fact.name
            if label.hasSuffix("得分") && label.count > 2 { label = String(label.dropLast(2)) }
            let name = group.fact.name.lowercased()
            let kind: RaterKind =
                name.contains("public") || label.contains("社会") || label.contains("群众")
                ? .public : name.contains("depart") || name.contains("unit") || label.contains("部门") ? .units : .named
            return RaterGroupConfig(
                id: group.fact.name, label: label, kind: kind, scale: scale.description,
                levels: kind == .public ? RaterLevel.publicDefaults : [], trim: kind == .units ? 1 : 0, minimum: 1)
        }
    }

    /// Reads one mark as typed or chosen: a level's name (level scales) or a number 0…scale with at most two
    /// decimals. Returns the canonical mark text, or a Chinese message naming the unit.
    public static func mark(_ text: String, group: RaterGroupConfig, unitName: String) -> Result<String, AppError> {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if !group.levels.isEmpty {
            guard let level = group.levels.first(where: { $0.name == trimmed || $0.points == trimmed }),
                let points = ExactDecimal(level.points)
            else {
                return .failure(
                    .invalid(
                        "“\(unitName)”的评价“\(trimmed)”不是可选的等次（\(group.levels.map(\.name).joined(separator: "、"))）"))
            }
            return .success(points.description)
        }
        let scale = ExactDecimal(group.scale) ?? 100
        guard let value = ExactDecimal(trimmed), value >= .zero, value <= scale, value.rounded(places: 2) == value
        else {
            return .failure(.invalid("“\(unitName)”的评分“\(trimmed)”应为0至\(scale)之间的数（最多两位小数）"))
        }
        return .success(value.description)
    }

    /// The units a group rates in a round: the group's subset, else the round's units, else every enrolled unit.
    public static func ratedUnits(_ group: RaterGroupConfig, round: RaterRound, enrolled: [AssessedUnit])
        -> [AssessedUnit]
    {
        let wanted = !group.units.isEmpty ? Set(group.units) : !round.units.isEmpty ? Set(round.units) : nil
        guard let wanted else { return enrolled }
        return enrolled.filter { wanted.contains($0.id) }
    }

    /// A response rate, e.g. `75.00%` (— when nothing is expected).
    public static func rate(_ submitted: Int, of expected: Int) -> String {
        guard expected > 0 else { return "—" }
        return ExactDecimal(submitted * 100).divided(by: ExactDecimal(expected), places: 2).twoDecimals + "%"
    }

    /// Sheets expected and submitted in one group of a round: its named raters, the enrolled units (rating each
    /// other), or the one-time codes issued and used.
    public static func response(
        of group: RaterGroupConfig, sheets: [RaterSheet], codes: [RaterCodeCount], units: [AssessedUnit]
    ) -> (expected: Int, submitted: Int) {
        let submitted = Set(sheets.filter { $0.groupID == group.id && $0.submitted }.map(\.raterID))
        switch group.kind {
        case .named: return (group.raters.count, group.raters.filter { submitted.contains($0.rawValue) }.count)
        case .units: return (units.count, units.filter { submitted.contains($0.id.rawValue) }.count)
        case .public:
            let count = codes.first { $0.groupID == group.id }
            return (count?.issued ?? 0, count?.used ?? 0)
        }
    }

    /// Per unit id and group id, the tally of the round's ballots (raters.md rules 2 and 3). A unit a group does
    /// not rate is left out for that group.
    public static func tallies(round: RaterRound, rows: [RaterTallyRow], enrolled: [AssessedUnit])
        -> [UnitID: [String: RaterTally]]
    {
        var marks: [String: [UnitID: [(mark: ExactDecimal, count: Int)]]] = [:]
        for row in rows {
            guard let mark = ExactDecimal(row.mark) else { continue }
            marks[row.groupID, default: [:]][row.unitID, default: []].append((mark, row.ballots))
        }
        var result: [UnitID: [String: RaterTally]] = [:]
        for group in round.groups {
            let rated = Set(ratedUnits(group, round: round, enrolled: enrolled).map(\.id))
            for unit in enrolled {
                let own = rated.contains(unit.id) ? marks[group.id]?[unit.id] ?? [] : []
                result[unit.id, default: [:]][group.id] = RaterArithmetic.tally(
                    own, trim: group.trim, minimum: group.minimum)
            }
        }
        return result
    }

    /// Parses a date-time typed in a form (`2026-12-01 09:00`, `2026-12-01T09:00` or a day; China time); nil when
    /// empty, a message when unreadable.
    public static func dateTime(_ text: String, field: String) throws -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "Asia/Shanghai")
        for format in ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: trimmed) { return date }
        }
        throw AppError.invalid("\(field)“\(trimmed)”不是日期时间，应写作 2026-12-01 09:00")
    }

    /// A date-time as forms show it (China time): `2026-12-01 09:00`.
    public static func text(_ date: Date?) -> String {
        guard let date else { return "" }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "Asia/Shanghai")
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: date)
    }
}

/// One group of a round with its weight and response.
public struct RaterGroupReport: Sendable {
    public var config: RaterGroupConfig
    /// The weight parameter's value for this assessment.
    public var weight: ExactDecimal
    /// Sheets expected: named raters, rating units, or codes issued.
    public var expected: Int
    /// Sheets submitted (codes used).
    public var submitted: Int
    /// Response rate text, e.g. `75.00%` (— when nothing is expected).
    public var responseRate: String { RaterRules.rate(submitted, of: expected) }
}

/// A named rater (or rating unit) who has not submitted.
public struct RaterReminder: Sendable {
    public var group: String
    public var name: String
    /// Saved a draft already.
    public var hasDraft: Bool
}

/// The round's page: settings, per unit and group the tallies, response rates, reminders, comments.
public struct RaterRoundReport: Sendable {
    public var assessment: Assessment
    public var round: RaterRound
    public var status: RaterRoundState
    public var itemName: String
    public var itemMax: ExactDecimal
    public var groups: [RaterGroupReport]
    /// Rated units (every unit rated by some group).
    public var units: [AssessedUnit]
    /// Per unit id and group id.
    public var tallies: [UnitID: [String: RaterTally]]
    /// The item's score and explanation per unit id, computed as results compute it.
    public var scores: [UnitID: (score: String, explanation: String)]
    public var reminders: [RaterReminder]
    public var comments: [RaterComment]
    /// Whether the viewer manages the round (organizer) or only reads it (a unit: its approved comments).
    public var canManage: Bool
    /// All users that may be named raters (for the settings form).
    public var candidates: [User]
}

/// A ballot sheet to fill in: the round, the group, the units to rate and what was saved.
public struct RaterBallot: Sendable {
    public var round: RaterRound
    public var status: RaterRoundState
    public var group: RaterGroupConfig
    public var raterID: String
    /// The rater's name (or unit name) for the heading.
    public var raterName: String
    public var units: [AssessedUnit]
    public var sheet: RaterSheet?
    public var assessmentTitle: String
}

/// The rounds of an assessment and what the viewer may do there.
public struct RaterRoundIndex: Sendable {
    public var assessment: Assessment
    public var rounds: [(round: RaterRound, status: RaterRoundState)]
    /// The scheme's `raters` items (id, name) a new round may fill.
    public var items: [(id: String, name: String)]
    public var canManage: Bool
    /// Rounds and groups where the viewer has a sheet to fill in.
    public var myBallots: [(round: RaterRound, group: RaterGroupConfig, submitted: Bool)]
}

/// What the settings form sends for one group.
public struct RaterGroupForm: Sendable {
    public var id: String
    public var kind: String
    /// Empty: numbers 0…scale; else `满意=100，基本满意=80，不满意=0`.
    public var levels: String
    public var trim: String
    public var minimum: String
    /// Named raters' login names, separated by commas, spaces or new lines.
    public var raters: String
    /// Unit codes rated by the group (empty: all).
    public var units: String
    public init(
        id: String, kind: String, levels: String, trim: String, minimum: String, raters: String, units: String
    ) {
        self.id = id
        self.kind = kind
        self.levels = levels
        self.trim = trim
        self.minimum = minimum
        self.raters = raters
        self.units = units
    }
}

/// What the settings form sends.
public struct RaterRoundForm: Sendable {
    public var title: String
    public var opensAt: String
    public var closesAt: String
    public var groups: [RaterGroupForm]
    public init(title: String, opensAt: String, closesAt: String, groups: [RaterGroupForm]) {
        self.title = title
        self.opensAt = opensAt
        self.closesAt = closesAt
        self.groups = groups
    }
}
