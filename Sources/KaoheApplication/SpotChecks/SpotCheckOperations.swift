import Foundation
import KaoheEngine
import KaoheRecords
import KaoheStorage

/// The spot-checks page of an assessment: its plans and what the form offers.
public struct SpotCheckIndex: Sendable {
    /// The assessment.
    public var assessment: Assessment
    /// The plans, oldest first.
    public var plans: [SpotCheckPlan]
    /// Whether the viewer may publish, draw and publish results (organizers, administrators).
    public var canManage: Bool
    /// Accounts that can inspect (evaluators, organizers, administrators), by username.
    public var candidates: [User]
    /// The record types the organization holds records of.
    public var recordTypes: [RecordType]
}

/// One plan as the viewer may see it: the notice, after the draw the sample and assignment, the results.
public struct SpotCheckPage: Sendable {
    /// The assessment.
    public var assessment: Assessment
    /// The plan (its draw filtered for a unit's reporter until the results are public).
    public var plan: SpotCheckPlan
    /// The results by object key (filtered likewise).
    public var results: [String: SpotCheckResult]
    /// The findings recorded for problems, by id.
    public var findings: [FindingID: Finding]
    /// Display names and units of the inspectors.
    public var userNames: [UserID: String]
    /// Whether the viewer may draw and publish results.
    public var canManage: Bool
    /// The objects whose result the viewer may record (their inspector, or a manager).
    public var mayRecord: Set<String>
    /// The scheme items a problem may be recorded under.
    public var items: [(id: String, title: String)]
    /// Whether the draw's details are cut to the viewer's own unit.
    public var ownUnitOnly: Bool
}

/// What publishing a plan takes from a form.
public struct SpotCheckInput: Sendable {
    /// 计划名称.
    public var title: String
    /// `units` or `records`.
    public var population: String
    /// The record type (records plans).
    public var recordType: String
    /// A fixed number (may be empty).
    public var count: String
    /// A ratio in percent (may be empty).
    public var ratio: String
    /// The least number (may be empty: 0).
    public var minimum: String
    /// The inspectors' user ids.
    public var inspectors: [String]
    /// Hand exclusions, one `username unitcode` a line.
    public var exclusions: String

    /// Creates an input.
    public init(
        title: String, population: String, recordType: String = "", count: String = "", ratio: String = "",
        minimum: String = "", inspectors: [String], exclusions: String = ""
    ) {
        self.title = title
        self.population = population
        self.recordType = recordType
        self.count = count
        self.ratio = ratio
        self.minimum = minimum
        self.inspectors = inspectors
        self.exclusions = exclusions
    }
}

extension Operations {
    static let spotCheckPermission = "抽查计划的发布、抽取和结果公示（需考核组织者或管理员角色）"

    /// The spot-checks page.
    public func spotChecks(_ id: String, for user: User) async throws -> SpotCheckIndex {
        let detail = try await assessmentDetail(id, for: user)
        let manage = user.can(.manageAssessments)
        let candidates =
            manage ? try await store.users().filter { $0.has(.evaluator) || $0.has(.organizer) || $0.has(.admin) } : []
        let counts = manage ? try await store.recordCounts(organization: detail.assessment.organizationID) : [:]
        return SpotCheckIndex(
            assessment: detail.assessment, plans: try await store.spotCheckPlans(assessment: detail.assessment.id),
            canManage: manage, candidates: candidates,
            recordTypes: RecordType.allCases.filter { (counts[$0.rawValue] ?? 0) > 0 })
    }

