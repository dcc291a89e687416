import Foundation
import KaoheEngine
import KaoheFormats
import KaoheStorage

extension Operations {
    /// Lodges an objection to one item of the unit's published score, with optional evidence ids of the
    /// unit's files (uploaded with purpose 异议佐证). The store refuses it unless the assessment is in 公示 when
    /// the objection is written (so one lodged while 定稿 runs either comes first and blocks 定稿, or fails).
    public func lodgeObjection(
        _ id: String, unit unitText: String, item itemID: String, text: String, evidence: [String], by user: User
    ) async throws -> Objection {
        let target = try await checkObjection(id, unit: unitText, item: itemID, text: text, by: user)
        let files = try await store.evidence(assessment: target.assessment.id, unit: target.unit.id)
        var ids: [EvidenceID] = []
        for raw in evidence where !raw.isEmpty {
            guard let file = files.first(where: { $0.id.rawValue == raw }), file.withdrawnAt == nil else {
                throw AppError.invalid("佐证材料 \(raw) 不是本单位的有效文件")
            }
            ids.append(file.id)
        }
        let objection = Objection(
            assessmentID: target.assessment.id, unitID: target.unit.id, itemID: itemID, text: text, evidenceIDs: ids,
            publicationVersion: target.version, scoreBefore: target.scoreBefore, createdBy: user.id,
            createdAt: deps.now())
        try await store.addObjection(objection, by: .user(user))
        return objection
    }

    /// Everything an objection must satisfy before anything is stored (files uploaded with it included): the
    /// unit's own reporter, 公示 within the window, an item of the unit, a statement. Reads the assessment, the
    /// unit and the latest published version only (no scoring).
    public func checkObjection(_ id: String, unit unitText: String, item itemID: String, text: String, by user: User)
        async throws -> ObjectionTarget
    {
        let (assessment, unit) = try await factsScope(id, unit: unitText, for: user)
        guard actsFor(unit, user: user) else { throw AppError.forbidden("只能对本单位的结果提出异议") }
        guard assessment.state == .publicity else {
            throw AppError.conflict("只有公示期间可以提出异议（当前为“\(assessment.state.displayName)”）")
        }
        let windowOpen = assessment.objectionDeadline.map { today() <= $0 } ?? true
        guard windowOpen, let version = try await store.publications(of: assessment.id).last?.version else {
            throw AppError.conflict("异议期已结束（截止\(assessment.objectionDeadline?.description ?? "")）")
        }
        let scheme = try await scheme(of: assessment)
        guard let item = Self.applicableItems(scheme, unit: unit).first(where: { $0.0.id == itemID })?.0 else {
            throw AppError.notFound("适用于本单位的考核项目“\(itemID)”")
        }
        guard !text.isEmpty else { throw AppError.invalid("请填写异议内容（考核项目“\(item.id) \(item.name)”）") }
        guard text.count <= 5000 else { throw AppError.invalid("异议内容不能超过5000字") }
        try InputRules.note(text, field: "异议内容")
        let published = try await publishedUnits(assessment.id, version: version)[unit.code]?.items[item.id]
        return ObjectionTarget(
            assessment: assessment, unit: unit, item: item, version: version,
            scoreBefore: published.flatMap { ExactDecimal($0.score) }?.description)
    }

    /// Answers an objection. Upheld: the organizer has corrected the facts; the answer and the corrected
    /// results (a new version) commit together or not at all. Rejected: the reason is required.
    public func answerObjection(_ id: String, objection objectionID: String, _ input: ObjectionAnswer, by user: User)
        async throws -> Objection
    {
        guard user.can(.manageAssessments) else { throw AppError.forbidden(Permission.manageAssessments.label) }
        guard let assessment = try await store.assessment(AssessmentID(id)) else { throw AppError.notFound("考核 \(id)") }
        guard assessment.state == .publicity else {
            throw AppError.conflict("只有公示期间可以答复异议（当前为“\(assessment.state.displayName)”）")
        }
        guard
            let objection = try await store.objections(assessment: assessment.id, unit: nil).first(where: {
                $0.id.rawValue == objectionID
            })
        else { throw AppError.notFound("异议 \(objectionID)") }
        guard let status = input.decision, status != .open else {
            throw AppError.invalid("请选择答复结论：异议成立（upheld）或异议不成立（rejected）")
        }
        let answer = input.answer.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !answer.isEmpty else { throw AppError.invalid("请填写“\(status == .rejected ? "不成立的理由" : "答复内容")”") }
        try InputRules.note(answer, field: status == .rejected ? "不成立的理由" : "答复内容")
        guard status == .upheld else {
            let (store, operations) = (store, self)
            return try await committing {
                try await store.answerObjection(
                    objection.id, status: status, answer: answer, scoreAfter: objection.scoreBefore, by: .user(user))
            } notifying: { answered in
                try await operations.objectionAnsweredNotes(answered, assessment: assessment)
            }
        }
        let row = try await cachedScores(id, for: user).scores.rows.first { $0.unit.id == objection.unitID }
        let scoreAfter = row?.result.items.first { $0.itemID == objection.itemID }?.score.description
        if scoreAfter == objection.scoreBefore {
            throw AppError.conflict("该项目得分仍为\(scoreAfter ?? "—")分，与公示时相同：异议成立须先在评分页更正事实，再答复")
        }
        let unit = try await store.unit(objection.unitID)
        let outcome = try await publishCorrection(
            id,
            note:
                "异议成立：\(unit?.name ?? objection.unitID.rawValue) 第\(objection.itemID)项 \(objection.scoreBefore ?? "—") → \(scoreAfter ?? "—")分",
            upheld: UpheldObjection(id: objection.id, answer: answer, scoreAfter: scoreAfter), by: user)
        // The correction publishes a new version (scored and written by `publishCorrection`); its notifications
        // follow it, and a failure to write them is logged.
        await notify((try? await objectionAnsweredNotes(outcome.objection!, assessment: assessment)) ?? [])
        return outcome.objection!
    }
}

/// What an objection is lodged against, checked.
public struct ObjectionTarget: Sendable {
    /// The assessment (in 公示).
    public var assessment: Assessment
    /// The unit.
    public var unit: AssessedUnit
    /// The scheme item.
    public var item: Item
    /// The published version objected to.
    public var version: Int
    /// The item's score in that version.
    public var scoreBefore: String?
}

/// The organizer's answer to an objection.
public struct ObjectionAnswer: Sendable {
    /// Upheld or rejected (nil when not chosen).
    public var decision: ObjectionStatus?
    /// The answer; for a rejection, the reason.
    public var answer: String

    /// Creates the answer.
    public init(decision: ObjectionStatus?, answer: String) {
        self.decision = decision
        self.answer = answer
    }
}
