import Foundation
import KaoheEngine
import KaoheStorage

extension FailingStore {
    public func setDeadlines(_ assessment: AssessmentID, submission: Day?, objection: Day?, by actor: AuditActor)
        async throws -> Assessment
    { throw failure() }
    public func setParameters(_ assessment: AssessmentID, json: String?, by actor: AuditActor) async throws
        -> Assessment
    { throw failure() }
    public func extendDeadline(_ extension: DeadlineExtension, by actor: AuditActor) async throws { throw failure() }
    public func deadlineExtensions(of assessment: AssessmentID) async throws -> [DeadlineExtension] {
        throw failure()
    }
    public func selfAssessment(assessment: AssessmentID, unit: UnitID) async throws -> [SelfAssessmentEntry] {
        throw failure()
    }
    public func selfAssessments(assessment: AssessmentID) async throws -> [SelfAssessmentEntry] { throw failure() }
    public func saveSelfAssessment(_ entry: SelfAssessmentEntry, expectedVersion: Int, by actor: AuditActor)
        async throws -> SelfAssessmentEntry
    { throw failure() }
    public func submit(_ submission: Submission, by actor: AuditActor) async throws { throw failure() }
    public func submissions(assessment: AssessmentID, unit: UnitID?) async throws -> [Submission] { throw failure() }
    public func addEvidence(_ evidence: EvidenceFile, by actor: AuditActor) async throws { throw failure() }
    public func evidence(_ id: EvidenceID) async throws -> EvidenceFile? { throw failure() }
    public func evidence(assessment: AssessmentID, unit: UnitID?) async throws -> [EvidenceFile] { throw failure() }
    public func withdrawEvidence(_ id: EvidenceID, reason: String, by actor: AuditActor) async throws -> EvidenceFile {
        throw failure()
    }
    public func evidenceHashes() async throws -> Set<String> { throw failure() }
    public func addReviewAction(_ action: ReviewAction, by actor: AuditActor) async throws { throw failure() }
    public func reviewActions(assessment: AssessmentID, unit: UnitID?) async throws -> [ReviewAction] {
        throw failure()
    }
    public func addObjection(_ objection: Objection, by actor: AuditActor) async throws { throw failure() }
    public func objections(assessment: AssessmentID, unit: UnitID?) async throws -> [Objection] { throw failure() }
    public func answerObjection(
        _ id: ObjectionID, status: ObjectionStatus, answer: String, scoreAfter: String?, by actor: AuditActor
    ) async throws -> Objection { throw failure() }
    public func publish(_ request: PublicationRequest, by actor: AuditActor) async throws -> PublicationOutcome {
        throw failure()
    }
    public func publications(of assessment: AssessmentID) async throws -> [Publication] { throw failure() }
    public func publication(of assessment: AssessmentID, version: Int) async throws -> Publication? {
        throw failure()
    }
}
