import Foundation
import KaoheEngine
import KaoheRecords
import KaoheStorage

/// What a bulletin is made of, gathered by ``Operations``.
struct BulletinInputs: Sendable {
    var assessment: Assessment
    /// Every enrolled unit scored as of the period's last day.
    var scores: AssessmentScores
    /// The facts derived over the period only ([first day, last day] as of the last day).
    var current: AssessmentDerivations?
    /// The facts derived over the year to date ([period start, last day] as of the last day).
    var ytd: AssessmentDerivations?
    var request: BulletinRequest
    /// The number the bulletin gets (or would get).
    var number: Int
    var draft: Bool
    /// The bulletin the rank change compares with.
    var previous: (reference: BulletinReference, document: BulletinDocument)?
    var workingDays: WorkingDayIndex
    var generatedAt: Date
}

/// Makes a bulletin document: pure, from scores and derived facts.
enum BulletinBuilder {
    /// `2023年第3期（2023年3月）`.
    static func title(year: Int, number: Int, period: BulletinPeriod) -> String {
        "\(year)年第\(number)期（\(period.label)）"
    }

    static func document(_ inputs: BulletinInputs) -> BulletinDocument {
        let scheme = inputs.scores.scheme
        let period = inputs.request.period
        let rules = inputs.request.rules
        let derivations = inputs.ytd?.derivations ?? []
        let indicators = derivations.map { derivation in
            let spec = scheme.factSpecs(group: derivation.item)?.first { $0.name == derivation.fact }
            return BulletinIndicator(
                item: derivation.item, fact: derivation.fact,
                label: "\(derivation.item) \(spec?.label ?? derivation.fact)", unit: spec?.unit ?? "",
                type: derivation.factTypeName)
        }
        let previousUnits = Dictionary(
            (inputs.previous?.document.units ?? []).map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
        var units: [BulletinUnit] = []
        for group in inputs.scores.groups {
            for row in group.rows {
                let result = row.result
                let code = row.unit.code
                let figures = zip(derivations, indicators).map { derivation, indicator in
                    BulletinFigures(
                        current: inputs.current?.facts(of: code)?.fact(derivation.item, derivation.fact).map {
                            figure($0, unit: indicator.unit)
                        },
                        ytd: inputs.ytd?.facts(of: code)?.fact(derivation.item, derivation.fact).map {
                            figure($0, unit: indicator.unit)
                        })
                }
                let deductions = self.deductions(result, scheme: scheme)
                var flags: [BulletinFlag] = []
                if rules.overdue, let ytd = inputs.ytd, let flag = overdueFlag(code, ytd, inputs.workingDays) {
                    flags.append(flag)
                }
                if let threshold = rules.deductionAtLeast.flatMap({ ExactDecimal($0) }) {
                    for deduction in deductions {
                        guard let points = ExactDecimal(deduction.points), points >= threshold else { continue }
                        flags.append(
                            BulletinFlag(
                                kind: "deduction", text: "\(deduction.item) \(deduction.name)扣\(deduction.points)分",
                                records: []))
                    }
                }
                if let threshold = rules.scoreBelow.flatMap({ ExactDecimal($0) }), result.total < threshold {
                    flags.append(
                        BulletinFlag(
                            kind: "low_score", text: "暂定得分\(result.total)分，低于\(threshold)分", records: []))
                }
                let previous = previousUnits[code].flatMap { $0.group == group.id ? $0.rank : nil }
                units.append(
                    BulletinUnit(
                        id: row.unit.id.rawValue, code: code, name: row.unit.name, group: group.id,
                        groupName: group.name, rank: result.rank, previousRank: previous,
                        rankChange: previous.map { $0 - result.rank }, total: result.total.description,
                        base: result.base.description, bonus: result.bonus.description,
                        penalty: result.penalty.description, pending: result.pending, detailsHidden: false,
                        figures: figures, deductions: deductions, flags: flags))
            }
        }
        var notes: [String] = []
        if inputs.ytd == nil {
            notes.append("本考核方案没有由平台记录推算的事实，或本组织尚未导入方案所需的平台记录：本期只列暂定得分和排名。")
        }
        let unscorable = inputs.scores.unscorable
        if !unscorable.isEmpty {
            notes.append(
                "以下单位的类型不属于方案的单位类型，未计分、未列入：\(unscorable.map { "\($0.code) \($0.name)" }.joined(separator: "、"))")
        }
        if units.contains(where: { !$0.pending.isEmpty }) {
            notes.append("暂定得分中，尚缺事实的项目（待评项目）按0分计。")
        }
        let year = inputs.assessment.year
        let yearStart = Operations.period(of: inputs.assessment)?.period.lowerBound ?? period.first
        return BulletinDocument(
            format: 1, title: title(year: year, number: inputs.number, period: period), number: inputs.number,
            draft: inputs.draft,
            assessment: BulletinAssessment(
                id: inputs.assessment.id.rawValue, title: inputs.assessment.title, year: year, schemeID: scheme.id,
                schemeTitle: scheme.title),
            period: period.text, periodKind: period.kind, periodLabel: period.label,
            periodStart: period.first.description, periodEnd: period.last.description,
            yearStart: yearStart.description, asOf: period.last.description, scoreMax: scheme.total.description,
            rules: rules,
            previous: inputs.previous?.reference, indicators: indicators, units: units, notes: notes,
            generatedAt: ISO8601DateFormatter().string(from: inputs.generatedAt))
    }

    /// A derived value as the bulletin shows it.
    static func figure(_ fact: DerivedFact, unit: String) -> BulletinFigure {
        let value: String
        let text: String
        switch fact.value {
        case .count(let n):
            value = String(n)
            text = "\(n)\(unit)"
        case .decimal(let rate):
            value = rate.description
            text = percent(rate)
        case .dates(let pairs):
            let missing = pairs.filter { $0.count > 1 && $0[1] == nil }.count
            value = String(pairs.count)
            text = "\(pairs.count)\(unit)" + (missing > 0 ? "（逾期未办\(missing)\(unit)）" : "")
        case .counts(let months):
            let sum = months.reduce(0, +)
            value = String(sum)
            text = "\(sum)\(unit)"
        case .bool(let flag):
            value = flag ? "1" : "0"
            text = flag ? "是" : "否"
        case .choice(let option):
            value = option
            text = option
        case .levels(let levels):
            value = String(levels.count)
            text = levels.joined(separator: "、")
        }
        return BulletinFigure(value: value, text: text, records: fact.rows.count)
    }

    /// `95.5%`: a rate in per cent with at most 2 decimals.
    static func percent(_ rate: ExactDecimal) -> String {
        (rate * ExactDecimal(100)).rounded(places: 2).description + "%"
    }

    /// Points lost per item: a base item's maximum less its score, a penalty item's score; pending items are
    /// not counted (they have no score yet).
    static func deductions(_ result: UnitResult, scheme: Scheme) -> [BulletinDeduction] {
        result.items.compactMap { item in
            if case .pending = item.state { return nil }
            let points: ExactDecimal
            switch item.kind {
            case .base: points = item.max - item.score
            case .penalty: points = item.score
            case .bonus: return nil
            }
            guard points > .zero else { return nil }
            return BulletinDeduction(
                item: item.itemID, name: scheme.item(item.itemID)?.name ?? "", points: points.description)
        }
    }

    /// The records behind a unit's year-to-date derived facts that are overdue on the as-of date (not done, the
    /// deadline passed), each counted once.
    static func overdueFlag(_ code: String, _ ytd: AssessmentDerivations, _ workingDays: WorkingDayIndex)
        -> BulletinFlag?
    {
        guard let facts = ytd.facts(of: code) else { return nil }
        var seen = Set<Int64>()
        var found: [(type: RecordType, row: Int32)] = []
        for fact in facts.facts {
            guard let derivation = ytd.derivation(item: fact.item, fact: fact.fact), derivation.deadline != nil,
                derivation.window == .current
            else { continue }
            let table = ytd.records[fact.recordType]
            for row in fact.rows {
                let key = Int64(fact.recordType.ordinal) << 40 | Int64(row)
                guard !seen.contains(key),
                    derivation.deadlineStatus(
                        row: Int(row), in: table, window: ytd.window, workingDays: workingDays) == .overdue
                else { continue }
                seen.insert(key)
                found.append((fact.recordType, row))
            }
        }
        guard !found.isEmpty else { return nil }
        found.sort {
            ($0.type.ordinal, ytd.records[$0.type].ids[Int($0.row)]) < (
                $1.type.ordinal, ytd.records[$1.type].ids[Int($1.row)]
            )
        }
        var byType: [(RecordType, Int)] = []
        for entry in found {
            if let last = byType.last, last.0 == entry.type {
                byType[byType.count - 1].1 += 1
            } else {
                byType.append((entry.type, 1))
            }
        }
        let parts = byType.map { "\($0.0.label)\($0.1)件" }.joined(separator: "、")
        return BulletinFlag(
            kind: "overdue", text: "截至\(ytd.window.asOf)有\(found.count)件逾期未办结（\(parts)）",
            records: found.prefix(50).map { "\($0.type.rawValue):\(ytd.records[$0.type].ids[Int($0.row)])" })
    }
}

extension BulletinDocument {
    /// The document as `viewer` may see it: a reporter who sees only their own unit (`ownUnit`) keeps the rank
    /// and score of every unit, but the figures, deductions and flags of their own unit only.
    func visible(ownUnit: String?, seesOwnUnitOnly: Bool) -> BulletinDocument {
        guard seesOwnUnitOnly else { return self }
        var copy = self
        for index in copy.units.indices where copy.units[index].id != ownUnit {
            copy.units[index].detailsHidden = true
            copy.units[index].figures = []
            copy.units[index].deductions = []
            copy.units[index].flags = []
            copy.units[index].pending = []
        }
        return copy
    }

    /// The JSON text kept as ``StoredBulletin/body`` and sent by the API (keys sorted, so the same document
    /// always gives the same text).
    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Reads a frozen body.
    static func read(_ body: String) throws -> BulletinDocument {
        do { return try JSONDecoder().decode(BulletinDocument.self, from: Data(body.utf8)) } catch {
            throw AppError.internalFailure("已发布的通报无法读取：\(error)")
        }
    }
}
