import Foundation
import KaoheStorage
import SQLKit

/// Public sheets waiting for the next batch. Every public sheet adds to the same few tally rows and moves the
/// audit chain's head, so sheets written one transaction each queue behind each other's commits (on
/// PostgreSQL each commit waits for its WAL flush while holding those rows). Sheets arriving together are
/// instead written together: one transaction checks each sheet's code and round, adds the accepted sheets'
/// marks in one upsert and audits each sheet, and then every sheet gets its own outcome. A refused sheet
/// never holds up the others; a failed transaction fails its batch, which wrote nothing.
final class PublicBallotQueue: @unchecked Sendable {
    struct Sheet: Sendable {
        let codeHash: String
        let marks: [String: RaterMark]
        let actor: AuditActor
        let done: CheckedContinuation<Void, any Error>
    }

    /// The most sheets in one transaction (their comments are inserted in chunks below the parameter limits).
    static let batchSize = 256

    private let lock = NSLock()
    private var waiting: [Sheet] = []
    private var draining = false

    /// Adds a sheet; true when the caller must start the writer (none is running).
    func enqueue(_ sheet: Sheet) -> Bool {
        lock.withLock {
            waiting.append(sheet)
            if draining { return false }
            draining = true
            return true
        }
    }

    /// The next batch, or nil (and the writer stops) when none is waiting.
    func next() -> [Sheet]? {
        lock.withLock {
            guard !waiting.isEmpty else {
                draining = false
                return nil
            }
            let batch = Array(waiting.prefix(Self.batchSize))
            waiting.removeFirst(batch.count)
            return batch
        }
    }
}

extension SQLStore {
    public func submitPublicRaterSheet(codeHash: String, marks: [String: RaterMark], by actor: AuditActor)
        async throws
    {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
            let sheet = PublicBallotQueue.Sheet(codeHash: codeHash, marks: marks, actor: actor, done: done)
            guard publicBallots.enqueue(sheet) else { return }
            Task { await self.writePublicBallots() }
        }
    }

    /// Writes queued sheets batch by batch until none is waiting.
    private func writePublicBallots() async {
        while let batch = publicBallots.next() {
            do {
                let outcomes = try await transaction { db in try await self.writePublicBatch(batch, db) }
                for (sheet, outcome) in zip(batch, outcomes) {
                    if let refusal = outcome { sheet.done.resume(throwing: refusal) } else { sheet.done.resume() }
                }
            } catch {
                for sheet in batch { sheet.done.resume(throwing: error) }
            }
        }
    }

    /// Checks and writes one batch inside a transaction: each sheet's refusal, or nil when it was counted.
    private func writePublicBatch(_ batch: [PublicBallotQueue.Sheet], _ db: any SQLDatabase) async throws
        -> [StorageError?]
    {
        // Unknown codes, closed rounds and codes already used are refused one sheet at a time.
        var outcomes = [StorageError?](repeating: nil, count: batch.count)
        var codes: [String: (round: RaterRoundID, group: String)] = [:]
        for row in try await db.raw(
            "SELECT code_hash, round_id, group_id FROM rater_codes WHERE code_hash IN (\(binds: Array(Set(batch.map(\.codeHash)))))"
        ).all() {
            codes[try row.decode(column: "code_hash", as: String.self)] = (
                RaterRoundID(try row.decode(column: "round_id", as: String.self)),
                try row.decode(column: "group_id", as: String.self)
            )
        }
        // Each round once, in id order (concurrent batches of several instances lock rounds in one order).
        var refusals: [RaterRoundID: StorageError] = [:]
        for round in Set(codes.values.map(\.round)).sorted(by: { $0.rawValue < $1.rawValue }) {
            if let refusal = Self.refusalToVote(try await lockedRound(db, round, exclusive: false), now()) {
                refusals[round] = refusal
            }
        }
        var candidates: [String] = []
        var seen = Set<String>()
        for (index, sheet) in batch.enumerated() {
            guard let code = codes[sheet.codeHash] else {
                outcomes[index] = .notFound(what: "评议码", id: "（输入的评议码）")
                continue
            }
            if let refusal = refusals[code.round] {
                outcomes[index] = refusal
            } else if seen.insert(sheet.codeHash).inserted {
                candidates.append(sheet.codeHash)
            } else {
                outcomes[index] = Self.codeUsed
            }
        }
        // The codes are only marked used: no time, no link to what is added below.
        var marked = Set<String>()
        if !candidates.isEmpty {
            for row in try await db.raw(
                "UPDATE rater_codes SET used = 1 WHERE code_hash IN (\(binds: candidates)) AND used = 0 RETURNING code_hash"
            ).all() {
                marked.insert(try row.decode(column: "code_hash", as: String.self))
            }
        }
        var accepted: [(sheet: PublicBallotQueue.Sheet, round: RaterRoundID, group: String)] = []
        for (index, sheet) in batch.enumerated() where outcomes[index] == nil {
            if marked.remove(sheet.codeHash) != nil, let code = codes[sheet.codeHash] {
                accepted.append((sheet, code.round, code.group))
            } else {
                outcomes[index] = Self.codeUsed
            }
        }
        try await addBallots(db, accepted.map { ($0.round, $0.group, $0.sheet.marks) })
        var actors: [(actor: AuditActor, changes: [AuditChange])] = []
        for sheet in accepted {
            let change = AuditChange(
                entity: "rater-sheet:\(sheet.round)/\(sheet.group)", action: "public-submit", old: nil, new: nil)
            if let index = actors.firstIndex(where: { $0.actor == sheet.sheet.actor }) {
                actors[index].changes.append(change)
            } else {
                actors.append((sheet.sheet.actor, [change]))
            }
        }
        for (actor, changes) in actors { try await audit(db, actor, changes) }
        return outcomes
    }

    static let codeUsed = StorageError.refused("此评议码已使用过，每个评议码只能评议一次")

    /// Why a round takes no ballots now, or nil when it is open.
    static func refusalToVote(_ round: RaterRound, _ now: Date) -> StorageError? {
        switch round.status(at: now) {
        case .open: nil
        case .closed: .refused("评议“\(round.title)”已结束，不能再评议")
        case .draft: .refused("评议“\(round.title)”尚未开始")
        }
    }
}
