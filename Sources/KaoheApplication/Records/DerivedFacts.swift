import Foundation
import KaoheEngine
import KaoheFormats
import KaoheRecords
import KaoheStorage

/// The facts of an assessment derived from its organization's platform records as of one date
/// (`shared/spec/records.md`): per unit code, each derived fact with the records behind it.
public struct AssessmentDerivations: Sendable {
    /// The period and the as-of date.
    public var window: DerivationWindow
    /// The scheme's derivations that are in force: those whose record type the organization has records of
    /// (a scheme's facts stay as entered until the platform holds such records).
    public var derivations: [Derivation]
    /// The derived facts per unit code.
    public var result: DerivationResult
    /// The records they come from.
    public var records: RecordSet

    /// The derived facts of a unit.
    public func facts(of unitCode: String) -> UnitFacts? { result.unit(unitCode) }

    /// The declaration that derives `fact` of `item`.
    public func derivation(item: String, fact: String) -> Derivation? {
        derivations.first { $0.item == item && $0.fact == fact }
    }
}

/// A fact shown as derived: the derived value, how many records are behind it, and the evaluator's override.
public struct DerivedMark: Sendable {
    /// The value derived from the records.
    public var derived: FactValue
    /// The records behind the value.
    public var recordCount: Int
    /// The record type they are of.
    public var recordType: RecordType
    /// The override in force, if any (its value is the one scored).
    public var override: FactOverride?
}

extension RecordLibrary {
    /// Derivations per (assessment, records version, as-of date), newest few kept.
    func derivations(
        _ key: String, load: @escaping @Sendable () async throws -> AssessmentDerivations?
    ) async throws -> AssessmentDerivations? {
        try await derivedMemos.memo(key).value { try await load().map(DerivationsBox.init) }?.value
    }
}

/// `Memo` wants a non-optional value: derivations or “nothing derived”.
struct DerivationsBox: Sendable {
    var value: AssessmentDerivations
    init(_ value: AssessmentDerivations) { self.value = value }
}

extension Operations {
    /// The period of an assessment: its calendar year.
    public static func period(of assessment: Assessment) -> DerivationWindow? {
        DerivationWindow(year: assessment.year)
    }

    /// The facts of `assessment` derived from platform records as of `asOf` (default: the period's end), for
    /// its enrolled units; nil when the scheme derives nothing or the organization has no records it reads.
    /// `period` replaces the assessment's period as the window's start and end (a monthly bulletin counts
    /// one month: [month start, month end] as of the month's end).
    public func derivations(of assessment: Assessment, asOf: Day? = nil, period: ClosedRange<Day>? = nil)
        async throws -> AssessmentDerivations?
    {
        let catalog = try await SchemeCatalog(deps).withDerivations(assessment.schemeID)
        guard !catalog.derivations.isEmpty, var window = Self.period(of: assessment) else { return nil }
        if let asOf { window.asOf = asOf }
        if let period { window.period = period }
        let version = try await store.recordsVersion(organization: assessment.organizationID)
        guard version > 0 else { return nil }
        let enrolmentStamp = try await store.enrolments(of: assessment.id).count
        let key =
            "\(assessment.id)|\(version)|\(window.period.lowerBound)..\(window.period.upperBound)|\(window.asOf)|\(enrolmentStamp)"
        let operations = self
        return try await deps.records.derivations(key) { [window] in
            let records = try await operations.recordSet(of: assessment.organizationID)
            let active = catalog.derivations.filter { derivation in
                derivation.recordTypes.allSatisfy { records[$0].count > 0 }
            }
            guard !active.isEmpty else { return nil }
            let enrolled = Set(try await operations.store.enrolments(of: assessment.id).map(\.unitID))
            let codes = try await operations.store.units(in: assessment.organizationID)
                .filter { enrolled.contains($0.id) }.map(\.code)
            let calendar = try SchemeCatalog(operations.deps).calendar()
            let result = Deriver.derive(
                records, active, window: window, workingDays: WorkingDayIndex(calendar: calendar), units: codes)
            return AssessmentDerivations(window: window, derivations: active, result: result, records: records)
        }
    }
}

extension FactsAssembly {
    /// Puts the derived facts of one unit over its assembled facts, then the evaluators' overrides over those;
    /// returns the marks to show beside each derived fact (per group and fact).
    public static func applyDerived(
        _ facts: inout AssembledFacts, unit: UnitFacts?, overrides: [FactOverride], scheme: Scheme,
        derivations: AssessmentDerivations
    ) -> [String: [String: DerivedMark]] {
        guard let unit else { return [:] }
        var marks: [String: [String: DerivedMark]] = [:]
        for fact in unit.facts {
            guard let slot = scheme.slot(group: fact.item, fact: fact.fact) else { continue }
            facts.sheet[slot] = fact.value
            facts.values[fact.item, default: [:]][fact.fact] = fact.value
            marks[fact.item, default: [:]][fact.fact] = DerivedMark(
                derived: fact.value, recordCount: fact.rows.count, recordType: fact.recordType, override: nil)
        }
        for override in overrides {
            guard marks[override.itemID]?[override.factName] != nil,
                let slot = scheme.slot(group: override.itemID, fact: override.factName)
            else { continue }
            do {
                let value = try FactValueCoding.decode(
                    JSONParser.parse(override.valueJSON), spec: scheme.slots[slot].spec)
                facts.sheet[slot] = value
                facts.values[override.itemID, default: [:]][override.factName] = value
                marks[override.itemID]?[override.factName]?.override = override
            } catch {
                facts.problems[override.itemID, default: []].append(
                    "事实“\(scheme.slots[slot].spec.label)”的改动值无法读取，已按推算值计分：\(error)")
            }
        }
        return marks
    }
}
