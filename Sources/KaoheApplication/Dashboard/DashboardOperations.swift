import Foundation
import KaoheEngine
import KaoheStorage

/// The dashboards: each role's part of the start page, from the database's counts (``DashboardStore``) and, for
/// evaluators, the cached results.
extension Operations {
    /// The start page of `user`: one part per role held.
    public func dashboard(for user: User) async throws -> Dashboard {
        guard user.can(.useSite) else { throw AppError.forbidden(Permission.useSite.label) }
        let today = today()
        let assessments = try await store.assessments()
        var dashboard = Dashboard(
            user: user, today: today,
            totals: DashboardTotals(
                organizations: user.can(.viewOrganizations) ? try await store.organizations().count : nil,
                units: 0, users: user.can(.manageUsers) ? try await store.userCount() : nil, assessments: 0,
                mail: user.can(.manageUsers) ? try await mailSummary() : nil),
            organizer: [], evaluator: [], reporter: nil, leader: [])
        if user.seesOwnUnitOnly {
            if user.can(.selfAssess), let unitID = user.unitID {
                dashboard.reporter = try await reporterPart(unitID, assessments: assessments, today: today, user: user)
            }
            dashboard.totals.units = user.unitID == nil ? 0 : 1
            dashboard.totals.assessments = dashboard.reporter?.cards.count ?? 0
            return dashboard
        }
        dashboard.totals.units = try await store.unitCount()
        dashboard.totals.assessments = assessments.count
        let current = assessments.filter { $0.state != .final }
        let workloads = Dictionary(
            try await workloads(current.map(\.id), today: today).map { ($0.assessmentID, $0) },
            uniquingKeysWith: { a, _ in a })
        if user.can(.manageAssessments) {
            for assessment in current {
                dashboard.organizer.append(
                    try await organizerCard(
                        assessment,
                        workload: workloads[assessment.id] ?? AssessmentWorkload(assessmentID: assessment.id),
                        today: today))
            }
        }
        if user.has(.evaluator) {
            for assessment in current {
                if let card = try await evaluatorCard(assessment, workload: workloads[assessment.id], user: user) {
                    dashboard.evaluator.append(card)
                }
            }
        }
        if user.has(.leader) {
            dashboard.leader = try await leaderCards(assessments, today: today)
        }
        return dashboard
    }

    // MARK: Organizer

    func organizerCard(_ assessment: Assessment, workload: AssessmentWorkload, today: Day) async throws
        -> OrganizerCard
    {
        let calendar = try SchemeCatalog(deps).calendar()
        var deadlines: [DashboardDeadline] = []
        if [.draft, .open].contains(assessment.state), let day = assessment.submissionDeadline {
            deadlines.append(Self.dashboardDeadline("自评提交截止", day, today: today, calendar: calendar))
        }
        if assessment.state == .publicity, let day = assessment.objectionDeadline {
            deadlines.append(Self.dashboardDeadline("异议截止", day, today: today, calendar: calendar))
        }
        let now = deps.now()
        var rounds: [RaterRoundProgress] = []
        for round in try await store.raterRounds(assessment: assessment.id) where round.status(at: now) == .open {
            rounds.append(try await raterProgress(round, assessment: assessment))
            if let closes = round.closesAt {
                let day = Self.chinaDay(closes)
                deadlines.append(Self.dashboardDeadline("评议「\(round.title)」截止", day, today: today, calendar: calendar))
            }
        }
        let ahead = deadlines.filter { !$0.passed }.min { $0.day < $1.day }
        return OrganizerCard(
            assessment: assessment, workload: workload, nextDeadline: ahead ?? deadlines.max { $0.day < $1.day },
            bulletinDue: try await bulletinDue(assessment, latest: workload.latestBulletin, today: today),
            raterRounds: rounds)
    }

