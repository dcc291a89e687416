import CompressNIO
import Foundation
import KaoheEngine
import KaoheFormats
import KaoheRecords
import KaoheStorage
import NIOCore

/// How stored assessments and units meet a scheme: pure functions, no state.
public enum ScoringRules {
    /// The parameter values an assessment scores with: its stored values (a JSON object of parameter id →
    /// number) over the scheme's defaults, as `kaohe score` takes a facts document's `parameters`. Stored
    /// names the scheme does not know are left out.
    public static func parameters(of assessment: Assessment, scheme: Scheme) -> [String: ExactDecimal] {
        guard let text = assessment.parameters, let root = try? JSONParser.parse(text),
            case .object(let members) = root.value
        else { return [:] }
        var values: [String: ExactDecimal] = [:]
        for (key, node) in members where scheme.parameters.contains(where: { $0.id == key }) {
            switch node.value {
            case .number(let text), .string(let text):
                if let value = ExactDecimal(text) { values[key] = value }
            default: continue
            }
        }
        return values
    }

    /// The engine's context for an assessment: the calendar and the assessment's parameter values.
    public static func context(of assessment: Assessment, scheme: Scheme, calendar: WorkCalendar) -> ScoringContext {
        ScoringContext(calendar: calendar, parameters: parameters(of: assessment, scheme: scheme))
    }

    /// The scheme's unit type for a stored unit: the type whose id or Chinese name names the unit's type
    /// (`township`/乡镇, `department`/县直部门 …); nil when the scheme has none or none matches.
    public static func schemeUnitType(for unit: AssessedUnit, in scheme: Scheme) -> String? {
        for type in scheme.unitTypes {
            if KaoheStorage.UnitType(label: type.id) == unit.type
                || KaoheStorage.UnitType(label: type.name) == unit.type
            {
                return type.id
            }
        }
        return nil
    }
}

/// The items of a scheme that a unit fills in: the applicable items, then the downgrade facts when the
/// scheme has any (group `downgrade`).
public struct ScoreGroup: Sendable {
    /// Item id, or `downgrade`.
    public var id: String
    /// Display name.
    public var name: String
    /// The facts.
    public var specs: [FactSpec]
    /// The item (nil for the downgrade group).
    public var item: Item?
    /// The category the item belongs to.
    public var category: KaoheEngine.Category?

    /// The groups of `scheme` for a unit of `unitType`.
    public static func all(in scheme: Scheme, unitType: String?) -> [ScoreGroup] {
        var groups: [ScoreGroup] = []
        for category in scheme.categories {
            for item in category.items where scheme.applies(item, to: unitType) {
                groups.append(
                    ScoreGroup(id: item.id, name: item.name, specs: item.facts, item: item, category: category))
            }
        }
        if !scheme.downgradeFacts.isEmpty {
            groups.append(
                ScoreGroup(
                    id: downgradeGroupID, name: "降档情形", specs: scheme.downgradeFacts, item: nil, category: nil))
        }
        return groups
    }

    /// `3.1 名称` or `降档情形`.
    public var title: String { item == nil ? name : "\(id) \(name)" }
}

/// Facts read back from storage: the engine's fact sheet of a unit and what could not be read.
public struct AssembledFacts: Sendable {
    /// The sheet to score.
    public var sheet: FactSheet
    /// Values per group and fact, for the forms.
    public var values: [String: [String: FactValue]]
    /// Problems per group (stored facts the scheme cannot read); such values are left out.
    public var problems: [String: [String]]
    /// Findings counted per group and fact.
    public var findingCounts: [String: [String: Int]]
    /// Facts derived from platform records, per group and fact (their values are in ``sheet``).
    public var derived: [String: [String: DerivedMark]] = [:]
    /// Facts fed by the rectification ledger (the penalty item), per group and fact (their values are in ``sheet``).
    public var ledger: [String: [String: LedgerMark]] = [:]
}

/// Turns stored facts and findings into the engine's input.
public enum FactsAssembly {
    /// The count fact a finding counts into: its own `factName`, or the item's only count fact.
    public static func countFact(of finding: Finding, in scheme: Scheme) -> String? {
        guard let specs = scheme.factSpecs(group: finding.itemID) else { return nil }
        if let name = finding.factName {
            return specs.contains { $0.name == name && $0.type == .count } ? name : nil
        }
        let counts = specs.filter { $0.type == .count }
        return counts.count == 1 ? counts[0].name : nil
    }

