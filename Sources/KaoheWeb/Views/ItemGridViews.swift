import KaoheApplication
import KaoheEngine
import KaoheStorage

/// Grid entry: one item for every unit in one table, entered from the keyboard (Tab to the next cell, Enter
/// saves the row and goes down a row, Shift+Enter up), each row's score and explanation updated as it saves.
enum ItemGridViews {
    /// What became of one row in the last save (shown in the row's status cell).
    struct RowStatus {
        enum Kind: String { case saved, unchanged, conflict, refused }
        var kind: Kind
        var message: String
    }

    /// The grid page. `entered` keeps what was submitted for rows that were not saved (nothing typed is lost),
    /// `versions` the version a conflicting row is saved over next time (the one stored now).
    static func page(
        _ grid: ItemGrid, entered: [UnitID: FormData] = [:], versions: [UnitID: Int] = [:],
        statuses: [UnitID: RowStatus] = [:], identity: Identity, csrf: String, notice: String? = nil,
        error: String? = nil
    ) -> HTML {
        let a = grid.assessment.id, item = grid.group.id
        let header: [HTML] = grid.gridSpecs.map { spec in
            "<th scope=\"col\">\(spec.label)\(spec.unit.isEmpty ? "" : "（\(spec.unit)）")</th>"
        }
        let others: HTML = grid.otherSpecs.isEmpty ? "" : "<th scope=\"col\">其他事实（在单位评分页录入）</th>"
        let rows: [HTML] = grid.rows.enumerated().map { index, row in
            Self.row(
                grid, row, index: index, form: entered[row.unit.id], version: versions[row.unit.id],
                status: statuses[row.unit.id], csrf: csrf)
        }
        let locked: HTML = grid.lockedReason.map { "<p class=\"notice\">\($0)</p>" } ?? ""
        let about: HTML =
            grid.group.item.map { "<p class=\"muted\">\($0.content)</p><p><b>考核标准：</b>\($0.standard)</p>" } ?? ""
        let base = SiteURL.itemGrid(.value(a), .value(item))
        let spec = Operations.itemGridListSpec
        let query = grid.page.query
        // Search and pages only when the units do not fit one page (the keyboard starts in the table otherwise).
        let paged = grid.page.total > query.size || query.page > 1 || !query.search.isEmpty
        let controls: HTML =
            paged
            ? ListViews.controls(base, spec, query, searchLabel: "查找单位", searchPlaceholder: "单位编码或名称", fields: [])
            : ""
        let pager: HTML = paged ? ListViews.pager(grid.page, base, spec) : ""
        let table: HTML =
            grid.rows.isEmpty
            ? "<p class=\"muted\">没有可录入本项目的单位（未参加考核、单位类型不适用本项目，或未分配给您\(query.search.isEmpty ? "" : "，或没有符合查找条件的单位")）。</p>"
            : """
            <form method="post" action="\(base.path(query: query.parameters(spec: spec)))" class="grid-form">\(Views.csrfField(csrf))
            <p class="muted no-print">用键盘录入：Tab 到下一格，回车保存本行并下移一行（Shift+回车上移），每行保存后即显示得分和计分说明。也可以填完后点“保存全部”；某一行冲突或有误时，其他行照常保存，本行的输入保留。</p>
            <div class="table-wrap"><table class="grid" data-item="\(item)"><thead><tr><th scope="col">单位</th>\(header)\(others)<th scope="col">得分</th><th scope="col">计分说明</th><th scope="col">状态</th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            <label>修改原因（可空，记入审计日志）<input name="reason"></label>
            \(grid.lockedReason == nil ? "<button type=\"submit\">保存全部</button>" as HTML : "")</form>\(pager)
            """
        return Views.layout(
            title: "逐项录入：\(grid.group.title)", identity: identity, csrf: csrf, notice: notice, error: error,
            content: """
                <p>\(grid.assessment.title) · 方案 <code>\(grid.scheme.id)</code> · 满分\(grid.group.item?.max.description ?? "—")分 · \(grid.page.total) 个单位</p>
                <p class="buttons">\(Views.link(.assessment(.value(a)), "返回考核")) \(Views.link(.results(.value(a)), "考核结果"))</p>
                \(about)\(locked)\(controls)\(table)
                """)
    }

