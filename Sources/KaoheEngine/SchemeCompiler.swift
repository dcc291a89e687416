/// Resolves fact names to slots and checks everything a scheme file can get wrong.
struct SchemeCompiler {
    var issues: [SchemeIssue] = []
    var slots: [FactSlot] = []
    var slotIndex: [String: [String: Int]] = [:]
    var itemPositions: [String: (category: Int, item: Int)] = [:]
    var parameterIDs: Set<String> = []

    mutating func fail(_ location: SchemeLocation, _ message: String) {
        issues.append(SchemeIssue(location, message))
    }

    mutating func compile(_ scheme: inout Scheme) {
        parameterIDs = Set(scheme.parameters.map(\.id))
        if scheme.id.isEmpty { fail(.scheme(field: "id"), "方案缺少 id") }
        let typeIDs = Set(scheme.unitTypes.map(\.id))
        var seenParameters: Set<String> = []
        for parameter in scheme.parameters where !seenParameters.insert(parameter.id).inserted {
            fail(.parameter(parameter.id), "参数“\(parameter.id)”重复定义")
        }
        if let annual = scheme.annualWeightParameter, !parameterIDs.contains(annual) {
            fail(.scheme(field: "annual_weight"), "年度折算引用了未定义的参数“\(annual)”")
        }

        // Pass 1: register items and fact slots.
        var seenCategories: Set<String> = []
        for (c, category) in scheme.categories.enumerated() {
            if !seenCategories.insert(category.id).inserted {
                fail(.category(category.id), "类别“\(category.id)”重复定义")
            }
            if category.kind != .base && category.cap == nil {
                fail(.category(category.id), "加分/减分类别“\(category.name)”须给出上限 cap")
            }
            if category.items.isEmpty { fail(.category(category.id), "类别“\(category.name)”没有任何考核项") }
            for (i, item) in category.items.enumerated() {
                if item.id == downgradeGroupID {
                    fail(.item(item.id), "考核项编号“\(downgradeGroupID)”保留给降档事实")
                } else if itemPositions[item.id] != nil {
                    fail(.item(item.id), "考核项“\(item.id)”重复定义")
                    continue
                }
                itemPositions[item.id] = (c, i)
                if item.max <= .zero { fail(.item(item.id), "考核项“\(item.id)”的分值必须大于0") }
                for type in item.unitTypes where !typeIDs.contains(type) {
                    fail(.item(item.id), "考核项“\(item.id)”引用了未定义的单位类型“\(type)”")
                }
                register(group: item.id, facts: item.facts, location: { .fact(item: item.id, fact: $0) })
            }
        }
        register(group: downgradeGroupID, facts: scheme.downgradeFacts, location: { _ in .downgrade(-1) })

        // Totals: base maxima must add up to the declared total, for every unit type.
        let typesToCheck: [String?] = scheme.unitTypes.isEmpty ? [nil] : scheme.unitTypes.map(\.id)
        for type in typesToCheck {
            let sum = scheme.baseMaximum(for: type)
            if sum != scheme.total {
                let who = type.map { "单位类型“\($0)”的" } ?? ""
                fail(
                    .scheme(field: "total"),
                    "\(who)基础考核项分值合计为\(sum)分，与方案声明的总分\(scheme.total)分不符")
            }
        }
        for category in scheme.categories where category.kind != .base {
            if let cap = category.cap {
                let sum = category.items.reduce(ExactDecimal.zero) { $0 + $1.max }
                if cap > sum {
                    fail(.category(category.id), "类别“\(category.name)”的上限\(cap)分超过其各项分值合计\(sum)分")
                }
            }
        }

        // Pass 2: resolve references inside rules.
        var categories = scheme.categories
        for c in categories.indices {
            for i in categories[c].items.indices {
                var item = categories[c].items[i]
                let context = Context(group: item.id, location: .item(item.id), allowTotal: false)
                item.rule = resolve(item.rule, item: item, context)
                for constraint in item.constraints {
                    for name in [constraint.fact, constraint.atMost] {
                        if let spec = item.facts.first(where: { $0.name == name }) {
                            if spec.type != .count && !isNumeric(spec.type) {
                                fail(.item(item.id), "考核项“\(item.id)”的约束只能用于数值事实，“\(name)”不是")
                            }
                        } else {
                            fail(.item(item.id), "考核项“\(item.id)”的约束引用了未定义的事实“\(name)”")
                        }
                    }
                }
                if item.mayExceedMax, case .linear = item.rule {
                } else if item.mayExceedMax {
                    fail(.item(item.id), "考核项“\(item.id)”：只有 linear 规则可以超过满分")
                }
                categories[c].items[i] = item
            }
        }
        var effects = scheme.effects
        for e in effects.indices {
            let context = Context(group: nil, location: .effect(e), allowTotal: false)
            effects[e].condition = resolve(effects[e].condition, context)
            if effects[e].zeroItems.isEmpty { fail(.effect(e), "第\(e + 1)条联动规则没有列出被清零的考核项") }
            for target in effects[e].zeroItems where itemPositions[target] == nil {
                fail(.effect(e), "第\(e + 1)条联动规则引用了不存在的考核项“\(target)”")
            }
        }
        var triggers = scheme.downgradeTriggers
        for t in triggers.indices {
            let context = Context(group: downgradeGroupID, location: .downgrade(t), allowTotal: true)
            triggers[t].condition = resolve(triggers[t].condition, context)
        }
        if !scheme.grades.isEmpty {
            checkCoverage(
                scheme.grades.map(\.interval), domain: Interval(), integers: false, location: .grades, what: "等级划分")
        }
        scheme.setCompiled(
            categories: categories, effects: effects, triggers: triggers, slots: slots, slotIndex: slotIndex,
            itemPositions: itemPositions)
    }

