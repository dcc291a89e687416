import Foundation
import KaoheStorage
import Testing

@testable import KaoheStorageSQL

/// The databases storage tests run against: SQLite always, PostgreSQL when `KAOHE_TEST_POSTGRES_URL` is set.
enum Backend: String, CustomStringConvertible, Sendable {
    case sqlite, postgres

    static var all: [Backend] {
        ProcessInfo.processInfo.environment["KAOHE_TEST_POSTGRES_URL"].map { !$0.isEmpty } == true
            ? [.sqlite, .postgres] : [.sqlite]
    }

    var description: String { rawValue }

    /// A fresh, migrated store: a new SQLite file, or a new PostgreSQL schema.
    func makeStore(now: @escaping @Sendable () -> Date = { Date() }) async throws -> SQLStore {
        switch self {
        case .sqlite:
            let path = FileManager.default.temporaryDirectory
                .appendingPathComponent("kaohe-test-\(UUID().uuidString)").appendingPathComponent("kaohe.sqlite").path
            let store = try SQLStore(location: .sqlite(path: path), now: now)
            try await store.migrate()
            return store
        case .postgres:
            let url = ProcessInfo.processInfo.environment["KAOHE_TEST_POSTGRES_URL"]!
            let schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            let admin = try SQLStore(location: try .parse(url))
            try await admin.unsafeExecute("CREATE SCHEMA \(schema)")
            await admin.shutdown()
            let store = try SQLStore(location: try .parse(url), postgresSchema: schema, now: now)
            try await store.migrate()
            return store
        }
    }
}

/// Runs `body` with a fresh store and shuts it down afterwards, also when `body` throws.
func withStore(
    _ backend: Backend, now: @escaping @Sendable () -> Date = { Date() }, _ body: (SQLStore) async throws -> Void
) async throws {
    let store = try await backend.makeStore(now: now)
    do {
        try await body(store)
    } catch {
        await store.shutdown()
        throw error
    }
    await store.shutdown()
}

/// A small world: one organization, two units, an admin and an evaluator.
struct World {
    let org: Organization
    let unitA: AssessedUnit
    let unitB: AssessedUnit
    let admin: User
    let evaluator: User

    static func make(in store: SQLStore) async throws -> World {
        let org = Organization(name: "平桥区考核办")
        try await store.createOrganization(org, by: .system)
        let unitA = AssessedUnit(organizationID: org.id, code: "A01", name: "平桥区财政局", type: .districtDepartment)
        let unitB = AssessedUnit(organizationID: org.id, code: "B01", name: "平桥区教育局", type: .districtDepartment)
        try await store.createUnits([unitA, unitB], by: .system)
        let admin = User(username: "admin", displayName: "管理员", passwordHash: "x", roles: [.admin])
        let evaluator = User(username: "pingfen", displayName: "评分人", passwordHash: "x", roles: [.evaluator])
        try await store.createUser(admin, by: .system)
        try await store.createUser(evaluator, by: .system)
        return World(org: org, unitA: unitA, unitB: unitB, admin: admin, evaluator: evaluator)
    }

    /// An assessment in state open with both units enrolled.
    func openAssessment(in store: SQLStore) async throws -> Assessment {
        let assessment = Assessment(
            organizationID: org.id, schemeID: "pingqiao-2022", year: 2022, title: "2022年度政务公开考核")
        try await store.createAssessment(assessment, by: .user(admin))
        try await store.enrol([unitA.id, unitB.id], in: assessment.id, by: .user(admin))
        return try await store.transition(assessment.id, to: .open, by: .user(admin))
    }
}

/// A second store on the same database as `store` (its SQLite file, or its PostgreSQL schema): another
/// instance of the app, or a command such as `kaohe user add`. Shut it down when done.
func secondStore(on store: SQLStore) async throws -> SQLStore {
    switch store.location {
    case .sqlite(let path): return try SQLStore(location: .sqlite(path: path))
    case .postgres:
        let schema = try #require(
            try await store.read { db in
                try await db.raw("SELECT current_schema() AS s").first()?.decode(column: "s", as: String.self)
            })
        return try SQLStore(location: store.location, postgresSchema: schema)
    }
}
