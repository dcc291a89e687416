import Foundation
import HummingbirdBcrypt
import KaoheStorage

/// Logins, sessions, tokens and passwords. Independent of HTTP so the command line uses it too.
public struct AuthService: Sendable {
    let deps: AppDependencies

    /// Creates the service.
    public init(_ deps: AppDependencies) { self.deps = deps }

    /// The minimum password length.
    public static let minimumPasswordLength = 8

    /// Checks a password against the rules; the message names what is wrong.
    public static func validate(password: String) throws {
        guard password.count >= minimumPasswordLength else {
            throw AppError.invalid("密码至少需要\(minimumPasswordLength)个字符")
        }
        guard password.count <= 72 else { throw AppError.invalid("密码不能超过72个字符") }
    }

    /// The bcrypt hash of `password`.
    public func hash(_ password: String) -> String { Bcrypt.hash(password, cost: deps.bcryptCost) }

    /// Checks username and password. Counts failures; after ``AppDependencies/maxFailedLogins`` in a row the
    /// account is locked for ``AppDependencies/lockDuration``, during which even the right password is refused.
    public func login(username: String, password: String) async throws -> User {
        let now = deps.now()
        guard let user = try await deps.store.user(username: username) else {
            _ = Bcrypt.verify(password, hash: AuthService.dummyHash)  // same time as for a real user
            throw AppError.loginFailed("用户名或密码错误")
        }
        if let until = user.lockedUntil, until > now {
            throw AppError.loginFailed("账户因连续\(deps.maxFailedLogins)次登录失败已锁定，请于\(AuthService.clock(until))后再试")
        }
        guard Bcrypt.verify(password, hash: user.passwordHash) else {
            let updated = try await deps.store.recordFailedLogin(
                of: user.id, maxAttempts: deps.maxFailedLogins, lockUntil: now.addingTimeInterval(deps.lockDuration))
            if let until = updated.lockedUntil, until > now {
                throw AppError.loginFailed("用户名或密码错误。连续失败\(deps.maxFailedLogins)次，账户已锁定至\(AuthService.clock(until))")
            }
            throw AppError.loginFailed(
                "用户名或密码错误（再失败\(deps.maxFailedLogins - updated.failedLogins)次将锁定\(Int(deps.lockDuration / 60))分钟）")
        }
        if user.failedLogins > 0 || user.lockedUntil != nil { try await deps.store.recordSuccessfulLogin(of: user.id) }
        return user
    }

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
        return Identity(user: user, session: session)
    }

    /// Issues an API token (valid 90 days); returns the secret, shown once.
    public func issueAPIToken(for user: User, name: String) async throws -> (secret: String, token: APIToken) {
        let secret = "kh_" + Secrets.hexToken()
        let now = deps.now()
        let token = APIToken(
            tokenHash: SHA256.hex(secret), userID: user.id, name: name, createdAt: now,
            expiresAt: now.addingTimeInterval(90 * 86400))
        try await deps.store.createAPIToken(token, by: .user(user))
        return (secret, token)
    }

    /// The identity behind a bearer token, if valid.
    public func identity(bearer secret: String) async throws -> Identity? {
        guard let token = try await deps.store.apiToken(tokenHash: SHA256.hex(secret), now: deps.now()),
            let user = try await deps.store.user(token.userID)
        else { return nil }
        return Identity(user: user, session: nil)
    }

    /// Changes the user's own password after checking the current one; ends their other sessions.
    public func changePassword(user: User, current: String, new: String, confirm: String, keepingSession: String?)
        async throws
    {
        guard Bcrypt.verify(current, hash: user.passwordHash) else { throw AppError.invalid("当前密码不正确") }
        guard new == confirm else { throw AppError.invalid("两次输入的新密码不一致") }
        try AuthService.validate(password: new)
        guard new != current else { throw AppError.invalid("新密码不能与当前密码相同") }
        try await deps.store.setPasswordHash(of: user.id, hash: hash(new), by: .user(user, reason: "本人修改密码"))
        try await deps.store.deleteSessions(of: user.id, keeping: keepingSession)
    }

    /// An administrator gives another user a new random password (shown once); their sessions end and any lock is lifted.
    public func resetPassword(of userID: UserID, by admin: User) async throws -> (user: User, password: String) {
        guard admin.can(.manageUsers) else { throw AppError.forbidden(Permission.manageUsers.label) }
        guard let user = try await deps.store.user(userID) else { throw AppError.notFound("用户 \(userID)") }
        let password = Secrets.password()
        try await deps.store.setPasswordHash(of: user.id, hash: hash(password), by: .user(admin, reason: "管理员重置密码"))
        try await deps.store.deleteSessions(of: user.id, keeping: nil)
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
        try AuthService.validate(password: password)
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

    static let dummyHash = Bcrypt.hash("kaohe-dummy-password", cost: 4)

    static func clock(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai") ?? .current
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        return String(format: "%02d:%02d（北京时间）", parts.hour ?? 0, parts.minute ?? 0)
    }
}
