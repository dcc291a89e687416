import ArgumentParser
import Foundation
import KaoheStorage
import KaoheStorageSQL
import Testing

@testable import KaoheApplication
@testable import KaoheCLI
@testable import KaoheWeb

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a `kaohe` command line in process.
private func kaohe(_ arguments: [String]) async throws {
    var command = try KaoheCommand.parseAsRoot(arguments)
    guard var asyncCommand = command as? any AsyncParsableCommand else { return try command.run() }
    try await asyncCommand.run()
}

private func temporaryPath(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("kaohe-\(name)-\(UUID().uuidString)").path
}

private func config(dataDirectory: String, database: String? = nil) throws -> AppConfig {
    try AppConfig.resolve(cli: .init(databaseURL: database, dataDirectory: dataDirectory), environment: [:])
}

/// The writes a writer made and had acknowledged (returned without error), in order.
private final class Acknowledged: @unchecked Sendable {
    enum Write: Equatable {
        case unit(UnitID)
        case facts(item: String, json: String)
        case evidence(EvidenceID, sha256: String)
    }

    private let lock = NSLock()
    private var writes: [Write] = []
    private var stopped = false

    func append(_ write: Write) { lock.withLock { writes.append(write) } }
    var all: [Write] { lock.withLock { writes } }
    var count: Int { lock.withLock { writes.count } }
    func stop() { lock.withLock { stopped = true } }
    var isStopped: Bool { lock.withLock { stopped } }
}

/// A data directory with a migrated SQLite database, an organization, an open assessment with unit A
/// enrolled, and evidence files stored.
private struct DataDirectory: Sendable {
    let path: String
    let store: SQLStore
    let org: Organization
    let unitA: AssessedUnit
    let assessment: Assessment

    var databasePath: String { path + "/kaohe.sqlite" }
    var evidence: EvidenceStore { EvidenceStore(directory: path + "/evidence") }

