import KaoheApplication
import KaoheStorage

extension Views {
    /// Organizations as a tree, and (for managers) the create form.
    public static func organizations(
        _ organizations: [Organization], canManage: Bool, identity: Identity, csrf: String, notice: String? = nil,
        error: String? = nil
    ) -> HTML {
        let records = identity.user.can(.manageRecords)
        let rows: [HTML] = treeOrder(organizations, id: \.id, parent: \.parentID).map { org, depth in
            let link: HTML =
                records ? "<td><a href=\"\(SiteURL.organizationRecords(.value(org.id)))\">平台记录</a></td>" : ""
            return
                "<tr><td class=\"d\(min(Int(depth), 6))\">\(org.name)</td><td><code>\(org.id)</code></td>\(link)</tr>"
        }
        let recordsHeader: HTML = records ? "<th>记录</th>" : ""
        let table: HTML =
            rows.isEmpty
            ? "<p class=\"muted\">还没有组织。</p>"
            : "<table><thead><tr><th>名称</th><th>编号</th>\(recordsHeader)</tr></thead><tbody>\(rows)</tbody></table>"
        let form: HTML =
            canManage
            ? """
            <h2>新建组织</h2><form method="post" action="\(SiteURL.organizations)" class="card">\(csrfField(csrf))
            <label>名称<input name="name" required placeholder="例如：平桥区考核办"></label>
            <label>上级组织<select name="parent_id">\(option("", "（无）", selected: true))\(organizations.map { option($0.id.rawValue, $0.name, selected: false) })</select></label>
            <button type="submit">创建</button></form>
            """ : ""
        return layout(
            title: "组织", identity: identity, csrf: csrf, notice: notice, error: error, content: "\(table)\(form)")
    }

    /// The units page model.
    public struct UnitsModel: Sendable {
        /// The page of the list, with the organizations and all visible units.
        public var list: UnitListPage
        /// Whether the create form is shown.
        public var canManage: Bool
    }

