import Foundation
import Hummingbird
import KaoheApplication
import KaoheStorage

/// A path parameter: `.key` when registering a route (`:id`), `.value(x)` when building a link.
public enum Parameter<Value: Sendable & CustomStringConvertible>: Sendable {
    /// The placeholder, for route registration.
    case key
    /// A concrete value, for links.
    case value(Value)

    func segment(_ name: String) -> String {
        switch self {
        case .key: ":\(name)"
        case .value(let value):
            SiteURL.isUnreserved(value.description)
                ? value.description
                : value.description.addingPercentEncoding(withAllowedCharacters: SiteURL.segmentAllowed) ?? ""
        }
    }
}

/// Every page and endpoint of the site, in one place. Routes are registered from these values and every
/// link in a view is built from them: there are no hand-written URLs anywhere else.
public enum SiteURL: Sendable {
    /// `/` — redirects to the dashboard or the login page.
    case home
    /// `/login`
    case login
    /// `/logout` (POST)
    case logout
    /// `/dashboard`
    case dashboard
    /// `/account/password`
    case password
    /// `/account/tokens` — the user's own API tokens (without their secrets)
    case accountTokens
    /// `/account/tokens/:token/revoke` (POST) — revoke one API token (its owner or an administrator)
    case tokenRevoke(Parameter<APITokenID>)
    /// `/organizations`
    case organizations
    /// `/organizations/:id/records` (GET the records page, POST upload files to import, multipart)
    case organizationRecords(Parameter<OrganizationID>)
    /// `/organizations/:id/records/jobs/:job` — one import's progress and outcome
    case recordImportJob(Parameter<OrganizationID>, Parameter<String>)
    /// `/organizations/:id/records/jobs/:job/status` — the same as JSON, polled by the page's script
    case recordImportStatus(Parameter<OrganizationID>, Parameter<String>)
    /// `/organizations/:id/records/jobs/:job/mapping` (POST) — map unknown headers and run the import again
    case recordImportMapping(Parameter<OrganizationID>, Parameter<String>)
    /// `/units`
    case units
    /// `/units/import`
    case unitImport
    /// `/users`
    case users
    /// `/users/:id/roles` (POST)
    case userRoles(Parameter<UserID>)
    /// `/users/:id/password` (POST) — an administrator sets a new random password
    case userPasswordReset(Parameter<UserID>)
    /// `/users/:id/tokens` — a user's API tokens (administrators)
    case userTokens(Parameter<UserID>)
    /// `/users/:id/tokens/revoke` (POST) — revoke all of a user's API tokens (administrators)
    case userTokensRevoke(Parameter<UserID>)
    /// `/users/:id/unlock` (POST) — lift the login delays of an account (administrators)
    case userUnlock(Parameter<UserID>)
    /// `/audit` — the audit log, filtered by entity prefix (`?entity=…`)
    case audit
    /// `/schemes` (GET list, POST upload of a scheme file)
    case schemes
    /// `/schemes/:id` — one scheme as the document's score table
    case scheme(Parameter<String>)
    /// `/assessments`
    case assessments
    /// `/assessments/:id`
    case assessment(Parameter<AssessmentID>)
    /// `/assessments/:id/state` (POST)
    case assessmentState(Parameter<AssessmentID>)
    /// `/assessments/:id/enrolments` (POST)
    case assessmentEnrolments(Parameter<AssessmentID>)
    /// `/assessments/:id/assignments` (POST)
    case assessmentAssignments(Parameter<AssessmentID>)
    /// `/assessments/:id/units/:unit` — the scoring page of one unit
    case unitScoring(Parameter<AssessmentID>, Parameter<UnitID>)
    /// `/assessments/:id/units/:unit/items/:item` (POST) — save one item's facts from its form
    case itemForm(Parameter<AssessmentID>, Parameter<UnitID>, Parameter<String>)
    /// `/assessments/:id/items/:item/grid` — one item for every unit in one table (GET; POST saves the rows)
    case itemGrid(Parameter<AssessmentID>, Parameter<String>)
    /// `/assessments/:id/items/:item/grid/:unit` (POST) — save one row of the grid, answered in JSON
    case itemGridRow(Parameter<AssessmentID>, Parameter<String>, Parameter<UnitID>)
    /// `/assessments/:id/units/:unit/derived/:item/:fact` — the platform records behind a derived fact
    /// (`?status=`, `?q=`; `.csv` / `.xlsx` below)
    case recordsBehind(Parameter<AssessmentID>, Parameter<UnitID>, Parameter<String>, Parameter<String>)
    /// `/assessments/:id/units/:unit/derived/:item/:fact/records.csv`
    case recordsBehindCSV(Parameter<AssessmentID>, Parameter<UnitID>, Parameter<String>, Parameter<String>)
    /// `/assessments/:id/units/:unit/derived/:item/:fact/records.xlsx`
    case recordsBehindXLSX(Parameter<AssessmentID>, Parameter<UnitID>, Parameter<String>, Parameter<String>)
    /// `/assessments/:id/units/:unit/derived/:item/:fact/override` (POST) — an evaluator's value with a reason,
    /// or back to the derived value
    case derivedOverride(Parameter<AssessmentID>, Parameter<UnitID>, Parameter<String>, Parameter<String>)
    /// `/assessments/:id/units/:unit/findings` (POST) — record one finding
    case unitFindings(Parameter<AssessmentID>, Parameter<UnitID>)
    /// `/assessments/:id/units/:unit/sheet` — the unit's printable score sheet (评分表)
    case unitSheet(Parameter<AssessmentID>, Parameter<UnitID>)
    /// `/assessments/:id/units/:unit/audit` — the unit's change history (every audited change, per item)
    case unitAudit(Parameter<AssessmentID>, Parameter<UnitID>)
    /// `/assessments/:id/units/:unit/entry` (GET the whole sheet in one form; POST save it in one go)
    case unitEntry(Parameter<AssessmentID>, Parameter<UnitID>)
    /// `/assessments/:id/facts` (GET form, POST) — import a facts document
    case factsImport(Parameter<AssessmentID>)
    /// `/assessments/:id/results`
    case results(Parameter<AssessmentID>)
    /// `/assessments/:id/results.csv`
    case resultsCSV(Parameter<AssessmentID>)
    /// `/assessments/:id/results.xlsx`
    case resultsXLSX(Parameter<AssessmentID>)
    /// `/assessments/:id/charts/distribution.svg`
    case distributionChart(Parameter<AssessmentID>)
    /// `/assessments/:id/charts/categories.svg`
    case categoryChart(Parameter<AssessmentID>)
    /// `/assessments/:id/parameters` (POST) — the assessment's parameter values
    case assessmentParameters(Parameter<AssessmentID>)
    /// `/assessments/:id/deadlines` (POST) — submission and objection deadlines
    case assessmentDeadlines(Parameter<AssessmentID>)
    /// `/assessments/:id/submissions` — the organizer's dashboard: submitted, late, not started
    case submissions(Parameter<AssessmentID>)
    /// `/assessments/:id/units/:unit/extension` (POST) — extend one unit's deadline, with a reason
    case deadlineExtension(Parameter<AssessmentID>, Parameter<UnitID>)
    /// `/assessments/:id/units/:unit/self` — the unit's self-assessment, item by item
    case selfAssessment(Parameter<AssessmentID>, Parameter<UnitID>)
    /// `/assessments/:id/units/:unit/self/items/:item` (POST) — save one item's self-assessment as a draft
    case selfAssessmentItem(Parameter<AssessmentID>, Parameter<UnitID>, Parameter<String>)
    /// `/assessments/:id/units/:unit/self/submit` (POST) — submit the self-assessment
    case selfAssessmentSubmit(Parameter<AssessmentID>, Parameter<UnitID>)
    /// `/assessments/:id/units/:unit/self/items/:item/answer` (POST) — the unit answers a return (补正答复)
    case reviewAnswer(Parameter<AssessmentID>, Parameter<UnitID>, Parameter<String>)
    /// `/assessments/:id/units/:unit/items/:item/evidence` (POST) — upload one evidence file (multipart)
    case evidenceUpload(Parameter<AssessmentID>, Parameter<UnitID>, Parameter<String>)
    /// `/assessments/:id/units/:unit/evidence` — the evidence index (佐证材料目录清单), printable
    case evidenceIndex(Parameter<AssessmentID>, Parameter<UnitID>)
    /// `/assessments/:id/units/:unit/evidence.zip` — the self-check report and all evidence as one ZIP
    case evidencePackage(Parameter<AssessmentID>, Parameter<UnitID>)
    /// `/evidence/:id` — download one evidence file
    case evidenceFile(Parameter<EvidenceID>)
    /// `/evidence/:id/withdraw` (POST) — withdraw a file (kept and recorded, never deleted)
    case evidenceWithdraw(Parameter<EvidenceID>)
    /// `/assessments/:id/units/:unit/review` — the evaluator's review: self-assessment beside the evidence
    case review(Parameter<AssessmentID>, Parameter<UnitID>)
    /// `/assessments/:id/units/:unit/review/:item` (POST) — accept or return one item
    case reviewItem(Parameter<AssessmentID>, Parameter<UnitID>, Parameter<String>)
    /// `/assessments/:id/publications` (GET list; POST publish a new version)
    case publications(Parameter<AssessmentID>)
    /// `/assessments/:id/publications/compare?a=1&b=2` — two versions side by side
    case publicationCompare(Parameter<AssessmentID>)
    /// `/assessments/:id/objections` — every objection and its answer
    case objections(Parameter<AssessmentID>)
    /// `/assessments/:id/units/:unit/objections` (POST) — lodge an objection to one item (multipart, with evidence)
    case unitObjections(Parameter<AssessmentID>, Parameter<UnitID>)
    /// `/assessments/:id/objections/:objection/answer` (POST) — the organizer's answer
    case objectionAnswer(Parameter<AssessmentID>, Parameter<ObjectionID>)
    // Bulletins (月度通报): the query `period=2023-03|2023-Q1&overdue=1&deduction=2&below=60` chooses a draft.
    /// `/assessments/:id/bulletins` (GET the published ones and the form for the next; POST publish one)
    case bulletins(Parameter<AssessmentID>)
    /// `/assessments/:id/bulletins/draft` — the bulletin as it would be published now (organizers)
    case bulletinDraft(Parameter<AssessmentID>)
    /// `/assessments/:id/bulletins/draft/print` — the draft laid out for A4
    case bulletinDraftPrint(Parameter<AssessmentID>)
    /// `/assessments/:id/bulletins/draft.xlsx`
    case bulletinDraftXLSX(Parameter<AssessmentID>)
    /// `/assessments/:id/bulletins/trend.svg` — each unit's provisional score month by month
    case bulletinTrend(Parameter<AssessmentID>)
    /// `/assessments/:id/bulletins/:number` — one published bulletin
    case bulletin(Parameter<AssessmentID>, Parameter<Int>)
    /// `/assessments/:id/bulletins/:number/print` — laid out for A4
    case bulletinPrint(Parameter<AssessmentID>, Parameter<Int>)
    /// `/assessments/:id/bulletins/:number/bulletin.xlsx`
    case bulletinXLSX(Parameter<AssessmentID>, Parameter<Int>)
    // The rectification ledger (整改台账); query `state=pending&unit=<unit id>&overdue=1` filters it.
    /// `/assessments/:id/ledger` (GET the ledger; POST open an item)
    case ledger(Parameter<AssessmentID>)
    /// `/assessments/:id/ledger.xlsx` — the ledger in the 台账 columns
    case ledgerXLSX(Parameter<AssessmentID>)
    /// `/assessments/:id/ledger/carry-over` (POST) — carry last year's open items over (organizers)
    case ledgerCarryOver(Parameter<AssessmentID>)
    /// `/assessments/:id/ledger/:item` — one item with its history and the forms of its next steps
    case ledgerItem(Parameter<AssessmentID>, Parameter<String>)
    /// `/assessments/:id/ledger/:item/steps` (POST) — start, verify, return, judge, clear a judgement
    case ledgerStep(Parameter<AssessmentID>, Parameter<String>)
    /// `/assessments/:id/ledger/:item/answer` (POST, multipart) — the unit's answer with its evidence
    case ledgerAnswer(Parameter<AssessmentID>, Parameter<String>)
    // Spot checks (双随机抽查).
    /// `/assessments/:id/spot-checks` (GET the plans and the form; POST publish a plan)
    case spotChecks(Parameter<AssessmentID>)
    /// `/assessments/:id/spot-checks/:plan` — the plan notice, after the draw the sample and the result forms
    case spotCheck(Parameter<AssessmentID>, Parameter<String>)
    /// `/assessments/:id/spot-checks/:plan/print` — the plan notice (抽查计划公告) laid out for A4
    case spotCheckPrint(Parameter<AssessmentID>, Parameter<String>)
    /// `/assessments/:id/spot-checks/:plan/draw` (POST) — draw once, revealing the seed
    case spotCheckDraw(Parameter<AssessmentID>, Parameter<String>)
    /// `/assessments/:id/spot-checks/:plan/results` (POST) — record one object's result
    case spotCheckResult(Parameter<AssessmentID>, Parameter<String>)
    /// `/assessments/:id/spot-checks/:plan/publish` (POST) — publish the results
    case spotCheckPublish(Parameter<AssessmentID>, Parameter<String>)
    /// `/assessments/:id/spot-checks/:plan/notice` — the result notice (抽查结果公示)
    case spotCheckNotice(Parameter<AssessmentID>, Parameter<String>)
    /// `/assessments/:id/spot-checks/:plan/notice/print` — the result notice laid out for A4
    case spotCheckNoticePrint(Parameter<AssessmentID>, Parameter<String>)
    // Rater rounds (评议, shared/spec/raters.md).
    /// `/assessments/:id/raters` (GET the rounds and the rater's own sheets; POST create a round)
    case raterRounds(Parameter<AssessmentID>)
    /// `/raters/:round` (GET the organizer's page; POST its settings)
    case raterRound(Parameter<RaterRoundID>)
    /// `/raters/:round/state` (POST `action=open|close`)
    case raterRoundState(Parameter<RaterRoundID>)
    /// `/raters/:round/reminders` — the named raters and units that have not submitted, to print or send
    case raterReminders(Parameter<RaterRoundID>)
    /// `/raters/:round/codes` (POST `group`, `count`, `format=csv|slips`) — new one-time codes, shown once
    case raterCodes(Parameter<RaterRoundID>)
    /// `/raters/:round/comments/:comment` (POST `status=approved|hidden`)
    case raterComment(Parameter<RaterRoundID>, Parameter<String>)
    /// `/raters/:round/ballot/:group` (GET the sheet; POST `action=save|submit`) — a named rater's or a unit's
    case raterBallot(Parameter<RaterRoundID>, Parameter<String>)
    /// `/assessments/:id/raters/comments` — the approved comments about the viewer's own unit
    case raterUnitComments(Parameter<AssessmentID>)
    /// `/p` (GET a form to type a code; POST it) — public, no account
    case publicBallotEntry
    /// `/p/:code` (GET the public ballot sheet; POST submit it) — public, no account
    case publicBallot(Parameter<String>)
    /// `/static/app.css`
    case stylesheet
    /// `/static/app.js`
    case script
    /// `/healthz`
    case health
    /// `/inbox` — the user's notifications
    case inbox
    /// `/inbox/:id/read` (POST) — mark one read
    case inboxRead(Parameter<String>)
    /// `/inbox/read-all` (POST) — mark all read
    case inboxReadAll
    /// `/account/mail` (POST) — the user's e-mail address and reminder mode
    case accountMail
    /// `/admin/mail` — the e-mail outbox: waiting, failing (with the error), sent (administrators)
    case mailOutbox
    /// `/admin/mail/retry` (POST, optional `id`) — try unsent mail now instead of after its backoff
    case mailRetry
    /// `/raters/:round/remind` (POST) — remind who has not voted
    case raterRemind(Parameter<RaterRoundID>)
    /// Under `/api/v1`.
    case api(APIURL)