    static func make(facts: Int = 0) async throws -> DataDirectory {
        let path = temporaryPath("data")
        let boot = try await bootstrap(try config(dataDirectory: path), createFirstAdmin: false)
        let store = boot.store
        let org = Organization(name: "备份测试考核办")
        try await store.createOrganization(org, by: .system)
        let unitA = AssessedUnit(organizationID: org.id, code: "A01", name: "尖山区", type: .county)
        try await store.createUnits([unitA], by: .system)
        let assessment = Assessment(
            organizationID: org.id, schemeID: "xinbei-sanheyi", year: 2023, title: "备份测试考核")
        try await store.createAssessment(assessment, by: .system)
        try await store.enrol([unitA.id], in: assessment.id, by: .system)
        _ = try await store.transition(assessment.id, to: .open, by: .system)
        if facts > 0 {
            // Bulk, so that the snapshot takes a while and writes happen while it runs.
            _ = try await store.importFacts(
                assessment: assessment.id,
                writes: (0..<facts).map {
                    FactsWrite(
                        unitID: unitA.id, itemID: "bulk-\($0)",
                        json: #"{"note":"\#(String(repeating: "填", count: 40))","n":\#($0)}"#)
                }, by: .system)
        }
        return DataDirectory(path: path, store: store, org: org, unitA: unitA, assessment: assessment)
    }

    /// Stores `bytes` in the evidence store and records them for unit A.
    func addEvidence(_ bytes: [UInt8], name: String) async throws -> EvidenceFile {
        let staged = try evidence.stage()
        try staged.write(bytes)
        try staged.commit()
        let file = EvidenceFile(
            assessmentID: assessment.id, unitID: unitA.id, itemID: "1.1", sha256: try #require(staged.sha256),
            fileName: name, contentType: "application/pdf", size: bytes.count, purpose: .selfAssessment,
            uploadedBy: nil, uploadedAt: Date())
        try await store.addEvidence(file, by: .system)
        return file
    }
}

private func pdf(_ seed: Int, size: Int) -> [UInt8] {
    var bytes = Array("%PDF-1.4\n%\(seed)\n".utf8)
    var state = UInt64(seed) &* 6_364_136_223_846_793_005 &+ 1
    while bytes.count < size {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        bytes.append(UInt8(truncatingIfNeeded: state >> 33))
    }
    return bytes
}

@Suite("Backup and restore: kaohe backup / kaohe restore")
struct BackupTests {
    @Test(
        "A backup taken while writes go on restores every write acknowledged before it began, and the audit chain verifies"
    )
    func backupDuringWrites() async throws {
        let bulk = 10_000
        let data = try await DataDirectory.make(facts: bulk)
        for seed in 0..<6 { _ = try await data.addEvidence(pdf(seed, size: 2 << 20), name: "材料\(seed).pdf") }
        await data.store.shutdown()

        // The "server": its own store on the same file, writing in a loop through the store's API.
        let server = try SQLStore(location: .sqlite(path: data.databasePath))
        let acknowledged = Acknowledged()
        let writer = Task {
            var index = 0
            while !acknowledged.isStopped {
                switch index % 5 {
                case 0, 1, 2:
                    let unit = AssessedUnit(
                        organizationID: data.org.id, code: "W\(index)", name: "写入单位\(index)", type: .county)
                    try await server.createUnits([unit], by: .system)
                    acknowledged.append(.unit(unit.id))
                case 3:
                    let json = #"{"n":\#(index)}"#
                    _ = try await server.saveFacts(
                        assessment: data.assessment.id, unit: data.unitA.id, item: "w\(index)", json: json,
                        expectedVersion: 0, by: .system)
                    acknowledged.append(.facts(item: "w\(index)", json: json))
                default:
                    let staged = try data.evidence.stage()
                    try staged.write(pdf(1000 + index, size: 4096))
                    try staged.commit()
                    let file = EvidenceFile(
                        assessmentID: data.assessment.id, unitID: data.unitA.id, itemID: "1.2",
                        sha256: try #require(staged.sha256), fileName: "写入\(index).pdf",
                        contentType: "application/pdf", size: staged.size, purpose: .selfAssessment,
                        uploadedBy: nil, uploadedAt: Date())
                    try await server.addEvidence(file, by: .system)
                    acknowledged.append(.evidence(file.id, sha256: file.sha256))
                }
                index += 1
            }
        }
        while acknowledged.count < 40 { try await Task.sleep(for: .milliseconds(5)) }

        let before = acknowledged.all
        let backup = temporaryPath("backup")
        do {
            try await kaohe(["backup", backup, "--data-dir", data.path])
        } catch {
            acknowledged.stop()
            _ = await writer.result
            await server.shutdown()
            throw error
        }
        let duringBackup = acknowledged.count - before.count
        acknowledged.stop()
        try await writer.value
        await server.shutdown()
        #expect(duringBackup > 0, "the writer must have written while the backup ran (\(duringBackup) writes)")

        let restored = temporaryPath("restored")
        try await kaohe(["restore", backup, "--data-dir", restored])
        try await kaohe(["audit", "verify", "--data-dir", restored])

        let store = try SQLStore(location: .sqlite(path: restored + "/kaohe.sqlite"))
        let units = Set(try await store.units(in: nil).map(\.id))
        let facts = Dictionary(
            uniqueKeysWithValues: try await store.facts(assessment: data.assessment.id, unit: data.unitA.id).map {
                ($0.itemID, $0.json)
            })
        let evidence = Set(try await store.evidence(assessment: data.assessment.id, unit: nil).map(\.id))
        let audit = try await store.verifyAudit()
        await store.shutdown()

        func isRestored(_ write: Acknowledged.Write) -> Bool {
            switch write {
            case .unit(let id): units.contains(id)
            case .facts(let item, let json): facts[item] == json
            case .evidence(let id, _): evidence.contains(id)
            }
        }
        let missing = before.filter { !isRestored($0) }
        #expect(missing.isEmpty, "acknowledged before the backup began but not restored: \(missing)")
        // One snapshot: what it holds of the writer's sequence is a prefix (no write without those before it).
        let all = acknowledged.all
        let restoredCount = all.prefix { isRestored($0) }.count
        #expect(all.dropFirst(restoredCount).allSatisfy { !isRestored($0) })
        #expect(restoredCount >= before.count)
        #expect(
            facts.count == bulk
                + all.prefix(restoredCount).filter { if case .facts = $0 { true } else { false } }.count)

