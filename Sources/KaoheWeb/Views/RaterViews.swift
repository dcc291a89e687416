import Foundation
import KaoheApplication
import KaoheEngine
import KaoheStorage

/// The rater pages' stylesheet (in app.css): the tallies, the phone-friendly public ballot and the A4 slips.
enum RaterViews {
    static let css = """
        table.tallies td.num { text-align: right; white-space: nowrap; } table.tallies td.explain { font-size: .85em; }
        .ballot-unit { border: 1px solid #d0d7de; border-radius: 6px; padding: .6em .8em; margin: .6em 0; }
        .ballot-unit h3 { margin: 0 0 .4em; font-size: 1.05em; } .ballot-unit .levels { display: flex; flex-wrap: wrap; gap: .4em 1em; }
        .ballot-unit .levels label { display: inline-flex; align-items: center; gap: .3em; padding: .35em .2em; }
        .ballot-unit textarea { width: 100%; min-height: 2.5em; box-sizing: border-box; }
        body.public-ballot main { max-width: 40em; margin: 0 auto; padding: 0 .8em; }
        body.public-ballot .ballot-unit input[type=radio] { width: 1.3em; height: 1.3em; }
        body.public-ballot button { font-size: 1.1em; padding: .6em 1.4em; width: 100%; }
        body.public-ballot input.code { font-size: 1.3em; letter-spacing: .1em; width: 100%; box-sizing: border-box; text-transform: uppercase; }
        body.print-doc .slips { display: grid; grid-template-columns: repeat(3, 1fr); gap: 0; }
        .slip { border: 1px dashed #888; padding: 4mm; height: 62mm; box-sizing: border-box; text-align: center; break-inside: avoid; font-size: 11px; }
        .slip svg { width: 30mm; height: 30mm; } .slip .code { font-family: monospace; font-size: 16px; letter-spacing: .12em; font-weight: bold; }
        .slip .addr { font-family: monospace; word-break: break-all; }
        @page slips { size: A4 portrait; margin: 10mm; }
        @media print { .slips { page: slips; } }
        """
}

extension Views {
    static func roundStatus(_ status: RaterRoundState) -> String {
        switch status {
        case .draft: "准备中"
        case .open: "进行中"
        case .closed: "已结束"
        }
    }

    static func scaleText(_ group: RaterGroupConfig) -> String {
        group.levels.isEmpty
            ? "0—\(group.scale)分" : group.levels.map { "\($0.name)\($0.points)" }.joined(separator: "/")
    }

    public static func raterRoundIndex(
        _ index: RaterRoundIndex, identity: Identity, csrf: String, notice: String? = nil, error: String? = nil
    ) -> HTML {
        let a = index.assessment
        let mine: HTML =
            index.myBallots.isEmpty
            ? "<p class=\"muted\">您没有需要填写的评议表。</p>"
            : """
            <ul>\(index.myBallots.map { entry -> HTML in
                "<li><a href=\"\(SiteURL.raterBallot(.value(entry.round.id), .value(entry.group.id)))\">\(entry.round.title) · \(entry.group.label)</a>（\(entry.submitted ? "已提交" : "未提交")）</li>"
            })</ul>
            """
        var content: HTML = "<h2>我的评议表</h2>\(mine)"
        if index.canManage {
            let rows: [HTML] = index.rounds.map { entry in
                "<tr><td><a href=\"\(SiteURL.raterRound(.value(entry.round.id)))\">\(entry.round.title)</a></td><td>\(entry.round.itemID)</td><td>\(roundStatus(entry.status))</td><td>\(entry.round.groups.map(\.label).joined(separator: "、"))</td></tr>"
            }
            let table: HTML =
                rows.isEmpty
                ? "<p class=\"muted\">还没有评议。</p>"
                : "<table><thead><tr><th>评议</th><th>考核项</th><th>状态</th><th>评议组</th></tr></thead><tbody>\(rows)</tbody></table>"
            let form: HTML =
                index.items.isEmpty
                ? "<p class=\"muted\">本考核的方案没有评议项（raters 规则），不能创建评议。</p>"
                : """
                <form method="post" action="\(SiteURL.raterRounds(.value(a.id)))">\(csrfField(csrf))
                <label>考核项 <select name="item">\(index.items.map { option($0.id, "\($0.id) \($0.name)", selected: false) })</select></label>
                <label>名称 <input name="title" maxlength="100" placeholder="如：\(a.year)年度年终评议"></label>
                <button type="submit">创建评议</button></form>
                """
            content = "<h2>评议</h2>\(table)<h2>创建评议</h2>\(form)\(content)"
        }
        return layout(
            title: "\(a.title) · 评议", identity: identity, csrf: csrf, notice: notice, error: error,
            content: "<p>\(link(.assessment(.value(a.id)), "返回考核"))</p>\(content)")
    }