    /// The path, with parameter values filled in (or `:name` for `.key`).
    public var path: String {
        switch self {
        case .home: "/"
        case .login: "/login"
        case .logout: "/logout"
        case .dashboard: "/dashboard"
        case .password: "/account/password"
        case .accountTokens: "/account/tokens"
        case .tokenRevoke(let token): "/account/tokens/\(token.segment("token"))/revoke"
        case .organizations: "/organizations"
        case .organizationRecords(let id): "/organizations/\(id.segment("id"))/records"
        case .recordImportJob(let id, let job): "/organizations/\(id.segment("id"))/records/jobs/\(job.segment("job"))"
        case .recordImportStatus(let id, let job):
            "/organizations/\(id.segment("id"))/records/jobs/\(job.segment("job"))/status"
        case .recordImportMapping(let id, let job):
            "/organizations/\(id.segment("id"))/records/jobs/\(job.segment("job"))/mapping"
        case .units: "/units"
        case .unitImport: "/units/import"
        case .users: "/users"
        case .userRoles(let id): "/users/\(id.segment("id"))/roles"
        case .userPasswordReset(let id): "/users/\(id.segment("id"))/password"
        case .userTokens(let id): "/users/\(id.segment("id"))/tokens"
        case .userTokensRevoke(let id): "/users/\(id.segment("id"))/tokens/revoke"
        case .userUnlock(let id): "/users/\(id.segment("id"))/unlock"
        case .audit: "/audit"
        case .schemes: "/schemes"
        case .scheme(let id): "/schemes/\(id.segment("id"))"
        case .assessments: "/assessments"
        case .assessment(let id): "/assessments/\(id.segment("id"))"
        case .assessmentState(let id): "/assessments/\(id.segment("id"))/state"
        case .assessmentEnrolments(let id): "/assessments/\(id.segment("id"))/enrolments"
        case .assessmentAssignments(let id): "/assessments/\(id.segment("id"))/assignments"
        case .unitScoring(let id, let unit): "/assessments/\(id.segment("id"))/units/\(unit.segment("unit"))"
        case .itemForm(let id, let unit, let item):
            "/assessments/\(id.segment("id"))/units/\(unit.segment("unit"))/items/\(item.segment("item"))"
        case .itemGrid(let id, let item): "/assessments/\(id.segment("id"))/items/\(item.segment("item"))/grid"
        case .itemGridRow(let id, let item, let unit):
            "/assessments/\(id.segment("id"))/items/\(item.segment("item"))/grid/\(unit.segment("unit"))"
        case .recordsBehind(let id, let unit, let item, let fact):
            "/assessments/\(id.segment("id"))/units/\(unit.segment("unit"))/derived/\(item.segment("item"))/\(fact.segment("fact"))"
        case .recordsBehindCSV(let id, let unit, let item, let fact):
            SiteURL.recordsBehind(id, unit, item, fact).path + "/records.csv"
        case .recordsBehindXLSX(let id, let unit, let item, let fact):
            SiteURL.recordsBehind(id, unit, item, fact).path + "/records.xlsx"
        case .derivedOverride(let id, let unit, let item, let fact):
            SiteURL.recordsBehind(id, unit, item, fact).path + "/override"
        case .unitFindings(let id, let unit): "/assessments/\(id.segment("id"))/units/\(unit.segment("unit"))/findings"
        case .unitSheet(let id, let unit): "/assessments/\(id.segment("id"))/units/\(unit.segment("unit"))/sheet"
        case .unitAudit(let id, let unit): "/assessments/\(id.segment("id"))/units/\(unit.segment("unit"))/audit"
        case .unitEntry(let id, let unit): "/assessments/\(id.segment("id"))/units/\(unit.segment("unit"))/entry"
        case .factsImport(let id): "/assessments/\(id.segment("id"))/facts"
        case .results(let id): "/assessments/\(id.segment("id"))/results"
        case .resultsCSV(let id): "/assessments/\(id.segment("id"))/results.csv"
        case .resultsXLSX(let id): "/assessments/\(id.segment("id"))/results.xlsx"
        case .distributionChart(let id): "/assessments/\(id.segment("id"))/charts/distribution.svg"
        case .categoryChart(let id): "/assessments/\(id.segment("id"))/charts/categories.svg"
        case .assessmentParameters(let id): "/assessments/\(id.segment("id"))/parameters"
        case .assessmentDeadlines(let id): "/assessments/\(id.segment("id"))/deadlines"
        case .submissions(let id): "/assessments/\(id.segment("id"))/submissions"
        case .deadlineExtension(let id, let unit):
            "/assessments/\(id.segment("id"))/units/\(unit.segment("unit"))/extension"
        case .selfAssessment(let id, let unit): "/assessments/\(id.segment("id"))/units/\(unit.segment("unit"))/self"
        case .selfAssessmentItem(let id, let unit, let item):
            "/assessments/\(id.segment("id"))/units/\(unit.segment("unit"))/self/items/\(item.segment("item"))"
        case .selfAssessmentSubmit(let id, let unit):
            "/assessments/\(id.segment("id"))/units/\(unit.segment("unit"))/self/submit"
        case .reviewAnswer(let id, let unit, let item):
            "/assessments/\(id.segment("id"))/units/\(unit.segment("unit"))/self/items/\(item.segment("item"))/answer"
        case .evidenceUpload(let id, let unit, let item):
            "/assessments/\(id.segment("id"))/units/\(unit.segment("unit"))/items/\(item.segment("item"))/evidence"
        case .evidenceIndex(let id, let unit):
            "/assessments/\(id.segment("id"))/units/\(unit.segment("unit"))/evidence"
        case .evidencePackage(let id, let unit):
            "/assessments/\(id.segment("id"))/units/\(unit.segment("unit"))/evidence.zip"
        case .evidenceFile(let id): "/evidence/\(id.segment("evidence"))"
        case .evidenceWithdraw(let id): "/evidence/\(id.segment("evidence"))/withdraw"
        case .review(let id, let unit): "/assessments/\(id.segment("id"))/units/\(unit.segment("unit"))/review"
        case .reviewItem(let id, let unit, let item):
            "/assessments/\(id.segment("id"))/units/\(unit.segment("unit"))/review/\(item.segment("item"))"
        case .publications(let id): "/assessments/\(id.segment("id"))/publications"
        case .publicationCompare(let id): "/assessments/\(id.segment("id"))/publications/compare"
        case .objections(let id): "/assessments/\(id.segment("id"))/objections"
        case .unitObjections(let id, let unit):
            "/assessments/\(id.segment("id"))/units/\(unit.segment("unit"))/objections"
        case .objectionAnswer(let id, let objection):
            "/assessments/\(id.segment("id"))/objections/\(objection.segment("objection"))/answer"
        case .bulletins(let id): "/assessments/\(id.segment("id"))/bulletins"
        case .bulletinDraft(let id): "/assessments/\(id.segment("id"))/bulletins/draft"
        case .bulletinDraftPrint(let id): "/assessments/\(id.segment("id"))/bulletins/draft/print"
        case .bulletinDraftXLSX(let id): "/assessments/\(id.segment("id"))/bulletins/draft.xlsx"
        case .bulletinTrend(let id): "/assessments/\(id.segment("id"))/bulletins/trend.svg"
        case .bulletin(let id, let number): "/assessments/\(id.segment("id"))/bulletins/\(number.segment("number"))"
        case .bulletinPrint(let id, let number):
            "/assessments/\(id.segment("id"))/bulletins/\(number.segment("number"))/print"
        case .bulletinXLSX(let id, let number):
            "/assessments/\(id.segment("id"))/bulletins/\(number.segment("number"))/bulletin.xlsx"
        case .ledger(let id): "/assessments/\(id.segment("id"))/ledger"
        case .ledgerXLSX(let id): "/assessments/\(id.segment("id"))/ledger.xlsx"
        case .ledgerCarryOver(let id): "/assessments/\(id.segment("id"))/ledger/carry-over"
        case .ledgerItem(let id, let item): "/assessments/\(id.segment("id"))/ledger/\(item.segment("item"))"
        case .ledgerStep(let id, let item): "/assessments/\(id.segment("id"))/ledger/\(item.segment("item"))/steps"
        case .ledgerAnswer(let id, let item): "/assessments/\(id.segment("id"))/ledger/\(item.segment("item"))/answer"
        case .spotChecks(let id): "/assessments/\(id.segment("id"))/spot-checks"
        case .spotCheck(let id, let plan): "/assessments/\(id.segment("id"))/spot-checks/\(plan.segment("plan"))"
        case .spotCheckPrint(let id, let plan):
            "/assessments/\(id.segment("id"))/spot-checks/\(plan.segment("plan"))/print"
        case .spotCheckDraw(let id, let plan):
            "/assessments/\(id.segment("id"))/spot-checks/\(plan.segment("plan"))/draw"
        case .spotCheckResult(let id, let plan):
            "/assessments/\(id.segment("id"))/spot-checks/\(plan.segment("plan"))/results"
        case .spotCheckPublish(let id, let plan):
            "/assessments/\(id.segment("id"))/spot-checks/\(plan.segment("plan"))/publish"
        case .spotCheckNotice(let id, let plan):
            "/assessments/\(id.segment("id"))/spot-checks/\(plan.segment("plan"))/notice"
        case .spotCheckNoticePrint(let id, let plan):
            "/assessments/\(id.segment("id"))/spot-checks/\(plan.segment("plan"))/notice/print"
        case .raterRounds(let id): "/assessments/\(id.segment("id"))/raters"
        case .raterRound(let round): "/raters/\(round.segment("round"))"
        case .raterRoundState(let round): "/raters/\(round.segment("round"))/state"
        case .raterReminders(let round): "/raters/\(round.segment("round"))/reminders"
        case .raterCodes(let round): "/raters/\(round.segment("round"))/codes"
        case .raterComment(let round, let comment):
            "/raters/\(round.segment("round"))/comments/\(comment.segment("comment"))"
        case .raterBallot(let round, let group): "/raters/\(round.segment("round"))/ballot/\(group.segment("group"))"
        case .raterUnitComments(let id): "/assessments/\(id.segment("id"))/raters/comments"
        case .publicBallotEntry: "/p"
        case .publicBallot(let code): "/p/\(code.segment("code"))"
        case .stylesheet: "/static/app.css"
        case .script: "/static/app.js"
        case .health: "/healthz"
        case .inbox: "/inbox"
        case .inboxRead(let id): "/inbox/\(id.segment("id"))/read"
        case .inboxReadAll: "/inbox/read-all"
        case .accountMail: "/account/mail"
        case .mailOutbox: "/admin/mail"
        case .mailRetry: "/admin/mail/retry"
        case .raterRemind(let round): "/raters/\(round.segment("round"))/remind"
        case .api(let api): "/api/v1" + api.path
        }
    }