    /// Reads the records and findings of one unit against `scheme`. A count fact with findings is the number
    /// of its findings.
    public static func assemble(records: [FactsRecord], findings: [Finding], scheme: Scheme) -> AssembledFacts {
        var result = AssembledFacts(
            sheet: FactSheet(slotCount: scheme.slots.count), values: [:], problems: [:], findingCounts: [:])
        for record in records {
            let group = record.itemID
            guard let table = scheme.slotTable(group: group) else {
                result.problems[group, default: []].append("方案“\(scheme.id)”中没有考核项“\(group)”，已保存的数据未计入")
                continue
            }
            let root: JSONNode
            do { root = try JSONParser.parse(record.json) } catch {
                result.problems[group, default: []].append("已保存的数据不是有效的 JSON：\(error)")
                continue
            }
            guard case .object(let members) = root.value else {
                result.problems[group, default: []].append("已保存的数据应为 JSON 对象")
                continue
            }
            for (name, node) in members {
                guard let slot = table[name] else {
                    result.problems[group, default: []].append("没有事实“\(name)”，该值未计入")
                    continue
                }
                if case .null = node.value { continue }
                do {
                    let value = try FactValueCoding.decode(node, spec: scheme.slots[slot].spec)
                    result.sheet[slot] = value
                    result.values[group, default: [:]][name] = value
                } catch {
                    result.problems[group, default: []].append("事实“\(scheme.slots[slot].spec.label)”：\(error.message)")
                }
            }
        }
        for finding in findings {
            guard let fact = countFact(of: finding, in: scheme) else { continue }
            result.findingCounts[finding.itemID, default: [:]][fact, default: 0] += 1
        }
        for (group, counts) in result.findingCounts {
            for (fact, count) in counts {
                guard let slot = scheme.slot(group: group, fact: fact) else { continue }
                result.sheet[slot] = .count(count)
                result.values[group, default: [:]][fact] = .count(count)
            }
        }
        return result
    }

