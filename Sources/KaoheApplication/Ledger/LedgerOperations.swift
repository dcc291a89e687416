import Foundation
import KaoheEngine
import KaoheRecords
import KaoheStorage

/// The rectification ledger (整改台账): any finding, deduction or spot-check problem can open an item with a
/// deadline in working days on the official calendar; the unit answers with its evidence, the evaluator verifies
/// or returns it, the organizer may judge it refused or insufficient (feeding Xinbei's penalty item). Units see
/// only their own items until the results are public.
extension Operations {
    /// The longest deadline accepted, in working days.
    static let maxLedgerWorkingDays = 250

    /// Whether `user` sees every unit's ledger items of `assessment`: everyone but a unit's reporter, and a
    /// reporter too once the results are public (公示, 定稿).
    static func seesWholeLedger(_ assessment: Assessment, user: User) -> Bool {
        !user.seesOwnUnitOnly || assessment.state == .publicity || assessment.state == .final
    }

    /// The ledger as a list: `q` searches the problem, the measures and the unit's name; `state`, `unit` and
    /// `overdue` are ``LedgerFilter``'s (kept in links); sorted by 序号, deadline, unit or state.
    public static let ledgerListSpec = ListSpec(
        name: "整改台账",
        sortKeys: [
            (key: "number", label: "序号"), (key: "deadline", label: "整改时限"), (key: "unit", label: "责任单位"),
            (key: "state", label: "整改情况"),
        ], defaultSort: "number",
        filters: [(key: "state", label: "状态"), (key: "unit", label: "责任单位"), (key: "overdue", label: "只看逾期")],
        defaultSize: 50, maxSize: 500)

    /// The ledger of an assessment, filtered (one unit's ledger with `filter.unit`), and the page `list` asks for.
    public func ledger(
        _ id: String, filter: LedgerFilter, list: ListQuery = .first(of: ledgerListSpec), for user: User
    ) async throws -> LedgerPage {
        let detail = try await assessmentDetail(id, for: user)
        let assessment = detail.assessment
        let whole = Self.seesWholeLedger(assessment, user: user)
        let allUnits = try await store.units(in: assessment.organizationID)
        var items = try await store.rectificationItems(assessment: assessment.id, unit: nil)
        if !whole { items = items.filter { $0.unitID == user.unitID } }
        let named = Set(items.map(\.unitID))
        var byID: [UnitID: AssessedUnit] = [:]
        for unit in allUnits where named.contains(unit.id) { byID[unit.id] = unit }
        if let wanted = filter.unit, byID[wanted] == nil, let unit = allUnits.first(where: { $0.id == wanted }) {
            byID[wanted] = unit
        }
        let today = today()
        let all = items.compactMap { item in
            byID[item.unitID].map { LedgerRow(item: item, unit: $0, overdue: item.isOverdue(on: today)) }
        }
        var filter = filter
        if let named = filter.unit, byID[named] == nil {
            guard let unit = allUnits.first(where: { $0.code.lowercased() == named.rawValue.lowercased() }) else {
                throw AppError.invalid("责任单位“\(named)”不存在（请填写单位编码）")
            }
            filter.unit = unit.id
        }
        let rows = all.filter { row in
            (filter.state == nil || row.item.state == filter.state)
                && (filter.unit == nil || row.item.unitID == filter.unit) && (!filter.overdueOnly || row.overdue)
        }
        let scheme = try await self.scheme(of: assessment)
        let previous =
            user.can(.manageAssessments)
            ? try await store.assessments().filter {
                $0.organizationID == assessment.organizationID && $0.year == assessment.year - 1
            } : []
        let visibleUnits = user.seesOwnUnitOnly && whole ? try await enrolledUnits(assessment) : detail.units
        let states = RectificationState.allCases
        let shown = list.page(of: rows.filter { list.matches($0.item.problem, $0.item.measures, $0.unit.name) }) {
            key -> (LedgerRow, LedgerRow) -> Bool in
            switch key {
            case "deadline": { $0.item.deadline < $1.item.deadline }
            case "unit": { $0.unit.code < $1.unit.code }
            case "state":
                {
                    (states.firstIndex(of: $0.item.state) ?? 0) < (states.firstIndex(of: $1.item.state) ?? 0)
                }
            default: { $0.item.number < $1.item.number }
            }
        }
        return LedgerPage(
            assessment: assessment, rows: rows, list: shown,
            counts: Dictionary(grouping: all, by: \.item.state).mapValues(\.count),
            overdueCount: all.filter(\.overdue).count, filter: filter, today: today, units: visibleUnits,
            unitsWithItems: byID.values.sorted { $0.code < $1.code },
            canOpen: user.can(.recordFacts) && assessment.state != .final, canManage: user.can(.manageAssessments),
            previous: previous,
            items: scheme.categories.flatMap(\.items).map { ($0.id, "\($0.id) \($0.name)") },
            penalty: LedgerPenaltyTarget.of(scheme))
    }

