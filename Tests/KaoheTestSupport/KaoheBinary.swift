import Foundation

/// The built `kaohe` executable, next to the test bundle (override with KAOHE_BIN), run as a user would.
public enum KaoheBinary {
    /// Where the executable is.
    public static let path: String = {
        if let path = ProcessInfo.processInfo.environment["KAOHE_BIN"] { return path }
        let exe =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var directory = URL(fileURLWithPath: exe).deletingLastPathComponent()
        if directory.lastPathComponent == "MacOS" || directory.pathExtension == "xctest" {
            directory = directory.deletingLastPathComponent()
        }
        return directory.appendingPathComponent("kaohe").path
    }()

    /// What a run printed and how it ended.
    public struct Output: Sendable {
        /// The exit status.
        public var status: Int32
        /// Standard output, byte for byte.
        public var stdoutBytes: [UInt8]
        /// Standard error.
        public var stderr: String
        /// Standard output as text.
        public var stdout: String { String(decoding: stdoutBytes, as: UTF8.self) }
    }

    /// Runs `kaohe arguments` with `stdin` (or nothing) on standard input and returns what it printed.
    public static func run(_ arguments: [String], stdin: String? = nil) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let (out, err, input) = (Pipe(), Pipe(), Pipe())
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        // Standard error is read on another thread so that neither pipe can fill up and stall the process.
        let errorData = ErrorCollector()
        let reader = Thread { errorData.set(err.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(
            status: process.terminationStatus, stdoutBytes: Array(outData),
            stderr: String(decoding: errorData.wait(), as: UTF8.self))
    }

    private final class ErrorCollector: @unchecked Sendable {
        private let done = DispatchSemaphore(value: 0)
        private var data = Data()
        func set(_ data: Data) {
            self.data = data
            done.signal()
        }
        func wait() -> Data {
            done.wait()
            return data
        }
    }
}
