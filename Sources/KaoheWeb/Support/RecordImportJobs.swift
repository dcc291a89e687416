import Foundation
import Hummingbird
import KaoheApplication
import KaoheRecords
import KaoheStorage

/// The record imports started from the records page, run in the background and followed by the job page.
///
/// Jobs live in this app's memory (a locked dictionary): fine for one server instance. Behind a load balancer
/// with several instances the job page must reach the instance that runs the job (sticky sessions); what lasts
/// is in the database anyway (the records, the import log and its audit entries). Finished jobs are forgotten
/// after ``keep`` seconds, and their uploaded files are removed as soon as they are no longer needed.
final class RecordImportJobs: @unchecked Sendable {
    /// What a job is doing or has come to.
    enum State: Sendable {
        case running(RecordImportProgress?)
        case needsMapping([UnmappedHeaders])
        case refused([RecordError], stopped: Bool)
        case done(RecordImportReport)
        case failed(String)

        var key: String {
            switch self {
            case .running: "running"
            case .needsMapping: "needsMapping"
            case .refused: "refused"
            case .done: "done"
            case .failed: "failed"
            }
        }
    }

    /// One import.
    struct Job: Sendable {
        var id: String
        var organizationID: OrganizationID
        var userID: UserID
        var files: [RecordImportFile]
        var type: String?
        var mappings: [String: [String: String]] = [:]
        /// The folder holding the uploaded files.
        var directory: URL
        var state: State
        var startedAt: Date
    }

    /// Seconds a job is kept after it started.
    let keep: TimeInterval = 6 * 3600
    private let lock = NSLock()
    private var jobs: [String: Job] = [:]

    /// The folder uploads are staged in.
    static let root = FileManager.default.temporaryDirectory.appendingPathComponent("kaohe-record-imports")

    /// A new folder for one upload.
    static func makeDirectory() throws -> URL {
        let url = root.appendingPathComponent(Secrets.hexToken(bytes: 16))
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Registers a job for staged files (and forgets expired jobs, removing their files).
    func add(organization: OrganizationID, user: User, files: [RecordImportFile], type: String?, directory: URL)
        -> Job
    {
        let job = Job(
            id: directory.lastPathComponent, organizationID: organization, userID: user.id, files: files, type: type,
            directory: directory, state: .running(nil), startedAt: Date())
        let expired: [Job] = lock.withLock {
            let now = Date()
            let old = jobs.values.filter { now.timeIntervalSince($0.startedAt) > keep }
            for job in old { jobs[job.id] = nil }
            jobs[job.id] = job
            return old
        }
        for job in expired { try? FileManager.default.removeItem(at: job.directory) }
        return job
    }

    /// The job, if it exists and belongs to the organization.
    func job(_ id: String, organization: OrganizationID) -> Job? {
        lock.withLock { jobs[id].flatMap { $0.organizationID == organization ? $0 : nil } }
    }

    private func set(_ id: String, _ update: (inout Job) -> Void) {
        lock.withLock {
            guard var job = jobs[id] else { return }
            update(&job)
            jobs[id] = job
        }
    }

    /// Runs (or runs again, with more mappings) the job's import in a background task.
    func start(_ id: String, mappings: [String: [String: String]] = [:], deps: AppDependencies, user: User) {
        var snapshot: Job?
        set(id) { job in
            for (type, mapping) in mappings { job.mappings[type, default: [:]].merge(mapping) { _, new in new } }
            job.state = .running(nil)
            snapshot = job
        }
        guard let job = snapshot else { return }
        let input = RecordImportInput(
            organizationID: job.organizationID.rawValue, files: job.files, type: job.type, mappings: job.mappings)
        Task {
            let state: State
            do {
                let report = try await Operations(deps).importRecords(input, by: .user(user)) { [weak self] progress in
                    self?.set(id) { job in
                        if case .running = job.state { job.state = .running(progress) }
                    }
                }
                state = .done(report)
            } catch let failure as RecordImportFailure {
                switch failure {
                case .refused(let errors, let stopped): state = .refused(errors, stopped: stopped)
                case .unmappedHeaders(let headers): state = .needsMapping(headers)
                }
            } catch let error as AppError {
                state = .failed(error.message)
            } catch let error as StorageError {
                state = .failed(AppError(error).message)
            } catch {
                state = .failed("导入时出现内部错误，请联系管理员")
            }
            set(id) { $0.state = state }
            // The files are kept only while a mapping may still run the import again.
            if case .needsMapping = state {} else { try? FileManager.default.removeItem(at: job.directory) }
        }
    }
}

/// Reads the records page's multipart upload: the `type` field and each file part, streamed to a staged file.
enum RecordUploads {
    /// The largest file accepted (a million case rows are about 80 MB of CSV).
    static let maxFileBytes = 1 << 30
    /// The most files in one upload.
    static let maxFiles = 20

    static func receive(_ request: Request, into directory: URL) async throws -> (
        files: [RecordImportFile], type: String?
    ) {
        let contentType = request.headers[.contentType] ?? ""
        guard let boundary = MultipartReader<RequestBody>.boundary(contentType: contentType) else {
            throw AppError.invalid("请以 multipart/form-data 表单选择文件上传")
        }
        var reader = MultipartReader(body: request.body, boundary: boundary)
        var files: [RecordImportFile] = []
        var type: String?
        do {
            while let part = try await reader.nextPart() {
                guard let rawName = part.fileName else {
                    let text = try await reader.text(name: part.name)
                    if part.name == "type" { type = text }
                    continue
                }
                let name = EvidenceNames.clean(rawName)
                let ext = (name as NSString).pathExtension.lowercased().filter { $0.isLetter || $0.isNumber }
                let path = directory.appendingPathComponent("\(files.count + 1).\(ext.isEmpty ? "dat" : ext)").path
                guard FileManager.default.createFile(atPath: path, contents: nil),
                    let handle = FileHandle(forWritingAtPath: path)
                else { throw AppError.unavailable("无法保存上传的文件（临时目录不可写）") }
                var size = 0
                do {
                    while let chunk = try await reader.nextChunk() {
                        size += chunk.count
                        guard size <= maxFileBytes else {
                            throw AppError.tooLarge("文件“\(name)”超过 \(maxFileBytes >> 20) MB 的上限，未导入。请拆分后再上传。")
                        }
                        try handle.write(contentsOf: chunk)
                    }
                    try handle.close()
                } catch {
                    try? handle.close()
                    throw error
                }
                if size == 0 && rawName.isEmpty {
                    try? FileManager.default.removeItem(atPath: path)
                    continue
                }
                guard files.count < maxFiles else { throw AppError.invalid("一次最多导入 \(maxFiles) 个文件") }
                files.append(RecordImportFile(path: path, name: name))
            }
        } catch let error as MultipartError {
            throw AppError.invalid(error.description)
        }
        return (files, type)
    }
}
