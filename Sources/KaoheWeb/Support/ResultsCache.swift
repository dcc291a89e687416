import Foundation
import Hummingbird
import KaoheStorage

/// Scored results per assessment, with their encodings, kept while the database's data version is unchanged
/// (one per app, in ``AppDependencies``).
///
/// The data version is the head of the audit chain, which every write moves in its own transaction; it is
/// read before anything is scored, so an entry never holds data older than its version. Several app
/// instances on one PostgreSQL database therefore never serve results older than what was committed before
/// the request came in. Entries are per store object, so stores in one process (tests) never share one.
final class ResultsCache: @unchecked Sendable {
    /// Assessments kept at most; the least recently used goes first.
    static let capacity = 8

    /// One assessment at one data version.
    final class Entry: @unchecked Sendable {
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
        let tables = Memo<ByteBuffer>()
        fileprivate var used: UInt64 = 0
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

    private let lock = NSLock()
    private var entries: [String: Entry] = [:]
    private var clock: UInt64 = 0

    /// The entry of `assessment` at `version`: the stored one when it matches, else a new one, kept unless a
    /// newer version is already kept (a request that read the version before another's write).
    func entry(_ assessment: AssessmentID, store: any KaoheStore, version: Int) -> Entry {
        let object = store as AnyObject
        let key = Self.key(assessment, object)
        return lock.withLock {
            clock += 1
            var basis: (version: Int, scores: AssessmentScores)?
            if let entry = entries[key], entry.store === object {
                if entry.version == version {
                    entry.used = clock
                    return entry
                }
                if entry.version > version { return Entry(store: object, version: version) }
                basis = entry.scores.current.map { (entry.version, $0) }
            }
            let entry = Entry(store: object, version: version, basis: basis)
            entry.used = clock
            entries[key] = entry
            if entries.count > Self.capacity,
                let oldest = entries.min(by: { $0.value.used < $1.value.used })?.key
            {
                entries[oldest] = nil
            }
            return entry
        }
    }

    /// Forgets `entry` (its computation failed, e.g. the assessment does not exist).
    func remove(_ entry: Entry, assessment: AssessmentID) {
        guard let object = entry.store else { return }
        let key = Self.key(assessment, object)
        lock.withLock {
            if entries[key] === entry { entries[key] = nil }
        }
    }

    /// How many entries are kept (for tests).
    var count: Int { lock.withLock { entries.count } }

    private static func key(_ assessment: AssessmentID, _ store: AnyObject) -> String {
        "\(ObjectIdentifier(store).hashValue)/\(assessment.rawValue)"
    }
}

/// A value computed once, on first demand; concurrent callers wait for the same computation. A failed
/// computation is not kept: the next caller tries again.
final class Memo<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var task: Task<Value, any Error>?
    private var computed: Value?

    /// The value if it has been computed, without waiting or computing.
    var current: Value? { lock.withLock { computed } }

    /// The value, computing it with `make` when nobody has yet.
    func value(_ make: @escaping @Sendable () async throws -> Value) async throws -> Value {
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
        var used: UInt64 = 0

        init(store: AnyObject) { self.store = store }
    }

    private let lock = NSLock()
    private var entries: [String: Entry] = [:]
    private var clock: UInt64 = 0

    /// The units of `version` of `assessment` by code; `load` reads the version when it is not kept.
    func units(
        _ assessment: AssessmentID, version: Int, store: any KaoheStore,
        load: @escaping @Sendable () async throws -> [String: PublishedUnit]
    ) async throws -> [String: PublishedUnit] {
        let object = store as AnyObject
        let key = "\(ObjectIdentifier(object).hashValue)/\(assessment.rawValue)/\(version)"
        let entry = lock.withLock {
            clock += 1
            if let entry = entries[key], entry.store === object {
                entry.used = clock
                return entry
            }
            let entry = Entry(store: object)
            entry.used = clock
            entries[key] = entry
            if entries.count > Self.capacity, let oldest = entries.min(by: { $0.value.used < $1.value.used })?.key {
                entries[oldest] = nil
            }
            return entry
        }
        return try await entry.units.value(load)
    }
}