    func enrolledUnits(_ assessment: Assessment) async throws -> [AssessedUnit] {
        let enrolled = Set(try await store.enrolments(of: assessment.id).map(\.unitID))
        return try await store.units(in: assessment.organizationID).filter { enrolled.contains($0.id) }
    }

    /// One ledger item as `user` may see it (another unit's item is "not found" for a reporter until public).
    func visibleLedgerItem(_ id: String, item itemID: String, for user: User) async throws -> (
        Assessment, RectificationItem, AssessedUnit
    ) {
        let detail = try await assessmentDetail(id, for: user)
        let notFound = AppError.notFound("考核 \(id) 的整改事项 \(itemID)")
        guard let item = try await store.rectificationItem(itemID), item.assessmentID == detail.assessment.id
        else { throw notFound }
        if !Self.seesWholeLedger(detail.assessment, user: user) && item.unitID != user.unitID { throw notFound }
        guard let unit = try await store.unit(item.unitID) else { throw notFound }
        return (detail.assessment, item, unit)
    }

    /// The page of one ledger item with its history.
    public func ledgerItem(_ id: String, item itemID: String, for user: User) async throws -> LedgerItemPage {
        let (assessment, item, unit) = try await visibleLedgerItem(id, item: itemID, for: user)
        let events = try await store.rectificationEvents(item: item.id)
        var allowed: [RectificationAction] = []
        for action in RectificationAction.allowed(from: item.state)
        where try await mayTake(action, on: item, unit: unit, in: assessment, user: user) {
            allowed.append(action)
        }
        var evidence: [EvidenceID: EvidenceFile] = [:]
        if let scope = try await EvidenceScope.of(assessment, unit, for: user, store: store) {
            let wanted = Set(events.flatMap(\.evidenceIDs))
            for file in try await store.evidence(assessment: assessment.id, unit: unit.id)
            where wanted.contains(file.id) && scope.maySee(file) {
                evidence[file.id] = file
            }
        }
        let users = try await store.users()
        let carried = try await item.carriedFrom.asyncMap { try await store.rectificationItem($0) } ?? nil
        return LedgerItemPage(
            assessment: assessment, item: item, unit: unit, events: events, overdue: item.isOverdue(on: today()),
            allowed: allowed, evidence: evidence,
            userNames: Dictionary(users.map { ($0.id, $0.displayName) }, uniquingKeysWith: { a, _ in a }),
            carriedFrom: carried, today: today())
    }

    /// Whether `user` may take `action` on the item: the unit's reporter starts and answers; evaluators assigned
    /// to the unit (organizers, administrators) verify and return; organizers and administrators judge.
    func mayTake(
        _ action: RectificationAction, on item: RectificationItem, unit: AssessedUnit, in assessment: Assessment,
        user: User
    ) async throws -> Bool {
        guard assessment.state != .final else { return false }
        switch action {
        case .open: return false
        case .start, .answer: return user.can(.selfAssess) && user.unitID == item.unitID
        case .verify, .return:
            return try await mayReview(assessment, unit: item.unitID, item: item.itemID, user: user)
        case .judge, .clearJudgement: return user.can(.manageAssessments) && assessment.state.acceptsFacts
        }
    }

