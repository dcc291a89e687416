import Foundation
import KaoheEngine
import KaoheRecords
import KaoheStorage

/// Monthly and quarterly bulletins (月度通报): per unit the period's derived indicators and the year-to-date
/// ones, the provisional score as of the period's last day, its rank and the change since the previous bulletin,
/// and flags. Organizers and administrators make and publish them; whoever may open the assessment reads the
/// published ones (a unit's reporter: the ranking of all, the details of their own unit).
extension Operations {
    /// What making a bulletin needs.
    static let bulletinPermission = "生成和发布通报（需考核组织者或管理员角色）"

    /// The bulletins page: the published bulletins and the defaults of the form that makes the next one.
    public func bulletinIndex(_ id: String, for user: User) async throws -> BulletinIndex {
        let detail = try await assessmentDetail(id, for: user)
        let published = try await store.bulletins(assessment: detail.assessment.id)
        return BulletinIndex(
            assessment: detail.assessment, published: published, canManage: user.can(.manageAssessments),
            suggested: BulletinRequest(
                period: BulletinRequest.defaultPeriod(year: detail.assessment.year, today: today())))
    }

    /// Reads a bulletin request of an assessment from form or query values (see ``BulletinRequest/parse``).
    public func bulletinRequest(
        _ id: String, period: String?, overdue: String?, deduction: String?, below: String?, for user: User
    ) async throws -> BulletinRequest {
        let detail = try await assessmentDetail(id, for: user)
        return try BulletinRequest.parse(
            period: period, overdue: overdue, deduction: deduction, below: below, year: detail.assessment.year,
            today: today())
    }

    /// The bulletin as it would be published now (a draft, numbered as the next one).
    public func bulletinDraft(_ id: String, _ request: BulletinRequest, for user: User) async throws
        -> BulletinDocument
    {
        let assessment = try await bulletinAssessment(id, for: user)
        // Kept per data version: any write (facts, findings, records, a published bulletin) makes a new key.
        let version = try await store.dataVersion()
        let key = "\(assessment.id)|\(version)|\(request.period.text)|\(request.rules)"
        let operations = self
        return try await deps.records.bulletinDrafts.memo(key).value {
            try await operations.makeBulletin(assessment, request, draft: true)
        }
    }

    /// Publishes the bulletin of `request` under the next number, its document frozen as JSON.
    public func publishBulletin(_ id: String, _ request: BulletinRequest, by user: User) async throws
        -> StoredBulletin
    {
        let assessment = try await bulletinAssessment(id, for: user)
        var attempt = 0
        while true {
            attempt += 1
            let document = try await makeBulletin(assessment, request, draft: false)
            let bulletin = StoredBulletin(
                assessmentID: assessment.id, number: document.number, title: document.title,
                period: request.period.text, asOf: request.period.last.description, body: try document.json(),
                publishedBy: user.id, publishedAt: deps.now())
            do {
                return try await store.publishBulletin(bulletin, by: .user(user))
            } catch StorageError.duplicate(let what, _) where what == "通报期号" && attempt < 3 {
                // Another organizer published in between: number, previous bulletin and rank changes move on.
                continue
            }
        }
    }

    /// One published bulletin as `user` may see it.
    public func bulletin(_ id: String, number: Int, for user: User) async throws -> (
        stored: StoredBulletin, document: BulletinDocument
    ) {
        let detail = try await assessmentDetail(id, for: user)
        let store = self.store
        let assessmentID = detail.assessment.id
        let published = try await deps.records.publishedBulletins.memo("\(assessmentID)|\(number)").value {
            guard let stored = try await store.bulletins(assessment: assessmentID).first(where: { $0.number == number })
            else { throw AppError.notFound("考核 \(id) 的第\(number)期通报") }
            return PublishedBulletin(stored: stored, document: try BulletinDocument.read(stored.body))
        }
        return (
            published.stored,
            published.document.visible(ownUnit: user.unitID?.rawValue, seesOwnUnitOnly: user.seesOwnUnitOnly)
        )
    }

    /// The JSON of one published bulletin: the frozen body as published, for a reporter with the other units'
    /// details left out.
    public func bulletinJSON(_ id: String, number: Int, for user: User) async throws -> String {
        let (stored, document) = try await bulletin(id, number: number, for: user)
        return user.seesOwnUnitOnly ? try document.json() : stored.body
    }

