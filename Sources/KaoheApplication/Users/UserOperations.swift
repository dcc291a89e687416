import Foundation
import KaoheStorage

extension Operations {
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
