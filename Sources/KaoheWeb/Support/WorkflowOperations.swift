import Foundation
import KaoheEngine
import KaoheFormats
import KaoheStorage

/// Where a unit stands in its self-assessment.
public enum SubmissionStatus: Sendable, Equatable {
    /// Nothing entered yet.
    case notStarted
    /// Entries saved, not submitted.
    case draft
    /// Submitted (late when after the assessment's own deadline, within an extension).
    case submitted(late: Bool)
    /// Items returned for correction wait for the unit.
    case returned(items: Int)
    /// Every returned item answered; the corrected self-assessment waits to be resubmitted.
    case answered

    /// The Chinese label.
    public var label: String {
        switch self {
        case .notStarted: "未开始"
        case .draft: "填报中（未提交）"
        case .submitted(let late): late ? "已提交（逾期）" : "已提交"
        case .returned(let items): "退回补正（\(items)项待补正）"
        case .answered: "已补正，待重新提交"
        }
    }
}

/// The review state of one item: the latest review step.
public enum ItemReviewState: Sendable, Equatable {
    /// Not reviewed yet.
    case pending
    /// Accepted by an evaluator.
    case accepted
    /// Returned for correction, with the reason.
    case returned(reason: String)
    /// The unit answered the return.
    case answered(answer: String)

    /// From the steps of one item, oldest first.
    init(_ actions: [ReviewAction]) {
        switch actions.last?.kind {
        case nil: self = .pending
        case .accept: self = .accepted
        case .return: self = .returned(reason: actions.last!.text)
        case .answer: self = .answered(answer: actions.last!.text)
        }
    }

    /// The Chinese label.
    public var label: String {
        switch self {
        case .pending: "待审核"
        case .accepted: "审核通过"
        case .returned: "退回补正"
        case .answered: "已补正，待复核"
        }
    }
}

/// One item of a unit's workflow page: the scheme's wording, the unit's entry, evidence, review and scores.
public struct WorkflowItem: Sendable {
    /// The scheme item.
    public var item: Item
    /// Its category name.
    public var category: String
    /// The fact fields of the item (the claimed facts).
    public var specs: [FactSpec]
    /// The unit's entry, if saved.
    public var entry: SelfAssessmentEntry?
    /// The claimed facts decoded (for the form and the review).
    public var claimed: [String: FactValue]
    /// Evidence files, withdrawn ones included.
    public var evidence: [EvidenceFile]
    /// Review steps, oldest first.
    public var reviews: [ReviewAction]
    /// The evaluators' current score of the item (nil when pending or not scored).
    public var evaluatorScore: ExactDecimal?
    /// The evaluators' explanation.
    public var evaluatorExplanation: String?
    /// The published score (publicity or final), when published.
    public var publishedScore: ExactDecimal?
    /// The published explanation.
    public var publishedExplanation: String?
    /// Objections to this item.
    public var objections: [Objection]
    /// Whether the viewer may edit the entry now.
    public var editable: Bool

    /// The review state.
    public var review: ItemReviewState { ItemReviewState(reviews) }

    /// The self-score as a decimal.
    public var selfScore: ExactDecimal? { entry?.selfScore.flatMap { ExactDecimal($0) } }

    /// Final (published, else evaluator) score minus the self-score.
    public var difference: ExactDecimal? {
        guard let mine = selfScore, let theirs = publishedScore ?? evaluatorScore else { return nil }
        return theirs - mine
    }
}

/// The whole self-assessment of one unit as its pages show it.
public struct UnitWorkflow: Sendable {
    /// The assessment.
    public var assessment: Assessment
    /// The unit.
    public var unit: AssessedUnit
    /// The scheme.
    public var scheme: Scheme
    /// The items that apply to the unit, in scheme order.
    public var items: [WorkflowItem]
    /// Submissions, oldest first.
    public var submissions: [Submission]
    /// The deadline that applies to the unit (an extension, else the assessment's).
    public var deadline: KaoheStorage.Day?
    /// The extension in force, if any.
    public var deadlineExtension: DeadlineExtension?
    /// Today in China (Asia/Shanghai).
    public var today: KaoheStorage.Day
    /// The status.
    public var status: SubmissionStatus
    /// Why the unit cannot edit or submit now, when so.
    public var lockedReason: String?
    /// Whether the viewer may submit now.
    public var canSubmit: Bool
    /// Whether the viewer acts for the unit (its reporter, or an administrator).
    public var actsForUnit: Bool
    /// Whether the viewer may review (accept / return) items.
    public var canReview: Bool
    /// The latest published version, if any.
    public var publicationVersion: Int?
    /// Whether objections may be lodged now (公示, within the window, the unit's own reporter).
    public var canObject: Bool
    /// Names of users.
    public var userNames: [UserID: String]
    /// The largest evidence file accepted, in bytes.
    public var maxUploadBytes: Int

    /// The sum of the self-scores given so far.
    public var selfTotal: ExactDecimal { items.reduce(ExactDecimal.zero) { $0 + ($1.selfScore ?? .zero) } }
    /// The sum of the evaluators' item scores (published ones when published).
    public var finalTotal: ExactDecimal? {
        var sum = ExactDecimal.zero
        for item in items {
            guard let score = item.publishedScore ?? item.evaluatorScore else { return nil }
            sum = sum + score
        }
        return sum
    }
    /// Items without a self-score.
    public var missing: [WorkflowItem] { items.filter { $0.selfScore == nil } }
}