    mutating func register(group: String, facts: [FactSpec], location: (String) -> SchemeLocation) {
        var names: [String: Int] = [:]
        for spec in facts {
            if names[spec.name] != nil {
                fail(location(spec.name), "“\(group)”的事实“\(spec.name)”重复定义")
                continue
            }
            switch spec.type {
            case .choice(let options), .levels(let options), .dates(let options):
                if options.isEmpty { fail(location(spec.name), "事实“\(spec.name)”没有列出可选值") }
                if Set(options.map(\.id)).count != options.count {
                    fail(location(spec.name), "事实“\(spec.name)”的可选值重复")
                }
            case .number(let min?, let max?) where min > max:
                fail(location(spec.name), "事实“\(spec.name)”的最小值大于最大值")
            default: break
            }
            names[spec.name] = slots.count
            slots.append(FactSlot(group: group, spec: spec))
        }
        slotIndex[group] = names
    }

    struct Context {
        var group: String?
        var location: SchemeLocation
        var allowTotal: Bool
    }

    func spec(_ slot: Int) -> FactSpec { slots[slot].spec }

    /// Resolves a fact name to its slot and checks its type.
    mutating func resolve(
        _ name: FactName, _ context: Context, expect: String, _ accepts: (FactType) -> Bool
    ) -> FactName {
        var resolved = name
        guard let group = name.group ?? context.group else {
            fail(context.location, "事实“\(name.name)”须指明所属考核项（item）")
            return resolved
        }
        if group != downgradeGroupID && itemPositions[group] == nil {
            fail(context.location, "引用了不存在的考核项“\(group)”")
            return resolved
        }
        guard let slot = slotIndex[group]?[name.name] else {
            fail(context.location, "引用了“\(group)”中未定义的事实“\(name.name)”")
            return resolved
        }
        resolved.group = group
        resolved.slot = slot
        if !accepts(spec(slot).type) {
            fail(context.location, "事实“\(group)/\(name.name)”的类型是 \(spec(slot).type.name)，此处需要 \(expect)")
        }
        return resolved
    }

    func isNumeric(_ type: FactType) -> Bool {
        switch type {
        case .count, .rate, .number: true
        default: false
        }
    }

