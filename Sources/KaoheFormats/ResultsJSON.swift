import KaoheEngine

/// Writes scoring results in the `kaohe score` JSON contract.
public enum ResultsJSON {
    /// The whole results document in memory.
    public static func encode(scheme: Scheme, units: [UnitInput], results: [UnitResult], pretty: Bool = false)
        -> [UInt8]
    {
        var all: [UInt8] = []
        all.reserveCapacity(results.count * 4096 + 256)
        encode(scheme: scheme, units: units, results: results, pretty: pretty) { all.append(contentsOf: $0) }
        return all
    }

    /// Streams the results document in chunks of about `chunkSize` bytes, so large outputs need little memory.
    public static func encode(
        scheme: Scheme, units: [UnitInput], results: [UnitResult], pretty: Bool = false, chunkSize: Int = 1 << 20,
        output: ([UInt8]) -> Void
    ) {
        var explainer = CachingExplainer(explainer: Explainer(scheme: scheme))
        var w = JSONWriter(capacity: chunkSize + 8192)
        let newline = pretty ? "\n" : ""
        w.raw("{")
        w.key("scheme")
        w.string(scheme.id)
        w.raw(",")
        w.key("title")
        w.string(scheme.title)
        w.raw(",")
        w.key("units")
        w.raw("[" + newline)
        for (index, result) in results.enumerated() {
            if index > 0 { w.raw("," + newline) }
            write(result, facts: units[index].facts, scheme: scheme, explainer: &explainer, into: &w)
            if w.bytes.count >= chunkSize {
                output(w.bytes)
                w.removeAll()
            }
        }
        w.raw(newline + "]}" + newline)
        output(w.bytes)
    }

    /// Explanations of items without steps depend only on the item and its score: compute them once.
    struct CachingExplainer {
        let explainer: Explainer
        var plain: [String: (ExactDecimal, String)] = [:]

        mutating func explain(_ item: ItemResult, facts: FactSheet) -> String {
            guard item.steps.isEmpty, case .scored = item.state else { return explainer.explain(item, facts: facts) }
            if let (score, text) = plain[item.itemID], score == item.score { return text }
            let text = explainer.explain(item, facts: facts)
            plain[item.itemID] = (item.score, text)
            return text
        }
    }

    static func write(
        _ r: UnitResult, facts: FactSheet, scheme: Scheme, explainer: inout CachingExplainer, into w: inout JSONWriter
    ) {
        w.raw("{")
        w.key("id")
        w.string(r.id)
        w.raw(",")
        w.key("name")
        w.string(r.name)
        if let type = r.unitType {
            w.raw(",")
            w.key("type")
            w.string(type)
        }
        w.raw(",")
        w.key("total")
        w.number(r.total)
        w.raw(",")
        w.key("base")
        w.number(r.base)
        w.raw(",")
        w.key("base_max")
        w.number(r.baseMax)
        w.raw(",")
        w.key("bonus")
        w.number(r.bonus)
        w.raw(",")
        w.key("penalty")
        w.number(r.penalty)
        if let annual = r.annual {
            w.raw(",")
            w.key("annual")
            w.number(annual)
        }
        w.raw(",")
        w.key("grade")
        if let grade = r.grade { w.string(grade) } else { w.null() }
        w.raw(",")
        w.key("downgrade")
        w.bool(r.downgrade)
        w.raw(",")
        w.key("downgrade_reasons")
        w.raw("[")
        for (i, reason) in r.downgradeReasons.enumerated() {
            if i > 0 { w.raw(",") }
            w.string(reason)
        }
        w.raw("],")
        w.key("complete")
        w.bool(r.complete)
        w.raw(",")
        w.key("pending")
        w.raw("[")
        for (i, id) in r.pending.enumerated() {
            if i > 0 { w.raw(",") }
            w.string(id)
        }
        w.raw("],")
        w.key("rank")
        w.number(r.rank)
        w.raw(",")
        w.key("items")
        w.raw("{")
        for (i, item) in r.items.enumerated() {
            if i > 0 { w.raw(",") }
            w.key(item.itemID)
            w.raw("{")
            w.key("score")
            w.number(item.score)
            w.raw(",")
            w.key("max")
            w.number(item.max)
            w.raw(",")
            w.key("state")
            switch item.state {
            case .scored: w.string("scored")
            case .pending: w.string("pending")
            case .zeroedByEffect: w.string("zeroed")
            }
            w.raw(",")
            w.key("explain")
            w.string(explainer.explain(item, facts: facts))
            w.raw("}")
        }
        w.raw("}}")
    }
}
