import KaoheStorage

/// What a request may do. Routes name the permission they need; roles grant permissions. This table is
/// the single place where roles meet routes.
public enum Permission: String, Sendable, CaseIterable {
    /// See the dashboard, change one's own password, see the schemes.
    case useSite
    /// List organizations.
    case viewOrganizations
    /// List units (reporters see their own unit only).
    case viewUnits
    /// Create organizations and units, import units.
    case manageUnits
    /// List, create users and assign roles.
    case manageUsers
    /// List and open assessments (reporters: those their unit takes part in).
    case viewAssessments
    /// Create assessments, enrol units, assign evaluators, change states.
    case manageAssessments
    /// Record facts and findings (evaluators only where assigned).
    case recordFacts
    /// Read the audit log and check its hash chain.
    case viewAudit
    /// Fill in, submit and answer the own unit's self-assessment; upload its evidence; lodge objections.
    case selfAssess
    /// Review self-assessments: accept or return items (evaluators only where assigned).
    case review
    /// Import an organization's platform records (办件、咨询…) and see its import history.
    case manageRecords
}

extension Role {
    /// The permissions this role grants.
    public var permissions: Set<Permission> {
        switch self {
        case .admin: Set(Permission.allCases)
        case .organizer:
            [
                .useSite, .viewOrganizations, .viewUnits, .manageUnits, .viewAssessments, .manageAssessments,
                .recordFacts, .viewAudit, .review, .manageRecords,
            ]
        case .evaluator: [.useSite, .viewOrganizations, .viewUnits, .viewAssessments, .recordFacts, .review]
        case .leader: [.useSite, .viewOrganizations, .viewUnits, .viewAssessments]
        case .reporter: [.useSite, .viewUnits, .viewAssessments, .selfAssess]
        }
    }
}

extension User {
    /// Whether any of the user's roles grants `permission`.
    public func can(_ permission: Permission) -> Bool { roles.contains { $0.permissions.contains(permission) } }

    /// Whether the user sees only their own unit (a reporter without a broader role).
    public var seesOwnUnitOnly: Bool { !can(.viewOrganizations) }
}

extension Permission {
    /// What the permission allows, for the "无权操作" message.
    public var label: String {
        switch self {
        case .useSite: "使用本系统"
        case .viewOrganizations: "查看组织"
        case .viewUnits: "查看单位"
        case .manageUnits: "管理组织和单位（需考核组织者或管理员角色）"
        case .manageUsers: "管理用户（需系统管理员角色）"
        case .viewAssessments: "查看考核"
        case .manageAssessments: "管理考核（需考核组织者或管理员角色）"
        case .recordFacts: "录入事实和问题（需评分人、考核组织者或管理员角色）"
        case .viewAudit: "查看审计日志（需考核组织者或管理员角色）"
        case .selfAssess: "填报本单位自评（需单位填报人角色）"
        case .review: "审核自评（需评分人、考核组织者或管理员角色）"
        case .manageRecords: "导入平台记录（需考核组织者或管理员角色）"
        }
    }
}
