import Hummingbird
import KaoheApplication

/// The stylesheet, the script and the health check (no login needed).
struct AssetsController {
    func register(on router: Router<AppContext>) {
        router.get(SiteURL.stylesheet.routerPath) { _, _ in asset(Assets.css, type: "text/css; charset=utf-8") }
        router.get(SiteURL.script.routerPath) { _, _ in asset(Assets.js, type: "text/javascript; charset=utf-8") }
        router.get(SiteURL.health.routerPath) { _, _ in asset("ok\n", type: "text/plain; charset=utf-8") }
    }

    func asset(_ text: String, type: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.cacheControl] = "public, max-age=3600"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
