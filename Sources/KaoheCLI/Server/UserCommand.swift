import ArgumentParser
import Foundation
import KaoheApplication
import KaoheStorage
import KaoheStorageSQL

/// `kaohe user …`: user accounts from the command line.
public struct UserCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "user", abstract: "管理用户账号", subcommands: [UserAddCommand.self, UserUnlockCommand.self])

    public init() {}
}

/// `kaohe user add NAME --role ROLE…`: creates an account; prints a generated password unless one is given on stdin.
public struct UserAddCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "add", abstract: "新建用户（未指定密码时生成随机密码并打印）")

    @OptionGroup var options: ServerOptions

    @Argument(help: "用户名（2–32位字母、数字或 . _ -）")
    var username: String

    @Option(name: .long, help: "角色，可重复：admin、organizer、evaluator、reporter、leader")
    var role: [String] = []

    @Option(name: .long, help: "姓名（默认同用户名）")
    var name: String?

    @Option(name: .long, help: "所属单位编号（单位填报人必填）")
    var unit: String?

    @Flag(name: .customLong("password-stdin"), help: "从标准输入读取密码（一行）")
    var passwordFromStdin = false

    public init() {}

    public func validate() throws {
        if role.isEmpty {
            throw ValidationError("请用 --role 指定至少一个角色：\(Role.allCases.map(\.rawValue).joined(separator: "、"))")
        }
    }

    public func run() async throws {
        let config = try options.config()
        try await reportingErrors {
            let boot = try await bootstrap(config, createFirstAdmin: false)
            do {
                let password: String
                if passwordFromStdin {
                    guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                        throw AppError.invalid("标准输入中没有密码")
                    }
                    password = line
                } else {
                    password = Secrets.password()
                }
                let deps = AppDependencies(store: boot.store)
                var unitRecord: AssessedUnit?
                if let unit {
                    guard let found = try await boot.store.unit(UnitID(unit)) else {
                        throw AppError.notFound("单位 \(unit)")
                    }
                    unitRecord = found
                }
                let user = try await AuthService(deps).createUser(
                    username: username, displayName: name ?? username, password: password,
                    roles: try Operations.roles(role),
                    organizationID: unitRecord?.organizationID, unitID: unitRecord?.id,
                    by: AuditActor(userID: nil, name: "命令行", reason: "kaohe user add"))
                print("已创建用户 \(user.username)（\(user.roles.sorted().map(\.displayName).joined(separator: "、"))）")
                if !passwordFromStdin { print("密码：\(password)") }
            } catch {
                await boot.store.shutdown()
                throw error
            }
            await boot.store.shutdown()
        }
    }
}

/// `kaohe user unlock NAME` / `kaohe user unlock --address IP`: lifts the login delays that failed logins put on
/// an account name or a client address (audited).
public struct UserUnlockCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "unlock", abstract: "解除账号或客户端地址因登录失败受到的限制（延迟）")

    @OptionGroup var options: ServerOptions

    @Argument(help: "用户名")
    var username: String?

    @Option(name: .long, help: "客户端地址（IPv4 或 IPv6）")
    var address: String?

    public init() {}

    public func validate() throws {
        if (username == nil) == (address == nil) { throw ValidationError("请指定用户名或 --address 地址（二选一）") }
    }

    public func run() async throws {
        let config = try options.config()
        try await reportingErrors {
            let boot = try await bootstrap(config, createFirstAdmin: false)
            do {
                let auth = AuthService(AppDependencies(store: boot.store))
                let actor = AuditActor(userID: nil, name: "命令行", reason: "kaohe user unlock")
                if let username {
                    guard let user = try await boot.store.user(username: username) else {
                        throw AppError.notFound("用户 \(username)")
                    }
                    let lifted = try await auth.unlockLogin(of: user.id, by: actor).lifted
                    print(lifted ? "已解除用户 \(user.username) 的登录限制" : "用户 \(user.username) 当前没有登录限制")
                } else if let address {
                    let lifted = try await auth.unlockLogin(address: address, by: actor)
                    print(lifted ? "已解除地址 \(address) 的登录限制" : "地址 \(address) 当前没有登录限制")
                }
            } catch {
                await boot.store.shutdown()
                throw error
            }
            await boot.store.shutdown()
        }
    }
}

/// `kaohe audit verify`: checks the hash chain of the audit log.
public struct AuditCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "审计日志", subcommands: [AuditVerifyCommand.self])

    public init() {}
}

/// `kaohe audit verify`: exits 1 and names the first broken row when the chain was tampered with.
public struct AuditVerifyCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "verify", abstract: "校验审计日志哈希链，发现篡改时以非零状态退出")

    @OptionGroup var options: ServerOptions

    public init() {}

    public func run() async throws {
        let config = try options.config()
        try await reportingErrors {
            let boot = try await bootstrap(config, createFirstAdmin: false)
            let result: AuditVerification
            do { result = try await boot.store.verifyAudit() } catch {
                await boot.store.shutdown()
                throw error
            }
            await boot.store.shutdown()
            switch result {
            case .intact(let count): print("审计日志完整：共\(count)条记录，哈希链校验通过")
            case .broken(let seq, let reason): throw AppError.conflict("审计日志第\(seq)条校验失败：\(reason)")
            }
        }
    }
}
