import Foundation
import Hummingbird
import KaoheApplication

/// HTTPS for a site served through an https reverse proxy.
///
/// - With `secureCookies` (`--secure-cookies`: the site is reached over https only) every response carries
///   `Strict-Transport-Security`, so browsers never use plain http for the site again.
/// - `X-Forwarded-Proto` is read only with `trustProxy` (`--trust-proxy`: a proxy in front sets it, and
///   clients cannot reach the server around the proxy); otherwise anyone could send it. Then a request the
///   proxy received over https gets HSTS and `Secure` cookies even without `secureCookies`, and with
///   `secureCookies` a request it received over plain http is redirected (308) to the same address on https.
///   When the header has several values (a proxy appending to what the client sent), the last one — the
///   value of the proxy next to the server — counts.
struct TransportSecurityMiddleware: RouterMiddleware {
    typealias Context = AppContext

    /// The HSTS policy: one year, subdomains included.
    static let hsts = "max-age=31536000; includeSubDomains"
    static let forwardedProto = HTTPFields.Element.Name("X-Forwarded-Proto")!
    static let host = HTTPFields.Element.Name("Host")!

    let secureCookies: Bool
    let trustProxy: Bool

    init(deps: AppDependencies) {
        self.secureCookies = deps.secureCookies
        self.trustProxy = deps.trustProxy
    }

    /// The scheme the client used according to the proxy (`https`, `http`), or nil when it is not known or not trusted.
    func forwardedScheme(_ request: Request) -> String? {
        guard trustProxy,
            let last = request.headers[values: Self.forwardedProto].last?.split(separator: ",").last
        else { return nil }
        let scheme = String(last).trimmingCharacters(in: .whitespaces).lowercased()
        return scheme.isEmpty ? nil : scheme
    }

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response)
        async throws -> Response
    {
        let scheme = forwardedScheme(request)
        if secureCookies, scheme == "http" { return Self.redirectToHTTPS(request) }
        var response = try await next(request, context)
        guard secureCookies || scheme == "https" else { return response }
        response.headers[.strictTransportSecurity] = Self.hsts
        if !secureCookies {
            // The cookies were made for any scheme; this request came over https: mark them Secure.
            let cookies = response.headers[values: .setCookie]
            if !cookies.isEmpty {
                response.headers[values: .setCookie] = cookies.map {
                    $0.range(of: "; secure", options: .caseInsensitive) == nil ? $0 + "; Secure" : $0
                }
            }
        }
        return response
    }

    /// 308 to the same host and path on https (the method and body are kept); 400 for a host that is not a
    /// plain host name or address. (The server moves an HTTP/1 `Host` header into the request's authority.)
    static func redirectToHTTPS(_ request: Request) -> Response {
        let host = request.headers[Self.host] ?? request.head.authority ?? ""
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: ".-:[]"))
        guard !host.isEmpty, host.unicodeScalars.allSatisfy({ $0.isASCII && allowed.contains($0) }) else {
            return Response(
                status: .badRequest, headers: [.contentType: "text/plain; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: "请通过 https 访问")))
        }
        return Response(
            status: .permanentRedirect,
            headers: [
                .location: "https://\(host)\(request.uri.description)", .contentType: "text/plain; charset=utf-8",
            ],
            body: .init(byteBuffer: ByteBuffer(string: "请通过 https 访问")))
    }
}
