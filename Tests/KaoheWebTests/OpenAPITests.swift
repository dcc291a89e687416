import Foundation
import Hummingbird
import HummingbirdTesting
import KaoheStorage
import Testing

@testable import KaoheApplication
@testable import KaoheWeb

@Suite("docs/openapi.yaml matches the code")
struct OpenAPITests {
    /// (METHOD, path) pairs under `paths:` in the document, by indentation.
    static func documented() throws -> Set<String> {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("docs/openapi.yaml")
        let text = try String(contentsOf: file, encoding: .utf8)
        var result = Set<String>()
        var inPaths = false
        var current: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" { inPaths = true; continue }
            guard inPaths else { continue }
            if let match = line.wholeMatch(of: /\ {2}(\/[^:]+):/) { current = String(match.1); continue }
            if let match = line.wholeMatch(of: /\ {4}(get|post|put|patch|delete):/), let current {
                result.insert("\(match.1.uppercased()) \(current)")
            }
        }
        return result
    }

    /// The router's own API routes as `METHOD /api/v1/…/{param}` (so a new route without documentation fails).
    static func routed(_ fixture: Fixture) -> Set<String> {
        Set(
            buildRouter(fixture.deps).routes.map { route in
                let path = route.path.description.split(separator: "/", omittingEmptySubsequences: false).map {
                    $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0)
                }.joined(separator: "/")
                return "\(route.method.rawValue) \(path)"
            }.filter { $0.contains(" /api/") })
    }

    @Test("Every API route of the router is documented, and nothing else")
    func sameRoutes() async throws {
        let fixture = try await Fixture.make()
        await fixture.store.shutdown()
        let inRouter = Self.routed(fixture)
        // Positive control: the router's list is real (tokens, assessments, facts …).
        #expect(inRouter.count >= 20 && inRouter.contains("POST \(SiteURL.api(.tokens).path)"))
        let documented = try Self.documented()
        #expect(
            inRouter.subtracting(documented).isEmpty, "not documented: \(inRouter.subtracting(documented).sorted())")
        #expect(documented.subtracting(inRouter).isEmpty, "not routed: \(documented.subtracting(inRouter).sorted())")
    }

    @Test("Every documented operation exists in the router")
    func documentedRoutesExist() async throws {
        let fixture = try await Fixture.make()
        let documented = try Self.documented()
        #expect(documented.count >= 10)
        let target = fixture.users[.leader]!.id.rawValue
        try await fixture.test { client in
            let api = try await APIClient.login(client, "admin")
            for entry in documented {
                let parts = entry.split(separator: " ", maxSplits: 1)
                let id = parts[1].hasPrefix("/api/v1/assessments") ? fixture.assessment.id.rawValue : target
                let path = String(parts[1]).replacingOccurrences(of: "{id}", with: id)
                    .replacingOccurrences(of: "{unit}", with: fixture.unitA.id.rawValue).replacingOccurrences(
                        of: "{item}", with: "5"
                    ).replacingOccurrences(of: "{version}", with: "1")
                var headers = HTTPFields()
                headers[.authorization] = "Bearer \(api.token!)"
                let response = try await client.executeRequest(
                    uri: path, method: HTTPRequest.Method(String(parts[0]))!, headers: headers,
                    body: ByteBuffer(string: "{}"))
                // The application's own 404s ("未找到：…") are fine; the router's "no such route" is not.
                let routed = response.status != .notFound || response.errorMessage?.hasPrefix("未找到") == true
                #expect(routed && response.status != .methodNotAllowed, "\(entry): \(response.status) \(response.text)")
            }
        }
    }
}
