import Foundation
import KaoheEngine
import KaoheFormats
import KaoheStorage

extension Operations {
    /// The assessment and unit of a facts request, checked: the unit must take part, and the user must be
    /// allowed to see it (reporters: own unit only; evaluators: any enrolled unit for reading).
    /// Reads the assessment and the one unit only (not every enrolled unit), so saves stay cheap.
    func factsScope(_ id: String, unit unitText: String, for user: User) async throws -> (Assessment, AssessedUnit) {
        guard user.can(.viewAssessments) else { throw AppError.forbidden(Permission.viewAssessments.label) }
        guard let assessment = try await store.assessment(AssessmentID(id)) else { throw AppError.notFound("考核 \(id)") }
        guard !user.seesOwnUnitOnly || user.unitID?.rawValue == unitText,
            let unit = try await store.enrolledUnit(UnitID(unitText), in: assessment.id),
            unit.organizationID == assessment.organizationID
        else { throw AppError.notFound("考核 \(id) 中的单位 \(unitText)") }
        return (assessment, unit)
    }

    /// Whether `user` may record facts for `unit` and `item`: administrators and organizers always, evaluators
    /// where an assignment covers them.
    func requireRecording(_ assessment: Assessment, unit: UnitID, item: String, by user: User) async throws {
        guard user.can(.recordFacts) else { throw AppError.forbidden(Permission.recordFacts.label) }
        if user.has(.admin) || user.has(.organizer) { return }
        let assignments = try await store.assignments(of: assessment.id).filter { $0.userID == user.id }
        guard assignments.contains(where: { $0.covers(unit: unit, item: item) }) else {
            throw AppError.forbidden("未分配您为该单位该项目（\(item)）的评分人")
        }
    }

    /// All facts of a unit.
    public func facts(_ id: String, unit: String, for user: User) async throws -> [FactsRecord] {
        let (assessment, unit) = try await factsScope(id, unit: unit, for: user)
        return try await store.facts(assessment: assessment.id, unit: unit.id)
    }

    /// The facts of one item, or ``AppError/notFound(_:)`` when none were saved.
    public func facts(_ id: String, unit: String, item: String, for user: User) async throws -> FactsRecord {
        let (assessment, unit) = try await factsScope(id, unit: unit, for: user)
        guard let record = try await store.facts(assessment: assessment.id, unit: unit.id, item: item) else {
            throw AppError.notFound("项目 \(item) 尚未录入事实")
        }
        return record
    }

    /// Saves the facts of one item (a JSON object) over `version` (0 for the first save), checked against the
    /// assessment's scheme as an item of a facts document is (unknown item → not found; unknown fact, wrong
    /// type or value out of range → bad request naming the line, item and fact). A writer that started from an
    /// older version gets a conflict naming the versions; nothing is overwritten.
    public func saveFacts(
        _ id: String, unit: String, item: String, json: String, version: Int, reason: String?, by user: User
    )
        async throws -> FactsRecord
    {
        let (assessment, unit) = try await factsScope(id, unit: unit, for: user)
        let scheme = try await self.scheme(of: assessment)
        guard let specs = scheme.factSpecs(group: item), item != downgradeGroupID || !specs.isEmpty else {
            throw AppError.notFound("方案“\(scheme.id)”中的考核项“\(item)”")
        }
        try await requireRecording(assessment, unit: unit.id, item: item, by: user)
        guard version >= 0 else { throw AppError.invalid("version 不能为负数") }
        if assessment.state == .final { throw AppError.conflict("本考核已定稿锁定，不能再修改") }
        let calendar = try SchemeCatalog(deps).calendar()
        do {
            try Self.checkItemFacts(json, item: item, scheme: scheme, unit: unit, calendar: calendar)
        } catch {
            throw AppError.invalid("事实数据未保存：\(error.description)")
        }
        return try await store.saveFacts(
            assessment: assessment.id, unit: unit.id, item: item, json: json, expectedVersion: version,
            by: .user(user, reason: reason.flatMap { $0.isEmpty ? nil : $0 }))
    }

    /// The scheme's and the engine's checks of one item's facts (types, ranges, limits between facts, dates
    /// within the calendar), as a facts document import runs them; shared by the API and the scoring forms.
    static func checkItemFacts(
        _ json: String, item: String, scheme: Scheme, unit: AssessedUnit, calendar: WorkCalendar
    ) throws(FactsError) {
        _ = try FactsDocument.decodeItem(
            json: json, item: item, scheme: scheme, unitType: ScoringRules.schemeUnitType(for: unit, in: scheme),
            calendar: calendar)
    }

    /// The findings of a unit (of one item when given).
    public func findings(_ id: String, unit: String, item: String?, for user: User) async throws -> [Finding] {
        let (assessment, unit) = try await factsScope(id, unit: unit, for: user)
        return try await store.findings(
            assessment: assessment.id, unit: unit.id, item: item.flatMap { $0.isEmpty ? nil : $0 })
    }

    /// Records one finding (date `yyyy-MM-dd`, description, optional evidence reference).
    public func addFinding(
        _ id: String, unit: String, item: String, fact: String? = nil, date: String, note: String, evidenceRef: String?,
        by user: User
    )
        async throws -> Finding
    {
        let (assessment, unit) = try await factsScope(id, unit: unit, for: user)
        guard !item.isEmpty else { throw AppError.invalid("请填写“考核项目”（itemID）") }
        try InputRules.id(item, field: "考核项目（itemID）")
        try await requireRecording(assessment, unit: unit.id, item: item, by: user)
        let scheme = try await scheme(of: assessment)
        let unitType = ScoringRules.schemeUnitType(for: unit, in: scheme)
        guard ScoreGroup.all(in: scheme, unitType: unitType).contains(where: { $0.id == item }) else {
            throw AppError.notFound("方案“\(scheme.id)”中适用于本单位的考核项目“\(item)”")
        }
        if let fact, scheme.factSpecs(group: item)?.contains(where: { $0.name == fact }) != true {
            throw AppError.invalid("考核项目“\(item)”没有事实“\(fact)”")
        }
        guard let day = Day(date) else { throw AppError.invalid("日期“\(date)”不是 yyyy-MM-dd 格式的有效日期") }
        guard !note.trimmingCharacters(in: .whitespaces).isEmpty else { throw AppError.invalid("请填写“问题说明”（note）") }
        try InputRules.note(note, field: "问题说明（note）", limit: 2000)
        if let evidenceRef { try InputRules.name(evidenceRef, field: "佐证（evidenceRef）") }
        let finding = Finding(
            assessmentID: assessment.id, unitID: unit.id, itemID: item, factName: fact, date: day, note: note,
            evidenceRef: evidenceRef.flatMap { $0.isEmpty ? nil : $0 }, createdBy: user.id, createdAt: deps.now())
        try await store.addFinding(finding, by: .user(user))
        return finding
    }
}