    /// Opens a ledger item: from a finding (its note is the default problem, its item the item), from a deduction,
    /// or by hand; the deadline is the n-th working day after today on the official calendar.
    public func openLedgerItem(_ id: String, _ input: LedgerItemInput, by user: User) async throws
        -> RectificationItem
    {
        guard user.can(.recordFacts) else { throw AppError.forbidden("建立整改事项（需评分人、考核组织者或管理员角色）") }
        var unitText = try InputRules.id(input.unit, field: "责任单位")
        if let assessment = try await store.assessment(AssessmentID(id)),
            let named = try await unit(named: unitText, in: assessment.organizationID)
        {
            unitText = named.id.rawValue
        }
        let (assessment, unit) = try await factsScope(id, unit: unitText, for: user)
        let scheme = try await self.scheme(of: assessment)
        var itemID = input.item.isEmpty ? nil : try InputRules.id(input.item, field: "考核项目")
        var problem = input.problem.trimmingCharacters(in: .whitespacesAndNewlines)
        var finding: Finding?
        var source: RectificationSource = .manual
        if !input.finding.isEmpty {
            let findingID = try InputRules.id(input.finding, field: "问题记录")
            guard
                let found = try await store.findings(assessment: assessment.id, unit: unit.id, item: nil).first(where: {
                    $0.id.rawValue == findingID
                })
            else { throw AppError.notFound("单位“\(unit.name)”的问题记录 \(findingID)") }
            finding = found
            itemID = found.itemID
            if problem.isEmpty { problem = found.note }
            source = .finding
        }
        switch input.source {
        case "", "manual", "finding": break
        case "deduction": source = finding == nil ? .deduction : source
        case "spot_check": source = .spotCheck
        default: throw AppError.invalid("整改事项来源“\(input.source)”无效：应为 manual、finding、deduction 或 spot_check")
        }
        if let itemID, scheme.item(itemID) == nil {
            throw AppError.notFound("方案“\(scheme.id)”中的考核项目“\(itemID)”")
        }
        if let itemID { try await requireRecording(assessment, unit: unit.id, item: itemID, by: user) }
        guard !problem.isEmpty else { throw AppError.invalid("请填写“问题描述”") }
        try InputRules.note(problem, field: "问题描述")
        let measures = input.measures.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !measures.isEmpty else { throw AppError.invalid("请填写“整改措施”") }
        try InputRules.note(measures, field: "整改措施")
        let daysText = input.workingDays.trimmingCharacters(in: .whitespaces)
        guard let days = Int(daysText), (1...Self.maxLedgerWorkingDays).contains(days) else {
            throw AppError.invalid("“整改时限”应为1～\(Self.maxLedgerWorkingDays)之间的工作日天数，而不是“\(input.workingDays)”")
        }
        let today = today()
        let deadline = try ledgerDeadline(days, after: today)
        let item = RectificationItem(
            assessmentID: assessment.id, unitID: unit.id, itemID: itemID, findingID: finding?.id, source: source,
            problem: problem, measures: measures, openedOn: today, workingDays: days, deadline: deadline,
            createdBy: user.id, createdAt: deps.now())
        let (store, operations) = (store, self)
        return try await committing {
            try await store.openRectification(item, note: "书面要求整改：\(days)个工作日内（至\(deadline)）", by: .user(user))
        } notifying: { opened in
            try await operations.rectificationNotes(opened, event: "open", text: measures)
        }
    }

    /// The `days`-th working day after `day` on the app's official calendar.
    public func ledgerDeadline(_ days: Int, after day: Day) throws -> Day {
        WorkingDayIndex(calendar: try SchemeCatalog(deps).calendar()).deadline(days, after: day)
    }