        // Every evidence file the restored records name is there, byte for byte.
        let restoredEvidence = EvidenceStore(directory: restored + "/evidence")
        for write in all.prefix(restoredCount) {
            guard case .evidence(_, let sha) = write else { continue }
            let copy = try #require(FileManager.default.contents(atPath: try restoredEvidence.path(for: sha)))
            #expect(copy == FileManager.default.contents(atPath: try data.evidence.path(for: sha)))
        }
        #expect(
            restoredEvidence.blobs().count == 6
                + all.prefix(restoredCount).filter { if case .evidence = $0 { true } else { false } }.count)

        let manifest = try JSONDecoder().decode(
            BackupManifest.self, from: try #require(FileManager.default.contents(atPath: backup + "/manifest.json")))
        #expect(audit == .intact(entries: manifest.audit.entries) && manifest.audit.intact)
        #expect(manifest.counts.tables["units"] == units.count)
        #expect(manifest.counts.tables["facts"] == facts.count)
        #expect(manifest.migrations.map(\.id) == allMigrations.map(\.id))
        #expect(manifest.kaoheVersion == kaoheVersion && manifest.format == "kaohe-backup")
        #expect(manifest.files.count == 1 + manifest.counts.evidenceFiles)
        #expect(manifest.missingEvidence.isEmpty)
        for file in manifest.files {
            let actual = try BackupRunner.hash(backup + "/" + file.path, as: file.path)
            #expect(actual == file)
        }
    }

