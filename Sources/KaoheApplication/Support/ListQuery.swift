import Foundation

/// The direction a list is sorted in.
public enum SortDirection: String, Sendable, Equatable, CaseIterable {
    /// Smallest first (`asc`).
    case ascending = "asc"
    /// Largest first (`desc`).
    case descending = "desc"

    /// The other direction.
    public var reversed: SortDirection { self == .ascending ? .descending : .ascending }
}

/// What one list accepts: its sort keys (with the column names users see), its filters, its default order and
/// its page sizes. One value per list, next to the operation that reads it.
public struct ListSpec: Sendable {
    /// The list's name in Chinese, for error messages (`审计日志`).
    public var name: String
    /// The sort keys in the order they are offered, with their Chinese labels.
    public var sortKeys: [(key: String, label: String)]
    /// The sort key used when none is given.
    public var defaultSort: String
    /// The direction used when none is given.
    public var defaultDirection: SortDirection
    /// The filter parameters the list understands (besides `q`, `sort`, `dir`, `page`, `size`), with labels.
    public var filters: [(key: String, label: String)]
    /// Rows per page when no size is given.
    public var defaultSize: Int
    /// The largest page size accepted.
    public var maxSize: Int

    /// Creates a list description.
    public init(
        name: String, sortKeys: [(key: String, label: String)], defaultSort: String,
        defaultDirection: SortDirection = .ascending, filters: [(key: String, label: String)] = [],
        defaultSize: Int = 50, maxSize: Int = 500
    ) {
        self.name = name
        self.sortKeys = sortKeys
        self.defaultSort = defaultSort
        self.defaultDirection = defaultDirection
        self.filters = filters
        self.defaultSize = defaultSize
        self.maxSize = maxSize
    }

    /// The label of a sort key (the key itself when unknown).
    public func label(ofSort key: String) -> String { sortKeys.first { $0.key == key }?.label ?? key }
}

/// One request for a page of a list: search text, filters, sort key and direction, page number and size.
/// Parsed from the URL query by ``parse(_:spec:)``; every list of the platform uses it.
public struct ListQuery: Sendable, Equatable {
    /// The search text (`q`), trimmed; empty for none.
    public var search: String {
        get { textSearch.text }
        set { textSearch = TextSearch(newValue) }
    }
    /// The search text prepared for matching many rows.
    public private(set) var textSearch: TextSearch
    /// The filters that were given (non-empty values only), by parameter name.
    public var filters: [String: String]
    /// The sort key (`sort`), one of the list's ``ListSpec/sortKeys``.
    public var sort: String
    /// The direction (`dir`: `asc` or `desc`).
    public var direction: SortDirection
    /// The page, from 1 (`page`).
    public var page: Int
    /// Rows per page (`size`), at most the list's ``ListSpec/maxSize``.
    public var size: Int

    /// Creates a query.
    public init(
        search: String = "", filters: [String: String] = [:], sort: String, direction: SortDirection, page: Int = 1,
        size: Int
    ) {
        self.textSearch = TextSearch(search)
        self.filters = filters
        self.sort = sort
        self.direction = direction
        self.page = page
        self.size = size
    }

    /// The first page of a list in its default order.
    public static func first(of spec: ListSpec) -> ListQuery {
        ListQuery(sort: spec.defaultSort, direction: spec.defaultDirection, size: spec.defaultSize)
    }

    /// The number of rows before this page.
    public var offset: Int { (page - 1) * size }

    /// A filter's value, or nil when it was not given.
    public func filter(_ key: String) -> String? { filters[key] }

    /// The longest search text or filter value accepted, in characters.
    public static let maxTextLength = 200

