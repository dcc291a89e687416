import Foundation
import KaoheEngine
import KaoheFormats
import KaoheRecords
import KaoheStorage

/// Loads the demonstration data (`kaohe demo`, `kaohe serve --demo`): the organizers and units named in the
/// source documents, assessments on the reference schemes with plausible facts and findings, and one demo
/// account per role. Everything goes through ``KaoheStore`` calls, so every row is audited.
///
/// Idempotent: when the demo's first organization exists, ``load()`` changes nothing and returns nil.
public struct DemoLoader: Sendable {
    /// The password of every demo account (documented in the README; the accounts are for trying the system).
    public static let password = "kaohe-demo"

    /// The organization whose presence marks the demo as loaded.
    public static let markerOrganization = OrganizationID("demo-org-pingqiao")

    /// One demo login.
    public struct Account: Sendable, Equatable {
        /// The login name.
        public var username: String
        /// The display name.
        public var displayName: String
        /// The role.
        public var role: Role
        /// What the account can see, in Chinese.
        public var note: String
    }

    /// What was loaded.
    public struct Summary: Sendable {
        /// Organizations created.
        public var organizations = 0
        /// Units created.
        public var units = 0
        /// Assessments created.
        public var assessments = 0
        /// Facts records saved (one per unit and item).
        public var factRecords = 0
        /// Findings recorded.
        public var findings = 0
        /// Platform records generated (Xinbei and Pingqiao), from which their derived facts come.
        public var platformRecords = 0
        /// The demo logins (password: ``DemoLoader/password``).
        public var accounts: [Account] = []
        /// Each assessment: title, state and number of units.
        public var assessmentLines: [String] = []
        /// Self-assessment submissions recorded.
        public var submissions = 0
        /// Published versions.
        public var publications = 0
        /// Ballot sheets of the demo's closed rater round (named, units and public).
        public var raterBallots = 0
        /// Published monthly bulletins (January and February of the assessments with platform records).
        public var bulletins = 0
        /// Spot-check plans drawn and published (Pingqiao).
        public var spotChecks = 0
        /// Rectification ledger items (Pingqiao).
        public var ledgerItems = 0
    }

    let deps: AppDependencies
    let actor = AuditActor(userID: nil, name: "演示数据", reason: "载入演示数据（kaohe demo）")

    /// Creates a loader writing to `deps.store` (passwords hashed with `deps.bcryptCost`).
    public init(_ deps: AppDependencies) { self.deps = deps }

    /// Whether the demo has been loaded into this database already.
    public func isLoaded() async throws -> Bool {
        try await deps.store.organization(Self.markerOrganization) != nil
    }

    struct OrganizationPlan {
        var id: String
        var name: String
        var units: [(code: String, name: String, type: KaoheStorage.UnitType)]
    }

    struct AssessmentPlan {
        var id: String
        var organization: String
        var schemeID: String
        var year: Int
        var title: String
        var state: AssessmentState
        /// Unit codes; empty: all units of the organization.
        var unitCodes: [String]
    }

    static func units(_ list: [DemoData.DemoUnit], _ type: KaoheStorage.UnitType) -> [(
        code: String, name: String, type: KaoheStorage.UnitType
    )] {
        list.map { (code: $0.id, name: $0.name, type: type) }
    }

    static let organizations: [OrganizationPlan] = [
        OrganizationPlan(
            id: "demo-org-pingqiao", name: "平桥区政务服务和大数据管理局",
            units: units(DemoData.pingqiaoDepartments, .districtDepartment)),
        OrganizationPlan(
            id: "demo-org-shuangyashan", name: "双鸭山市人民政府办公室",
            units: units(DemoData.shuangyashanCounties, .county)
                + units(DemoData.shuangyashanDepartments, .municipalDepartment)
                + units(DemoData.shuangyashanProvincial, .provincialUnit)),
        OrganizationPlan(
            id: "demo-org-changbai", name: "长白朝鲜族自治县政务服务和数字化建设管理局",
            units: [
                ("cb01", "县发展和改革局", .districtDepartment), ("cb02", "县市场监督管理局", .districtDepartment),
                ("cb03", "县住房和城乡建设局", .districtDepartment), ("cb04", "县自然资源局", .districtDepartment),
                ("cb05", "县人力资源和社会保障局", .districtDepartment), ("cb06", "县交通运输局", .districtDepartment),
            ]),
        OrganizationPlan(
            id: "demo-org-xinbei", name: "新北区“三合一”阳光政务平台考核组",
            units: [
                ("xb01", "区发展和改革局", .districtDepartment), ("xb02", "区教育局", .districtDepartment),
                ("xb03", "区民政局", .districtDepartment), ("xb04", "区卫生健康局", .districtDepartment),
                ("xb05", "三井街道", .township),
            ]),
    ]

