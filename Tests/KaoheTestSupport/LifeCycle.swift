import Foundation
import KaoheEngine
import KaoheStorage

extension KaoheStore {
    /// Moves an assessment on as the platform does: 公示 and 定稿 only by publishing (here an empty results
    /// document, today's date for the objection window), every other state by a plain transition.
    @discardableResult
    public func move(_ id: AssessmentID, to state: AssessmentState) async throws -> Assessment {
        guard state == .publicity || state == .final else { return try await transition(id, to: state, by: .system) }
        return try await publish(
            PublicationRequest(
                assessmentID: id, moveTo: state, results: #"{"units":[]}"#, createdBy: nil, createdAt: Date(),
                today: Day(String(ISO8601DateFormatter().string(from: Date()).prefix(10)))!),
            by: .system
        ).assessment
    }
}
