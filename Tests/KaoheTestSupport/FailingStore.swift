import Foundation
import KaoheStorage

/// A test double that fails loudly: every call throws ``StorageError/unexpectedCall(_:)`` naming the
/// method, and is counted in ``calls``. Use it to prove that a code path does not touch storage
/// (e.g. a request refused for a missing CSRF token), or wrap it to allow a few chosen calls.
public final class FailingStore: KaoheStore, @unchecked Sendable {
    private let lock = NSLock()
    private var _calls: [String] = []

    /// Creates the double.
    public init() {}

    /// The names of the methods called so far, in order.
    public var calls: [String] { lock.withLock { _calls } }

    func failure(_ name: String = #function) -> StorageError { fail(name) }

    private func fail(_ name: String = #function) -> StorageError {
        lock.withLock { _calls.append(name) }
        return StorageError.unexpectedCall(name)
    }

    public func atomically<R: Sendable>(_ body: @escaping @Sendable () async throws -> R) async throws -> R {
        throw fail()
    }
    public func createOrganization(_ organization: Organization, by actor: AuditActor) async throws { throw fail() }
    public func organizations() async throws -> [Organization] { throw fail() }
    public func organization(_ id: OrganizationID) async throws -> Organization? { throw fail() }
    public func createUnits(_ units: [AssessedUnit], by actor: AuditActor) async throws { throw fail() }
    public func units(in organization: OrganizationID?) async throws -> [AssessedUnit] { throw fail() }
    public func unit(_ id: UnitID) async throws -> AssessedUnit? { throw fail() }
    public func createUser(_ user: User, by actor: AuditActor) async throws { throw fail() }
    public func user(_ id: UserID) async throws -> User? { throw fail() }
    public func user(username: String) async throws -> User? { throw fail() }
    public func users() async throws -> [User] { throw fail() }
    public func userCount() async throws -> Int { throw fail() }
    public func setRoles(
        of user: UserID, roles: Set<Role>, organizationID: OrganizationID?, unitID: UnitID?, by actor: AuditActor
    ) async throws -> User { throw fail() }
    public func setPasswordHash(of user: UserID, hash: String, by actor: AuditActor) async throws { throw fail() }
    public func loginThrottle(_ keys: [String]) async throws -> [LoginThrottleState] { throw fail() }
    public func recordLoginFailure(_ keys: [LoginThrottleKey], at now: Date, policy: LoginThrottlePolicy)
        async throws -> [LoginThrottleState]
    { throw fail() }
    public func clearLoginThrottle(_ keys: [String]) async throws { throw fail() }
    public func unlockLogin(_ key: LoginThrottleKey, entity: String, by actor: AuditActor) async throws -> Bool {
        throw fail()
    }
    public func accountThrottles(since: Date) async throws -> [LoginThrottleState] { throw fail() }
    public func rememberLoginAddress(of user: UserID, address: String, at now: Date, forgetBefore: Date)
        async throws
    { throw fail() }
    public func isKnownLoginAddress(of user: UserID, address: String, since: Date) async throws -> Bool {
        throw fail()
    }
    public func createSession(_ session: Session) async throws { throw fail() }
    public func session(tokenHash: String, now: Date) async throws -> Session? { throw fail() }
    public func deleteSession(tokenHash: String) async throws { throw fail() }
    public func deleteSessions(of user: UserID, keeping: String?) async throws { throw fail() }
    public func createAPIToken(_ token: APIToken, by actor: AuditActor) async throws { throw fail() }
    public func apiToken(tokenHash: String, now: Date) async throws -> APIToken? { throw fail() }
    public func apiToken(id: APITokenID) async throws -> APIToken? { throw fail() }
    public func apiTokens(of user: UserID) async throws -> [APIToken] { throw fail() }
    public func revokeAPIToken(_ id: APITokenID, by actor: AuditActor) async throws { throw fail() }
    public func revokeAPITokens(of user: UserID, by actor: AuditActor) async throws -> Int { throw fail() }
    public func recordAPITokenUse(tokenHash: String, at now: Date) async throws { throw fail() }
    public func createAssessment(_ assessment: Assessment, by actor: AuditActor) async throws { throw fail() }
    public func assessment(_ id: AssessmentID) async throws -> Assessment? { throw fail() }
    public func assessments() async throws -> [Assessment] { throw fail() }
    public func transition(_ id: AssessmentID, to state: AssessmentState, by actor: AuditActor) async throws
        -> Assessment
    {
        throw fail()
    }
    public func enrol(_ units: [UnitID], in assessment: AssessmentID, by actor: AuditActor) async throws {
        throw fail()
    }
    public func enrolments(of assessment: AssessmentID) async throws -> [Enrolment] { throw fail() }
    public func assign(_ assignment: EvaluatorAssignment, by actor: AuditActor) async throws { throw fail() }
    public func assignments(of assessment: AssessmentID) async throws -> [EvaluatorAssignment] { throw fail() }
    public func facts(assessment: AssessmentID, unit: UnitID, item: String) async throws -> FactsRecord? {
        throw fail()
    }
    public func facts(assessment: AssessmentID, unit: UnitID) async throws -> [FactsRecord] { throw fail() }
    public func saveFacts(
        assessment: AssessmentID, unit: UnitID, item: String, json: String, expectedVersion: Int, by actor: AuditActor
    ) async throws -> FactsRecord { throw fail() }
    public func facts(assessment: AssessmentID) async throws -> [FactsRecord] { throw fail() }
    public func importFacts(assessment: AssessmentID, writes: [FactsWrite], by actor: AuditActor) async throws
        -> [FactsRecord]
    { throw fail() }
    public func findings(assessment: AssessmentID) async throws -> [Finding] { throw fail() }
    public func addFinding(_ finding: Finding, by actor: AuditActor) async throws { throw fail() }
    public func findings(assessment: AssessmentID, unit: UnitID, item: String?) async throws -> [Finding] {
        throw fail()
    }
    public func saveScheme(_ scheme: UploadedScheme, by actor: AuditActor) async throws { throw fail() }
    public func uploadedSchemes() async throws -> [UploadedScheme] { throw fail() }
    public func uploadedScheme(_ id: String) async throws -> UploadedScheme? { throw fail() }
    public func auditLog(entityPrefix: String?, limit: Int) async throws -> [AuditEntry] { throw fail() }
    public func auditLog(scope: String, limit: Int) async throws -> [AuditEntry] { throw fail() }
    public func auditPage(_ query: AuditQuery, offset: Int, limit: Int) async throws -> [AuditEntry] { throw fail() }
    public func auditCount(_ query: AuditQuery, cap: Int) async throws -> Int { throw fail() }
    public func verifyAudit() async throws -> AuditVerification { throw fail() }
    public func dataVersion() async throws -> Int { throw fail() }
    public func auditEntities(after version: Int, upTo newer: Int, limit: Int) async throws -> [String]? {
        throw fail()
    }
    public func enrolledUnit(_ unit: UnitID, in assessment: AssessmentID) async throws -> AssessedUnit? {
        throw fail()
    }

    public func writeRecords(
        _ records: [StoredRecord], organization: OrganizationID, importID: String, by actor: AuditActor
    ) async throws -> RecordWriteCounts { throw fail() }
    public func finishRecordImport(_ log: RecordImportLog, by actor: AuditActor) async throws { throw fail() }
    public func recordImports(organization: OrganizationID, limit: Int) async throws -> [RecordImportLog] {
        throw fail()
    }
    public func forEachRecordPage(
        organization: OrganizationID, type: String, pageSize: Int, _ body: @Sendable ([StoredRecord]) throws -> Void
    ) async throws { throw fail() }
    public func records(organization: OrganizationID, type: String, ids: [String]) async throws -> [StoredRecord] {
        throw fail()
    }
    public func recordCounts(organization: OrganizationID) async throws -> [String: Int] { throw fail() }
    public func recordsVersion(organization: OrganizationID) async throws -> Int { throw fail() }
    public func headerMappings(organization: OrganizationID, type: String) async throws -> [String: String] {
        throw fail()
    }
    public func saveHeaderMappings(
        _ mappings: [String: String], organization: OrganizationID, type: String, by actor: AuditActor
    ) async throws { throw fail() }
    public func factOverrides(assessment: AssessmentID) async throws -> [FactOverride] { throw fail() }
    public func setFactOverride(
        assessment: AssessmentID, unit: UnitID, item: String, fact: String, valueJSON: String?, reason: String,
        by actor: AuditActor
    ) async throws { throw fail() }
    public func publishBulletin(_ bulletin: StoredBulletin, by actor: AuditActor) async throws -> StoredBulletin {
        throw fail()
    }
    public func bulletins(assessment: AssessmentID) async throws -> [StoredBulletin] { throw fail() }
}