    /// The path with a query string.
    public func path(query: [(String, String)]) -> String {
        guard !query.isEmpty else { return path }
        return path + "?" + query.map { "\(SiteURL.encode($0.0))=\(SiteURL.encode($0.1))" }.joined(separator: "&")
    }

    /// Percent-encodes everything but letters, digits, `-._~` and `/`.
    public static func encode(_ text: String) -> String {
        isUnreserved(text) ? text : text.addingPercentEncoding(withAllowedCharacters: queryAllowed) ?? ""
    }

    static let queryAllowed = CharacterSet(
        charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/")
    static let segmentAllowed = CharacterSet.urlPathAllowed.subtracting(["/"])

    /// Whether `text` has only ASCII letters, digits and `-._~`, which no encoding changes (ids, codes, numbers:
    /// most links, built without Foundation's encoder).
    static func isUnreserved(_ text: String) -> Bool {
        text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                true
            default: false
            }
        }
    }

    /// The path to register with the router.
    public var routerPath: RouterPath { RouterPath(path) }
}

/// The endpoints of the JSON API under `/api/v1`.
public enum APIURL: Sendable {
    /// `POST /api/v1/tokens` — exchange username and password for a bearer token; `GET` — the caller's tokens.
    case tokens
    /// `DELETE /api/v1/tokens/:id` — revoke one token (its owner or an administrator)
    case token(Parameter<APITokenID>)
    /// `GET /api/v1/me`
    case me
    /// `/api/v1/organizations`
    case organizations
    /// `/api/v1/organizations/:id/records` (POST) — import a batch of records, all or nothing
    case organizationRecords(Parameter<OrganizationID>)
    /// `/api/v1/units`
    case units
    /// `/api/v1/units/import`
    case unitImport
    /// `/api/v1/users`
    case users
    /// `/api/v1/users/:id/roles` (PUT)
    case userRoles(Parameter<UserID>)
    /// `/api/v1/users/:id/tokens` (GET list, DELETE revoke all; administrators)
    case userTokens(Parameter<UserID>)
    /// `/api/v1/users/:id/unlock` (POST) — lift the login delays of an account (administrators)
    case userUnlock(Parameter<UserID>)
    /// `/api/v1/schemes` (GET list, POST upload of a scheme file as the body)
    case schemes
    /// `/api/v1/schemes/:id` — one scheme as JSON
    case scheme(Parameter<String>)
    /// `/api/v1/assessments`
    case assessments
    /// `/api/v1/assessments/:id`
    case assessment(Parameter<AssessmentID>)
    /// `/api/v1/assessments/:id/state` (POST)
    case assessmentState(Parameter<AssessmentID>)
    /// `/api/v1/assessments/:id/enrolments` (POST)
    case assessmentEnrolments(Parameter<AssessmentID>)
    /// `/api/v1/assessments/:id/assignments` (POST)
    case assessmentAssignments(Parameter<AssessmentID>)
    /// `/api/v1/assessments/:id/parameters` (PUT) — the assessment's parameter values
    case assessmentParameters(Parameter<AssessmentID>)
    /// `/api/v1/assessments/:id/facts` (POST) — import a facts document, all or nothing
    case factsImport(Parameter<AssessmentID>)
    /// `/api/v1/assessments/:id/results` (GET) — the same JSON as `kaohe score`
    case results(Parameter<AssessmentID>)
    /// `/api/v1/assessments/:id/units/:unit/facts` (GET)
    case unitFacts(Parameter<AssessmentID>, Parameter<UnitID>)
    /// `/api/v1/assessments/:id/units/:unit/facts/:item` (GET, PUT)
    case itemFacts(Parameter<AssessmentID>, Parameter<UnitID>, Parameter<String>)
    /// `/api/v1/assessments/:id/units/:unit/findings` (GET, POST)
    case findings(Parameter<AssessmentID>, Parameter<UnitID>)
    /// `/api/v1/assessments/:id/units/:unit/self` (GET) — the unit's self-assessment, review steps and evidence
    case selfAssessment(Parameter<AssessmentID>, Parameter<UnitID>)
    /// `/api/v1/assessments/:id/units/:unit/self/:item` (PUT, `If-Match`) — save one item's self-assessment
    case selfAssessmentItem(Parameter<AssessmentID>, Parameter<UnitID>, Parameter<String>)
    /// `/api/v1/assessments/:id/units/:unit/self/submit` (POST) — submit or resubmit
    case selfAssessmentSubmit(Parameter<AssessmentID>, Parameter<UnitID>)
    /// `/api/v1/assessments/:id/submissions` (GET) — every unit's submission status
    case submissions(Parameter<AssessmentID>)
    /// `/api/v1/assessments/:id/publications` (GET) — the published versions
    case publications(Parameter<AssessmentID>)
    /// `/api/v1/assessments/:id/publications/:version` (GET) — one published version's results
    case publication(Parameter<AssessmentID>, Parameter<Int>)
    /// `/api/v1/assessments/:id/bulletins` (GET) — the published bulletins (月度通报), oldest first
    case bulletins(Parameter<AssessmentID>)
    /// `/api/v1/assessments/:id/bulletins/:number` (GET) — one bulletin's frozen document
    case bulletin(Parameter<AssessmentID>, Parameter<Int>)