    @Test("A manifest hash that does not match, or a changed file, refuses the restore and writes nothing")
    func corruptedBackupIsRefused() async throws {
        let data = try await DataDirectory.make()
        let file = try await data.addEvidence(pdf(7, size: 10_000), name: "材料.pdf")
        await data.store.shutdown()
        let backup = temporaryPath("backup")
        try await kaohe(["backup", backup, "--data-dir", data.path])
        let manifestPath = backup + "/manifest.json"
        let original = try #require(FileManager.default.contents(atPath: manifestPath))

        // A good backup restores (the positive control), and --check passes.
        try await kaohe(["restore", "--check", backup])
        let control = temporaryPath("control")
        try await kaohe(["restore", backup, "--data-dir", control])
        #expect(FileManager.default.fileExists(atPath: control + "/kaohe.sqlite"))

        /// The manifest with the `sha256` of the file at `path` changed in its last hexadecimal digit.
        func tamper(_ path: String) throws {
            var object = try #require(try JSONSerialization.jsonObject(with: original) as? [String: Any])
            var files = try #require(object["files"] as? [[String: Any]])
            let index = try #require(files.firstIndex { $0["path"] as? String == path })
            let sha = try #require(files[index]["sha256"] as? String)
            files[index]["sha256"] = String(sha.dropLast()) + (sha.last == "0" ? "1" : "0")
            object["files"] = files
            try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: manifestPath))
        }
        let target = temporaryPath("target")
        let blob = "evidence/\(file.sha256.prefix(2))/\(file.sha256.dropFirst(2).prefix(2))/\(file.sha256)"
        for (path, expected) in [
            ("kaohe.sqlite", "kaohe.sqlite：SHA-256 为 "), (blob, "\(blob)：清单中的路径或摘要无效"),
        ] {
            try tamper(path)
            let error = await #expect(throws: BackupError.self) {
                _ = try await BackupRunner.restore(from: backup, into: try config(dataDirectory: target))
            }
            #expect(error?.message.contains("校验失败，未恢复任何文件") == true, "\(String(describing: error))")
            #expect(error?.message.contains(expected) == true, "\(String(describing: error))")
            #expect(!FileManager.default.fileExists(atPath: target), "nothing may be restored")
            await #expect(throws: ExitCode(1)) { try await kaohe(["restore", backup, "--data-dir", target]) }
            await #expect(throws: ExitCode(1)) { try await kaohe(["restore", "--check", backup]) }
            #expect(!FileManager.default.fileExists(atPath: target))
        }

        // The manifest as written, but one byte of a file changed.
        try original.write(to: URL(fileURLWithPath: manifestPath))
        for path in [blob, "kaohe.sqlite"] {
            let copy = backup + "/" + path
            let before = try #require(FileManager.default.contents(atPath: copy))
            var bytes = before
            bytes[bytes.count / 2] ^= 0x01
            try bytes.write(to: URL(fileURLWithPath: copy))
            let error = await #expect(throws: BackupError.self) {
                _ = try await BackupRunner.restore(from: backup, into: try config(dataDirectory: target))
            }
            #expect(error?.message.contains("\(path)：SHA-256 为 ") == true, "\(String(describing: error))")
            #expect(!FileManager.default.fileExists(atPath: target))
            try before.write(to: URL(fileURLWithPath: copy))
        }
        try await kaohe(["restore", "--check", backup])
    }

    @Test("Restore refuses a data directory or evidence directory that is not empty, and leaves it as it was")
    func restoreRefusesNonEmptyDirectory() async throws {
        let data = try await DataDirectory.make()
        await data.store.shutdown()
        let backup = temporaryPath("backup")
        try await kaohe(["backup", backup, "--data-dir", data.path])

        let target = temporaryPath("target")
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: URL(fileURLWithPath: target + "/notes.txt"))
        let error = await #expect(throws: BackupError.self) {
            _ = try await BackupRunner.restore(from: backup, into: try config(dataDirectory: target))
        }
        #expect(
            error?.message.contains("数据目录 \(target) 不是空的") == true && error?.message.contains("notes.txt") == true,
            "\(String(describing: error))")
        await #expect(throws: ExitCode(1)) { try await kaohe(["restore", backup, "--data-dir", target]) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: target) == ["notes.txt"])
        #expect(FileManager.default.contents(atPath: target + "/notes.txt") == Data("keep".utf8))

        // The live data directory itself is refused too (a restore never overwrites a database).
        await #expect(throws: ExitCode(1)) { try await kaohe(["restore", backup, "--data-dir", data.path]) }

        // An empty data directory but a separate evidence directory that holds something.
        let empty = temporaryPath("empty")
        let evidence = temporaryPath("evidence")
        try FileManager.default.createDirectory(atPath: evidence + "/ab", withIntermediateDirectories: true)
        await #expect(throws: ExitCode(1)) {
            try await kaohe(["restore", backup, "--data-dir", empty, "--evidence-dir", evidence])
        }
        #expect(!FileManager.default.fileExists(atPath: empty + "/kaohe.sqlite"))

        // An existing empty directory is fine.
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        try await kaohe(["restore", backup, "--data-dir", empty])
        #expect(FileManager.default.fileExists(atPath: empty + "/kaohe.sqlite"))
    }

    @Test("Backup refuses a directory that is not empty and a data directory without a database")
    func backupRefusals() async throws {
        let data = try await DataDirectory.make()
        await data.store.shutdown()
        let backup = temporaryPath("backup")
        try FileManager.default.createDirectory(atPath: backup, withIntermediateDirectories: true)
        try Data("old".utf8).write(to: URL(fileURLWithPath: backup + "/manifest.json"))
        let error = await #expect(throws: BackupError.self) {
            _ = try await BackupRunner.backup(try config(dataDirectory: data.path), to: backup)
        }
        #expect(error?.message.contains("备份目录 \(backup) 不是空的") == true, "\(String(describing: error))")
        #expect(FileManager.default.contents(atPath: backup + "/manifest.json") == Data("old".utf8))

        // A missing evidence file: the backup is written (and restorable) but names it and fails.
        let store = try SQLStore(location: .sqlite(path: data.databasePath))
        let lost = try await DataDirectory(
            path: data.path, store: store, org: data.org, unitA: data.unitA, assessment: data.assessment
        ).addEvidence(pdf(3, size: 1000), name: "丢失.pdf")
        await store.shutdown()
        #expect(unlink(try data.evidence.path(for: lost.sha256)) == 0)
        let partial = temporaryPath("partial")
        let missingError = await #expect(throws: BackupError.self) {
            _ = try await BackupRunner.backup(try config(dataDirectory: data.path), to: partial)
        }
        #expect(missingError?.message.contains("1个佐证材料文件") == true, "\(String(describing: missingError))")
        let manifest = try JSONDecoder().decode(
            BackupManifest.self, from: try #require(FileManager.default.contents(atPath: partial + "/manifest.json")))
        #expect(manifest.missingEvidence == [lost.sha256] && manifest.counts.evidenceFiles == 0)
        let summary = try await BackupRunner.restore(
            from: partial, into: try config(dataDirectory: temporaryPath("partial-restored")))
        #expect(summary.missingEvidence == [lost.sha256] && summary.audit == .intact(entries: manifest.audit.entries))

        // Not a Kaohe database: refused after the snapshot, and the unfinished backup is removed again.
        let other = temporaryPath("other") + "/other.sqlite"
        let foreign = try SQLStore(location: .sqlite(path: other))
        try await foreign.unsafeExecute("CREATE TABLE notes (text TEXT)")
        await foreign.shutdown()
        let unfinished = temporaryPath("unfinished")
        let foreignError = await #expect(throws: SnapshotError.self) {
            _ = try await BackupRunner.backup(
                try config(dataDirectory: data.path, database: "sqlite:" + other), to: unfinished)
        }
        #expect(foreignError?.message.contains("不是考核平台的数据库") == true, "\(String(describing: foreignError))")
        #expect(!FileManager.default.fileExists(atPath: unfinished))

        let nowhere = temporaryPath("nowhere")
        await #expect(throws: ExitCode(1)) { try await kaohe(["backup", temporaryPath("b"), "--data-dir", nowhere]) }
        #expect(!FileManager.default.fileExists(atPath: nowhere), "backup must not create a database")
    }

    @Test("On PostgreSQL, backup says exactly what to run (pg_dump, then the evidence directory) and writes nothing")
    func postgresInstructions() async throws {
        let backup = temporaryPath("pg-backup")
        let settings = try AppConfig.resolve(
            cli: .init(
                databaseURL: "postgres://kaohe:s3cret@db.example:5433/kaohe", evidenceDirectory: "/srv/kaohe evidence"),
            environment: [:])
        let error = await #expect(throws: BackupError.self) {
            _ = try await BackupRunner.backup(settings, to: backup)
        }
        let message = error?.message ?? ""
        #expect(
            message.contains(
                "pg_dump --format=custom --file \(backup)/kaohe.pgdump --dbname postgres://kaohe@db.example:5433/kaohe"),
            "\(message)")
        #expect(message.contains("cp -a '/srv/kaohe evidence/.' \(backup)/evidence/"), "\(message)")
        #expect(message.contains("pg_restore --no-owner") && !message.contains("s3cret"), "\(message)")
        #expect(!FileManager.default.fileExists(atPath: backup))
        await #expect(throws: ExitCode(1)) {
            try await kaohe(["backup", backup, "--database", "postgres://kaohe@db.example/kaohe"])
        }
        await #expect(throws: ExitCode(1)) {
            try await kaohe(["restore", backup, "--database", "postgres://kaohe@db.example/kaohe"])
        }
    }
}

