import Foundation
import KaoheStorage
import SQLKit
import Testing

@testable import KaoheStorageSQL

@Suite("SQL store: rater rounds, one-time codes and the anonymity of public ballots")
struct RaterStoreTests {
    static func round(_ a: Assessment, _ world: World) -> RaterRound {
        RaterRound(
            id: .generate(), assessmentID: a.id, itemID: "3", title: "年终评议",
            groups: [
                RaterGroupConfig(
                    id: "leaders", label: "县领导评议", kind: .named, scale: "100", raters: [world.evaluator.id]),
                RaterGroupConfig(
                    id: "public", label: "社会评议", kind: .public, scale: "100", levels: RaterLevel.publicDefaults),
            ], createdAt: Date())
    }

    /// Every row of a table as column → text (numbers as text too).
    static func rows(_ store: SQLStore, _ table: String) async throws -> [[String: String]] {
        try await store.read { db in
            try await db.raw(SQLQueryString("SELECT * FROM \(table)")).all().map { row in
                var values: [String: String] = [:]
                for column in row.allColumns {
                    if let number = try? row.decode(column: column, as: Int.self) {
                        values[column] = String(number)
                    } else if let text = try? row.decode(column: column, as: String.self) {
                        values[column] = text
                    } else {
                        values[column] = "NULL"
                    }
                }
                return values
            }
        }
    }

