import Foundation
import KaoheApplication
import KaoheStorage

/// Evidence (佐证材料): an item's file list with its upload form, the printable evidence index
/// (佐证材料目录清单), and the two documents of the ZIP package (自查报告, 目录清单).
public enum EvidenceViews {
    /// `2024-03-01 14:05` in China Standard Time.
    static func time(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai") ?? TimeZone(secondsFromGMT: 8 * 3600)!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        func pad(_ n: Int?) -> String { (n ?? 0) < 10 ? "0\(n ?? 0)" : "\(n ?? 0)" }
        return "\(c.year ?? 0)-\(pad(c.month))-\(pad(c.day)) \(pad(c.hour)):\(pad(c.minute))"
    }

    /// The short label of a stored content type (`PDF 文档`, `PNG 图片`, …).
    static func typeLabel(_ contentType: String) -> String {
        let all: [EvidenceKind] = [
            .pdf, .png, .jpeg, .gif, .webp, .bmp, .tiff, .docx, .xlsx, .pptx, .ofd, .zip, .doc, .xls, .ppt, .text,
            .legacyText,
        ]
        return all.first { $0.contentType == contentType }?.label ?? contentType
    }

    /// One item's evidence: its files (withdrawn ones struck through, with who, when and why; each still
    /// links to its download) and, when `uploadURL` is given, the upload form. The form is a plain
    /// multipart POST that works without JavaScript (the CSRF token travels in the action's query, as the
    /// body is streamed to disk before it is read); with the site's script it shows a progress bar and
    /// refuses a file over `maxBytes` before sending it. Each current file gets a withdraw form (with a
    /// required reason) when `canWithdraw` (default: when there is an upload form).
    public static func itemEvidence(
        files: [EvidenceFile], uploadURL: SiteURL?, csrf: String, maxBytes: Int = 50 * 1024 * 1024,
        names: [UserID: String] = [:], canWithdraw: Bool? = nil, returnTo: String? = nil
    ) -> HTML {
        let withdrawable = canWithdraw ?? (uploadURL != nil)
        let back: HTML = returnTo.map { "<input type=\"hidden\" name=\"return\" value=\"\($0)\">" } ?? ""
        let rows: [HTML] = files.map { file in
            let meta = "\(typeLabel(file.contentType)) · \(EvidenceFormat.size(file.size)) · \(time(file.uploadedAt))"
            let who = file.uploadedBy.flatMap { names[$0] }.map { " · \($0)" } ?? ""
            if let withdrawnAt = file.withdrawnAt {
                let by = file.withdrawnBy.flatMap { names[$0] } ?? ""
                return """
                    <li class="withdrawn"><del>\(Views.link(.evidenceFile(.value(file.id)), file.fileName))</del> \
                    <span class="muted">\(meta)\(who)</span><br><span class="muted">已撤回：\(by) \(time(withdrawnAt))，\
                    理由：\(file.withdrawnReason ?? "")</span></li>
                    """
            }
            let withdraw: HTML =
                withdrawable
                ? """
                <details class="withdraw"><summary>撤回</summary>\
                <form method="post" action="\(SiteURL.evidenceWithdraw(.value(file.id)))">\(Views.csrfField(csrf))\(back)\
                <label>撤回理由（必填，撤回后记录保留）<input name="reason" required maxlength="500"></label>\
                <button type="submit" class="secondary">确认撤回</button></form></details>
                """ : ""
            return """
                <li>\(Views.link(.evidenceFile(.value(file.id)), file.fileName)) \
                <span class="muted">\(file.purpose.displayName) · \(meta)\(who)</span>\(withdraw)</li>
                """
        }
        let list: HTML = files.isEmpty ? "<p class=\"muted\">尚未上传佐证材料</p>" : "<ul class=\"evidence-files\">\(rows)</ul>"
        guard let uploadURL else { return "<div class=\"evidence\">\(list)</div>" }
        let action = uploadURL.path(query: [("_csrf", csrf)])
        let form: HTML = """
            <form class="evidence-upload" method="post" enctype="multipart/form-data" action="\(action)" \
            data-evidence-upload data-max="\(maxBytes)" data-max-label="\(EvidenceFormat.size(maxBytes))">\(back)\
            <label>上传佐证材料<input type="file" name="file" required accept="\(EvidenceKind.acceptAttribute)"></label>\
            <button type="submit">上传</button><progress max="100" value="0" hidden></progress>\
            <span class="upload-status" role="status"></span>\
            <small class="muted">可上传 PDF、OFD、图片、Word/Excel/PowerPoint、ZIP 或纯文本，单个文件不超过 \(EvidenceFormat.size(maxBytes))；\
            类型按文件内容判断。</small></form>
            """
        return "<div class=\"evidence\">\(list)\(form)</div>"
    }