/// Runs `command` with `/bin/sh -c`; returns its exit status and what it printed.
private func shell(_ command: String) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", command]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: output, as: UTF8.self))
}

@Suite("Backup on PostgreSQL: the printed commands work")
struct PostgresBackupTests {
    /// PostgreSQL when `KAOHE_TEST_POSTGRES_URL` is set (as the other PostgreSQL tests).
    static let servers = Fixture.backends.filter { $0 == "postgres" }

    @Test(
        "The commands kaohe backup prints for PostgreSQL, run as printed, back up and restore every record and the evidence",
        arguments: servers)
    func printedCommandsWork(_ backend: String) async throws {
        let url = try #require(ProcessInfo.processInfo.environment["KAOHE_TEST_POSTGRES_URL"])
        let suffix = UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        let (source, target) = ("kb_src_\(suffix)", "kb_dst_\(suffix)")
        func address(_ database: String) throws -> String {
            var components = try #require(URLComponents(string: url))
            components.path = "/" + database
            return try #require(components.string)
        }
        let admin = try SQLStore(location: try .parse(url))
        try await admin.unsafeExecute("CREATE DATABASE \(source)")
        try await admin.unsafeExecute("CREATE DATABASE \(target)")
        do {
            let evidence = EvidenceStore(directory: temporaryPath("pg-evidence"))
            let store = try SQLStore(location: try .parse(try address(source)))
            try await store.migrate()
            let org = Organization(name: "PostgreSQL 备份测试")
            try await store.createOrganization(org, by: .system)
            let units = (1...3).map {
                AssessedUnit(organizationID: org.id, code: "P\($0)", name: "单位\($0)", type: .county)
            }
            try await store.createUnits(units, by: .system)
            let assessment = Assessment(organizationID: org.id, schemeID: "xinbei-sanheyi", year: 2023, title: "备份")
            try await store.createAssessment(assessment, by: .system)
            try await store.enrol(units.map(\.id), in: assessment.id, by: .system)
            let staged = try evidence.stage()
            try staged.write(pdf(11, size: 3000))
            try staged.commit()
            let sha = try #require(staged.sha256)
            try await store.addEvidence(
                EvidenceFile(
                    assessmentID: assessment.id, unitID: units[0].id, itemID: "1", sha256: sha, fileName: "a.pdf",
                    contentType: "application/pdf", size: 3000, purpose: .selfAssessment, uploadedBy: nil,
                    uploadedAt: Date()), by: .system)
            let entries = try await store.verifyAudit()
            await store.shutdown()

            let directory = temporaryPath("pg-backup")
            let settings = try AppConfig.resolve(
                cli: .init(databaseURL: try address(source), evidenceDirectory: evidence.directory), environment: [:])
            let error = await #expect(throws: BackupError.self) {
                _ = try await BackupRunner.backup(settings, to: directory)
            }
            let lines = (error?.message ?? "").split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            let backup = lines.filter { $0.hasPrefix("mkdir ") || $0.hasPrefix("pg_dump ") || $0.hasPrefix("cp -a ") }
            #expect(backup.count == 3, "\(lines)")
            for command in backup {
                let run = try shell(command)
                #expect(run.status == 0, "\(command): \(run.output)")
            }
            let restore = try #require(lines.first { $0.hasPrefix("pg_restore ") })
            // Restored into the empty database named instead of the original one.
            let run = try shell(restore.replacingOccurrences(of: try address(source), with: try address(target)))
            #expect(run.status == 0, "\(restore): \(run.output)")
            let copied = EvidenceStore(directory: directory + "/evidence")
            #expect(FileManager.default.contents(atPath: try copied.path(for: sha)) == Data(pdf(11, size: 3000)))

            let restored = try SQLStore(location: try .parse(try address(target)))
            let audit = try await restored.verifyAudit()
            let restoredUnits = try await restored.units(in: nil)
            let hashes = try await restored.evidenceHashes()
            await restored.shutdown()
            #expect(audit == entries && audit != .intact(entries: 0))
            #expect(Set(restoredUnits.map(\.id)) == Set(units.map(\.id)))
            #expect(hashes == [sha])
        } catch {
            try? await admin.unsafeExecute("DROP DATABASE IF EXISTS \(source) WITH (FORCE)")
            try? await admin.unsafeExecute("DROP DATABASE IF EXISTS \(target) WITH (FORCE)")
            await admin.shutdown()
            throw error
        }
        try await admin.unsafeExecute("DROP DATABASE IF EXISTS \(source) WITH (FORCE)")
        try await admin.unsafeExecute("DROP DATABASE IF EXISTS \(target) WITH (FORCE)")
        await admin.shutdown()
    }
}