    static let assessments: [AssessmentPlan] = [
        AssessmentPlan(
            id: "demo-pingqiao-2022", organization: "demo-org-pingqiao", schemeID: "pingqiao-2022", year: 2022,
            title: "平桥区2022年度“互联网+监管”工作绩效考核", state: .scoring, unitCodes: []),
        AssessmentPlan(
            id: "demo-shuangyashan-2017", organization: "demo-org-shuangyashan", schemeID: "shuangyashan-2017",
            year: 2017, title: "双鸭山市2017年度“互联网+政务服务”工作考核", state: .publicity, unitCodes: []),
        AssessmentPlan(
            id: "demo-changbai-2020-fangguanfu", organization: "demo-org-changbai",
            schemeID: "changbai-2020-fangguanfu", year: 2020, title: "长白县2020年度“放管服”和“最多跑一次”改革工作考评",
            state: .scoring, unitCodes: []),
        AssessmentPlan(
            id: "demo-xinbei-sanheyi", organization: "demo-org-xinbei", schemeID: "xinbei-sanheyi", year: 2023,
            title: "新北区2023年度“三合一”阳光政务平台考核", state: .open, unitCodes: []),
        AssessmentPlan(
            id: DemoLoader.raterAssessment, organization: "demo-org-changbai", schemeID: "changbai-2020-yingshang",
            year: 2020, title: "长白县2020年度营商环境建设完成情况考评", state: .scoring, unitCodes: []),
    ]

    /// The demo logins, one per role but administrator (password: ``password``).
    public static let accounts: [Account] = [
        Account(username: "demo-organizer", displayName: "演示·考核组织者", role: .organizer, note: "管理全部演示考核"),
        Account(
            username: "demo-evaluator", displayName: "演示·评分人", role: .evaluator,
            note: "平桥区前5个部门、长白县全部单位的评分人"),
        Account(
            username: "demo-reporter", displayName: "演示·单位填报人", role: .reporter,
            note: "\(DemoData.pingqiaoDepartments[0].name)的填报人，只看本单位"),
        Account(username: "demo-leader", displayName: "演示·领导", role: .leader, note: "只读查看结果"),
    ]

    /// The unit id of a demo unit code (e.g. `pq01` → `demo-pq01`).
    public static func unitID(_ code: String) -> UnitID { UnitID("demo-\(code)") }

