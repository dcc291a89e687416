import Foundation
import KaoheEngine
import KaoheFormats
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
        guard user.can(.manageAssessments) else { throw AppError.forbidden(Permission.manageAssessments.label) }
        guard !organizationID.isEmpty else { throw AppError.invalid("请选择“组织”") }
        let schemes = try await SchemeCatalog(deps).summaries()
        guard schemes.contains(where: { $0.id == schemeID }) else {
            throw AppError.notFound("考核方案“\(schemeID)”，可用：\(schemes.map(\.id).joined(separator: "、"))")
        }
        guard let year = Int(yearText.trimmingCharacters(in: .whitespaces)), (2000...2100).contains(year) else {
            throw AppError.invalid("考核年度“\(yearText)”无效，应为2000–2100之间的年份")
        }
        try InputRules.name(title, field: "考核名称")
        let name = title.isEmpty ? "\(year)年度 \(schemes.first { $0.id == schemeID }?.title ?? schemeID)" : title
        guard try await store.organization(OrganizationID(organizationID)) != nil else {
            throw AppError.notFound("组织 \(organizationID)")
        }
        let assessment = Assessment(
            organizationID: OrganizationID(organizationID), schemeID: schemeID, year: year, title: name,
            createdAt: deps.now())
        try await store.createAssessment(assessment, by: .user(user))
        return assessment
    }

    /// The assessments a user may see: all, or for a reporter those their unit takes part in.
    public func visibleAssessments(for user: User) async throws -> [Assessment] {
        guard user.can(.viewAssessments) else { throw AppError.forbidden(Permission.viewAssessments.label) }
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
        guard user.can(.viewAssessments) else { throw AppError.forbidden(Permission.viewAssessments.label) }
        guard let assessment = try await store.assessment(AssessmentID(id)) else { throw AppError.notFound("考核 \(id)") }
        let enrolled = Set(try await store.enrolments(of: assessment.id).map(\.unitID))
        var units = try await store.units(in: assessment.organizationID).filter { enrolled.contains($0.id) }
        var assignments = try await store.assignments(of: assessment.id)
        if user.seesOwnUnitOnly {
            guard let own = user.unitID, enrolled.contains(own) else { throw AppError.notFound("考核 \(id)") }
            units = units.filter { $0.id == own }
            assignments = []
        }
        return AssessmentDetail(assessment: assessment, units: units, assignments: assignments)
    }

    /// Moves an assessment to another state (recorded with the reason).
    public func transition(_ id: String, to stateText: String, reason: String?, by user: User) async throws
        -> Assessment
    {
        guard user.can(.manageAssessments) else { throw AppError.forbidden(Permission.manageAssessments.label) }
        guard let state = AssessmentState(rawValue: stateText) else {
            throw AppError.invalid(
                "未知的考核状态“\(stateText)”，可用：\(AssessmentState.allCases.map(\.rawValue).joined(separator: "、"))")
        }
        guard let current = try await store.assessment(AssessmentID(id)) else { throw AppError.notFound("考核 \(id)") }
        if state == .publicity || state == .final {
            return try await publishTransition(current, to: state, reason: reason, by: user)
        }
        return try await store.transition(
            AssessmentID(id), to: state, by: .user(user, reason: reason.flatMap { $0.isEmpty ? nil : $0 }))
    }

    /// Enrols units by hand (ids) and/or by type (all units of that type in the assessment's organization).
    /// Returns how many units were named.
    public func enrol(_ id: String, unitIDs: [String], unitType typeText: String?, by user: User) async throws -> Int {
        guard user.can(.manageAssessments) else { throw AppError.forbidden(Permission.manageAssessments.label) }
        guard let assessment = try await store.assessment(AssessmentID(id)) else { throw AppError.notFound("考核 \(id)") }
        let orgUnits = try await store.units(in: assessment.organizationID)
        var chosen = Set<UnitID>()
        for text in unitIDs where !text.isEmpty {
            guard orgUnits.contains(where: { $0.id.rawValue == text }) else {
                throw AppError.notFound("本组织的单位 \(text)")
            }
            chosen.insert(UnitID(text))
        }
        if let typeText, !typeText.isEmpty {
            guard let type = KaoheStorage.UnitType(label: typeText) else {
                throw AppError.invalid(
                    "类型“\(typeText)”无法识别，可用：\(KaoheStorage.UnitType.allCases.map(\.displayName).joined(separator: "、"))"
                )
            }
            chosen.formUnion(orgUnits.filter { $0.type == type }.map(\.id))
        }
        guard !chosen.isEmpty else { throw AppError.invalid("请选择要参加考核的单位，或选择单位类型") }
        try await store.enrol(chosen.sorted(), in: assessment.id, by: .user(user))
        return chosen.count
    }

    /// Assigns an evaluator to the assessment, optionally limited to an enrolled unit and / or an item of the
    /// scheme (an item id, or `downgrade` for the downgrade facts).
    public func assign(_ id: String, userID: String, unitID: String?, itemID: String?, by user: User) async throws
        -> EvaluatorAssignment
    {
        guard user.can(.manageAssessments) else { throw AppError.forbidden(Permission.manageAssessments.label) }
        guard let assessment = try await store.assessment(AssessmentID(id)) else { throw AppError.notFound("考核 \(id)") }
        guard !userID.isEmpty else { throw AppError.invalid("请选择“评分人”") }
        let unitID = unitID.flatMap { $0.isEmpty ? nil : UnitID($0) }
        let itemID = itemID.flatMap { $0.isEmpty ? nil : $0 }
        let scheme = try await self.scheme(of: assessment)
        var unit: AssessedUnit?
        if let unitID {
            guard try await store.enrolments(of: assessment.id).contains(where: { $0.unitID == unitID }),
                let found = try await store.unit(unitID)
            else { throw AppError.invalid("单位 \(unitID) 没有参加本考核，不能为它分配评分人") }
            unit = found
        }
        if let itemID {
            let groups = ScoreGroup.all(in: scheme, unitType: nil)
            guard let group = groups.first(where: { $0.id == itemID }) else {
                throw AppError.invalid("方案“\(scheme.id)”中没有考核项“\(itemID)”，请从列表中选择考核项")
            }
            if let unit, let item = group.item,
                !scheme.applies(item, to: ScoringRules.schemeUnitType(for: unit, in: scheme))
            {
                throw AppError.invalid("考核项“\(group.title)”不适用于单位“\(unit.name)”（\(unit.type.displayName)）")
            }
        }
        let assignment = EvaluatorAssignment(
            assessmentID: assessment.id, userID: UserID(userID), unitID: unitID, itemID: itemID)
        try await store.assign(assignment, by: .user(user))
        return assignment
    }
}