    mutating func resolve(_ measure: Measure, _ context: Context) -> Measure {
        switch measure {
        case .fact(let name):
            return .fact(resolve(name, context, expect: "count、rate 或 number", isNumeric))
        case .sum(let names):
            if names.isEmpty { fail(context.location, "sum 至少需要一个事实") }
            return .sum(names.map { resolve($0, context, expect: "count") { $0 == .count } })
        case .ratio(let numerator, let denominator, let whenZero):
            return .ratio(
                numerator: resolve(numerator, context, expect: "count") { $0 == .count },
                denominator: resolve(denominator, context, expect: "count") { $0 == .count },
                whenZero: whenZero)
        }
    }

    /// Domain of a measure, for band coverage checks.
    func domain(_ measure: Measure) -> (Interval, integers: Bool) {
        let nonNegative = Interval(lower: Bound(.zero, inclusive: true))
        switch measure {
        case .sum: return (nonNegative, true)
        case .ratio: return (Interval(lower: Bound(.zero, inclusive: true), upper: Bound(.one, inclusive: true)), false)
        case .fact(let name):
            guard name.slot >= 0 else { return (Interval(), false) }
            switch spec(name.slot).type {
            case .count: return (nonNegative, true)
            case .rate:
                return (Interval(lower: Bound(.zero, inclusive: true), upper: Bound(.one, inclusive: true)), false)
            case .number(let min, let max):
                return (
                    Interval(
                        lower: min.map { Bound($0, inclusive: true) }, upper: max.map { Bound($0, inclusive: true) }),
                    false
                )
            default: return (Interval(), false)
            }
        }
    }

    mutating func resolve(_ condition: Condition, _ context: Context) -> Condition {
        switch condition {
        case .isTrue(let name): return .isTrue(resolve(name, context, expect: "bool") { $0 == .bool })
        case .isFalse(let name): return .isFalse(resolve(name, context, expect: "bool") { $0 == .bool })
        case .compare(let measure, let comparison, let operand):
            let measure = resolve(measure, context)
            switch operand {
            case .constant: return .compare(measure, comparison, operand)
            case .scaledFact(let name, let factor):
                return .compare(
                    measure, comparison,
                    .scaledFact(resolve(name, context, expect: "count、rate 或 number", isNumeric), factor: factor))
            }
        case .any(let list):
            if list.isEmpty { fail(context.location, "any 条件列表为空") }
            return .any(list.map { resolve($0, context) })
        case .all(let list):
            if list.isEmpty { fail(context.location, "all 条件列表为空") }
            return .all(list.map { resolve($0, context) })
        case .totalBelow:
            if !context.allowTotal { fail(context.location, "total_below 只能用于降档条件") }
            return condition
        }
    }

    mutating func resolveDates(
        _ name: FactName, from: String, to: String, days: Int, _ context: Context
    ) -> FactName {
        let resolved = resolve(name, context, expect: "dates") {
            if case .dates = $0 { true } else { false }
        }
        if resolved.slot >= 0, case .dates(let fields) = spec(resolved.slot).type {
            for field in [from, to] where !fields.contains(where: { $0.id == field }) {
                fail(context.location, "事实“\(name.name)”没有日期字段“\(field)”")
            }
        }
        if days < 1 { fail(context.location, "工作日期限必须至少为1天") }
        return resolved
    }

