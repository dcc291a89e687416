import Foundation
import HummingbirdBcrypt
import KaoheStorage

/// Logins, sessions, tokens and passwords. Independent of HTTP so the command line uses it too.
public struct AuthService: Sendable {
    let deps: AppDependencies

    /// Creates the service.
    public init(_ deps: AppDependencies) { self.deps = deps }

    /// The bcrypt hash of `password`.
    public func hash(_ password: String) -> String { Bcrypt.hash(password, cost: deps.bcryptCost) }

    /// Checks username and password, through the login throttle (see ``LoginGate``): too many recent
    /// failures for the name or from `clientAddress` give ``LoginThrottled`` without a look at the password.
    /// An unknown user costs the same bcrypt work as a known one (a dummy hash of the configured cost) and
    /// gets the same message.
    public func login(username: String, password: String, clientAddress: String? = nil) async throws -> User {
        let gate = LoginGate(deps: deps, username: username, clientAddress: clientAddress)
        let user = try await deps.store.user(username: username)
        let states = try await gate.check(user: user)
        let hash = user?.passwordHash ?? dummyHash
        let matches = Bcrypt.verify(password, hash: hash) && PasswordPolicy.checkable(password)
        guard let user, matches else {
            let message = try await gate.failed()
            throw AppError.loginFailed(message)
        }
        try await gate.succeeded(user: user, states: states)
        return user
    }

    /// The hash checked for unknown users: bcrypt with the configured cost.
    var dummyHash: String { DummyHashes.shared.hash(cost: deps.bcryptCost) }

    /// Starts a browser session; returns the secret token for the cookie and the stored session.
    public func startSession(for user: User) async throws -> (token: String, session: Session) {
        let token = Secrets.hexToken()
        let now = deps.now()
        let session = Session(
            tokenHash: SHA256.hex(token), userID: user.id, csrfToken: Secrets.hexToken(bytes: 16), createdAt: now,
            expiresAt: now.addingTimeInterval(deps.sessionLifetime))
        try await deps.store.createSession(session)
        return (token, session)
    }

    /// The identity behind a session cookie value, if the session is valid.
    public func identity(sessionToken token: String) async throws -> Identity? {
        guard let session = try await deps.store.session(tokenHash: SHA256.hex(token), now: deps.now()),
            let user = try await deps.store.user(session.userID)
        else { return nil }
        var identity = Identity(user: user, session: session)
        // The header's unread count; a failure to count never keeps anyone out.
        identity.unreadNotifications = (try? await deps.store.unreadNotificationCount(of: user.id)) ?? 0
        return identity
    }

    /// Changes the user's own password after checking the current one; ends their other sessions and revokes
    /// their API tokens (in the store's transaction).
    public func changePassword(user: User, current: String, new: String, confirm: String, keepingSession: String?)
        async throws
    {
        guard Bcrypt.verify(current, hash: user.passwordHash) else { throw AppError.invalid("当前密码不正确") }
        guard new == confirm else { throw AppError.invalid("两次输入的新密码不一致") }
        try PasswordPolicy.check(new, username: user.username)
        guard new != current else { throw AppError.invalid("新密码不能与当前密码相同") }
        try await deps.store.setPasswordHash(of: user.id, hash: hash(new), by: .user(user, reason: "本人修改密码"))
        try await deps.store.deleteSessions(of: user.id, keeping: keepingSession)
    }

    /// An administrator gives another user a new random password (shown once); their sessions end, their API
    /// tokens are revoked and the login delays of the account are lifted.
    public func resetPassword(of userID: UserID, by admin: User) async throws -> (user: User, password: String) {
        guard admin.can(.manageUsers) else { throw AppError.forbidden(Permission.manageUsers.label) }
        guard let user = try await deps.store.user(userID) else { throw AppError.notFound("用户 \(userID)") }
        var password = Secrets.password()
        while PasswordPolicy.problem(password, username: user.username) != nil { password = Secrets.password() }
        try await deps.store.setPasswordHash(of: user.id, hash: hash(password), by: .user(admin, reason: "管理员重置密码"))
        try await deps.store.deleteSessions(of: user.id, keeping: nil)
        if let key = LoginThrottleKey.account(username: user.username) {
            try await deps.store.clearLoginThrottle([key.text])
        }
        return (user, password)
    }

    /// Creates a user account with a hashed password.
    public func createUser(
        username: String, displayName: String, password: String, roles: Set<Role>, organizationID: OrganizationID?,
        unitID: UnitID?,
        by actor: AuditActor
    ) async throws -> User {
        try AuthService.validate(username: username)
        try InputRules.name(displayName, field: "姓名", limit: 100)
        try PasswordPolicy.check(password, username: username)
        if roles.contains(.reporter) && unitID == nil { throw AppError.invalid("单位填报人必须指定所属单位") }
        let user = User(
            username: username, displayName: displayName.isEmpty ? username : displayName, passwordHash: hash(password),
            roles: roles,
            organizationID: organizationID, unitID: unitID, createdAt: deps.now())
        try await deps.store.createUser(user, by: actor)
        return user
    }

    /// Login names: 2–32 letters, digits, `.`, `_` or `-`.
    public static func validate(username: String) throws {
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        guard (2...32).contains(username.count), username.unicodeScalars.allSatisfy({ allowed.contains($0) }) else {
            throw AppError.invalid("用户名“\(username)”无效：应为2–32位字母、数字或 . _ -")
        }
    }
}