/// One row of the organizer's dashboard.
public struct SubmissionRow: Sendable {
    /// The unit.
    public var unit: AssessedUnit
    /// Its status.
    public var status: SubmissionStatus
    /// Items with a self-score / items in total.
    public var filled: Int, total: Int
    /// The latest submission.
    public var lastSubmission: Submission?
    /// The deadline that applies.
    public var deadline: KaoheStorage.Day?
    /// The extension in force.
    public var deadlineExtension: DeadlineExtension?
    /// Whether the unit is past its deadline without having submitted.
    public var overdue: Bool
    /// The sum of the self-scores.
    public var selfTotal: ExactDecimal
    /// The evaluators' base score (nil while items are pending).
    public var evaluatorTotal: ExactDecimal?
}

/// The organizer's dashboard of an assessment's submissions.
public struct SubmissionsDashboard: Sendable {
    /// The assessment.
    public var assessment: Assessment
    /// One row per enrolled unit, by code.
    public var rows: [SubmissionRow]
    /// Today in China.
    public var today: KaoheStorage.Day
    /// Whether the viewer may change deadlines.
    public var canManage: Bool

    /// How many rows have `predicate`.
    public func count(_ predicate: (SubmissionRow) -> Bool) -> Int { rows.filter(predicate).count }
}

/// One unit in a published version.
public struct PublishedUnit: Sendable, Equatable {
    /// The unit code (the id in the results document).
    public var code: String
    /// The unit name.
    public var name: String
    /// Total, rank and grade.
    public var total: String, rank: Int?, grade: String?
    /// Item scores and explanations by item id.
    public var items: [String: (score: String, explanation: String)]

    public static func == (lhs: PublishedUnit, rhs: PublishedUnit) -> Bool {
        lhs.code == rhs.code && lhs.name == rhs.name && lhs.total == rhs.total && lhs.rank == rhs.rank
            && lhs.grade == rhs.grade && lhs.items.mapValues(\.score) == rhs.items.mapValues(\.score)
    }

    /// Reads the units of a results document (the `kaohe score` format).
    public static func parse(_ results: String) -> [PublishedUnit] {
        guard let root = try? JSONParser.parse(results), case .array(let units)? = root["units"]?.value else {
            return []
        }
        func text(_ node: JSONNode?) -> String? {
            switch node?.value {
            case .number(let n)?: n
            case .string(let s)?: s
            default: nil
            }
        }
        return units.map { unit in
            var items: [String: (String, String)] = [:]
            if case .object(let members)? = unit["items"]?.value {
                for (key, node) in members {
                    // A pending item has no score yet, whatever number the document carries.
                    let pending = text(node["state"]) == "pending"
                    items[key] = (pending ? "待评" : text(node["score"]) ?? "—", text(node["explain"]) ?? "")
                }
            }
            return PublishedUnit(
                code: text(unit["id"]) ?? "", name: text(unit["name"]) ?? "", total: text(unit["total"]) ?? "—",
                rank: text(unit["rank"]).flatMap { Int($0) }, grade: text(unit["grade"]), items: items)
        }
    }
}

/// Two published versions side by side.
public struct PublicationComparison: Sendable {
    /// The assessment.
    public var assessment: Assessment
    /// Every version (for the pickers).
    public var versions: [Publication]
    /// The two compared versions.
    public var left: Publication, right: Publication
    /// Rows by unit code: the unit in each version (nil when absent).
    public var rows: [(code: String, left: PublishedUnit?, right: PublishedUnit?)]
    /// The scheme's items, for item-level differences.
    public var scheme: Scheme
}

/// The publication page: versions, objections.
public struct PublicationsPage: Sendable {
    /// The assessment.
    public var assessment: Assessment
    /// Versions, oldest first (without results).
    public var versions: [Publication]
    /// Objections visible to the viewer.
    public var objections: [Objection]
    /// Units by id.
    public var units: [UnitID: AssessedUnit]
    /// Whether the viewer may publish and answer.
    public var canManage: Bool
    /// Whether the current results differ from the latest version.
    public var hasUnpublishedChanges: Bool
    /// The scheme.
    public var scheme: Scheme
    /// Names of users.
    public var userNames: [UserID: String]
}

extension Operations {
    /// Today in China, from the dependencies' clock.
    func today() -> KaoheStorage.Day {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        let parts = calendar.dateComponents([.year, .month, .day], from: deps.now())
        let pad = { (n: Int) in n < 10 ? "0\(n)" : "\(n)" }
        return KaoheStorage.Day("\(parts.year!)-\(pad(parts.month!))-\(pad(parts.day!))")!
    }

    /// The deadline of a unit: its latest extension, else the assessment's.
    static func deadline(
        of unit: UnitID, in assessment: Assessment, extensions: [DeadlineExtension]
    ) -> (KaoheStorage.Day?, DeadlineExtension?) {
        let latest = extensions.last { $0.unitID == unit }
        return (latest?.deadline ?? assessment.submissionDeadline, latest)
    }

    /// The status of a unit from its entries, submissions and review steps.
    static func status(entries: Int, submissions: [Submission], reviews: [ReviewAction]) -> SubmissionStatus {
        guard let last = submissions.last else { return entries == 0 ? .notStarted : .draft }
        // Each item's latest step decides its state (as in ``ItemReviewState``).
        let latest = Dictionary(grouping: reviews, by: \.itemID).compactMapValues(\.last)
        let returned = latest.values.filter { $0.kind == .return }.count
        if returned > 0 { return .returned(items: returned) }
        // An item answered after the latest submission waits for the corrected self-assessment.
        if latest.values.contains(where: { $0.kind == .answer && $0.seq > last.seq }) { return .answered }
        return .submitted(late: submissions.first!.late)
    }

