import ArgumentParser
import Foundation
import KaoheApplication
import KaoheStorage
import KaoheStorageSQL

/// `kaohe demo`: loads the demonstration data into the configured database (once; a second run changes nothing).
public struct DemoCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "载入演示数据：文件中的考核单位、参考方案上的考核、事实和问题记录、演示账号（已载入则跳过）",
        discussion: "演示账号的密码均为 \(DemoLoader.password)。载入后运行 kaohe serve 并在浏览器中登录。")

    @OptionGroup var options: ServerOptions

    public init() {}

    public func run() async throws {
        let config = try options.config()
        try await reportingErrors {
            let boot = try await bootstrap(config)
            do {
                for name in boot.appliedMigrations { print("数据库迁移：\(name)") }
                print("数据库：\(boot.store.location)")
                try await loadDemo(into: boot.store)
                if let admin = boot.firstAdmin {
                    print("已创建管理员（仅显示这一次）：用户名 \(admin.username)，密码 \(admin.password)")
                }
                print("运行 kaohe serve 启动网站（同一数据库），在浏览器中打开 \(config.baseURL) 登录。")
            } catch {
                await boot.store.shutdown()
                throw error
            }
            await boot.store.shutdown()
        }
    }
}

/// Loads the demo into `store` and prints what was loaded and how to log in (or that it was there already).
func loadDemo(into store: any KaoheStore) async throws {
    let loader = DemoLoader(AppDependencies(store: store))
    guard let summary = try await loader.load() else {
        print("演示数据已载入过，本次未做改动。演示账号的密码为 \(DemoLoader.password)（若未被修改）。")
        printDemoAccounts(DemoLoader.accounts)
        return
    }
    print(
        "已载入演示数据：\(summary.organizations) 个组织，\(summary.units) 个单位，\(summary.assessments) 项考核，"
            + "\(summary.factRecords) 条事实记录，\(summary.findings) 条问题记录，\(summary.platformRecords) 条平台记录（新北区、平桥区的事实由此推算），\(summary.bulletins) 期月度通报。"
    )
    for line in summary.assessmentLines { print("  · \(line)") }
    print("演示账号（密码均为 \(DemoLoader.password)，仅供体验，正式使用前请删除或改密）：")
    printDemoAccounts(summary.accounts)
    fflush(nil)
}

func printDemoAccounts(_ accounts: [DemoLoader.Account]) {
    for account in accounts {
        print("  \(account.username)　\(account.role.displayName)　\(account.note)")
    }
}
