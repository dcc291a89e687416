import Crypto
import Foundation
import KaoheApplication
import KaoheStorage
import KaoheStorageSQL

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The version of Kaohe, written into backup manifests and printed by `kaohe --version`.
public let kaoheVersion = "0.9.0"

/// A backup or restore that cannot be done, with the reason in Chinese.
public struct BackupError: Error, Sendable, CustomStringConvertible {
    /// The message.
    public let message: String
    public var description: String { message }
}

/// `manifest.json` of a backup directory: what was backed up, from where and when, and the SHA-256 and size
/// of every file, so that a restore can prove the copy is intact before it writes anything.
public struct BackupManifest: Codable, Sendable, Equatable {
    /// The file name in the backup directory.
    public static let fileName = "manifest.json"
    /// `format` of every Kaohe backup.
    public static let formatName = "kaohe-backup"
    /// The newest `formatVersion` this version writes and reads.
    public static let currentFormatVersion = 1
    /// The database file's path in the backup directory.
    public static let databaseFile = "kaohe.sqlite"
    /// The evidence store's folder in the backup directory (laid out as the store itself: `ab/cd/<sha256>`).
    public static let evidenceFolder = "evidence"

    /// Where the data came from.
    public struct Source: Codable, Sendable, Equatable {
        /// The database (`sqlite:PATH`).
        public var database: String
        /// The evidence directory.
        public var evidenceDirectory: String
    }

    /// Rows and files.
    public struct Counts: Codable, Sendable, Equatable {
        /// Rows per table of the database.
        public var tables: [String: Int]
        /// Evidence files in the backup.
        public var evidenceFiles: Int
        /// Their bytes.
        public var evidenceBytes: Int
    }

    /// The audit chain of the backed-up database.
    public struct Audit: Codable, Sendable, Equatable {
        /// Entries in the chain.
        public var entries: Int
        /// The hash of the last entry.
        public var headHash: String
        /// Whether the chain verified when the backup was made.
        public var intact: Bool
        /// Why not, if it did not.
        public var problem: String?
    }

    /// One file of the backup.
    public struct File: Codable, Sendable, Equatable {
        /// Its path inside the backup directory, `/`-separated.
        public var path: String
        /// Lowercase hex SHA-256 of its content.
        public var sha256: String
        /// Its size in bytes.
        public var size: Int
    }

    /// Always ``formatName``.
    public var format: String
    /// ``currentFormatVersion`` when written.
    public var formatVersion: Int
    /// The Kaohe version that wrote it.
    public var kaoheVersion: String
    /// When the snapshot was taken (ISO 8601, UTC).
    public var createdAt: String
    /// The kind of database: `sqlite`.
    public var database: String
    /// Where it came from.
    public var source: Source
    /// The migrations the database had applied.
    public var migrations: [AppliedMigration]
    /// Counts of rows and files.
    public var counts: Counts
    /// The audit chain.
    public var audit: Audit
    /// Every file with its hash: the database and the evidence files.
    public var files: [File]
    /// Evidence files records name that the evidence directory lacked (or held damaged) when backed up.
    public var missingEvidence: [String]

    /// The manifest as written: sorted keys, indented.
    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self) + Data("\n".utf8)
    }
}

/// What a restore did.
public struct RestoreSummary: Sendable {
    /// The manifest of the backup restored.
    public var manifest: BackupManifest
    /// The database restored.
    public var databasePath: String
    /// The evidence directory restored.
    public var evidenceDirectory: String
    /// The audit chain of the restored database, checked after the restore.
    public var audit: AuditVerification
    /// Evidence files records of the restored database name but the restored directory lacks.
    public var missingEvidence: [String]
}

/// `kaohe backup` and `kaohe restore`: a consistent SQLite snapshot, the evidence files it names and a
/// manifest of hashes; restored only into an empty data directory, and only once every hash matched.
enum BackupRunner {
    // MARK: - Backup