    mutating func resolve(_ term: Term, item: Item, _ context: Context) -> Term {
        switch term {
        case .perCount(let name, let points):
            return .perCount(resolve(name, context, expect: "count") { $0 == .count }, points: points)
        case .points(let points, let condition): return .points(points, when: resolve(condition, context))
        case .zero(let condition): return .zero(when: resolve(condition, context))
        case .fractionOfMax(let fraction, let condition):
            if fraction <= .zero || fraction > .one { fail(context.location, "fraction 必须在 (0, 1] 之间") }
            return .fractionOfMax(fraction, when: resolve(condition, context))
        case .banded(let measure, let bands):
            let measure = resolve(measure, context)
            checkBands(bands, measure: measure, context)
            return .banded(measure, bands)
        case .lateDates(let name, let from, let to, let days, let perLate, let perMissing):
            return .lateDates(
                resolveDates(name, from: from, to: to, days: days, context), from: from, to: to, workingDays: days,
                perLate: perLate, perMissing: perMissing)
        case .monthsShort(let name, let atLeast, let points):
            return .monthsShort(
                resolve(name, context, expect: "counts12") { $0 == .counts12 }, atLeast: atLeast, points: points)
        case .perLevel(let name, let points):
            let resolved = resolve(name, context, expect: "levels") {
                if case .levels = $0 { true } else { false }
            }
            if resolved.slot >= 0, case .levels(let options) = spec(resolved.slot).type {
                for option in options where points[option.id] == nil {
                    fail(context.location, "级别“\(option.id)”没有给出分值")
                }
                for key in points.keys where !options.contains(where: { $0.id == key }) {
                    fail(context.location, "事实“\(name.name)”没有级别“\(key)”")
                }
            }
            return .perLevel(resolved, points)
        case .value(let name):
            return .value(
                resolve(name, context, expect: "number") {
                    if case .number = $0 { true } else { false }
                })
        }
    }

    mutating func resolve(_ rule: Rule, item: Item, _ context: Context) -> Rule {
        switch rule {
        case .pass(let name): return .pass(resolve(name, context, expect: "bool") { $0 == .bool })
        case .deduct(let terms):
            if terms.isEmpty { fail(context.location, "deduct 规则至少需要一条扣分项") }
            return .deduct(terms.map { resolve($0, item: item, context) })
        case .award(let terms):
            if terms.isEmpty { fail(context.location, "award 规则至少需要一条加分项") }
            for term in terms {
                if case .zero = term { fail(context.location, "award 规则中不能使用 zero_if") }
            }
            return .award(terms.map { resolve($0, item: item, context) })
        case .bands(let measure, let bands):
            let measure = resolve(measure, context)
            checkBands(bands, measure: measure, context)
            for band in bands where band.result > item.max || band.result < .zero {
                fail(context.location, "考核项“\(item.id)”的分档得分\(band.result)超出 0—\(item.max)")
            }
            return .bands(measure, bands)
        case .choice(let name, let scores):
            let resolved = resolve(name, context, expect: "enum") {
                if case .choice = $0 { true } else { false }
            }
            if resolved.slot >= 0, case .choice(let options) = spec(resolved.slot).type {
                for option in options where scores[option.id] == nil {
                    fail(context.location, "选项“\(option.id)”没有给出分值")
                }
                for key in scores.keys where !options.contains(where: { $0.id == key }) {
                    fail(context.location, "事实“\(name.name)”没有选项“\(key)”")
                }
            }
            for (_, score) in scores where score > item.max || score < .zero {
                fail(context.location, "考核项“\(item.id)”的选项得分\(score)超出 0—\(item.max)")
            }
            return .choice(resolved, scores)
        case .linear(let name, let base, let baseline, let per, let floor):
            return .linear(
                resolve(name, context, expect: "count、rate 或 number", isNumeric), base: base, baseline: baseline,
                per: per, floor: floor)
        case .timely(let name, let from, let to, let days, let atLeast):
            return .timely(
                resolveDates(name, from: from, to: to, days: days, context), from: from, to: to, workingDays: days,
                atLeast: atLeast)
        case .manual(let name):
            let resolved = resolve(name, context, expect: "number") {
                if case .number = $0 { true } else { false }
            }
            return .manual(resolved)
        case .raters(let groups, let scale):
            if groups.isEmpty { fail(context.location, "raters 至少需要一个评议组") }
            if scale <= .zero { fail(context.location, "raters 的 scale 必须大于0") }
            return .raters(
                groups.map { group in
                    if !parameterIDs.contains(group.weightParameter) {
                        fail(context.location, "评议组引用了未定义的权重参数“\(group.weightParameter)”")
                    }
                    return RaterGroup(
                        fact: resolve(group.fact, context, expect: "number") {
                            if case .number = $0 { true } else { false }
                        }, weightParameter: group.weightParameter)
                }, scale: scale)
        }
    }

