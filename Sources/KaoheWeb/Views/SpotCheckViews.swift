import Foundation
import KaoheApplication
import KaoheStorage

/// The spot-check pages (双随机抽查): the plans and the publish form, the plan notice, the result notice, A4 prints.
enum SpotCheckViews {
    static func rule(_ plan: SpotCheckPlan) -> String {
        let size =
            plan.sampleCount.map { "\($0)个" } ?? plan.ratioPercent.map { "\($0)%（向上取整）" } ?? ""
        let minimum = plan.minimum > 0 ? "，至少\(plan.minimum)个（不足时全部抽取）" : ""
        switch plan.population {
        case .units: return "从本考核的全部参加单位中随机抽取\(size)\(minimum)"
        case .records: return "每个单位的“\(plan.recordType ?? "")”记录中分别随机抽取\(size)\(minimum)"
        }
    }

    /// The plans of an assessment and, for organizers, the form that publishes one.
    static func index(_ index: SpotCheckIndex, identity: Identity, csrf: String, error: String? = nil) -> HTML {
        let a = index.assessment.id
        let rows: [HTML] = index.plans.reversed().map { plan in
            """
            <tr><td>\(Views.link(.spotCheck(.value(a), .value(plan.id)), plan.title))</td><td>\(rule(plan))</td>\
            <td>\(plan.state.displayName)</td><td>\(BulletinTimestamp.text(plan.createdAt))</td></tr>
            """ as HTML
        }
        let list: HTML =
            rows.isEmpty
            ? "<p class=\"muted\">还没有抽查计划。</p>"
            : "<table><thead><tr><th>计划</th><th>抽取规则</th><th>状态</th><th>公布时间</th></tr></thead><tbody>\(rows)</tbody></table>"
        var form: HTML = ""
        if index.canManage {
            let inspectors: [HTML] = index.candidates.map {
                "<label><input type=\"checkbox\" name=\"inspector\" value=\"\($0.id.rawValue)\"> \($0.displayName)（\($0.username)）</label>"
            }
            let types: [HTML] = index.recordTypes.map { Views.option($0.rawValue, $0.label, selected: false) }
            form = """
                <h2>公布抽查计划</h2>
                <form method="post" action="\(SiteURL.spotChecks(.value(a)))" class="card">\(Views.csrfField(csrf))
                <label>计划名称<input name="title" required></label>
                <label>抽查对象<select name="population">\(Views.option("units", "考核单位", selected: true))\(Views.option("records", "平台记录（按单位分别抽取）", selected: false))</select></label>
                <label>记录类型（抽查平台记录时）<select name="record_type">\(Views.option("", "—", selected: true))\(types)</select></label>
                <label>抽取数量（个；与比例二选一）<input class="short" name="count" inputmode="numeric"></label>
                <label>抽取比例（%）<input class="short" name="ratio" inputmode="numeric"></label>
                <label>至少抽取<input class="short" name="minimum" inputmode="numeric" value="0"></label>
                <fieldset><legend>检查人员库（随机、平均分配；检查人员不检查本单位）</legend>\(inspectors)</fieldset>
                <label>另行回避（每行“用户名 单位编码”）<textarea name="exclusions" rows="3"></textarea></label>
                <button type="submit">公布计划（附随机种子的 SHA-256）</button></form>
                <p class="muted">公布后不能修改；抽取时公开随机种子，任何人可按<code>docs/spot-checks.md</code>的算法复核抽取和分配结果。已抽取的计划不能重抽。</p>
                """
        }
        return Views.layout(
            title: "随机抽查：\(index.assessment.title)", identity: identity, csrf: csrf, error: error,
            content: """
                <p class="buttons">\(Views.link(.assessment(.value(a)), "返回考核")) \(Views.link(.ledger(.value(a)), "整改台账"))</p>
                \(list)\(form)
                """)
    }

