/// Evaluates rules over one unit's facts.
struct Evaluator {
    let scheme: Scheme
    let facts: FactSheet
    let context: ScoringContext
    var tallies: [Int: RaterTally] = [:]

    func qualifiedName(_ slot: Int) -> String {
        let info = scheme.slots[slot]
        return "\(info.group)/\(info.spec.name)"
    }

    func value(_ name: FactName, _ missing: inout [Int]) -> FactValue? {
        if let value = facts[name.slot] ?? scheme.defaults[name.slot] { return value }
        if !missing.contains(name.slot) { missing.append(name.slot) }
        return nil
    }

    func number(_ name: FactName, _ missing: inout [Int]) -> ExactDecimal? {
        switch value(name, &missing) {
        case .count(let n)?: ExactDecimal(n)
        case .decimal(let d)?: d
        default: nil
        }
    }

    func count(_ name: FactName, _ missing: inout [Int]) -> Int? {
        if case .count(let n)? = value(name, &missing) { return n }
        return nil
    }

    func bool(_ name: FactName, _ missing: inout [Int]) -> Bool? {
        if case .bool(let b)? = value(name, &missing) { return b }
        return nil
    }

    func measure(_ measure: Measure, _ missing: inout [Int]) -> ExactDecimal? {
        switch measure {
        case .fact(let name): return number(name, &missing)
        case .sum(let names):
            var sum = ExactDecimal.zero
            var known = true
            for name in names {
                if let n = number(name, &missing) { sum += n } else { known = false }
            }
            return known ? sum : nil
        case .ratio(let numerator, let denominator, let whenZero):
            let n = count(numerator, &missing)
            let d = count(denominator, &missing)
            guard let n, let d else { return nil }
            return d == 0 ? whenZero : ExactDecimal(n) / ExactDecimal(d)
        }
    }

    /// Three-valued: nil when a needed fact is missing and the others do not decide.
    func condition(_ condition: Condition, _ missing: inout [Int], total: ExactDecimal? = nil) -> Bool? {
        switch condition {
        case .isTrue(let name): return bool(name, &missing)
        case .isFalse(let name): return bool(name, &missing).map { !$0 }
        case .compare(let m, let comparison, let operand):
            let left = measure(m, &missing)
            let right: ExactDecimal?
            switch operand {
            case .constant(let value): right = value
            case .scaledFact(let name, let factor): right = number(name, &missing).map { $0 * factor }
            }
            guard let left, let right else { return nil }
            if case .ratio(let n, let d, _) = m, comparison != .equal, case .constant = operand,
                let num = count(n, &missing), let den = count(d, &missing), den > 0
            {
                // Compare the exact fraction by cross-multiplying.
                return comparison.holds(ExactDecimal(num), right * den)
            }
            return comparison.holds(left, right)
        case .any(let list):
            var unknown = false
            for item in list {
                switch self.condition(item, &missing, total: total) {
                case true?: return true
                case nil: unknown = true
                case false?: break
                }
            }
            return unknown ? nil : false
        case .all(let list):
            var unknown = false
            for item in list {
                switch self.condition(item, &missing, total: total) {
                case false?: return false
                case nil: unknown = true
                case true?: break
                }
            }
            return unknown ? nil : true
        case .totalBelow(let limit):
            return total.map { $0 < limit }
        }
    }

    /// The index of the band a value falls in; on a shared boundary the more favourable one.
    func band(_ bands: [Band], _ measure: Measure, _ value: ExactDecimal, higherIsBetter: Bool) -> Int? {
        var chosen: Int? = nil
        for index in bands.indices where contains(bands[index].interval, measure, value) {
            if let current = chosen {
                let better =
                    higherIsBetter
                    ? bands[index].result > bands[current].result : bands[index].result < bands[current].result
                if better { chosen = index }
            } else {
                chosen = index
            }
        }
        return chosen
    }

    /// Interval membership for a measure, exact for count ratios.
    func contains(_ interval: Interval, _ measure: Measure, _ value: ExactDecimal) -> Bool {
        if case .ratio(let n, let d, _) = measure, case .count(let den)? = facts[d.slot], den > 0,
            case .count(let num)? = facts[n.slot]
        {
            let numerator = ExactDecimal(num)
            if let lower = interval.lower {
                let scaled = lower.value * den
                if lower.inclusive ? numerator < scaled : numerator <= scaled { return false }
            }
            if let upper = interval.upper {
                let scaled = upper.value * den
                if upper.inclusive ? numerator > scaled : numerator >= scaled { return false }
            }
            return true
        }
        return interval.contains(value)
    }

    struct DateTally {
        var records = 0
        var late = 0
        var missing = 0
    }