    var path: String {
        switch self {
        case .tokens: "/tokens"
        case .token(let id): "/tokens/\(id.segment("id"))"
        case .me: "/me"
        case .organizations: "/organizations"
        case .organizationRecords(let id): "/organizations/\(id.segment("id"))/records"
        case .units: "/units"
        case .unitImport: "/units/import"
        case .users: "/users"
        case .userRoles(let id): "/users/\(id.segment("id"))/roles"
        case .userTokens(let id): "/users/\(id.segment("id"))/tokens"
        case .userUnlock(let id): "/users/\(id.segment("id"))/unlock"
        case .schemes: "/schemes"
        case .scheme(let id): "/schemes/\(id.segment("id"))"
        case .assessments: "/assessments"
        case .assessment(let id): "/assessments/\(id.segment("id"))"
        case .assessmentState(let id): "/assessments/\(id.segment("id"))/state"
        case .assessmentEnrolments(let id): "/assessments/\(id.segment("id"))/enrolments"
        case .assessmentAssignments(let id): "/assessments/\(id.segment("id"))/assignments"
        case .assessmentParameters(let id): "/assessments/\(id.segment("id"))/parameters"
        case .factsImport(let id): "/assessments/\(id.segment("id"))/facts"
        case .results(let id): "/assessments/\(id.segment("id"))/results"
        case .unitFacts(let id, let unit): "/assessments/\(id.segment("id"))/units/\(unit.segment("unit"))/facts"
        case .itemFacts(let id, let unit, let item):
            "/assessments/\(id.segment("id"))/units/\(unit.segment("unit"))/facts/\(item.segment("item"))"
        case .findings(let id, let unit): "/assessments/\(id.segment("id"))/units/\(unit.segment("unit"))/findings"
        case .selfAssessment(let id, let unit): "/assessments/\(id.segment("id"))/units/\(unit.segment("unit"))/self"
        case .selfAssessmentItem(let id, let unit, let item):
            "/assessments/\(id.segment("id"))/units/\(unit.segment("unit"))/self/\(item.segment("item"))"
        case .selfAssessmentSubmit(let id, let unit):
            "/assessments/\(id.segment("id"))/units/\(unit.segment("unit"))/self/submit"
        case .submissions(let id): "/assessments/\(id.segment("id"))/submissions"
        case .publications(let id): "/assessments/\(id.segment("id"))/publications"
        case .publication(let id, let version):
            "/assessments/\(id.segment("id"))/publications/\(version.segment("version"))"
        case .bulletins(let id): "/assessments/\(id.segment("id"))/bulletins"
        case .bulletin(let id, let number): "/assessments/\(id.segment("id"))/bulletins/\(number.segment("number"))"
        }
    }
}