    /// Takes one step on a ledger item (`action` as in ``RectificationAction``): permission per step, the
    /// state machine checked by the store inside its transaction.
    public func stepLedgerItem(
        _ id: String, item itemID: String, action actionText: String, text: String, verdict verdictText: String = "",
        points pointsText: String = "", evidence: [EvidenceID] = [], version: Int? = nil, by user: User
    ) async throws -> RectificationItem {
        let (assessment, item, unit) = try await visibleLedgerItem(id, item: itemID, for: user)
        guard let action = RectificationAction(rawValue: actionText), action != .open else {
            let known = RectificationAction.allCases.filter { $0 != .open }.map { "\($0.rawValue)（\($0.displayName)）" }
            throw AppError.invalid("整改操作“\(actionText)”无效，可用：\(known.joined(separator: "、"))")
        }
        guard try await mayTake(action, on: item, unit: unit, in: assessment, user: user) else {
            if assessment.state == .final { throw AppError.conflict("考核已定稿锁定，整改台账不能再变动；未销号事项可结转下一年度") }
            switch action {
            case .start, .answer: throw AppError.forbidden("只有责任单位（\(unit.name)）的填报人可以\(action.displayName)")
            case .verify, .return: throw AppError.forbidden("\(action.displayName)（需分配到本单位的评分人、考核组织者或管理员）")
            default:
                if user.can(.manageAssessments) {
                    throw AppError.conflict("考核处于“\(assessment.state.displayName)”阶段，只有进行中或评分阶段可以\(action.displayName)")
                }
                throw AppError.forbidden("\(action.displayName)（需考核组织者或管理员角色）")
            }
        }
        try InputRules.note(text, field: "说明")
        var verdict: RectificationVerdict?
        var points: Int?
        if action == .judge {
            guard let value = RectificationVerdict(rawValue: verdictText) else {
                throw AppError.invalid("认定结论“\(verdictText)”无效：应为 refused（拒不整改）或 insufficient（整改不到位）")
            }
            verdict = value
            guard let number = Int(pointsText.trimmingCharacters(in: .whitespaces)), (1...3).contains(number) else {
                throw AppError.invalid("“酌情扣分”应为1～3分，而不是“\(pointsText)”")
            }
            points = number
        }
        if action == .answer && text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw AppError.invalid("请填写“整改情况”")
        }
        if action == .return && text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw AppError.invalid("退回须填写理由")
        }
        let (store, operations) = (store, self)
        let step = RectificationStep(
            action: action, text: text, evidenceIDs: evidence, verdict: verdict, points: points, on: today())
        return try await committing {
            try await store.applyRectification(item.id, step, expectedVersion: version, by: .user(user))
        } notifying: { stepped in
            action == .return ? try await operations.rectificationNotes(stepped, event: "return", text: text) : []
        }
    }

    /// Carries the still-open items of last year's assessments of the same organization into this one (for the
    /// units enrolled here), each with a fresh deadline of its working days from today; returns how many.
    public func carryOverLedger(_ id: String, by user: User) async throws -> [RectificationItem] {
        guard user.can(.manageAssessments) else { throw AppError.forbidden("结转整改事项（需考核组织者或管理员角色）") }
        guard let assessment = try await store.assessment(AssessmentID(id)) else { throw AppError.notFound("考核 \(id)") }
        let sources = try await store.assessments().filter {
            $0.organizationID == assessment.organizationID && $0.year == assessment.year - 1
        }
        guard !sources.isEmpty else { throw AppError.conflict("没有同一组织\(assessment.year - 1)年度的考核，无可结转的整改事项") }
        let index = WorkingDayIndex(calendar: try SchemeCatalog(deps).calendar())
        let today = today()
        var made: [RectificationItem] = []
        do {
            for source in sources.sorted(by: { $0.id < $1.id }) {
                made += try await store.carryOverRectifications(
                    from: source.id, to: assessment.id, openedOn: today,
                    deadline: { index.deadline($0, after: today) }, by: .user(user, reason: "年度结转未销号整改事项"))
            }
        } catch let error as StorageError {
            throw AppError(error)
        }
        return made
    }

    /// The ledger as an XLSX workbook in the 台账 columns (the filter applies).
    public func ledgerXLSX(_ id: String, filter: LedgerFilter, for user: User) async throws -> (
        page: LedgerPage, data: Data
    ) {
        let page = try await ledger(id, filter: filter, for: user)
        return (page, try LedgerTable.xlsx(page, now: deps.now()))
    }
}

extension Optional {
    /// `map` with an async transform.
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}

extension FactsAssembly {
    /// Puts the ledger's judgements over the scheme's penalty item (``LedgerPenaltyTarget``): the judged items'
    /// points added up, at most the fact's maximum. Returns the mark to show beside the fact, or nil when no item
    /// is judged (the fact stays as entered).
    public static func applyLedger(_ facts: inout AssembledFacts, items: [RectificationItem], scheme: Scheme)
        -> LedgerMark?
    {
        guard let target = LedgerPenaltyTarget.of(scheme),
            let slot = scheme.slot(group: target.item, fact: target.fact)
        else { return nil }
        let judged = items.filter { $0.verdict != nil && ($0.verdictPoints ?? 0) > 0 }.sorted { $0.number < $1.number }
        guard !judged.isEmpty else { return nil }
        var total = ExactDecimal(judged.reduce(0) { $0 + ($1.verdictPoints ?? 0) })
        if let max = target.max, total > max { total = max }
        let value = FactValue.decimal(total)
        facts.sheet[slot] = value
        facts.values[target.item, default: [:]][target.fact] = value
        let mark = LedgerMark(value: total, items: judged)
        facts.ledger[target.item, default: [:]][target.fact] = mark
        return mark
    }
}
