import Foundation
import Hummingbird
import KaoheApplication
import KaoheExport
import KaoheStorage

/// Rater rounds (评议): the organizer's pages (rounds, settings, open/close, tallies, reminders, codes, comment
/// moderation), named raters' and units' ballot sheets, and the public ballot opened by a one-time code.
struct RatersController {
    let deps: AppDependencies

    func register(on router: Router<AppContext>) {
        let operations = Operations(deps)
        router.get(SiteURL.raterRounds(.key).routerPath) { request, context -> HTML in
            let user = try context.require(.useSite)
            let index = try await operations.raterRoundIndex(try context.parameters.require("id"), for: user)
            return Views.raterRoundIndex(
                index, identity: context.identity!, csrf: context.csrfToken,
                notice: request.uri.queryParameters["done"].map { Self.notice(String($0)) })
        }
        router.post(SiteURL.raterRounds(.key).routerPath) { request, context -> Response in
            let user = try context.require(.manageAssessments)
            let id = try context.parameters.require("id")
            do {
                let round = try await operations.createRaterRound(
                    id, itemID: context.form["item"] ?? "", title: context.form["title"] ?? "", by: user)
                return ScoringController.redirect(.raterRound(.value(round.id)), done: "created")
            } catch {
                guard let webError = Self.refusal(error) else { throw error }
                let index = try await operations.raterRoundIndex(id, for: user)
                return try Views.raterRoundIndex(
                    index, identity: context.identity!, csrf: context.csrfToken, error: webError.message
                ).with(status: webError.status).response(from: request, context: context)
            }
        }
        router.get(SiteURL.raterRound(.key).routerPath) { request, context -> HTML in
            let user = try context.require(.manageAssessments)
            let report = try await operations.raterRoundReport(try context.parameters.require("round"), for: user)
            return Views.raterRound(
                report, identity: context.identity!, csrf: context.csrfToken,
                notice: request.uri.queryParameters["done"].map { Self.notice(String($0)) })
        }
        router.post(SiteURL.raterRound(.key).routerPath) { request, context -> Response in
            let user = try context.require(.manageAssessments)
            let id = try context.parameters.require("round")
            let form = context.form
            let groups = form.all("group").map { group in
                RaterGroupForm(
                    id: group, kind: form["kind_\(group)"] ?? "", levels: form["levels_\(group)"] ?? "",
                    trim: form["trim_\(group)"] ?? "", minimum: form["minimum_\(group)"] ?? "",
                    raters: form["raters_\(group)"] ?? "", units: form["units_\(group)"] ?? "")
            }
            let input = RaterRoundForm(
                title: form["title"] ?? "", opensAt: form["opens_at"] ?? "", closesAt: form["closes_at"] ?? "",
                groups: groups)
            return try await Self.orPage(request, context, operations, round: id, user: user) {
                _ = try await operations.updateRaterRound(id, input, by: user)
                return ScoringController.redirect(.raterRound(.value(RaterRoundID(id))), done: "saved")
            }
        }
        router.post(SiteURL.raterRoundState(.key).routerPath) { request, context -> Response in
            let user = try context.require(.manageAssessments)
            let id = try context.parameters.require("round")
            let open = context.form["action"] == "open"
            return try await Self.orPage(request, context, operations, round: id, user: user) {
                _ = try await operations.setRaterRoundState(id, open: open, by: user)
                return ScoringController.redirect(
                    .raterRound(.value(RaterRoundID(id))), done: open ? "opened" : "closed")
            }
        }
        router.post(SiteURL.raterRemind(.key).routerPath) { request, context -> Response in
            let user = try context.require(.manageAssessments)
            let id = try context.parameters.require("round")
            return try await Self.orPage(request, context, operations, round: id, user: user) {
                let count = try await operations.remindRaters(id, by: user)
                return ScoringController.redirect(.raterRound(.value(RaterRoundID(id))), done: "reminded-\(count)")
            }
        }
        router.get(SiteURL.raterReminders(.key).routerPath) { _, context -> HTML in
            let user = try context.require(.manageAssessments)
            let report = try await operations.raterRoundReport(try context.parameters.require("round"), for: user)
            return Views.raterReminders(report)
        }
        router.post(SiteURL.raterCodes(.key).routerPath) { request, context -> Response in
            let user = try context.require(.manageAssessments)
            let id = try context.parameters.require("round")
            return try await Self.orPage(request, context, operations, round: id, user: user) {
                let (round, group, codes) = try await operations.generateRaterCodes(
                    id, group: context.form["group"] ?? "", count: context.form["count"] ?? "", by: user)
                let base = Self.siteBase(request, secure: deps.secureCookies)
                if context.form["format"] == "csv" {
                    var rows = [["序号", "评议码", "评议地址", "评议", "评议组"]]
                    for (index, code) in codes.enumerated() {
                        rows.append([
                            String(index + 1), code, base + SiteURL.publicBallot(.value(code)).path, round.title,
                            group.label,
                        ])
                    }
                    return ResultsController.download(
                        CSVWriter.data(rows: rows), type: "text/csv; charset=utf-8", name: "评议码-\(group.label).csv")
                }
                return try Views.raterSlips(round: round, group: group, codes: codes, base: base).response(
                    from: request, context: context)
            }
        }
        router.post(SiteURL.raterComment(.key, .key).routerPath) { request, context -> Response in
            let user = try context.require(.manageAssessments)
            let id = try context.parameters.require("round")
            let comment = try context.parameters.require("comment")
            return try await Self.orPage(request, context, operations, round: id, user: user) {
                try await operations.moderateRaterComment(
                    id, comment: comment, status: context.form["status"] ?? "", by: user)
                return ScoringController.redirect(
                    .raterRound(.value(RaterRoundID(id))), done: "moderated", anchor: "comments")
            }
        }
        router.get(SiteURL.raterBallot(.key, .key).routerPath) { request, context -> HTML in
            let user = try context.require(.useSite)
            let ballot = try await operations.raterBallot(
                try context.parameters.require("round"), group: try context.parameters.require("group"), for: user)
            return Views.raterBallot(
                ballot, identity: context.identity!, csrf: context.csrfToken,
                notice: request.uri.queryParameters["done"].map { Self.notice(String($0)) })
        }
        router.post(SiteURL.raterBallot(.key, .key).routerPath) { request, context -> Response in
            let user = try context.require(.useSite)
            let id = try context.parameters.require("round")
            let group = try context.parameters.require("group")
            let submit = context.form["action"] == "submit"
            let marks = Self.marks(context.form)
            do {
                _ = try await operations.saveRaterBallot(id, group: group, marks: marks, submit: submit, by: user)
                return ScoringController.redirect(
                    .raterBallot(.value(RaterRoundID(id)), .value(group)), done: submit ? "submitted" : "draft")
            } catch {
                guard let webError = Self.refusal(error) else { throw error }
                var ballot = try await operations.raterBallot(id, group: group, for: user)
                // What was typed stays on the page (nothing saved is lost either).
                ballot.sheet = RaterSheet(
                    roundID: ballot.round.id, groupID: group, raterID: ballot.raterID,
                    marks: marks.mapValues { RaterMark(mark: $0.mark, comment: $0.comment) },
                    submitted: ballot.sheet?.submitted ?? false, updatedAt: deps.now())
                return try Views.raterBallot(
                    ballot, identity: context.identity!, csrf: context.csrfToken, error: webError.message
                ).with(status: webError.status).response(from: request, context: context)
            }
        }
        router.get(SiteURL.raterUnitComments(.key).routerPath) { _, context -> HTML in
            let user = try context.require(.useSite)
            let id = try context.parameters.require("id")
            let comments = try await operations.approvedRaterComments(id, for: user)
            return Views.raterUnitComments(
                comments, assessment: AssessmentID(id), identity: context.identity!, csrf: context.csrfToken)
        }

        // Public: no account. The form's token is the session's when logged in, else the login cookie's.
        router.get(SiteURL.publicBallotEntry.routerPath) { request, context -> Response in
            let code = request.uri.queryParameters["code"].map(String.init) ?? ""
            if !code.isEmpty {
                return .redirect(to: SiteURL.publicBallot(.value(Self.compact(code))).path, type: .normal)
            }
            return try Self.publicPage(request, context, deps) { csrf in Views.publicBallotEntry(csrf: csrf) }
        }
        router.post(SiteURL.publicBallotEntry.routerPath) { _, context -> Response in
            let code = context.form["code"] ?? ""
            return .redirect(to: SiteURL.publicBallot(.value(Self.compact(code))).path, type: .normal)
        }
        router.get(SiteURL.publicBallot(.key).routerPath) { request, context -> Response in
            let code = try context.parameters.require("code")
            let address = context.clientAddress(for: request, trustProxy: deps.trustProxy)
            do {
                let (ballot, normalized) = try await operations.publicBallot(code: code, clientAddress: address)
                return try Self.publicPage(request, context, deps) { csrf in
                    Views.publicBallot(ballot, code: normalized, csrf: csrf)
                }
            } catch let error as AppError {
                return try Self.publicPage(request, context, deps, status: error.status) { csrf in
                    Views.publicBallotEntry(csrf: csrf, error: error.message)
                }
            }
        }
        router.post(SiteURL.publicBallot(.key).routerPath) { request, context -> Response in
            let code = try context.parameters.require("code")
            let address = context.clientAddress(for: request, trustProxy: deps.trustProxy)
            let marks = Self.marks(context.form)
            do {
                let round = try await operations.submitPublicBallot(code: code, marks: marks, clientAddress: address)
                return try Self.publicPage(request, context, deps) { _ in Views.publicThanks(round) }
            } catch let error as AppError {
                if case .invalid = error,
                    let (ballot, normalized) = try? await operations.publicBallot(code: code, clientAddress: address)
                {
                    return try Self.publicPage(request, context, deps, status: error.status) { csrf in
                        Views.publicBallot(
                            ballot, code: normalized, csrf: csrf, typed: marks, error: error.message)
                    }
                }
                return try Self.publicPage(request, context, deps, status: error.status) { csrf in
                    Views.publicBallotEntry(csrf: csrf, error: error.message)
                }
            }
        }
    }

