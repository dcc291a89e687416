import Foundation
import KaoheApplication
import KaoheEngine
import KaoheStorage

/// The start page: one part per role the user holds, each number a link to the list behind it.
enum DashboardViews {
    static let css = """
        .dash { display: grid; gap: 1em; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr)); margin: 1em 0; }
        .dash article { background: #fff; border: 1px solid var(--line); padding: .4em 1.1em .8em; }
        .dash h3 { font-size: 1.05em; margin: .5em 0; } .dash h3 .state { margin-left: .5em; }
        .dash ul.todo { list-style: none; padding: 0; margin: .3em 0; display: grid; gap: .25em; }
        .dash ul.todo b { font-size: 1.15em; } .dash ul.todo li.zero { color: var(--muted); }
        .dash ul.todo li.zero b { font-weight: normal; } .dash li.alert b, .dash .late { color: var(--accent); }
        .dash .deadline { margin: .2em 0; } .dash ul.sub { margin: .2em 0 .2em 1.2em; padding: 0; font-size: .93em; }
        """
}

extension Views {
    /// The dashboard of each role held.
    public static func dashboard(_ model: Dashboard, identity: Identity, csrf: String, notice: String? = nil) -> HTML {
        var parts: [HTML] = []
        if let reporter = model.reporter { parts.append(reporterPart(reporter, today: model.today)) }
        if !model.organizer.isEmpty || model.user.can(.manageAssessments) {
            parts.append(
                section(
                    "organizer", "待办：进行中的考核",
                    model.organizer.map(organizerCard), empty: "没有进行中的考核。\(link(.assessments, "全部考核"))"))
        }
        if model.user.has(.evaluator) {
            parts.append(
                section(
                    "evaluator", "我的评分任务", model.evaluator.map(evaluatorCard),
                    empty: "还没有分配给您的考核单位或指标。"))
        }
        if model.user.has(.leader) {
            parts.append(
                section(
                    "leader", "最新公布的结果和通报", model.leader.map(leaderCard), empty: "还没有公示的结果或发布的通报。"))
        }
        return layout(
            title: "首页", identity: identity, csrf: csrf, notice: notice,
            content: """
                <p>欢迎，\(identity.user.displayName)。今天是 \(model.today.description)。</p>\(parts)\(totals(model.totals, user: model.user))
                <p>\(link(.schemes, "查看考核方案"))</p>
                """)
    }

    static func section(_ id: String, _ title: String, _ cards: [HTML], empty: HTML) -> HTML {
        let body: HTML = cards.isEmpty ? "<p class=\"muted\">\(empty)</p>" : "<div class=\"dash\">\(cards)</div>"
        return "<section id=\"dash-\(id)\"><h2>\(title)</h2>\(body)</section>"
    }

    static func totals(_ totals: DashboardTotals, user: User) -> HTML {
        guard !user.seesOwnUnitOnly else { return "" }
        var cards: [HTML] = []
        if let n = totals.organizations {
            cards.append("<div class=\"stat\"><b>\(n)</b>\(link(.organizations, "组织"))</div>")
        }
        cards.append("<div class=\"stat\"><b>\(totals.units)</b>\(link(.units, "单位"))</div>")
        if let n = totals.users { cards.append("<div class=\"stat\"><b>\(n)</b>\(link(.users, "用户"))</div>") }
        if let mail = totals.mail {
            let unsent = mail.waiting + mail.failing
            cards.append(
                """
                <div class="stat\(mail.failing > 0 ? " alert" : "")"><b>\(unsent)</b>\(link(.mailOutbox, "封邮件待发送"))\
                \(mail.failing > 0 ? "（\(mail.failing)封发送失败）" : "")</div>
                """)
        }
        cards.append("<div class=\"stat\"><b>\(totals.assessments)</b>\(link(.assessments, "考核"))</div>")
        return "<h2>概况</h2><div class=\"stats\">\(cards)</div>"
    }

    /// One line of a card: a count linked to its list, red when `alert`; left out when zero unless `always`
    /// (then muted), so a card lists only what waits.
    static func todo(
        _ key: String, _ n: Int, _ url: QueryURL, _ text: String, after: String = "", alert: Bool = false,
        always: Bool = false, sub: [HTML] = []
    ) -> HTML {
        if n == 0 && !always { return "" }
        let list: HTML = sub.isEmpty ? "" : "<ul class=\"sub\">\(sub)</ul>"
        let style: HTML = n == 0 ? " class=\"zero\"" : alert ? " class=\"alert\"" : ""
        return
            "<li\(style) data-key=\"\(key)\"><a href=\"\(url.path)\"><b data-count=\"\(key)\">\(n)</b> \(text)</a>\(after)\(list)</li>"
    }

