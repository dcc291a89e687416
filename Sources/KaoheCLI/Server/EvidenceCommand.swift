import ArgumentParser
import Foundation
import KaoheApplication

/// `kaohe evidence`: maintenance of the evidence store.
public struct EvidenceCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "evidence", abstract: "佐证材料存储维护", subcommands: [EvidenceCheckCommand.self])

    public init() {}
}

/// `kaohe evidence check`: files the records name but the store lacks (exit 1), and files no record names
/// (removed with `--prune` once old enough).
public struct EvidenceCheckCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "check", abstract: "核对佐证材料目录与数据库记录：文件缺失时以非零状态退出；--prune 删除无记录引用的旧文件")

    @OptionGroup var options: ServerOptions

    @Option(name: .customLong("evidence-dir"), help: "佐证材料存放目录（默认：KAOHE_EVIDENCE_DIR 或 数据目录/evidence）")
    var evidenceDirectory: String?

    @Flag(name: .long, help: "删除无记录引用、且超过 --older-than-hours 小时未修改的文件（较新的可能正在上传）")
    var prune = false

    @Option(name: .customLong("older-than-hours"), help: "--prune 只删除超过这么多小时未修改的文件（默认 24）")
    var olderThanHours: Double = 24

    public init() {}

    public func validate() throws {
        guard olderThanHours >= 0, olderThanHours.isFinite else {
            throw ValidationError("--older-than-hours 应为不小于 0 的小时数")
        }
    }

    public func run() async throws {
        let config = try options.config(evidenceDirectory: evidenceDirectory)
        try await reportingErrors {
            let boot = try await bootstrap(config, createFirstAdmin: false)
            let referenced: Set<String>
            do { referenced = try await boot.store.evidenceHashes() } catch {
                await boot.store.shutdown()
                throw error
            }
            await boot.store.shutdown()
            let result = try config.evidenceStore.check(
                referenced: referenced, removeOlderThan: prune ? olderThanHours * 3600 : nil)
            print("佐证材料目录：\(config.evidencePath)，共\(result.stored)个文件；数据库记录引用\(referenced.count)个")
            if result.unreferenced.isEmpty {
                print("没有无记录引用的文件")
            } else {
                let bytes = result.unreferenced.reduce(0) { $0 + $1.bytes }
                print("无记录引用的文件：\(result.unreferenced.count)个，共\(bytes)字节")
                let removed = Set(result.removed)
                for (digest, size) in result.unreferenced {
                    print("  \(digest)  \(size)字节\(removed.contains(digest) ? "  已删除" : "")")
                }
                if prune {
                    print("已删除\(removed.count)个（超过\(olderThanHours.formatted())小时未修改）")
                } else {
                    print("加 --prune 删除其中超过\(olderThanHours.formatted())小时未修改的文件")
                }
            }
            guard result.missing.isEmpty else {
                for digest in result.missing { print("  缺失：\(digest)") }
                throw AppError.conflict("有\(result.missing.count)个佐证材料文件在目录中缺失（数据库记录仍引用），请从备份恢复")
            }
        }
    }
}
