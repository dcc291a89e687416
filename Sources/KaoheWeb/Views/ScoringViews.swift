import Foundation
import KaoheApplication
import KaoheEngine
import KaoheFormats
import KaoheStorage

extension Views {
    /// What a failed or conflicting save puts back into one item's form, so nothing typed is lost.
    public struct ItemFormOverride: Sendable {
        /// The group (item id or `downgrade`).
        public var group: String
        /// The submitted fields.
        public var form: FormData
        /// The version to submit next (the current one after a conflict).
        public var version: Int?
        /// After a conflict: the record the other person saved.
        public var conflict: FactsRecord?
    }

    /// The scoring page of one unit: the scheme's score sheet, one form per item.
    public static func unitScoring(
        _ model: UnitScoring, retained: ItemFormOverride? = nil, identity: Identity, csrf: String,
        notice: String? = nil, error: String? = nil
    ) -> HTML {
        let a = model.assessment.id, u = model.unit.id
        let result = model.result
        let downgrade: HTML =
            result.downgrade
            ? "<span class=\"tag warn\">降档：\(result.downgradeReasons.joined(separator: "；"))</span>" : ""
        let pendingText: HTML =
            result.pending.isEmpty
            ? "<span class=\"muted\">全部项目已评</span>"
            : "<span class=\"tag warn\">待评\(result.pending.count)项：\(result.pending.joined(separator: "、"))</span>"
        let summary: HTML = """
            <div class="stats">
            <div class="stat"><b id="unit-total">\(result.total.description)</b>总分</div>
            <div class="stat"><b>\(result.base.description)</b>基础分（满分\(result.baseMax.description)）</div>
            <div class="stat"><b>\(result.bonus.description)</b>加分</div>
            <div class="stat"><b>\(result.penalty.description)</b>扣分</div>
            <div class="stat"><b>\(result.grade ?? "—")</b>等级</div>
            </div>
            <p>\(pendingText) \(downgrade)</p>
            <p class="buttons">\(model.editable.isEmpty ? "" : link(.unitEntry(.value(a), .value(u)), "整表录入（一次保存全部项目）")) \(link(.unitSheet(.value(a), .value(u)), "评分表（打印）")) \(link(.unitAudit(.value(a), .value(u)), "修改记录")) \(link(.results(.value(a)), "考核结果")) \(link(.assessment(.value(a)), "返回考核"))</p>
            """
        let locked: HTML = model.lockedReason.map { "<p class=\"notice\">\($0)</p>" } ?? ""
        let sections = model.groups.map { group in
            itemSection(model, group: group, retained: retained?.group == group.id ? retained : nil, csrf: csrf)
        }
        return layout(
            title: "评分：\(model.unit.code) \(model.unit.name)", identity: identity, csrf: csrf, notice: notice,
            error: error,
            content: """
                <p>\(model.assessment.title) · 方案 <code>\(model.scheme.id)</code> · \(model.unit.type.displayName)</p>
                \(summary)\(locked)\(sections)
                """)
    }