    /// Loads everything, or returns nil (changing nothing) when the demo is already loaded.
    public func load() async throws -> Summary? {
        guard try await !isLoaded() else { return nil }
        let store = deps.store
        var summary = Summary()
        let now = deps.now()

        for plan in Self.organizations {
            try await store.createOrganization(
                Organization(id: OrganizationID(plan.id), name: plan.name, createdAt: now), by: actor)
            let units = plan.units.map {
                AssessedUnit(
                    id: Self.unitID($0.code), organizationID: OrganizationID(plan.id), code: $0.code, name: $0.name,
                    type: $0.type, createdAt: now)
            }
            try await store.createUnits(units, by: actor)
            summary.organizations += 1
            summary.units += units.count
        }

        // A year of platform records for Xinbei (2023, and 2022's cases) and Pingqiao (2022).
        let calendar = try SchemeCatalog(deps).calendar()
        let workingDays = WorkingDayIndex(calendar: calendar)
        for (organization, rows) in [
            (
                "demo-org-xinbei",
                DemoRecords.xinbei(
                    units: ["xb01", "xb02", "xb03", "xb04", "xb05"], year: 2023, workingDays: workingDays)
            ),
            (
                "demo-org-pingqiao",
                DemoRecords.pingqiao(
                    units: DemoData.pingqiaoDepartments.map(\.id), year: 2022, workingDays: workingDays)
            ),
        ] {
            summary.platformRecords += try await DemoRecords.write(
                rows, organization: OrganizationID(organization), calendar: calendar, store: store, actor: actor,
                now: now)
        }

        // Accounts first, so the evaluator can be assigned.
        let auth = AuthService(deps)
        let reporterUnit = Self.unitID(DemoData.pingqiaoDepartments[0].id)
        let accounts = Self.accounts
        var users: [Role: User] = [:]
        for account in accounts {
            users[account.role] = try await auth.createUser(
                username: account.username, displayName: account.displayName, password: Self.password,
                roles: [account.role], organizationID: nil, unitID: account.role == .reporter ? reporterUnit : nil,
                by: actor)
        }
        summary.accounts = accounts

        for (index, plan) in Self.assessments.enumerated() {
            guard let scheme = try BuiltInSchemes.load(plan.schemeID) else {
                throw AppError.notFound("内置考核方案 \(plan.schemeID)")
            }
            let organization = OrganizationID(plan.organization)
            let assessment = Assessment(
                id: AssessmentID(plan.id), organizationID: organization, schemeID: plan.schemeID, year: plan.year,
                title: plan.title, createdAt: now)
            try await store.createAssessment(assessment, by: actor)
            summary.assessments += 1
            let orgUnits = try await store.units(in: organization)
            let units = plan.unitCodes.isEmpty ? orgUnits : orgUnits.filter { plan.unitCodes.contains($0.code) }
            try await store.enrol(units.map(\.id), in: assessment.id, by: actor)

            if let evaluator = users[.evaluator] {
                if plan.schemeID == "pingqiao-2022" {
                    for unit in units.prefix(5) {
                        try await store.assign(
                            EvaluatorAssignment(
                                assessmentID: assessment.id, userID: evaluator.id, unitID: unit.id, itemID: nil),
                            by: actor)
                    }
                } else if plan.schemeID.hasPrefix("changbai") {
                    try await store.assign(
                        EvaluatorAssignment(
                            assessmentID: assessment.id, userID: evaluator.id, unitID: nil, itemID: nil),
                        by: actor)
                }
            }

            // Facts are accepted from 进行中 on: open, record, then move on to the planned state.
            _ = try await store.transition(assessment.id, to: .open, by: actor)
            var writes: [FactsWrite] = []
            var unitFindings: [(AssessedUnit, [DemoData.DemoFinding])] = []
            for (position, unit) in units.enumerated() {
                let seed = UInt64(index + 1) * 1_000 + UInt64(position + 1)
                let quality = 55 + (position * 37 + index * 11) % 45
                let (records, findings) = Self.facts(for: scheme, unit: unit, seed: seed, quality: quality)
                // The rater item of the 营商环境 assessment is scored by its rater round, not by typed facts.
                writes += records.filter { plan.id != Self.raterAssessment || $0.item != Self.raterItem }.map {
                    FactsWrite(unitID: unit.id, itemID: $0.item, json: $0.json)
                }
                unitFindings.append((unit, findings))
            }
            // One transaction per assessment; every (unit, item) write is still audited on its own.
            summary.factRecords += try await store.importFacts(assessment: assessment.id, writes: writes, by: actor)
                .count
            for (unit, findings) in unitFindings {
                for finding in findings {
                    guard let day = Day(finding.date.description) else { continue }
                    try await store.addFinding(
                        Finding(
                            assessmentID: assessment.id, unitID: unit.id, itemID: finding.item, factName: finding.fact,
                            date: day,
                            note: finding.note, createdAt: now),
                        by: actor)
                    summary.findings += 1
                }
            }
            var path: [AssessmentState] = []
            switch plan.state {
            case .scoring: path = [.scoring]
            case .publicity: path = [.scoring, .publicity]
            case .final: path = [.scoring, .publicity, .final]
            case .draft, .open: path = []
            }
            if plan.schemeID == "pingqiao-2022" {
                summary.submissions += try await selfAssessments(
                    assessment, scheme: scheme, units: units, evaluator: users[.evaluator], organizer: users[.organizer]
                )
            }
            for state in path {
                if state == .publicity || state == .final, let organizer = users[.organizer] {
                    guard let current = try await store.assessment(assessment.id) else {
                        throw AppError.notFound("考核 \(assessment.id)")
                    }
                    _ = try await Operations(deps).publishTransition(
                        current, to: state, reason: "演示：发布考核结果", by: organizer)
                    summary.publications += 1
                } else {
                    _ = try await store.transition(assessment.id, to: state, by: actor)
                }
            }
            if plan.state == .publicity, let unit = units.first, let item = scheme.items.first {
                let version = try await store.publications(of: assessment.id).last?.version ?? 1
                let published = try await store.publication(of: assessment.id, version: version).map {
                    PublishedUnit.parse($0.results)
                }
                let scoreBefore = published?.first { $0.code == unit.code }?.items[item.id]?.score
                try await store.addObjection(
                    Objection(
                        assessmentID: assessment.id, unitID: unit.id, itemID: item.id,
                        text: "本单位已按要求完成该项工作，相关材料已于年中报送，请核实。", evidenceIDs: [],
                        publicationVersion: version, scoreBefore: scoreBefore, createdBy: nil, createdAt: now),
                    by: AuditActor(userID: nil, name: "\(unit.name)（演示）", reason: nil))
            }
            if plan.id == Self.raterAssessment {
                summary.raterBallots = try await raterRound(assessment, units: units, organizer: users[.organizer])
            }
            // The assessments whose facts come from platform records have January's and February's bulletins
            // published, so leaders and units have bulletins to open and the next draft shows rank changes.
            if let organizer = users[.organizer], ["xinbei-sanheyi", "pingqiao-2022"].contains(plan.schemeID) {
                for month in 1...2 {
                    let period = BulletinPeriod.month(plan.year, month)!
                    _ = try await Operations(deps).publishBulletin(
                        assessment.id.rawValue, BulletinRequest(period: period), by: organizer)
                    summary.bulletins += 1
                }
            }
            summary.assessmentLines.append(
                "\(plan.title)（方案 \(plan.schemeID)，\(units.count) 个单位，状态：\(plan.state.displayName)）")
        }
        if let organizer = users[.organizer], let evaluator = users[.evaluator] {
            let (plans, items, findings) = try await oversight(
                organizer: organizer, evaluator: evaluator, reporterUnit: reporterUnit)
            summary.spotChecks = plans
            summary.ledgerItems = items
            summary.findings += findings
        }
        // Deadlines and rectification items due or overdue land in the inboxes as the server's sweep puts them.
        try await Operations(deps).sweepNotifications()
        return summary
    }