    static func tallyText(_ tally: RaterTally?) -> HTML {
        switch tally {
        case .counted(let ballots, let dropped, let mean)?:
            return
                "<td class=\"num\">\(groupedCount(ballots))</td><td class=\"num\">\(dropped)</td><td class=\"num\">\(mean.twoDecimals)</td>"
        case .leftOut(let ballots, let minimum)?:
            return
                "<td class=\"num\">\(groupedCount(ballots))</td><td class=\"num\">—</td><td class=\"num\" title=\"少于\(minimum)票，不计入\">不计</td>"
        case nil:
            return "<td class=\"num\">0</td><td class=\"num\">—</td><td class=\"num\">—</td>"
        }
    }

    public static func raterRound(
        _ report: RaterRoundReport, identity: Identity, csrf: String, notice: String? = nil, error: String? = nil
    ) -> HTML {
        let round = report.round
        let id = round.id
        let frozen = report.status != .draft
        let total = report.groups.reduce(ExactDecimal.zero) { $0 + $1.weight }
        let groupRows: [HTML] = report.groups.map { g in
            let share = total > .zero ? g.weight.divided(by: total, places: 4).percentText : "—"
            return
                "<tr><td>\(g.config.label)</td><td>\(g.config.kind.label)</td><td>\(scaleText(g.config))</td><td class=\"num\">\(share)</td><td class=\"num\">\(g.config.trim)</td><td class=\"num\">\(g.config.minimum)</td><td class=\"num\">\(g.submitted)/\(g.expected)</td><td class=\"num\">\(g.responseRate)</td></tr>"
        }
        let stateForm: HTML
        switch report.status {
        case .draft:
            stateForm =
                "<form method=\"post\" action=\"\(SiteURL.raterRoundState(.value(id)))\" class=\"inline\">\(csrfField(csrf))<input type=\"hidden\" name=\"action\" value=\"open\"><button type=\"submit\">开始评议</button></form> <form method=\"post\" action=\"\(SiteURL.raterRoundState(.value(id)))\" class=\"inline\">\(csrfField(csrf))<input type=\"hidden\" name=\"action\" value=\"close\"><button type=\"submit\">结束评议</button></form>"
        case .open:
            stateForm =
                "<form method=\"post\" action=\"\(SiteURL.raterRoundState(.value(id)))\" class=\"inline\">\(csrfField(csrf))<input type=\"hidden\" name=\"action\" value=\"close\"><button type=\"submit\" data-confirm=\"结束后评议冻结，不能再评议或修改。确定结束？\">结束评议</button></form>"
        case .closed:
            stateForm = "<p>评议已结束（冻结），结果已计入考核项 \(round.itemID)。</p>"
        }
        let dates =
            "开始：\(RaterRules.text(round.opensAt).isEmpty ? "手动" : RaterRules.text(round.opensAt))；结束：\(RaterRules.text(round.closesAt).isEmpty ? "手动" : RaterRules.text(round.closesAt))"
        // Tallies per unit and group.
        let head: HTML =
            "<tr><th rowspan=\"2\">单位</th>\(report.groups.map { "<th colspan=\"3\">\($0.config.label)</th>" as HTML })<th rowspan=\"2\">考核项得分（满分\(report.itemMax)）</th></tr><tr>\(report.groups.map { _ in "<th>票数</th><th>去掉</th><th>平均分</th>" as HTML })</tr>"
        let unitRows: [HTML] = report.units.map { unit in
            let cells: [HTML] = report.groups.map { tallyText(report.tallies[unit.id]?[$0.config.id]) }
            let score = report.scores[unit.id]
            return
                "<tr><td>\(unit.name)</td>\(cells)<td><strong>\(score?.score ?? "—")</strong><div class=\"muted explain\">\(score?.explanation ?? "")</div></td></tr>"
        }
        let tallies: HTML =
            "<table class=\"tallies\"><thead>\(head)</thead><tbody>\(unitRows)</tbody></table><p class=\"muted\">票数为已提交的评议表数；满足 2k+3 票时去掉 k 个最高分和 k 个最低分；少于最少票数的评议组不计入，其余组权重按比例放大。\(report.status == .closed ? "" : "评议结束后得分计入考核结果。")</p>"
        let reminders: HTML =
            report.reminders.isEmpty
            ? "<p>指定评议人和各单位均已提交。</p>"
            : """
            <p>尚未提交 \(report.reminders.count) 份：\(link(.raterReminders(.value(id)), "打印催办名单"))</p>\
            \(report.status == .open ? """
            <form method="post" action="\(SiteURL.raterRemind(.value(id)))" class="inline">\(csrfField(csrf))\
            <button type="submit">站内提醒未提交的评议人</button></form>
            """ as HTML : "")
            """
        let codes: HTML = report.groups.filter { $0.config.kind == .public }.map { g -> HTML in
            report.status == .closed
                ? "<p>\(g.config.label)：已发放评议码 \(g.expected) 个，已使用 \(g.submitted) 个。</p>"
                : """
                <form method="post" action="\(SiteURL.raterCodes(.value(id)))">\(csrfField(csrf))<input type="hidden" name="group" value="\(g.config.id)">
                <p>\(g.config.label)：已发放 \(g.expected) 个，已使用 \(g.submitted) 个。评议码只显示一次（服务器只保存其散列值），请生成后立即打印或下载。</p>
                <label>数量 <input name="count" type="number" min="1" max="\(RaterCodes.maximumBatch)" value="100"></label>
                <button type="submit" name="format" value="slips">生成并打印纸条（A4）</button>
                <button type="submit" name="format" value="csv">生成并下载 CSV</button></form>
                """
        }.reduce("" as HTML) { "\($0)\($1)" }
        let comments: [HTML] = report.comments.map { c in
            let unit = report.units.first { $0.id == c.unitID }?.name ?? c.unitID.rawValue
            let group = round.group(c.groupID)?.label ?? c.groupID
            let buttons: HTML =
                "<form method=\"post\" action=\"\(SiteURL.raterComment(.value(id), .value(c.id)))\" class=\"inline\">\(csrfField(csrf))<button name=\"status\" value=\"approved\">通过</button> <button name=\"status\" value=\"hidden\">隐藏</button></form>"
            return
                "<tr><td>\(unit)</td><td>\(group)</td><td>\(c.text)</td><td>\(c.status.label)</td><td>\(buttons)</td></tr>"
        }
        let commentTable: HTML =
            comments.isEmpty
            ? "<p class=\"muted\">暂无评议意见。</p>"
            : "<table><thead><tr><th>被评单位</th><th>评议组</th><th>意见</th><th>状态</th><th>审核</th></tr></thead><tbody>\(comments)</tbody></table><p class=\"muted\">意见经审核通过后，被评单位才能看到（不显示评议人）。</p>"
        let settings: HTML = frozen ? "" : raterSettingsForm(report, csrf: csrf)
        let content: HTML = """
            <p>\(link(.raterRounds(.value(report.assessment.id)), "返回评议列表")) · 考核：\(report.assessment.title) · 考核项 \(round.itemID) \(report.itemName)（满分\(report.itemMax)分）</p>
            <p>状态：<strong>\(roundStatus(report.status))</strong>；\(dates)</p>\(stateForm)
            <h2>评议组</h2><table><thead><tr><th>评议组</th><th>评议人</th><th>评分方式</th><th>权重</th><th>去掉最高最低(k)</th><th>最少票数</th><th>已提交</th><th>参评率</th></tr></thead><tbody>\(groupRows)</tbody></table>
            \(settings)
            <h2>各单位评议结果</h2>\(tallies)
            <h2>催办</h2>\(reminders)
            <h2>社会评议码</h2>\(codes.text.isEmpty ? "<p class=\"muted\">没有社会公众评议组。</p>" as HTML : codes)
            <h2 id="comments">评议意见审核</h2>\(commentTable)
            """
        return layout(
            title: round.title, identity: identity, csrf: csrf, notice: notice, error: error, content: content)
    }

    static func raterSettingsForm(_ report: RaterRoundReport, csrf: String) -> HTML {
        let round = report.round
        let groups: [HTML] = round.groups.map { g in
            let kinds: [HTML] = RaterKind.allCases.map { option($0.rawValue, $0.label, selected: $0 == g.kind) }
            let names = g.raters.compactMap { id in report.candidates.first { $0.id == id }?.username }.joined(
                separator: ", ")
            let codes = g.units.compactMap { id in report.units.first { $0.id == id }?.code }.joined(separator: ", ")
            let levels = g.levels.map { "\($0.name)=\($0.points)" }.joined(separator: "，")
            return """
                <fieldset><legend>\(g.label)（\(g.id)）</legend><input type="hidden" name="group" value="\(g.id)">
                <label>评议人 <select name="kind_\(g.id)">\(kinds)</select></label>
                <label>指定评议人的用户名（逗号分隔） <input name="raters_\(g.id)" value="\(names)" size="40"></label>
                <label>评分等次（空：按0—\(g.scale)分打分） <input name="levels_\(g.id)" value="\(levels)" size="40" placeholder="满意=100，基本满意=80，不满意=0"></label>
                <label>去掉最高最低各 k 个 <input name="trim_\(g.id)" type="number" min="0" max="10" value="\(g.trim)"></label>
                <label>最少票数 <input name="minimum_\(g.id)" type="number" min="1" value="\(g.minimum)"></label>
                <label>只评这些单位（单位编码，空：全部） <input name="units_\(g.id)" value="\(codes)" size="40"></label>
                </fieldset>
                """
        }
        return """
            <h2>设置</h2><form method="post" action="\(SiteURL.raterRound(.value(round.id)))">\(csrfField(csrf))
            <label>名称 <input name="title" value="\(round.title)" maxlength="100" required></label>
            <label>开始时间（空：手动开始） <input name="opens_at" value="\(RaterRules.text(round.opensAt))" placeholder="2026-12-01 09:00"></label>
            <label>结束时间（空：手动结束） <input name="closes_at" value="\(RaterRules.text(round.closesAt))" placeholder="2026-12-10 18:00"></label>
            \(groups)<button type="submit">保存设置</button></form>
            <p class="muted">评议开始后设置冻结。可作指定评议人的用户：\(report.candidates.map { "\($0.username)（\($0.displayName)）" }.joined(separator: "、"))</p>
            """
    }

    /// The printable list of who has not submitted.
    public static func raterReminders(_ report: RaterRoundReport) -> HTML {
        let rows: [HTML] = report.reminders.enumerated().map { index, r in
            "<tr><td>\(index + 1)</td><td>\(r.group)</td><td>\(r.name)</td><td>\(r.hasDraft ? "已存草稿，未提交" : "未填写")</td></tr>"
        }
        return """
            <!doctype html>
            <html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>催办名单 · \(report.round.title)</title><link rel="stylesheet" href="\(SiteURL.stylesheet)"></head>
            <body class="print-doc"><article class="bulletin-print">
            <p class="no-print muted">用浏览器的打印功能（Ctrl+P）打印。 <a href="\(SiteURL.raterRound(.value(report.round.id)))">返回</a></p>
            <h1>\(report.assessment.title)<br>\(report.round.title) · 尚未提交评议表名单</h1>
            <p>截至 \(RaterRules.text(Date()))；评议\(roundStatus(report.status))\(report.round.closesAt.map { "，截止 \(RaterRules.text($0))" } ?? "")。</p>
            <table><thead><tr><th>序号</th><th>评议组</th><th>评议人</th><th>情况</th></tr></thead><tbody>\(rows)</tbody></table>
            </article></body></html>
            """
    }

    /// The A4 sheet of slips: per code a QR code of its address, the short address and the code.
    public static func raterSlips(round: RaterRound, group: RaterGroupConfig, codes: [String], base: String) -> HTML {
        let entry = base + SiteURL.publicBallotEntry.path
        let slips: [HTML] = codes.map { code in
            let address = base + SiteURL.publicBallot(.value(code)).path
            return """
                <div class="slip"><div>\(round.title) · \(group.label)</div>\(qrCode(address))
                <div class="addr">\(address)</div><div>或打开 \(entry) 输入评议码：</div><div class="code">\(code)</div><div class="muted">每码限用一次，匿名评议</div></div>
                """
        }
        return """
            <!doctype html>
            <html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>评议码 · \(round.title)</title><link rel="stylesheet" href="\(SiteURL.stylesheet)"></head>
            <body class="print-doc"><p class="no-print">共 \(codes.count) 个评议码。评议码只显示这一次：请现在用浏览器打印（A4 纵向，每页 12 张），\
            或返回生成 CSV。<a href="\(SiteURL.raterRound(.value(round.id)))">返回评议</a></p>
            <div class="slips">\(slips)</div></body></html>
            """
    }

    /// The QR code of `text` as inline SVG (drawn by the server; see KaoheExport's encoder when present).
    static func qrCode(_ text: String) -> HTML { QRDrawing.svg(text) }

    /// A named rater's or a unit's ballot sheet.
    public static func raterBallot(
        _ ballot: RaterBallot, identity: Identity, csrf: String, notice: String? = nil, error: String? = nil
    ) -> HTML {
        let submitted = ballot.sheet?.submitted == true
        let editable = !submitted && ballot.status == .open
        let state: HTML =
            submitted
            ? "<p class=\"notice\">您已提交评议表，提交后不能修改。</p>"
            : ballot.status == .open ? "" : "<p class=\"error\">评议\(roundStatus(ballot.status))，现在不能填写。</p>"
        let units: [HTML] = ballot.units.map { unit in
            ballotUnit(
                unit, group: ballot.group, mark: ballot.sheet?.marks[unit.id.rawValue], editable: editable,
                withComment: true)
        }
        let buttons: HTML =
            editable
            ? "<p><button type=\"submit\" name=\"action\" value=\"save\">保存草稿</button> <button type=\"submit\" name=\"action\" value=\"submit\" data-confirm=\"提交后不能修改，确定提交？\">提交评议表</button></p>"
            : ""
        let content: HTML = """
            <p>\(ballot.assessmentTitle) · \(ballot.group.label) · 评议人：\(ballot.raterName)。评分方式：\(scaleText(ballot.group))。本单位不在评议范围内。</p>\(state)
            <form method="post" action="\(SiteURL.raterBallot(.value(ballot.round.id), .value(ballot.group.id)))">\(csrfField(csrf))\(units)\(buttons)</form>
            """
        return layout(
            title: ballot.round.title, identity: identity, csrf: csrf, notice: notice, error: error, content: content)
    }

    static func ballotUnit(
        _ unit: AssessedUnit, group: RaterGroupConfig, mark: RaterMark?, editable: Bool, withComment: Bool
    ) -> HTML {
        let key = unit.id.rawValue
        let disabled: HTML = editable ? "" : " disabled"
        let input: HTML
        if group.levels.isEmpty {
            input =
                "<label>评分（0—\(group.scale)） <input name=\"mark_\(key)\" inputmode=\"decimal\" value=\"\(mark?.mark ?? "")\" size=\"6\"\(disabled)></label>"
        } else {
            let choices: [HTML] = group.levels.map { level in
                let checked: HTML =
                    (mark?.mark == level.points || mark?.mark == level.name
                        || (ExactDecimal(mark?.mark ?? "") != nil
                            && ExactDecimal(mark?.mark ?? "") == ExactDecimal(level.points)))
                    ? " checked" : ""
                return
                    "<label><input type=\"radio\" name=\"mark_\(key)\" value=\"\(level.name)\"\(checked)\(disabled)> \(level.name)</label>"
            }
            input = "<div class=\"levels\" role=\"radiogroup\" aria-label=\"\(unit.name)\">\(choices)</div>"
        }
        let comment: HTML =
            withComment
            ? "<label>意见建议（可选） <textarea name=\"comment_\(key)\" maxlength=\"500\"\(disabled)>\(mark?.comment ?? "")</textarea></label>"
            : ""
        return "<div class=\"ballot-unit\"><h3>\(unit.name)</h3>\(input)\(comment)</div>"
    }

    static func publicLayout(title: String, error: String? = nil, content: HTML) -> HTML {
        let errorHTML: HTML = error.map { "<p class=\"error\" role=\"alert\">\($0)</p>" } ?? ""
        return """
            <!doctype html>
            <html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title)</title><link rel="stylesheet" href="\(SiteURL.stylesheet)"><script src="\(SiteURL.script)" defer></script></head>
            <body class="public-ballot"><main><h1>\(title)</h1>\(errorHTML)\(content)</main></body></html>
            """
    }

    /// The form to type a code.
    public static func publicBallotEntry(csrf: String, error: String? = nil) -> HTML {
        publicLayout(
            title: "满意度评议", error: error,
            content: """
                <form method="post" action="\(SiteURL.publicBallotEntry)">\(csrfField(csrf))
                <label>请输入评议纸条上的评议码 <input class="code" name="code" autocomplete="off" autocapitalize="characters" maxlength="20" required></label>
                <p><button type="submit">开始评议</button></p></form>
                <p class="muted">评议匿名进行：系统不记录评议码与评议内容的对应关系。每个评议码只能使用一次。</p>
                """)
    }

    /// The public ballot sheet.
    public static func publicBallot(
        _ ballot: RaterBallot, code: String, csrf: String, typed: [String: (mark: String, comment: String)] = [:],
        error: String? = nil
    ) -> HTML {
        let units: [HTML] = ballot.units.map { unit in
            let entry = typed[unit.id.rawValue]
            return ballotUnit(
                unit, group: ballot.group, mark: entry.map { RaterMark(mark: $0.mark, comment: $0.comment) },
                editable: true, withComment: true)
        }
        return publicLayout(
            title: ballot.round.title, error: error,
            content: """
                <p>\(ballot.assessmentTitle) · \(ballot.group.label)。请对以下每个单位作出评价（\(scaleText(ballot.group))），意见建议可不填。</p>
                <form method="post" action="\(SiteURL.publicBallot(.value(code)))">\(csrfField(csrf))\(units)
                <p><button type="submit" data-confirm="提交后不能修改，确定提交？">提交评议</button></p></form>
                <p class="muted">评议匿名：提交后评议码作废，系统只保存各单位的得票统计。</p>
                """)
    }

    /// After a public submission.
    public static func publicThanks(_ round: RaterRound) -> HTML {
        publicLayout(
            title: "提交成功",
            content: "<p class=\"notice\" role=\"status\">感谢您参加“\(round.title)”。您的评议已匿名计入统计，此评议码已作废。</p>")
    }

    /// Approved comments about the viewer's own unit.
    public static func raterUnitComments(
        _ comments: [RaterComment], assessment: AssessmentID, identity: Identity, csrf: String
    ) -> HTML {
        let list: HTML =
            comments.isEmpty
            ? "<p class=\"muted\">暂无经审核公开的评议意见。</p>"
            : "<ul>\(comments.map { "<li>\($0.text)</li>" as HTML })</ul>"
        return layout(
            title: "本单位收到的评议意见", identity: identity, csrf: csrf,
            content: "<p>\(link(.assessment(.value(assessment)), "返回考核"))</p>\(list)")
    }
}