    /// The units list (search, organization and type filters, sortable columns, pager) and, for managers, the
    /// create form.
    public static func units(
        _ model: UnitsModel, identity: Identity, csrf: String, notice: String? = nil, error: String? = nil
    ) -> HTML {
        let spec = Operations.unitListSpec
        let page = model.list.page
        let query = page.query
        let orgNames = Dictionary(model.list.organizations.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        let rows: [HTML] = page.rows.map { unit in
            """
            <tr><td>\(unit.code)</td><td>\(unit.name)</td><td>\(unit.type.displayName)</td>\
            <td>\(orgNames[unit.organizationID] ?? unit.organizationID.rawValue)</td><td>\(unit.parentID.flatMap { model.list.parentNames[$0] } ?? "")</td></tr>
            """
        }
        var sections: [HTML] = []
        if model.list.all.isEmpty {
            sections.append("<p class=\"muted\">还没有单位。</p>")
        } else {
            let controls = ListViews.controls(
                .units, spec, query, searchLabel: "搜索", searchPlaceholder: "编码或名称",
                fields: [
                    .init(
                        key: "org", label: "所属组织",
                        options: model.list.organizations.map { ($0.id.rawValue, $0.name) }),
                    .init(key: "type", label: "类型", options: UnitType.allCases.map { ($0.rawValue, $0.displayName) }),
                ])
            let headers: [HTML] = [
                ListViews.header("编码", key: "code", .units, spec, query),
                ListViews.header("名称", key: "name", .units, spec, query),
                ListViews.header("类型", key: "type", .units, spec, query),
                ListViews.header("所属组织", key: "organization", .units, spec, query),
                ListViews.header("上级单位", key: nil, .units, spec, query),
            ]
            let empty: HTML = rows.isEmpty ? "<p class=\"muted\">没有符合条件的单位。</p>" : ""
            sections.append(
                """
                \(controls)<table><thead><tr>\(headers)</tr></thead><tbody>\(rows)</tbody></table>\(empty)
                \(ListViews.pager(page, .units, spec))
                """)
        }
        let organizations = model.list.organizations
        let allUnits = model.list.all
        let form: HTML
        if model.canManage && !organizations.isEmpty {
            form = """
                <h2>新建单位</h2><form method="post" action="\(SiteURL.units)" class="card">\(csrfField(csrf))
                <label>所属组织<select name="organization_id" required>\(organizations.map { option($0.id.rawValue, $0.name, selected: false) })</select></label>
                <label>编码<input name="code" required placeholder="例如：PQ01"></label>
                <label>名称<input name="name" required placeholder="例如：平桥区财政局"></label>
                <label>类型<select name="type">\(UnitType.allCases.map { option($0.rawValue, $0.displayName, selected: false) })</select></label>
                \(ListViews.unitChoice(name: "parent_id", label: "上级单位", units: allUnits, selected: nil, empty: "（无）"))
                <button type="submit">创建</button></form>
                <p>\(link(.unitImport, "从 CSV 文件批量导入单位"))</p>
                """
        } else if model.canManage {
            form = "<p>请先\(link(.organizations, "新建组织"))。</p>"
        } else {
            form = ""
        }
        return layout(
            title: "单位", identity: identity, csrf: csrf, notice: notice, error: error, content: "\(sections)\(form)")
    }

    /// The CSV import page, with the errors of a failed attempt line by line.
    public static func unitImport(
        organizations: [Organization], selected: OrganizationID?, csv: String, errors: [LineError], identity: Identity,
        csrf: String
    ) -> HTML {
        let errorList: HTML =
            errors.isEmpty
            ? ""
            : "<div class=\"error\" role=\"alert\"><p>导入失败，未导入任何单位。请修改后重试：</p><ul>\(errors.map { "<li>\($0.description)</li>" as HTML })</ul></div>"
        return layout(
            title: "导入单位", identity: identity, csrf: csrf,
            content: """
                \(errorList)
                <p>CSV 文件（UTF-8，可带 BOM），第一行为表头：<code>编码,名称,类型,上级编码</code>。“上级编码”一列可省略；
                类型可填：\(UnitType.allCases.map(\.displayName).joined(separator: "、"))。全部正确才会导入。</p>
                <form method="post" action="\(SiteURL.unitImport)" class="card">\(csrfField(csrf))
                <label>所属组织<select name="organization_id" required>\(organizations.map { option($0.id.rawValue, $0.name, selected: $0.id == selected) })</select></label>
                <label>选择文件<input type="file" accept=".csv,text/csv" data-fill="csv"></label>
                <label>或粘贴内容<textarea name="csv" id="csv" rows="14" required>\(csv)</textarea></label>
                <button type="submit">导入</button></form>
                """)
    }

    /// Orders items so each parent comes before its children, with the depth of each. Items whose parent is
    /// not in the list are roots.
    static func treeOrder<T, ID: Hashable>(_ items: [T], id: KeyPath<T, ID>, parent: KeyPath<T, ID?>) -> [(T, Double)] {
        let ids = Set(items.map { $0[keyPath: id] })
        var children: [ID: [T]] = [:]
        var roots: [T] = []
        for item in items {
            if let p = item[keyPath: parent], ids.contains(p), p != item[keyPath: id] {
                children[p, default: []].append(item)
            } else {
                roots.append(item)
            }
        }
        var out: [(T, Double)] = []
        var visited = Set<ID>()
        func visit(_ item: T, _ depth: Double) {
            guard visited.insert(item[keyPath: id]).inserted else { return }
            out.append((item, depth))
            for child in children[item[keyPath: id]] ?? [] { visit(child, depth + 1) }
        }
        for root in roots { visit(root, 0) }
        for item in items where !visited.contains(item[keyPath: id]) { visit(item, 0) }  // cycles
        return out
    }
}