    /// Whether the user acts for the unit: its own reporter, or an administrator.
    func actsFor(_ unit: AssessedUnit, user: User) -> Bool {
        (user.can(.selfAssess) && user.unitID == unit.id) || user.has(.admin)
    }

    /// Whether the user may review the unit's items (evaluators: where an assignment covers the unit).
    func mayReview(_ assessment: Assessment, unit: UnitID, item: String?, user: User) async throws -> Bool {
        guard user.can(.review) else { return false }
        if user.has(.admin) || user.has(.organizer) { return true }
        let mine = try await store.assignments(of: assessment.id).filter { $0.userID == user.id }
        if let item { return mine.contains { $0.covers(unit: unit, item: item) } }
        return mine.contains { $0.unitID == nil || $0.unitID == unit }
    }

    /// The items of the scheme that apply to a unit, with their categories.
    static func applicableItems(_ scheme: Scheme, unit: AssessedUnit) -> [(Item, String, [FactSpec])] {
        let unitType = ScoringCatalog.schemeUnitType(for: unit, in: scheme)
        return ScoreGroup.all(in: scheme, unitType: unitType).compactMap { group in
            guard let item = group.item else { return nil }
            return (item, group.category?.name ?? "", group.specs)
        }
    }

    /// The self-assessment page model of one unit. Reporters see their own unit only; evaluators, organizers
    /// and leaders see every enrolled unit (the page is read-only for them unless they may review).
    public func unitWorkflow(_ id: String, unit unitText: String, for user: User) async throws -> UnitWorkflow {
        let (assessment, unit) = try await factsScope(id, unit: unitText, for: user)
        if user.has(.leader) && !user.can(.review) && !actsFor(unit, user: user) {
            throw WebError.forbidden("查看单位自评（领导只读结果）")
        }
        let scheme = try await self.scheme(of: assessment)
        let entries = Dictionary(
            try await store.selfAssessment(assessment: assessment.id, unit: unit.id).map { ($0.itemID, $0) },
            uniquingKeysWith: { a, _ in a })
        let evidence = Dictionary(
            grouping: try await store.evidence(assessment: assessment.id, unit: unit.id), by: \.itemID)
        let reviews = try await store.reviewActions(assessment: assessment.id, unit: unit.id)
        let reviewsByItem = Dictionary(grouping: reviews, by: \.itemID)
        let submissions = try await store.submissions(assessment: assessment.id, unit: unit.id)
        let extensions = try await store.deadlineExtensions(of: assessment.id)
        let (deadline, ext) = Self.deadline(of: unit.id, in: assessment, extensions: extensions)
        let today = today()
        let status = Self.status(entries: entries.count, submissions: submissions, reviews: reviews)
        let acts = actsFor(unit, user: user)
        let canReview = try await mayReview(assessment, unit: unit.id, item: nil, user: user)
        // Scores: the evaluators' current ones for reviewers, the published ones for everybody once published.
        let versions = try await store.publications(of: assessment.id)
        var published: PublishedUnit?
        if let latest = versions.last {
            published = try await publishedUnits(assessment.id, version: latest.version)[unit.code]
        }
        var evaluatorResult: UnitResult?
        var explainer: Explainer?
        var sheet: FactSheet?
        if canReview || user.can(.recordFacts) {
            let scored = try await score(unit, of: assessment, scheme: scheme)
            evaluatorResult = scored.result
            explainer = Explainer(scheme: scheme)
            sheet = scored.facts.sheet
        }
        let objections = Dictionary(
            grouping: try await store.objections(assessment: assessment.id, unit: unit.id), by: \.itemID)
        let phaseOpen = assessment.state == .open || assessment.state == .scoring
        let beforeDeadline = deadline.map { today <= $0 } ?? true
        var lockedReason: String?
        if assessment.state == .final {
            lockedReason = "本考核已定稿锁定"
        } else if assessment.state == .draft {
            lockedReason = "考核尚未开始（草稿），开始后才能填报"
        } else if !phaseOpen {
            lockedReason = "考核处于“\(assessment.state.displayName)”阶段，自评已结束"
        } else if submissions.isEmpty && !beforeDeadline {
            lockedReason = "已超过截止日期（\(deadline!)），不能再填报；如需延期请联系考核办"
        } else if !submissions.isEmpty {
            if case .submitted = status { lockedReason = "自评已提交；如有退回补正的项目，可在该项目下修改并答复" }
        }
        var items: [WorkflowItem] = []
        for (item, category, specs) in Self.applicableItems(scheme, unit: unit) {
            let entry = entries[item.id]
            var claimed: [String: FactValue] = [:]
            if let json = entry?.claimedFacts {
                let record = FactsRecord(
                    assessmentID: assessment.id, unitID: unit.id, itemID: item.id, json: json, version: 1,
                    updatedBy: nil, updatedAt: Date())
                claimed = FactsAssembly.assemble(records: [record], findings: [], scheme: scheme).values[item.id] ?? [:]
            }
            let itemReviews = reviewsByItem[item.id] ?? []
            let returned: Bool
            if case .returned = ItemReviewState(itemReviews) { returned = true } else { returned = false }
            let editable =
                acts && phaseOpen
                && (submissions.isEmpty ? beforeDeadline : returned)
            var evaluatorScore: ExactDecimal?
            var evaluatorText: String?
            if let result = evaluatorResult?.items.first(where: { $0.itemID == item.id }) {
                if case .pending = result.state {} else { evaluatorScore = result.score }
                evaluatorText = explainer.map { $0.explain(result, facts: sheet!) }
            }
            let publishedItem = published?.items[item.id]
            items.append(
                WorkflowItem(
                    item: item, category: category, specs: specs, entry: entry, claimed: claimed,
                    evidence: evidence[item.id] ?? [], reviews: itemReviews, evaluatorScore: evaluatorScore,
                    evaluatorExplanation: evaluatorText,
                    publishedScore: publishedItem.flatMap { ExactDecimal($0.score) },
                    publishedExplanation: publishedItem?.explanation, objections: objections[item.id] ?? [],
                    editable: editable))
        }
        let complete = items.allSatisfy { $0.selfScore != nil }
        var canSubmit = false
        if acts && phaseOpen && complete {
            switch status {
            case .notStarted, .draft: canSubmit = beforeDeadline
            case .answered: canSubmit = true
            case .submitted, .returned: canSubmit = false
            }
        }
        let windowOpen = assessment.objectionDeadline.map { today <= $0 } ?? true
        let users = try await store.users()
        return UnitWorkflow(
            assessment: assessment, unit: unit, scheme: scheme, items: items, submissions: submissions,
            deadline: deadline, deadlineExtension: ext, today: today, status: status, lockedReason: lockedReason,
            canSubmit: canSubmit, actsForUnit: acts, canReview: canReview, publicationVersion: versions.last?.version,
            canObject: acts && assessment.state == .publicity && windowOpen && !versions.isEmpty,
            userNames: Dictionary(users.map { ($0.id, $0.displayName) }, uniquingKeysWith: { a, _ in a }),
            maxUploadBytes: deps.evidence.maxFileSize)
    }