    /// Reads a query from URL parameters. Unknown parameters are ignored (links carry others, like `done`);
    /// a bad value of a known one is an ``AppError/invalid(_:)`` naming the parameter and what is accepted.
    public static func parse(_ parameters: [String: String], spec: ListSpec) throws -> ListQuery {
        var query = first(of: spec)
        func text(_ key: String, _ label: String) throws -> String {
            let value = (parameters[key] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            guard value.count <= maxTextLength else {
                throw AppError.invalid("\(spec.name)：参数 \(key)（\(label)）过长，最多\(maxTextLength)个字符")
            }
            return value
        }
        query.search = try text("q", "搜索")
        for filter in spec.filters {
            let value = try text(filter.key, filter.label)
            if !value.isEmpty { query.filters[filter.key] = value }
        }
        if let sort = parameters["sort"], !sort.isEmpty {
            guard spec.sortKeys.contains(where: { $0.key == sort }) else {
                let allowed = spec.sortKeys.map { "\($0.key)（\($0.label)）" }.joined(separator: "、")
                throw AppError.invalid("\(spec.name)：参数 sort（排序）不认识“\(sort)”，可用：\(allowed)")
            }
            query.sort = sort
            // Another key without a direction sorts ascending (the default direction belongs to the default key).
            if sort != spec.defaultSort { query.direction = .ascending }
        }
        if let dir = parameters["dir"], !dir.isEmpty {
            guard let direction = SortDirection(rawValue: dir) else {
                throw AppError.invalid("\(spec.name)：参数 dir（排序方向）应为 asc（升序）或 desc（降序），收到“\(dir)”")
            }
            query.direction = direction
        }
        if let pageText = parameters["page"], !pageText.isEmpty {
            guard let page = Int(pageText), page >= 1, page <= 10_000_000 else {
                throw AppError.invalid("\(spec.name)：参数 page（页码）应为 1 起的整数，收到“\(pageText)”")
            }
            query.page = page
        }
        if let sizeText = parameters["size"], !sizeText.isEmpty {
            guard let size = Int(sizeText), size >= 1 else {
                throw AppError.invalid("\(spec.name)：参数 size（每页条数）应为 1 到 \(spec.maxSize) 的整数，收到“\(sizeText)”")
            }
            guard size <= spec.maxSize else {
                throw AppError.invalid("\(spec.name)：参数 size（每页条数）最多 \(spec.maxSize)，收到 \(size)")
            }
            query.size = size
        }
        return query
    }

    /// The URL parameters of this query, leaving out those equal to the list's defaults (for links).
    public func parameters(spec: ListSpec) -> [(String, String)] {
        var result: [(String, String)] = []
        if !search.isEmpty { result.append(("q", search)) }
        for filter in spec.filters { if let value = filters[filter.key] { result.append((filter.key, value)) } }
        if sort != spec.defaultSort || direction != spec.defaultDirection {
            result.append(("sort", sort))
            result.append(("dir", direction.rawValue))
        }
        if size != spec.defaultSize { result.append(("size", String(size))) }
        if page != 1 { result.append(("page", String(page))) }
        return result
    }

    /// Whether one of `texts` contains the search text (ASCII letters in either case); true when there is none.
    public func matches(_ texts: String...) -> Bool { texts.contains(where: textSearch.isFound(in:)) }

    /// A page of rows already filtered in memory: sorted by `ordering` for the query's sort key (ties keep their
    /// order), reversed for `desc`, and cut to the page.
    public func page<Row: Sendable>(
        of rows: [Row], ordering: (String) -> ((Row, Row) -> Bool)
    ) -> ListPage<Row> {
        page(of: rows, where: { _ in true }, ordering: ordering)
    }

    /// A page of the rows that `include` keeps, as ``page(of:ordering:)``. Row numbers are filtered and sorted,
    /// not rows: only the page's rows are copied (lists of 5,000 units were copied three times a request).
    public func page<Row: Sendable>(
        of rows: [Row], where include: (Row) -> Bool, ordering: (String) -> ((Row, Row) -> Bool)
    ) -> ListPage<Row> {
        let less = ordering(sort)
        let ascending = direction == .ascending
        // Through the buffer the rows are passed to the closures borrowed, not copied for each comparison.
        let order = rows.withUnsafeBufferPointer { buffer in
            var order = buffer.indices.filter { include(buffer[$0]) }
            order.sort { a, b in
                if less(buffer[a], buffer[b]) { return ascending }
                if less(buffer[b], buffer[a]) { return !ascending }
                return a < b
            }
            return order
        }
        return cut(order, of: rows)
    }

    /// A page of the rows that `include` keeps, in their given order.
    public func page<Row: Sendable>(of rows: [Row], where include: (Row) -> Bool) -> ListPage<Row> {
        cut(rows.withUnsafeBufferPointer { buffer in buffer.indices.filter { include(buffer[$0]) } }, of: rows)
    }

    /// This query's page of `rows` at the row numbers `order`.
    private func cut<Row: Sendable>(_ order: [Int], of rows: [Row]) -> ListPage<Row> {
        let start = min(offset, order.count)
        let end = min(start + size, order.count)
        return ListPage(rows: order[start..<end].map { rows[$0] }, total: order.count, query: self)
    }
}

extension String {
    /// Whether this text sorts before `other` by code point (UTF-8 bytes): the order of `<` for texts in NFC, as
    /// stored texts are, without its normalizing comparison (sorting 5,000 Chinese names took most of a page).
    public func precedesInCodeOrder(_ other: String) -> Bool { utf8.lexicographicallyPrecedes(other.utf8) }
}

/// A search text prepared once for matching many rows. ASCII letters match in either case, other characters
/// exactly (Chinese has no case), compared as UTF-8 bytes; a text with other cased letters (Ä, Ω) is matched by
/// Foundation's case-insensitive search. Foundation's search for every row made a search of 5,000 units slow.
public struct TextSearch: Sendable, Equatable {
    /// The text searched for.
    public let text: String
    /// Its UTF-8 bytes, ASCII letters lowercased.
    private let folded: [UInt8]
    /// Whether it has cased letters outside ASCII.
    private let foldsBeyondASCII: Bool

