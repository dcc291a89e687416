import Foundation
import KaoheStorage

/// API tokens: issued for a password, valid 90 days unless asked for fewer, listed without their secret,
/// revoked by their owner or an administrator — and by the store itself when the password changes or is
/// reset, or a role is taken away (see ``KaoheStore/setPasswordHash(of:hash:by:)`` and
/// ``KaoheStore/setRoles(of:roles:organizationID:unitID:by:)``). Every issue and revocation is audited.
extension AuthService {
    /// The longest (and default) validity of an API token, in days.
    public static let maximumTokenDays = 90

    /// Issues an API token valid `days` days (1–90, default 90); returns the secret, shown once.
    public func issueAPIToken(for user: User, name: String, days: Int? = nil) async throws
        -> (secret: String, token: APIToken)
    {
        let days = days ?? Self.maximumTokenDays
        guard (1...Self.maximumTokenDays).contains(days) else {
            throw AppError.invalid("令牌有效期应为1–\(Self.maximumTokenDays)天（当前\(days)）")
        }
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 100,
            !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { throw AppError.invalid("令牌名称应为1–100个字符，不含控制字符") }
        let secret = "kh_" + Secrets.hexToken()
        let now = deps.now()
        let token = APIToken(
            tokenHash: SHA256.hex(secret), userID: user.id, name: name, createdAt: now,
            expiresAt: now.addingTimeInterval(TimeInterval(days) * 86400))
        try await deps.store.createAPIToken(token, by: .user(user))
        return (secret, token)
    }

    /// The identity behind a bearer token, if valid. Records the use at most every
    /// ``APIToken/useRecordingInterval`` (one write per token and interval, not per request).
    public func identity(bearer secret: String) async throws -> Identity? {
        let now = deps.now()
        guard let token = try await deps.store.apiToken(tokenHash: SHA256.hex(secret), now: now),
            let user = try await deps.store.user(token.userID)
        else { return nil }
        if token.lastUsedAt.map({ now.timeIntervalSince($0) >= APIToken.useRecordingInterval }) ?? true {
            try await deps.store.recordAPITokenUse(tokenHash: token.tokenHash, at: now)
        }
        return Identity(user: user, session: nil)
    }

    /// The tokens of `owner` (unexpired ones; expired ones are removed as new ones are issued), for the owner
    /// or an administrator.
    public func apiTokens(of owner: UserID, for viewer: User) async throws -> [APIToken] {
        guard owner == viewer.id || viewer.can(.manageUsers) else {
            throw AppError.forbidden(Permission.manageUsers.label)
        }
        let now = deps.now()
        return try await deps.store.apiTokens(of: owner).filter { $0.isValid(at: now) }
    }

    /// Revokes one token, for its owner or an administrator; another user's token is "not found" to anyone
    /// else (so that token ids cannot be probed). Returns the revoked token.
    @discardableResult
    public func revokeAPIToken(_ id: APITokenID, by user: User) async throws -> APIToken {
        guard let token = try await deps.store.apiToken(id: id), token.userID == user.id || user.can(.manageUsers)
        else { throw AppError.notFound("API令牌 \(id)") }
        let reason = token.userID == user.id ? "本人撤销令牌" : "管理员撤销令牌"
        try await deps.store.revokeAPIToken(id, by: .user(user, reason: reason))
        return token
    }

    /// Revokes every token of `owner` (administrators only); returns how many.
    public func revokeAPITokens(of owner: UserID, by admin: User) async throws -> Int {
        guard admin.can(.manageUsers) else { throw AppError.forbidden(Permission.manageUsers.label) }
        guard try await deps.store.user(owner) != nil else { throw AppError.notFound("用户 \(owner)") }
        return try await deps.store.revokeAPITokens(of: owner, by: .user(admin, reason: "管理员撤销全部令牌"))
    }
}