    /// Each unit's provisional score month by month: from the published bulletins (for a month with several,
    /// the latest), and for organizers the current month as computed now.
    public func bulletinTrend(_ id: String, for user: User) async throws -> BulletinTrend {
        let detail = try await assessmentDetail(id, for: user)
        let assessment = detail.assessment
        var latest: [Int: StoredBulletin] = [:]
        for bulletin in try await store.bulletins(assessment: assessment.id) {
            guard let day = Day(iso: bulletin.asOf), day.components.year == assessment.year else { continue }
            let month = day.components.month
            if (latest[month]?.number ?? 0) < bulletin.number { latest[month] = bulletin }
        }
        var names: [String: String] = [:]
        var order: [String] = []
        var totals: [String: [Double?]] = [:]
        func add(code: String, name: String, month: Int, total: String) {
            if names[code] == nil {
                names[code] = name
                order.append(code)
                totals[code] = Array(repeating: nil, count: 12)
            }
            totals[code]?[month - 1] = Double(total)
        }
        var liveMonth: Int?
        let (todayYear, todayMonth, _) = today().components
        if user.can(.manageAssessments), todayYear == assessment.year,
            let period = BulletinPeriod.month(todayYear, todayMonth)
        {
            liveMonth = todayMonth
            let scores = try await scores(of: assessment, asOf: period.last)
            for group in scores.groups {
                for row in group.rows {
                    add(
                        code: row.unit.code, name: row.unit.name, month: todayMonth, total: row.result.total.description
                    )
                }
            }
        }
        for month in latest.keys.sorted() where month != liveMonth {
            guard let bulletin = latest[month] else { continue }
            for unit in try BulletinDocument.read(bulletin.body).units {
                add(code: unit.code, name: unit.name, month: month, total: unit.total)
            }
        }
        return BulletinTrend(
            months: (1...12).map { "\($0)月" }, series: order.map { (names[$0] ?? $0, totals[$0] ?? []) },
            liveMonth: liveMonth, title: "\(assessment.year)年各单位暂定得分（按月）")
    }

    /// The assessment, when `user` may make its bulletins.
    func bulletinAssessment(_ id: String, for user: User) async throws -> Assessment {
        guard user.can(.manageAssessments) else { throw AppError.forbidden(Self.bulletinPermission) }
        guard let assessment = try await store.assessment(AssessmentID(id)) else { throw AppError.notFound("考核 \(id)") }
        return assessment
    }

    /// Computes a bulletin of `assessment`: the scores as of the period's last day, the facts derived over the
    /// period and over the year to date, the previous published bulletin for the rank change.
    func makeBulletin(_ assessment: Assessment, _ request: BulletinRequest, draft: Bool) async throws
        -> BulletinDocument
    {
        guard request.period.year == assessment.year else {
            throw AppError.invalid("通报期间“\(request.period.label)”不在考核年度（\(assessment.year)年）内")
        }
        let published = try await store.bulletins(assessment: assessment.id)
        let asOf = request.period.last
        let scores = try await scores(of: assessment, asOf: asOf)
        let ytd = try await derivations(of: assessment, asOf: asOf)
        let current = try await derivations(of: assessment, asOf: asOf, period: request.period.range)
        let calendar = try SchemeCatalog(deps).calendar()
        return BulletinBuilder.document(
            BulletinInputs(
                assessment: assessment, scores: scores, current: current, ytd: ytd, request: request,
                number: (published.map(\.number).max() ?? 0) + 1, draft: draft,
                previous: try Self.previousBulletin(in: published, before: asOf),
                workingDays: WorkingDayIndex(calendar: calendar), generatedAt: deps.now()))
    }

    /// The bulletin a new one as of `asOf` compares its ranks with: the published one with the latest as-of
    /// date before `asOf` (of two for the same date, the later published).
    static func previousBulletin(in published: [StoredBulletin], before asOf: Day) throws -> (
        reference: BulletinReference, document: BulletinDocument
    )? {
        let earlier = published.filter { Day(iso: $0.asOf).map { $0 < asOf } ?? false }
        guard let last = earlier.max(by: { ($0.asOf, $0.number) < ($1.asOf, $1.number) }) else { return nil }
        return (
            BulletinReference(number: last.number, title: last.title, period: last.period),
            try BulletinDocument.read(last.body)
        )
    }
}
