import Foundation
import KaoheStorage
import NIOCore

/// Scored results per assessment, with their encodings, kept while the database's data version is unchanged
/// (one per app, in ``AppDependencies``).
///
/// The data version is the head of the audit chain, which every write moves in its own transaction; it is
/// read before anything is scored, so an entry never holds data older than its version. Several app
/// instances on one PostgreSQL database therefore never serve results older than what was committed before
/// the request came in. Entries are per store object, so stores in one process (tests) never share one.
package final class ResultsCache: @unchecked Sendable {
    /// Assessments kept at most; the least recently used goes first.
    static let capacity = 8

    /// One assessment at one data version.
    package final class Entry: @unchecked Sendable {
        /// The store the entry was read from (weak: a closed store's entries never match again).
        weak var store: AnyObject?
        /// The data version the entry was read at.
        let version: Int
        /// The scores of every enrolled unit.
        let scores = Memo<AssessmentScores>()
        /// The results document (`kaohe score` JSON, pretty).
        let json = Memo<ByteBuffer>()
        /// The results document, gzip-compressed.
        let gzipJSON = Memo<ByteBuffer>()
        /// The ranking tables of the results page.
        package let tables = Memo<ByteBuffer>()
        private let lock = NSLock()
        private var kept: (version: Int, scores: AssessmentScores)?

        init(store: AnyObject, version: Int, basis: (version: Int, scores: AssessmentScores)? = nil) {
            self.store = store
            self.version = version
            self.kept = basis
        }

        /// The scores of the entry this one replaced, at their older version, until taken: what this
        /// entry's scores may be brought up to date from.
        func takeBasis() -> (version: Int, scores: AssessmentScores)? {
            lock.withLock {
                defer { kept = nil }
                return kept
            }
        }
    }

    private let recent = RecentlyUsed<Entry>(capacity: capacity)

    /// The entry of `assessment` at `version`: the stored one when it matches, else a new one, kept unless a
    /// newer version is already kept (a request that read the version before another's write).
    func entry(_ assessment: AssessmentID, store: any KaoheStore, version: Int) -> Entry {
        let object = store as AnyObject
        return recent.entry(Self.key(assessment, object)) { kept in
            var basis: (version: Int, scores: AssessmentScores)?
            if let kept, kept.store === object {
                if kept.version == version { return .use(kept) }
                if kept.version > version { return .pass(Entry(store: object, version: version)) }
                basis = kept.scores.current.map { (kept.version, $0) }
            }
            return .keep(Entry(store: object, version: version, basis: basis))
        }
    }

    /// Forgets `entry` (its computation failed, e.g. the assessment does not exist).
    func remove(_ entry: Entry, assessment: AssessmentID) {
        guard let object = entry.store else { return }
        recent.remove(Self.key(assessment, object), ifItIs: entry)
    }

    /// How many entries are kept (for tests).
    var count: Int { recent.count }

    private static func key(_ assessment: AssessmentID, _ store: AnyObject) -> String {
        "\(ObjectIdentifier(store).hashValue)/\(assessment.rawValue)"
    }
}

/// A value computed once, on first demand; concurrent callers wait for the same computation. A failed
/// computation is not kept: the next caller tries again.
package final class Memo<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var task: Task<Value, any Error>?
    private var computed: Value?

    /// The value if it has been computed, without waiting or computing.
    var current: Value? { lock.withLock { computed } }

    /// The value, computing it with `make` when nobody has yet.
    package func value(_ make: @escaping @Sendable () async throws -> Value) async throws -> Value {
        let task = lock.withLock {
            if let task = self.task { return task }
            let task = Task { try await make() }
            self.task = task
            return task
        }
        do {
            let value = try await task.value
            lock.withLock { if self.task == task { computed = value } }
            return value
        } catch {
            lock.withLock { if self.task == task { self.task = nil } }
            throw error
        }
    }
}

/// Published versions by unit code, parsed once: a version never changes after it is written, so an entry
/// stays valid for as long as it is kept (per store object, like ``ResultsCache``).
final class PublishedVersions: @unchecked Sendable {
    /// Versions kept at most; the least recently used goes first.
    static let capacity = 8

    private final class Entry: @unchecked Sendable {
        weak var store: AnyObject?
        let units = Memo<[String: PublishedUnit]>()

        init(store: AnyObject) { self.store = store }
    }

    private let recent = RecentlyUsed<Entry>(capacity: capacity)

    /// The units of `version` of `assessment` by code; `load` reads the version when it is not kept.
    func units(
        _ assessment: AssessmentID, version: Int, store: any KaoheStore,
        load: @escaping @Sendable () async throws -> [String: PublishedUnit]
    ) async throws -> [String: PublishedUnit] {
        let object = store as AnyObject
        let key = "\(ObjectIdentifier(object).hashValue)/\(assessment.rawValue)/\(version)"
        let entry = recent.entry(key) { kept in
            if let kept, kept.store === object { return .use(kept) }
            return .keep(Entry(store: object))
        }
        return try await entry.units.value(load)
    }
}

/// Entries by key, at most `capacity` of them: beyond that the least recently used is dropped.
final class RecentlyUsed<Entry: AnyObject>: @unchecked Sendable {
    /// What ``entry(_:_:)`` returns: the kept entry, a new one kept in its place, or a new one not kept.
    enum Choice {
        case use(Entry)
        case keep(Entry)
        case pass(Entry)
    }

    private let capacity: Int
    private let lock = NSLock()
    private var entries: [String: (entry: Entry, used: UInt64)] = [:]
    private var clock: UInt64 = 0

    init(capacity: Int) { self.capacity = capacity }

    /// The entry for `key` as `choose` decides, seeing the kept one (under the lock, so decide quickly).
    func entry(_ key: String, _ choose: (Entry?) -> Choice) -> Entry {
        lock.withLock {
            clock += 1
            switch choose(entries[key]?.entry) {
            case .use(let entry):
                entries[key]?.used = clock
                return entry
            case .pass(let entry):
                return entry
            case .keep(let entry):
                entries[key] = (entry, clock)
                if entries.count > capacity, let oldest = entries.min(by: { $0.value.used < $1.value.used })?.key {
                    entries[oldest] = nil
                }
                return entry
            }
        }
    }

    /// Drops the entry kept for `key` if it is `entry`.
    func remove(_ key: String, ifItIs entry: Entry) {
        lock.withLock { if entries[key]?.entry === entry { entries[key] = nil } }
    }

    /// How many entries are kept.
    var count: Int { lock.withLock { entries.count } }
}
