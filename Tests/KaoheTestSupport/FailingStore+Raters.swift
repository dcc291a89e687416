import Foundation
import KaoheStorage

extension FailingStore {
    public func createRaterRound(_ round: RaterRound, by actor: AuditActor) async throws { throw failure() }
    public func updateRaterRound(_ round: RaterRound, by actor: AuditActor) async throws -> RaterRound {
        throw failure()
    }
    public func raterRounds(assessment: AssessmentID) async throws -> [RaterRound] { throw failure() }
    public func raterRound(_ id: RaterRoundID) async throws -> RaterRound? { throw failure() }
    public func setRaterRoundState(_ id: RaterRoundID, to state: RaterRoundState, by actor: AuditActor)
        async throws -> RaterRound
    { throw failure() }
    public func addRaterCodes(_ hashes: [String], round: RaterRoundID, group: String, by actor: AuditActor)
        async throws
    { throw failure() }
    public func raterCode(hash: String, throttleKey: String?) async throws -> (
        code: RaterCodeInfo?, throttle: LoginThrottleState?
    ) { throw failure() }
    public func raterCodeCounts(round: RaterRoundID) async throws -> [RaterCodeCount] { throw failure() }
    public func saveRaterSheet(_ sheet: RaterSheet, submit: Bool, by actor: AuditActor) async throws -> RaterSheet {
        throw failure()
    }
    public func raterSheet(round: RaterRoundID, group: String, rater: String) async throws -> RaterSheet? {
        throw failure()
    }
    public func raterSheets(round: RaterRoundID) async throws -> [RaterSheet] { throw failure() }
    public func submitPublicRaterSheet(codeHash: String, marks: [String: RaterMark], by actor: AuditActor)
        async throws
    { throw failure() }
    public func raterTallies(round: RaterRoundID) async throws -> [RaterTallyRow] { throw failure() }
    public func raterComments(round: RaterRoundID) async throws -> [RaterComment] { throw failure() }
    public func moderateRaterComment(
        _ id: String, round: RaterRoundID, to status: RaterCommentStatus, by actor: AuditActor
    ) async throws { throw failure() }
    public func auditRefusedRaterCode(reason: String, address: String?, by actor: AuditActor) async throws {
        throw failure()
    }
}
