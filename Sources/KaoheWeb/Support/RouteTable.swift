import Hummingbird
import KaoheApplication

/// The methods each route path answers, read from the router once every controller is mounted: a request
/// to a known path with another method gets 405 with `Allow` instead of 404.
final class RouteTable: @unchecked Sendable {
    private var routes: [(segments: [Substring], method: HTTPRequest.Method)] = []

    /// Records the router's routes (called once, before the app serves).
    func load(_ router: Router<AppContext>) {
        routes = router.routes.map {
            ($0.path.description.split(separator: "/", omittingEmptySubsequences: false), $0.method)
        }
    }

    /// The methods routes of `path` answer (empty when no route has that path).
    func methods(for path: String) -> [HTTPRequest.Method] {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        var methods: [HTTPRequest.Method] = []
        for route in routes where route.segments.count == parts.count && !methods.contains(route.method) {
            let matches = zip(route.segments, parts).allSatisfy { pattern, part in
                pattern.hasPrefix(":") || pattern.hasPrefix("{") || pattern == part
            }
            if matches { methods.append(route.method) }
        }
        return methods
    }
}
