import Foundation
import KaoheEngine
import KaoheFormats
import KaoheStorage

/// One unit's score sheet as the scoring page shows it.
public struct UnitScoring: Sendable {
    /// The assessment.
    public var assessment: Assessment
    /// The unit.
    public var unit: AssessedUnit
    /// The scheme.
    public var scheme: Scheme
    /// The scheme's unit type of the unit (nil when the scheme has none).
    public var unitType: String?
    /// The groups (items, then downgrade facts) the unit fills in.
    public var groups: [ScoreGroup]
    /// What is stored, read back.
    public var facts: AssembledFacts
    /// Stored records by group (for versions and who saved).
    public var records: [String: FactsRecord]
    /// Findings by group.
    public var findings: [String: [Finding]]
    /// The unit's result (unranked).
    public var result: UnitResult
    /// Groups the viewer may record (empty when the assessment does not accept facts).
    public var editable: Set<String>
    /// Why nothing can be recorded, when so.
    public var lockedReason: String?
    /// Names of users, for "saved by".
    public var userNames: [UserID: String]
    /// The change history of each group (item id or `downgrade`) from the audit log, oldest first.
    public var history: [String: [AuditEntry]] = [:]

    /// The result of one item.
    public func itemResult(_ id: String) -> ItemResult? { result.items.first { $0.itemID == id } }
}

/// One item's facts as an evaluator enters them.
public struct ItemFactsInput: Sendable {
    /// The version the form was opened with (0 when nothing was saved); nil when missing.
    public var version: Int?
    /// The facts.
    public var facts: FactsInput
    /// Why (optional, audited).
    public var reason: String?

    /// Creates the input.
    public init(version: Int?, facts: FactsInput, reason: String? = nil) {
        self.version = version
        self.facts = facts
        self.reason = reason
    }
}

/// A lost race: another user saved the item after the form was opened.
public struct FactsConflict: Error, Sendable {
    /// The group.
    public var group: String
    /// What is stored now.
    public var current: FactsRecord?
    /// The version the form was opened with.
    public var expected: Int
}

extension Operations {
    /// The scoring page model of one unit.
    public func unitScoring(_ id: String, unit unitText: String, for user: User) async throws -> UnitScoring {
        let (assessment, unit) = try await factsScope(id, unit: unitText, for: user)
        let scheme = try await self.scheme(of: assessment)
        let (records, findings, facts, _, result) = try await score(unit, of: assessment, scheme: scheme)
        let unitType = ScoringRules.schemeUnitType(for: unit, in: scheme)
        let groups = ScoreGroup.all(in: scheme, unitType: unitType)
        var editable = Set<String>()
        let lockedReason = Self.factsLockedReason(assessment)
        if lockedReason == nil && user.can(.recordFacts) {
            if user.has(.admin) || user.has(.organizer) {
                editable = Set(groups.map(\.id))
            } else {
                let mine = try await store.assignments(of: assessment.id).filter { $0.userID == user.id }
                editable = Set(
                    groups.map(\.id).filter { group in mine.contains { $0.covers(unit: unit.id, item: group) } })
            }
        }
        let users = try await store.users()
        let history = UnitAudit.byItem(
            try await visibleAuditEntries(
                try await unitAuditEntries(assessment.id, unit.id), assessment, unit, for: user),
            scope: UnitAudit.scope(assessment.id, unit.id))
        var scoring = UnitScoring(
            assessment: assessment, unit: unit, scheme: scheme, unitType: unitType, groups: groups, facts: facts,
            records: Dictionary(records.map { ($0.itemID, $0) }, uniquingKeysWith: { a, _ in a }),
            findings: Dictionary(grouping: findings, by: \.itemID), result: result, editable: editable,
            lockedReason: lockedReason,
            userNames: Dictionary(users.map { ($0.id, $0.displayName) }, uniquingKeysWith: { a, _ in a }))
        scoring.history = history
        return scoring
    }

    /// Why nothing can be recorded in `assessment` now (nil: facts are accepted).
    static func factsLockedReason(_ assessment: Assessment) -> String? {
        if assessment.state == .final { return "本考核已定稿锁定，不能再修改" }
        if !assessment.state.acceptsFacts {
            return "考核处于“\(assessment.state.displayName)”状态，转为“进行中”后才能录入"
        }
        return nil
    }