    /// Saves one item's self-assessment from its form (self-score, explanation, claimed facts). Returned items
    /// may also carry the answer to the return (`answer`), recorded as a review step.
    public func saveSelfAssessmentItem(
        _ id: String, unit unitText: String, item itemID: String, form: FormData, by user: User
    )
        async throws -> SelfAssessmentEntry
    {
        let model = try await unitWorkflow(id, unit: unitText, for: user)
        guard model.actsForUnit else { throw WebError.forbidden("只能填报本单位的自评") }
        guard let item = model.items.first(where: { $0.item.id == itemID }) else {
            throw WebError.notFound("方案“\(model.scheme.id)”中适用于本单位的考核项目“\(itemID)”")
        }
        let title = "\(item.item.id) \(item.item.name)"
        guard item.editable else {
            throw WebError.conflict("考核项目“\(title)”现在不能修改：\(model.lockedReason ?? "该项目未被退回补正")")
        }
        guard let version = Int(form["version"] ?? ""), version >= 0 else {
            throw WebError.badRequest("表单缺少版本号，请刷新页面后重试")
        }
        let scoreText = form["self_score"] ?? ""
        var selfScore: String?
        if !scoreText.isEmpty {
            guard let score = ExactDecimal(scoreText) else {
                throw WebError.badRequest("考核项目“\(title)”的自评分“\(scoreText)”不是数字")
            }
            let maximum = item.item.max
            guard score >= .zero, score <= maximum || item.item.mayExceedMax else {
                throw WebError.badRequest("考核项目“\(title)”的自评分\(scoreText)超出范围：应在0到\(maximum.description)分之间")
            }
            selfScore = score.description
        }
        let note = form["note"] ?? ""
        guard note.count <= 5000 else { throw WebError.badRequest("考核项目“\(title)”的说明不能超过5000字") }
        var claimed: String?
        if !item.specs.isEmpty {
            do {
                let values = try FactForm.values(form, specs: item.specs)
                if !values.isEmpty { claimed = FactsAssembly.json(values, specs: item.specs) }
            } catch {
                let label = item.specs.first { $0.name == error.fact }.map { "\($0.label)（\($0.name)）" } ?? error.fact
                throw WebError.badRequest("考核项目“\(title)” 自报事实“\(label)”：\(error.message)")
            }
        }
        let entry = SelfAssessmentEntry(
            assessmentID: model.assessment.id, unitID: model.unit.id, itemID: itemID, selfScore: selfScore, note: note,
            claimedFacts: claimed)
        let saved: SelfAssessmentEntry
        do {
            saved = try await store.saveSelfAssessment(entry, expectedVersion: version, by: .user(user))
        } catch StorageError.versionConflict(_, let expected, let actual) {
            // The page is shown again with the input kept and the current version, so a second save is deliberate.
            throw WebError.conflict(
                "保存冲突：考核项目“\(title)”已被他人修改（您基于第\(expected)版，当前为第\(actual.map(String.init) ?? "?")版）。"
                    + "您的输入未保存，仍在该项目的表单中；请核对后再保存。")
        }
        if let answer = form["answer"], !answer.isEmpty {
            try await store.addReviewAction(
                ReviewAction(
                    assessmentID: model.assessment.id, unitID: model.unit.id, itemID: itemID, kind: .answer,
                    text: answer, createdBy: user.id, createdAt: deps.now()), by: .user(user))
        }
        return saved
    }

