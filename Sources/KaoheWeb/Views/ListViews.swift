import Foundation
import Hummingbird
import KaoheApplication
import KaoheStorage

/// The one implementation of list controls shared by every list page: the search and filter form, sortable
/// column headers and the pager. Links are built by ``SiteURL`` and keep the query's other parameters.
enum ListViews {
    static let css = """
        form.list-controls { display: flex; flex-wrap: wrap; gap: .4em .8em; align-items: end; margin: .5em 0; }
        form.list-controls label { display: flex; flex-direction: column; font-size: .9em; }
        nav.pager { display: flex; flex-wrap: wrap; gap: .8em; align-items: center; margin: .6em 0; }
        th a.sort { color: inherit; text-decoration: none; } th a.sort:hover { text-decoration: underline; }
        """

    /// One extra field of the filter form.
    struct Field {
        /// The parameter name.
        var key: String
        /// The label shown.
        var label: String
        /// A select's options (value, label), or nil for a text input.
        var options: [(String, String)]?
        /// The input type for text inputs (`text`, `date`).
        var type: String = "text"
        /// A placeholder for text inputs.
        var placeholder: String = ""
    }

    /// Above this many choices a unit is typed (its code) instead of picked from a list: a select of 5,000 units
    /// makes a page of megabytes.
    static let longestSelect = 200

    /// A field choosing one unit: a select while there are few, else a text input for the unit's code (the
    /// server takes an id or a code). `empty` is the label of the no-unit choice (nil: a unit is required).
    static func unitChoice(
        name: String, label: String, units: [AssessedUnit], selected: String?, empty: String? = nil
    ) -> HTML {
        if units.count <= longestSelect {
            var choices: [HTML] = empty.map { [Views.option("", $0, selected: (selected ?? "").isEmpty)] } ?? []
            choices += units.map {
                Views.option($0.id.rawValue, "\($0.code) \($0.name)", selected: selected == $0.id.rawValue)
            }
            let required: HTML = empty == nil ? " required" : ""
            return "<label>\(label)<select name=\"\(name)\"\(required)>\(choices)</select></label>"
        }
        let shown = units.first { $0.id.rawValue == selected }?.code ?? selected ?? ""
        let required: HTML = empty == nil ? " required" : ""
        return """
            <label>\(label)（输入单位编码，共 \(units.count) 个单位）<input name="\(name)" value="\(shown)" placeholder="例如：\(units.first?.code ?? "")"\(required)></label>
            """
    }

    /// The link to another page or order of the same list: the query with `change` applied.
    static func url(
        _ base: SiteURL, _ spec: ListSpec, _ query: ListQuery, extra: [(String, String)] = [],
        change: (inout ListQuery) -> Void
    ) -> String {
        var changed = query
        change(&changed)
        return base.path(query: extra + changed.parameters(spec: spec))
    }

    /// The search and filter form (GET): the search box, the list's filter fields, the page size, and `extra`
    /// hidden parameters (kept, e.g. a tab). Sorting is kept; the page starts again at 1.
    static func controls(
        _ base: SiteURL, _ spec: ListSpec, _ query: ListQuery, searchLabel: String, searchPlaceholder: String = "",
        fields: [Field], extra: [(String, String)] = []
    ) -> HTML {
        let inputs: [HTML] = fields.map { field in
            let value = query.filter(field.key) ?? ""
            if let options = field.options, options.count <= longestSelect {
                let choices: [HTML] =
                    [Views.option("", "（全部）", selected: value.isEmpty)]
                    + options.map { Views.option($0.0, $0.1, selected: $0.0 == value) }
                return "<label>\(field.label)<select name=\"\(field.key)\">\(choices)</select></label>"
            }
            return """
                <label>\(field.label)<input type="\(field.type)" name="\(field.key)" value="\(value)" placeholder="\(field.placeholder)"></label>
                """
        }
        var hidden: [HTML] = extra.map { "<input type=\"hidden\" name=\"\($0.0)\" value=\"\($0.1)\">" }
        if query.sort != spec.defaultSort || query.direction != spec.defaultDirection {
            hidden.append("<input type=\"hidden\" name=\"sort\" value=\"\(query.sort)\">")
            hidden.append("<input type=\"hidden\" name=\"dir\" value=\"\(query.direction.rawValue)\">")
        }
        let sizes = Array(Set([20, 50, 100, spec.defaultSize, spec.maxSize, query.size])).filter { $0 <= spec.maxSize }
            .sorted()
        let sizeOptions: [HTML] = sizes.map { Views.option(String($0), "\($0) 条", selected: $0 == query.size) }
        return """
            <form method="get" action="\(base)" class="list-controls" role="search">\(hidden)
            <label>\(searchLabel)<input type="search" name="q" value="\(query.search)" placeholder="\(searchPlaceholder)"></label>
            \(inputs)<label>每页<select name="size">\(sizeOptions)</select></label>
            <button type="submit">查询</button> <a href="\(base.path(query: extra))">清除条件</a></form>
            """
    }

