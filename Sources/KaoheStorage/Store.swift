import Foundation

/// The storage interface of the platform. Every mutating call takes an ``AuditActor`` and writes its
/// audit entry in the same transaction, so a change without an audit row cannot happen.
///
/// Implementations: `SQLStore` (KaoheStorageSQL) on SQLite or PostgreSQL; `FailingStore` (KaoheTestSupport) for tests.
public protocol KaoheStore: WorkflowStore, RecordStore, OversightStore, RaterStore, DashboardStore, NotificationStore {
    /// Runs `body`, calls of this store, in one transaction: its changes (with their audit entries) are
    /// committed together, or none when it throws. A change and the notifications it causes are written so.
    func atomically<R: Sendable>(_ body: @escaping @Sendable () async throws -> R) async throws -> R

    // MARK: Organizations and units
    /// Creates an organization.
    func createOrganization(_ organization: Organization, by actor: AuditActor) async throws
    /// All organizations, by name.
    func organizations() async throws -> [Organization]
    /// One organization, or nil.
    func organization(_ id: OrganizationID) async throws -> Organization?
    /// Creates units in one transaction: all or none. Codes must be unique per organization.
    func createUnits(_ units: [AssessedUnit], by actor: AuditActor) async throws
    /// The units of one organization (all when nil), by code.
    func units(in organization: OrganizationID?) async throws -> [AssessedUnit]
    /// One unit, or nil.
    func unit(_ id: UnitID) async throws -> AssessedUnit?

    // MARK: Users
    /// Creates a user; the username must be unique.
    func createUser(_ user: User, by actor: AuditActor) async throws
    /// One user by id, or nil.
    func user(_ id: UserID) async throws -> User?
    /// One user by login name, or nil.
    func user(username: String) async throws -> User?
    /// All users, by username.
    func users() async throws -> [User]
    /// How many users exist.
    func userCount() async throws -> Int
    /// Replaces a user's roles and the unit / organization they belong to. When a role is taken away, the
    /// user's API tokens are revoked in the same transaction (audited).
    func setRoles(
        of user: UserID, roles: Set<Role>, organizationID: OrganizationID?, unitID: UnitID?, by actor: AuditActor
    ) async throws -> User
    /// Replaces a user's password hash (the hash is never written to the audit log) and revokes the user's API
    /// tokens in the same transaction (audited when there were any).
    func setPasswordHash(of user: UserID, hash: String, by actor: AuditActor) async throws

    // MARK: Login throttling (shared by every instance on the database)
    /// What is counted against `keys` (``LoginThrottleKey/text``); keys without failures are left out.
    func loginThrottle(_ keys: [String]) async throws -> [LoginThrottleState]
    /// Counts one failed login against each key, in one transaction (concurrent failures on other instances
    /// are all counted), restarting a count whose last failure is older than the policy's `forgetAfter`, and
    /// blocks each key that reached its threshold for the policy's delay. Returns the new states.
    func recordLoginFailure(_ keys: [LoginThrottleKey], at now: Date, policy: LoginThrottlePolicy) async throws
        -> [LoginThrottleState]
    /// Forgets what is counted against `keys` (after a successful login; not audited).
    func clearLoginThrottle(_ keys: [String]) async throws
    /// An administrator lifts the delays on `key` (audited as `unlock` on `entity`). Returns whether there
    /// was anything to lift.
    func unlockLogin(_ key: LoginThrottleKey, entity: String, by actor: AuditActor) async throws -> Bool
    /// What is counted against account names whose last failure is at or after `since` (for the users page).
    func accountThrottles(since: Date) async throws -> [LoginThrottleState]
    /// Remembers that `user` logged in from `address` (a normalized ``LoginThrottleKey`` address) at `now`,
    /// and forgets the user's addresses last used before `forgetBefore`.
    func rememberLoginAddress(of user: UserID, address: String, at now: Date, forgetBefore: Date) async throws
    /// Whether `user` logged in from `address` at or after `since`.
    func isKnownLoginAddress(of user: UserID, address: String, since: Date) async throws -> Bool

    // MARK: Sessions and API tokens
    /// Stores a new session.
    func createSession(_ session: Session) async throws
    /// The session for a token hash if it exists and has not expired at `now`.
    func session(tokenHash: String, now: Date) async throws -> Session?
    /// Ends one session.
    func deleteSession(tokenHash: String) async throws
    /// Ends all sessions of a user (after a password change), except `keeping`.
    func deleteSessions(of user: UserID, keeping: String?) async throws
    /// Stores a new API token (expired tokens are removed meanwhile).
    func createAPIToken(_ token: APIToken, by actor: AuditActor) async throws
    /// The API token for a hash if it exists and has not expired at `now`.
    func apiToken(tokenHash: String, now: Date) async throws -> APIToken?
    /// One API token by its public id, or nil.
    func apiToken(id: APITokenID) async throws -> APIToken?
    /// The user's API tokens (expired ones too, until removed), newest first.
    func apiTokens(of user: UserID) async throws -> [APIToken]
    /// Revokes one API token (audited as `api-token-revoke` on the owner); ``StorageError/notFound(what:id:)``
    /// when there is none.
    func revokeAPIToken(_ id: APITokenID, by actor: AuditActor) async throws
    /// Revokes all API tokens of a user (audited when there were any); returns how many.
    func revokeAPITokens(of user: UserID, by actor: AuditActor) async throws -> Int
    /// Records that a token was used at `now` (callers do it at most every ``APIToken/useRecordingInterval``).
    func recordAPITokenUse(tokenHash: String, at now: Date) async throws