    static func deadlineLine(_ deadline: DashboardDeadline?) -> HTML {
        guard let deadline else { return "" }
        let left: HTML =
            deadline.passed
            ? "<span class=\"late\">已过期</span>"
            : deadline.workingDaysLeft == 0 ? "<span class=\"late\">今天截止</span>" : "还有 \(deadline.workingDaysLeft) 个工作日"
        return "<p class=\"deadline\">\(deadline.label)：\(deadline.day.description)（\(left)）</p>"
    }

    static func heading(_ assessment: Assessment, _ url: SiteURL) -> HTML {
        "<h3>\(link(url, assessment.title))<span class=\"state s-\(assessment.state.rawValue)\">\(assessment.state.displayName)</span></h3>"
    }

    // MARK: Organizer

    static func organizerCard(_ card: OrganizerCard) -> HTML {
        let id = card.assessment.id
        let load = card.workload
        let submissions = SiteURL.submissions(.value(id)).withQuery([])
        let ledger = SiteURL.ledger(.value(id))
        var lines: [HTML] = [
            todo(
                "submitted", load.submitted, submissions, "/ \(load.enrolled) 个单位已提交自评",
                after: "（\(load.submittedLate) 个逾期提交，\(load.drafting) 个填报中，\(load.notStarted) 个未开始）", always: true),
            todo("overdue", load.overdue, submissions, "个单位逾期未交", alert: true),
            todo("awaiting-review", load.awaitingReview.count, submissions, "个单位新提交，待审核"),
            todo("answers", card.answersToReview, submissions, "项补正答复待审核"),
            todo("returned", card.returnedItems, submissions, "项已退回，等待单位补正"),
            todo(
                "objections", load.openObjections, SiteURL.publications(.value(id)).withQuery([]), "条异议待答复", alert: true
            ),
            todo(
                "rectifications-overdue", load.overdueRectifications, ledger.withQuery([("overdue", "1")]), "项整改逾期",
                after: "（未销号 \(load.openRectifications) 项）", alert: true),
            todo(
                "rectifications-verify", load.rectificationsToVerify,
                ledger.withQuery([("state", RectificationState.awaitingVerification.rawValue)]), "项整改待核验"),
        ]
        if let due = card.bulletinDue {
            lines.append(
                "<li class=\"alert\" data-key=\"bulletin-due\">\(link(.bulletins(.value(id)), "通报待发：\(due.label)"))\(card.workload.latestBulletin.map { "（已发至第\($0.number)期）" } ?? "")</li>"
            )
        }
        for round in card.raterRounds {
            lines.append(
                "<li data-key=\"rater-round\">\(link(.raterRound(.value(round.roundID)), "评议「\(round.title)」"))回收率 <b data-count=\"rater-rate\">\(round.rate)</b>（\(round.submitted) / \(round.expected)）</li>"
            )
        }
        lines = lines.filter { !$0.text.isEmpty }
        if lines.count == 1 { lines.append("<li class=\"zero\">暂无其他待办</li>") }
        return """
            <article id="org-\(id)">\(heading(card.assessment, .assessment(.value(id))))\(deadlineLine(card.nextDeadline))<ul class="todo">\(lines)</ul></article>
            """
    }

    // MARK: Evaluator

