import Foundation
import KaoheEngine
import KaoheFormats
import KaoheStorage

/// One item across units, the way an assessment team scores an indicator for all departments at once.
public struct ItemGrid: Sendable {
    /// The assessment.
    public var assessment: Assessment
    /// Its scheme.
    public var scheme: Scheme
    /// The item.
    public var group: ScoreGroup
    /// The facts entered in the table (one value per cell); the others are shown and entered on the unit's page.
    public var gridSpecs: [FactSpec]
    /// One row per unit of this page: the units the viewer may see that the item applies to (searched by
    /// `q`), in the stored units' order.
    public var rows: [ItemGridRow]
    /// The page: which rows of how many (only this page's units are scored).
    public var page: ListPage<UnitID>
    /// Why nothing can be recorded, when so.
    public var lockedReason: String?

    /// The facts of the item that a table cell cannot hold (levels, twelve months, lists of dates).
    public var otherSpecs: [FactSpec] { group.specs.filter { !ItemGrid.fitsCell($0) } }

    /// Whether a fact is entered with one value (a cell of the table).
    public static func fitsCell(_ spec: FactSpec) -> Bool {
        switch spec.type {
        case .bool, .count, .number, .rate, .choice: true
        case .levels, .counts12, .dates: false
        }
    }
}

/// One unit's row of an ``ItemGrid``.
public struct ItemGridRow: Sendable {
    /// The unit.
    public var unit: AssessedUnit
    /// The item's stored values (derived and counted ones included).
    public var values: [String: FactValue]
    /// The stored version (0: nothing saved yet).
    public var version: Int
    /// The item's result for the unit.
    public var result: ItemResult?
    /// The explanation of the result.
    public var explanation: String
    /// Facts derived from platform records (not entered).
    public var derived: Set<String>
    /// Count facts counted from findings (not entered).
    public var counted: [String: Int]
    /// Whether the viewer may record the item for this unit.
    public var editable: Bool
}

/// What saving one row of the grid did.
public enum ItemGridOutcome: Sendable {
    /// Saved as this version.
    case saved(FactsRecord)
    /// The values equal what is stored: nothing written.
    case unchanged
    /// Another user saved the row after the grid was opened: nothing written.
    case conflict(FactsConflict)
    /// The row's values were refused (the message names unit, item and fact): nothing written.
    case refused(String)
}

extension Operations {
    /// The grid of one item: every unit `user` may see that the item applies to, with its stored facts,
    /// version, score and explanation. Organizers and administrators see every enrolled unit, evaluators the
    /// units assigned to them for the item.
    public func itemGrid(
        _ id: String, item: String, list: ListQuery = .first(of: itemGridListSpec), for user: User
    ) async throws -> ItemGrid {
        let scope = try await gridScope(id, item: item, for: user)
        let shown = list.page(of: scope.units, where: { list.matches($0.code, $0.name) })
        var rows: [ItemGridRow] = []
        for unit in shown.rows { rows.append(try await gridRow(unit, scope)) }
        return ItemGrid(
            assessment: scope.assessment, scheme: scope.scheme, group: scope.group,
            gridSpecs: scope.group.specs.filter(ItemGrid.fitsCell), rows: rows, page: shown.map(\.id),
            lockedReason: scope.lockedReason)
    }

    /// The grid's pages: `q` searches the unit's code and name; 100 units a page (each row is scored).
    public static let itemGridListSpec = ListSpec(
        name: "逐项录入", sortKeys: [(key: "code", label: "编码")], defaultSort: "code", defaultSize: 100, maxSize: 200)

    /// One row of the grid as it stands now.
    public func itemGridRow(_ id: String, item: String, unit: String, for user: User) async throws -> ItemGridRow {
        let scope = try await gridScope(id, item: item, for: user)
        guard let unit = scope.units.first(where: { $0.id.rawValue == unit }) else {
            throw AppError.notFound("考核项“\(item)”表中的单位 \(unit)")
        }
        return try await gridRow(unit, scope)
    }