    // MARK: Index page

    /// The printable evidence index (佐证材料目录清单) of a unit, A4.
    public static func indexPage(_ index: EvidenceIndex, identity: Identity, csrf: String) -> HTML {
        let a = index.scope.assessment.id, u = index.scope.unit.id
        let buttons: HTML = """
            <p class="buttons no-print"><button type="button" data-print>打印目录清单</button> \
            \(Views.link(.evidencePackage(.value(a), .value(u)), "下载自查报告和全部佐证材料（ZIP）")) \
            \(Views.link(.selfAssessment(.value(a), .value(u)), "返回单位自评"))</p>
            """
        return Views.layout(
            title: "佐证材料目录清单", identity: identity, csrf: csrf,
            content: "\(buttons)\(indexBody(index, links: true))")
    }

    /// The list itself, for the page (`links`: file names link to their downloads) and the ZIP document.
    static func indexBody(_ index: EvidenceIndex, links: Bool) -> HTML {
        let scope = index.scope
        var rows: [HTML] = []
        for entry in index.entries {
            let expected: HTML = entry.expected.isEmpty ? "" : "<br><small class=\"muted\">要求：\(entry.expected)</small>"
            let head: HTML =
                "<td class=\"num\" rowspan=\"\(max(entry.files.count, 1))\">\(entry.number)</td><td rowspan=\"\(max(entry.files.count, 1))\">\(entry.title)\(expected)</td>"
            guard !entry.files.isEmpty else {
                rows.append("<tr>\(head)<td></td><td class=\"muted\" colspan=\"5\">（未提供佐证材料）</td></tr>")
                continue
            }
            for (offset, numbered) in entry.files.enumerated() {
                let file = numbered.file
                let name: HTML = links ? Views.link(.evidenceFile(.value(file.id)), file.fileName) : "\(file.fileName)"
                rows.append(
                    """
                    <tr>\(offset == 0 ? head : "")<td class="num">\(numbered.number)</td><td>\(name)</td>\
                    <td>\(typeLabel(file.contentType))</td><td class="num">\(EvidenceFormat.size(file.size))</td>\
                    <td>\(time(file.uploadedAt))</td><td class="mono">\(String(file.sha256.prefix(12)))</td></tr>
                    """)
            }
        }
        let withdrawn: HTML
        if index.withdrawn.isEmpty {
            withdrawn = ""
        } else {
            let items: [HTML] = index.withdrawn.map { file in
                let name: HTML = links ? Views.link(.evidenceFile(.value(file.id)), file.fileName) : "\(file.fileName)"
                let by = file.withdrawnBy.flatMap { index.names[$0] } ?? ""
                return """
                    <li><del>\(name)</del>（项目 \(file.itemID)，\(time(file.uploadedAt)) 上传）—— \(by) 于 \
                    \(file.withdrawnAt.map(time) ?? "") 撤回，理由：\(file.withdrawnReason ?? "")</li>
                    """
            }
            withdrawn = "<h2>已撤回的材料（记录保留，不计入清单）</h2><ul class=\"withdrawn-list\">\(items)</ul>"
        }
        return """
            <p class="sheet-head">单位：<b>\(scope.unit.name)</b>（\(scope.unit.code)） · \(scope.assessment.year)年度 · \
            \(scope.assessment.title) · 方案：\(index.schemeTitle)</p>
            <p class="sheet-head">共 \(index.fileCount) 份材料，合计 \(EvidenceFormat.size(index.totalSize))；生成时间 \(time(index.generatedAt))</p>
            <table class="sheet evidence-index"><thead><tr><th>项目序号</th><th>考核项目</th><th>材料编号</th><th>材料名称</th>\
            <th>类型</th><th>大小</th><th>上传时间</th><th>SHA-256（前12位）</th></tr></thead>
            <tbody>\(rows)</tbody></table>\(withdrawn)
            <p class="sign">单位负责人（签字）：__________　填报人：__________　日期：__________（单位盖章）</p>
            """
    }

