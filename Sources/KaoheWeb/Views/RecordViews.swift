import Foundation
import KaoheApplication
import KaoheRecords
import KaoheStorage

/// Platform records of an organization: the records page (counts, upload form, import history) and the
/// import job page (progress bar, outcome, header mapping form).
enum RecordViews {
    /// The import policy, as the pages state it.
    static let policy: HTML = """
        <p class="policy"><b>导入规则：</b>先逐行校验全部文件，再写入。任何文件中只要有一行错误（日期无效、未知单位、同一文件内编号重复、\
        承诺时限超过法定时限等），本次上传的文件<b>整份不导入，不写入任何记录</b>，并列出每处错误所在的文件、行、列和原因（最多100处）。\
        同一类型、同一编号的记录再次导入时覆盖原记录，结果分别统计“新增”“更新”“未变”。</p>
        """

    /// The records page.
    static func page(_ overview: RecordsOverview, identity: Identity, csrf: String, error: String? = nil) -> HTML {
        let org = overview.organization
        let counts: [HTML] = RecordType.allCases.map { type in
            "<tr><td>\(type.label)</td><td><code>\(type.rawValue)</code></td><td class=\"num\">\(overview.counts[type.rawValue] ?? 0)</td></tr>"
        }
        let action = SiteURL.organizationRecords(.value(org.id)).path(query: [("_csrf", csrf)])
        let typeOptions: [HTML] = RecordType.allCases.map { option($0.rawValue, "\($0.label)（\($0.rawValue)）") }
        let fields: [HTML] = RecordType.allCases.map { type in
            let list =
                (["id（编号）", "unit（单位编码）"] + type.fields.map { "\($0.id)（\($0.label)）\($0.isRequired ? "＊" : "")" })
                .joined(separator: "、")
            return "<li><b>\(type.label)</b> <code>\(type.rawValue)</code>：\(list)</li>"
        }
        let spec = Operations.recordImportListSpec
        let list = overview.importList
        let base = SiteURL.organizationRecords(.value(org.id))
        let history: HTML
        if list.total == 0 && list.query.search.isEmpty && list.query.filters.isEmpty {
            history = "<p class=\"muted\">还没有导入记录。</p>"
        } else {
            let rows: [HTML] = overview.imports.map { log in
                let who = log.userID.map { overview.userNames[$0] ?? $0.rawValue } ?? "命令行"
                return """
                    <tr><td>\(EvidenceViews.time(log.createdAt))</td><td>\(who)</td><td>\(log.fileName)</td>\
                    <td>\(log.types.map { RecordType(rawValue: $0)?.label ?? $0 }.joined(separator: "、"))</td>\
                    <td><code title="\(log.sha256)">\(String(log.sha256.prefix(12)))</code></td>\
                    <td class="num">\(log.counts.new)</td><td class="num">\(log.counts.changed)</td><td class="num">\(log.counts.unchanged)</td></tr>
                    """
            }
            let controls = ListViews.controls(
                base, spec, list.query, searchLabel: "搜索", searchPlaceholder: "文件名或 SHA-256",
                fields: [
                    .init(key: "type", label: "类型", options: RecordType.allCases.map { ($0.rawValue, $0.label) }),
                    .init(key: "unit", label: "涉及单位", placeholder: "单位编码"),
                    .init(key: "from", label: "起始日期", type: "date"), .init(key: "to", label: "截止日期", type: "date"),
                ])
            let headers: [HTML] = [
                ListViews.header("时间", key: "time", base, spec, list.query),
                ListViews.header("导入人", key: nil, base, spec, list.query),
                ListViews.header("文件", key: "file", base, spec, list.query),
                ListViews.header("类型", key: nil, base, spec, list.query),
                ListViews.header("SHA-256", key: nil, base, spec, list.query),
                ListViews.header("新增", key: "new", base, spec, list.query),
                ListViews.header("更新", key: nil, base, spec, list.query),
                ListViews.header("未变", key: nil, base, spec, list.query),
            ]
            let empty: HTML = rows.isEmpty ? "<p class=\"muted\">没有符合条件的导入记录。</p>" : ""
            history = """
                \(controls)<table class="imports"><thead><tr>\(headers)</tr></thead><tbody>\(rows)</tbody></table>\(empty)
                \(ListViews.pager(list, base, spec))
                """
        }
        let content: HTML = """
            <p class="muted">\(org.name)：平台记录按单位编码归属（本组织共 \(overview.unitCount) 个单位），考核的派生事实由这些记录计算。</p>
            <h2>各类记录</h2><table class="narrow-table record-counts"><thead><tr><th>类型</th><th>标识</th><th>条数</th></tr></thead><tbody>\(counts)</tbody></table>
            <h2>导入记录</h2>
            <form class="card record-upload" method="post" enctype="multipart/form-data" action="\(action)">
            <label>记录文件（CSV、XLSX 或 JSON Lines，可多选）<input type="file" name="file" multiple required accept=".csv,.xlsx,.jsonl,.ndjson,.txt"></label>
            <label>记录类型（CSV、XLSX）<select name="type">\(option("", "按文件名判断（如 case.csv、办件.xlsx）"))\(typeOptions)</select></label>
            <button type="submit">上传并导入</button></form>
            \(policy)
            <details class="fields"><summary>各类型的字段（表头可用字段名或中文名，＊为必填；其他表头在导入时指定一次，之后自动沿用）</summary><ul>\(fields)</ul></details>
            <h2>导入历史</h2>\(history)
            """
        return Views.layout(title: "平台记录 · \(org.name)", identity: identity, csrf: csrf, error: error, content: content)
    }