    /// Publishes a plan with the SHA-256 of a fresh secret seed (32 bytes from the system's secure generator);
    /// the seed itself is revealed by the draw.
    public func publishSpotCheckPlan(_ id: String, _ input: SpotCheckInput, by user: User) async throws
        -> SpotCheckPlan
    {
        guard user.can(.manageAssessments) else { throw AppError.forbidden(Self.spotCheckPermission) }
        guard let assessment = try await store.assessment(AssessmentID(id)) else { throw AppError.notFound("考核 \(id)") }
        let title = input.title.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !title.isEmpty else { throw AppError.invalid("请填写“计划名称”") }
        try InputRules.name(title, field: "计划名称")
        guard let population = SpotCheckPopulation(rawValue: input.population) else {
            throw AppError.invalid("抽查对象“\(input.population)”无效：应为 units（考核单位）或 records（平台记录）")
        }
        var recordType: String?
        if population == .records {
            guard let type = RecordType(rawValue: input.recordType) else {
                throw AppError.invalid(
                    "记录类型“\(input.recordType)”无效，可用：\(RecordType.allCases.map(\.rawValue).joined(separator: "、"))")
            }
            recordType = type.rawValue
        }
        func number(_ text: String, field: String, range: ClosedRange<Int>) throws -> Int? {
            let text = text.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { return nil }
            guard let value = Int(text), range.contains(value) else {
                throw AppError.invalid("“\(field)”应为\(range.lowerBound)～\(range.upperBound)之间的整数，而不是“\(text)”")
            }
            return value
        }
        let count = try number(input.count, field: "抽取数量", range: 1...100_000)
        let ratio = try number(input.ratio.replacingOccurrences(of: "%", with: ""), field: "抽取比例（%）", range: 1...100)
        guard (count == nil) != (ratio == nil) else { throw AppError.invalid("“抽取数量”和“抽取比例”须填写且只填写一项") }
        let minimum = try number(input.minimum, field: "至少抽取", range: 0...100_000) ?? 0
        let users = try await store.users()
        var inspectors: [UserID] = []
        for text in input.inspectors where !text.isEmpty {
            guard let found = users.first(where: { $0.id.rawValue == text }) else {
                throw AppError.notFound("检查人员账号 \(text)")
            }
            guard found.has(.evaluator) || found.has(.organizer) || found.has(.admin) else {
                throw AppError.invalid("“\(found.displayName)”不是评分人、组织者或管理员，不能作为检查人员")
            }
            if !inspectors.contains(found.id) { inspectors.append(found.id) }
        }
        guard !inspectors.isEmpty else { throw AppError.invalid("请至少选择一名检查人员") }
        let units = try await enrolledUnits(assessment)
        var exclusions: [SpotCheckExclusion] = []
        for (index, raw) in input.exclusions.split(whereSeparator: \.isNewline).enumerated() {
            let parts = raw.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," || $0 == "，" })
            guard !parts.isEmpty else { continue }
            guard parts.count == 2 else {
                throw AppError.invalid("回避设置第\(index + 1)行“\(raw)”应为“用户名 单位编码”")
            }
            guard let who = users.first(where: { $0.username == String(parts[0]) }), inspectors.contains(who.id)
            else { throw AppError.invalid("回避设置第\(index + 1)行：“\(parts[0])”不是本计划的检查人员") }
            guard units.contains(where: { $0.code == String(parts[1]) }) else {
                throw AppError.invalid("回避设置第\(index + 1)行：单位编码“\(parts[1])”不是本考核的单位")
            }
            exclusions.append(SpotCheckExclusion(inspector: who.id, unitCode: String(parts[1])))
        }
        let seed = Secrets.hexToken(bytes: 32)
        let plan = SpotCheckPlan(
            assessmentID: assessment.id, title: title, population: population, recordType: recordType,
            sampleCount: count, ratioPercent: ratio, minimum: minimum, inspectors: inspectors, exclusions: exclusions,
            seedHash: KaoheStorage.SHA256.hex(seed), createdBy: user.id, createdAt: deps.now())
        let (store, notes) = (store, spotCheckAssignedNotes(plan, assessment: assessment))
        try await committing {
            try await store.createSpotCheckPlan(plan, secretSeed: seed, by: .user(user))
        } notifying: { _ in
            notes
        }
        return plan
    }

