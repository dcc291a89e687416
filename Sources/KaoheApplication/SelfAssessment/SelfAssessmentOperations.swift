import Foundation
import KaoheEngine
import KaoheFormats
import KaoheStorage

extension Operations {
    /// Today in China, from the dependencies' clock.
    func today() -> Day { Self.chinaDay(deps.now()) }

    /// The calendar day in China of a moment.
    static func chinaDay(_ date: Date) -> Day {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return Day(year: parts.year!, month: parts.month!, day: parts.day!)!
    }

    /// The deadline of a unit: its latest extension, else the assessment's.
    static func deadline(
        of unit: UnitID, in assessment: Assessment, extensions: [DeadlineExtension]
    ) -> (Day?, DeadlineExtension?) {
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
        let unitType = ScoringRules.schemeUnitType(for: unit, in: scheme)
        return ScoreGroup.all(in: scheme, unitType: unitType).compactMap { group in
            guard let item = group.item else { return nil }
            return (item, group.category?.name ?? "", group.specs)
        }
    }

    /// Where a unit's self-assessment stands for `user`, read without scoring anything: what saves,
    /// answers and submissions check before they write.
    func standing(_ id: String, unit unitText: String, for user: User) async throws -> SelfAssessmentStanding {
        let (assessment, unit) = try await factsScope(id, unit: unitText, for: user)
        if user.has(.leader) && !user.can(.review) && !actsFor(unit, user: user) {
            throw AppError.forbidden("查看单位自评（领导只读结果）")
        }
        let entries = try await store.selfAssessment(assessment: assessment.id, unit: unit.id)
        let reviews = try await store.reviewActions(assessment: assessment.id, unit: unit.id)
        let submissions = try await store.submissions(assessment: assessment.id, unit: unit.id)
        let extensions = try await store.deadlineExtensions(of: assessment.id)
        let (deadline, ext) = Self.deadline(of: unit.id, in: assessment, extensions: extensions)
        return SelfAssessmentStanding(
            assessment: assessment, unit: unit, scheme: try await scheme(of: assessment), entries: entries,
            reviews: reviews, submissions: submissions, deadline: deadline, deadlineExtension: ext, today: today(),
            actsForUnit: actsFor(unit, user: user))
    }