    /// The JSON text of one group's values (facts in spec order).
    public static func json(_ values: [String: FactValue], specs: [FactSpec]) -> String {
        var writer = JSONWriter(capacity: 256)
        writer.raw("{")
        var first = true
        for spec in specs {
            guard let value = values[spec.name] else { continue }
            if !first { writer.raw(",") }
            first = false
            writer.key(spec.name)
            FactValueCoding.encode(value, spec: spec, into: &writer)
        }
        writer.raw("}")
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// A JSON node written back as JSON text (numbers keep their exact text).
    public static func text(_ node: JSONNode) -> String {
        var writer = JSONWriter(capacity: 256)
        write(node, into: &writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    static func write(_ node: JSONNode, into writer: inout JSONWriter) {
        switch node.value {
        case .null: writer.null()
        case .bool(let value): writer.bool(value)
        case .number(let text): writer.raw(text)
        case .string(let text): writer.string(text)
        case .array(let elements):
            writer.raw("[")
            for (index, element) in elements.enumerated() {
                if index > 0 { writer.raw(",") }
                write(element, into: &writer)
            }
            writer.raw("]")
        case .object(let members):
            writer.raw("{")
            for (index, member) in members.enumerated() {
                if index > 0 { writer.raw(",") }
                writer.key(member.key)
                write(member.node, into: &writer)
            }
            writer.raw("}")
        }
    }
}

/// Everything scored for an assessment: the scheme, the enrolled units with their inputs and results.
public struct AssessmentScores: Sendable {
    /// One scored unit.
    public struct Row: Sendable {
        /// The stored unit.
        public var unit: AssessedUnit
        /// What the engine scored.
        public var input: UnitInput
        /// The result (ranked as the engine ranks: within its scheme unit type, or among all units).
        public var result: UnitResult
        /// Stored facts the scheme could not read, per group.
        public var problems: [String: [String]]
    }

    /// The assessment.
    public var assessment: Assessment
    /// Its scheme.
    public var scheme: Scheme
    /// Scored units, in the order of the stored units (``groups`` gives them in ranking order).
    public var rows: [Row]
    /// Enrolled units whose type is none of the scheme's unit types (not scored).
    public var unscorable: [AssessedUnit]
    /// The units scored again over the scores of an older data version (nil: every unit was scored).
    public var rescored: Set<UnitID>?
    /// The facts derived from platform records that these scores used (nil: none).
    public var derivations: AssessmentDerivations?

    /// The unit groups, each ranked on its own as the engine and `kaohe score` rank them: the scheme's unit
    /// types, or when it has none one group of all units.
    public var groups: [(id: String?, name: String, rows: [Row])] {
        if scheme.unitTypes.isEmpty {
            let members = rows.enumerated()
                .sorted { ($0.element.result.rank, $0.offset) < ($1.element.result.rank, $1.offset) }.map(\.element)
            return [(nil, "全部单位", members)]
        }
        return scheme.unitTypes.map { type in
            let members = rows.enumerated().filter { $0.element.input.unitType == type.id }
                .sorted { ($0.element.result.rank, $0.offset) < ($1.element.result.rank, $1.offset) }.map(\.element)
            return (type.id, type.name, members)
        }
    }

    /// The unit groups' ids and names, as ``groups`` has them (without sorting the rows).
    public var groupNames: [(id: String?, name: String)] {
        scheme.unitTypes.isEmpty ? [(nil, "全部单位")] : scheme.unitTypes.map { ($0.id, $0.name) }
    }

    /// The results in the order of `rows`.
    public var results: [UnitResult] { rows.map(\.result) }
}

/// What one audited write can change in an assessment's scores, judged by its audit entity.
enum ScoreDependency: Equatable {
    /// Nothing (another assessment's facts, self-assessments, evidence, review steps, objections,
    /// submissions, deadlines, publications, accounts).
    case none
    /// One unit's score: its facts or findings in this assessment.
    case unit(UnitID)
    /// The organization's platform records: the units whose derived facts changed.
    case records
    /// Possibly every score: the assessment, units, organizations, schemes, or a kind not known here.
    case everything

    /// Kinds of writes that never change a score (their effect on facts is audited as `facts:` on its own).
    static let unrelated: Set<Substring> = [
        "self", "evidence", "review", "objection", "submission", "workflow", "publication", "user", "record-headers",
        "bulletin", "spotcheck", "rater-sheet", "rater-code", "rater-comment",
    ]

    static func of(_ entity: String, in assessment: AssessmentID, organization: OrganizationID? = nil)
        -> ScoreDependency
    {
        guard let colon = entity.firstIndex(of: ":") else { return .everything }
        let kind = entity[..<colon]
        if unrelated.contains(kind) { return .none }
        if kind == "records" {
            let path = entity[entity.index(after: colon)...].split(separator: "/", omittingEmptySubsequences: false)
            guard let organization, path.first.map(String.init) == organization.rawValue else { return .none }
            // `records:<org>/import/<id>` only logs a completed import; the batches before it wrote the data.
            return path.count == 1 ? .records : .none
        }
        guard kind == "facts" || kind == "finding" || kind == "ledger" else { return .everything }
        let path = entity[entity.index(after: colon)...].split(separator: "/", omittingEmptySubsequences: false)
        guard path.count >= 2 else { return .everything }
        return path[0] == assessment.rawValue ? .unit(UnitID(String(path[1]))) : .none
    }
}

extension Operations {
    /// The scheme of an assessment: a built-in one, or one uploaded by an organizer (parsed once per app).
    public func scheme(of assessment: Assessment) async throws -> Scheme {
        try await SchemeCatalog(deps).scheme(assessment.schemeID).scheme
    }

    /// The engine's context for an assessment: the app's calendar and the assessment's parameters.
    func context(of assessment: Assessment, scheme: Scheme) throws -> ScoringContext {
        ScoringRules.context(of: assessment, scheme: scheme, calendar: try SchemeCatalog(deps).calendar())
    }

    /// Scores every enrolled unit of an assessment from the stored facts and findings, with the facts derived
    /// from platform records as of `asOf` (default: the period's end; a bulletin's provisional score takes the
    /// month's end) over them.
    public func scores(of assessment: Assessment, asOf: Day? = nil) async throws -> AssessmentScores {
        let scheme = try await self.scheme(of: assessment)
        let context = try context(of: assessment, scheme: scheme)
        let enrolled = Set(try await store.enrolments(of: assessment.id).map(\.unitID))
        let units = try await store.units(in: assessment.organizationID).filter { enrolled.contains($0.id) }
        let records = Dictionary(grouping: try await store.facts(assessment: assessment.id), by: \.unitID)
        let findings = Dictionary(grouping: try await store.findings(assessment: assessment.id), by: \.unitID)
        let derivations = try await derivations(of: assessment, asOf: asOf)
        let ledger =
            LedgerPenaltyTarget.of(scheme) == nil
            ? [:]
            : Dictionary(
                grouping: try await store.rectificationItems(assessment: assessment.id, unit: nil), by: \.unitID)
        let overrides =
            derivations == nil
            ? [:] : Dictionary(grouping: try await store.factOverrides(assessment: assessment.id), by: \.unitID)
        let tallies = try await raterTallies(of: assessment, scheme: scheme, units: units)
        var inputs: [UnitInput] = []
        var byCode: [String: (AssessedUnit, [String: [String]])] = [:]
        var unscorable: [AssessedUnit] = []
        for unit in units {
            let unitType = ScoringRules.schemeUnitType(for: unit, in: scheme)
            if !scheme.unitTypes.isEmpty && unitType == nil {
                unscorable.append(unit)
                continue
            }
            var assembled = FactsAssembly.assemble(
                records: records[unit.id] ?? [], findings: findings[unit.id] ?? [], scheme: scheme)
            if let derivations {
                assembled.derived = FactsAssembly.applyDerived(
                    &assembled, unit: derivations.facts(of: unit.code), overrides: overrides[unit.id] ?? [],
                    scheme: scheme, derivations: derivations)
            }
            _ = FactsAssembly.applyLedger(&assembled, items: ledger[unit.id] ?? [], scheme: scheme)
            inputs.append(
                UnitInput(
                    id: unit.code, name: unit.name, unitType: unitType, facts: assembled.sheet,
                    raterTallies: tallies[unit.id] ?? [:]))
            byCode[unit.code] = (unit, assembled.problems)
        }
        let results = Engine.score(units: inputs, scheme: scheme, context: context)
        let inputByCode = Dictionary(inputs.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let rows = results.compactMap { result -> AssessmentScores.Row? in
            guard let entry = byCode[result.id], let input = inputByCode[result.id] else { return nil }
            return AssessmentScores.Row(unit: entry.0, input: input, result: result, problems: entry.1)
        }
        var scores = AssessmentScores(assessment: assessment, scheme: scheme, rows: rows, unscorable: unscorable)
        scores.derivations = derivations
        return scores
    }

    /// `previous` (the scores at data version `old`) brought up to `new` by scoring again only the units
    /// whose facts or findings were written in between, then ranking all; nil when anything else that
    /// scores depend on may have changed (the assessment, its enrolments or parameters, units, schemes, an
    /// unknown kind of write, or too many writes), so that the caller scores every unit.
    func rescored(_ previous: AssessmentScores, from old: Int, to new: Int, _ assessment: Assessment) async throws
        -> AssessmentScores?
    {
        guard previous.assessment == assessment,
            let entities = try await store.auditEntities(after: old, upTo: new, limit: Self.rescoreLimit)
        else { return nil }
        var changed = Set<UnitID>()
        var recordsChanged = false
        for entity in entities {
            switch ScoreDependency.of(entity, in: assessment.id, organization: assessment.organizationID) {
            case .unit(let unit): changed.insert(unit)
            case .records: recordsChanged = true
            case .none: continue
            case .everything: return nil
            }
        }
        var updated = previous
        if recordsChanged {
            // Derive again, and score again only the units whose derived facts differ.
            let derivations = try await derivations(of: assessment)
            for row in previous.rows {
                let code = row.unit.code
                // Values, not rows: the rows of the records read back after a write may be numbered anew.
                let values = { (facts: UnitFacts?) in facts?.facts.map { "\($0.item)/\($0.fact)=\($0.value)" } }
                if values(derivations?.facts(of: code)) != values(previous.derivations?.facts(of: code)) {
                    changed.insert(row.unit.id)
                }
            }
            updated.derivations = derivations
        }
        guard changed.count <= Self.rescoreLimit / 10 else { return nil }
        updated.rescored = changed
        guard !changed.isEmpty else { return updated }
        for unitID in changed {
            // A unit not among the scored rows (not enrolled, or of no scheme type) has no score to update.
            guard let index = updated.rows.firstIndex(where: { $0.unit.id == unitID }) else { continue }
            let scored = try await score(updated.rows[index].unit, of: assessment, scheme: previous.scheme)
            updated.rows[index].input = scored.input
            updated.rows[index].result = scored.result
            updated.rows[index].problems = scored.facts.problems
        }
        var results = updated.rows.map(\.result)
        Engine.rank(&results)
        for index in updated.rows.indices { updated.rows[index].result = results[index] }
        return updated
    }

    /// Writes read at most between two data versions before every unit is scored again instead.
    static let rescoreLimit = 1000

    /// The scores of an assessment as far as the user may see them (reporters: their own unit only), from the
    /// results cache while nothing was written to the database.
    public func visibleScores(_ id: String, for user: User) async throws -> AssessmentScores {
        guard user.seesOwnUnitOnly else { return try await cachedScores(id, for: user).scores }
        let detail = try await assessmentDetail(id, for: user)
        var visibleScores = try await cachedScores(id, for: user).scores
        let visible = Set(detail.units.map(\.id))
        visibleScores.rows = visibleScores.rows.filter { visible.contains($0.unit.id) }
        visibleScores.unscorable = visibleScores.unscorable.filter { visible.contains($0.id) }
        return visibleScores
    }

    /// The scores of every enrolled unit and their cache entry at the current data version, scored once per
    /// version (concurrent requests wait for the same scoring). Checks what ``assessmentDetail(_:for:)``
    /// checks for a user who sees every unit; callers filter for those who do not.
    package func cachedScores(_ id: String, for user: User) async throws -> (
        entry: ResultsCache.Entry, scores: AssessmentScores
    ) {
        guard user.can(.viewAssessments) else { throw AppError.forbidden(Permission.viewAssessments.label) }
        let assessmentID = AssessmentID(id)
        // A rater round past its closing time is recorded closed first (audited), so the version moves on.
        try await recordDueRaterClosings(assessmentID)
        let version = try await store.dataVersion()
        let entry = deps.results.entry(assessmentID, store: store, version: version)
        do {
            let scores = try await entry.scores.value {
                guard let assessment = try await self.store.assessment(assessmentID) else {
                    throw AppError.notFound("考核 \(id)")
                }
                if let basis = entry.takeBasis(),
                    let updated = try await self.rescored(basis.scores, from: basis.version, to: version, assessment)
                {
                    return updated
                }
                return try await self.scores(of: assessment)
            }
            return (entry, scores)
        } catch {
            deps.results.remove(entry, assessment: assessmentID)
            throw error
        }
    }

    /// The results document of an assessment, the same JSON as `kaohe score` (ids are unit codes).
    public func resultsJSON(_ id: String, for user: User) async throws -> [UInt8] {
        Array(buffer: try await resultsDocument(id, for: user))
    }

    /// ``resultsJSON(_:for:)`` in one buffer, encoded once per data version for users who see every unit.
    public func resultsDocument(_ id: String, for user: User) async throws -> ByteBuffer {
        try await resultsBody(id, for: user, gzip: false).body
    }

    /// The results document as the API sends it: for users who see every unit, with the data version it was
    /// read at (for the ETag) and gzip-compressed when `gzip` (both encodings made once per data version);
    /// for users who see their own unit only (a small document), as it is and without a version.
    public func resultsBody(_ id: String, for user: User, gzip: Bool) async throws -> (
        body: ByteBuffer, version: Int?, gzipped: Bool
    ) {
        if user.seesOwnUnitOnly { return (Self.encodeResults(try await visibleScores(id, for: user)), nil, false) }
        let (entry, scores) = try await cachedScores(id, for: user)
        let json = try await entry.json.value { Self.encodeResults(scores) }
        guard gzip else { return (json, entry.version, false) }
        return (try await entry.gzipJSON.value { try Self.gzip(json) }, entry.version, true)
    }

    static func encodeResults(_ scores: AssessmentScores) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(scores.rows.count * 4096 + 256)
        ResultsJSON.encode(
            scheme: scores.scheme, units: scores.rows.map(\.input), results: scores.results, pretty: true
        ) { buffer.writeBytes($0) }
        return buffer
    }

    /// The gzip stream of `buffer`'s readable bytes (kept per data version beside the plain document).
    static func gzip(_ buffer: ByteBuffer) throws -> ByteBuffer {
        var input = buffer
        return try input.compress(with: .gzip())
    }
}
