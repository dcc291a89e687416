import ArgumentParser
import Foundation
import KaoheStorage
import KaoheStorageSQL
import Testing

@testable import KaoheApplication
@testable import KaoheCLI
@testable import KaoheWeb

@Suite("kaohe user unlock")
struct UserUnlockCommandTests {
    func run(_ arguments: [String]) async throws {
        var command = try KaoheCommand.parseAsRoot(arguments)
        guard var asyncCommand = command as? any AsyncParsableCommand else { return try command.run() }
        try await asyncCommand.run()
    }

    @Test("Lifts the delays of an account name or of a client address, audited; unknown names fail")
    func unlock() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kaohe-cli-\(UUID().uuidString)").path
        try await run(["user", "add", "zhao.liu", "--role", "evaluator", "--data-dir", dir])
        let store = try SQLStore(location: .sqlite(path: dir + "/kaohe.sqlite"))
        let now = Date()
        for _ in 1...7 {
            _ = try await store.recordLoginFailure(
                [.account("zhao.liu"), .address("203.0.113.5")], at: now, policy: .standard)
        }
        #expect(try await store.loginThrottle(["account:zhao.liu"]).first?.failures == 7)
        try await run(["user", "unlock", "zhao.liu", "--data-dir", dir])
        #expect(try await store.loginThrottle(["account:zhao.liu"]).isEmpty)
        #expect(try await store.loginThrottle(["address:203.0.113.5"]).count == 1)
        try await run(["user", "unlock", "--address", "203.0.113.5", "--data-dir", dir])
        #expect(try await store.loginThrottle(["address:203.0.113.5"]).isEmpty)
        let user = try #require(try await store.user(username: "zhao.liu"))
        let log = try await store.auditLog(entityPrefix: "user:\(user.id)", limit: 10)
        #expect(log.map(\.action) == ["create", "unlock"] && log.last?.actorName == "命令行")
        #expect(
            try await store.auditLog(entityPrefix: "login-address:203.0.113.5", limit: 10).map(\.action) == ["unlock"])
        await store.shutdown()
        await #expect(throws: ExitCode(1)) { try await run(["user", "unlock", "nobody", "--data-dir", dir]) }
        #expect(throws: (any Error).self) { try KaoheCommand.parseAsRoot(["user", "unlock"]) }
        #expect(throws: (any Error).self) {
            try KaoheCommand.parseAsRoot(["user", "unlock", "zhao.liu", "--address", "203.0.113.5"])
        }
    }
}
