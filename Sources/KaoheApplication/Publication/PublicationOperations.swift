import Foundation
import KaoheEngine
import KaoheFormats
import KaoheStorage

extension Operations {
    /// The results of an assessment as a results document (every unit), for publishing: the cached document
    /// of the current data version (`user` must see every unit, as managers do).
    func currentResults(_ assessment: Assessment, for user: User) async throws -> String {
        String(buffer: try await resultsDocument(assessment.id.rawValue, for: user))
    }

    /// The published versions (without results) and the results of the latest one, if any.
    func latestPublication(_ assessment: Assessment) async throws -> (versions: [Publication], results: String?) {
        let versions = try await store.publications(of: assessment.id)
        guard let last = versions.last else { return (versions, nil) }
        return (versions, try await store.publication(of: assessment.id, version: last.version)?.results)
    }

    /// The units of one published version by code, read and parsed once per version (versions never change).
    func publishedUnits(_ assessment: AssessmentID, version: Int) async throws -> [String: PublishedUnit] {
        try await deps.published.units(assessment, version: version, store: store) { [store] in
            guard let publication = try await store.publication(of: assessment, version: version) else { return [:] }
            return Dictionary(
                PublishedUnit.parse(publication.results).map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
        }
    }

    /// Moves an assessment into 公示 or 定稿, publishing a version when the results are new: the first
    /// 公示 always, later ones and 定稿 when the results differ from the latest version. The store checks the
    /// rules (no open objection and a closed window for 定稿) in the transaction that changes the state.
    func publishTransition(_ assessment: Assessment, to state: AssessmentState, reason: String?, by user: User)
        async throws -> Assessment
    {
        let reason = reason.flatMap { $0.isEmpty ? nil : $0 }
        return try await store.publish(
            PublicationRequest(
                assessmentID: assessment.id, moveTo: state, results: try await currentResults(assessment, for: user),
                note: reason, createdBy: user.id, createdAt: deps.now(), today: today()),
            by: .user(user, reason: reason)
        ).assessment
    }

    /// Publishes the current results as a new version during 公示 (a correction), when they changed.
    public func publishCorrection(_ id: String, note: String, by user: User) async throws -> Publication {
        try await publishCorrection(id, note: note, upheld: nil, by: user).publication!
    }

    /// A correction during 公示, together with the objection it upholds when given (one transaction).
    func publishCorrection(_ id: String, note: String, upheld: UpheldObjection?, by user: User) async throws
        -> PublicationOutcome
    {
        guard user.can(.manageAssessments) else { throw AppError.forbidden(Permission.manageAssessments.label) }
        guard let assessment = try await store.assessment(AssessmentID(id)) else { throw AppError.notFound("考核 \(id)") }
        guard assessment.state == .publicity else {
            throw AppError.conflict("只有公示期间可以发布更正版本（当前为“\(assessment.state.displayName)”）")
        }
        guard !note.isEmpty else { throw AppError.invalid("请填写“更正说明”") }
        return try await store.publish(
            PublicationRequest(
                assessmentID: assessment.id, moveTo: nil, results: try await currentResults(assessment, for: user),
                note: note, upheld: upheld, createdBy: user.id, createdAt: deps.now(), today: today()),
            by: .user(user, reason: note))
    }

    /// The publication page: versions and objections (reporters: their own objections only).
    public func publicationsPage(_ id: String, for user: User) async throws -> PublicationsPage {
        let detail = try await assessmentDetail(id, for: user)
        let assessment = detail.assessment
        let (versions, published) = try await latestPublication(assessment)
        var objections = try await store.objections(assessment: assessment.id, unit: nil)
        if user.seesOwnUnitOnly { objections = objections.filter { $0.unitID == user.unitID } }
        var changes = false
        if user.can(.manageAssessments), assessment.state == .publicity, let published {
            changes = try await currentResults(assessment, for: user) != published
        }
        let units = try await store.units(in: assessment.organizationID)
        let users = try await store.users()
        return PublicationsPage(
            assessment: assessment, versions: versions, objections: objections,
            units: Dictionary(units.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a }),
            canManage: user.can(.manageAssessments), hasUnpublishedChanges: changes,
            scheme: try await scheme(of: assessment),
            userNames: Dictionary(users.map { ($0.id, $0.displayName) }, uniquingKeysWith: { a, _ in a }))
    }

    /// Two published versions side by side. Published versions are public (公示); before the first one
    /// there is nothing to compare.
    public func comparePublications(_ id: String, left: Int?, right: Int?, for user: User) async throws
        -> PublicationComparison
    {
        let detail = try await assessmentDetail(id, for: user)
        let versions = try await store.publications(of: detail.assessment.id)
        guard let latest = versions.last else { throw AppError.notFound("考核 \(id) 的已发布版本") }
        let rightVersion = right ?? latest.version
        let leftVersion = left ?? max(1, rightVersion - 1)
        guard let l = try await store.publication(of: detail.assessment.id, version: leftVersion) else {
            throw AppError.notFound("第\(leftVersion)版")
        }
        guard let r = try await store.publication(of: detail.assessment.id, version: rightVersion) else {
            throw AppError.notFound("第\(rightVersion)版")
        }
        let lefts = PublishedUnit.parse(l.results), rights = PublishedUnit.parse(r.results)
        var codes = lefts.map(\.code)
        for unit in rights where !codes.contains(unit.code) { codes.append(unit.code) }
        let rows = codes.map { code in
            (code: code, left: lefts.first { $0.code == code }, right: rights.first { $0.code == code })
        }
        return PublicationComparison(
            assessment: detail.assessment, versions: versions, left: l, right: r, rows: rows,
            scheme: try await scheme(of: detail.assessment))
    }

    /// The results document of one published version (the `kaohe score` format).
    public func publishedResults(_ id: String, version: Int, for user: User) async throws -> String {
        let detail = try await assessmentDetail(id, for: user)
        guard let publication = try await store.publication(of: detail.assessment.id, version: version) else {
            throw AppError.notFound("考核 \(id) 的第\(version)版")
        }
        return publication.results
    }

}