    /// The population of a plan as it stands now: the enrolled units by code, or their records of the type.
    func spotCheckPopulation(_ plan: SpotCheckPlan, assessment: Assessment) async throws -> [SpotCheckObject] {
        let units = try await enrolledUnits(assessment)
        switch plan.population {
        case .units:
            return units.map { SpotCheckObject(key: $0.code, unitCode: $0.code, label: $0.name) }
        case .records:
            guard let type = plan.recordType.flatMap(RecordType.init(rawValue:)) else { return [] }
            let names = Dictionary(units.map { ($0.code, $0.name) }, uniquingKeysWith: { a, _ in a })
            let records = try await recordSet(of: assessment.organizationID)
            let table = records[type]
            return (0..<table.count).compactMap { row in
                let record = records.record(type, row: row)
                guard let name = names[record.unit] else { return nil }
                return SpotCheckObject(
                    key: "\(record.unit)/\(record.id)", unitCode: record.unit,
                    label: "\(name) \(type.label) \(record.id)")
            }
        }
    }

    /// Draws a published plan once, revealing its seed; a drawn plan is refused.
    public func drawSpotCheck(_ id: String, plan planID: String, by user: User) async throws -> SpotCheckPlan {
        guard user.can(.manageAssessments) else { throw AppError.forbidden(Self.spotCheckPermission) }
        let (assessment, plan) = try await spotCheckScope(id, plan: planID, for: user)
        let population = try await spotCheckPopulation(plan, assessment: assessment)
        guard !population.isEmpty else { throw AppError.conflict("抽查对象为空（没有考核单位或该类型的记录），无法抽取") }
        var inspectorUnits: [String: String] = [:]
        for inspector in plan.inspectors {
            if let unitID = try await store.user(inspector)?.unitID, let unit = try await store.unit(unitID) {
                inspectorUnits[inspector.rawValue] = unit.code
            }
        }
        do {
            return try await store.drawSpotCheck(plan.id, at: deps.now(), by: .user(user)) { [inspectorUnits] seed in
                try SpotCheckAlgorithm.draw(
                    seed: seed, plan: plan, population: population, inspectorUnits: inspectorUnits)
            }
        } catch let error as SpotCheckAlgorithm.Failure {
            throw AppError.conflict(error.description)
        } catch let error as StorageError {
            throw AppError(error)
        }
    }

    func spotCheckScope(_ id: String, plan planID: String, for user: User) async throws -> (Assessment, SpotCheckPlan) {
        let detail = try await assessmentDetail(id, for: user)
        guard let plan = try await store.spotCheckPlan(planID), plan.assessmentID == detail.assessment.id else {
            throw AppError.notFound("考核 \(id) 的抽查计划 \(planID)")
        }
        return (detail.assessment, plan)
    }

    /// One plan's page: a unit's reporter sees only its own unit's drawn objects and results until the results
    /// are published (抽查结果公示); everyone sees the notice, the seed's hash and, after the draw, the seed.
    public func spotCheck(_ id: String, plan planID: String, for user: User) async throws -> SpotCheckPage {
        let (assessment, stored) = try await spotCheckScope(id, plan: planID, for: user)
        var plan = stored
        var results = Dictionary(
            try await store.spotCheckResults(plan: plan.id).map { ($0.objectKey, $0) }, uniquingKeysWith: { a, _ in a })
        let ownOnly = user.seesOwnUnitOnly && plan.state != .resultsPublished
        if ownOnly, var draw = plan.draw {
            let code = try await user.unitID.asyncMap { try await store.unit($0)?.code } ?? nil
            draw.assignments = draw.assignments.filter { $0.object.unitCode == code }
            plan.draw = draw
            let keys = Set(draw.assignments.map(\.object.key))
            results = results.filter { keys.contains($0.key) }
        }
        let findingIDs = Set(results.values.flatMap(\.findingIDs))
        let findings =
            findingIDs.isEmpty
            ? [:]
            : Dictionary(
                try await store.findings(assessment: assessment.id).filter { findingIDs.contains($0.id) }.map {
                    ($0.id, $0)
                }, uniquingKeysWith: { a, _ in a })
        let manage = user.can(.manageAssessments)
        var mayRecord = Set<String>()
        if plan.state == .drawn && assessment.state.acceptsFacts {
            for assignment in plan.draw?.assignments ?? [] where manage || assignment.inspector == user.id {
                mayRecord.insert(assignment.object.key)
            }
        }
        let scheme = try await self.scheme(of: assessment)
        let users = try await store.users()
        return SpotCheckPage(
            assessment: assessment, plan: plan, results: results, findings: findings,
            userNames: Dictionary(users.map { ($0.id, $0.displayName) }, uniquingKeysWith: { a, _ in a }),
            canManage: manage, mayRecord: mayRecord,
            items: scheme.categories.flatMap(\.items).map { ($0.id, "\($0.id) \($0.name)") }, ownUnitOnly: ownOnly)
    }