    /// Backs up the SQLite database and evidence directory of `config` into `directory` (missing or empty;
    /// created 0700, files 0600) while a server may be using them. The database is copied first, as one
    /// snapshot; then the evidence files its records name (a file is always stored before the record that
    /// names it, so every one of them exists). Returns the manifest written; throws after writing it when
    /// evidence files were missing or damaged.
    static func backup(_ config: AppConfig, to directory: String, now: Date = Date()) async throws -> BackupManifest {
        let databasePath = try sqlitePath(config, postgres: { try postgresBackupInstructions(config, directory, $0) })
        guard FileManager.default.fileExists(atPath: databasePath) else {
            throw BackupError(message: "数据库文件 \(databasePath) 不存在，没有可备份的数据（用 --data-dir 或 --database 指定）")
        }
        try requireEmptyOrMissing(directory, what: "备份目录", hint: "请指定一个新的或空的目录")
        let existed = FileManager.default.fileExists(atPath: directory)
        try PrivateFiles.makeDirectory(directory, tightenExisting: true)
        let manifest: BackupManifest
        do {
            manifest = try await writeBackup(config, databasePath: databasePath, to: directory, now: now)
        } catch {
            // The directory was empty or missing: all it holds is this unfinished backup.
            for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
                try? FileManager.default.removeItem(atPath: directory + "/" + name)
            }
            if !existed { rmdir(directory) }
            throw error
        }
        guard manifest.missingEvidence.isEmpty else {
            throw BackupError(
                message:
                    "备份已写入 \(directory)，但有\(manifest.missingEvidence.count)个佐证材料文件在 \(manifest.source.evidenceDirectory) 中缺失或已损坏（见 manifest.json 的 missingEvidence）："
                    + manifest.missingEvidence.prefix(5).joined(separator: "、"))
        }
        return manifest
    }

    /// Writes the snapshot, the evidence files and the manifest (last) into the empty `directory`.
    private static func writeBackup(_ config: AppConfig, databasePath: String, to directory: String, now: Date)
        async throws -> BackupManifest
    {
        let snapshotPath = directory + "/" + BackupManifest.databaseFile
        let store = try SQLStore(location: .sqlite(path: databasePath))
        do {
            try await store.writeSQLiteSnapshot(to: snapshotPath)
        } catch {
            await store.shutdown()
            throw error
        }
        await store.shutdown()
        let snapshot = try await SQLStore.readSQLiteSnapshot(at: snapshotPath)
        var files = [try hash(snapshotPath, as: BackupManifest.databaseFile)]

        let source = config.evidenceStore
        let target = EvidenceStore(directory: directory + "/" + BackupManifest.evidenceFolder)
        var missing: [String] = []
        var evidenceBytes = 0
        for digest in snapshot.evidenceHashes {
            let from = try source.path(for: digest), to = try target.path(for: digest)
            guard FileManager.default.fileExists(atPath: from) else {
                missing.append(digest)
                continue
            }
            try PrivateFiles.makeDirectory((to as NSString).deletingLastPathComponent)
            let copied = try copy(from, to: to)
            guard copied.sha256 == digest else {
                // The store holds other bytes under this name: damaged. Not part of the backup.
                unlink(to)
                missing.append(digest)
                continue
            }
            evidenceBytes += copied.size
            files.append(.init(path: relative(to, in: directory), sha256: digest, size: copied.size))
        }
        try syncDirectory(directory)

        let problem: String? =
            switch snapshot.audit {
            case .intact: nil
            case .broken(let seq, let reason): "第\(seq)条：\(reason)"
            }
        let manifest = BackupManifest(
            format: BackupManifest.formatName, formatVersion: BackupManifest.currentFormatVersion,
            kaoheVersion: kaoheVersion, createdAt: timestamp(now), database: "sqlite",
            source: .init(database: "sqlite:\(databasePath)", evidenceDirectory: source.directory),
            migrations: snapshot.migrations,
            counts: .init(
                tables: snapshot.rowCounts, evidenceFiles: files.count - 1, evidenceBytes: evidenceBytes),
            audit: .init(
                entries: snapshot.auditSeq, headHash: snapshot.auditHash, intact: problem == nil, problem: problem),
            files: files, missingEvidence: missing)
        try writePrivately(try manifest.encoded(), to: directory + "/" + BackupManifest.fileName)
        try syncDirectory(directory)
        return manifest
    }

    /// What to run instead on PostgreSQL: `kaohe backup` does not dump PostgreSQL itself (pg_dump of the
    /// server's own version does that best), so it says exactly what to do.
    static func postgresBackupInstructions(_ config: AppConfig, _ directory: String, _ url: String) throws -> Never {
        let evidence = config.evidencePath
        throw BackupError(
            message: """
                kaohe backup 只直接备份 SQLite 数据库；PostgreSQL 请依次运行（先数据库，后佐证材料：材料文件总是先于引用它的记录写入，\
                这样数据库中引用的每个文件都在备份中）：
                  mkdir -m 700 -p \(shellQuoted(directory)) \(shellQuoted(directory + "/evidence"))
                  pg_dump --format=custom --file \(shellQuoted(directory + "/kaohe.pgdump")) --dbname \(shellQuoted(passwordless(url)))
                  cp -a \(shellQuoted(evidence + "/.")) \(shellQuoted(directory + "/evidence/"))
                密码用 PGPASSWORD 环境变量或 ~/.pgpass 提供。恢复：在一个空数据库上运行
                  pg_restore --no-owner --dbname \(shellQuoted(passwordless(url))) \(shellQuoted(directory + "/kaohe.pgdump"))
                再把 \(shellQuoted(directory + "/evidence")) 复制为新的佐证材料目录（--evidence-dir），然后运行 kaohe audit verify --database …
                """)
    }

    // MARK: - Restore

    /// Checks the backup in `directory` against its manifest: format, migrations this version knows, and the
    /// size and SHA-256 of every file. Returns the manifest; throws naming every problem.
    static func verify(_ directory: String) throws -> BackupManifest {
        let manifestPath = directory + "/" + BackupManifest.fileName
        guard let data = FileManager.default.contents(atPath: manifestPath) else {
            throw BackupError(message: "\(directory) 中没有 \(BackupManifest.fileName)，不是完整的考核平台备份")
        }
        let manifest: BackupManifest
        do { manifest = try JSONDecoder().decode(BackupManifest.self, from: data) } catch {
            throw BackupError(message: "\(manifestPath) 无法读取：\(error)")
        }
        guard manifest.format == BackupManifest.formatName else {
            throw BackupError(message: "\(manifestPath) 不是考核平台的备份清单（format 为“\(manifest.format)”）")
        }
        guard manifest.formatVersion <= BackupManifest.currentFormatVersion, manifest.database == "sqlite" else {
            throw BackupError(
                message: "备份格式 \(manifest.formatVersion)（\(manifest.database)）需要更新版本的 kaohe（当前 \(kaoheVersion)）")
        }
        let known = Dictionary(uniqueKeysWithValues: allMigrations.map { ($0.id, $0.fullName) })
        if let unknown = manifest.migrations.first(where: { known[$0.id] != $0.name }) {
            throw BackupError(
                message:
                    "备份的数据库有本版本 kaohe（\(kaoheVersion)）不认识的迁移 \(unknown.name)，请用备份时的版本（\(manifest.kaoheVersion)）或更新版本恢复")
        }
        var problems: [String] = []
        var seen = Set<String>()
        for file in manifest.files {
            guard seen.insert(file.path).inserted else {
                problems.append("\(file.path)：清单中重复")
                continue
            }
            guard isValidEntry(file) else {
                problems.append("\(file.path)：清单中的路径或摘要无效")
                continue
            }
            let path = directory + "/" + file.path
            guard let actual = try? hash(path, as: file.path) else {
                problems.append("\(file.path)：文件缺失或无法读取")
                continue
            }
            if actual.size != file.size {
                problems.append("\(file.path)：大小为\(actual.size)字节，清单记录为\(file.size)字节")
            } else if actual.sha256 != file.sha256 {
                problems.append("\(file.path)：SHA-256 为 \(actual.sha256)，与清单记录 \(file.sha256) 不符")
            }
        }
        if !seen.contains(BackupManifest.databaseFile) { problems.append("清单中没有数据库文件 \(BackupManifest.databaseFile)") }
        guard problems.isEmpty else {
            throw BackupError(
                message: "备份 \(directory) 校验失败，未恢复任何文件：\n"
                    + problems.prefix(20).map { "  " + $0 }.joined(separator: "\n")
                    + (problems.count > 20 ? "\n  ……共\(problems.count)处" : ""))
        }
        return manifest
    }

    /// Restores the backup in `directory` into the data directory (and evidence directory) of `config`, which
    /// must be empty or missing. Every hash is verified before anything is written; files are hashed again
    /// as they are copied, and a failure removes everything restored so far.
    static func restore(from directory: String, into config: AppConfig) async throws -> RestoreSummary {
        let databasePath = try sqlitePath(
            config,
            postgres: { _ in
                throw BackupError(
                    message:
                        "kaohe restore 只恢复 SQLite 备份；PostgreSQL 的备份用 pg_restore --no-owner --dbname 'postgres://…' 备份目录/kaohe.pgdump 恢复到空数据库，再复制佐证材料目录（见 kaohe backup 的说明）"
                )
            })
        let evidenceDirectory = config.evidencePath
        if config.databaseURL == nil {
            try requireEmptyOrMissing(config.dataDirectory, what: "数据目录", hint: "请指定一个新的或空的目录（--data-dir）")
        }
        for path in [databasePath] + PrivateFiles.sqliteCompanions(of: databasePath)
        where FileManager.default.fileExists(atPath: path) {
            throw BackupError(message: "数据库文件 \(path) 已存在，恢复不会覆盖它；请指定一个新的或空的数据目录")
        }
        try requireEmptyOrMissing(evidenceDirectory, what: "佐证材料目录", hint: "请指定一个新的或空的目录（--evidence-dir）")

        let manifest = try verify(directory)

        var created = CreatedPaths()
        do {
            if config.databaseURL == nil {
                try created.directory(config.dataDirectory, tightenExisting: true)
            }
            try created.directory((databasePath as NSString).deletingLastPathComponent)
            try created.directory(evidenceDirectory, tightenExisting: true)
            let evidence = EvidenceStore(directory: evidenceDirectory)
            for file in manifest.files where file.path != BackupManifest.databaseFile {
                let target = try evidence.path(for: file.sha256)
                let folder = (target as NSString).deletingLastPathComponent
                try created.directory((folder as NSString).deletingLastPathComponent)
                try created.directory(folder)
                try created.file(target)
                try copyChecked(directory + "/" + file.path, to: target, expected: file)
            }
            // The database last, under a temporary name: a restore that stopped halfway leaves no database.
            let partial = databasePath + ".restoring"
            try created.file(partial)
            try copyChecked(
                directory + "/" + BackupManifest.databaseFile, to: partial,
                expected: manifest.files.first { $0.path == BackupManifest.databaseFile }!)
            guard rename(partial, databasePath) == 0 else {
                throw BackupError(message: "无法把数据库移到 \(databasePath)：\(String(cString: strerror(errno)))")
            }
            created.renamed(partial, to: databasePath)
            try syncDirectory((databasePath as NSString).deletingLastPathComponent)
        } catch {
            created.removeAll()
            throw error
        }

        let store = try SQLStore(location: .sqlite(path: databasePath))
        let audit: AuditVerification
        let referenced: Set<String>
        do {
            audit = try await store.verifyAudit()
            referenced = try await store.evidenceHashes()
        } catch {
            await store.shutdown()
            throw error
        }
        await store.shutdown()
        let restored = Set(manifest.files.map(\.sha256))
        return RestoreSummary(
            manifest: manifest, databasePath: databasePath, evidenceDirectory: evidenceDirectory, audit: audit,
            missingEvidence: referenced.subtracting(restored).sorted())
    }

    // MARK: - Files

    /// The SQLite file of `config`; `postgres` is called (and must throw) for a PostgreSQL address.
    private static func sqlitePath(_ config: AppConfig, postgres: (String) throws -> Never) throws -> String {
        guard let url = config.databaseURL else { return config.sqlitePath }
        switch try DatabaseLocation.parse(url) {
        case .sqlite(let path): return path
        case .postgres(let url): try postgres(url)
        }
    }

    /// Refuses a directory that holds anything; a missing one is fine.
    static func requireEmptyOrMissing(_ path: String, what: String, hint: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return }
        guard isDirectory.boolValue else { throw BackupError(message: "\(what) \(path) 是一个文件，不是目录；\(hint)") }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        guard entries.isEmpty else {
            let shown = entries.sorted().prefix(5).joined(separator: "、")
            throw BackupError(
                message:
                    "\(what) \(path) 不是空的（有\(entries.count)项：\(shown)\(entries.count > 5 ? "……" : "")），不会写入其中；\(hint)")
        }
    }

    /// A manifest entry names the database or an evidence file at its content address.
    private static func isValidEntry(_ file: BackupManifest.File) -> Bool {
        guard EvidenceStore.isDigest(file.sha256), file.size >= 0 else { return false }
        if file.path == BackupManifest.databaseFile { return true }
        let sha = file.sha256
        return file.path == "\(BackupManifest.evidenceFolder)/\(sha.prefix(2))/\(sha.dropFirst(2).prefix(2))/\(sha)"
    }

    private static func relative(_ path: String, in directory: String) -> String {
        String(path.dropFirst(directory.count + 1))
    }

    /// The SHA-256 and size of the file at `path`.
    static func hash(_ path: String, as name: String) throws -> BackupManifest.File {
        let (sha, size) = try stream(from: path, to: nil)
        return .init(path: name, sha256: sha, size: size)
    }

    /// Copies `source` to the new file `target` (0600), hashing the bytes on the way, and syncs it.
    static func copy(_ source: String, to target: String) throws -> (sha256: String, size: Int) {
        try stream(from: source, to: target)
    }

    /// Copies and checks the copy against the manifest's hash and size.
    private static func copyChecked(_ source: String, to target: String, expected: BackupManifest.File) throws {
        let copied = try stream(from: source, to: target, replacing: true)
        guard copied.sha256 == expected.sha256, copied.size == expected.size else {
            throw BackupError(message: "\(expected.path) 在校验后被改动（SHA-256 \(copied.sha256)），已撤销恢复")
        }
    }

    /// Reads `source` in blocks into the hash and, when given, into `target` (created 0600 and synced).
    private static func stream(from source: String, to target: String?, replacing: Bool = false) throws -> (
        sha256: String, size: Int
    ) {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw ioError("无法读取", source) }
        defer { close(input) }
        var output: Int32 = -1
        if let target {
            output = open(
                target, O_WRONLY | O_CREAT | O_CLOEXEC | (replacing ? O_TRUNC : O_EXCL), PrivateFiles.fileMode)
            guard output >= 0 else { throw ioError("无法创建", target) }
        }
        defer { if output >= 0 { close(output) } }
        var hasher = SHA256()
        var size = 0
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ioError("读取失败", source)
            }
            if count == 0 { break }
            size += count
            try buffer.withUnsafeBytes { raw in
                let chunk = UnsafeRawBufferPointer(rebasing: raw[0..<count])
                hasher.update(bufferPointer: chunk)
                guard output >= 0 else { return }
                var offset = 0
                while offset < count {
                    let written = write(output, chunk.baseAddress! + offset, count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        throw ioError("写入失败", target ?? "")
                    }
                    offset += written
                }
            }
        }
        if output >= 0, fsync(output) != 0 { throw ioError("同步失败", target ?? "") }
        if let target { try PrivateFiles.tighten(target) }
        let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        return (digest, size)
    }

    /// Writes `data` to `path` (0600) through a temporary file renamed into place.
    private static func writePrivately(_ data: Data, to path: String) throws {
        let partial = path + ".partial"
        let fd = open(partial, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, PrivateFiles.fileMode)
        guard fd >= 0 else { throw ioError("无法创建", partial) }
        let ok = data.withUnsafeBytes { raw in write(fd, raw.baseAddress, raw.count) == raw.count } && fsync(fd) == 0
        close(fd)
        guard ok, rename(partial, path) == 0 else {
            unlink(partial)
            throw ioError("无法写入", path)
        }
    }

    private static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw ioError("无法打开目录", path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw ioError("无法同步目录", path) }
    }

    private static func ioError(_ what: String, _ path: String) -> BackupError {
        BackupError(message: "\(what) \(path)：\(String(cString: strerror(errno)))")
    }

    private static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    /// `url` without its password (given through PGPASSWORD or ~/.pgpass instead, never on a command line).
    static func passwordless(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = nil
        return components.string ?? url
    }

    /// `text` quoted for a POSIX shell.
    static func shellQuoted(_ text: String) -> String {
        guard text.contains(where: { !($0.isLetter || $0.isNumber || "/._-:@=+,".contains($0)) }) else { return text }
        return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// The files and folders a restore created, removed again (newest first) when the restore fails.
private struct CreatedPaths {
    private var paths: [(path: String, isDirectory: Bool)] = []

    /// Creates the folder `path` (0700) if missing and remembers it; `tightenExisting` sets an existing one to 0700.
    mutating func directory(_ path: String, tightenExisting: Bool = false) throws {
        let existed = FileManager.default.fileExists(atPath: path)
        try PrivateFiles.makeDirectory(path, tightenExisting: tightenExisting)
        if !existed { paths.append((path, true)) }
    }

    /// Remembers a file about to be created.
    mutating func file(_ path: String) throws {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw BackupError(message: "\(path) 已存在，恢复不会覆盖它")
        }
        paths.append((path, false))
    }

    mutating func renamed(_ old: String, to new: String) {
        if let index = paths.firstIndex(where: { $0.path == old }) { paths[index].path = new }
    }

    /// Removes everything remembered, newest first (folders only when empty).
    func removeAll() {
        for entry in paths.reversed() {
            if entry.isDirectory { rmdir(entry.path) } else { unlink(entry.path) }
        }
    }
}
