import Foundation
import KaoheStorage
import KaoheStorageSQL
import Logging

/// The result of preparing the database for serving.
public struct Bootstrap: Sendable {
    /// The open store (shut it down when done).
    public let store: SQLStore
    /// Migrations applied now.
    public let appliedMigrations: [String]
    /// Set on first start: the administrator created and the password to print once.
    public let firstAdmin: (username: String, password: String)?
}

/// Opens the configured database without migrating it: PostgreSQL at ``AppConfig/databaseURL``, else the SQLite
/// file in ``AppConfig/dataDirectory`` (created when missing).
public func openStore(_ config: AppConfig, logger: Logger = Logger(label: "kaohe")) throws -> SQLStore {
    let location: DatabaseLocation
    if let url = config.databaseURL {
        location = try DatabaseLocation.parse(url)
    } else {
        try PrivateFiles.makeDirectory(config.dataDirectory, tightenExisting: true)
        location = .sqlite(path: config.sqlitePath)
    }
    return try SQLStore(location: location, logger: logger)
}

/// Opens the configured database (creating `dataDirectory` for SQLite, mode 0700), migrates it, and on first start
/// (no users yet, and `createFirstAdmin`) creates the administrator `admin` with a random password.
public func bootstrap(_ config: AppConfig, createFirstAdmin: Bool = true, logger: Logger = Logger(label: "kaohe"))
    async throws -> Bootstrap
{
    let store = try openStore(config, logger: logger)
    do {
        let applied = try await store.migrate()
        var firstAdmin: (String, String)?
        if createFirstAdmin, try await store.userCount() == 0 {
            let password = Secrets.password()
            let deps = AppDependencies(store: store)
            do {
                _ = try await AuthService(deps).createUser(
                    username: "admin", displayName: "系统管理员", password: password, roles: [.admin], organizationID: nil,
                    unitID: nil,
                    by: AuditActor(userID: nil, name: "系统", reason: "首次启动创建管理员"))
                firstAdmin = ("admin", password)
            } catch {
                // Another instance starting on the same database may have created it at the same moment.
                guard try await store.userCount() > 0 else { throw error }
            }
        }
        return Bootstrap(store: store, appliedMigrations: applied, firstAdmin: firstAdmin)
    } catch {
        await store.shutdown()
        throw error
    }
}