extension Operations {
    /// Sets an assessment's parameter values from `values` (parameter id → text; empty = the scheme's
    /// default). Each value must be a non-negative decimal number with at most 9 fractional digits; errors name
    /// the parameter. Only values that differ from the scheme's default are stored; none stored means the
    /// defaults. Recorded in the audit log with `reason`.
    public func setParameters(_ id: String, values: [String: String], reason: String?, by user: User) async throws
        -> Assessment
    {
        guard user.can(.manageAssessments) else { throw AppError.forbidden(Permission.manageAssessments.label) }
        guard let assessment = try await store.assessment(AssessmentID(id)) else { throw AppError.notFound("考核 \(id)") }
        guard assessment.state != .final else { throw AppError.conflict("本考核已定稿锁定，不能再修改参数") }
        let scheme = try await self.scheme(of: assessment)
        guard !scheme.parameters.isEmpty else { throw AppError.invalid("方案“\(scheme.id)”没有可设置的参数") }
        for key in values.keys where !scheme.parameters.contains(where: { $0.id == key }) {
            let known = scheme.parameters.map(\.id).joined(separator: "、")
            throw AppError.invalid("方案“\(scheme.id)”没有参数“\(key)”（可用：\(known)）")
        }
        var writer = JSONWriter(capacity: 128)
        writer.raw("{")
        var count = 0
        for parameter in scheme.parameters {
            let text = (values[parameter.id] ?? "").trimmingCharacters(in: .whitespaces)
            if text.isEmpty { continue }
            let label = "参数“\(parameter.name)”（\(parameter.id)）"
            guard let value = ExactDecimal(text),
                text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == "-") })
            else {
                throw AppError.invalid("\(label)的值“\(text)”不是有效的数字（最多9位小数），如 \(parameter.defaultValue)")
            }
            guard value >= .zero else { throw AppError.invalid("\(label)不能为负数（\(text)）") }
            if value == parameter.defaultValue { continue }
            if count > 0 { writer.raw(",") }
            writer.key(parameter.id)
            writer.number(value)
            count += 1
        }
        writer.raw("}")
        let json = count == 0 ? nil : String(decoding: writer.bytes, as: UTF8.self)
        guard json != assessment.parameters else { return assessment }
        return try await store.setParameters(
            assessment.id, json: json, by: .user(user, reason: reason.flatMap { $0.isEmpty ? nil : $0 }))
    }
}

extension Operations {
    /// The assessments list: `q` searches the title and the scheme id; filters by state, year and organization
    /// (`org`); sorted by year (newest first by default), title, state or organization.
    public static let assessmentListSpec = ListSpec(
        name: "考核列表",
        sortKeys: [
            (key: "year", label: "年度"), (key: "title", label: "名称"), (key: "state", label: "状态"),
            (key: "organization", label: "组织"),
        ], defaultSort: "year", defaultDirection: .descending,
        filters: [(key: "state", label: "状态"), (key: "year", label: "年度"), (key: "org", label: "组织")],
        defaultSize: 50, maxSize: 500)

    /// One page of the assessments `user` may see (reporters: those their unit takes part in), in memory (a
    /// platform has tens of assessments a year). An unknown state or a year that is not a number is an error
    /// naming the parameter.
    public func assessmentList(_ list: ListQuery, for user: User) async throws -> ListPage<Assessment> {
        let all = try await visibleAssessments(for: user)
        var state: AssessmentState?
        if let text = list.filter("state") {
            guard let known = AssessmentState(rawValue: text) else {
                let allowed = AssessmentState.allCases.map { "\($0.rawValue)（\($0.displayName)）" }.joined(
                    separator: "、")
                throw AppError.invalid("考核列表：参数 state（状态）不认识“\(text)”，可用：\(allowed)")
            }
            state = known
        }
        var year: Int?
        if let text = list.filter("year") {
            guard let number = Int(text) else {
                throw AppError.invalid("考核列表：参数 year（年度）应为整数，收到“\(text)”")
            }
            year = number
        }
        let organization = list.filter("org").map(OrganizationID.init)
        let names = Dictionary(
            try await store.organizations().map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        let states = AssessmentState.allCases
        let matching = all.filter {
            (state == nil || $0.state == state) && (year == nil || $0.year == year)
                && (organization == nil || $0.organizationID == organization) && list.matches($0.title, $0.schemeID)
        }
        return list.page(of: matching) { key -> (Assessment, Assessment) -> Bool in
            switch key {
            case "title": { $0.title < $1.title }
            case "state": { (states.firstIndex(of: $0.state) ?? 0) < (states.firstIndex(of: $1.state) ?? 0) }
            case "organization": { (names[$0.organizationID] ?? "") < (names[$1.organizationID] ?? "") }
            default: { $0.year < $1.year }
            }
        }
    }
}
