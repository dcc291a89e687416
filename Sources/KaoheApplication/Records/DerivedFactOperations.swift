import Foundation
import KaoheEngine
import KaoheFormats
import KaoheRecords
import KaoheStorage

/// The records behind one derived fact of one unit, as the records page lists them.
public struct RecordsBehindFact: Sendable {
    public var assessment: Assessment
    public var unit: AssessedUnit
    public var itemID: String
    public var itemName: String
    public var fact: FactSpec
    /// The declaration that derives the fact.
    public var derivation: Derivation
    /// The derived value and the override, if any.
    public var mark: DerivedMark
    /// The period and as-of date.
    public var window: DerivationWindow
    /// The records, in the order the deriver took them (for a rate: those of the denominator).
    public var rows: [Row]
    /// Whether the override form may be used by the viewer.
    public var editable: Bool

    /// One record, with its deadline and status when the derivation has one.
    public struct Row: Sendable {
        public var record: Record
        /// The event date.
        public var event: Day?
        /// The deadline D.
        public var deadline: Day?
        /// The completion C as known on the as-of date.
        public var completion: Day?
        public var status: DeadlineStatus?
        /// For a rate: whether the record is in the numerator.
        public var inNumerator: Bool?
    }
}

extension Operations {
    /// The derived fact `fact` of `group` for a unit and the records behind it; filters: a record status and a
    /// text found in the id or any field.
    public func recordsBehind(
        _ id: String, unit unitText: String, group: String, fact: String, status: DeadlineStatus? = nil,
        search: String = "", for user: User
    ) async throws -> RecordsBehindFact {
        let (assessment, unit) = try await factsScope(id, unit: unitText, for: user)
        let scheme = try await self.scheme(of: assessment)
        guard let spec = scheme.factSpecs(group: group)?.first(where: { $0.name == fact }) else {
            throw AppError.notFound("考核项“\(group)”的事实“\(fact)”")
        }
        guard let derivations = try await derivations(of: assessment),
            let derivation = derivations.derivation(item: group, fact: fact),
            let derived = derivations.facts(of: unit.code)?.fact(group, fact)
        else { throw AppError.notFound("考核项“\(group)”的事实“\(spec.label)”不是由平台记录推算的") }
        let overrides = try await store.factOverrides(assessment: assessment.id)
        let override = overrides.first { $0.unitID == unit.id && $0.itemID == group && $0.factName == fact }
        let calendar = try SchemeCatalog(deps).calendar()
        let workingDays = WorkingDayIndex(calendar: calendar)
        let numerator = Set(derived.numeratorRows)
        let type = derived.recordType
        let needle = search.trimmingCharacters(in: .whitespaces)
        var rows: [RecordsBehindFact.Row] = []
        for row in derived.rows {
            let record = derivations.records.record(type, row: Int(row))
            var line = RecordsBehindFact.Row(
                record: record, event: type.eventField.flatMap { Self.day(record.values[$0]) }, deadline: nil,
                completion: nil, status: nil,
                inNumerator: derived.numeratorRows.isEmpty && !Self.isRate(derivation) ? nil : numerator.contains(row))
            if let deadline = derivation.deadline, let event = line.event {
                line.deadline = Self.deadline(deadline, record: record, event: event, workingDays: workingDays)
                let done = record[deadline.done].flatMap(Self.day)
                line.completion = done.flatMap { $0 > derivations.window.asOf ? nil : $0 }
                if let due = line.deadline {
                    line.status = DeadlineStatus.of(
                        deadline: due, completion: line.completion, asOf: derivations.window.asOf)
                }
            }
            if let status, line.status != status { continue }
            if !needle.isEmpty
                && !([record.id] + record.values.map(\.description)).contains(where: { $0.contains(needle) })
            {
                continue
            }
            rows.append(line)
        }
        let mark = DerivedMark(
            derived: derived.value, recordCount: derived.rows.count, recordType: type, override: override)
        let editable = try await canOverride(assessment, unit: unit, item: group, by: user)
        return RecordsBehindFact(
            assessment: assessment, unit: unit, itemID: group, itemName: scheme.item(group)?.name ?? group, fact: spec,
            derivation: derivation, mark: mark, window: derivations.window, rows: rows, editable: editable)
    }

    /// Replaces a derived fact's value for scoring (`value`) or returns to the derived value (nil), with the
    /// reason (required; kept in the audit log and shown beside the derived value).
    public func overrideDerivedFact(
        _ id: String, unit unitText: String, group: String, fact: String, value: FactsInput?, reason: String,
        by user: User
    ) async throws {
        let (assessment, unit) = try await factsScope(id, unit: unitText, for: user)
        try await requireRecording(assessment, unit: unit.id, item: group, by: user)
        let scheme = try await self.scheme(of: assessment)
        guard let spec = scheme.factSpecs(group: group)?.first(where: { $0.name == fact }) else {
            throw AppError.notFound("考核项“\(group)”的事实“\(fact)”")
        }
        guard let derivations = try await derivations(of: assessment),
            derivations.facts(of: unit.code)?.fact(group, fact) != nil
        else { throw AppError.invalid("事实“\(spec.label)”不是由平台记录推算的，请直接在评分表中填写") }
        let reasonText = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reasonText.isEmpty else { throw AppError.invalid("改动推算事实须填写理由") }
        try InputRules.note(reasonText, field: "理由")
        var valueJSON: String?
        if let value {
            let title = scheme.item(group).map { "\($0.id) \($0.name)" } ?? group
            let input = try decoded(value, item: group, scheme: scheme, title: title)
            let values: [String: FactValue]
            do { values = try input.values(specs: [spec]) } catch {
                throw AppError.invalid("事实“\(spec.label)”：\(error.message)")
            }
            guard let decodedValue = values[fact] else { throw AppError.invalid("请填写“\(spec.label)”改动后的值") }
            var writer = JSONWriter(capacity: 64)
            FactValueCoding.encode(decodedValue, spec: spec, into: &writer)
            valueJSON = String(decoding: writer.bytes, as: UTF8.self)
        }
        try await store.setFactOverride(
            assessment: assessment.id, unit: unit.id, item: group, fact: fact, valueJSON: valueJSON, reason: reasonText,
            by: .user(user, reason: reasonText))
    }

    /// Whether `user` may record facts of `item` for the unit now.
    func canOverride(_ assessment: Assessment, unit: AssessedUnit, item: String, by user: User) async throws -> Bool {
        guard assessment.state.acceptsFacts else { return false }
        do {
            try await requireRecording(assessment, unit: unit.id, item: item, by: user)
            return true
        } catch is AppError {
            return false
        }
    }

    static func day(_ value: FieldValue) -> Day? {
        if case .date(let day) = value { return day }
        return nil
    }

    static func isRate(_ derivation: Derivation) -> Bool {
        if case .rate = derivation.measure { return true }
        if case .coverage = derivation.measure { return true }
        return false
    }

    static func deadline(_ deadline: Deadline, record: Record, event: Day, workingDays: WorkingDayIndex) -> Day? {
        switch deadline.limit {
        case .workingDays(let n): return workingDays.deadline(n, after: event)
        case .workingDaysField(let field):
            guard case .count(let n?)? = record[field] else { return nil }
            return workingDays.deadline(n, after: event)
        case .dateField(let field): return record[field].flatMap(day)
        }
    }
}