    // MARK: Documents in the ZIP package

    static let documentStyle = """
        body { font: 14px/1.6 "SimSun", "Songti SC", "Noto Serif CJK SC", serif; margin: 2em; color: #111; }
        h1 { text-align: center; font-size: 1.6em; } table { border-collapse: collapse; width: 100%; }
        th, td { border: 1px solid #444; padding: .3em .5em; text-align: left; vertical-align: top; }
        th { background: #eee; } td.num { text-align: right; white-space: nowrap; } .mono { font-family: monospace; }
        .muted { color: #666; } del { color: #666; } .sign { margin-top: 2.5em; } pre { white-space: pre-wrap; margin: 0; }
        @page { size: A4; margin: 15mm 12mm; } tr { break-inside: avoid; }
        """

    static func document(title: String, body: HTML) -> String {
        """
        <!doctype html>
        <html lang="zh-CN"><head><meta charset="utf-8"><title>\(HTML.escape(title))</title><style>\(documentStyle)</style></head>
        <body><h1>\(HTML.escape(title))</h1>\(body.text)</body></html>
        """
    }

    /// `佐证材料目录清单.html` of the package (file names without links: the files are beside it).
    public static func indexDocument(_ index: EvidenceIndex) -> String {
        document(title: "佐证材料目录清单", body: indexBody(index, links: false))
    }

    /// `自查报告.html`: each item's self-score and explanation, the total and the latest submission.
    public static func selfCheckDocument(_ report: SelfCheckReport, names: [UserID: String] = [:]) -> String {
        let scope = report.index.scope
        let rows: [HTML] = report.rows.map { row in
            let facts: HTML = row.claimedFacts.map { "<br><small class=\"muted\">自报事实：\($0)</small>" } ?? ""
            return """
                <tr><td class="num">\(row.number)</td><td>\(row.title)</td><td class="num">\(row.max)</td>\
                <td class="num">\(row.selfScore ?? "—")</td><td><pre>\(row.note)</pre>\(facts)</td>\
                <td class="num">\(row.evidenceCount)</td></tr>
                """
        }
        let submission: HTML
        if let last = report.submission {
            let by = last.submittedBy.flatMap { names[$0] ?? report.index.names[$0] } ?? ""
            submission = """
                <p>提交情况：第 \(last.number) 次提交（共 \(report.submissionCount) 次），\(time(last.submittedAt)) \(by)\
                \(last.late ? "，<b>逾期提交</b>" as HTML : "")\(last.deadline.map { "，截止日期 \($0.description)" } ?? "")</p>
                """
        } else {
            submission = "<p>提交情况：<b>尚未提交</b>（以下为当前草稿）</p>"
        }
        let body: HTML = """
            <p>被考核单位：<b>\(scope.unit.name)</b>（\(scope.unit.code)） · \(scope.assessment.year)年度 · \
            \(scope.assessment.title)</p><p>考核方案：\(report.index.schemeTitle)</p>\(submission)
            <table><thead><tr><th>序号</th><th>考核项目</th><th>分值</th><th>自评分</th><th>说明</th><th>佐证材料（份）</th></tr></thead>
            <tbody>\(rows)<tr><th colspan="3">自评总分</th><td class="num"><b>\(report.total)</b></td><td colspan="2"></td></tr></tbody></table>
            <p class="muted">佐证材料见同一压缩包中的“佐证材料目录清单.html”及按项目编号的文件夹。生成时间 \(time(report.index.generatedAt))。</p>
            <p class="sign">单位负责人（签字）：__________　填报人：__________　日期：__________（单位盖章）</p>
            """
        return document(title: "\(scope.unit.name) 自查报告", body: body)
    }