@Suite("Private files: data directory 0700, database files 0600")
struct PrivateFilesTests {
    @Test("A fresh bootstrap creates the data directory 0700 and kaohe.sqlite, -wal and -shm 0600; backups too")
    func freshBootstrap() async throws {
        // A permissive umask, as on most systems: without the fix the files would be 0644.
        let previous = umask(0o022)
        defer { umask(previous) }
        let parent = temporaryPath("perm")
        let dataDirectory = parent + "/data"
        let boot = try await bootstrap(try config(dataDirectory: dataDirectory), createFirstAdmin: false)
        let org = Organization(name: "权限测试")
        try await boot.store.createOrganization(org, by: .system)
        for path in [dataDirectory + "/kaohe.sqlite-wal", dataDirectory + "/kaohe.sqlite-shm"] {
            #expect(FileManager.default.fileExists(atPath: path), "\(path) exists while the store is open")
        }
        #expect(PrivateFiles.mode(of: dataDirectory) == 0o700)
        for name in ["kaohe.sqlite", "kaohe.sqlite-wal", "kaohe.sqlite-shm"] {
            #expect(PrivateFiles.mode(of: dataDirectory + "/" + name) == 0o600, "\(name)")
        }
        await boot.store.shutdown()
        #expect(PrivateFiles.mode(of: dataDirectory + "/kaohe.sqlite") == 0o600)

        let backup = parent + "/backup"
        let evidence = EvidenceStore(directory: dataDirectory + "/evidence")
        let staged = try evidence.stage()
        try staged.write(Array("hello".utf8))
        try staged.commit()
        let store = try SQLStore(location: .sqlite(path: dataDirectory + "/kaohe.sqlite"))
        let unit = AssessedUnit(organizationID: org.id, code: "P1", name: "权限单位", type: .county)
        try await store.createUnits([unit], by: .system)
        let assessment = Assessment(organizationID: org.id, schemeID: "xinbei-sanheyi", year: 2023, title: "权限")
        try await store.createAssessment(assessment, by: .system)
        try await store.enrol([unit.id], in: assessment.id, by: .system)
        try await store.addEvidence(
            EvidenceFile(
                assessmentID: assessment.id, unitID: unit.id, itemID: "1", sha256: try #require(staged.sha256),
                fileName: "a.txt", contentType: "text/plain", size: 5, purpose: .selfAssessment, uploadedBy: nil,
                uploadedAt: Date()), by: .system)
        await store.shutdown()
        try await kaohe(["backup", backup, "--data-dir", dataDirectory])
        let sha = try #require(staged.sha256)
        let blob = "evidence/\(sha.prefix(2))/\(sha.dropFirst(2).prefix(2))/\(sha)"
        #expect(PrivateFiles.mode(of: backup) == 0o700)
        for folder in [
            "evidence", "evidence/\(sha.prefix(2))", "evidence/\(sha.prefix(2))/\(sha.dropFirst(2).prefix(2))",
        ] {
            #expect(PrivateFiles.mode(of: backup + "/" + folder) == 0o700, "\(folder)")
        }
        for name in ["kaohe.sqlite", "manifest.json", blob] {
            #expect(PrivateFiles.mode(of: backup + "/" + name) == 0o600, "\(name)")
        }
        let restored = parent + "/restored"
        try await kaohe(["restore", backup, "--data-dir", restored])
        #expect(PrivateFiles.mode(of: restored) == 0o700)
        for name in ["kaohe.sqlite", blob] {
            #expect(PrivateFiles.mode(of: restored + "/" + name) == 0o600, "\(name)")
        }
    }

    @Test("A database created 0644 by an earlier version is tightened to 0600 when opened, its data directory to 0700")
    func existingFilesTightened() async throws {
        let previous = umask(0o022)
        defer { umask(previous) }
        let dataDirectory = temporaryPath("old")
        try FileManager.default.createDirectory(
            atPath: dataDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let path = dataDirectory + "/kaohe.sqlite"
        #expect(FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o644]))
        #expect(PrivateFiles.mode(of: path) == 0o644 && PrivateFiles.mode(of: dataDirectory) == 0o755)
        try await kaohe(["migrate", "--data-dir", dataDirectory])
        #expect(PrivateFiles.mode(of: path) == 0o600)
        #expect(PrivateFiles.mode(of: dataDirectory) == 0o700)
    }
}