    /// One unit scored alone from its stored facts and findings (callers have checked who may see it);
    /// refused when the unit's type is not one of the scheme's.
    func score(_ unit: AssessedUnit, of assessment: Assessment, scheme: Scheme) async throws -> (
        records: [FactsRecord], findings: [Finding], facts: AssembledFacts, input: UnitInput, result: UnitResult
    ) {
        let unitType = ScoringRules.schemeUnitType(for: unit, in: scheme)
        if !scheme.unitTypes.isEmpty && unitType == nil {
            let known = scheme.unitTypes.map(\.name).joined(separator: "、")
            throw AppError.invalid("单位“\(unit.name)”的类型“\(unit.type.displayName)”不属于方案的单位类型（\(known)），无法评分")
        }
        let records = try await store.facts(assessment: assessment.id, unit: unit.id)
        let findings = try await store.findings(assessment: assessment.id, unit: unit.id, item: nil)
        var facts = FactsAssembly.assemble(records: records, findings: findings, scheme: scheme)
        if let derivations = try await derivations(of: assessment) {
            let overrides = try await store.factOverrides(assessment: assessment.id).filter { $0.unitID == unit.id }
            facts.derived = FactsAssembly.applyDerived(
                &facts, unit: derivations.facts(of: unit.code), overrides: overrides, scheme: scheme,
                derivations: derivations)
        }
        if LedgerPenaltyTarget.of(scheme) != nil {
            _ = FactsAssembly.applyLedger(
                &facts, items: try await store.rectificationItems(assessment: assessment.id, unit: unit.id),
                scheme: scheme)
        }
        let tallies = try await raterTallies(of: assessment, scheme: scheme, units: [unit])
        let input = UnitInput(
            id: unit.code, name: unit.name, unitType: unitType, facts: facts.sheet,
            raterTallies: tallies[unit.id] ?? [:])
        let context = try context(of: assessment, scheme: scheme)
        return (records, findings, facts, input, Engine.score(units: [input], scheme: scheme, context: context)[0])
    }

    /// Saves one group's facts from a submitted form over `version`. Values are checked by the engine's
    /// decoders; count facts with findings keep the number of findings. A writer that started from an older
    /// version gets a ``FactsConflict``; nothing is overwritten.
    public func saveItemFacts(
        _ id: String, unit unitText: String, group: String, _ input: ItemFactsInput, by user: User
    ) async throws -> FactsRecord {
        try await writeItemFacts(id, unit: unitText, group: group, input, by: user, onlyChanges: false)!
    }

