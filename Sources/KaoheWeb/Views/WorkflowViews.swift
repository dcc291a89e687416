import Foundation
import KaoheApplication
import KaoheEngine
import KaoheFormats
import KaoheStorage

extension Views {
    /// A signed difference such as `+2`, `−1.5` or `0`.
    static func signed(_ value: ExactDecimal?) -> HTML {
        guard let value else { return "—" }
        if value > .zero { return "<span class=\"diff up\">+\(value.description)</span>" }
        if value < .zero { return "<span class=\"diff down\">−\((ExactDecimal.zero - value).description)</span>" }
        return "<span class=\"diff\">0</span>"
    }

    /// The unit's self-assessment page; the same page is the evaluator's review page (`review` true puts the
    /// review forms first in each item).
    public static func unitWorkflow(
        _ model: UnitWorkflow, identity: Identity, csrf: String, notice: String? = nil, error: String? = nil,
        retained: (item: String, form: FormData)? = nil
    ) -> HTML {
        let a = model.assessment.id, u = model.unit.id
        let deadline: HTML
        if let day = model.deadline {
            let ext: HTML =
                model.deadlineExtension.map { "（已延期：\($0.reason)）" } ?? ""
            let overdue: HTML = model.today > day ? " <span class=\"tag warn\">已过截止日期</span>" : ""
            deadline = "自评截止：<b id=\"deadline\">\(day.description)</b>\(ext)\(overdue)"
        } else {
            deadline = "自评截止：<span class=\"muted\">未设定</span>"
        }
        let finalTotal: HTML = model.finalTotal.map { HTML(raw: HTML.escape($0.description)) } ?? "—"
        let summary: HTML = """
            <div class="stats">
            <div class="stat"><b id="status">\(model.status.label)</b>状态</div>
            <div class="stat"><b id="self-total">\(model.selfTotal.description)</b>自评总分</div>
            <div class="stat"><b id="final-total">\(finalTotal)</b>\(model.publicationVersion != nil ? "公示得分（项目合计）" : "评分得分（项目合计）")</div>
            <div class="stat"><b>\(signed(model.finalTotal.map { $0 - model.selfTotal }))</b>差额</div>
            </div>
            <p>\(deadline) · 今天 \(model.today.description)</p>
            """
        let history: [HTML] = model.submissions.map {
            "<li>第\($0.number)次提交：\(timeText($0.submittedAt))\(model.userNames[$0.submittedBy ?? UserID("")].map { "，" + $0 } ?? "")\($0.late ? HTML(raw: " <span class=\"tag warn\">逾期</span>") : "")</li>"
        }
        var actions: [HTML] = []
        if model.actsForUnit || model.canReview {
            actions.append(link(.evidenceIndex(.value(a), .value(u)), "佐证材料目录清单"))
            actions.append(link(.evidencePackage(.value(a), .value(u)), "下载自查报告和佐证材料（ZIP）"))
        }
        if model.publicationVersion != nil { actions.append(link(.publications(.value(a)), "公示结果与版本")) }
        var submit: HTML = ""
        if model.canSubmit {
            let label = model.submissions.isEmpty ? "提交自评" : "重新提交（补正后）"
            submit = """
                <form method="post" action="\(SiteURL.selfAssessmentSubmit(.value(a), .value(u)))" class="card">\(csrfField(csrf))
                <p>全部\(model.items.count)个项目已填自评分，合计\(model.selfTotal.description)分。提交后不能再修改（退回补正的项目除外）。</p>
                <button type="submit" id="submit-self">\(label)</button></form>
                """
        } else if model.actsForUnit && !model.missing.isEmpty && model.lockedReason == nil {
            submit = "<p class=\"muted\">还有\(model.missing.count)个项目未填自评分，填完后可提交。</p>"
        }
        let locked: HTML = model.lockedReason.map { "<p class=\"notice\" id=\"locked\">\($0)</p>" } ?? ""
        let items = model.items.map { item in
            workflowItem(model, item, csrf: csrf, retained: retained?.item == item.item.id ? retained?.form : nil)
        }
        return layout(
            title: "自评：\(model.unit.code) \(model.unit.name)", identity: identity, csrf: csrf, notice: notice,
            error: error,
            content: """
                <p>\(model.assessment.title) · 方案 <code>\(model.scheme.id)</code> · 当前阶段：\(model.assessment.state.displayName)</p>
                \(summary)
                <p class="buttons">\(actions) \(link(.assessment(.value(a)), "返回考核"))</p>
                \(history.isEmpty ? "" as HTML : "<ul class=\"history\">\(history)</ul>")
                \(locked)\(submit)\(items)
                """)
    }

    static func workflowItem(_ model: UnitWorkflow, _ item: WorkflowItem, csrf: String, retained: FormData?) -> HTML {
        let a = model.assessment.id, u = model.unit.id, id = item.item.id
        let reviewState: HTML
        switch item.review {
        case .pending: reviewState = model.submissions.isEmpty ? "" : "<span class=\"tag\">待审核</span>"
        case .accepted: reviewState = "<span class=\"tag ok\">审核通过</span>"
        case .returned: reviewState = "<span class=\"tag warn\">退回补正</span>"
        case .answered: reviewState = "<span class=\"tag\">已补正，待复核</span>"
        }
        let selfText: HTML = item.selfScore.map { HTML(raw: HTML.escape($0.description) + "分") } ?? "未填"
        let head: HTML = """
            <h2>\(item.item.id) \(item.item.name) <span class="score">满分\(item.item.max.description)分 · 自评 <span class="self-score">\(selfText)</span></span> \(reviewState)</h2>
            <p class="muted">\(item.category)</p>
            <p>\(item.item.content)</p><p><b>考核标准：</b>\(item.item.standard)</p>
            \(item.item.evidence.isEmpty ? "" as HTML : "<p><b>佐证材料要求：</b>\(item.item.evidence)</p>")
            """
        let steps: [HTML] = item.reviews.map {
            "<li><b>\($0.kind.displayName)</b> \(timeText($0.createdAt)) \(model.userNames[$0.createdBy ?? UserID("")] ?? "")：\($0.text)</li>"
        }
        let reviewLog: HTML = steps.isEmpty ? "" : "<ol class=\"review-log\">\(steps)</ol>"
        var body: HTML
        if item.editable {
            let form = retained ?? entryForm(item)
            let inputs = item.specs.map { input($0, form: form, counted: nil) }
            let answer: HTML
            if case .returned(let reason) = item.review {
                answer = """
                    <p class="error">退回理由：\(reason)</p>
                    <label>补正说明（答复退回，必填）<textarea name="answer" rows="2">\(form.raw("answer") ?? "")</textarea></label>
                    """
            } else {
                answer = ""
            }
            body = """
                <form method="post" action="\(SiteURL.selfAssessmentItem(.value(a), .value(u), .value(id)))" class="card self">\(csrfField(csrf))
                <input type="hidden" name="version" value="\(String(item.entry?.version ?? 0))">
                <label>自评分（0—\(item.item.max.description)）<input name="self_score" inputmode="decimal" value="\(form.raw("self_score") ?? "")"></label>
                <label>说明<textarea name="note" rows="3">\(form.raw("note") ?? "")</textarea></label>
                \(inputs.isEmpty ? "" as HTML : "<fieldset><legend>自报事实（供评分人核对）</legend>\(inputs)</fieldset>")
                \(answer)
                <button type="submit">保存本项（草稿）</button></form>
                """
        } else {
            let facts: [HTML] = item.specs.compactMap { spec in
                guard let value = item.claimed[spec.name] else { return nil }
                return "<tr><td>\(spec.label)</td><td>\(FactForm.display(value, spec: spec))</td></tr>"
            }
            body = """
                <div class="card"><p><b>说明：</b>\(item.entry?.note ?? "")</p>
                \(facts.isEmpty ? "" as HTML : "<table class=\"facts\"><caption>自报事实</caption><tbody>\(facts)</tbody></table>")</div>
                """
            if model.actsForUnit, case .returned(let reason) = item.review {
                body = """
                    \(body)<form method="post" action="\(SiteURL.reviewAnswer(.value(a), .value(u), .value(id)))" class="card">\(csrfField(csrf))
                    <p class="error">退回理由：\(reason)</p>
                    <label>补正说明<textarea name="answer" rows="2" required></textarea></label><button type="submit">答复</button></form>
                    """
            }
        }
        let evidence = EvidenceViews.itemEvidence(
            files: item.evidence,
            uploadURL: item.editable ? .evidenceUpload(.value(a), .value(u), .value(id)) : nil,
            csrf: csrf, maxBytes: model.maxUploadBytes, names: model.userNames, canWithdraw: item.editable)
        var scores: HTML = ""
        if let published = item.publishedScore {
            scores = """
                <p class="explain"><b>公示得分：<span class="published-score">\(published.description)</span>分</b>（较自评 \(signed(item.difference))）\(item.publishedExplanation ?? "")</p>
                """
        } else if model.publicationVersion != nil, let text = item.publishedExplanation {
            scores = "<p class=\"explain\"><b>公示得分：待评</b>（\(text)）</p>"
        } else if let score = item.evaluatorScore {
            scores = """
                <p class="explain"><b>评分：\(score.description)分</b>（较自评 \(signed(item.difference))）\(item.evaluatorExplanation ?? "")</p>
                """
        }
        var review: HTML = ""
        if model.canReview && !model.submissions.isEmpty
            && (model.assessment.state == .open || model.assessment.state == .scoring)
        {
            let adopt: HTML =
                item.entry?.claimedFacts != nil
                ? "<label class=\"check\"><input type=\"checkbox\" name=\"adopt\" value=\"1\">通过并采纳自报事实（本项尚无评分事实时）</label>"
                : ""
            review = """
                <form method="post" action="\(SiteURL.reviewItem(.value(a), .value(u), .value(id)))" class="card review">\(csrfField(csrf))
                <label>审核意见（退回时必填）<input name="text"></label>\(adopt)
                <div class="buttons"><button type="submit" name="decision" value="accept">审核通过</button>
                <button type="submit" name="decision" value="return" class="secondary">退回补正</button>
                \(link(.unitScoring(.value(a), .value(u)), "去评分"))</div></form>
                """
        }
        let objections: [HTML] = item.objections.map { objection in
            let answer: HTML =
                objection.answer.map {
                    "<br><b>\(objection.status.displayName)</b>：\($0)\(objection.scoreAfter.map { "（更正后\($0)分）" } ?? "")"
                } ?? ""
            let files: [HTML] = objection.evidenceIDs.compactMap { id in
                item.evidence.first { $0.id == id }.map {
                    " \(link(.evidenceFile(.value($0.id)), $0.fileName))" as HTML
                }
            }
            return
                "<li>\(timeText(objection.createdAt)) 对第\(objection.publicationVersion)版（\(objection.scoreBefore ?? "—")分）提出：\(objection.text)\(files) <span class=\"tag\">\(objection.status.displayName)</span>\(answer)</li>"
        }
        var objectionBlock: HTML = objections.isEmpty ? "" : "<h3>异议</h3><ul class=\"objections\">\(objections)</ul>"
        if model.canObject {
            let files: [HTML] = item.evidence.filter { $0.withdrawnAt == nil }.map {
                "<label class=\"check\"><input type=\"checkbox\" name=\"evidence\" value=\"\($0.id.rawValue)\">\($0.fileName)</label>"
            }
            objectionBlock = """
                \(objectionBlock)<form method="post" enctype="multipart/form-data" action="\(SiteURL.unitObjections(.value(a), .value(u)).path(query: [("_csrf", csrf)]))" class="card objection">
                <input type="hidden" name="item" value="\(id)">
                <label>对本项公示得分的异议<textarea name="text" rows="2" required></textarea></label>
                <label>异议佐证材料（可选，可多选）<input type="file" name="file" multiple accept="\(EvidenceKind.acceptAttribute)"></label>
                \(files.isEmpty ? "" as HTML : "<fieldset><legend>或引用已上传的佐证材料</legend>\(files)</fieldset>")
                <button type="submit" class="secondary">提出异议</button></form>
                """
        }
        return """
            <section class="item" id="item-\(id)">\(head)\(scores)\(reviewLog)\(review)\(body)\(evidence)\(objectionBlock)</section>
            """
    }

    /// The fields of an item's saved entry, for its form.
    static func entryForm(_ item: WorkflowItem) -> FormData {
        var form = FactForm.fields(item.claimed, specs: item.specs)
        form.pairs.append(("self_score", item.entry?.selfScore ?? ""))
        form.pairs.append(("note", item.entry?.note ?? ""))
        return form
    }

    /// The organizer's dashboard of submissions, with the deadline forms.
    public static func submissions(
        _ model: SubmissionsDashboard, identity: Identity, csrf: String, notice: String? = nil, error: String? = nil
    ) -> HTML {
        let a = model.assessment.id
        func isSubmitted(_ row: SubmissionRow) -> Bool { row.lastSubmission != nil }
        let counts: HTML = """
            <div class="stats">
            <div class="stat"><b id="count-submitted">\(model.count(isSubmitted))</b>已提交</div>
            <div class="stat"><b id="count-late">\(model.count { $0.lastSubmission != nil && ($0.lastSubmission?.late ?? false) || $0.overdue })</b>逾期（含已逾期未交）</div>
            <div class="stat"><b id="count-draft">\(model.count { $0.status == .draft })</b>填报中</div>
            <div class="stat"><b id="count-not-started">\(model.count { $0.status == .notStarted })</b>未开始</div>
            <div class="stat"><b>\(model.count { if case .returned = $0.status { true } else { false } })</b>退回补正中</div>
            </div>
            """
        let rows: [HTML] = model.rows.map { row in
            let u = row.unit.id
            let status: HTML =
                row.overdue
                ? "<span class=\"tag warn\">\(row.status.label)，已逾期</span>"
                : (row.lastSubmission?.late ?? false)
                    ? "<span class=\"tag warn\">\(row.status.label)</span>" : "\(row.status.label)"
            let ext: HTML = row.deadlineExtension.map { "<br><span class=\"muted\">延期：\($0.reason)</span>" } ?? ""
            let form: HTML =
                model.canManage && model.assessment.state != .final
                ? """
                <details><summary>延期</summary><form method="post" action="\(SiteURL.deadlineExtension(.value(a), .value(u)))">\(csrfField(csrf))
                <label>延期至（日期或“N个工作日”）<input name="deadline" required></label><label>延期理由（必填）<input name="reason" required></label><button type="submit" class="secondary">确认延期</button></form></details>
                """ : ""
            return """
                <tr data-unit="\(row.unit.code)"><td>\(row.unit.code)</td><td>\(link(.selfAssessment(.value(a), .value(u)), row.unit.name))</td><td class="status">\(status)</td>
                <td>\(row.filled)/\(row.total)</td><td>\(row.selfTotal.description)</td>
                <td>\(row.evaluatorTotal?.description ?? "—")</td><td>\(signed(row.filled == row.total ? row.evaluatorTotal.map { $0 - row.selfTotal } : nil))</td>
                <td>\(row.lastSubmission.map { "第\($0.number)次 \(timeText($0.submittedAt))" } ?? "—")</td>
                <td>\(row.deadline?.description ?? "—")\(ext)</td><td>\(form)</td></tr>
                """
        }
        var deadlines: HTML = ""
        if model.canManage && model.assessment.state != .final {
            deadlines = """
                <h2>截止日期</h2><form method="post" action="\(SiteURL.assessmentDeadlines(.value(a)))" class="card">\(csrfField(csrf))
                <label>自评截止日期（日期，或“N个工作日”按法定工作日从今天起算）<input name="submission_deadline" value="\(model.assessment.submissionDeadline?.description ?? "")"></label>
                <label>公示异议截止日期<input name="objection_deadline" value="\(model.assessment.objectionDeadline?.description ?? "")"></label>
                <label>原因（记入审计日志）<input name="reason"></label><button type="submit">保存截止日期</button></form>
                """
        }
        return layout(
            title: "自评提交情况：\(model.assessment.title)", identity: identity, csrf: csrf, notice: notice, error: error,
            content: """
                <p>今天 \(model.today.description) · 自评截止 \(model.assessment.submissionDeadline?.description ?? "未设定") · 公示异议截止 \(model.assessment.objectionDeadline?.description ?? "未设定")</p>
                \(counts)
                <table class="submissions"><thead><tr><th>编码</th><th>单位</th><th>状态</th><th>已填项目</th><th>自评总分</th><th>评分得分</th><th>差额</th><th>最近提交</th><th>截止日期</th><th>操作</th></tr></thead>
                <tbody>\(rows)</tbody></table>
                \(deadlines)
                <p class="buttons">\(link(.publications(.value(a)), "公示与异议")) \(link(.assessment(.value(a)), "返回考核"))</p>
                """)
    }

    /// The publication page: published versions and objections with their answers.
    public static func publications(
        _ model: PublicationsPage, identity: Identity, csrf: String, notice: String? = nil, error: String? = nil
    ) -> HTML {
        let a = model.assessment.id
        let versions: [HTML] = model.versions.map { version in
            let compare = SiteURL.publicationCompare(.value(a)).path(query: [
                ("a", String(version.version - 1)), ("b", String(version.version)),
            ])
            let compareLink: HTML =
                version.version > 1 ? "<a href=\"\(compare)\">与第\(version.version - 1)版对比</a>" : ""
            return
                "<tr><td>第\(version.version)版</td><td>\(version.state.displayName)</td><td>\(timeText(version.createdAt))</td><td>\(model.userNames[version.createdBy ?? UserID("")] ?? "")</td><td>\(version.note)</td><td>\(compareLink)</td></tr>"
        }
        var publish: HTML = ""
        if model.canManage && model.assessment.state == .publicity {
            publish =
                model.hasUnpublishedChanges
                ? """
                <form method="post" action="\(SiteURL.publications(.value(a)))" class="card">\(csrfField(csrf))
                <p class="notice">当前得分与最新公示版本不同（有更正）。</p>
                <label>更正说明<input name="note" required></label><button type="submit">发布更正版本</button></form>
                """ : "<p class=\"muted\">当前得分与最新公示版本一致。</p>"
        }
        let itemNames = Dictionary(
            model.scheme.items.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        let objections: [HTML] = model.objections.map { objection in
            let unit = model.units[objection.unitID]
            var answer: HTML =
                objection.answer.map {
                    "<b>\(objection.status.displayName)</b>：\($0)\(objection.scoreAfter.map { "（\(objection.scoreBefore ?? "—") → \($0)分）" } ?? "")<br><span class=\"muted\">\(model.userNames[objection.answeredBy ?? UserID("")] ?? "") \(objection.answeredAt.map(timeText) ?? "")</span>"
                } ?? "<span class=\"tag warn\">待答复</span>"
            if objection.status == .open && model.canManage && model.assessment.state == .publicity {
                answer = """
                    \(answer)<form method="post" action="\(SiteURL.objectionAnswer(.value(a), .value(objection.id)))" class="card">\(csrfField(csrf))
                    <label>答复<textarea name="answer" rows="2" required></textarea></label>
                    <div class="buttons"><button type="submit" name="decision" value="upheld">异议成立（已在评分页更正）</button>
                    <button type="submit" name="decision" value="rejected" class="secondary">异议不成立</button>
                    \(link(.unitScoring(.value(a), .value(objection.unitID)), "去评分页更正"))</div></form>
                    """
            }
            let files: [HTML] = objection.evidenceIDs.map { link(.evidenceFile(.value($0)), "佐证") }
            return """
                <tr><td>\(unit.map { "\($0.code) \($0.name)" } ?? objection.unitID.rawValue)</td><td>\(objection.itemID) \(itemNames[objection.itemID] ?? "")</td>
                <td>第\(objection.publicationVersion)版 \(objection.scoreBefore ?? "—")分</td><td>\(objection.text) \(files)<br><span class="muted">\(timeText(objection.createdAt))</span></td><td>\(answer)</td></tr>
                """
        }
        let window: HTML =
            model.assessment.objectionDeadline.map { "公示异议截止：\($0.description)" } ?? "公示异议截止：未设定（至定稿）"
        return layout(
            title: "公示结果与异议：\(model.assessment.title)", identity: identity, csrf: csrf, notice: notice, error: error,
            content: """
                <p>当前阶段：\(model.assessment.state.displayName) · \(window)</p>
                <h2>发布版本</h2>
                \(versions.isEmpty ? "<p class=\"muted\">尚未发布。转为“公示”时自动发布第1版。</p>" as HTML : "<table class=\"versions\"><thead><tr><th>版本</th><th>阶段</th><th>发布时间</th><th>发布人</th><th>说明</th><th>对比</th></tr></thead><tbody>\(versions)</tbody></table>")
                \(publish)
                <h2>异议（\(model.objections.count)）</h2>
                \(objections.isEmpty ? "<p class=\"muted\">没有异议。</p>" as HTML : "<table class=\"objections\"><thead><tr><th>单位</th><th>项目</th><th>针对</th><th>异议</th><th>答复</th></tr></thead><tbody>\(objections)</tbody></table>")
                <p class="buttons">\(link(.results(.value(a)), "考核结果")) \(link(.assessment(.value(a)), "返回考核"))</p>
                """)
    }

    /// Two published versions side by side; changed values are marked.
    public static func publicationCompare(_ model: PublicationComparison, identity: Identity, csrf: String) -> HTML {
        let l = model.left.version, r = model.right.version
        var changedCount = 0
        let rows: [HTML] = model.rows.map { row in
            let changed = row.left != row.right
            if changed { changedCount += 1 }
            var details: [HTML] = []
            if let left = row.left, let right = row.right {
                for item in model.scheme.items {
                    let before = left.items[item.id]?.score, after = right.items[item.id]?.score
                    if before != after {
                        details.append("<li>\(item.id) \(item.name)：\(before ?? "—") → \(after ?? "—")</li>")
                    }
                }
            }
            let mark = { (a: String?, b: String?) -> HTML in
                a == b ? "\(b ?? "—")" : "<b class=\"changed\">\(b ?? "—")</b>"
            }
            return """
                <tr class="\(changed ? "changed" : "")" data-unit="\(row.code)"><td>\(row.code)</td><td>\(row.right?.name ?? row.left?.name ?? "")</td>
                <td>\(row.left?.total ?? "—")</td><td>\(row.left?.rank.map(String.init) ?? "—")</td><td>\(row.left?.grade ?? "—")</td>
                <td>\(mark(row.left?.total, row.right?.total))</td><td>\(mark(row.left?.rank.map(String.init), row.right?.rank.map(String.init)))</td><td>\(mark(row.left?.grade, row.right?.grade))</td>
                <td>\(details.isEmpty ? "" : "<ul>\(details)</ul>" as HTML)</td></tr>
                """
        }
        let picker = { (name: String, selected: Int, label: String) -> HTML in
            "<select name=\"\(name)\" aria-label=\"\(label)\">\(model.versions.map { option(String($0.version), "第\($0.version)版（\($0.state.displayName)）", selected: $0.version == selected) })</select>"
        }
        return layout(
            title: "版本对比：第\(l)版 与 第\(r)版", identity: identity, csrf: csrf,
            content: """
                <form method="get" action="\(SiteURL.publicationCompare(.value(model.assessment.id)))" class="inline">\(picker("a", l, "对比的前一版本")) 对比 \(picker("b", r, "对比的后一版本")) <button type="submit" class="secondary">对比</button></form>
                <p>\(model.assessment.title) · 第\(l)版：\(model.left.note)（\(timeText(model.left.createdAt))） · 第\(r)版：\(model.right.note)（\(timeText(model.right.createdAt))）</p>
                <p id="changed-count">有变化的单位：\(changedCount)个</p>
                <table class="compare"><thead><tr><th rowspan="2">编码</th><th rowspan="2">单位</th><th colspan="3">第\(l)版</th><th colspan="3">第\(r)版</th><th rowspan="2">变化的项目</th></tr>
                <tr><th>总分</th><th>名次</th><th>等级</th><th>总分</th><th>名次</th><th>等级</th></tr></thead><tbody>\(rows)</tbody></table>
                <p class="buttons">\(link(.publications(.value(model.assessment.id)), "返回公示与异议"))</p>
                """)
    }
}