    /// A code as typed, without spaces and dashes, for the short address.
    static func compact(_ text: String) -> String {
        String(text.uppercased().filter { $0.isLetter || $0.isNumber }.prefix(32))
    }

    /// `https://host` of the request (the slips and the CSV carry full addresses).
    static func siteBase(_ request: Request, secure: Bool) -> String {
        let host = request.head.authority ?? request.headers[TransportSecurityMiddleware.host] ?? "localhost"
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: ".-:[]"))
        let safe = host.unicodeScalars.allSatisfy { $0.isASCII && allowed.contains($0) } ? host : "localhost"
        return (secure ? "https://" : "http://") + safe
    }

    /// A public page, with the login cookie's CSRF token when there is no session.
    static func publicPage(
        _ request: Request, _ context: AppContext, _ deps: AppDependencies, status: HTTPResponse.Status = .ok,
        _ page: (String) -> HTML
    ) throws -> Response {
        if let session = context.identity?.session {
            return try page(session.csrfToken).with(status: status).response(from: request, context: context)
        }
        let existing = request.cookies[CookieName.loginCSRF]?.value ?? ""
        let token = existing.count == 32 ? existing : Secrets.hexToken(bytes: 16)
        var response = try page(token).with(status: status).response(from: request, context: context)
        if token != existing { response.setCookie(deps.cookie(CookieName.loginCSRF, value: token, maxAge: nil)) }
        return response
    }

    /// `mark_<unit>` and `comment_<unit>` fields of a ballot form.
    static func marks(_ form: FormData) -> [String: (mark: String, comment: String)] {
        var marks: [String: (mark: String, comment: String)] = [:]
        for (key, value) in form.pairs {
            if key.hasPrefix("mark_") {
                let unit = String(key.dropFirst(5))
                marks[unit] = (value, marks[unit]?.comment ?? "")
            } else if key.hasPrefix("comment_") {
                let unit = String(key.dropFirst(8))
                marks[unit] = (marks[unit]?.mark ?? "", value)
            }
        }
        return marks
    }

    /// The error of a refused form (400 or 409), or nil for others.
    static func refusal(_ error: any Error) -> (status: HTTPResponse.Status, message: String)? {
        guard let webError = ErrorAndHeadersMiddleware.appError(for: error),
            webError.status == .badRequest || webError.status == .conflict
        else { return nil }
        return (webError.status, webError.message)
    }

    /// Runs `body`; a refused form shows the round's page again with the reason.
    static func orPage(
        _ request: Request, _ context: AppContext, _ operations: Operations, round: String, user: User,
        _ body: () async throws -> Response
    ) async throws -> Response {
        do {
            return try await body()
        } catch {
            guard let refusal = refusal(error) else { throw error }
            let report = try await operations.raterRoundReport(round, for: user)
            return try Views.raterRound(
                report, identity: context.identity!, csrf: context.csrfToken, error: refusal.message
            )
            .with(status: refusal.status).response(from: request, context: context)
        }
    }

    static func notice(_ done: String) -> String {
        switch done {
        case "created": "评议已创建，请检查各评议组的设置"
        case "saved": "评议设置已保存"
        case "opened": "评议已开始"
        case "closed": "评议已结束，结果已计入该考核项"
        case "moderated": "评议意见已审核"
        case "draft": "评议表草稿已保存，提交前可以修改"
        case "submitted": "评议表已提交，感谢参与"
        case let text where text.hasPrefix("reminded-"):
            text == "reminded-0" ? "今天已提醒过，未再重复发送" : "已向\(text.dropFirst(9))位未提交的评议人发送站内提醒"
        default: "已完成"
        }
    }
}