    static func option(_ value: String, _ label: String) -> HTML { "<option value=\"\(value)\">\(label)</option>" }

    /// The job page: a progress bar while it runs, then the counts, the refused rows, or the mapping form.
    static func job(
        _ job: RecordImportJobs.Job, organization: Organization, identity: Identity, csrf: String,
        error: String? = nil
    ) -> HTML {
        let o = Parameter.value(organization.id), j = Parameter.value(job.id)
        let back: HTML = "<p><a href=\"\(SiteURL.organizationRecords(o))\">返回平台记录</a></p>"
        let names = job.files.map(\.name).joined(separator: "、")
        var content: HTML = "<p class=\"muted\">文件：\(names)</p>"
        switch job.state {
        case .running(let progress):
            let percent = progress?.percent ?? 0
            let summary = progress?.summary ?? "排队中，即将开始校验"
            content = """
                \(content)<div class="import-progress" data-import-status="\(SiteURL.recordImportStatus(o, j))">
                <progress max="100" value="\(percent)" aria-label="导入进度">\(percent)%</progress>
                <p class="import-summary" role="status">\(summary)</p></div>
                <noscript><meta http-equiv="refresh" content="2"></noscript>
                <p class="muted">页面会自动更新；也可<a href="\(SiteURL.recordImportJob(o, j))">刷新查看进度</a>。</p>
                """
        case .done(let report):
            let rows: [HTML] = report.files.map { file in
                """
                <tr><td>\(file.name)</td><td>\(file.types.map { RecordType(rawValue: $0)?.label ?? $0 }.joined(separator: "、"))</td>\
                <td class="num">\(file.rows)</td><td class="num new">\(file.counts.new)</td><td class="num changed">\(file.counts.changed)</td>\
                <td class="num unchanged">\(file.counts.unchanged)</td><td><code title="\(file.sha256)">\(String(file.sha256.prefix(12)))</code></td></tr>
                """
            }
            let total = report.counts
            content = """
                \(content)<div class="import-progress"><progress max="100" value="100" aria-label="导入进度">100%</progress>
                <p class="import-summary notice" role="status">导入完成：共 \(total.total) 条，新增 \(total.new) 条，更新 \(total.changed) 条，未变 \(total.unchanged) 条。</p></div>
                <table class="import-result"><thead><tr><th>文件</th><th>类型</th><th>条数</th><th>新增</th><th>更新</th><th>未变</th><th>SHA-256</th></tr></thead>\
                <tbody>\(rows)</tbody></table>
                """
        case .refused(let errors, let stopped):
            let rows: [HTML] = errors.map { error in
                "<tr><td>\(error.file ?? "")</td><td class=\"num\">\(error.row.map(String.init) ?? "")</td><td>\(error.column ?? "")</td><td>\(error.message)</td></tr>"
            }
            let more: HTML = stopped ? "<p class=\"muted\">错误较多，只列出前 \(errors.count) 处，其余未检查。</p>" : ""
            content = """
                \(content)<p class="error" role="alert">导入被拒绝：发现 \(errors.count) 处错误。有错误行的文件整份不导入，<b>本次没有写入任何记录</b>。请改正后重新上传。</p>
                <table class="import-errors"><thead><tr><th>文件</th><th>行</th><th>列</th><th>原因</th></tr></thead><tbody>\(rows)</tbody></table>\(more)
                """
        case .needsMapping(let files):
            var blocks: [HTML] = []
            for (fileIndex, file) in files.enumerated() {
                let type = RecordType(rawValue: file.type)
                let choices: [(String, String)] =
                    [("id", "id（编号）"), ("unit", "unit（单位编码）")]
                    + (type?.fields.map { ($0.id, "\($0.id)（\($0.label)）") } ?? [])
                let rows: [HTML] = file.headers.enumerated().map { headerIndex, header in
                    let options: [HTML] =
                        [option("?", "请选择")] + choices.map { option($0.0, $0.1) } + [option("", "忽略此列")]
                    let shown = header.isEmpty ? "（空表头）" : header
                    return """
                        <tr><td>\(shown)</td><td><input type="hidden" name="header_\(fileIndex)_\(headerIndex)" value="\(header)">\
                        <select name="field_\(fileIndex)_\(headerIndex)" aria-label="“\(shown)”对应的字段">\(options)</select></td></tr>
                        """
                }
                blocks.append(
                    """
                    <h3>\(file.file)（\(type?.label ?? file.type)）</h3><input type="hidden" name="type_\(fileIndex)" value="\(file.type)">
                    <table class="narrow-table header-mapping"><thead><tr><th>文件中的表头</th><th>对应字段</th></tr></thead><tbody>\(rows)</tbody></table>
                    """)
            }
            content = """
                \(content)<p class="error" role="alert">以下表头无法识别：请为每个表头选择对应的字段，或选择“忽略此列”。对应关系会为本组织记住，下次导入同类记录时自动沿用。</p>
                <form method="post" action="\(SiteURL.recordImportMapping(o, j))" class="card mapping">\(Views.csrfField(csrf))
                \(blocks)<button type="submit">保存对应关系并导入</button></form>
                """
        case .failed(let message):
            content = "\(content)<p class=\"error\" role=\"alert\">导入失败，未写入任何记录：\(message)</p>"
        }
        return Views.layout(
            title: "导入平台记录", identity: identity, csrf: csrf, error: error, content: "\(content)\(policy)\(back)")
    }