    // MARK: Assessments
    /// Creates an assessment (state draft).
    func createAssessment(_ assessment: Assessment, by actor: AuditActor) async throws
    /// One assessment, or nil.
    func assessment(_ id: AssessmentID) async throws -> Assessment?
    /// All assessments, newest year first.
    func assessments() async throws -> [Assessment]
    /// Moves an assessment to `state` if the life cycle allows it.
    func transition(_ id: AssessmentID, to state: AssessmentState, by actor: AuditActor) async throws -> Assessment
    /// Enrols units (already enrolled ones are left as they are). Refused when final.
    func enrol(_ units: [UnitID], in assessment: AssessmentID, by actor: AuditActor) async throws
    /// The units enrolled in an assessment.
    func enrolments(of assessment: AssessmentID) async throws -> [Enrolment]
    /// One unit when it is enrolled in the assessment, else nil (one indexed read, for per-item requests).
    func enrolledUnit(_ unit: UnitID, in assessment: AssessmentID) async throws -> AssessedUnit?
    /// Assigns an evaluator. Refused when final.
    func assign(_ assignment: EvaluatorAssignment, by actor: AuditActor) async throws
    /// The evaluator assignments of an assessment.
    func assignments(of assessment: AssessmentID) async throws -> [EvaluatorAssignment]

    // MARK: Facts and findings
    /// The facts of one item, or nil when none were saved.
    func facts(assessment: AssessmentID, unit: UnitID, item: String) async throws -> FactsRecord?
    /// All facts saved for a unit in an assessment, by item id.
    func facts(assessment: AssessmentID, unit: UnitID) async throws -> [FactsRecord]
    /// Saves facts. `expectedVersion` is the version the writer started from (0 when there was none);
    /// if another writer saved since, ``StorageError/versionConflict(entity:expected:actual:)`` is thrown
    /// and nothing is written. Returns the new record (version `expectedVersion + 1`).
    func saveFacts(
        assessment: AssessmentID, unit: UnitID, item: String, json: String, expectedVersion: Int, by actor: AuditActor
    ) async throws -> FactsRecord
    /// All facts saved for an assessment, every unit, by unit and item (for results).
    func facts(assessment: AssessmentID) async throws -> [FactsRecord]
    /// Writes the facts of many (unit, item) pairs in one transaction, replacing what is stored whatever its
    /// version (a facts document import): all or nothing. Each write is audited.
    func importFacts(assessment: AssessmentID, writes: [FactsWrite], by actor: AuditActor) async throws
        -> [FactsRecord]
    /// All findings of an assessment (for results), by unit, item and date.
    func findings(assessment: AssessmentID) async throws -> [Finding]
    /// Records a finding. Refused when final or not accepting facts.
    func addFinding(_ finding: Finding, by actor: AuditActor) async throws
    /// The findings of a unit in an assessment (of one item when given), by date.
    func findings(assessment: AssessmentID, unit: UnitID, item: String?) async throws -> [Finding]

    // MARK: Uploaded schemes
    /// Stores an uploaded scheme file; its id must not be taken (``StorageError/duplicate(what:value:)``).
    func saveScheme(_ scheme: UploadedScheme, by actor: AuditActor) async throws
    /// All uploaded schemes, by id.
    func uploadedSchemes() async throws -> [UploadedScheme]
    /// One uploaded scheme, or nil.
    func uploadedScheme(_ id: String) async throws -> UploadedScheme?

    // MARK: Audit
    /// Audit entries, oldest first; only those whose entity starts with `entityPrefix` when given.
    func auditLog(entityPrefix: String?, limit: Int) async throws -> [AuditEntry]
    /// The newest `limit` audit entries (returned oldest first) of any kind whose id is `scope` or lies under
    /// `scope/`: for the scope `A/U`, `facts:A/U/3`, `finding:A/U/3`, `workflow:A/U`, but not `facts:A/U2/3`.
    func auditLog(scope: String, limit: Int) async throws -> [AuditEntry]
    /// One page of the audit log: the entries matching `query` in its order, `offset` of them skipped, at most
    /// `limit`. Without conditions the page is a range of sequence numbers (no scan, however deep).
    func auditPage(_ query: AuditQuery, offset: Int, limit: Int) async throws -> [AuditEntry]
    /// How many entries match `query`, counting at most `cap` (a result of `cap` means "at least"): the whole log
    /// is the chain head's sequence number, a filtered count stops at the cap.
    func auditCount(_ query: AuditQuery, cap: Int) async throws -> Int
    /// Recomputes the whole chain and reports the first broken row.
    func verifyAudit() async throws -> AuditVerification
    /// The data version: the sequence number of the audit chain head, which every audited write moves in its
    /// own transaction. Read it before reading data: while it is unchanged nothing was written, by this
    /// process or any other on the same database (for caches).
    func dataVersion() async throws -> Int
    /// What was written between two data versions: the entity of each audit row after `version` up to and
    /// including `newer`, in order; nil when there are more than `limit` (for caches that catch up).
    func auditEntities(after version: Int, upTo newer: Int, limit: Int) async throws -> [String]?
}

extension AuditVerification {
    /// Checks a chain given oldest first: consecutive seq from 1, links and hashes.
    public static func check(_ entries: [AuditEntry]) -> AuditVerification {
        var previous = AuditEntry.genesisHash
        for (index, entry) in entries.enumerated() {
            if entry.seq != index + 1 {
                return .broken(seq: entry.seq, reason: "序号不连续：应为 \(index + 1)，实际为 \(entry.seq)")
            }
            if entry.prevHash != previous { return .broken(seq: entry.seq, reason: "与上一条记录的哈希不衔接") }
            if entry.expectedHash != entry.hash { return .broken(seq: entry.seq, reason: "内容与哈希不符（记录被改动过）") }
            previous = entry.hash
        }
        return .intact(entries: entries.count)
    }
}