    /// The plan's particulars: rule, inspectors, exclusions, seed hash and (after the draw) the seed.
    static func particulars(_ page: SpotCheckPage) -> HTML {
        let plan = page.plan
        let inspectors = plan.inspectors.map { page.userNames[$0] ?? $0.rawValue }.joined(separator: "、")
        let exclusions =
            plan.exclusions.isEmpty
            ? "无"
            : plan.exclusions.map { "\(page.userNames[$0.inspector] ?? $0.inspector.rawValue)—\($0.unitCode)" }
                .joined(separator: "、")
        let seed: HTML =
            plan.draw.map { "<tr><th>随机种子（抽取时公开）</th><td><code>\($0.seed)</code></td></tr>" }
            ?? "<tr><th>随机种子</th><td>抽取时公开</td></tr>"
        return """
            <table class="facts"><tbody>
            <tr><th>抽取规则</th><td>\(rule(plan))</td></tr><tr><th>检查人员库</th><td>\(inspectors)</td></tr>
            <tr><th>回避</th><td>检查人员不检查本单位；另行回避：\(exclusions)</td></tr>
            <tr><th>随机种子的 SHA-256</th><td><code>\(plan.seedHash)</code></td></tr>\(seed)
            <tr><th>状态</th><td>\(plan.state.displayName)</td></tr>
            <tr><th>公布时间</th><td>\(BulletinTimestamp.text(plan.createdAt))</td></tr>
            </tbody></table>
            """
    }

    static func outcome(_ page: SpotCheckPage, key: String) -> HTML {
        guard let result = page.results[key] else { return "<span class=\"muted\">待检查</span>" }
        if result.passed { return "<span class=\"tag closed\">合格</span> \(result.note)" }
        let a = page.assessment.id
        let findings: [HTML] = result.findingIDs.compactMap { page.findings[$0] }.map { finding in
            let open = SiteURL.ledger(.value(a)).withQuery([
                ("unit", finding.unitID.rawValue), ("item", finding.itemID), ("finding", finding.id.rawValue),
                ("source", "spot_check"),
            ])
            return "<li>\(finding.itemID)：\(finding.note) \(Views.link(open, "建立整改事项"))</li>" as HTML
        }
        return "<span class=\"tag overdue\">发现问题</span><ul>\(findings)</ul>"
    }

    /// The plan notice page: particulars, the draw button, the drawn sample with inspectors and result forms.
    static func plan(
        _ page: SpotCheckPage, identity: Identity, csrf: String, notice: String? = nil, error: String? = nil
    ) -> HTML {
        let a = page.assessment.id, p = page.plan.id
        var actions: HTML = ""
        if page.canManage && page.plan.state == .published {
            actions = """
                <form method="post" action="\(SiteURL.spotCheckDraw(.value(a), .value(p)))" class="card">\(Views.csrfField(csrf))
                <p>抽取以公布的随机种子进行，抽取后公开种子，不能重抽。</p><button type="submit">现在抽取</button></form>
                """
        }
        if page.canManage && page.plan.state == .drawn {
            actions = """
                <form method="post" action="\(SiteURL.spotCheckPublish(.value(a), .value(p)))" class="card">\(Views.csrfField(csrf))
                <button type="submit">公示抽查结果</button></form>
                """
        }
        var drawn: HTML = ""
        if let draw = page.plan.draw {
            let items: [HTML] = page.items.map { Views.option($0.id, $0.title, selected: false) }
            let rows: [HTML] = draw.assignments.enumerated().map { index, assignment in
                let key = assignment.object.key
                var form: HTML = ""
                if page.mayRecord.contains(key) {
                    form = """
                        <form method="post" action="\(SiteURL.spotCheckResult(.value(a), .value(p)))" class="inline spot-result">\(Views.csrfField(csrf))
                        <input type="hidden" name="object" value="\(key)">
                        <select name="outcome" aria-label="检查结论">\(Views.option("pass", "合格", selected: true))\(Views.option("problem", "发现问题", selected: false))</select>
                        <select name="item" aria-label="问题所属考核项目">\(items)</select><input name="note" aria-label="检查情况或问题" placeholder="检查情况 / 问题">
                        <button type="submit">记录</button></form>
                        """
                }
                return """
                    <tr><td class="num">\(index + 1)</td><td>\(assignment.object.label)</td><td><code>\(key)</code></td>\
                    <td>\(page.userNames[assignment.inspector] ?? assignment.inspector.rawValue)</td>\
                    <td>\(outcome(page, key: key))\(form)</td></tr>
                    """ as HTML
            }
            let own: HTML = page.ownUnitOnly ? "<p class=\"muted\">结果公示前只显示本单位被抽中的对象。</p>" : ""
            drawn = """
                <h2>抽取结果（抽查对象 \(draw.population.count) 个，抽中 \(draw.assignments.count) 个）</h2>\(own)
                <table class="ledger"><thead><tr><th>顺序</th><th>抽查对象</th><th>编号</th><th>检查人员</th><th>检查结果</th></tr></thead>
                <tbody>\(rows)</tbody></table>
                """
        }
        return Views.layout(
            title: "抽查计划：\(page.plan.title)", identity: identity, csrf: csrf, notice: notice, error: error,
            content: """
                <p class="buttons">\(Views.link(.spotChecks(.value(a)), "返回抽查计划")) \(Views.link(.spotCheckPrint(.value(a), .value(p)), "计划公告（打印版）")) \
                \(Views.link(.spotCheckNotice(.value(a), .value(p)), "抽查结果公示"))</p>
                \(particulars(page))\(actions)\(drawn)
                """)
    }