    /// The unit answers a return without changing its entry.
    public func answerReturn(_ id: String, unit unitText: String, item itemID: String, answer: String, by user: User)
        async throws
    {
        let model = try await unitWorkflow(id, unit: unitText, for: user)
        guard model.actsForUnit else { throw WebError.forbidden("只能答复本单位的退回") }
        guard let item = model.items.first(where: { $0.item.id == itemID }) else {
            throw WebError.notFound("考核项目“\(itemID)”")
        }
        guard case .returned = item.review else {
            throw WebError.conflict("考核项目“\(item.item.id) \(item.item.name)”没有待答复的退回")
        }
        guard model.assessment.state == .open || model.assessment.state == .scoring else {
            throw WebError.conflict("考核处于“\(model.assessment.state.displayName)”阶段，不能答复退回")
        }
        guard !answer.isEmpty else { throw WebError.badRequest("请填写“补正说明”") }
        try await store.addReviewAction(
            ReviewAction(
                assessmentID: model.assessment.id, unitID: model.unit.id, itemID: itemID, kind: .answer, text: answer,
                createdBy: user.id, createdAt: deps.now()), by: .user(user))
    }

    /// Submits (or, after returns were answered, resubmits) the self-assessment: every item needs a
    /// self-score; the first submission must be on or before the unit's deadline and is marked late when
    /// after the assessment's own deadline.
    public func submitSelfAssessment(_ id: String, unit unitText: String, by user: User) async throws -> Submission {
        let model = try await unitWorkflow(id, unit: unitText, for: user)
        guard model.actsForUnit else { throw WebError.forbidden("只能提交本单位的自评") }
        guard model.assessment.state == .open || model.assessment.state == .scoring else {
            throw WebError.conflict("考核处于“\(model.assessment.state.displayName)”阶段，不能提交自评")
        }
        let missing = model.missing
        guard missing.isEmpty else {
            throw WebError.badRequest(
                "还有\(missing.count)个项目未填自评分："
                    + missing.prefix(10).map { "\($0.item.id) \($0.item.name)" }.joined(separator: "、"))
        }
        switch model.status {
        case .submitted: throw WebError.conflict("自评已提交，不能重复提交")
        case .returned(let n): throw WebError.conflict("还有\(n)个退回补正的项目未答复，答复后才能重新提交")
        case .notStarted, .draft:
            if let deadline = model.deadline, model.today > deadline {
                throw WebError.conflict("已超过截止日期（\(deadline)），不能提交；如需延期请联系考核办")
            }
        case .answered: break
        }
        let late = model.submissions.isEmpty && model.assessment.submissionDeadline.map { model.today > $0 } ?? false
        let snapshot = try Submission.snapshot(of: model.items.compactMap(\.entry))
        let submission = Submission(
            assessmentID: model.assessment.id, unitID: model.unit.id, number: model.submissions.count + 1,
            submittedAt: deps.now(), submittedBy: user.id, late: late || (model.submissions.first?.late ?? false),
            deadline: model.deadline, snapshot: snapshot)
        try await store.submit(submission, by: .user(user))
        return submission
    }

    /// Accepts or returns one item (evaluators where assigned). Accepting may adopt the unit's claimed facts
    /// as the item's facts when none were recorded yet.
    public func reviewItem(
        _ id: String, unit unitText: String, item itemID: String, decision: String, text: String, adopt: Bool,
        by user: User
    ) async throws {
        let (assessment, unit) = try await factsScope(id, unit: unitText, for: user)
        guard try await mayReview(assessment, unit: unit.id, item: itemID, user: user) else {
            throw WebError.forbidden("未分配您审核该单位该项目（\(itemID)）")
        }
        guard assessment.state == .open || assessment.state == .scoring else {
            throw WebError.conflict("考核处于“\(assessment.state.displayName)”阶段，不能审核自评")
        }
        let scheme = try await self.scheme(of: assessment)
        guard let item = Self.applicableItems(scheme, unit: unit).first(where: { $0.0.id == itemID }) else {
            throw WebError.notFound("适用于本单位的考核项目“\(itemID)”")
        }
        guard !(try await store.submissions(assessment: assessment.id, unit: unit.id)).isEmpty else {
            throw WebError.conflict("单位尚未提交自评，不能审核")
        }
        let kind: ReviewKind
        switch decision {
        case "accept": kind = .accept
        case "return":
            kind = .return
            guard !text.isEmpty else { throw WebError.badRequest("退回补正须填写理由（考核项目“\(item.0.id) \(item.0.name)”）") }
        default: throw WebError.badRequest("审核结论“\(decision)”无效：应为 accept（通过）或 return（退回补正）")
        }
        if kind == .accept && adopt {
            let entry = try await store.selfAssessment(assessment: assessment.id, unit: unit.id).first {
                $0.itemID == itemID
            }
            if let claimed = entry?.claimedFacts,
                try await store.facts(assessment: assessment.id, unit: unit.id, item: itemID) == nil
            {
                _ = try await store.saveFacts(
                    assessment: assessment.id, unit: unit.id, item: itemID, json: claimed, expectedVersion: 0,
                    by: .user(user, reason: "审核通过，采纳单位自报事实"))
            }
        }
        try await store.addReviewAction(
            ReviewAction(
                assessmentID: assessment.id, unitID: unit.id, itemID: itemID, kind: kind, text: text,
                createdBy: user.id, createdAt: deps.now()), by: .user(user))
    }

