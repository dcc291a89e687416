import Foundation
import KaoheStorage

/// The operations behind both the pages and the API, so the two cannot drift apart. Each checks the
/// permission it needs, validates its input with messages naming the field, and calls the store.
public struct Operations: Sendable {
    let deps: AppDependencies
    var store: any KaoheStore { deps.store }

    /// Creates the operations.
    public init(_ deps: AppDependencies) { self.deps = deps }

    /// Creates an organization.
    public func createOrganization(name: String, parentID: String?, by user: User) async throws -> Organization {
        guard user.can(.manageUnits) else { throw AppError.forbidden(Permission.manageUnits.label) }
        guard !name.isEmpty else { throw AppError.invalid("请填写“名称”") }
        guard name.count <= 100 else { throw AppError.invalid("“名称”不能超过100个字") }
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

    /// Parses role keys (`admin`, `organizer`, …); unknown ones are named in the error.
    public static func roles(_ texts: [String]) throws -> Set<Role> {
        var roles = Set<Role>()
        for text in texts.map({ $0.trimmingCharacters(in: .whitespaces) }) where !text.isEmpty {
            guard let role = Role(rawValue: text) else {
                throw AppError.invalid("未知角色“\(text)”，可用：\(Role.allCases.map(\.rawValue).joined(separator: "、"))")
            }
            roles.insert(role)
        }
        return roles
    }

    /// Creates a user (administrators only).
    public func createUser(
        username: String, displayName: String, password: String, roles roleTexts: [String], unitID: String?,
        by admin: User
    ) async throws -> User {
        guard admin.can(.manageUsers) else { throw AppError.forbidden(Permission.manageUsers.label) }
        let roles = try Self.roles(roleTexts)
        let unit = try await resolveUnit(unitID)
        return try await AuthService(deps).createUser(
            username: username, displayName: displayName, password: password, roles: roles,
            organizationID: unit?.organizationID,
            unitID: unit?.id, by: .user(admin))
    }

    /// Replaces a user's roles and unit (administrators only; nobody can remove their own admin role).
    public func setRoles(userID: String, roles roleTexts: [String], unitID: String?, reason: String?, by admin: User)
        async throws -> User
    {
        guard admin.can(.manageUsers) else { throw AppError.forbidden(Permission.manageUsers.label) }
        let roles = try Self.roles(roleTexts)
        if userID == admin.id.rawValue && !roles.contains(.admin) {
            throw AppError.invalid("不能取消自己的系统管理员角色")
        }
        guard try await store.user(UserID(userID)) != nil else { throw AppError.notFound("用户 \(userID)") }
        let unit = try await resolveUnit(unitID)
        if roles.contains(.reporter) && unit == nil { throw AppError.invalid("单位填报人必须指定所属单位") }
        return try await store.setRoles(
            of: UserID(userID), roles: roles, organizationID: unit?.organizationID, unitID: unit?.id,
            by: .user(admin, reason: reason.flatMap { $0.isEmpty ? nil : $0 }))
    }

    func resolveUnit(_ unitID: String?) async throws -> AssessedUnit? {
        guard let unitID, !unitID.isEmpty else { return nil }
        guard let unit = try await store.unit(UnitID(unitID)) else { throw AppError.notFound("单位 \(unitID)") }
        return unit
    }
}