    /// The result notice (抽查结果公示): every drawn object with its inspector and result.
    static func notice(_ page: SpotCheckPage, identity: Identity, csrf: String) -> HTML {
        let a = page.assessment.id, p = page.plan.id
        return Views.layout(
            title: "抽查结果公示：\(page.plan.title)", identity: identity, csrf: csrf,
            notice: page.plan.state == .resultsPublished ? nil : "结果尚未公示（以下为当前检查情况）",
            content: """
                <p class="buttons">\(Views.link(.spotCheck(.value(a), .value(p)), "返回抽查计划")) \(Views.link(.spotCheckNoticePrint(.value(a), .value(p)), "打印版（A4）"))</p>
                \(resultTable(page))
                """)
    }

    static func resultTable(_ page: SpotCheckPage) -> HTML {
        let rows: [HTML] = (page.plan.draw?.assignments ?? []).enumerated().map { index, assignment in
            let result = page.results[assignment.object.key]
            let text: String =
                result.map { $0.passed ? "合格" : "发现问题：\($0.note)" } ?? "待检查"
            return """
                <tr><td class="num">\(index + 1)</td><td>\(assignment.object.label)</td>\
                <td>\(page.userNames[assignment.inspector] ?? assignment.inspector.rawValue)</td><td>\(text)</td></tr>
                """ as HTML
        }
        return """
            <table class="ledger"><thead><tr><th>序号</th><th>抽查对象</th><th>检查人员</th><th>检查结果</th></tr></thead><tbody>\(rows)</tbody></table>
            """
    }

    /// The plan notice or the result notice laid out for A4 portrait.
    static func print(_ page: SpotCheckPage, results: Bool) -> HTML {
        let title = results ? "抽查结果公示" : "抽查计划公告"
        let back =
            results
            ? SiteURL.spotCheckNotice(.value(page.assessment.id), .value(page.plan.id))
            : SiteURL.spotCheck(.value(page.assessment.id), .value(page.plan.id))
        let body: HTML = results ? resultTable(page) : particulars(page)
        return """
            <!doctype html>
            <html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title) · 考核平台</title><link rel="stylesheet" href="\(SiteURL.stylesheet)"></head>
            <body class="print-doc"><article class="spot-print">
            <p class="no-print muted">用浏览器的打印功能（Ctrl+P）按 A4 纵向打印。 <a href="\(back)">返回</a></p>
            <h1>\(page.assessment.title)<br>\(page.plan.title)\(title)</h1>
            \(body)
            <p class="muted">抽取算法见 docs/spot-checks.md：以公开的随机种子和抽查对象名单可复核抽取与分配结果。</p>
            <p class="sign">\(BulletinTimestamp.text(page.plan.resultsPublishedAt ?? page.plan.drawnAt ?? page.plan.createdAt))　　考核办（盖章）</p>
            </article></body></html>
            """
    }
}

/// Shanghai time of day for notices (as the bulletins show it).
enum BulletinTimestamp {
    static func text(_ date: Date) -> String { Views.timestamp(date) }
}
