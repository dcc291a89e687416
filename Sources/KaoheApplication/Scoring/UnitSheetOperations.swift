import KaoheStorage

/// A unit's whole score sheet entered and saved in one go: each item over the version it was shown with.
extension Operations {
    /// Saves the items of one unit's sheet one by one, each over the version it was shown with: a conflict or a
    /// refused value on one item is reported for that item and never stops or undoes the others; an item whose
    /// values equal the stored ones writes nothing. `items` are (item id, input) in the sheet's order.
    public func saveUnitSheet(
        _ id: String, unit: String, items: [(item: String, input: ItemFactsInput)], by user: User
    ) async throws -> [(item: String, outcome: ItemGridOutcome)] {
        var outcomes: [(item: String, outcome: ItemGridOutcome)] = []
        for (item, input) in items {
            do {
                let saved = try await writeItemFacts(id, unit: unit, group: item, input, by: user, onlyChanges: true)
                if let saved, saved.version != input.version {
                    outcomes.append((item, .saved(saved)))
                } else {
                    outcomes.append((item, .unchanged))
                }
            } catch let conflict as FactsConflict {
                outcomes.append((item, .conflict(conflict)))
            } catch let error as AppError {
                switch error {
                case .internalFailure, .unavailable, .notLoggedIn: throw error
                default: outcomes.append((item, .refused(error.message)))
                }
            }
        }
        return outcomes
    }
}
