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
        w.field("scheme", scheme.id, first: true)
        w.field("title", scheme.title)
        w.memberKey("units")
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
        w.field("id", r.id, first: true)
        w.field("name", r.name)
        if let type = r.unitType {
            w.field("type", type)
        }
        w.field("total", r.total)
        w.field("base", r.base)
        w.field("base_max", r.baseMax)
        w.field("bonus", r.bonus)
        w.field("penalty", r.penalty)
        if let annual = r.annual {
            w.field("annual", annual)
        }
        w.memberKey("grade")
        if let grade = r.grade { w.string(grade) } else { w.null() }
        w.field("downgrade", r.downgrade)
        w.memberKey("downgrade_reasons")
        w.strings(r.downgradeReasons)
        w.field("complete", r.complete)
        w.memberKey("pending")
        w.strings(r.pending)
        w.field("rank", r.rank)
        w.memberKey("items")
        w.raw("{")
        for (i, item) in r.items.enumerated() {
            if i > 0 { w.raw(",") }
            w.key(item.itemID)
            w.raw("{")
            w.field("score", item.score, first: true)
            w.field("max", item.max)
            w.memberKey("state")
            switch item.state {
            case .scored: w.string("scored")
            case .pending: w.string("pending")
            case .zeroedByEffect: w.string("zeroed")
            }
            w.field("explain", explainer.explain(item, facts: facts))
            w.raw("}")
        }
        w.raw("}}")
    }
}