    /// The organizer's dashboard: who has submitted, who is late, who has not started.
    public func submissionsDashboard(_ id: String, for user: User) async throws -> SubmissionsDashboard {
        guard user.can(.manageAssessments) || user.can(.review) else {
            throw WebError.forbidden(Permission.review.label)
        }
        let detail = try await assessmentDetail(id, for: user)
        let assessment = detail.assessment
        let scheme = try await self.scheme(of: assessment)
        let entries = Dictionary(grouping: try await store.selfAssessments(assessment: assessment.id), by: \.unitID)
        let submissions = Dictionary(
            grouping: try await store.submissions(assessment: assessment.id, unit: nil), by: \.unitID)
        let reviews = Dictionary(
            grouping: try await store.reviewActions(assessment: assessment.id, unit: nil), by: \.unitID)
        let extensions = try await store.deadlineExtensions(of: assessment.id)
        let today = today()
        let scored = Dictionary(
            try await cachedScores(id, for: user).scores.rows.map { ($0.unit.id, $0.result) },
            uniquingKeysWith: { a, _ in a })
        let rows = detail.units.sorted { $0.code < $1.code }.map { unit -> SubmissionRow in
            let mine = entries[unit.id] ?? []
            let subs = submissions[unit.id] ?? []
            let (deadline, ext) = Self.deadline(of: unit.id, in: assessment, extensions: extensions)
            let items = Self.applicableItems(scheme, unit: unit).map(\.0.id)
            let filled = mine.filter { $0.selfScore != nil && items.contains($0.itemID) }
            return SubmissionRow(
                unit: unit,
                status: Self.status(entries: mine.count, submissions: subs, reviews: reviews[unit.id] ?? []),
                filled: filled.count, total: items.count, lastSubmission: subs.last, deadline: deadline,
                deadlineExtension: ext, overdue: subs.isEmpty && deadline.map { today > $0 } ?? false,
                selfTotal: filled.reduce(ExactDecimal.zero) { $0 + (ExactDecimal($1.selfScore!) ?? .zero) },
                evaluatorTotal: scored[unit.id].flatMap { $0.pending.isEmpty ? $0.base : nil })
        }
        return SubmissionsDashboard(
            assessment: assessment, rows: rows, today: today, canManage: user.can(.manageAssessments))
    }

    /// Parses a deadline field: a date `yyyy-MM-dd`, or `N` working days (`10个工作日`, `10wd`) after `from`
    /// on the official calendar.
    func deadlineValue(_ text: String?, field: String, from start: KaoheStorage.Day) throws -> KaoheStorage.Day? {
        guard let text, !text.isEmpty else { return nil }
        if let day = KaoheStorage.Day(text) { return day }
        let digits = text.prefix { $0.isNumber }
        let rest = text.dropFirst(digits.count).trimmingCharacters(in: .whitespaces)
        guard let n = Int(digits), n > 0, n <= 250, ["个工作日", "工作日", "wd"].contains(rest) else {
            throw WebError.badRequest("“\(field)”的值“\(text)”无效：应为日期（如 2026-12-31）或工作日数（如 10个工作日）")
        }
        let calendar = try ScoringCatalog.calendar()
        guard let engineStart = KaoheEngine.Day(iso: start.description), calendar.covers(engineStart) else {
            throw WebError.badRequest("工作日历不包含\(start.year)年，无法按工作日计算“\(field)”，请直接填写日期")
        }
        let end = calendar.workingDay(n, after: engineStart)
        guard calendar.covers(end) else {
            throw WebError.badRequest("按工作日计算的“\(field)”超出工作日历覆盖的年份，请直接填写日期")
        }
        return KaoheStorage.Day(end.description)
    }

    /// Sets the submission and objection deadlines (dates, or working days from today).
    public func setDeadlines(_ id: String, form: FormData, by user: User) async throws -> Assessment {
        guard user.can(.manageAssessments) else { throw WebError.forbidden(Permission.manageAssessments.label) }
        guard try await store.assessment(AssessmentID(id)) != nil else { throw WebError.notFound("考核 \(id)") }
        let today = today()
        let submission = try deadlineValue(form["submission_deadline"], field: "自评截止日期", from: today)
        let objection = try deadlineValue(form["objection_deadline"], field: "异议截止日期", from: today)
        return try await store.setDeadlines(
            AssessmentID(id), submission: submission, objection: objection,
            by: .user(user, reason: form["reason"].flatMap { $0.isEmpty ? nil : $0 }))
    }

    /// Extends one unit's deadline, with a reason.
    public func extendDeadline(_ id: String, unit unitText: String, form: FormData, by user: User) async throws
        -> DeadlineExtension
    {
        guard user.can(.manageAssessments) else { throw WebError.forbidden(Permission.manageAssessments.label) }
        let (assessment, unit) = try await factsScope(id, unit: unitText, for: user)
        let reason = try form.required("reason", label: "延期理由")
        guard let deadline = try deadlineValue(form["deadline"], field: "延期至", from: today()) else {
            throw WebError.badRequest("请填写“延期至”（日期或工作日数）")
        }
        let ext = DeadlineExtension(
            assessmentID: assessment.id, unitID: unit.id, deadline: deadline, reason: reason, createdBy: user.id,
            createdAt: deps.now())
        try await store.extendDeadline(ext, by: .user(user, reason: reason))
        return ext
    }

    // MARK: Publication

    /// The results of an assessment as a results document (every unit), for publishing: the cached document
    /// of the current data version (`user` must see every unit, as managers do).
    func currentResults(_ assessment: Assessment, for user: User) async throws -> String {
        String(buffer: try await resultsDocument(assessment.id.rawValue, for: user))
    }