    /// Prepares `text`.
    public init(_ text: String) {
        self.text = text
        folded = text.utf8.map(Self.lowercased)
        foldsBeyondASCII = text.unicodeScalars.contains { !$0.isASCII && $0.properties.changesWhenCaseMapped }
    }

    /// Whether `haystack` contains the text (always, for an empty text).
    public func isFound(in haystack: String) -> Bool {
        if folded.isEmpty { return true }
        if foldsBeyondASCII { return haystack.range(of: text, options: [.caseInsensitive]) != nil }
        return haystack.utf8.withContiguousStorageIfAvailable { find(in: $0) } ?? find(in: Array(haystack.utf8))
    }

    private func find(in bytes: some RandomAccessCollection<UInt8>) -> Bool {
        let count = folded.count
        guard bytes.count >= count else { return false }
        let first = folded[0]
        var start = bytes.startIndex
        let last = bytes.index(bytes.endIndex, offsetBy: -count)
        while start <= last {
            if Self.lowercased(bytes[start]) == first {
                var i = bytes.index(after: start)
                var j = 1
                while j < count && Self.lowercased(bytes[i]) == folded[j] {
                    i = bytes.index(after: i)
                    j += 1
                }
                if j == count { return true }
            }
            start = bytes.index(after: start)
        }
        return false
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 { byte >= 65 && byte <= 90 ? byte + 32 : byte }
}

/// One page of a list, with what the pager needs.
public struct ListPage<Row>: Sendable where Row: Sendable {
    /// The rows of this page.
    public var rows: [Row]
    /// All rows matching the search and filters (an estimate when ``totalIsEstimate``).
    public var total: Int
    /// Whether ``total`` is an estimate (lists too large to count on every request).
    public var totalIsEstimate: Bool
    /// Whether there is a next page (known exactly even when the total is estimated).
    public var hasNext: Bool
    /// The query this page answers.
    public var query: ListQuery

    /// Creates a page.
    public init(rows: [Row], total: Int, totalIsEstimate: Bool = false, hasNext: Bool? = nil, query: ListQuery) {
        self.rows = rows
        self.total = total
        self.totalIsEstimate = totalIsEstimate
        self.hasNext = hasNext ?? (query.offset + rows.count < total)
        self.query = query
    }

    /// The number of pages (at least 1).
    public var pageCount: Int { max(1, (total + query.size - 1) / query.size) }

    /// The same page with its rows changed by `transform`.
    public func map<Other: Sendable>(_ transform: (Row) throws -> Other) rethrows -> ListPage<Other> {
        ListPage<Other>(
            rows: try rows.map(transform), total: total, totalIsEstimate: totalIsEstimate, hasNext: hasNext,
            query: query)
    }
}

extension ListPage: Equatable where Row: Equatable {}
