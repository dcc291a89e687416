import Foundation
import Hummingbird
import KaoheApplication
import KaoheStorage

/// `/api/v1/assessments/:id/units/:unit/facts…` and `…/findings`: facts per item as JSON with optimistic
/// versions, findings one by one.
struct APIFactsController {
    let deps: AppDependencies

    /// What the API shows of a facts record: the metadata, and the facts exactly as stored (no number is
    /// re-encoded through binary floating point).
    struct FactsMeta: Encodable {
        let assessmentID: String, unitID: String, itemID: String, version: Int, updatedBy: String?, updatedAt: Date
    }

    static func json(_ record: FactsRecord) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        let meta = FactsMeta(
            assessmentID: record.assessmentID.rawValue, unitID: record.unitID.rawValue, itemID: record.itemID,
            version: record.version,
            updatedBy: record.updatedBy?.rawValue, updatedAt: record.updatedAt)
        let text = String(decoding: try encoder.encode(meta), as: UTF8.self)
        return String(text.dropLast()) + ",\"facts\":" + record.json + "}"
    }

    static func response(_ text: String, status: HTTPResponse.Status = .ok, version: Int? = nil) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-store"
        if let version { headers[.eTag] = "\"\(version)\"" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    struct FindingRequest: Decodable {
        let itemID: String, fact: String?, date: String, note: String, evidenceRef: String?
    }

    func register(on router: Router<AppContext>) {
        router.get(SiteURL.api(.unitFacts(.key, .key)).routerPath) { _, context -> Response in
            let user = try context.require(.viewAssessments)
            let records = try await Operations(deps).facts(
                try context.parameters.require("id"), unit: try context.parameters.require("unit"), for: user)
            return Self.response("[" + (try records.map(Self.json)).joined(separator: ",") + "]")
        }
        router.get(SiteURL.api(.itemFacts(.key, .key, .key)).routerPath) { _, context -> Response in
            let user = try context.require(.viewAssessments)
            let record = try await Operations(deps).facts(
                try context.parameters.require("id"), unit: try context.parameters.require("unit"),
                item: try context.parameters.require("item"),
                for: user)
            return Self.response(try Self.json(record), version: record.version)
        }
        router.put(SiteURL.api(.itemFacts(.key, .key, .key)).routerPath) { request, context -> Response in
            let user = try context.require(.recordFacts)
            guard let ifMatch = request.headers[.ifMatch] else {
                throw HTTPError(.preconditionRequired, message: "缺少 If-Match 头：首次保存填 0，之后填读取到的版本号（ETag）")
            }
            guard let version = Int(ifMatch.trimmingCharacters(in: CharacterSet(charactersIn: "\" W/"))), version >= 0
            else {
                throw AppError.invalid("If-Match 头“\(ifMatch)”应为版本号，如 \"0\" 或 \"3\"")
            }
            let buffer = try await context.collectBody(request)
            let record = try await Operations(deps).saveFacts(
                try context.parameters.require("id"), unit: try context.parameters.require("unit"),
                item: try context.parameters.require("item"),
                json: String(buffer: buffer), version: version,
                reason: request.uri.queryParameters["reason"].map(String.init), by: user)
            return Self.response(try Self.json(record), version: record.version)
        }
        router.get(SiteURL.api(.findings(.key, .key)).routerPath) { request, context -> Response in
            let user = try context.require(.viewAssessments)
            return try JSONResponse.make(
                try await Operations(deps).findings(
                    try context.parameters.require("id"), unit: try context.parameters.require("unit"),
                    item: request.uri.queryParameters["item"].map(String.init), for: user))
        }
        router.post(SiteURL.api(.findings(.key, .key)).routerPath) { request, context -> Response in
            let user = try context.require(.recordFacts)
            let body = try await JSONResponse.decode(FindingRequest.self, from: request, context: context)
            let finding: Finding
            if let fact = body.fact, !fact.isEmpty {
                // Counted into the fact: checked against the scheme, and the item's facts are updated.
                finding = try await Operations(deps).addScoredFinding(
                    try context.parameters.require("id"), unit: try context.parameters.require("unit"),
                    group: body.itemID, fact: fact, date: body.date, note: body.note, evidence: body.evidenceRef,
                    by: user)
            } else {
                finding = try await Operations(deps).addFinding(
                    try context.parameters.require("id"), unit: try context.parameters.require("unit"),
                    item: body.itemID, date: body.date, note: body.note, evidenceRef: body.evidenceRef, by: user)
            }
            return try JSONResponse.make(finding, status: .created)
        }
    }

}