    /// Records an inspector's result on one drawn object: `pass`, or `problem` with a note and the scheme item
    /// it falls under — each problem is a finding of that item (counted into its facts as findings are) and is
    /// added to the object's result.
    public func recordSpotCheckResult(
        _ id: String, plan planID: String, object key: String, outcome: String, note: String, item itemID: String,
        by user: User
    ) async throws -> (result: SpotCheckResult, finding: Finding?) {
        let (assessment, plan) = try await spotCheckScope(id, plan: planID, for: user)
        guard let assignment = plan.draw?.assignments.first(where: { $0.object.key == key }) else {
            throw AppError.notFound("抽查计划“\(plan.title)”的抽查对象 \(key)")
        }
        guard user.can(.manageAssessments) || assignment.inspector == user.id else {
            throw AppError.forbidden("记录该对象的抽查结果（只有抽中的检查人员、考核组织者或管理员可以）")
        }
        guard plan.state == .drawn else {
            throw AppError.conflict("抽查计划“\(plan.title)”\(plan.state == .published ? "尚未抽取" : "的结果已公示")，不能记录结果")
        }
        try InputRules.note(note, field: "检查情况")
        let existing = try await store.spotCheckResults(plan: plan.id).first { $0.objectKey == key }
        var result = SpotCheckResult(
            planID: plan.id, objectKey: key, passed: true, note: note, recordedBy: user.id, recordedAt: deps.now())
        var finding: Finding?
        switch outcome {
        case "pass":
            guard existing?.findingIDs.isEmpty ?? true else {
                throw AppError.conflict("该对象已记录问题，不能再记为合格")
            }
        case "problem":
            let text = note.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else { throw AppError.invalid("请填写发现的问题") }
            let scheme = try await self.scheme(of: assessment)
            guard let item = scheme.item(try InputRules.id(itemID, field: "考核项目")) else {
                throw AppError.notFound("方案“\(scheme.id)”中的考核项目“\(itemID)”")
            }
            guard
                let unit = try await enrolledUnits(assessment).first(where: { $0.code == assignment.object.unitCode })
            else { throw AppError.notFound("单位 \(assignment.object.unitCode)") }
            var made = Finding(
                assessmentID: assessment.id, unitID: unit.id, itemID: item.id, date: today(),
                note: "随机抽查“\(plan.title)”（\(assignment.object.label)）：\(text)", createdBy: user.id,
                createdAt: deps.now())
            made.factName = FactsAssembly.countFact(of: made, in: scheme)
            do {
                try await store.addFinding(made, by: .user(user))
            } catch let error as StorageError {
                throw AppError(error)
            }
            finding = made
            result.passed = false
            result.findingIDs = (existing?.findingIDs ?? []) + [made.id]
            if let old = existing?.note, !old.isEmpty { result.note = old + "\n" + text }
        default: throw AppError.invalid("检查结论“\(outcome)”无效：应为 pass（合格）或 problem（发现问题）")
        }
        do {
            try await store.recordSpotCheckResult(result, by: .user(user))
        } catch let error as StorageError {
            throw AppError(error)
        }
        return (result, finding)
    }

    /// Publishes a drawn plan's results (抽查结果公示).
    public func publishSpotCheckResults(_ id: String, plan planID: String, by user: User) async throws
        -> SpotCheckPlan
    {
        guard user.can(.manageAssessments) else { throw AppError.forbidden(Self.spotCheckPermission) }
        let (_, plan) = try await spotCheckScope(id, plan: planID, for: user)
        do {
            return try await store.publishSpotCheckResults(plan.id, at: deps.now(), by: .user(user))
        } catch let error as StorageError {
            throw AppError(error)
        }
    }
}
