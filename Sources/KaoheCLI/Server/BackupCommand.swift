import ArgumentParser
import Foundation
import KaoheApplication
import KaoheStorage

/// `kaohe backup DIR`: a consistent copy of the SQLite database and the evidence files, with a manifest of
/// hashes, taken while the server runs. On PostgreSQL it prints the pg_dump commands to run instead.
public struct BackupCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "backup", abstract: "备份数据库和佐证材料到一个新的空目录（服务运行时也可以；含各文件 SHA-256 的 manifest.json）",
        discussion: """
            SQLite：数据库快照（VACUUM INTO，一个读事务，不阻塞服务）、快照中的记录引用的全部佐证材料文件，\
            以及 manifest.json（版本、迁移、时间、行数、每个文件的 SHA-256）。目录权限 0700，文件 0600。
            PostgreSQL：不直接备份，输出应运行的 pg_dump 和复制佐证材料目录的命令。
            用 kaohe restore 目录 恢复到一个空的数据目录。
            """)

    @OptionGroup var options: ServerOptions

    @Option(name: .customLong("evidence-dir"), help: "佐证材料存放目录（默认：KAOHE_EVIDENCE_DIR 或 数据目录/evidence）")
    var evidenceDirectory: String?

    @Argument(help: "备份目录（不存在或为空）")
    var directory: String

    public init() {}

    public func run() async throws {
        let config = try options.config(evidenceDirectory: evidenceDirectory)
        try await reportingErrors {
            let manifest = try await BackupRunner.backup(config, to: directory)
            print("已备份到 \(directory)（\(manifest.createdAt)）")
            print("  数据库：\(manifest.source.database)，审计日志\(manifest.audit.entries)条，迁移\(manifest.migrations.count)个")
            print(
                "  佐证材料：\(manifest.counts.evidenceFiles)个文件，共\(manifest.counts.evidenceBytes)字节（\(manifest.source.evidenceDirectory)）"
            )
            if let problem = manifest.audit.problem { print("  注意：备份时审计日志校验失败（\(problem)）") }
            print("恢复：kaohe restore \(BackupRunner.shellQuoted(directory)) --data-dir 新的空目录")
        }
    }
}

/// `kaohe restore DIR`: verifies every hash of the backup's manifest, then restores it into an empty data
/// directory; nothing is written when a file is missing or differs.
public struct RestoreCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "restore", abstract: "从 kaohe backup 的备份恢复到一个空的数据目录（先校验全部 SHA-256，有误则不恢复）")

    @OptionGroup var options: ServerOptions

    @Option(name: .customLong("evidence-dir"), help: "佐证材料恢复到的目录（默认：KAOHE_EVIDENCE_DIR 或 数据目录/evidence）")
    var evidenceDirectory: String?

    @Flag(name: .long, help: "只校验备份，不恢复")
    var check = false

    @Argument(help: "备份目录")
    var directory: String

    public init() {}

    public func run() async throws {
        let config = try options.config(evidenceDirectory: evidenceDirectory)
        try await reportingErrors {
            if check {
                let manifest = try BackupRunner.verify(directory)
                print("备份 \(directory) 完好：\(manifest.files.count)个文件的 SHA-256 与清单一致（\(manifest.createdAt)）")
                return
            }
            let summary = try await BackupRunner.restore(from: directory, into: config)
            print("已从 \(directory)（\(summary.manifest.createdAt)）恢复：")
            print("  数据库：\(summary.databasePath)")
            print("  佐证材料：\(summary.manifest.counts.evidenceFiles)个文件 → \(summary.evidenceDirectory)")
            if !summary.missingEvidence.isEmpty {
                print("  注意：有\(summary.missingEvidence.count)个记录引用的佐证材料文件不在备份中（kaohe evidence check 列出）")
            }
            switch summary.audit {
            case .intact(let count): print("审计日志完整：共\(count)条记录，哈希链校验通过")
            case .broken(let seq, let reason):
                throw BackupError(message: "已恢复，但审计日志第\(seq)条校验失败：\(reason)")
            }
        }
    }
}