    mutating func checkBands(_ bands: [Band], measure: Measure, _ context: Context) {
        if bands.isEmpty {
            fail(context.location, "分档列表为空")
            return
        }
        let (domain, integers) = domain(measure)
        checkCoverage(bands.map(\.interval), domain: domain, integers: integers, location: context.location, what: "分档")
    }

    /// A position on the extended number line just before (−1) or just after (+1) a value.
    struct Cut: Comparable {
        var infinity: Int  // −1 = −∞, 0 = finite, +1 = +∞
        var value: ExactDecimal
        var side: Int
        static func < (a: Cut, b: Cut) -> Bool {
            if a.infinity != b.infinity { return a.infinity < b.infinity }
            if a.value != b.value { return a.value < b.value }
            return a.side < b.side
        }
        static let minusInfinity = Cut(infinity: -1, value: .zero, side: 0)
        static let plusInfinity = Cut(infinity: 1, value: .zero, side: 0)
        static func start(_ bound: Bound?) -> Cut {
            bound.map { Cut(infinity: 0, value: $0.value, side: $0.inclusive ? -1 : 1) } ?? .minusInfinity
        }
        static func end(_ bound: Bound?) -> Cut {
            bound.map { Cut(infinity: 0, value: $0.value, side: $0.inclusive ? 1 : -1) } ?? .plusInfinity
        }
        var text: String { infinity < 0 ? "−∞" : infinity > 0 ? "+∞" : value.description }
    }

    /// Bands must cover the domain without gaps; neighbours may share one boundary point
    /// (it goes to the more favourable band), never more.
    mutating func checkCoverage(
        _ intervals: [Interval], domain: Interval, integers: Bool, location: SchemeLocation, what: String
    ) {
        let domainStart = Cut.start(domain.lower)
        let domainEnd = Cut.end(domain.upper)
        var spans: [(start: Cut, end: Cut, text: String)] = []
        for interval in intervals {
            let start = max(Cut.start(interval.lower), domainStart)
            let end = min(Cut.end(interval.upper), domainEnd)
            if end < start || (end == start) {
                fail(location, "\(what)“\(interval.text(percent: false))”为空或不在取值范围内")
                continue
            }
            spans.append((start, end, interval.text(percent: false)))
        }
        spans.sort { $0.start < $1.start }
        var covered = domainStart
        for span in spans {
            if span.start < covered {
                let sharedPoint =
                    span.start.infinity == 0 && covered.infinity == 0 && span.start.value == covered.value
                    && span.start.side == -1 && covered.side == 1
                if !sharedPoint { fail(location, "\(what)“\(span.text)”与其他分档重叠") }
            } else if covered < span.start && !(integers && noIntegerBetween(covered, span.start)) {
                fail(location, "\(what)在\(covered.text)与\(span.start.text)之间有空档")
            }
            covered = max(covered, span.end)
        }
        if covered < domainEnd && !(integers && noIntegerBetween(covered, domainEnd)) {
            fail(location, "\(what)未覆盖\(covered.text)以上的取值")
        }
    }

    /// For integer-valued measures: whether the gap between two cuts holds no integer.
    func noIntegerBetween(_ from: Cut, _ to: Cut) -> Bool {
        guard from.infinity == 0 else { return false }
        guard to.infinity == 0 else { return false }
        let floorUnits =
            from.value.units >= 0
            ? (from.value.units / ExactDecimal.scale) * ExactDecimal.scale
            : -(((-from.value.units) + ExactDecimal.scale - 1) / ExactDecimal.scale) * ExactDecimal.scale
        var candidate = ExactDecimal(units: floorUnits)
        if candidate < from.value || (candidate == from.value && from.side == 1) { candidate += .one }
        return !(Cut(infinity: 0, value: candidate, side: 1) <= to)
    }
}
