import KaoheEngine
import KaoheStorage

extension FailingStore {
    public func workloads(_ assessments: [AssessmentID], today: Day) async throws -> [AssessmentWorkload] {
        throw failure()
    }
    public func unitCount() async throws -> Int { throw failure() }
    public func assignments(of assessment: AssessmentID, user: UserID) async throws -> [EvaluatorAssignment] {
        throw failure()
    }
}
