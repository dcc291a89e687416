import Foundation
import Hummingbird
import KaoheApplication
import KaoheEngine
import KaoheFormats
import KaoheStorage

/// The units' workflow as JSON under `/api/v1`: the self-assessment of a unit (read, save an item, submit),
/// the submissions of an assessment and its published versions. The same operations as the pages.
struct APIWorkflowController {
    let deps: AppDependencies

    struct SubmissionJSON: Encodable {
        let number: Int, submittedAt: Date, late: Bool, deadline: String?
        init(_ s: Submission) {
            (number, submittedAt, late, deadline) = (s.number, s.submittedAt, s.late, s.deadline?.description)
        }
    }
    struct ReviewJSON: Encodable { let kind: String, text: String, createdAt: Date }
    struct EvidenceJSON: Encodable {
        let id: String, fileName: String, contentType: String, size: Int, sha256: String, purpose: String
        let withdrawn: Bool
    }
    struct ItemJSON: Encodable {
        let itemID: String, max: String, selfScore: String?, note: String?, version: Int, review: String
        let reviews: [ReviewJSON], evidence: [EvidenceJSON], evaluatorScore: String?, publishedScore: String?
    }
    struct UnitJSON: Encodable {
        let assessmentID: String, unitID: String, status: String, deadline: String?, canSubmit: Bool
        let submissions: [SubmissionJSON], items: [ItemJSON]
    }
    struct RowJSON: Encodable {
        let unitID: String, code: String, name: String, status: String, filled: Int, total: Int
        let selfTotal: String, evaluatorTotal: String?, deadline: String?, overdue: Bool
        let lastSubmission: SubmissionJSON?
    }
    struct VersionJSON: Encodable { let version: Int, state: String, note: String, createdAt: Date }

    static func json(_ model: UnitWorkflow) -> UnitJSON {
        UnitJSON(
            assessmentID: model.assessment.id.rawValue, unitID: model.unit.id.rawValue, status: model.status.label,
            deadline: model.deadline?.description, canSubmit: model.canSubmit,
            submissions: model.submissions.map(SubmissionJSON.init),
            items: model.items.map { item in
                let review: String
                switch item.review {
                case .pending: review = "pending"
                case .accepted: review = "accepted"
                case .returned: review = "returned"
                case .answered: review = "answered"
                }
                return ItemJSON(
                    itemID: item.item.id, max: item.item.max.description, selfScore: item.entry?.selfScore,
                    note: item.entry?.note, version: item.entry?.version ?? 0, review: review,
                    reviews: item.reviews.map {
                        ReviewJSON(kind: $0.kind.rawValue, text: $0.text, createdAt: $0.createdAt)
                    },
                    evidence: item.evidence.map {
                        EvidenceJSON(
                            id: $0.id.rawValue, fileName: $0.fileName, contentType: $0.contentType, size: $0.size,
                            sha256: $0.sha256, purpose: $0.purpose.rawValue, withdrawn: $0.withdrawnAt != nil)
                    },
                    evaluatorScore: item.evaluatorScore?.description, publishedScore: item.publishedScore?.description)
            })
    }

    /// The body of a PUT: `selfScore`, `note`, `answer` and `claimedFacts` (a facts object in the facts
    /// format, decoded by the operation with the item's scheme), with the version from `If-Match`.
    static func input(_ text: String, version: Int) throws -> SelfAssessmentInput {
        let root: JSONNode
        do { root = try JSONParser.parse(text) } catch {
            throw AppError.invalid("请求体不是有效的 JSON：\(error.description)")
        }
        guard case .object = root.value else { throw AppError.invalid("请求体应为 JSON 对象") }
        func field(_ key: String) throws -> String? {
            switch root[key]?.value {
            case nil, .null?: return nil
            case .string(let value)?: return value
            case .number(let value)? where key == "selfScore": return value
            default: throw AppError.invalid("第\(root[key]!.line)行：字段“\(key)”应为字符串")
            }
        }
        var claimed = FactsInput.none
        if let node = root["claimedFacts"], node.value != .null {
            guard case .object = node.value else {
                throw AppError.invalid("第\(node.line)行：字段“claimedFacts”应为事实对象")
            }
            claimed = .document(FactsAssembly.text(node))
        }
        return SelfAssessmentInput(
            version: version, selfScore: try field("selfScore") ?? "", note: try field("note") ?? "",
            claimedFacts: claimed, answer: try field("answer"))
    }

