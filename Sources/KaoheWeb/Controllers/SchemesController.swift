import Foundation
import Hummingbird
import KaoheApplication
import KaoheFormats
import KaoheStorage

/// Schemes: the list (built-in and uploaded), upload of a scheme file with its errors by line, and any
/// scheme shown as the document's score table.
struct SchemesController {
    let deps: AppDependencies

    func register(on router: Router<AppContext>) {
        router.get(SiteURL.schemes.routerPath) { _, context -> HTML in
            let user = try context.require(.useSite)
            return Views.schemeList(
                try await SchemeCatalog(deps).summaries(), canUpload: user.can(.manageAssessments),
                identity: context.identity!, csrf: context.csrfToken)
        }
        router.post(SiteURL.schemes.routerPath) { request, context -> Response in
            let user = try context.require(.manageAssessments)
            let fileName = context.form["file_name"] ?? ""
            let yaml = context.form.raw("yaml") ?? ""
            do {
                let scheme = try await SchemeCatalog(deps).upload(fileName: fileName, yaml: yaml, by: user)
                return .redirect(to: SiteURL.scheme(.value(scheme.id)).path(query: [("uploaded", "1")]), type: .normal)
            } catch {
                guard let webError = ErrorAndHeadersMiddleware.appError(for: error), webError.status != .forbidden
                else { throw error }
                var problems: [LineError] = []
                var message: String? = nil
                if case .lineErrors(let lines) = webError { problems = lines } else { message = webError.message }
                return try Views.schemeList(
                    try await SchemeCatalog(deps).summaries(), canUpload: true, fileName: fileName, yaml: yaml,
                    problems: problems, error: message, identity: context.identity!, csrf: context.csrfToken
                ).with(status: webError.status).response(from: request, context: context)
            }
        }
        router.get(SiteURL.scheme(.key).routerPath) { request, context -> HTML in
            try context.require(.useSite)
            let id = context.parameters.get("id") ?? ""
            let (scheme, summary) = try await SchemeCatalog(deps).scheme(id)
            return Views.schemeTable(
                scheme, summary: summary,
                notice: request.uri.queryParameters["uploaded"] != nil ? "方案已上传并通过检查，可用于新建考核" : nil,
                identity: context.identity!, csrf: context.csrfToken)
        }
    }
}

/// `/api/v1/schemes` (POST: upload a scheme file as the raw body) and `/api/v1/schemes/:id` (the scheme as JSON).
struct APISchemeUploadController {
    let deps: AppDependencies

    func register(on router: Router<AppContext>) {
        router.post(SiteURL.api(.schemes).routerPath) { request, context -> Response in
            let user = try context.require(.manageAssessments)
            let body = try await context.collectBody(request, limit: 1 << 20)
            let fileName = request.uri.queryParameters["file"].map(String.init) ?? ""
            let scheme = try await SchemeCatalog(deps).upload(fileName: fileName, yaml: String(buffer: body), by: user)
            return try JSONResponse.make(
                SchemeSummary(id: scheme.id, title: scheme.title, source: "上传：\(scheme.fileName)"), status: .created)
        }
        router.get(SiteURL.api(.scheme(.key)).routerPath) { _, context -> Response in
            try context.require(.useSite)
            let (scheme, _) = try await SchemeCatalog(deps).scheme(context.parameters.get("id") ?? "")
            var headers = HTTPFields()
            headers[.contentType] = "application/json; charset=utf-8"
            return Response(
                status: .ok, headers: headers,
                body: .init(byteBuffer: ByteBuffer(bytes: SchemeDescription.json(scheme))))
        }
    }
}
