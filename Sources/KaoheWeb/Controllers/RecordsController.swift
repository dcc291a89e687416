import Foundation
import Hummingbird
import KaoheApplication
import KaoheRecords
import KaoheStorage

/// Platform records of an organization: the records page, uploads run as background import jobs, the job
/// page and its JSON status, the header mapping form; and the batch API.
struct RecordsController {
    let deps: AppDependencies
    let jobs: RecordImportJobs

    /// The job status the page's script polls.
    struct Status: Encodable {
        let state: String
        let phase: String?
        let percent: Int
        let rowsDone: Int
        let rowsTotal: Int
        let rowsPerSecond: Double
        let secondsLeft: Double?
        let summary: String
    }

    func register(on router: Router<AppContext>) {
        router.get(SiteURL.organizationRecords(.key).routerPath) { request, context -> HTML in
            let user = try context.require(.manageRecords)
            let overview = try await Operations(deps).recordsOverview(
                organizationID: try context.parameters.require("id"),
                list: try request.listQuery(Operations.recordImportListSpec), by: user)
            return RecordViews.page(overview, identity: context.identity!, csrf: context.csrfToken)
        }
        router.post(SiteURL.organizationRecords(.key).routerPath) { request, context -> Response in
            let user = try context.require(.manageRecords)
            let id = OrganizationID(try context.parameters.require("id"))
            guard try await deps.store.organization(id) != nil else { throw AppError.notFound("组织 \(id)") }
            let directory = try RecordImportJobs.makeDirectory()
            let upload: (files: [RecordImportFile], type: String?)
            do {
                upload = try await RecordUploads.receive(request, into: directory)
                guard !upload.files.isEmpty else { throw AppError.invalid("请选择要导入的文件") }
            } catch {
                try? FileManager.default.removeItem(at: directory)
                throw error
            }
            let job = jobs.add(
                organization: id, user: user, files: upload.files, type: upload.type, directory: directory)
            jobs.start(job.id, deps: deps, user: user)
            return .redirect(to: .recordImportJob(.value(id), .value(job.id)))
        }
        router.get(SiteURL.recordImportJob(.key, .key).routerPath) { _, context -> HTML in
            let (job, organization) = try await find(context)
            return RecordViews.job(
                job, organization: organization, identity: context.identity!, csrf: context.csrfToken)
        }
        router.get(SiteURL.recordImportStatus(.key, .key).routerPath) { _, context -> Response in
            let (job, _) = try await find(context)
            return try JSONResponse.make(Self.status(job.state))
        }
        router.post(SiteURL.recordImportMapping(.key, .key).routerPath) { request, context -> Response in
            let (job, organization) = try await find(context)
            guard case .needsMapping(let files) = job.state else {
                return .redirect(to: .recordImportJob(.value(organization.id), .value(job.id)))
            }
            var mappings: [String: [String: String]] = [:]
            var missing: [String] = []
            for (fileIndex, file) in files.enumerated() {
                for (headerIndex, header) in file.headers.enumerated() {
                    let field = context.form.raw("field_\(fileIndex)_\(headerIndex)") ?? "?"
                    if field == "?" {
                        missing.append("\(file.file)：“\(header)”")
                        continue
                    }
                    mappings[file.type, default: [:]][header] = field
                }
            }
            guard missing.isEmpty else {
                return try RecordViews.job(
                    job, organization: organization, identity: context.identity!, csrf: context.csrfToken,
                    error: "请为每个表头选择对应的字段或“忽略此列”：\(missing.joined(separator: "、"))"
                ).with(status: .badRequest).response(from: request, context: context)
            }
            jobs.start(job.id, mappings: mappings, deps: deps, user: try context.require(.manageRecords))
            return .redirect(to: .recordImportJob(.value(organization.id), .value(job.id)))
        }
        router.post(SiteURL.api(.organizationRecords(.key)).routerPath) { request, context -> Response in
            let user = try context.require(.manageRecords)
            let id = try context.parameters.require("id")
            let body = try await context.collectBody(request)
            do {
                let report = try await Operations(deps).importRecords(
                    organizationID: id, json: Array(buffer: body), by: .user(user))
                return try JSONResponse.make(APIImportResult(report))
            } catch let failure as RecordImportFailure {
                return try JSONResponse.make(APIImportRefusal(failure), status: .badRequest)
            }
        }
    }

