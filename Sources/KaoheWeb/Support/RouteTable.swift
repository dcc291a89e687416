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

    /// The methods routes of `path` answer (empty when no route has that path). Like the router's trie, a
    /// literal segment wins over a parameter: `POST …/self/submit` hides `PUT …/self/{item}` for that path.
    func methods(for path: String) -> [HTTPRequest.Method] {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        var best: [Bool] = []
        var methods: [HTTPRequest.Method] = []
        for route in routes where route.segments.count == parts.count {
            var literals: [Bool] = []
            literals.reserveCapacity(parts.count)
            var matches = true
            for (pattern, part) in zip(route.segments, parts) {
                if pattern.hasPrefix(":") || pattern.hasPrefix("{") {
                    literals.append(false)
                } else if pattern == part {
                    literals.append(true)
                } else {
                    matches = false
                    break
                }
            }
            guard matches else { continue }
            if methods.isEmpty || literals.lexicographicallyPrecedes(best, by: { $0 && !$1 }) {
                best = literals
                methods = [route.method]
            } else if literals == best, !methods.contains(route.method) {
                methods.append(route.method)
            }
        }
        return methods
    }
}