    // MARK: Style and script (served with the site's own assets)

    /// Styles for the evidence lists, the upload form and the index.
    static let css = """
        .evidence-files { padding-left: 1.2em; } .evidence-files li.withdrawn { color: var(--muted); }
        .evidence-files details.withdraw { display: inline-block; margin-left: .5em; }
        .evidence-files details.withdraw form { display: flex; gap: .4em; align-items: end; flex-wrap: wrap; }
        form.evidence-upload { display: flex; gap: .5em; align-items: end; flex-wrap: wrap; margin: .5em 0; }
        form.evidence-upload small { flex-basis: 100%; } form.evidence-upload progress { width: 12em; }
        .upload-status.failed { color: var(--accent); }
        table.evidence-index td.mono { font-family: monospace; font-size: .9em; }
        """

    /// Upload with a progress bar and a size check before sending; print buttons. Without it the forms post
    /// as usual.
    static let js = """
        document.addEventListener('submit', function (event) {
          var form = event.target;
          if (!form.matches || !form.matches('form[data-evidence-upload]') || !window.XMLHttpRequest || !window.FormData) return;
          var input = form.querySelector('input[type=file]');
          var status = form.querySelector('.upload-status');
          var bar = form.querySelector('progress');
          var button = form.querySelector('button[type=submit]');
          if (!input || !input.files.length) return;
          event.preventDefault();
          var file = input.files[0];
          var max = parseInt(form.getAttribute('data-max'), 10);
          status.classList.remove('failed');
          if (max && file.size > max) {
            status.textContent = '文件“' + file.name + '”超过单个文件 ' + form.getAttribute('data-max-label') + ' 的上限，未上传。';
            status.classList.add('failed');
            return;
          }
          var xhr = new XMLHttpRequest();
          xhr.open('POST', form.action);
          var token = new URL(form.action, location.href).searchParams.get('_csrf');
          if (token) xhr.setRequestHeader('X-CSRF-Token', token);
          xhr.upload.onprogress = function (e) {
            if (!e.lengthComputable) return;
            bar.hidden = false;
            bar.value = Math.round(e.loaded * 100 / e.total);
            status.textContent = '已上传 ' + bar.value + '%';
          };
          xhr.onload = function () {
            button.disabled = false;
            if (xhr.status >= 200 && xhr.status < 400) {
              status.textContent = '上传完成';
              location.href = xhr.responseURL || location.href;
              return;
            }
            var message = '上传失败（' + xhr.status + '）';
            try {
              var page = new DOMParser().parseFromString(xhr.responseText, 'text/html');
              var error = page.querySelector('.error');
              if (error) message = error.textContent;
            } catch (e) {}
            bar.hidden = true;
            status.textContent = message;
            status.classList.add('failed');
          };
          xhr.onerror = function () {
            button.disabled = false;
            bar.hidden = true;
            status.textContent = '上传中断（网络错误），文件未保存，请重试。';
            status.classList.add('failed');
          };
          button.disabled = true;
          status.textContent = '正在上传…';
          xhr.send(new FormData(form));
        });
        document.addEventListener('click', function (event) {
          if (event.target.matches && event.target.matches('button[data-print]')) window.print();
        });
        """
}