    /// The published versions (without results) and the results of the latest one, if any.
    func latestPublication(_ assessment: Assessment) async throws -> (versions: [Publication], results: String?) {
        let versions = try await store.publications(of: assessment.id)
        guard let last = versions.last else { return (versions, nil) }
        return (versions, try await store.publication(of: assessment.id, version: last.version)?.results)
    }

    /// The units of one published version by code, read and parsed once per version (versions never change).
    func publishedUnits(_ assessment: AssessmentID, version: Int) async throws -> [String: PublishedUnit] {
        try await deps.published.units(assessment, version: version, store: store) { [store] in
            guard let publication = try await store.publication(of: assessment, version: version) else { return [:] }
            return Dictionary(
                PublishedUnit.parse(publication.results).map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
        }
    }

    /// Moves an assessment into 公示 or 定稿, publishing a version when the results are new: the first
    /// 公示 always, later ones and 定稿 when the results differ from the latest version. 定稿 is refused while
    /// objections are open or the objection window has not closed.
    func publishTransition(_ assessment: Assessment, to state: AssessmentState, reason: String?, by user: User)
        async throws -> Assessment
    {
        if state == .final {
            let open = try await store.objections(assessment: assessment.id, unit: nil).filter { $0.status == .open }
            guard open.isEmpty else { throw WebError.conflict("还有\(open.count)条异议未答复，答复后才能定稿") }
            if let deadline = assessment.objectionDeadline, today() <= deadline {
                throw WebError.conflict("公示期至\(deadline)，公示期结束后才能定稿")
            }
        }
        let results = try await currentResults(assessment, for: user)
        let (versions, published) = try await latestPublication(assessment)
        let changed = published != results
        let actor = AuditActor.user(user, reason: reason.flatMap { $0.isEmpty ? nil : $0 })
        guard changed else { return try await store.transition(assessment.id, to: state, by: actor) }
        let note =
            versions.isEmpty
            ? "首次公示" : (state == .final ? "定稿（结果较第\(versions.count)版有更正）" : "重新公示（结果较第\(versions.count)版有更正）")
        return try await store.publish(
            Publication(
                assessmentID: assessment.id, version: versions.count + 1, state: state, results: results,
                note: reason.flatMap { $0.isEmpty ? nil : $0 } ?? note, createdBy: user.id, createdAt: deps.now()),
            moveTo: state, by: actor)
    }

    /// Publishes the current results as a new version during 公示 (a correction), when they changed.
    public func publishCorrection(_ id: String, note: String, by user: User) async throws -> Publication {
        guard user.can(.manageAssessments) else { throw WebError.forbidden(Permission.manageAssessments.label) }
        guard let assessment = try await store.assessment(AssessmentID(id)) else { throw WebError.notFound("考核 \(id)") }
        guard assessment.state == .publicity else {
            throw WebError.conflict("只有公示期间可以发布更正版本（当前为“\(assessment.state.displayName)”）")
        }
        guard !note.isEmpty else { throw WebError.badRequest("请填写“更正说明”") }
        let results = try await currentResults(assessment, for: user)
        let (versions, published) = try await latestPublication(assessment)
        if published == results { throw WebError.conflict("当前结果与第\(versions.count)版相同，无需发布新版本") }
        let publication = Publication(
            assessmentID: assessment.id, version: versions.count + 1, state: .publicity, results: results, note: note,
            createdBy: user.id, createdAt: deps.now())
        _ = try await store.publish(publication, moveTo: nil, by: .user(user, reason: note))
        return publication
    }

    /// The publication page: versions and objections (reporters: their own objections only).
    public func publicationsPage(_ id: String, for user: User) async throws -> PublicationsPage {
        let detail = try await assessmentDetail(id, for: user)
        let assessment = detail.assessment
        let (versions, published) = try await latestPublication(assessment)
        var objections = try await store.objections(assessment: assessment.id, unit: nil)
        if user.seesOwnUnitOnly { objections = objections.filter { $0.unitID == user.unitID } }
        var changes = false
        if user.can(.manageAssessments), assessment.state == .publicity, let published {
            changes = try await currentResults(assessment, for: user) != published
        }
        let units = try await store.units(in: assessment.organizationID)
        let users = try await store.users()
        return PublicationsPage(
            assessment: assessment, versions: versions, objections: objections,
            units: Dictionary(units.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a }),
            canManage: user.can(.manageAssessments), hasUnpublishedChanges: changes,
            scheme: try await scheme(of: assessment),
            userNames: Dictionary(users.map { ($0.id, $0.displayName) }, uniquingKeysWith: { a, _ in a }))
    }

    /// Two published versions side by side. Published versions are public (公示); before the first one
    /// there is nothing to compare.
    public func comparePublications(_ id: String, left: Int?, right: Int?, for user: User) async throws
        -> PublicationComparison
    {
        let detail = try await assessmentDetail(id, for: user)
        let versions = try await store.publications(of: detail.assessment.id)
        guard let latest = versions.last else { throw WebError.notFound("考核 \(id) 的已发布版本") }
        let rightVersion = right ?? latest.version
        let leftVersion = left ?? max(1, rightVersion - 1)
        guard let l = try await store.publication(of: detail.assessment.id, version: leftVersion) else {
            throw WebError.notFound("第\(leftVersion)版")
        }
        guard let r = try await store.publication(of: detail.assessment.id, version: rightVersion) else {
            throw WebError.notFound("第\(rightVersion)版")
        }
        let lefts = PublishedUnit.parse(l.results), rights = PublishedUnit.parse(r.results)
        var codes = lefts.map(\.code)
        for unit in rights where !codes.contains(unit.code) { codes.append(unit.code) }
        let rows = codes.map { code in
            (code: code, left: lefts.first { $0.code == code }, right: rights.first { $0.code == code })
        }
        return PublicationComparison(
            assessment: detail.assessment, versions: versions, left: l, right: r, rows: rows,
            scheme: try await scheme(of: detail.assessment))
    }

