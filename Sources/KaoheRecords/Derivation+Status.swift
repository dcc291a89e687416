import KaoheEngine

extension Derivation {
    /// Where one record taken by this derivation stands against its deadline on the window's as-of date
    /// (records.md, "Window, as-of date and status"): the deadline as the derivation declares it (working days
    /// after the event date, from a count field, or a date field), the completion field later than A read as
    /// "not yet". Nil when the derivation has no deadline, the type has no event date, or the record holds no
    /// deadline date. A `previous_year` derivation is judged as of A one year earlier.
    public func deadlineStatus(
        row: Int, in table: RecordTable, window: DerivationWindow, workingDays: WorkingDayIndex
    ) -> DeadlineStatus? {
        guard let deadline, let eventColumn = table.type.eventField, row >= 0, row < table.count,
            let doneColumn = table.type.fieldIndex(deadline.done)
        else { return nil }
        let columns = table.columns
        let event = columns[eventColumn][row]
        guard event != RecordTable.absent else { return nil }
        let due: Int32
        switch deadline.limit {
        case .workingDays(let n):
            due = workingDays.deadline(n, after: Day(daysSinceEpoch: event)).daysSinceEpoch
        case .workingDaysField(let name):
            guard let column = table.type.fieldIndex(name) else { return nil }
            let n = columns[column][row]
            due =
                workingDays.deadline(n == RecordTable.absent ? 0 : Int(n), after: Day(daysSinceEpoch: event))
                .daysSinceEpoch
        case .dateField(let name):
            guard let column = table.type.fieldIndex(name), columns[column][row] != RecordTable.absent else {
                return nil
            }
            due = columns[column][row]
        }
        let asOf = self.window == .previousYear ? window.previousYear.asOf : window.asOf
        return DeadlineStatus.Raw.status(
            deadline: due, completion: columns[doneColumn][row], asOf: asOf.daysSinceEpoch)
    }
}
