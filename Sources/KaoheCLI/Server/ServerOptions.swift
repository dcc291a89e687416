import ArgumentParser
import Foundation
import KaoheApplication
import KaoheStorage
import KaoheStorageSQL

/// Options shared by the server commands; layered over the environment and the defaults by `AppConfig.resolve`.
struct ServerOptions: ParsableArguments {
    @Option(name: .long, help: "数据库：postgres://用户:密码@主机:端口/库名（默认：KAOHE_DATABASE_URL，或数据目录中的 SQLite 文件）")
    var database: String?

    @Option(name: .customLong("data-dir"), help: "数据目录，存放 SQLite 文件（默认：KAOHE_DATA_DIR 或 ./kaohe-data）")
    var dataDirectory: String?

    /// The resolved configuration (host and port only from `serve`'s own options).
    func config(
        host: String? = nil, port: Int? = nil, secureCookies: Bool? = nil, evidenceDirectory: String? = nil,
        maxUploadMB: Int? = nil, trustProxy: Bool? = nil, smtpURL: String? = nil, mailFrom: String? = nil,
        outboxInterval: Double? = nil, siteURL: String? = nil
    ) throws -> AppConfig {
        do {
            return try AppConfig.resolve(
                cli: .init(
                    host: host, port: port, databaseURL: database, dataDirectory: dataDirectory,
                    secureCookies: secureCookies, evidenceDirectory: evidenceDirectory, maxUploadMB: maxUploadMB,
                    trustProxy: trustProxy, smtpURL: smtpURL, mailFrom: mailFrom, outboxInterval: outboxInterval,
                    siteURL: siteURL),
                environment: ProcessInfo.processInfo.environment)
        } catch let error as AppError {
            throw ValidationError(error.message)
        }
    }
}

/// Writes a line to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Turns storage and configuration errors into a message on standard error and exit code 1.
func reportingErrors<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as ValidationError {
        throw error
    } catch let error as ExitCode {
        throw error
    } catch let error as AppError {
        printError("kaohe: \(error.message)")
    } catch let error as StorageError {
        printError("kaohe: \(error.description)")
    } catch let error as SQLStoreError {
        printError("kaohe: \(error.description)")
    } catch {
        printError("kaohe: \(String(describing: error))")
    }
    throw ExitCode(1)
}