    static func itemSection(_ model: UnitScoring, group: ScoreGroup, retained: ItemFormOverride?, csrf: String) -> HTML
    {
        let a = model.assessment.id, u = model.unit.id
        let values = model.facts.values[group.id] ?? [:]
        let record = model.records[group.id]
        let editable = model.editable.contains(group.id)
        var head: HTML = "<h2>\(group.title)</h2>"
        var explanation: HTML = ""
        if let item = group.item, let itemResult = model.itemResult(item.id) {
            let pending: Bool
            if case .pending = itemResult.state { pending = true } else { pending = false }
            head = """
                <h2>\(group.title) <span class="score\(pending ? " pending" : "")">\(pending ? "待评" : "得分 \(itemResult.score.description)") / \(itemResult.max.description)分</span></h2>
                """
            let text = Explainer(scheme: model.scheme).explain(itemResult, facts: model.facts.sheet)
            var rectify: HTML = ""
            if editable && !pending && itemResult.kind == .base && itemResult.score < itemResult.max {
                let lost = itemResult.max - itemResult.score
                let url = SiteURL.ledger(.value(a)).withQuery([
                    ("unit", u.rawValue), ("item", item.id), ("source", "deduction"),
                    ("problem", "\(group.title)扣\(lost.description)分：\(text)"),
                ])
                rectify = " \(link(url, "就本项扣分建立整改事项"))"
            }
            explanation = """
                <p class="muted">\(item.content)</p><p><b>考核标准：</b>\(item.standard)</p>
                <p class="explain" id="explain-\(item.id)"><b>计分：</b>\(text)\(rectify)</p>
                """
        } else if group.item == nil {
            let reasons = model.result.downgradeReasons
            explanation =
                reasons.isEmpty
                ? "<p class=\"explain\">未触发降档。</p>"
                : "<p class=\"explain tag warn\">降档：\(reasons.joined(separator: "；"))</p>"
        } else {
            explanation = "<p class=\"muted\">该项目不适用于本单位。</p>"
        }
        let problems: HTML =
            (model.facts.problems[group.id] ?? []).isEmpty
            ? ""
            : "<ul class=\"errors\">\((model.facts.problems[group.id] ?? []).map { "<li>\($0)</li>" as HTML })</ul>"
        let saved: HTML =
            record.map {
                "<p class=\"muted\">第\($0.version)版，\(model.userNames[$0.updatedBy ?? UserID("")] ?? "系统") 保存于 \(timeText($0.updatedAt))</p>"
            } ?? ""
        var conflictBox: HTML = ""
        if let retained, let theirs = retained.conflict {
            let theirValues =
                FactsAssembly.assemble(records: [theirs], findings: [], scheme: model.scheme)
                .values[group.id] ?? [:]
            let rows: [HTML] = group.specs.map {
                "<tr><td>\($0.label)</td><td>\(FactForm.display(theirValues[$0.name], spec: $0))</td></tr>"
            }
            conflictBox = """
                <div class="error conflict" role="alert"><p><b>保存冲突：</b>\(model.userNames[theirs.updatedBy ?? UserID("")] ?? "其他用户")在您打开页面后保存了本项目（第\(theirs.version)版，\(timeText(theirs.updatedAt))）。您的输入尚未保存，仍在下面的表单中；对方保存的值：</p>
                <table><tbody>\(rows)</tbody></table><p>核对后可再次保存，以您的输入覆盖对方的值。</p></div>
                """
        }
        let body: HTML
        if editable {
            let form = retained?.form ?? FactForm.fields(values, specs: group.specs)
            let version = retained?.version ?? record?.version ?? 0
            let inputs = factInputs(model, group: group, form: form)
            body = """
                <form method="post" action="\(SiteURL.itemForm(.value(a), .value(u), .value(group.id)))" class="card facts">\(csrfField(csrf))
                <input type="hidden" name="version" value="\(version)">
                \(inputs)
                <label>修改原因（可空，记入审计日志）<input name="reason"></label>
                <button type="submit">保存本项</button></form>
                """
        } else {
            let rows: [HTML] = group.specs.map {
                "<tr><td>\($0.label)</td><td>\(FactForm.display(values[$0.name], spec: $0))</td></tr>"
            }
            body = "<table class=\"facts\"><tbody>\(rows)</tbody></table>"
        }
        let gridLink: HTML =
            editable && group.item != nil
            ? "<p class=\"no-print\">\(link(.itemGrid(.value(a), .value(group.id)), "本项目全部单位一张表录入"))</p>" : ""
        let findings = findingsBlock(model, group: group, editable: editable, csrf: csrf)
        let derived: HTML =
            "\(derivedBlock(model, group: group, editable: editable, csrf: csrf))\(ledgerBlock(model, group: group))"
        return """
            <section class="item" id="item-\(group.id)">\(head)\(explanation)\(problems)\(conflictBox)\(derived)\(saved)\(body)\(gridLink)\(findings)\(itemHistory(model, group: group))</section>
            """
    }