    /// The month whose bulletin is due: the last month of the assessment's year that has ended, when the
    /// assessment is scored from platform records and no published bulletin covers that month yet.
    func bulletinDue(_ assessment: Assessment, latest: BulletinHeading?, today: Day) async throws -> BulletinPeriod? {
        let (year, month, _) = today.components
        let due: BulletinPeriod?
        if year == assessment.year {
            due = month > 1 ? .month(assessment.year, month - 1) : nil
        } else {
            due = year > assessment.year ? .month(assessment.year, 12) : nil
        }
        guard let due else { return nil }
        if let latest, let period = BulletinPeriod(latest.period),
            period.year > due.year
                || (period.year == due.year && period.months.upperBound >= due.index)
        {
            return nil
        }
        let catalog = try await SchemeCatalog(deps).withDerivations(assessment.schemeID)
        guard !catalog.derivations.isEmpty, try await store.recordsVersion(organization: assessment.organizationID) > 0
        else { return nil }
        return due
    }

    func raterProgress(_ round: RaterRound, assessment: Assessment) async throws -> RaterRoundProgress {
        let sheets = try await store.raterSheets(round: round.id)
        let codes = try await store.raterCodeCounts(round: round.id)
        let enrolled = try await enrolledUnits(assessment)
        var progress = RaterRoundProgress(
            roundID: round.id, title: round.title, submitted: 0, expected: 0, closesAt: round.closesAt)
        for group in round.groups {
            let response = RaterRules.response(of: group, sheets: sheets, codes: codes, units: enrolled)
            progress.expected += response.expected
            progress.submitted += response.submitted
        }
        return progress
    }

    // MARK: Evaluator

    func evaluatorCard(_ assessment: Assessment, workload: AssessmentWorkload?, user: User) async throws
        -> EvaluatorCard?
    {
        // Kept while nothing is written: any write (facts, assignments, reviews…) makes a new data version.
        let key = "\(assessment.id)|\(user.id)|\(try await store.dataVersion())"
        let operations = self
        return try await deps.evaluatorCards.memo(key).value {
            try await operations.makeEvaluatorCard(assessment, workload: workload, user: user)
        }
    }

    func makeEvaluatorCard(_ assessment: Assessment, workload: AssessmentWorkload?, user: User) async throws
        -> EvaluatorCard?
    {
        let mine = try await store.assignments(of: assessment.id, user: user.id)
        guard !mine.isEmpty else { return nil }
        let scores = try await cachedScores(assessment.id.rawValue, for: user).scores
        // Assignments for every unit, and per unit the others (an evaluator may hold thousands).
        let everyUnit = mine.filter { $0.unitID == nil }
        let perUnit = Dictionary(grouping: mine.filter { $0.unitID != nil }, by: { $0.unitID! })
        func covered(_ unit: UnitID) -> Bool { !everyUnit.isEmpty || perUnit[unit] != nil }
        var left = 0
        var unitsLeft = 0
        var units: [UnitID: AssessedUnit] = [:]
        for row in scores.rows where covered(row.unit.id) {
            units[row.unit.id] = row.unit
            let held = everyUnit + (perUnit[row.unit.id] ?? [])
            let open = row.result.pending.filter { item in held.contains { $0.covers(unit: row.unit.id, item: item) } }
            left += open.count
            if !open.isEmpty { unitsLeft += 1 }
        }
        let scheme = try await self.scheme(of: assessment)
        let names = Dictionary(
            ScoreGroup.all(in: scheme, unitType: nil).compactMap(\.item).map { ($0.id, $0.name) },
            uniquingKeysWith: { a, _ in a })
        let items =
            mine.contains { $0.itemID == nil }
            ? [] : Array(Set(mine.compactMap(\.itemID))).sorted().map { (id: $0, name: names[$0] ?? $0) }
        let load = workload ?? AssessmentWorkload(assessmentID: assessment.id)
        return EvaluatorCard(
            assessment: assessment, units: units.count, items: items, leftToScore: left, unitsLeftToScore: unitsLeft,
            awaitingReview: load.awaitingReview.filter(covered).compactMap { units[$0] },
            answersToReview: load.answersToReview.filter { covered($0.key) }.values.reduce(0, +),
            rectificationsToVerify: load.rectificationsToVerify)
    }

