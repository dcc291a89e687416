import KaoheApplication
import KaoheEngine
import KaoheStorage

extension Views {
    /// A unit's whole score sheet in one form: every item the viewer may record, saved in one go. Field names
    /// carry the item (`v.<item>` the version, `i.<item>.f.<fact>…` the facts); `retained` puts back what an item
    /// that was not saved had typed, `messages` say why.
    public static func unitEntry(
        _ model: UnitScoring, retained: [String: ItemFormOverride] = [:], messages: [String: String] = [:],
        identity: Identity, csrf: String, error: String? = nil
    ) -> HTML {
        let a = model.assessment.id, u = model.unit.id
        let groups = model.groups.filter { model.editable.contains($0.id) }
        let sections: [HTML] = groups.map { group in
            let kept = retained[group.id]
            let values = model.facts.values[group.id] ?? [:]
            let form = kept?.form ?? FactForm.fields(values, specs: group.specs)
            let version = kept?.version ?? model.records[group.id]?.version ?? 0
            var score: HTML = ""
            if let item = group.item, let result = model.itemResult(item.id) {
                if case .pending = result.state {
                    score = "<span class=\"score pending\">待评 / \(result.max.description)分</span>"
                } else {
                    score = "<span class=\"score\">得分 \(result.score.description) / \(result.max.description)分</span>"
                }
            }
            let message: HTML = messages[group.id].map { "<p class=\"error\" role=\"alert\">\($0)</p>" } ?? ""
            return """
                <fieldset class="entry-item\(messages[group.id] == nil ? "" : " refused")" id="item-\(group.id)"><legend>\(group.title) \(score)</legend>\(message)
                <input type="hidden" name="v.\(group.id)" value="\(version)">\(factInputs(model, group: group, form: form, prefix: "i.\(group.id)."))</fieldset>
                """
        }
        let body: HTML =
            groups.isEmpty
            ? "<p class=\"notice\">\(model.lockedReason ?? "没有您可以录入的项目。")</p>"
            : """
            <form method="post" action="\(SiteURL.unitEntry(.value(a), .value(u)))" class="entry-sheet">\(csrfField(csrf))
            <p class="no-print"><button type="submit">保存整表</button> <span class="muted">只保存有改动的项目；某一项冲突或有误时，其余项目照常保存。</span></p>
            \(sections)
            <label>修改原因（可空，记入审计日志）<input name="reason"></label>
            <p><button type="submit">保存整表</button></p></form>
            """
        return layout(
            title: "整表录入：\(model.unit.code) \(model.unit.name)", identity: identity, csrf: csrf, error: error,
            content: """
                <p>\(model.assessment.title) · 总分 <b id="unit-total">\(model.result.total.description)</b> · \(link(.unitScoring(.value(a), .value(u)), "逐项评分页（问题记录、计分说明）"))</p>
                \(body)
                """)
    }

    static let unitEntryCSS = """
        fieldset.entry-item { background: #fff; margin: .8em 0; display: grid; gap: .5em; }
        fieldset.entry-item legend { font-weight: bold; } fieldset.entry-item.refused { border-color: var(--accent); }
        """
}