    static func evaluatorCard(_ card: EvaluatorCard) -> HTML {
        let id = card.assessment.id
        var items: [HTML] = []
        for (n, item) in card.items.enumerated() {
            items.append(
                "\(n > 0 ? "、" : "")\(link(.itemGrid(.value(id), .value(item.id)), "\(item.id) \(item.name)"))")
        }
        if items.isEmpty { items = ["全部指标"] }
        let scoreURL =
            card.items.count == 1
            ? SiteURL.itemGrid(.value(id), .value(card.items[0].id)).withQuery([])
            : SiteURL.assessment(.value(id)).withQuery([])
        let shown = card.awaitingReview.prefix(8)
        var reviewLinks: [HTML] = shown.map { "<li>\(link(.review(.value(id), .value($0.id)), $0.name))</li>" }
        if card.awaitingReview.count > shown.count {
            reviewLinks.append(
                "<li>\(link(.submissions(.value(id)), "……另有 \(card.awaitingReview.count - shown.count) 个"))</li>")
        }
        let lines: [HTML] = [
            todo(
                "left-to-score", card.leftToScore, scoreURL, "项待评分",
                after: card.leftToScore > 0 ? "（涉及 \(card.unitsLeftToScore) 个单位）" : "", always: true),
            todo(
                "awaiting-review", card.awaitingReview.count, SiteURL.submissions(.value(id)).withQuery([]),
                "个单位新提交，待审核",
                always: true, sub: reviewLinks),
            todo("answers", card.answersToReview, SiteURL.submissions(.value(id)).withQuery([]), "项补正答复待审核"),
            todo(
                "rectifications-verify", card.rectificationsToVerify,
                SiteURL.ledger(.value(id)).withQuery([("state", RectificationState.awaitingVerification.rawValue)]),
                "项整改待核验"),
        ]
        return """
            <article id="eval-\(id)">\(heading(card.assessment, .assessment(.value(id))))<p>负责 \(card.units) 个单位；指标：\(items)</p><ul class="todo">\(lines)</ul></article>
            """
    }

    // MARK: Reporter

    static func reporterPart(_ part: ReporterPart, today: Day) -> HTML {
        let unit = part.unit
        let cards: [HTML] = part.cards.map { card in
            let id = card.assessment.id
            let selfURL = SiteURL.selfAssessment(.value(id), .value(unit.id))
            var lines: [HTML] = ["<li data-key=\"status\">自评状态：<b>\(card.status.label)</b></li>"]
            let returned: [HTML] = card.returned.map {
                "<li>\(link(selfURL.withFragment("item-\($0.itemID)"), "\($0.itemID) \($0.itemName)"))：\($0.reason)</li>"
            }
            lines.append(
                todo("returned", card.returned.count, selfURL.withQuery([]), "项被退回，请补正", alert: true, sub: returned))
            let rectifications: [HTML] = card.rectifications.map { item in
                let overdue: HTML = item.isOverdue(on: today) ? "<span class=\"late\">（已逾期）</span>" : ""
                return
                    "<li>\(link(.ledgerItem(.value(id), .value(item.id)), "第\(item.number)号 \(item.problem)"))：\(item.state.displayName)，期限 \(item.deadline.description)\(overdue)</li>"
            }
            lines.append(
                todo(
                    "rectifications", card.rectifications.count, SiteURL.ledger(.value(id)).withQuery([]), "项整改未销号",
                    sub: rectifications))
            let answers: [HTML] = card.answeredObjections.map {
                "<li>\($0.itemID)：\($0.status.displayName)\($0.answer.map { "——\($0)" } ?? "")</li>"
            }
            lines.append(
                todo(
                    "objection-answers", card.answeredObjections.count, selfURL.withQuery([]), "条异议已答复",
                    after: card.openObjections > 0 ? "（\(card.openObjections) 条待答复）" : "", sub: answers))
            return """
                <article id="rep-\(id)">\(heading(card.assessment, selfURL))\(deadlineLine(card.deadline))<ul class="todo">\(lines)</ul>\
                <p>\(link(selfURL, "填报自评"))</p></article>
                """
        }
        return section(
            "reporter", "本单位：\(unit.name)（\(unit.code)）", cards, empty: "本单位目前没有参加的考核。")
    }

    // MARK: Leader

    static func leaderCard(_ card: LeaderCard) -> HTML {
        let id = card.assessment.id
        var lines: [HTML] = []
        if let publication = card.publication {
            lines.append(
                "<li data-key=\"publication\">\(link(.results(.value(id)), "考核结果：第\(publication.version)版（\(publication.state.displayName)）"))，\(timeText(publication.createdAt))</li>"
            )
        }
        if let bulletin = card.bulletin {
            lines.append(
                "<li data-key=\"bulletin\">\(link(.bulletin(.value(id), .value(bulletin.number)), "第\(bulletin.number)期 \(bulletin.title)"))，\(timeText(bulletin.publishedAt))</li>"
            )
        }
        return """
            <article id="lead-\(id)">\(heading(card.assessment, .assessment(.value(id))))<ul class="todo">\(lines)</ul>\
            <p>\(link(.results(.value(id)), "排名"))　\(link(.bulletins(.value(id)), "全部通报"))</p></article>
            """
    }
}

extension SiteURL {
    /// This URL with a fragment (`#id`), for a link to one part of a page.
    func withFragment(_ fragment: String) -> QueryURL { QueryURL(path: path + "#" + fragment) }
}
