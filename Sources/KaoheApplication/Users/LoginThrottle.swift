import Foundation
import HummingbirdBcrypt
import KaoheStorage

/// A login refused without checking the password because too many attempts failed lately (for the account
/// name or from the client address). Pages answer it with the login form and 429, the API with 429; both
/// send `Retry-After`.
public struct LoginThrottled: Error, Sendable, Equatable {
    /// Seconds until the next attempt is accepted.
    public let retryAfter: Int

    /// The message shown.
    public var message: String { "尝试过于频繁，请\(retryAfter)秒后再试" }
}

/// How logins are slowed down after failures, shared by every instance through the database.
///
/// - Each failure (whether or not the account exists, so the answers never tell) counts against the account
///   name typed and against the client address. After ``LoginThrottlePolicy/accountThreshold`` failures for
///   a name or ``LoginThrottlePolicy/addressThreshold`` from an address, each further failure blocks it for a
///   growing time (1 s, 2 s, 4 s … at most 15 minutes); attempts meanwhile are refused without looking at
///   the password. Nothing is locked for good: counts restart an hour after the last failure.
/// - From an address the user logged in from successfully before (within 90 days), the account's delay does
///   not apply — only the address's own — so failures from elsewhere cannot keep the owner out.
/// - A correct login clears the account's count (not the address's: logging into one's own account must not
///   reset the count of someone guessing others). An administrator clears an account's count with
///   `kaohe user unlock NAME` or the button on the users page, an address's with `kaohe user unlock --address`.
struct LoginGate {
    let deps: AppDependencies
    let account: LoginThrottleKey?
    let address: LoginThrottleKey?
    let now: Date

    init(deps: AppDependencies, username: String, clientAddress: String?) {
        self.deps = deps
        account = LoginThrottleKey.account(username: username)
        address = clientAddress.flatMap(LoginThrottleKey.address(client:))
        now = deps.now()
    }

    var keys: [LoginThrottleKey] { [account, address].compactMap { $0 } }

    /// Throws ``LoginThrottled`` when the account name (unless `user` logged in from this address before) or
    /// the address is blocked. Does the same work whether or not `user` exists.
    func check(user: User?) async throws -> [LoginThrottleState] {
        let states = try await deps.store.loginThrottle(keys.map(\.text))
        func wait(_ key: LoginThrottleKey?) -> Int {
            guard let key else { return 0 }
            return states.first { $0.key == key.text }?.wait(at: now) ?? 0
        }
        var accountWait = wait(account)
        if accountWait > 0, let address = address?.address {
            let known = try await deps.store.isKnownLoginAddress(
                of: user?.id ?? UserID(""), address: address,
                since: now.addingTimeInterval(-deps.loginThrottle.knownAddressLifetime))
            if known { accountWait = 0 }
        }
        let longest = max(accountWait, wait(address))
        if longest > 0 { throw LoginThrottled(retryAfter: longest) }
        return states
    }

    /// Counts a failure; returns the message for the login form.
    func failed() async throws -> String {
        let states = try await deps.store.recordLoginFailure(keys, at: now, policy: deps.loginThrottle)
        let wait = states.map { $0.wait(at: now) }.max() ?? 0
        return wait > 0 ? "用户名或密码错误。尝试过于频繁，请\(wait)秒后再试" : "用户名或密码错误"
    }

    /// After a correct password: clears the account's count and remembers the address for the user.
    func succeeded(user: User, states: [LoginThrottleState]) async throws {
        if let account, states.contains(where: { $0.key == account.text }) {
            try await deps.store.clearLoginThrottle([account.text])
        }
        if let address = address?.address {
            try await deps.store.rememberLoginAddress(
                of: user.id, address: address, at: now,
                forgetBefore: now.addingTimeInterval(-deps.loginThrottle.knownAddressLifetime))
        }
    }
}

/// The bcrypt hashes checked when the user does not exist, one per cost: the same work as for a real user
/// whose hash has the configured cost.
final class DummyHashes: @unchecked Sendable {
    private let lock = NSLock()
    private var hashes: [UInt8: String] = [:]

    static let shared = DummyHashes()

    func hash(cost: UInt8) -> String {
        lock.withLock {
            if let hash = hashes[cost] { return hash }
            let hash = Bcrypt.hash("kaohe-dummy-password-\(Secrets.hexToken(bytes: 8))", cost: cost)
            hashes[cost] = hash
            return hash
        }
    }
}

extension AuthService {
    /// An administrator lifts the login delays of an account (audited on the user).
    public func unlockLogin(of userID: UserID, by actor: AuditActor) async throws -> (user: User, lifted: Bool) {
        guard let user = try await deps.store.user(userID) else { throw AppError.notFound("用户 \(userID)") }
        guard let key = LoginThrottleKey.account(username: user.username) else { return (user, false) }
        return (user, try await deps.store.unlockLogin(key, entity: "user:\(user.id)", by: actor))
    }

    /// An administrator lifts the login delays of a client address (audited as `login-address:…`).
    public func unlockLogin(address: String, by actor: AuditActor) async throws -> Bool {
        guard let key = LoginThrottleKey.address(client: address), let text = key.address else {
            throw AppError.invalid("地址“\(address)”无效")
        }
        return try await deps.store.unlockLogin(key, entity: "login-address:\(text)", by: actor)
    }
}
