import Foundation
import KaoheApplication
import KaoheEngine
import KaoheStorage

extension Views {
    /// The assessments list and (for managers) the create form.
    public struct AssessmentsModel: Sendable {
        /// The page of assessments shown.
        public var list: ListPage<Assessment>
        /// Organizations (names, and the form).
        public var organizations: [Organization]
        /// Schemes for the form.
        public var schemes: [SchemeSummary]
        /// Whether the create form is shown.
        public var canManage: Bool
        /// The year proposed in the form.
        public var defaultYear: Int
    }

    /// The assessments list.
    public static func assessments(
        _ model: AssessmentsModel, identity: Identity, csrf: String, notice: String? = nil, error: String? = nil
    )
        -> HTML
    {
        let orgNames = Dictionary(model.organizations.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        let spec = Operations.assessmentListSpec
        let query = model.list.query
        let rows: [HTML] = model.list.rows.map {
            """
            <tr><td><a href="\(SiteURL.assessment(.value($0.id)))">\($0.title)</a></td><td>\($0.year)</td><td><code>\($0.schemeID)</code></td>
            <td>\(orgNames[$0.organizationID] ?? "—")</td><td><span class="state s-\($0.state.rawValue)">\($0.state.displayName)</span></td></tr>
            """
        }
        var fields: [ListViews.Field] = [
            .init(key: "state", label: "状态", options: AssessmentState.allCases.map { ($0.rawValue, $0.displayName) }),
            .init(key: "year", label: "年度", placeholder: "如 2023"),
        ]
        // A unit's reporter is not shown the names of organizations it takes no part in.
        if !identity.user.seesOwnUnitOnly {
            fields.append(
                .init(key: "org", label: "组织", options: model.organizations.map { ($0.id.rawValue, $0.name) }))
        }
        let controls = ListViews.controls(
            .assessments, spec, query, searchLabel: "搜索", searchPlaceholder: "名称或方案", fields: fields)
        let headers: [HTML] = [
            ListViews.header("名称", key: "title", .assessments, spec, query),
            ListViews.header("年度", key: "year", .assessments, spec, query),
            ListViews.header("方案", key: nil, .assessments, spec, query),
            ListViews.header("组织", key: "organization", .assessments, spec, query),
            ListViews.header("状态", key: "state", .assessments, spec, query),
        ]
        let table: HTML =
            model.list.total == 0 && query.search.isEmpty && query.filters.isEmpty
            ? "<p class=\"muted\">还没有考核。</p>"
            : """
            \(controls)<table><thead><tr>\(headers)</tr></thead><tbody>\(rows)</tbody></table>\
            \(rows.isEmpty ? "<p class=\"muted\">没有符合条件的考核。</p>" as HTML : "")\(ListViews.pager(model.list, .assessments, spec))
            """
        let form: HTML
        if model.canManage && !model.organizations.isEmpty {
            form = """
                <h2>新建考核</h2><form method="post" action="\(SiteURL.assessments)" class="card">\(csrfField(csrf))
                <label>组织<select name="organization_id" required>\(model.organizations.map { option($0.id.rawValue, $0.name, selected: false) })</select></label>
                <label>考核方案<select name="scheme_id" required>\(model.schemes.map { option($0.id, "\($0.id) — \($0.title)", selected: false) })</select></label>
                <label>年度<input name="year" required inputmode="numeric" value="\(model.defaultYear)"></label>
                <label>名称（可空，默认“年度 + 方案名称”）<input name="title"></label>
                <button type="submit">创建</button></form>
                """
        } else if model.canManage {
            form = "<p>请先\(link(.organizations, "新建组织"))。</p>"
        } else {
            form = ""
        }
        return layout(
            title: "考核", identity: identity, csrf: csrf, notice: notice, error: error, content: "\(table)\(form)")
    }

    /// What the assessment page needs besides the detail.
    public struct AssessmentPageModel: Sendable {
        /// The assessment, its visible units and assignments.
        public var detail: AssessmentDetail
        /// All units of the organization (for the enrol form).
        public var organizationUnits: [AssessedUnit]
        /// Users with the evaluator role (for the assign form).
        public var evaluators: [User]
        /// Names of all users, for the assignment list.
        public var userNames: [UserID: String]
        /// Whether the forms are shown.
        public var canManage: Bool
        /// The assessment's scheme (items for the assignment form, parameters), when it loads.
        public var scheme: Scheme? = nil
        /// The parameter values set for this assessment (others take the scheme's default).
        public var parameters: [String: ExactDecimal] = [:]
    }

    /// One assessment: its state line, units, evaluators, and (for managers) the forms to change them.
    public static func assessment(
        _ model: AssessmentPageModel, identity: Identity, csrf: String, notice: String? = nil, error: String? = nil
    )
        -> HTML
    {
        let assessment = model.detail.assessment
        let id = assessment.id
        let steps: [HTML] = [AssessmentState.draft, .open, .scoring, .publicity, .final].map {
            $0 == assessment.state ? "<li class=\"current\">\($0.displayName)</li>" : "<li>\($0.displayName)</li>"
        }
        let unitNames = Dictionary(
            model.organizationUnits.map { ($0.id, "\($0.code) \($0.name)") }, uniquingKeysWith: { a, _ in a })
        let unitRows: [HTML] = model.detail.units.map {
            "<tr><td>\($0.code)</td><td>\(link(.unitScoring(.value(id), .value($0.id)), $0.name))</td><td>\($0.type.displayName)</td><td>\(link(.selfAssessment(.value(id), .value($0.id)), "自评")) \(link(.unitScoring(.value(id), .value($0.id)), "评分")) \(link(.unitSheet(.value(id), .value($0.id)), "评分表"))</td></tr>"
        }
        let groups = model.scheme.map { ScoreGroup.all(in: $0, unitType: nil) } ?? []
        let itemNames = Dictionary(groups.map { ($0.id, $0.title) }, uniquingKeysWith: { a, _ in a })
        let assignmentRows: [HTML] = model.detail.assignments.map {
            "<tr><td>\(model.userNames[$0.userID] ?? $0.userID.rawValue)</td><td>\($0.unitID.flatMap { unitNames[$0] } ?? "全部单位")</td><td>\($0.itemID.map { itemNames[$0] ?? $0 } ?? "全部项目")</td></tr>"
        }
        var forms: [HTML] = []
        let locked = assessment.state == .final
        let importLink: HTML =
            identity.user.can(.recordFacts) && !locked ? link(.factsImport(.value(id)), "导入事实（JSON）") : ""
        if model.canManage && !locked {
            let buttons: [HTML] = assessment.state.allowedNext.map {
                "<button type=\"submit\" name=\"state\" value=\"\($0.rawValue)\">转为“\($0.displayName)”</button>"
            }
            forms.append(
                """
                <h2>变更状态</h2><form method="post" action="\(SiteURL.assessmentState(.value(id)))" class="card">\(csrfField(csrf))
                <label>原因（记入审计日志）<input name="reason"></label><div class="buttons">\(buttons)</div></form>
                """)
            let enrolled = Set(model.detail.units.map(\.id))
            let candidates: [HTML] = model.organizationUnits.filter { !enrolled.contains($0.id) }.map {
                "<label class=\"check\"><input type=\"checkbox\" name=\"unit_ids\" value=\"\($0.id.rawValue)\">\($0.code) \($0.name)</label>"
            }
            forms.append(
                """
                <h2>报名单位</h2><form method="post" action="\(SiteURL.assessmentEnrolments(.value(id)))" class="card">\(csrfField(csrf))
                <label>按类型全部加入<select name="unit_type">\(option("", "（不按类型）", selected: true))\(KaoheStorage.UnitType.allCases.map { option($0.rawValue, $0.displayName, selected: false) })</select></label>
                <fieldset><legend>或逐个选择</legend>\(candidates.isEmpty ? "<span class=\"muted\">没有可加入的单位</span>" : HTML(raw: candidates.map(\.text).joined()))</fieldset>
                <button type="submit">加入</button></form>
                """)
            forms.append(
                """
                <h2>分配评分人</h2><form method="post" action="\(SiteURL.assessmentAssignments(.value(id)))" class="card">\(csrfField(csrf))
                <label>评分人<select name="user_id" required>\(model.evaluators.map { option($0.id.rawValue, "\($0.displayName)（\($0.username)）", selected: false) })</select></label>
                <label>单位（空 = 全部）<select name="unit_id">\(option("", "全部单位", selected: true))\(model.detail.units.map { option($0.id.rawValue, "\($0.code) \($0.name)", selected: false) })</select></label>
                <label>考核项目（空 = 全部）<select name="item_id">\(option("", "全部项目", selected: true))\(groups.map { option($0.id, $0.title, selected: false) })</select></label>
                <button type="submit">分配</button></form>
                """)
            if let scheme = model.scheme, !scheme.parameters.isEmpty {
                forms.append(parameterForm(scheme, values: model.parameters, id: id, csrf: csrf))
            }
        } else if locked {
            forms.append("<p class=\"notice\">本考核已定稿锁定，不能再修改。</p>")
        }
        let parameterSection: HTML =
            (model.canManage && !locked) || (model.scheme?.parameters.isEmpty ?? true)
            ? "" : parameterList(model.scheme!, values: model.parameters)
        let unitTable: HTML =
            unitRows.isEmpty
            ? "<p class=\"muted\">还没有单位。</p>"
            : "<table><thead><tr><th>编码</th><th>名称</th><th>类型</th><th>评分</th></tr></thead><tbody>\(unitRows)</tbody></table>"
        let assignmentTable: HTML =
            assignmentRows.isEmpty
            ? "<p class=\"muted\">还没有分配评分人。</p>"
            : "<table><thead><tr><th>评分人</th><th>单位</th><th>项目</th></tr></thead><tbody>\(assignmentRows)</tbody></table>"
        let assignmentSection: HTML = model.canManage ? "<h2>评分人</h2>\(assignmentTable)" : ""
        // Grid entry: each item for all units in one table (for whoever records facts).
        let gridLinks: [HTML] = groups.compactMap { group in
            group.item.map { "<li>\(link(.itemGrid(.value(id), .value($0.id)), "\($0.id) \($0.name)"))</li>" }
        }
        let gridSection: HTML =
            identity.user.can(.recordFacts) && !gridLinks.isEmpty
            ? "<h2>逐项录入（一个项目，全部单位一张表）</h2><ul class=\"grid-links\">\(gridLinks)</ul>" : ""
        return layout(
            title: assessment.title, identity: identity, csrf: csrf, notice: notice, error: error,
            content: """
                <p>方案 <code>\(assessment.schemeID)</code> · \(assessment.year)年度</p>
                <ol class="states">\(steps)</ol>
                <p class="buttons">\(link(.results(.value(id)), "考核结果与排名")) \(link(.submissions(.value(id)), "自评提交情况")) \(link(.publications(.value(id)), "公示与异议")) \(link(.bulletins(.value(id)), "月度通报")) \(link(.spotChecks(.value(id)), "随机抽查")) \(link(.ledger(.value(id)), "整改台账")) \(link(.raterRounds(.value(id)), "评议")) \(importLink)</p>
                <h2>参加单位（\(model.detail.units.count)）</h2>
                \(unitTable)
                \(gridSection)
                \(assignmentSection)
                \(parameterSection)
                \(forms)
                """)
    }

    /// The parameters in effect (read-only): name, id, value, and whether it is the scheme's default.
    static func parameterList(_ scheme: Scheme, values: [String: ExactDecimal]) -> HTML {
        let rows: [HTML] = scheme.parameters.map { parameter in
            let value = values[parameter.id]
            return
                "<tr><td>\(parameter.name)</td><td><code>\(parameter.id)</code></td><td class=\"num\">\((value ?? parameter.defaultValue).description)</td><td>\(value == nil ? "方案默认值" : "本考核设定（默认 \(parameter.defaultValue)）")</td></tr>"
        }
        return """
            <h2>考核参数</h2><table class="parameters"><thead><tr><th>参数</th><th>编号</th><th>取值</th><th>来源</th></tr></thead><tbody>\(rows)</tbody></table>
            """
    }

    /// The organizer's form for the scheme's parameters: one field per parameter, empty = the default.
    static func parameterForm(_ scheme: Scheme, values: [String: ExactDecimal], id: AssessmentID, csrf: String) -> HTML
    {
        let fields: [HTML] = scheme.parameters.map { parameter in
            """
            <label>\(parameter.name)（<code>\(parameter.id)</code>，默认 \(parameter.defaultValue.description)）<input name="p.\(parameter.id)" inputmode="decimal" value="\(values[parameter.id]?.description ?? "")" placeholder="\(parameter.defaultValue.description)"></label>
            """
        }
        return """
            <h2>考核参数</h2><form method="post" action="\(SiteURL.assessmentParameters(.value(id)))" class="card" id="parameters">\(csrfField(csrf))
            <p class="muted">计分时使用的参数，与 <code>kaohe score</code> 事实文档中的 <code>parameters</code> 相同；留空即用方案默认值。</p>
            \(fields)
            <label>原因（记入审计日志）<input name="reason"></label>
            <button type="submit">保存参数</button></form>
            """
    }
}