    /// The results document of one published version (the `kaohe score` format).
    public func publishedResults(_ id: String, version: Int, for user: User) async throws -> String {
        let detail = try await assessmentDetail(id, for: user)
        guard let publication = try await store.publication(of: detail.assessment.id, version: version) else {
            throw WebError.notFound("考核 \(id) 的第\(version)版")
        }
        return publication.results
    }

    /// Lodges an objection to one item of the unit's published score, with optional evidence ids of the
    /// unit's files (uploaded with purpose 异议佐证).
    public func lodgeObjection(
        _ id: String, unit unitText: String, item itemID: String, text: String, evidence: [String], by user: User
    ) async throws -> Objection {
        let (model, item, version) = try await checkObjection(id, unit: unitText, item: itemID, text: text, by: user)
        let files = try await store.evidence(assessment: model.assessment.id, unit: model.unit.id)
        var ids: [EvidenceID] = []
        for raw in evidence where !raw.isEmpty {
            guard let file = files.first(where: { $0.id.rawValue == raw }), file.withdrawnAt == nil else {
                throw WebError.badRequest("佐证材料 \(raw) 不是本单位的有效文件")
            }
            ids.append(file.id)
        }
        let objection = Objection(
            assessmentID: model.assessment.id, unitID: model.unit.id, itemID: itemID, text: text, evidenceIDs: ids,
            publicationVersion: version, scoreBefore: item.publishedScore?.description, createdBy: user.id,
            createdAt: deps.now())
        try await store.addObjection(objection, by: .user(user))
        return objection
    }

    /// Everything an objection must satisfy before anything is stored (files uploaded with it included): the
    /// unit's own reporter, 公示 within the window, an item of the unit, a statement.
    public func checkObjection(_ id: String, unit unitText: String, item itemID: String, text: String, by user: User)
        async throws -> (UnitWorkflow, WorkflowItem, Int)
    {
        let model = try await unitWorkflow(id, unit: unitText, for: user)
        guard model.actsForUnit else { throw WebError.forbidden("只能对本单位的结果提出异议") }
        guard model.assessment.state == .publicity else {
            throw WebError.conflict("只有公示期间可以提出异议（当前为“\(model.assessment.state.displayName)”）")
        }
        guard model.canObject, let version = model.publicationVersion else {
            throw WebError.conflict("异议期已结束（截止\(model.assessment.objectionDeadline?.description ?? "")）")
        }
        guard let item = model.items.first(where: { $0.item.id == itemID }) else {
            throw WebError.notFound("适用于本单位的考核项目“\(itemID)”")
        }
        guard !text.isEmpty else { throw WebError.badRequest("请填写异议内容（考核项目“\(item.item.id) \(item.item.name)”）") }
        guard text.count <= 5000 else { throw WebError.badRequest("异议内容不能超过5000字") }
        return (model, item, version)
    }

    /// Answers an objection. Upheld: the organizer has corrected the facts; the corrected results are
    /// published as a new version at once. Rejected: the reason is required.
    public func answerObjection(_ id: String, objection objectionID: String, form: FormData, by user: User)
        async throws -> Objection
    {
        guard user.can(.manageAssessments) else { throw WebError.forbidden(Permission.manageAssessments.label) }
        guard let assessment = try await store.assessment(AssessmentID(id)) else { throw WebError.notFound("考核 \(id)") }
        guard assessment.state == .publicity else {
            throw WebError.conflict("只有公示期间可以答复异议（当前为“\(assessment.state.displayName)”）")
        }
        guard
            let objection = try await store.objections(assessment: assessment.id, unit: nil).first(where: {
                $0.id.rawValue == objectionID
            })
        else { throw WebError.notFound("异议 \(objectionID)") }
        let status: ObjectionStatus
        switch form["decision"] ?? "" {
        case "upheld": status = .upheld
        case "rejected": status = .rejected
        default: throw WebError.badRequest("请选择答复结论：异议成立（upheld）或异议不成立（rejected）")
        }
        let answer = try form.required("answer", label: status == .rejected ? "不成立的理由" : "答复内容")
        var scoreAfter = objection.scoreBefore
        if status == .upheld {
            let row = try await cachedScores(id, for: user).scores.rows.first { $0.unit.id == objection.unitID }
            let item = row?.result.items.first { $0.itemID == objection.itemID }
            scoreAfter = item?.score.description
            if scoreAfter == objection.scoreBefore {
                throw WebError.conflict(
                    "该项目得分仍为\(scoreAfter ?? "—")分，与公示时相同：异议成立须先在评分页更正事实，再答复")
            }
        }
        let answered = try await store.answerObjection(
            objection.id, status: status, answer: answer, scoreAfter: scoreAfter, by: .user(user))
        if status == .upheld {
            let unit = try await store.unit(objection.unitID)
            _ = try await publishCorrection(
                id,
                note:
                    "异议成立：\(unit?.name ?? objection.unitID.rawValue) 第\(objection.itemID)项 \(objection.scoreBefore ?? "—") → \(scoreAfter ?? "—")分",
                by: user)
        }
        return answered
    }
}