    @Test("A code gives one sheet: a second use is refused, also when both come at once", arguments: Backend.all)
    func codeOnce(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let world = try await World.make(in: store)
            let a = try await world.openAssessment(in: store)
            let round = Self.round(a, world)
            try await store.createRaterRound(round, by: .user(world.admin))
            try await store.addRaterCodes(["h1", "h2"], round: round.id, group: "public", by: .user(world.admin))
            // Not open yet: refused, the code stays unused.
            await #expect(throws: StorageError.refused("评议“年终评议”尚未开始")) {
                try await store.submitPublicRaterSheet(
                    codeHash: "h1", marks: [world.unitA.id.rawValue: RaterMark(mark: "100")], by: .system)
            }
            #expect(try await store.raterCode(hash: "h1")?.used == false)
            _ = try await store.setRaterRoundState(round.id, to: .open, by: .user(world.admin))
            let marks = [
                world.unitA.id.rawValue: RaterMark(mark: "100"), world.unitB.id.rawValue: RaterMark(mark: "80"),
            ]
            // Five submissions of one code at the same moment: exactly one is counted.
            let outcomes = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<5 {
                    group.addTask {
                        (try? await store.submitPublicRaterSheet(codeHash: "h1", marks: marks, by: .system)) != nil
                    }
                }
                var results: [Bool] = []
                for await ok in group { results.append(ok) }
                return results
            }
            #expect(outcomes.filter { $0 }.count == 1)
            await #expect(throws: StorageError.refused("此评议码已使用过，每个评议码只能评议一次")) {
                try await store.submitPublicRaterSheet(codeHash: "h1", marks: marks, by: .system)
            }
            await #expect(throws: StorageError.notFound(what: "评议码", id: "（输入的评议码）")) {
                try await store.submitPublicRaterSheet(codeHash: "nope", marks: marks, by: .system)
            }
            let tallies = try await store.raterTallies(round: round.id)
            #expect(tallies.map(\.ballots) == [1, 1])
            #expect(
                try await store.raterCodeCounts(round: round.id) == [
                    RaterCodeCount(groupID: "public", issued: 2, used: 1)
                ])
            // A closed round is frozen: no ballot, no setting, no code, no reopening.
            _ = try await store.setRaterRoundState(round.id, to: .closed, by: .user(world.admin))
            await #expect(throws: StorageError.refused("评议“年终评议”已结束，不能再评议")) {
                try await store.submitPublicRaterSheet(codeHash: "h2", marks: marks, by: .system)
            }
            #expect(try await store.raterCode(hash: "h2")?.used == false)
            await #expect(throws: StorageError.self) {
                try await store.saveRaterSheet(
                    RaterSheet(
                        roundID: round.id, groupID: "leaders", raterID: world.evaluator.id.rawValue, marks: marks,
                        submitted: true, updatedAt: Date()), submit: true, by: .user(world.evaluator))
            }
            await #expect(throws: StorageError.self) { try await store.updateRaterRound(round, by: .user(world.admin)) }
            await #expect(throws: StorageError.self) {
                try await store.addRaterCodes(["h3"], round: round.id, group: "public", by: .user(world.admin))
            }
            await #expect(throws: StorageError.self) {
                try await store.setRaterRoundState(round.id, to: .open, by: .user(world.admin))
            }
            #expect(try await store.raterTallies(round: round.id).map(\.ballots) == [1, 1])
        }
    }

    @Test(
        "Sheets arriving together are written together, and each gets its own outcome",
        arguments: Backend.all)
    func sheetsTogether(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let world = try await World.make(in: store)
            let a = try await world.openAssessment(in: store)
            let open = Self.round(a, world), closed = Self.round(a, world)
            for round in [open, closed] { try await store.createRaterRound(round, by: .user(world.admin)) }
            let good = (0..<120).map { "good\($0)" }
            try await store.addRaterCodes(good, round: open.id, group: "public", by: .user(world.admin))
            try await store.addRaterCodes(
                ["late1", "late2"], round: closed.id, group: "public", by: .user(world.admin))
            _ = try await store.setRaterRoundState(open.id, to: .open, by: .user(world.admin))
            _ = try await store.setRaterRoundState(closed.id, to: .open, by: .user(world.admin))
            _ = try await store.setRaterRoundState(closed.id, to: .closed, by: .user(world.admin))
            let before = try await store.dataVersion()
            // 120 good codes, 20 of them sent twice, 3 unknown codes and 2 of a closed round, all at once.
            let sent = good + good.prefix(20) + ["nope1", "nope2", "nope3", "late1", "late2"]
            let outcomes = await withTaskGroup(of: (String, String).self) { group in
                for (index, code) in sent.enumerated() {
                    group.addTask {
                        let marks = [
                            world.unitA.id.rawValue: RaterMark(
                                mark: index % 2 == 0 ? "100" : "80", comment: "第\(index)张"),
                            world.unitB.id.rawValue: RaterMark(mark: "0"),
                        ]
                        do {
                            try await store.submitPublicRaterSheet(codeHash: code, marks: marks, by: .system)
                            return (code, "counted")
                        } catch let error as StorageError {
                            return (code, error.description)
                        } catch {
                            return (code, "\(error)")
                        }
                    }
                }
                var all: [(String, String)] = []
                for await outcome in group { all.append(outcome) }
                return all
            }
            let counted = outcomes.filter { $0.1 == "counted" }.map(\.0)
            #expect(counted.count == 120)
            #expect(Set(counted) == Set(good))
            let refused = Dictionary(grouping: outcomes.filter { $0.1 != "counted" }, by: \.1).mapValues(\.count)
            #expect(
                refused == [
                    StorageError.refused("此评议码已使用过，每个评议码只能评议一次").description: 20,
                    StorageError.notFound(what: "评议码", id: "（输入的评议码）").description: 3,
                    StorageError.refused("评议“年终评议”已结束，不能再评议").description: 2,
                ])
            let tallies = try await store.raterTallies(round: open.id)
            #expect(tallies.filter { $0.unitID == world.unitA.id }.map(\.ballots).reduce(0, +) == 120)
            #expect(tallies.first { $0.unitID == world.unitB.id && $0.mark == "0" }?.ballots == 120)
            #expect(try await store.raterTallies(round: closed.id).isEmpty)
            #expect(try await store.raterComments(round: open.id).count == 120)
            #expect(
                try await store.raterCodeCounts(round: open.id) == [
                    RaterCodeCount(groupID: "public", issued: 120, used: 120)
                ])
            // One audit entry per counted sheet, naming the round and group only; the chain holds.
            #expect(try await store.dataVersion() == before + 120)
            let entries = try await store.auditLog(entityPrefix: "rater-sheet:\(open.id)/public", limit: 500)
            #expect(entries.count == 120)
            #expect(entries.allSatisfy { $0.action == "public-submit" && $0.newValue == nil })
            guard case .intact = try await store.verifyAudit() else {
                Issue.record("audit chain broken")
                return
            }
        }
    }

    @Test("A named sheet: drafts replace each other, a submission is final and counted once", arguments: Backend.all)
    func namedSheet(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let world = try await World.make(in: store)
            let a = try await world.openAssessment(in: store)
            let round = Self.round(a, world)
            try await store.createRaterRound(round, by: .user(world.admin))
            _ = try await store.setRaterRoundState(round.id, to: .open, by: .user(world.admin))
            func sheet(_ mark: String) -> RaterSheet {
                RaterSheet(
                    roundID: round.id, groupID: "leaders", raterID: world.evaluator.id.rawValue,
                    marks: [world.unitA.id.rawValue: RaterMark(mark: mark, comment: "很好")], submitted: false,
                    updatedAt: Date())
            }
            _ = try await store.saveRaterSheet(sheet("70"), submit: false, by: .user(world.evaluator))
            #expect(try await store.raterTallies(round: round.id).isEmpty)
            _ = try await store.saveRaterSheet(sheet("90"), submit: true, by: .user(world.evaluator))
            await #expect(throws: StorageError.refused("评议表已提交，提交后不能修改")) {
                try await store.saveRaterSheet(sheet("10"), submit: true, by: .user(world.evaluator))
            }
            #expect(
                try await store.raterTallies(round: round.id)
                    == [RaterTallyRow(groupID: "leaders", unitID: world.unitA.id, mark: "90", ballots: 1)])
            let stored = try await store.raterSheet(
                round: round.id, group: "leaders", rater: world.evaluator.id.rawValue)
            #expect(stored?.submitted == true && stored?.marks[world.unitA.id.rawValue]?.mark == "90")
            let comments = try await store.raterComments(round: round.id)
            #expect(comments.map(\.text) == ["很好"] && comments.map(\.status) == [.pending])
            try await store.moderateRaterComment(comments[0].id, round: round.id, to: .approved, by: .user(world.admin))
            #expect(try await store.raterComments(round: round.id).map(\.status) == [.approved])
            // The audit log keeps a named rater's marks out (organizers see them only aggregated).
            let audit = try await store.auditLog(entityPrefix: "rater-sheet:", limit: 10)
            #expect(audit.count == 2 && audit.allSatisfy { !($0.newValue ?? "").contains("90") })
        }
    }

    @Test("Anonymity: reading every table, nothing links a public ballot to its code", arguments: Backend.all)
    func anonymity(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let world = try await World.make(in: store)
            let a = try await world.openAssessment(in: store)
            let round = Self.round(a, world)
            try await store.createRaterRound(round, by: .user(world.admin))
            let codes = ["AAAAAAAAAA2", "BBBBBBBBBB3", "CCCCCCCCCC4"]
            let hashes = codes.map { SHA256.hex($0) }
            try await store.addRaterCodes(hashes, round: round.id, group: "public", by: .user(world.admin))
            _ = try await store.setRaterRoundState(round.id, to: .open, by: .user(world.admin))
            for (index, hash) in hashes.prefix(2).enumerated() {
                try await store.submitPublicRaterSheet(
                    codeHash: hash,
                    marks: [
                        world.unitA.id.rawValue: RaterMark(mark: index == 0 ? "100" : "0", comment: "意见\(index)"),
                        world.unitB.id.rawValue: RaterMark(mark: "80"),
                    ], by: AuditActor(userID: nil, name: "社会公众评议"))
            }
            // Codes: only hash, round, group and a used flag — no time, no ballot or comment id.
            let codeRows = try await Self.rows(store, "rater_codes")
            #expect(Set(codeRows.flatMap(\.keys)) == ["code_hash", "round_id", "group_id", "used"])
            #expect(codeRows.filter { $0["used"] == "1" }.count == 2)
            // Tallies: counts per (group, unit, mark) only; comments: random ids, no time, no rater.
            let tallyRows = try await Self.rows(store, "rater_tallies")
            #expect(Set(tallyRows.flatMap(\.keys)) == ["round_id", "group_id", "unit_id", "mark", "ballots"])
            #expect(tallyRows.count == 3)  // A: 100 ×1 and 0 ×1, B: 80 ×2 — the two sheets are merged
            let commentRows = try await Self.rows(store, "rater_comments")
            #expect(Set(commentRows.flatMap(\.keys)) == ["id", "round_id", "group_id", "unit_id", "body", "status"])
            #expect(commentRows.count == 2)
            // No public sheet rows at all, and neither the codes nor their hashes anywhere but rater_codes.
            #expect(try await Self.rows(store, "rater_sheets").isEmpty)
            var everything: [String] = []
            for table in ["rater_tallies", "rater_comments", "rater_sheets", "rater_rounds", "audit_log"] {
                everything += try await Self.rows(store, table).flatMap(\.values)
            }
            for secret in codes + hashes {
                #expect(!everything.contains { $0.contains(secret) }, "\(secret) found outside rater_codes")
            }
            let submits = try await store.auditLog(entityPrefix: "rater-sheet:", limit: 10)
            #expect(submits.count == 2 && submits.allSatisfy { $0.newValue == nil && $0.actorID == nil })
        }
    }
}
