import Foundation
import KaoheStorage

/// Everything shown on an assessment's page.
public struct AssessmentDetail: Sendable, Codable {
    /// The assessment.
    public var assessment: Assessment
    /// The enrolled units the viewer may see.
    public var units: [AssessedUnit]
    /// The evaluator assignments (empty for reporters).
    public var assignments: [EvaluatorAssignment]
}

extension Operations {
    /// Creates an assessment (state 草稿) for a scheme and a year.
    public func createAssessment(
        organizationID: String, schemeID: String, year yearText: String, title: String, by user: User
    ) async throws
        -> Assessment
    {
        guard user.can(.manageAssessments) else { throw WebError.forbidden(Permission.manageAssessments.label) }
        guard !organizationID.isEmpty else { throw WebError.badRequest("请选择“组织”") }
        let schemes = try await SchemeCatalog(deps).summaries()
        guard schemes.contains(where: { $0.id == schemeID }) else {
            throw WebError.badRequest("未知的考核方案“\(schemeID)”，可用：\(schemes.map(\.id).joined(separator: "、"))")
        }
        guard let year = Int(yearText.trimmingCharacters(in: .whitespaces)), (2000...2100).contains(year) else {
            throw WebError.badRequest("考核年度“\(yearText)”无效，应为2000–2100之间的年份")
        }
        let name = title.isEmpty ? "\(year)年度 \(schemes.first { $0.id == schemeID }?.title ?? schemeID)" : title
        guard try await store.organization(OrganizationID(organizationID)) != nil else {
            throw WebError.notFound("组织 \(organizationID)")
        }
        let assessment = Assessment(
            organizationID: OrganizationID(organizationID), schemeID: schemeID, year: year, title: name,
            createdAt: deps.now())
        try await store.createAssessment(assessment, by: .user(user))
        return assessment
    }

    /// The assessments a user may see: all, or for a reporter those their unit takes part in.
    public func visibleAssessments(for user: User) async throws -> [Assessment] {
        guard user.can(.viewAssessments) else { throw WebError.forbidden(Permission.viewAssessments.label) }
        let all = try await store.assessments()
        guard user.seesOwnUnitOnly else { return all }
        guard let unit = user.unitID else { return [] }
        var visible: [Assessment] = []
        for assessment in all where try await store.enrolments(of: assessment.id).contains(where: { $0.unitID == unit })
        {
            visible.append(assessment)
        }
        return visible
    }

    /// One assessment with its units and assignments, as far as the user may see it. Reporters get only
    /// their own unit, and "not found" for assessments their unit is not part of.
    public func assessmentDetail(_ id: String, for user: User) async throws -> AssessmentDetail {
        guard user.can(.viewAssessments) else { throw WebError.forbidden(Permission.viewAssessments.label) }
        guard let assessment = try await store.assessment(AssessmentID(id)) else { throw WebError.notFound("考核 \(id)") }
        let enrolled = Set(try await store.enrolments(of: assessment.id).map(\.unitID))
        var units = try await store.units(in: assessment.organizationID).filter { enrolled.contains($0.id) }
        var assignments = try await store.assignments(of: assessment.id)
        if user.seesOwnUnitOnly {
            guard let own = user.unitID, enrolled.contains(own) else { throw WebError.notFound("考核 \(id)") }
            units = units.filter { $0.id == own }
            assignments = []
        }
        return AssessmentDetail(assessment: assessment, units: units, assignments: assignments)
    }

    /// Moves an assessment to another state (recorded with the reason).
    public func transition(_ id: String, to stateText: String, reason: String?, by user: User) async throws
        -> Assessment
    {
        guard user.can(.manageAssessments) else { throw WebError.forbidden(Permission.manageAssessments.label) }
        guard let state = AssessmentState(rawValue: stateText) else {
            throw WebError.badRequest(
                "未知的考核状态“\(stateText)”，可用：\(AssessmentState.allCases.map(\.rawValue).joined(separator: "、"))")
        }
        guard let current = try await store.assessment(AssessmentID(id)) else { throw WebError.notFound("考核 \(id)") }
        if (state == .publicity || state == .final) && current.state.allowedNext.contains(state) {
            return try await publishTransition(current, to: state, reason: reason, by: user)
        }
        return try await store.transition(
            AssessmentID(id), to: state, by: .user(user, reason: reason.flatMap { $0.isEmpty ? nil : $0 }))
    }

    /// Enrols units by hand (ids) and/or by type (all units of that type in the assessment's organization).
    /// Returns how many units were named.
    public func enrol(_ id: String, unitIDs: [String], unitType typeText: String?, by user: User) async throws -> Int {
        guard user.can(.manageAssessments) else { throw WebError.forbidden(Permission.manageAssessments.label) }
        guard let assessment = try await store.assessment(AssessmentID(id)) else { throw WebError.notFound("考核 \(id)") }
        let orgUnits = try await store.units(in: assessment.organizationID)
        var chosen = Set<UnitID>()
        for text in unitIDs where !text.isEmpty {
            guard orgUnits.contains(where: { $0.id.rawValue == text }) else {
                throw WebError.notFound("本组织的单位 \(text)")
            }
            chosen.insert(UnitID(text))
        }
        if let typeText, !typeText.isEmpty {
            guard let type = UnitType(label: typeText) else {
                throw WebError.badRequest(
                    "类型“\(typeText)”无法识别，可用：\(UnitType.allCases.map(\.displayName).joined(separator: "、"))")
            }
            chosen.formUnion(orgUnits.filter { $0.type == type }.map(\.id))
        }
        guard !chosen.isEmpty else { throw WebError.badRequest("请选择要参加考核的单位，或选择单位类型") }
        try await store.enrol(chosen.sorted(), in: assessment.id, by: .user(user))
        return chosen.count
    }

    /// Assigns an evaluator to the assessment, optionally limited to a unit and / or an item.
    public func assign(_ id: String, userID: String, unitID: String?, itemID: String?, by user: User) async throws
        -> EvaluatorAssignment
    {
        guard user.can(.manageAssessments) else { throw WebError.forbidden(Permission.manageAssessments.label) }
        guard try await store.assessment(AssessmentID(id)) != nil else { throw WebError.notFound("考核 \(id)") }
        guard !userID.isEmpty else { throw WebError.badRequest("请选择“评分人”") }
        let assignment = EvaluatorAssignment(
            assessmentID: AssessmentID(id), userID: UserID(userID),
            unitID: unitID.flatMap { $0.isEmpty ? nil : UnitID($0) },
            itemID: itemID.flatMap { $0.isEmpty ? nil : $0 })
        try await store.assign(assignment, by: .user(user))
        return assignment
    }
}