    /// Saves rows of a grid one by one, each over the version it was shown with: a conflict or a refused value
    /// on one row is reported for that row and never stops or undoes the others. Facts a cell cannot hold keep
    /// their stored values; a row whose values equal the stored ones at that version writes nothing. `rows`
    /// are (unit id, input of the grid's facts).
    public func saveItemGrid(
        _ id: String, item: String, rows: [(unit: String, input: ItemFactsInput)], by user: User
    ) async throws -> [ItemGridOutcome] {
        let scope = try await gridScope(id, item: item, for: user)
        let units = Dictionary(scope.units.map { ($0.id.rawValue, $0) }, uniquingKeysWith: { a, _ in a })
        let gridSpecs = scope.group.specs.filter(ItemGrid.fitsCell)
        var outcomes: [ItemGridOutcome] = []
        for (unitID, input) in rows {
            guard let unit = units[unitID] else {
                outcomes.append(.refused("单位 \(unitID) 不在本表中（未参加考核、不适用本项目或未分配给您）"))
                continue
            }
            let row = try await gridRow(unit, scope)
            let name = "单位“\(unit.code) \(unit.name)”"
            let skip = row.derived.union(row.counted.keys)
            let entered: [String: FactValue]
            do { entered = try input.facts.values(specs: gridSpecs, skip: skip) } catch {
                let label = gridSpecs.first { $0.name == error.fact }.map { "\($0.label)（\($0.name)）" } ?? error.fact
                outcomes.append(.refused("\(name) 考核项“\(scope.group.title)” 事实“\(label)”：\(error.message)"))
                continue
            }
            let stored = row.values.filter { !skip.contains($0.key) }
            let kept = stored.filter { key, _ in !gridSpecs.contains { $0.name == key } }
            let merged = entered.merging(kept) { new, _ in new }
            if input.version == row.version && merged == stored {
                outcomes.append(.unchanged)
                continue
            }
            do {
                let saved = try await saveItemFacts(
                    id, unit: unitID, group: item,
                    ItemFactsInput(version: input.version, facts: .values(merged), reason: input.reason), by: user)
                outcomes.append(.saved(saved))
            } catch let conflict as FactsConflict {
                outcomes.append(.conflict(conflict))
            } catch let error as AppError {
                switch error {
                case .internalFailure, .unavailable, .notLoggedIn: throw error
                default: outcomes.append(.refused("\(name)：\(error.message)"))
                }
            }
        }
        return outcomes
    }

    private struct GridScope {
        var assessment: Assessment
        var scheme: Scheme
        var group: ScoreGroup
        var units: [AssessedUnit]
        var editableUnits: Set<UnitID>
        var lockedReason: String?
    }

    private func gridScope(_ id: String, item: String, for user: User) async throws -> GridScope {
        guard user.can(.recordFacts) else { throw AppError.forbidden(Permission.recordFacts.label) }
        let assessment = try await assessmentDetail(id, for: user).assessment
        let scheme = try await self.scheme(of: assessment)
        guard let schemeItem = scheme.item(item),
            let category = scheme.categories.first(where: { $0.items.contains { $0.id == item } })
        else { throw AppError.notFound("方案“\(scheme.id)”中的考核项“\(item)”") }
        let group = ScoreGroup(
            id: schemeItem.id, name: schemeItem.name, specs: schemeItem.facts, item: schemeItem, category: category)
        let everyone = user.has(.admin) || user.has(.organizer)
        let mine = everyone ? [] : try await store.assignments(of: assessment.id).filter { $0.userID == user.id }
        let enrolled = Set(try await store.enrolments(of: assessment.id).map(\.unitID))
        let units = try await store.units(in: assessment.organizationID).filter { unit in
            guard enrolled.contains(unit.id), everyone || mine.contains(where: { $0.covers(unit: unit.id, item: item) })
            else { return false }
            let unitType = ScoringRules.schemeUnitType(for: unit, in: scheme)
            return (scheme.unitTypes.isEmpty || unitType != nil) && scheme.applies(schemeItem, to: unitType)
        }
        let lockedReason = Self.factsLockedReason(assessment)
        return GridScope(
            assessment: assessment, scheme: scheme, group: group, units: units,
            editableUnits: lockedReason == nil ? Set(units.map(\.id)) : [], lockedReason: lockedReason)
    }

    private func gridRow(_ unit: AssessedUnit, _ scope: GridScope) async throws -> ItemGridRow {
        let item = scope.group.id
        let scored = try await score(unit, of: scope.assessment, scheme: scope.scheme)
        let result = scored.result.items.first { $0.itemID == item }
        return ItemGridRow(
            unit: unit, values: scored.facts.values[item] ?? [:],
            version: scored.records.first { $0.itemID == item }?.version ?? 0, result: result,
            explanation: result.map { Explainer(scheme: scope.scheme).explain($0, facts: scored.facts.sheet) } ?? "",
            derived: Set((scored.facts.derived[item] ?? [:]).keys), counted: scored.facts.findingCounts[item] ?? [:],
            editable: scope.editableUnits.contains(unit.id))
    }
}