    static let css = """
        .record-upload input[type=file] { padding: .3em 0; } p.policy { max-width: 52em; font-size: .92em; }
        .import-progress progress { width: 100%; max-width: 40em; height: 1.4em; }
        table td.num { text-align: right; } details.fields li { margin: .2em 0; }
        """

    static let js = """
        // The import job page: polls the job's JSON status and moves the progress bar; reloads once it ends.
        (function () {
          var box = document.querySelector('[data-import-status]');
          if (!box || !window.XMLHttpRequest) return;
          var url = box.getAttribute('data-import-status');
          var bar = box.querySelector('progress');
          var text = box.querySelector('.import-summary');
          function poll() {
            var xhr = new XMLHttpRequest();
            xhr.open('GET', url);
            xhr.setRequestHeader('Accept', 'application/json');
            xhr.onload = function () {
              if (xhr.status !== 200) { setTimeout(poll, 1000); return; }
              var status = JSON.parse(xhr.responseText);
              bar.value = status.percent;
              bar.textContent = status.percent + '%';
              text.textContent = status.summary;
              if (status.state !== 'running') { location.reload(); return; }
              setTimeout(poll, 300);
            };
            xhr.onerror = function () { setTimeout(poll, 1000); };
            xhr.send();
          }
          setTimeout(poll, 200);
        })();
        """
}
