import Foundation
import KaoheApplication
import KaoheEngine
import KaoheStorage

extension Views {
    /// The schemes page: built-in and uploaded schemes, each linked to its score table, and (for organizers)
    /// the upload form with the problems of a refused file, line by line.
    public static func schemeList(
        _ schemes: [SchemeSummary], canUpload: Bool, fileName: String = "", yaml: String = "",
        problems: [LineError] = [], error: String? = nil, notice: String? = nil, identity: Identity, csrf: String
    ) -> HTML {
        let rows: [HTML] = schemes.map {
            """
            <tr><td><code>\($0.id)</code></td><td>\(link(.scheme(.value($0.id)), $0.title))</td><td>\($0.source)</td></tr>
            """
        }
        var upload: HTML = ""
        if canUpload {
            let problemList: HTML =
                problems.isEmpty
                ? ""
                : """
                <div class="error" role="alert" id="scheme-problems"><p>方案文件有\(problems.count)处错误，未保存。请修改后重新上传：</p>\
                <ul>\(problems.map { "<li>\(problemText($0))</li>" as HTML })</ul></div>
                """
            upload = """
                <h2>上传考核方案</h2>
                \(problemList)
                <p>方案文件为 YAML 格式（写法见 docs/scheme-format.md，可参照内置方案）。文件中的 <code>id</code> 不能与已有方案相同；有错误时逐行列出，不保存。</p>
                <form method="post" action="\(SiteURL.schemes)" class="card" id="scheme-upload">\(csrfField(csrf))
                <label>选择文件<input type="file" accept=".yaml,.yml,text/yaml" data-fill="yaml" data-name="file_name"></label>
                <label>文件名<input name="file_name" id="file_name" value="\(fileName)" placeholder="例如 my-scheme.yaml"></label>
                <label>或粘贴内容<textarea name="yaml" id="yaml" rows="14" required>\(yaml)</textarea></label>
                <button type="submit">上传并检查</button></form>
                """
        }
        return layout(
            title: "考核方案", identity: identity, csrf: csrf, notice: notice, error: error,
            content: """
                <table><thead><tr><th>方案编号</th><th>名称</th><th>来源</th></tr></thead><tbody>\(rows)</tbody></table>
                <p class="muted">点击方案名称查看评分表。</p>
                \(upload)
                """)
    }

    static func problemText(_ problem: LineError) -> String {
        problem.line > 0 ? problem.description : problem.message
    }

    /// One scheme as the document's score table: 项目 / 序号 / 考核内容 / 考核标准 / 分值, bonus and penalty
    /// sections, the total, grades, downgrade triggers, linked effects, unit types, parameters and notes.
    public static func schemeTable(
        _ scheme: Scheme, summary: SchemeSummary, notice: String? = nil, identity: Identity, csrf: String
    ) -> HTML {
        var rows: [HTML] = []
        for category in scheme.categories {
            let categoryMax = category.cap ?? category.items.reduce(ExactDecimal.zero) { $0 + $1.max }
            let kindText: String
            switch category.kind {
            case .base: kindText = ""
            case .bonus: kindText = "（加分项，最多加\(categoryMax)分）"
            case .penalty: kindText = "（减分项，最多减\(categoryMax)分）"
            }
            let rowClass: HTML = category.kind == .base ? "" : " class=\"\(category.kind.rawValue)\""
            for (index, item) in category.items.enumerated() {
                let head: HTML =
                    index == 0
                    ? """
                    <th scope="rowgroup" rowspan="\(category.items.count)">\(category.name)\(kindText)\(category.kind == .base ? "（\(categoryMax)分）" : "")</th>
                    """ : ""
                var content: HTML = "<strong>\(item.name)</strong>"
                if !item.content.isEmpty { content = "\(content)：\(item.content)" }
                if !item.unitTypes.isEmpty {
                    let names = item.unitTypes.map { id in scheme.unitTypes.first { $0.id == id }?.name ?? id }
                    content = "\(content)<br><span class=\"muted\">适用：\(names.joined(separator: "、"))</span>"
                }
                if !item.evidence.isEmpty {
                    content = "\(content)<br><span class=\"muted\">佐证材料：\(item.evidence)</span>"
                }
                var standard: HTML = "\(item.standard)"
                if !item.note.isEmpty { standard = "\(standard)<br><span class=\"muted\">注：\(item.note)</span>" }
                rows.append(
                    """
                    <tr\(rowClass)>\(head)<td class="num">\(item.id)</td><td>\(content)</td><td>\(standard)</td><td class="num">\(item.max)</td></tr>
                    """)
            }
        }
        rows.append(
            """
            <tr class="total"><th scope="row" colspan="4">合计（基础分）</th><td class="num">\(scheme.total)</td></tr>
            """)
        var facts: [HTML] = []
        if !scheme.organizer.isEmpty { facts.append("<dt>考核单位</dt><dd>\(scheme.organizer)</dd>") }
        if let year = scheme.year { facts.append("<dt>年度</dt><dd>\(year)</dd>") }
        if !scheme.source.isEmpty { facts.append("<dt>来源</dt><dd>\(scheme.source)</dd>") }
        facts.append("<dt>方案编号</dt><dd><code>\(scheme.id)</code>（\(summary.source)）</dd>")
        if !scheme.unitTypes.isEmpty {
            facts.append(
                "<dt>单位类型</dt><dd>\(scheme.unitTypes.map { "\($0.name)（\($0.id)）" }.joined(separator: "、"))</dd>")
        }
        var sections: [HTML] = []
        if !scheme.grades.isEmpty {
            let items: [HTML] = scheme.grades.map {
                "<li>\($0.name)：\($0.interval.text(percent: false, unit: "分"))</li>"
            }
            sections.append("<section id=\"grades\"><h2>等级</h2><ul>\(items)</ul></section>")
        }
        if !scheme.downgradeTriggers.isEmpty {
            let items: [HTML] = scheme.downgradeTriggers.map { "<li>\($0.reason)</li>" }
            sections.append("<section id=\"downgrades\"><h2>直接降档</h2><ul>\(items)</ul></section>")
        }
        if !scheme.effects.isEmpty {
            let items: [HTML] = scheme.effects.map {
                "<li>\($0.reason)（\($0.zeroItems.joined(separator: "、"))项不得分）</li>"
            }
            sections.append("<section id=\"effects\"><h2>联动扣分</h2><ul>\(items)</ul></section>")
        }
        if !scheme.parameters.isEmpty {
            let items: [HTML] = scheme.parameters.map {
                "<li>\($0.name)（<code>\($0.id)</code>）：默认 \($0.defaultValue)</li>"
            }
            sections.append("<section id=\"parameters\"><h2>参数</h2><ul>\(items)</ul></section>")
        }
        if !scheme.notes.isEmpty {
            let items: [HTML] = scheme.notes.map { "<li>\($0)</li>" }
            sections.append("<section id=\"notes\"><h2>说明</h2><ol>\(items)</ol></section>")
        }
        return layout(
            title: scheme.title, identity: identity, csrf: csrf, notice: notice,
            content: """
                <dl class="facts">\(facts)</dl>
                <table class="score-sheet" id="score-table"><caption>\(scoreSheetTitle(scheme.title))</caption>
                <thead><tr><th>项目</th><th>序号</th><th>考核内容</th><th>考核标准</th><th>分值</th></tr></thead>
                <tbody>\(rows)</tbody></table>
                \(sections)
                <p>\(link(.schemes, "返回考核方案列表"))</p>
                """)
    }
}
