import Foundation
import KaoheEngine
import KaoheStorage

/// A page of the platform's audit log and what its header shows.
public struct AuditLogPage: Sendable {
    /// The entries of the page, in the query's order.
    public var page: ListPage<AuditEntry>
    /// The number of entries in the whole log.
    public var logSize: Int
}

extension Operations {
    /// The audit log as a list: `q` is an entity prefix (`unit:`, `facts:考核/单位`), filters by actor name,
    /// action and a date range (China time, both days included); sorted by sequence number, newest first unless
    /// `dir=asc`.
    public static let auditListSpec = ListSpec(
        name: "审计日志", sortKeys: [(key: "seq", label: "序号")], defaultSort: "seq", defaultDirection: .descending,
        filters: [
            (key: "actor", label: "操作人"), (key: "action", label: "操作"), (key: "from", label: "起始日期"),
            (key: "to", label: "截止日期"),
        ], defaultSize: 50, maxSize: 500)

    /// Filtered totals of the audit log are counted up to this many (the pager then says “超过”).
    public static let auditCountCap = 10_000

    /// One page of the audit log (organizers and administrators). Unfiltered pages are ranges of sequence
    /// numbers; filtered ones come from the indexes of migration 10 and their total is counted up to
    /// ``auditCountCap``.
    public func auditLog(_ list: ListQuery, for user: User) async throws -> AuditLogPage {
        guard user.can(.viewAudit) else { throw AppError.forbidden(Permission.viewAudit.label) }
        let query = try Self.auditQuery(list)
        let logSize = try await store.auditCount(AuditQuery(), cap: Int.max)
        let total =
            query.isUnfiltered ? logSize : try await store.auditCount(query, cap: Self.auditCountCap + 1)
        let estimated = !query.isUnfiltered && total > Self.auditCountCap
        let rows = try await store.auditPage(query, offset: list.offset, limit: list.size + 1)
        let page = ListPage(
            rows: Array(rows.prefix(list.size)), total: estimated ? Self.auditCountCap : total,
            totalIsEstimate: estimated, hasNext: rows.count > list.size, query: list)
        return AuditLogPage(page: page, logSize: logSize)
    }

    /// The storage query of an audit list query; a date that is not `YYYY-MM-DD` is an error naming the
    /// parameter.
    static func auditQuery(_ list: ListQuery) throws -> AuditQuery {
        func day(_ key: String, _ label: String) throws -> Date? {
            guard let text = list.filter(key) else { return nil }
            guard let day = Day(text) else {
                throw AppError.invalid("审计日志：参数 \(key)（\(label)）应为日期 YYYY-MM-DD，收到“\(text)”")
            }
            return Self.chinaMidnight(day)
        }
        let from = try day("from", "起始日期")
        let to = try day("to", "截止日期")
        if let from, let to, to < from {
            throw AppError.invalid("审计日志：截止日期（to）早于起始日期（from）")
        }
        return AuditQuery(
            entityPrefix: list.search.isEmpty ? nil : list.search, actor: list.filter("actor"),
            action: list.filter("action"), from: from, before: to.map { $0.addingTimeInterval(86_400) },
            newestFirst: list.direction == .descending)
    }

    /// The start of `day` in China (UTC+8, no daylight saving).
    static func chinaMidnight(_ day: Day) -> Date {
        Date(timeIntervalSince1970: TimeInterval(Int(day.daysSinceEpoch) * 86_400 - 8 * 3_600))
    }
}