    /// A column header: a link sorting by `key` (ascending first, the other direction when already sorted by it),
    /// with an arrow and `aria-sort` on the current sort column; plain text when `key` is nil.
    static func header(
        _ label: String, key: String?, _ base: SiteURL, _ spec: ListSpec, _ query: ListQuery,
        extra: [(String, String)] = []
    ) -> HTML {
        guard let key else { return "<th>\(label)</th>" }
        let current = query.sort == key
        let next: SortDirection = current ? query.direction.reversed : .ascending
        let href = url(base, spec, query, extra: extra) {
            $0.sort = key
            $0.direction = next
            $0.page = 1
        }
        let arrow = current ? (query.direction == .ascending ? " ▲" : " ▼") : ""
        let aria: HTML = current ? " aria-sort=\"\(query.direction == .ascending ? "ascending" : "descending")\"" : ""
        let title = "按\(label)\(next == .ascending ? "升序" : "降序")排列"
        return "<th\(aria)><a class=\"sort\" href=\"\(href)\" title=\"\(title)\">\(label)\(arrow)</a></th>"
    }

    /// The pager: `第 3 / 120 页，共 5,983 条` (or `超过 10,000 条` when the total is an estimate), with first,
    /// previous, next and last links that keep the other parameters.
    static func pager<Row: Sendable>(
        _ page: ListPage<Row>, _ base: SiteURL, _ spec: ListSpec, extra: [(String, String)] = []
    ) -> HTML {
        let query = page.query
        let totalText =
            page.totalIsEstimate ? "超过 \(grouped(page.total)) 条（未精确计数）" : "共 \(grouped(page.total)) 条"
        let position =
            page.totalIsEstimate
            ? "第 \(grouped(query.page)) 页，\(totalText)"
            : "第 \(grouped(query.page)) / \(grouped(page.pageCount)) 页，\(totalText)"
        func go(_ number: Int, _ label: String, rel: String? = nil) -> HTML {
            let href = url(base, spec, query, extra: extra) { $0.page = number }
            let relText: HTML = rel.map { " rel=\"\($0)\"" } ?? ""
            return "<a href=\"\(href)\"\(relText)>\(label)</a>"
        }
        var links: [HTML] = []
        if query.page > 1 {
            links.append(go(1, "首页"))
            links.append(go(min(query.page - 1, page.pageCount), "上一页", rel: "prev"))
        }
        if page.hasNext { links.append(go(query.page + 1, "下一页", rel: "next")) }
        if !page.totalIsEstimate && query.page < page.pageCount { links.append(go(page.pageCount, "末页")) }
        let beyond: HTML =
            page.rows.isEmpty && query.page > 1
            ? "<span class=\"muted\">（本页没有记录：已超过最后一页）</span>" : ""
        return "<nav class=\"pager\" aria-label=\"分页\"><span>\(position)</span>\(beyond)\(links)</nav>"
    }

    /// `5983` → `5,983`.
    static func grouped(_ number: Int) -> String {
        let digits = String(number.magnitude)
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return (number < 0 ? "-" : "") + out
    }
}