    static func row(
        _ grid: ItemGrid, _ row: ItemGridRow, index: Int, form entered: FormData?, version: Int?, status: RowStatus?,
        csrf: String
    ) -> HTML {
        let a = grid.assessment.id, item = grid.group.id, unit = row.unit.id
        let prefix = "r\(index)."
        let form = entered ?? FactForm.fields(row.values, specs: grid.gridSpecs)
        let editable = row.editable
        let cells: [HTML] = grid.gridSpecs.map { spec in
            if row.derived.contains(spec.name) {
                return
                    "<td class=\"fixed\">\(FactForm.display(row.values[spec.name], spec: spec))<br><small class=\"muted\">平台记录推算</small></td>"
            }
            if let counted = row.counted[spec.name] {
                return "<td class=\"fixed\">\(counted)\(spec.unit)<br><small class=\"muted\">由问题记录计算</small></td>"
            }
            guard editable else { return "<td>\(FactForm.display(row.values[spec.name], spec: spec))</td>" }
            return "<td>\(cell(spec, form: form, prefix: prefix, unitName: row.unit.name))</td>"
        }
        let other: HTML =
            grid.otherSpecs.isEmpty
            ? ""
            : "<td>\(grid.otherSpecs.map { "\($0.label)：\(FactForm.display(row.values[$0.name], spec: $0))" }.joined(separator: "；")) \(Views.link(.unitScoring(.value(a), .value(unit)), "录入"))</td>"
        let score: HTML
        if let result = row.result {
            if case .pending = result.state {
                score = "<span class=\"score pending\">待评</span>"
            } else {
                score = "<span class=\"score\">\(result.score.description)</span>"
            }
        } else {
            score = "—"
        }
        let statusHTML: HTML = status.map { "<span class=\"grid-\($0.kind.rawValue)\">\($0.message)</span>" } ?? ""
        return """
            <tr data-unit="\(row.unit.code)" data-row-url="\(SiteURL.itemGridRow(.value(a), .value(item), .value(unit)))" data-prefix="\(prefix)">\
            <th scope="row">\(Views.link(.unitScoring(.value(a), .value(unit)), "\(row.unit.code) \(row.unit.name)"))\
            <input type="hidden" name="\(prefix)unit" value="\(unit.rawValue)"><input type="hidden" name="\(prefix)version" value="\(version ?? row.version)"></th>\
            \(cells)\(other)<td class="num grid-score">\(score)</td><td class="grid-explain">\(row.explanation)</td><td class="grid-status" aria-live="polite">\(statusHTML)</td></tr>
            """
    }

    /// The input of one fact in a cell: one value (a rate as a percentage).
    static func cell(_ spec: FactSpec, form: FormData, prefix: String, unitName: String) -> HTML {
        let label = "\(unitName) \(spec.label)"
        switch spec.type {
        case .bool:
            let current = form.raw(FactForm.field(spec.name)) ?? ""
            return
                "<select name=\"\(prefix)\(FactForm.field(spec.name))\" aria-label=\"\(label)\">\(Views.option("", "未填", selected: current.isEmpty))\(Views.option("true", "是", selected: current == "true"))\(Views.option("false", "否", selected: current == "false"))</select>"
        case .choice(let options):
            let current = form.raw(FactForm.field(spec.name)) ?? ""
            return
                "<select name=\"\(prefix)\(FactForm.field(spec.name))\" aria-label=\"\(label)\">\(Views.option("", "未填", selected: current.isEmpty))\(options.map { Views.option($0.id, $0.label, selected: current == $0.id) })</select>"
        case .rate:
            let name = FactForm.field(spec.name, "pct")
            return
                "<input class=\"short\" inputmode=\"decimal\" name=\"\(prefix)\(name)\" value=\"\(form.raw(name) ?? "")\" aria-label=\"\(label)（百分比）\" placeholder=\"%\">%"
        default:
            let name = FactForm.field(spec.name)
            return
                "<input class=\"short\" inputmode=\"decimal\" name=\"\(prefix)\(name)\" value=\"\(form.raw(name) ?? "")\" aria-label=\"\(label)\">"
        }
    }

