import Foundation
import KaoheEngine
import KaoheStorage

extension FailingStore {
    public func openRectification(_ item: RectificationItem, note: String, by actor: AuditActor) async throws
        -> RectificationItem
    { throw failure() }
    public func rectificationItem(_ id: String) async throws -> RectificationItem? { throw failure() }
    public func rectificationItems(assessment: AssessmentID, unit: UnitID?) async throws -> [RectificationItem] {
        throw failure()
    }
    public func rectificationItems(unit: UnitID) async throws -> [RectificationItem] { throw failure() }
    public func rectificationEvents(item: String) async throws -> [RectificationEvent] { throw failure() }
    public func applyRectification(
        _ id: String, _ step: RectificationStep, expectedVersion: Int?, by actor: AuditActor
    ) async throws -> RectificationItem { throw failure() }
    public func carryOverRectifications(
        from source: AssessmentID, to target: AssessmentID, openedOn: Day, deadline: @escaping @Sendable (Int) -> Day,
        by actor: AuditActor
    ) async throws -> [RectificationItem] { throw failure() }
    public func createSpotCheckPlan(_ plan: SpotCheckPlan, secretSeed: String, by actor: AuditActor) async throws {
        throw failure()
    }
    public func spotCheckPlans(assessment: AssessmentID) async throws -> [SpotCheckPlan] { throw failure() }
    public func spotCheckPlan(_ id: String) async throws -> SpotCheckPlan? { throw failure() }
    public func drawSpotCheck(
        _ id: String, at: Date, by actor: AuditActor, draw: @escaping @Sendable (String) throws -> SpotCheckDraw
    ) async throws -> SpotCheckPlan { throw failure() }
    public func recordSpotCheckResult(_ result: SpotCheckResult, by actor: AuditActor) async throws {
        throw failure()
    }
    public func spotCheckResults(plan: String) async throws -> [SpotCheckResult] { throw failure() }
    public func publishSpotCheckResults(_ id: String, at: Date, by actor: AuditActor) async throws -> SpotCheckPlan {
        throw failure()
    }
}