    static func timeText(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "zh_CN")
        formatter.timeZone = TimeZone(identifier: "Asia/Shanghai")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: date)
    }

    /// The input(s) of one fact, filled from `form`.
    /// The inputs of a group's facts filled from `form`; facts fed by platform records, the ledger or findings
    /// are shown, not entered. Field names carry `prefix` (a whole sheet has every item in one form).
    static func factInputs(_ model: UnitScoring, group: ScoreGroup, form: FormData, prefix: String = "") -> [HTML] {
        let values = model.facts.values[group.id] ?? [:]
        let counted = model.facts.findingCounts[group.id] ?? [:]
        let marks = model.facts.derived[group.id] ?? [:]
        let ledger = model.facts.ledger[group.id] ?? [:]
        return group.specs.map { spec -> HTML in
            if ledger[spec.name] != nil {
                return
                    "<p class=\"fact\">\(spec.label)：<b>\(FactForm.display(values[spec.name], spec: spec))</b> <span class=\"muted\">（由整改台账认定）</span></p>"
            }
            guard marks[spec.name] != nil else {
                return input(spec, form: form, counted: counted[spec.name], prefix: prefix)
            }
            return
                "<p class=\"fact\">\(spec.label)：<b>\(FactForm.display(values[spec.name], spec: spec))</b> <span class=\"muted\">（由平台记录推算）</span></p>"
        }
    }

    static func input(_ spec: FactSpec, form: FormData, counted: Int?, prefix: String = "") -> HTML {
        let name = spec.name
        let field = { (part: String?) in FactForm.field(name, part) }
        let value = { (part: String?) in form.raw(field(part)) ?? "" }
        let required: HTML = spec.isRequired ? "<span class=\"tag warn\">必填</span>" : ""
        let unit = spec.unit.isEmpty ? "" : "（\(spec.unit)）"
        switch spec.type {
        case .bool:
            let current = value(nil)
            let radio = { (v: String, label: String) -> HTML in
                "<label class=\"check\"><input type=\"radio\" name=\"\(prefix)\(field(nil))\" value=\"\(v)\"\(HTML(raw: current == v ? " checked" : ""))>\(label)</label>"
            }
            return
                "<fieldset><legend>\(spec.label)\(required)</legend>\(radio("true", "是"))\(radio("false", "否"))\(radio("", "未填"))</fieldset>"
        case .count:
            if let counted {
                return
                    "<p class=\"fact\">\(spec.label)：<b>\(counted)\(spec.unit)</b> <span class=\"muted\">（由下方问题记录计算）</span></p>"
            }
            return
                "<label>\(spec.label)\(unit)\(required)<input type=\"number\" min=\"0\" step=\"1\" name=\"\(prefix)\(field(nil))\" value=\"\(value(nil))\"></label>"
        case .number(let min, let max):
            let range = [min.map { "不小于\($0)" }, max.map { "不大于\($0)" }].compactMap { $0 }.joined(separator: "，")
            let bounds = HTML(
                raw: (min.map { " min=\"\($0)\"" } ?? "") + (max.map { " max=\"\($0)\"" } ?? ""))
            return
                "<label>\(spec.label)\(unit)\(required)\(range.isEmpty ? "" : "（\(range)）")<input type=\"number\" step=\"any\"\(bounds) name=\"\(prefix)\(field(nil))\" value=\"\(value(nil))\"></label>"
        case .rate:
            return """
                <fieldset><legend>\(spec.label)\(required)</legend>
                <span class="rate"><input class="short" inputmode="decimal" name="\(prefix)\(field("num"))" value="\(value("num"))" placeholder="分子" aria-label="分子"> / <input class="short" inputmode="decimal" name="\(prefix)\(field("den"))" value="\(value("den"))" placeholder="分母" aria-label="分母">
                或 <input class="short" inputmode="decimal" name="\(prefix)\(field("pct"))" value="\(value("pct"))" placeholder="百分比" aria-label="百分比">%</span></fieldset>
                """
        case .choice(let options):
            let current = value(nil)
            return
                "<label>\(spec.label)\(required)<select name=\"\(prefix)\(field(nil))\">\(option("", "（未填）", selected: current.isEmpty))\(options.map { option($0.id, $0.label, selected: current == $0.id) })</select></label>"
        case .levels(let options):
            let cells: [HTML] = options.map {
                "<label class=\"check\">\($0.label) <input class=\"short\" type=\"number\" min=\"0\" step=\"1\" name=\"\(prefix)\(field($0.id))\" value=\"\(value($0.id))\"></label>"
            }
            return "<fieldset><legend>\(spec.label)（各级别的次数）\(required)</legend>\(cells)</fieldset>"
        case .counts12:
            let cells: [HTML] = (1...12).map {
                "<label class=\"check\">\($0)月 <input class=\"short\" type=\"number\" min=\"0\" step=\"1\" name=\"\(prefix)\(field(String($0)))\" value=\"\(value(String($0)))\"></label>"
            }
            return "<fieldset><legend>\(spec.label)（1—12月）\(required)</legend>\(cells)</fieldset>"
        case .dates(let fields):
            let columns = fields.map { form.all(field($0.id)) }
            let rows = (columns.map(\.count).max() ?? 0) + 2
            let header: [HTML] = fields.map { "<th>\($0.label)</th>" }
            let body: [HTML] = (0..<rows).map { row in
                let cells: [HTML] = fields.enumerated().map { index, option in
                    let text = row < columns[index].count ? columns[index][row] : ""
                    return
                        "<td><input type=\"date\" name=\"\(prefix)\(field(option.id))\" value=\"\(text)\" aria-label=\"\(option.label)\"></td>"
                }
                return "<tr>\(cells)</tr>"
            }
            return """
                <fieldset><legend>\(spec.label)（每行一条记录，空行不计）\(required)</legend>
                <table class="dates"><thead><tr>\(header)</tr></thead><tbody>\(body)</tbody></table></fieldset>
                """
        }
    }

    static func findingsBlock(_ model: UnitScoring, group: ScoreGroup, editable: Bool, csrf: String) -> HTML {
        let countSpecs = group.specs.filter { $0.type == .count }
        let findings = model.findings[group.id] ?? []
        guard !countSpecs.isEmpty || !findings.isEmpty else { return "" }
        let rows: [HTML] = findings.map { finding in
            let fact = FactsAssembly.countFact(of: finding, in: model.scheme)
            let label = fact.flatMap { name in countSpecs.first { $0.name == name }?.label } ?? "（未计入事实）"
            let rectify: HTML =
                editable
                ? link(
                    SiteURL.ledger(.value(model.assessment.id)).withQuery([
                        ("unit", model.unit.id.rawValue), ("item", group.id), ("finding", finding.id.rawValue),
                    ]), "建立整改事项") : ""
            return
                "<tr><td>\(finding.date.description)</td><td>\(label)</td><td>\(finding.note)</td><td>\(finding.evidenceRef ?? "")</td><td>\(model.userNames[finding.createdBy ?? UserID("")] ?? "")</td><td>\(rectify)</td></tr>"
        }
        let table: HTML =
            rows.isEmpty
            ? ""
            : "<table class=\"findings\"><thead><tr><th>日期</th><th>计入</th><th>问题说明</th><th>佐证</th><th>记录人</th><th>整改</th></tr></thead><tbody>\(rows)</tbody></table>"
        var form: HTML = ""
        if editable && !countSpecs.isEmpty {
            form = """
                <form method="post" action="\(SiteURL.unitFindings(.value(model.assessment.id), .value(model.unit.id)))" class="card finding">\(csrfField(csrf))
                <input type="hidden" name="item" value="\(group.id)">
                <label>计入事实<select name="fact">\(countSpecs.map { option($0.name, $0.label, selected: false) })</select></label>
                <label>日期<input type="date" name="date" required></label>
                <label>问题说明<input name="note" required></label>
                <label>佐证说明（可空）<input name="evidence"></label>
                <button type="submit" class="secondary">记录一条问题</button></form>
                """
        }
        return "<h3>问题记录（\(findings.count)条）</h3>\(table)\(form)"
    }

    /// The facts import form.
    public static func factsImport(
        _ assessment: Assessment, example: String, identity: Identity, csrf: String, text: String = "",
        notice: String? = nil, error: String? = nil, details: [LineError] = []
    ) -> HTML {
        let list: HTML =
            details.isEmpty ? "" : "<ul class=\"errors\">\(details.map { "<li>\($0.description)</li>" as HTML })</ul>"
        return layout(
            title: "导入事实：\(assessment.title)", identity: identity, csrf: csrf, notice: notice, error: error,
            content: """
                \(list)
                <p>上传或粘贴事实文档（JSON，与 <code>kaohe score</code> 的输入相同）。单位 <code>id</code> 填单位编码或编号；文档中的每个考核项整体替换已保存的值，未列出的考核项不变。全部正确才会导入。</p>
                <form method="post" action="\(SiteURL.factsImport(.value(assessment.id)))" class="card">\(csrfField(csrf))
                <label>选择文件<input type="file" accept=".json,application/json" data-fill="facts-json"></label>
                <label>事实文档<textarea id="facts-json" name="json" rows="16" required>\(text)</textarea></label>
                <button type="submit">导入</button></form>
                <h2>示例</h2><pre>\(example)</pre>
                <p>\(link(.assessment(.value(assessment.id)), "返回考核"))</p>
                """)
    }
}