    func register(on router: Router<AppContext>) {
        let operations = Operations(deps)
        router.get(SiteURL.api(.selfAssessment(.key, .key)).routerPath) { _, context -> Response in
            let user = try context.require(.viewAssessments)
            let model = try await operations.unitWorkflow(
                try context.parameters.require("id"), unit: try context.parameters.require("unit"), for: user)
            return try JSONResponse.make(Self.json(model))
        }
        router.put(SiteURL.api(.selfAssessmentItem(.key, .key, .key)).routerPath) { request, context -> Response in
            let user = try context.require(.selfAssess)
            let id = try context.parameters.require("id"), unit = try context.parameters.require("unit")
            let itemID = try context.parameters.require("item")
            guard let ifMatch = request.headers[.ifMatch],
                let version = Int(ifMatch.trimmingCharacters(in: CharacterSet(charactersIn: "\" W/"))), version >= 0
            else {
                throw HTTPError(.preconditionRequired, message: "缺少或无效的 If-Match 头：首次保存填 0，之后填读取到的 version")
            }
            let body = try await context.collectBody(request)
            _ = try await operations.saveSelfAssessmentItem(
                id, unit: unit, item: itemID, try Self.input(String(buffer: body), version: version), by: user)
            return try JSONResponse.make(Self.json(try await operations.unitWorkflow(id, unit: unit, for: user)))
        }
        router.post(SiteURL.api(.selfAssessmentSubmit(.key, .key)).routerPath) { _, context -> Response in
            let user = try context.require(.selfAssess)
            let submission = try await operations.submitSelfAssessment(
                try context.parameters.require("id"), unit: try context.parameters.require("unit"), by: user)
            return try JSONResponse.make(SubmissionJSON(submission), status: .created)
        }
        router.get(SiteURL.api(.submissions(.key)).routerPath) { _, context -> Response in
            let user = try context.require(.viewAssessments)
            let dashboard = try await operations.submissionsDashboard(try context.parameters.require("id"), for: user)
            return try JSONResponse.make(
                dashboard.rows.map {
                    RowJSON(
                        unitID: $0.unit.id.rawValue, code: $0.unit.code, name: $0.unit.name, status: $0.status.label,
                        filled: $0.filled, total: $0.total, selfTotal: $0.selfTotal.description,
                        evaluatorTotal: $0.evaluatorTotal?.description, deadline: $0.deadline?.description,
                        overdue: $0.overdue, lastSubmission: $0.lastSubmission.map(SubmissionJSON.init))
                })
        }
        router.get(SiteURL.api(.publications(.key)).routerPath) { _, context -> Response in
            let user = try context.require(.viewAssessments)
            let page = try await operations.publicationsPage(try context.parameters.require("id"), for: user)
            return try JSONResponse.make(
                page.versions.map {
                    VersionJSON(version: $0.version, state: $0.state.rawValue, note: $0.note, createdAt: $0.createdAt)
                })
        }
        router.get(SiteURL.api(.publication(.key, .key)).routerPath) { _, context -> Response in
            let user = try context.require(.viewAssessments)
            guard let version = Int(try context.parameters.require("version")) else {
                throw AppError.invalid("版本号应为整数")
            }
            let results = try await operations.publishedResults(
                try context.parameters.require("id"), version: version, for: user)
            var headers = HTTPFields()
            headers[.contentType] = "application/json; charset=utf-8"
            headers[.cacheControl] = "no-store"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: results)))
        }
    }
}