    /// The self-assessments of the Pingqiao departments: deadlines set; most submitted (some late under an
    /// extension), a few drafts and a few not started; the demo reporter's unit has item 2.1 returned for
    /// correction, so the whole path can be tried at once.
    func selfAssessments(
        _ assessment: Assessment, scheme: Scheme, units: [AssessedUnit], evaluator: User?, organizer: User?
    ) async throws -> Int {
        let store = deps.store
        let deadline = Day("\(assessment.year + 1)-01-13")!
        _ = try await store.setDeadlines(
            assessment.id, submission: deadline, objection: Day("\(assessment.year + 1)-02-10"), by: actor)
        var submitted = 0
        for (position, unit) in units.enumerated() {
            let phase = position % 6
            if phase == 5 { continue }  // not started
            let items = phase == 4 ? Array(scheme.items.prefix(3)) : scheme.items  // a draft
            var entries: [SelfAssessmentEntry] = []
            for (index, item) in items.enumerated() {
                let less = ExactDecimal((position + index) % 3)
                let score = item.max > less ? item.max - less : item.max
                let entry = SelfAssessmentEntry(
                    assessmentID: assessment.id, unitID: unit.id, itemID: item.id, selfScore: score.description,
                    note: "\(item.name)：已按要求开展，佐证材料见附件。", claimedFacts: nil)
                entries.append(
                    try await store.saveSelfAssessment(
                        entry, expectedVersion: 0, by: AuditActor(userID: nil, name: "\(unit.name)（演示）", reason: nil)))
            }
            guard phase != 4 else { continue }
            let late = phase == 3
            if late {
                try await store.extendDeadline(
                    DeadlineExtension(
                        assessmentID: assessment.id, unitID: unit.id,
                        deadline: Day("\(assessment.year + 1)-01-20")!, reason: "单位主要负责人调整，申请延期一周",
                        createdBy: organizer?.id, createdAt: deps.now()), by: actor)
            }
            // On time: in the days before the deadline; late: within the week's extension.
            let day = late ? "\(assessment.year + 1)-01-18" : "\(assessment.year + 1)-01-\(10 + position % 3)"
            let submittedAt =
                ISO8601DateFormatter().date(from: "\(day)T\(10 + position % 8):30:00+08:00") ?? deps.now()
            try await store.submit(
                Submission(
                    assessmentID: assessment.id, unitID: unit.id, number: 1, submittedAt: submittedAt, submittedBy: nil,
                    late: late, deadline: deadline,
                    snapshot: try Submission.snapshot(of: entries)),
                by: AuditActor(userID: nil, name: "\(unit.name)（演示）", reason: nil))
            submitted += 1
            if position == 0, let evaluator {
                try await store.addReviewAction(
                    ReviewAction(
                        assessmentID: assessment.id, unitID: unit.id, itemID: "2.1", kind: .return,
                        text: "请补充监管事项覆盖率的统计口径和明细表", createdBy: evaluator.id, createdAt: deps.now()),
                    by: .user(evaluator))
                // The reporter's inbox gets it as the review would give it.
                let operations = Operations(deps)
                _ = try await operations.deliver(
                    try await operations.itemReturnedNotes(
                        assessment, unit: unit, item: "2.1", itemName: scheme.item("2.1")?.name ?? "",
                        reason: "请补充监管事项覆盖率的统计口径和明细表"))
            }
        }
        return submitted
    }