    /// The self-assessment page model of one unit. Reporters see their own unit only; evaluators and
    /// organizers see every enrolled unit (read-only unless they may review); leaders none (results only).
    /// Evidence is listed as ``EvidenceOperations/file(_:for:)`` serves it: evaluators not assigned to the
    /// unit see its self-assessment but none of its files, reporters no finding evidence before 公示.
    public func unitWorkflow(_ id: String, unit unitText: String, for user: User) async throws -> UnitWorkflow {
        let standing = try await standing(id, unit: unitText, for: user)
        let (assessment, unit, scheme) = (standing.assessment, standing.unit, standing.scheme)
        let entries = Dictionary(standing.entries.map { ($0.itemID, $0) }, uniquingKeysWith: { a, _ in a })
        // Listed as downloaded: only the files the user may download (none for evaluators not assigned to the unit).
        var listed: [EvidenceFile] = []
        if let scope = try await EvidenceScope.of(assessment, unit, for: user, store: store) {
            listed = try await store.evidence(assessment: assessment.id, unit: unit.id).filter(scope.maySee)
        }
        let evidence = Dictionary(grouping: listed, by: \.itemID)
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
            let itemReviews = standing.reviewsByItem[item.id] ?? []
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
                    editable: standing.editable(item.id)))
        }
        let users = try await store.users()
        return UnitWorkflow(
            assessment: assessment, unit: unit, scheme: scheme, items: items, submissions: standing.submissions,
            deadline: standing.deadline, deadlineExtension: standing.deadlineExtension, today: standing.today,
            status: standing.status, lockedReason: standing.lockedReason,
            canSubmit: standing.canSubmit(complete: items.allSatisfy { $0.selfScore != nil }),
            actsForUnit: standing.actsForUnit, canReview: canReview, publicationVersion: versions.last?.version,
            canObject: standing.actsForUnit && assessment.state == .publicity && standing.objectionWindowOpen
                && !versions.isEmpty,
            userNames: Dictionary(users.map { ($0.id, $0.displayName) }, uniquingKeysWith: { a, _ in a }),
            maxUploadBytes: deps.evidence.maxFileSize)
    }

    /// Saves one item's self-assessment (self-score, explanation, claimed facts). Returned items may also
    /// carry the answer to the return, recorded as a review step. Checks the permission and the stage
    /// without scoring the unit.
    public func saveSelfAssessmentItem(
        _ id: String, unit unitText: String, item itemID: String, _ input: SelfAssessmentInput, by user: User
    )
        async throws -> SelfAssessmentEntry
    {
        let standing = try await standing(id, unit: unitText, for: user)
        guard standing.actsForUnit else { throw AppError.forbidden("只能填报本单位的自评") }
        guard
            let (item, _, specs) = Self.applicableItems(standing.scheme, unit: standing.unit).first(where: {
                $0.0.id == itemID
            })
        else {
            throw AppError.notFound("方案“\(standing.scheme.id)”中适用于本单位的考核项目“\(itemID)”")
        }
        let title = "\(item.id) \(item.name)"
        guard standing.editable(itemID) else {
            throw AppError.conflict("考核项目“\(title)”现在不能修改：\(standing.lockedReason ?? "该项目未被退回补正")")
        }
        guard let version = input.version, version >= 0 else {
            throw AppError.invalid("表单缺少版本号，请刷新页面后重试")
        }
        let scoreText = input.selfScore.trimmingCharacters(in: .whitespacesAndNewlines)
        var selfScore: String?
        if !scoreText.isEmpty {
            guard let score = ExactDecimal(scoreText) else {
                throw AppError.invalid("考核项目“\(title)”的自评分“\(scoreText)”不是数字")
            }
            guard score >= .zero, score <= item.max || item.mayExceedMax else {
                throw AppError.invalid("考核项目“\(title)”的自评分\(scoreText)超出范围：应在0到\(item.max.description)分之间")
            }
            selfScore = score.description
        }
        let note = input.note
        guard note.count <= 5000 else { throw AppError.invalid("考核项目“\(title)”的说明不能超过5000字") }
        try InputRules.note(note, field: "考核项目“\(title)”的说明")
        if let answer = input.answer { try InputRules.note(answer, field: "补正说明") }
        var claimed: String?
        if !specs.isEmpty {
            let facts = try decoded(input.claimedFacts, item: itemID, scheme: standing.scheme, title: title)
            do {
                let values = try facts.values(specs: specs)
                if !values.isEmpty { claimed = FactsAssembly.json(values, specs: specs) }
            } catch {
                let label = specs.first { $0.name == error.fact }.map { "\($0.label)（\($0.name)）" } ?? error.fact
                throw AppError.invalid("考核项目“\(title)” 自报事实“\(label)”：\(error.message)")
            }
        }
        let entry = SelfAssessmentEntry(
            assessmentID: standing.assessment.id, unitID: standing.unit.id, itemID: itemID, selfScore: selfScore,
            note: note, claimedFacts: claimed)
        let saved: SelfAssessmentEntry
        do {
            saved = try await store.saveSelfAssessment(entry, expectedVersion: version, by: .user(user))
        } catch StorageError.versionConflict(_, let expected, let actual) {
            // The page is shown again with the input kept and the current version, so a second save is deliberate.
            throw AppError.conflict(
                "保存冲突：考核项目“\(title)”已被他人修改（您基于第\(expected)版，当前为第\(actual.map(String.init) ?? "?")版）。"
                    + "您的输入未保存，仍在该项目的表单中；请核对后再保存。")
        }
        if let answer = input.answer, !answer.isEmpty {
            try await store.addReviewAction(
                ReviewAction(
                    assessmentID: standing.assessment.id, unitID: standing.unit.id, itemID: itemID, kind: .answer,
                    text: answer, createdBy: user.id, createdAt: deps.now()), by: .user(user))
        }
        return saved
    }

    /// The unit answers a return without changing its entry.
    public func answerReturn(_ id: String, unit unitText: String, item itemID: String, answer: String, by user: User)
        async throws
    {
        let standing = try await standing(id, unit: unitText, for: user)
        guard standing.actsForUnit else { throw AppError.forbidden("只能答复本单位的退回") }
        guard
            let item = Self.applicableItems(standing.scheme, unit: standing.unit).first(where: { $0.0.id == itemID })?.0
        else {
            throw AppError.notFound("考核项目“\(itemID)”")
        }
        guard case .returned = standing.review(of: itemID) else {
            throw AppError.conflict("考核项目“\(item.id) \(item.name)”没有待答复的退回")
        }
        guard standing.phaseOpen else {
            throw AppError.conflict("考核处于“\(standing.assessment.state.displayName)”阶段，不能答复退回")
        }
        guard !answer.isEmpty else { throw AppError.invalid("请填写“补正说明”") }
        try InputRules.note(answer, field: "补正说明")
        try await store.addReviewAction(
            ReviewAction(
                assessmentID: standing.assessment.id, unitID: standing.unit.id, itemID: itemID, kind: .answer,
                text: answer, createdBy: user.id, createdAt: deps.now()), by: .user(user))
    }

    /// Submits (or, after returns were answered, resubmits) the self-assessment: every item needs a
    /// self-score; the first submission must be on or before the unit's deadline and is marked late when
    /// after the assessment's own deadline.
    public func submitSelfAssessment(_ id: String, unit unitText: String, by user: User) async throws -> Submission {
        let standing = try await standing(id, unit: unitText, for: user)
        guard standing.actsForUnit else { throw AppError.forbidden("只能提交本单位的自评") }
        guard standing.phaseOpen else {
            throw AppError.conflict("考核处于“\(standing.assessment.state.displayName)”阶段，不能提交自评")
        }
        let scored = Set(standing.entries.filter { $0.selfScore != nil }.map(\.itemID))
        let missing = Self.applicableItems(standing.scheme, unit: standing.unit).map(\.0).filter {
            !scored.contains($0.id)
        }
        guard missing.isEmpty else {
            throw AppError.invalid(
                "还有\(missing.count)个项目未填自评分："
                    + missing.prefix(10).map { "\($0.id) \($0.name)" }.joined(separator: "、"))
        }
        switch standing.status {
        case .submitted: throw AppError.conflict("自评已提交，不能重复提交")
        case .returned(let n): throw AppError.conflict("还有\(n)个退回补正的项目未答复，答复后才能重新提交")
        case .notStarted, .draft:
            if let deadline = standing.deadline, standing.today > deadline {
                throw AppError.conflict("已超过截止日期（\(deadline)），不能提交；如需延期请联系考核办")
            }
        case .answered: break
        }
        let submissions = standing.submissions
        let late =
            submissions.isEmpty && standing.assessment.submissionDeadline.map { standing.today > $0 } ?? false
        // The entries in the scheme's order, as the page lists them.
        let entries = Dictionary(standing.entries.map { ($0.itemID, $0) }, uniquingKeysWith: { a, _ in a })
        let snapshot = try Submission.snapshot(
            of: Self.applicableItems(standing.scheme, unit: standing.unit).compactMap { entries[$0.0.id] })
        let submission = Submission(
            assessmentID: standing.assessment.id, unitID: standing.unit.id, number: submissions.count + 1,
            submittedAt: deps.now(), submittedBy: user.id, late: late || (submissions.first?.late ?? false),
            deadline: standing.deadline, snapshot: snapshot)
        try await store.submit(submission, by: .user(user))
        return submission
    }
}
