import Foundation

/// Which audit entries a page of the audit log shows: every condition given must hold. Each one is answered
/// from an index (migration 10), so a page stays fast at a million entries.
public struct AuditQuery: Sendable, Hashable {
    /// Entries whose entity starts with this (`unit:`, `facts:A/U`), or nil.
    public var entityPrefix: String?
    /// Entries by this actor (the user name recorded at the time), or nil.
    public var actor: String?
    /// Entries with this action (`create`, `update`, …), or nil.
    public var action: String?
    /// Entries at or after this moment, or nil.
    public var from: Date?
    /// Entries before this moment, or nil.
    public var before: Date?
    /// Newest first (the default) or oldest first: by sequence number, or with a date range by time and then
    /// sequence number.
    public var newestFirst: Bool

    /// Creates a query; without arguments, every entry newest first.
    public init(
        entityPrefix: String? = nil, actor: String? = nil, action: String? = nil, from: Date? = nil,
        before: Date? = nil, newestFirst: Bool = true
    ) {
        self.entityPrefix = entityPrefix
        self.actor = actor
        self.action = action
        self.from = from
        self.before = before
        self.newestFirst = newestFirst
    }

    /// Whether no condition is given (the whole log).
    public var isUnfiltered: Bool {
        entityPrefix == nil && actor == nil && action == nil && from == nil && before == nil
    }
}
