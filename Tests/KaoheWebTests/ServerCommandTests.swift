import ArgumentParser
import Foundation
import KaoheStorage
import KaoheStorageSQL
import KaoheTestSupport
import Testing

@testable import KaoheApplication
@testable import KaoheCLI
@testable import KaoheWeb

@Suite("Server commands: serve, migrate, user add, audit verify")
struct ServerCommandTests {
    func tempDir() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("kaohe-cli-\(UUID().uuidString)").path
    }

    func run(_ arguments: [String]) async throws {
        var command = try KaoheCommand.parseAsRoot(arguments)
        guard var asyncCommand = command as? any AsyncParsableCommand else { return try command.run() }
        try await asyncCommand.run()
    }

    @Test("serve parses host, port, database and data directory options")
    func serveOptions() throws {
        let command = try #require(
            try KaoheCommand.parseAsRoot([
                "serve", "--host", "0.0.0.0", "--port", "9001", "--database", "postgres://u@h/db", "--secure-cookies",
            ])
                as? ServeCommand)
        let config = try command.options.config(
            host: command.host, port: command.port, secureCookies: command.secureCookies)
        #expect(
            config.host == "0.0.0.0" && config.port == 9001 && config.databaseURL == "postgres://u@h/db"
                && config.secureCookies)
        #expect(throws: (any Error).self) { try KaoheCommand.parseAsRoot(["serve", "--port", "eighty"]) }
    }

    @Test("migrate creates the data directory and the database, then reports it up to date")
    func migrate() async throws {
        let dir = tempDir()
        try await run(["migrate", "--data-dir", dir])
        #expect(FileManager.default.fileExists(atPath: dir + "/kaohe.sqlite"))
        let store = try SQLStore(location: .sqlite(path: dir + "/kaohe.sqlite"))
        #expect(try await store.appliedMigrationIDs() == Set(allMigrations.map(\.id)))
        #expect(try await store.userCount() == 0)
        await store.shutdown()
        try await run(["migrate", "--data-dir", dir])
    }

    @Test("user add creates an account with roles; bad roles and missing roles are refused")
    func userAdd() async throws {
        let dir = tempDir()
        try await run([
            "user", "add", "wang.wu", "--role", "organizer", "--role", "leader", "--name", "王五", "--data-dir", dir,
        ])
        let store = try SQLStore(location: .sqlite(path: dir + "/kaohe.sqlite"))
        let user = try await store.user(username: "wang.wu")
        #expect(user?.roles == [.organizer, .leader] && user?.displayName == "王五")
        #expect(try await store.userCount() == 1)  // no surprise administrator
        let audit = try await store.auditLog(entityPrefix: "user:", limit: 10)
        #expect(audit.first?.actorName == "命令行")
        await store.shutdown()
        #expect(throws: (any Error).self) { try KaoheCommand.parseAsRoot(["user", "add", "nobody"]) }
        await #expect(throws: ExitCode(1)) {
            try await run(["user", "add", "x1", "--role", "boss", "--data-dir", dir])
        }
        await #expect(throws: ExitCode(1)) {
            try await run(["user", "add", "wang.wu", "--role", "leader", "--data-dir", dir])
        }
        await #expect(throws: ExitCode(1)) {
            try await run(["user", "add", "r1", "--role", "reporter", "--data-dir", dir])
        }
    }

    @Test("audit verify passes on an intact log and exits 1 after an edit behind the application's back")
    func auditVerify() async throws {
        let dir = tempDir()
        try await run(["user", "add", "zhao", "--role", "evaluator", "--data-dir", dir])
        try await run(["audit", "verify", "--data-dir", dir])
        let store = try SQLStore(location: .sqlite(path: dir + "/kaohe.sqlite"))
        try await store.unsafeExecute("UPDATE audit_log SET actor_name = '别人' WHERE seq = 1")
        await store.shutdown()
        await #expect(throws: ExitCode(1)) { try await run(["audit", "verify", "--data-dir", dir]) }
    }

    @Test("A bad database address is refused with the address named")
    func badDatabase() async throws {
        await #expect(throws: ExitCode(1)) { try await run(["migrate", "--database", "mysql://x/y"]) }
        let refused = try KaoheBinary.run(["migrate", "--database", "mysql://x/y"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("数据库地址“mysql://x/y”无效"), "\(refused.stderr)")
        #expect(refused.stdout.isEmpty)
        // The same message names a different address: the address comes from the argument, not a fixed text.
        let other = try KaoheBinary.run(["migrate", "--database", "ftp://elsewhere/db"])
        #expect(other.status == 1 && other.stderr.contains("“ftp://elsewhere/db”"), "\(other.stderr)")
    }
}

@Suite("Schemes catalog from the scoring engine")
struct SchemeCatalogTests {
    @Test("The built-in schemes of the scoring engine are listed with their titles")
    func builtIn() {
        let summaries = SchemeSummary.builtIn()
        #expect(summaries.map(\.id).contains("xinbei-sanheyi"))
        #expect(summaries.allSatisfy { !$0.title.isEmpty && !$0.title.hasPrefix("（") })
    }
}