    /// One item's facts as stored: the item id and a JSON object (fact name → value).
    struct ItemFacts: Equatable {
        var item: String
        var json: String
    }

    /// Plausible complete facts for one unit, split per item as the facts API stores them, with the incidents
    /// behind its counts. The unit's type is passed to the scheme only when the scheme distinguishes it.
    static func facts(for scheme: Scheme, unit: AssessedUnit, seed: UInt64, quality: Int)
        -> ([ItemFacts], [DemoData.DemoFinding])
    {
        let typeName = unit.type == .provincialUnit ? "在双中省直单位" : unit.type.displayName
        let unitType = scheme.unitTypes.first { $0.id == typeName || $0.name == typeName }?.id
        let (sheet, findings) = DemoData.facts(for: scheme, unitType: unitType, seed: seed, quality: quality)
        return (itemFacts(scheme: scheme, sheet: sheet), findings)
    }

    /// Splits a fact sheet into one JSON object per item (items without any value are left out).
    static func itemFacts(scheme: Scheme, sheet: FactSheet) -> [ItemFacts] {
        var order: [String] = []
        var writers: [String: JSONWriter] = [:]
        for (slot, info) in scheme.slots.enumerated() {
            guard let value = sheet[slot] else { continue }
            var writer: JSONWriter
            if let existing = writers[info.group] {
                writer = existing
                writer.raw(",")
            } else {
                order.append(info.group)
                writer = JSONWriter(capacity: 256)
                writer.raw("{")
            }
            writer.key(info.spec.name)
            FactValueCoding.encode(value, spec: info.spec, into: &writer)
            writers[info.group] = writer
        }
        return order.map { item in
            var writer = writers[item]!
            writer.raw("}")
            return ItemFacts(item: item, json: String(decoding: writer.bytes, as: UTF8.self))
        }
    }
}