    // MARK: Reporter

    func reporterPart(_ unitID: UnitID, assessments: [Assessment], today: Day, user: User) async throws
        -> ReporterPart?
    {
        guard let unit = try await store.unit(unitID) else { return nil }
        let calendar = try SchemeCatalog(deps).calendar()
        let rectifications = try await store.rectificationItems(unit: unitID).filter(\.state.isOpen)
        var cards: [ReporterCard] = []
        for assessment in assessments where try await store.enrolledUnit(unitID, in: assessment.id) != nil {
            let entries = try await store.selfAssessment(assessment: assessment.id, unit: unitID)
            let submissions = try await store.submissions(assessment: assessment.id, unit: unitID)
            let reviews = try await store.reviewActions(assessment: assessment.id, unit: unitID)
            let extensions = try await store.deadlineExtensions(of: assessment.id)
            let (deadline, _) = Self.deadline(of: unitID, in: assessment, extensions: extensions)
            let scheme = try await self.scheme(of: assessment)
            let names = Dictionary(
                Self.applicableItems(scheme, unit: unit).map { ($0.0.id, $0.0.name) }, uniquingKeysWith: { a, _ in a })
            let latest = Dictionary(grouping: reviews, by: \.itemID).compactMapValues(\.last)
            let returned = latest.values.filter { $0.kind == .return }.sorted { $0.seq < $1.seq }
                .map { (itemID: $0.itemID, itemName: names[$0.itemID] ?? $0.itemID, reason: $0.text) }
            let objections = try await store.objections(assessment: assessment.id, unit: unitID)
            cards.append(
                ReporterCard(
                    assessment: assessment,
                    status: Self.status(entries: entries.count, submissions: submissions, reviews: reviews),
                    deadline: submissions.isEmpty && assessment.state != .final
                        ? deadline.map { Self.dashboardDeadline("自评提交截止", $0, today: today, calendar: calendar) } : nil,
                    returned: returned,
                    rectifications: rectifications.filter { $0.assessmentID == assessment.id },
                    answeredObjections: objections.filter { $0.status != .open },
                    openObjections: objections.filter { $0.status == .open }.count))
        }
        return ReporterPart(unit: unit, cards: cards)
    }

    // MARK: Leader

    func leaderCards(_ assessments: [Assessment], today: Day) async throws -> [LeaderCard] {
        var cards: [LeaderCard] = []
        let workloads = Dictionary(
            try await workloads(assessments.map(\.id), today: today).map { ($0.assessmentID, $0) },
            uniquingKeysWith: { a, _ in a })
        for assessment in assessments {
            let publication = try await store.publications(of: assessment.id).last
            let bulletin = workloads[assessment.id]?.latestBulletin
            guard publication != nil || bulletin != nil else { continue }
            cards.append(LeaderCard(assessment: assessment, publication: publication, bulletin: bulletin))
        }
        return cards.sorted {
            ($0.publication?.createdAt ?? $0.bulletin?.publishedAt ?? .distantPast)
                > ($1.publication?.createdAt ?? $1.bulletin?.publishedAt ?? .distantPast)
        }
    }

    // MARK: Helpers

    /// The store's counts, kept while nothing is written (the data version is the same on every instance).
    func workloads(_ ids: [AssessmentID], today: Day) async throws -> [AssessmentWorkload] {
        let version = try await store.dataVersion()
        let key = "\(ids.map(\.rawValue).joined(separator: ","))|\(version)|\(today)"
        let store = self.store
        return try await deps.dashboardCounts.memo(key).value { try await store.workloads(ids, today: today) }
    }

    static func dashboardDeadline(_ label: String, _ day: Day, today: Day, calendar: WorkCalendar) -> DashboardDeadline
    {
        DashboardDeadline(
            label: label, day: day, workingDaysLeft: calendar.workingDays(after: today, through: day),
            passed: day < today)
    }
}