    func tally(_ name: FactName, from: String, to: String, workingDays: Int, _ missing: inout [Int]) -> DateTally? {
        guard case .dates(let records)? = value(name, &missing),
            case .dates(let fields) = scheme.slots[name.slot].spec.type,
            let fromIndex = fields.firstIndex(where: { $0.id == from }),
            let toIndex = fields.firstIndex(where: { $0.id == to })
        else { return nil }
        var tally = DateTally()
        for record in records {
            tally.records += 1
            guard let start = record[fromIndex] else {
                tally.missing += 1
                continue
            }
            guard let end = record[toIndex] else {
                tally.missing += 1
                continue
            }
            if end > context.calendar.workingDay(workingDays, after: start) { tally.late += 1 }
        }
        return tally
    }

    /// Evaluates one additive term; returns the amount and appends its step.
    func term(
        _ term: Term, index: Int, max: ExactDecimal, higherIsBetter: Bool, _ steps: inout [Step], _ missing: inout [Int]
    ) -> ExactDecimal? {
        switch term {
        case .perCount(let name, let points):
            guard let n = count(name, &missing) else { return nil }
            let amount = points * n
            if n > 0 { steps.append(.perCount(slot: name.slot, count: n, points: points, amount: amount)) }
            return amount
        case .points(let points, let when):
            guard let holds = condition(when, &missing) else { return nil }
            if holds { steps.append(.condition(term: index, amount: points)) }
            return holds ? points : .zero
        case .zero:
            return .zero  // handled before other terms
        case .fractionOfMax(let fraction, let when):
            guard let holds = condition(when, &missing) else { return nil }
            let amount = holds ? max * fraction : .zero
            if holds { steps.append(.condition(term: index, amount: amount)) }
            return amount
        case .banded(let m, let bands):
            guard let value = measure(m, &missing) else { return nil }
            // For deductions the favourable band is the smaller amount.
            guard let chosen = band(bands, m, value, higherIsBetter: higherIsBetter) else { return .zero }
            steps.append(.band(term: index, value: value, band: chosen, result: bands[chosen].result))
            return bands[chosen].result
        case .lateDates(let name, let from, let to, let days, let perLate, let perMissing):
            guard let t = tally(name, from: from, to: to, workingDays: days, &missing) else { return nil }
            let amount = perLate * t.late + perMissing * t.missing
            steps.append(
                .dates(
                    slot: name.slot, records: t.records, late: t.late, missing: t.missing, perLate: perLate,
                    perMissing: perMissing, amount: amount))
            return amount
        case .monthsShort(let name, let atLeast, let points):
            guard case .counts(let months)? = value(name, &missing) else { return nil }
            let short = months.indices.filter { months[$0] < atLeast }.map { $0 + 1 }
            let amount = points * short.count
            steps.append(.months(slot: name.slot, shortMonths: short, atLeast: atLeast, points: points, amount: amount))
            return amount
        case .perLevel(let name, let points):
            guard case .levels(let levels)? = value(name, &missing),
                case .levels(let options) = scheme.slots[name.slot].spec.type
            else { return nil }
            var counts: [(String, Int, ExactDecimal)] = []
            var amount = ExactDecimal.zero
            for option in options {
                let n = levels.lazy.filter { $0 == option.id }.count
                if n > 0 {
                    let points = (points[option.id] ?? .zero) * n
                    counts.append((option.id, n, points))
                    amount += points
                }
            }
            steps.append(.levels(slot: name.slot, counts: counts, amount: amount))
            return amount
        case .value(let name):
            guard let value = number(name, &missing)?.rounded(places: 2) else { return nil }
            if value != .zero { steps.append(.value(slot: name.slot, amount: value)) }
            return value
        }
    }

    func evaluate(_ plan: ItemPlan, kind: CategoryKind) -> ItemResult {
        guard let terms = plan.perCountTerms else { return evaluate(plan.item, kind: kind) }
        // Fast path for per-incident deductions; anything unusual (a missing required count) takes the general path.
        var steps: [Step] = []
        var sum = ExactDecimal.zero
        for (slot, points) in terms {
            guard case .count(let count)? = facts[slot] ?? scheme.defaults[slot] else {
                return evaluate(plan.item, kind: kind)
            }
            if count > 0 {
                let amount = points * count
                steps.append(.perCount(slot: slot, count: count, points: points, amount: amount))
                sum += amount
            }
        }
        let max = plan.item.max
        return ItemResult(
            itemID: plan.item.id, kind: kind, score: (max - sum).clamped(.zero, max), max: max, state: .scored,
            steps: steps, rawAmount: sum)
    }

