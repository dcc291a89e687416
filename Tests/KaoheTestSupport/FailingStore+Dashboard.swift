import KaoheEngine
import KaoheStorage

extension FailingStore {
    public func workloads(_ assessments: [AssessmentID], today: Day) async throws -> [AssessmentWorkload] {
        throw failure()
    }
}
