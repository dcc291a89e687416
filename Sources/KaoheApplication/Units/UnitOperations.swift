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

    /// The unit `text` names in an organization: by id, else by code (letter case ignored); nil when none. Forms
    /// with thousands of units take a typed code instead of a list.
    func unit(named text: String, in organization: OrganizationID) async throws -> AssessedUnit? {
        let text = text.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { return nil }
        if let unit = try await store.unit(UnitID(text)), unit.organizationID == organization { return unit }
        return try await store.units(in: organization).first { $0.code.lowercased() == text.lowercased() }
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
        var parent: UnitID?
        if let parentID, !parentID.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let found = try await unit(named: parentID, in: OrganizationID(organizationID)) else {
                throw AppError.invalid("上级单位“\(parentID)”不存在（请填写本组织内单位的编码）")
            }
            parent = found.id
        }
        let unit = AssessedUnit(
            organizationID: OrganizationID(organizationID), parentID: parent, code: code,
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

/// A page of the units list: the units, the organizations (for names and the filter) and every unit the user
/// may see.
public struct UnitListPage: Sendable {
    /// The page of units.
    public var page: ListPage<AssessedUnit>
    /// The organizations the user may see.
    public var organizations: [Organization]
    /// Every unit the user may see (for the create form).
    public var all: [AssessedUnit]
    /// The names of the page's rows' parent units.
    public var parentNames: [UnitID: String]
}

extension Operations {
    /// The units list: `q` searches code and name, filters by organization (`org`, an id) and type (`type`, as
    /// stored or its Chinese name); sorted by code, name, type or organization.
    public static let unitListSpec = ListSpec(
        name: "单位列表",
        sortKeys: [
            (key: "code", label: "编码"), (key: "name", label: "名称"), (key: "type", label: "类型"),
            (key: "organization", label: "所属组织"),
        ], defaultSort: "code", filters: [(key: "org", label: "所属组织"), (key: "type", label: "类型")],
        defaultSize: 50, maxSize: 500)

    /// One page of the units a user may see (reporters: their own unit only), searched, filtered and sorted in
    /// memory (at 5,000 units well under the list target; see scripts/bench-web). A type that does not exist
    /// is an error naming the parameter.
    public func unitList(_ list: ListQuery, for user: User) async throws -> UnitListPage {
        let units = try await visibleUnits(for: user)
        var organizations = try await store.organizations()
        if user.seesOwnUnitOnly {
            organizations = organizations.filter { org in units.contains { $0.organizationID == org.id } }
        }
        var type: UnitType?
        if let text = list.filter("type") {
            guard let known = UnitType(rawValue: text) ?? UnitType(label: text) else {
                throw AppError.invalid(
                    "单位列表：参数 type（类型）不认识“\(text)”，可用：\(UnitType.allCases.map(\.displayName).joined(separator: "、"))")
            }
            type = known
        }
        let organization = list.filter("org").map(OrganizationID.init)
        let orgNames = Dictionary(organizations.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        let page = list.page(
            of: units,
            where: { unit in
                (type == nil || unit.type == type) && (organization == nil || unit.organizationID == organization)
                    && list.matches(unit.code, unit.name)
            }
        ) { key -> (AssessedUnit, AssessedUnit) -> Bool in
            switch key {
            case "name": { $0.name.precedesInCodeOrder($1.name) }
            case "type": { $0.type.displayName.precedesInCodeOrder($1.type.displayName) }
            case "organization":
                { (orgNames[$0.organizationID] ?? "").precedesInCodeOrder(orgNames[$1.organizationID] ?? "") }
            default: { $0.code < $1.code }
            }
        }
        let parents = Set(page.rows.compactMap(\.parentID))
        var parentNames: [UnitID: String] = [:]
        if !parents.isEmpty {
            for unit in units where parents.contains(unit.id) { parentNames[unit.id] = unit.name }
        }
        return UnitListPage(page: page, organizations: organizations, all: units, parentNames: parentNames)
    }
}
