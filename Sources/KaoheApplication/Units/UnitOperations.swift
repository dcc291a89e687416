import Foundation
import KaoheStorage

extension Operations {
    /// Creates an organization.
    public func createOrganization(name: String, parentID: String?, by user: User) async throws -> Organization {
        guard user.can(.manageUnits) else { throw AppError.forbidden(Permission.manageUnits.label) }
        guard !name.isEmpty else { throw AppError.invalid("请填写“名称”") }
        try InputRules.name(name, field: "名称", limit: 100)
        let organization = Organization(
            parentID: parentID.flatMap { $0.isEmpty ? nil : OrganizationID($0) }, name: name, createdAt: deps.now())
        try await store.createOrganization(organization, by: .user(user))
        return organization
    }

    /// Creates one unit.
    public func createUnit(
        organizationID: String, code: String, name: String, type typeText: String, parentID: String?, by user: User
    ) async throws -> AssessedUnit {
        guard user.can(.manageUnits) else { throw AppError.forbidden(Permission.manageUnits.label) }
        guard !organizationID.isEmpty else { throw AppError.invalid("请选择“所属组织”") }
        guard !code.isEmpty else { throw AppError.invalid("请填写“编码”") }
        guard !name.isEmpty else { throw AppError.invalid("请填写“名称”") }
        try InputRules.id(code, field: "编码")
        try InputRules.name(name, field: "名称", limit: 100)
        guard let type = UnitType(label: typeText) else {
            throw AppError.invalid(
                "类型“\(typeText)”无法识别，可用：\(UnitType.allCases.map(\.displayName).joined(separator: "、"))")
        }
        let unit = AssessedUnit(
            organizationID: OrganizationID(organizationID),
            parentID: parentID.flatMap { $0.isEmpty ? nil : UnitID($0) }, code: code,
            name: name, type: type, createdAt: deps.now())
        try await store.createUnits([unit], by: .user(user))
        return unit
    }

    /// Imports units from CSV text, all or nothing; errors come back line by line.
    public func importUnits(organizationID: String, csv: String, by user: User) async throws -> [AssessedUnit] {
        guard user.can(.manageUnits) else { throw AppError.forbidden(Permission.manageUnits.label) }
        guard !organizationID.isEmpty else { throw AppError.invalid("请选择“所属组织”") }
        let orgID = OrganizationID(organizationID)
        guard try await store.organization(orgID) != nil else { throw AppError.notFound("组织 \(organizationID)") }
        let existing = try await store.units(in: orgID)
        let units = try UnitCSV.parse(csv, organization: orgID, existing: existing, now: deps.now())
        try await store.createUnits(units, by: .user(user, reason: "CSV导入\(units.count)个单位"))
        return units
    }

    /// The units a user may see: all, or a reporter's own unit only.
    public func visibleUnits(for user: User) async throws -> [AssessedUnit] {
        guard user.can(.viewUnits) else { throw AppError.forbidden(Permission.viewUnits.label) }
        if user.seesOwnUnitOnly {
            guard let unitID = user.unitID, let unit = try await store.unit(unitID) else { return [] }
            return [unit]
        }
        return try await store.units(in: nil)
    }
}