    /// The job of the path, for a user who may import the organization's records.
    func find(_ context: AppContext) async throws -> (RecordImportJobs.Job, Organization) {
        _ = try context.require(.manageRecords)
        let id = OrganizationID(try context.parameters.require("id"))
        guard let organization = try await deps.store.organization(id) else { throw AppError.notFound("组织 \(id)") }
        guard let job = jobs.job(try context.parameters.require("job"), organization: id) else {
            throw AppError.notFound("导入任务（服务器重启后任务记录不再保留，请到平台记录页查看导入历史）")
        }
        return (job, organization)
    }

    static func status(_ state: RecordImportJobs.State) -> Status {
        switch state {
        case .running(let progress):
            return Status(
                state: state.key, phase: progress?.phase.rawValue, percent: progress?.percent ?? 0,
                rowsDone: progress?.rowsDone ?? 0, rowsTotal: progress?.rowsTotal ?? 0,
                rowsPerSecond: progress?.rowsPerSecond ?? 0, secondsLeft: progress?.secondsLeft,
                summary: progress?.summary ?? "排队中，即将开始校验")
        case .done(let report):
            let total = report.counts
            return Status(
                state: state.key, phase: "done", percent: 100, rowsDone: total.total, rowsTotal: total.total,
                rowsPerSecond: report.seconds > 0 ? Double(total.total) / report.seconds : 0, secondsLeft: 0,
                summary: "导入完成：新增 \(total.new) 条，更新 \(total.changed) 条，未变 \(total.unchanged) 条")
        case .refused(let errors, _):
            return Status(
                state: state.key, phase: nil, percent: 0, rowsDone: 0, rowsTotal: 0, rowsPerSecond: 0,
                secondsLeft: nil, summary: "导入被拒绝：发现 \(errors.count) 处错误，未写入任何记录")
        case .needsMapping:
            return Status(
                state: state.key, phase: nil, percent: 0, rowsDone: 0, rowsTotal: 0, rowsPerSecond: 0,
                secondsLeft: nil, summary: "有表头需要指定对应字段")
        case .failed(let message):
            return Status(
                state: state.key, phase: nil, percent: 0, rowsDone: 0, rowsTotal: 0, rowsPerSecond: 0,
                secondsLeft: nil, summary: message)
        }
    }
}

/// The API's answer to an accepted batch.
struct APIImportResult: Encodable {
    struct Counts: Encodable {
        let new: Int, changed: Int, unchanged: Int
        init(_ counts: RecordWriteCounts) {
            new = counts.new
            changed = counts.changed
            unchanged = counts.unchanged
        }
    }
    let importID: String
    let sha256: String
    let records: Int
    let types: [String]
    let counts: Counts

    init(_ report: RecordImportReport) {
        let file = report.files.first
        importID = file?.importID ?? ""
        sha256 = file?.sha256 ?? ""
        records = file?.rows ?? 0
        types = file?.types ?? []
        counts = Counts(report.counts)
    }
}

/// The API's answer to a refused batch (400, as a refused facts import): nothing was written; each bad record
/// with its position and field.
struct APIImportRefusal: Encodable {
    struct Inner: Encodable {
        let status: Int
        let message: String
        let details: [LineError]
        let records: [Bad]
    }
    struct Bad: Encodable {
        let row: Int?
        let column: String?
        let message: String
    }
    let error: Inner

    init(_ failure: RecordImportFailure) {
        var bad: [Bad] = []
        if case .refused(let errors, _) = failure {
            bad = errors.map { Bad(row: $0.row, column: $0.column, message: $0.message) }
        }
        let lines: [LineError] =
            if case .lineErrors(let lines) = failure.appError { lines } else { [] }
        error = Inner(status: 400, message: failure.message, details: lines, records: bad)
    }
}