    func evaluate(_ item: borrowing Item, kind: CategoryKind) -> ItemResult {
        var steps: [Step] = []
        var missing: [Int] = []
        var raw = ExactDecimal.zero
        let score: ExactDecimal?
        switch item.rule {
        case .pass(let name):
            if let passed = bool(name, &missing) {
                score = passed ? item.max : .zero
                steps.append(.pass(slot: name.slot, value: passed, score: score!))
            } else {
                score = nil
            }
        case .deduct(let terms), .award(let terms):
            let deducting: Bool
            if case .deduct = item.rule { deducting = true } else { deducting = false }
            // Terms that zero the item decide first: facts needed only otherwise are not required.
            var zeroedBy: Int? = nil
            var zeroMissing: [Int] = []
            for index in terms.indices where zeroedBy == nil {
                if case .zero(let when) = terms[index], condition(when, &zeroMissing) == true { zeroedBy = index }
            }
            if let zeroedBy {
                steps.append(.zeroed(term: zeroedBy))
                score = .zero
                break
            }
            if !zeroMissing.isEmpty { missing.append(contentsOf: zeroMissing) }
            var sum = ExactDecimal.zero
            var known = true
            for index in terms.indices {
                if case .zero = terms[index] { continue }
                if let amount = term(
                    terms[index], index: index, max: item.max, higherIsBetter: !deducting, &steps, &missing)
                {
                    sum += amount
                } else {
                    known = false
                }
            }
            raw = sum
            if known && missing.isEmpty {
                let value = deducting ? item.max - sum : sum
                score = item.mayExceedMax ? ExactDecimal.max(value, .zero) : value.clamped(.zero, item.max)
            } else {
                score = nil
            }
        case .bands(let m, let bands):
            if let value = measure(m, &missing), let chosen = band(bands, m, value, higherIsBetter: true) {
                steps.append(.band(term: nil, value: value, band: chosen, result: bands[chosen].result))
                score = bands[chosen].result
            } else {
                score = nil
            }
        case .choice(let name, let scores):
            if case .choice(let option)? = value(name, &missing), let points = scores[option] {
                steps.append(.choice(slot: name.slot, value: option, score: points))
                score = points
            } else {
                score = nil
            }
        case .linear(let name, let base, let baseline, let per, let floor):
            if let value = number(name, &missing) {
                let raw = base + (value - baseline) * per
                steps.append(.linear(slot: name.slot, value: value, base: base, baseline: baseline, per: per, raw: raw))
                let floored = ExactDecimal.max(raw, floor)
                score = item.mayExceedMax ? floored : ExactDecimal.min(floored, item.max)
            } else {
                score = nil
            }
        case .timely(let name, let from, let to, let days, let atLeast):
            if let t = tally(name, from: from, to: to, workingDays: days, &missing) {
                let ok = t.records >= atLeast && t.late == 0 && t.missing == 0
                steps.append(
                    .timely(
                        slot: name.slot, records: t.records, late: t.late, missing: t.missing, atLeast: atLeast,
                        workingDays: days, ok: ok))
                score = ok ? item.max : .zero
            } else {
                score = nil
            }
        case .manual(let name):
            if let value = number(name, &missing)?.rounded(places: 2) {
                steps.append(.manual(slot: name.slot, value: value))
                score = value.clamped(.zero, item.max)
            } else {
                score = nil
            }
        case .raters(let groups, let scale):
            var parts: [RaterPart] = []
            var kept: [(score: ExactDecimal, weight: ExactDecimal)] = []
            var groupSlots: [Int] = []
            for group in groups {
                let weight = scheme.parameter(group.weightParameter, overrides: context.parameters) ?? .zero
                groupSlots.append(group.fact.slot)
                if let tally = tallies[group.fact.slot] {
                    parts.append(RaterPart(slot: group.fact.slot, score: tally.mean, weight: weight, tally: tally))
                    if let mean = tally.mean { kept.append((mean, weight)) }
                } else if let value = number(group.fact, &missing) {
                    parts.append(RaterPart(slot: group.fact.slot, score: value, weight: weight, tally: nil))
                    kept.append((value, weight))
                }
            }
            if missing.isEmpty, let average = RaterArithmetic.weightedScore(kept) {
                steps.append(.raters(groups: parts, average: average, scale: scale))
                score = RaterArithmetic.itemScore(weighted: average, max: item.max, scale: scale)
                    .clamped(.zero, item.max)
            } else {
                // Every group left out (or weightless): pending on the groups.
                if missing.isEmpty { missing = groupSlots }
                score = nil
            }
        }
        if let score, missing.isEmpty {
            return ItemResult(
                itemID: item.id, kind: kind, score: score, max: item.max, state: .scored, steps: steps, rawAmount: raw)
        }
        return ItemResult(
            itemID: item.id, kind: kind, score: .zero, max: item.max,
            state: .pending(missing: missing.map(qualifiedName)), steps: [], rawAmount: .zero)
    }
}