    static let css = """
        table.grid td, table.grid th { vertical-align: top; } table.grid td.fixed { color: var(--muted); }
        table.grid td.grid-explain { font-size: .85em; max-width: 28em; } table.grid tr.dirty th { box-shadow: inset 4px 0 var(--accent); }
        table.grid tr.saving { opacity: .6; } .grid-saved { color: #2e7d32; } .grid-conflict, .grid-refused { color: var(--accent); }
        .table-wrap { overflow-x: auto; } ul.grid-links { columns: 2 22em; font-size: .92em; }
        """

    static let js = """
        // Grid entry: Enter saves the row (JSON) and moves down a row in the same column, Shift+Enter up.
        (function () {
          var table = document.querySelector('table.grid');
          if (!table || !window.XMLHttpRequest) return;
          var csrf = (document.querySelector('form.grid-form input[name=_csrf]') || {}).value || '';
          var reason = document.querySelector('form.grid-form input[name=reason]');
          function fieldsOf(tr) { return Array.prototype.slice.call(tr.querySelectorAll('input[name], select[name]')); }
          table.addEventListener('input', function (event) {
            var tr = event.target.closest('tr'); if (tr) tr.classList.add('dirty');
          });
          table.addEventListener('change', function (event) {
            var tr = event.target.closest('tr'); if (tr) tr.classList.add('dirty');
          });
          function save(tr, done) {
            var prefix = tr.getAttribute('data-prefix');
            var body = ['_csrf=' + encodeURIComponent(csrf)];
            if (reason && reason.value) body.push('reason=' + encodeURIComponent(reason.value));
            fieldsOf(tr).forEach(function (field) {
              var name = field.name.indexOf(prefix) === 0 ? field.name.slice(prefix.length) : field.name;
              body.push(encodeURIComponent(name) + '=' + encodeURIComponent(field.value));
            });
            tr.classList.add('saving');
            var xhr = new XMLHttpRequest();
            xhr.open('POST', tr.getAttribute('data-row-url'));
            xhr.setRequestHeader('Content-Type', 'application/x-www-form-urlencoded');
            xhr.setRequestHeader('Accept', 'application/json');
            xhr.onload = function () {
              tr.classList.remove('saving');
              var answer;
              try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = { status: 'refused', message: '保存失败（' + xhr.status + '）' }; }
              var status = tr.querySelector('.grid-status');
              status.innerHTML = '';
              var span = document.createElement('span');
              span.className = 'grid-' + answer.status;
              span.textContent = answer.message || '';
              status.appendChild(span);
              if (answer.version !== undefined) tr.querySelector('input[name="' + prefix + 'version"]').value = answer.version;
              if (answer.score !== undefined) {
                var score = tr.querySelector('.grid-score');
                score.innerHTML = '';
                var s = document.createElement('span');
                s.className = answer.pending ? 'score pending' : 'score';
                s.textContent = answer.pending ? '待评' : answer.score;
                score.appendChild(s);
                tr.querySelector('.grid-explain').textContent = answer.explanation;
              }
              if (answer.status === 'saved' || answer.status === 'unchanged') tr.classList.remove('dirty');
              if (done) done();
            };
            xhr.onerror = function () { tr.classList.remove('saving'); };
            xhr.send(body.join('&'));
          }
          table.addEventListener('keydown', function (event) {
            if (event.key !== 'Enter' || !event.target.matches('input, select')) return;
            event.preventDefault();
            var tr = event.target.closest('tr');
            var column = Array.prototype.indexOf.call(tr.children, event.target.closest('td'));
            var within = Array.prototype.indexOf.call(event.target.closest('td').querySelectorAll('input, select'), event.target);
            var next = event.shiftKey ? tr.previousElementSibling : tr.nextElementSibling;
            save(tr);
            if (next && next.children[column]) {
              var target = next.children[column].querySelectorAll('input, select')[Math.max(0, within)];
              if (target) { target.focus(); if (target.select) target.select(); }
            }
          });
        })();
        """
}