    /// Saves one item's facts like ``saveItemFacts(_:unit:group:_:by:)``; with `onlyChanges`, facts equal to the
    /// stored ones at the version given write nothing and return the stored record, and an empty item that was
    /// never saved writes nothing and returns nil.
    func writeItemFacts(
        _ id: String, unit unitText: String, group: String, _ input: ItemFactsInput, by user: User, onlyChanges: Bool
    ) async throws -> FactsRecord? {
        let (assessment, unit) = try await factsScope(id, unit: unitText, for: user)
        let scheme = try await self.scheme(of: assessment)
        guard let specs = scheme.factSpecs(group: group), group != downgradeGroupID || !specs.isEmpty else {
            throw AppError.notFound("方案“\(scheme.id)”中的考核项“\(group)”")
        }
        let title = scheme.item(group).map { "\($0.id) \($0.name)" } ?? "降档情形"
        try await requireRecording(assessment, unit: unit.id, item: group, by: user)
        guard let version = input.version, version >= 0 else {
            throw AppError.invalid("表单缺少版本号，请刷新页面后重试")
        }
        let findings = try await store.findings(assessment: assessment.id, unit: unit.id, item: group)
        var counted: [String: Int] = [:]
        for finding in findings {
            if let fact = FactsAssembly.countFact(of: finding, in: scheme) { counted[fact, default: 0] += 1 }
        }
        let facts = try decoded(input.facts, item: group, scheme: scheme, title: title)
        // Facts derived from platform records are not entered (an override with a reason replaces one).
        let derived = try await derivations(of: assessment)?.facts(of: unit.code)?.facts.filter { $0.item == group }
        var values: [String: FactValue]
        // So is the penalty fact the rectification ledger feeds while an item is judged.
        var fed = Set(counted.keys).union((derived ?? []).map(\.fact))
        if let target = LedgerPenaltyTarget.of(scheme), target.item == group,
            try await store.rectificationItems(assessment: assessment.id, unit: unit.id).contains(where: {
                $0.verdict != nil
            })
        {
            fed.insert(target.fact)
        }
        do {
            values = try facts.values(specs: specs, skip: fed)
        } catch {
            let label = specs.first { $0.name == error.fact }.map { "\($0.label)（\($0.name)）" } ?? error.fact
            throw AppError.invalid("考核项“\(title)” 事实“\(label)”：\(error.message)")
        }
        for (fact, count) in counted { values[fact] = .count(count) }
        let json = FactsAssembly.json(values, specs: specs)
        // The engine's checks across facts (limits between them, dates within the calendar), as for the API.
        let calendar = try SchemeCatalog(deps).calendar()
        do {
            try Self.checkItemFacts(json, item: group, scheme: scheme, unit: unit, calendar: calendar)
        } catch {
            let label = specs.first { $0.name == error.fact }.map { "\($0.label)（\($0.name)）" } ?? error.fact ?? ""
            throw AppError.invalid("考核项“\(title)” 事实“\(label)”：\(error.message)")
        }
        if onlyChanges {
            let stored = try await store.facts(assessment: assessment.id, unit: unit.id, item: group)
            if let stored, stored.version == version, stored.json == json { return stored }
            if stored == nil, version == 0, values.isEmpty { return nil }
        }
        do {
            return try await store.saveFacts(
                assessment: assessment.id, unit: unit.id, item: group, json: json, expectedVersion: version,
                by: .user(user, reason: input.reason.flatMap { $0.isEmpty ? nil : $0 }))
        } catch StorageError.versionConflict {
            throw FactsConflict(
                group: group, current: try await store.facts(assessment: assessment.id, unit: unit.id, item: group),
                expected: version)
        }
    }

    /// Records one finding against a count fact and writes the new count into the item's facts.
    public func addScoredFinding(
        _ id: String, unit unitText: String, group: String, fact: String, date: String, note: String,
        evidence: String?, by user: User
    ) async throws -> Finding {
        let (assessment, unit) = try await factsScope(id, unit: unitText, for: user)
        let scheme = try await self.scheme(of: assessment)
        guard let spec = scheme.factSpecs(group: group)?.first(where: { $0.name == fact }), spec.type == .count else {
            throw AppError.invalid("考核项“\(group)”没有计数事实“\(fact)”，问题只能记在计数事实上")
        }
        let finding = try await addFinding(
            id, unit: unitText, item: group, fact: fact, date: date, note: note, evidenceRef: evidence, by: user)
        try await recount(assessment: assessment, unit: unit, group: group, scheme: scheme, by: user)
        return finding
    }

    /// Writes the number of findings of each count fact of `group` into its stored facts (retrying once when
    /// another writer saved in between). Results count findings anyway; this keeps the stored facts in step.
    func recount(assessment: Assessment, unit: AssessedUnit, group: String, scheme: Scheme, by user: User)
        async throws
    {
        guard let specs = scheme.factSpecs(group: group) else { return }
        for _ in 0..<3 {
            let findings = try await store.findings(assessment: assessment.id, unit: unit.id, item: group)
            let record = try await store.facts(assessment: assessment.id, unit: unit.id, item: group)
            let assembled = FactsAssembly.assemble(
                records: record.map { [$0] } ?? [], findings: findings, scheme: scheme)
            let json = FactsAssembly.json(assembled.values[group] ?? [:], specs: specs)
            if json == record?.json { return }
            do {
                _ = try await store.saveFacts(
                    assessment: assessment.id, unit: unit.id, item: group, json: json,
                    expectedVersion: record?.version ?? 0, by: .user(user, reason: "问题记录计入事实"))
                return
            } catch StorageError.versionConflict {
                continue
            }
        }
    }

    /// Imports a facts document (`{"scheme": …, "units": [{"id": code or id, "facts": {…}}]}`) into an
    /// assessment: every value is checked first, then all items named are written in one transaction.
    /// Errors name the line, unit, item and fact. Returns the number of (unit, item) records written.
    public func importFactsDocument(_ id: String, json text: String, by user: User) async throws -> Int {
        guard user.can(.recordFacts) else { throw AppError.forbidden(Permission.recordFacts.label) }
        let detail = try await assessmentDetail(id, for: user)
        let assessment = detail.assessment
        guard assessment.state != .final else { throw AppError.conflict("本考核已定稿锁定，不能导入事实") }
        let scheme = try await self.scheme(of: assessment)
        let calendar = try SchemeCatalog(deps).calendar()
        func failure(_ e: FactsError) -> AppError {
            var located = e
            located.line = nil
            return .lineErrors([LineError(line: e.line ?? 1, message: located.description)])
        }
        let root: JSONNode
        do { root = try JSONParser.parse(text) } catch {
            throw AppError.lineErrors([
                LineError(line: error.line, message: "第\(error.column)列 JSON 语法错误：\(error.message)")
            ])
        }
        guard case .object(let members) = root.value else {
            throw failure(FactsError(line: root.line, message: "文档应为 JSON 对象"))
        }
        for member in members where !["scheme", "units"].contains(member.key) {
            throw failure(FactsError(line: member.node.line, message: "导入不支持字段“\(member.key)”（可用：scheme、units）"))
        }
        if let node = root["scheme"] {
            guard case .string(let schemeID) = node.value, schemeID == scheme.id else {
                throw failure(FactsError(line: node.line, message: "scheme 应为本考核的方案“\(scheme.id)”"))
            }
        }
        guard let unitsNode = root["units"], case .array(let unitNodes) = unitsNode.value else {
            throw failure(FactsError(line: root["units"]?.line ?? root.line, message: "缺少 units 数组"))
        }
        let enrolled = detail.units
        let context = ScoringContext(calendar: calendar)
        var writes: [FactsWrite] = []
        var seen = Set<UnitID>()
        for var node in unitNodes {
            guard case .object(var unitMembers) = node.value else {
                throw failure(FactsError(line: node.line, message: "单位应为 JSON 对象"))
            }
            var key = ""
            switch node["id"]?.value {
            case .string(let text)?: key = text
            case .number(let text)?: key = text
            default: throw failure(FactsError(line: node.line, message: "单位缺少 id（单位编码或编号）"))
            }
            guard
                let unit = enrolled.first(where: { $0.code == key }) ?? enrolled.first(where: { $0.id.rawValue == key })
            else {
                throw failure(FactsError(line: node["id"]?.line, unit: key, message: "没有参加本考核的单位的编码或编号是“\(key)”"))
            }
            guard seen.insert(unit.id).inserted else {
                throw failure(FactsError(line: node.line, unit: key, message: "单位在文档中出现了两次"))
            }
            let unitType = ScoringRules.schemeUnitType(for: unit, in: scheme)
            if node["type"] == nil, let unitType, var typeNode = node["id"] {
                typeNode.value = .string(unitType)
                unitMembers.append((key: "type", node: typeNode))
                node.value = .object(unitMembers)
            }
            let input: UnitInput
            do { input = try FactsDocument.decodeUnit(node, scheme: scheme) } catch { throw failure(error) }
            if let problem = Engine.problems(in: input, scheme: scheme, context: context).first {
                throw failure(
                    FactsError(
                        line: node["facts"]?[problem.item]?[problem.fact]?.line ?? node.line, unit: key,
                        item: problem.item, fact: problem.fact, message: problem.message))
            }
            guard case .object(let groups)? = node["facts"]?.value else { continue }
            for (group, groupNode) in groups {
                try await requireRecording(assessment, unit: unit.id, item: group, by: user)
                guard case .object(let values) = groupNode.value else { continue }
                var kept = groupNode
                kept.value = .object(values.filter { if case .null = $0.node.value { false } else { true } })
                writes.append(FactsWrite(unitID: unit.id, itemID: group, json: FactsAssembly.text(kept)))
            }
        }
        guard !writes.isEmpty else { throw AppError.invalid("文档中没有任何事实") }
        _ = try await store.importFacts(
            assessment: assessment.id, writes: writes, by: .user(user, reason: "导入事实文档（\(writes.count)项）"))
        return writes.count
    }
}
