import Foundation
import KaoheStorage
import Testing

@testable import KaoheStorageSQL

@Suite("Facts import in chunks")
struct FactsImportTests {
    @Test("Chunks keep the order, hold at most the size, and never the same item twice")
    func chunks() {
        let a = UnitID("a"), b = UnitID("b")
        let writes = [
            FactsWrite(unitID: a, itemID: "1", json: "{}"), FactsWrite(unitID: b, itemID: "1", json: "{}"),
            FactsWrite(unitID: a, itemID: "2", json: "{}"), FactsWrite(unitID: a, itemID: "1", json: "{\"n\":2}"),
            FactsWrite(unitID: b, itemID: "2", json: "{}"),
        ]
        let chunks = SQLStore.importChunks(writes, size: 2)
        #expect(chunks.map { $0.map(\.itemID) } == [["1", "1"], ["2", "1"], ["2"]])
        #expect(chunks.flatMap { $0 } == writes)
        #expect(SQLStore.importChunks(writes, size: 10).map(\.count) == [3, 2])
        #expect(SQLStore.importChunks([], size: 10).isEmpty)
    }

    @Test(
        "An import of more records than a chunk: versions, old values and audit rows as one by one",
        arguments: Backend.all)
    func largeImport(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let world = try await World.make(in: store)
            let assessment = try await world.openAssessment(in: store)
            _ = try await store.saveFacts(
                assessment: assessment.id, unit: world.unitA.id, item: "i7", json: #"{"n":0}"#, expectedVersion: 0,
                by: .system)
            let before = try await store.dataVersion()
            var writes: [FactsWrite] = []
            for n in 0..<600 {
                writes.append(FactsWrite(unitID: world.unitA.id, itemID: "i\(n)", json: "{\"n\":\(n)}"))
                writes.append(FactsWrite(unitID: world.unitB.id, itemID: "i\(n)", json: "{\"n\":\(n)}"))
            }
            // The same item again, later in the document: applied over the first.
            writes.insert(FactsWrite(unitID: world.unitA.id, itemID: "i7", json: #"{"n":"again"}"#), at: 40)
            let records = try await store.importFacts(assessment: assessment.id, writes: writes, by: .user(world.admin))
            #expect(records.count == writes.count)
            #expect(records.filter { $0.unitID == world.unitA.id && $0.itemID == "i7" }.map(\.version) == [2, 3])

            let stored = try await store.facts(assessment: assessment.id)
            #expect(stored.count == 1200)
            let seven = try #require(stored.first { $0.unitID == world.unitA.id && $0.itemID == "i7" })
            #expect(seven.json == #"{"n":"again"}"# && seven.version == 3 && seven.updatedBy == world.admin.id)
            #expect(stored.filter { $0.itemID != "i7" }.allSatisfy { $0.version == 1 })

            #expect(try await store.dataVersion() == before + writes.count)
            let log = try await store.auditLog(scope: "\(assessment.id)/\(world.unitA.id)/i7", limit: 10)
            #expect(log.map(\.action) == ["create", "import", "import"])
            #expect(log.map(\.oldValue) == [nil, #"{"n":0}"#, #"{"n":7}"#])
            #expect(log.map(\.newValue) == [#"{"n":0}"#, #"{"n":7}"#, #"{"n":"again"}"#])
            #expect(log.map(\.actorID) == [nil, world.admin.id, world.admin.id])
            let all = try await store.auditLog(entityPrefix: nil, limit: 100_000)
            #expect(all.map(\.seq) == Array(1...all.count))
            #expect(try await store.verifyAudit() == .intact(entries: all.count))
        }
    }

    @Test(
        "A unit not enrolled, even in the last chunk, refuses the whole import: nothing stored, nothing audited",
        arguments: Backend.all)
    func refusedImport(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let world = try await World.make(in: store)
            let assessment = try await world.openAssessment(in: store)
            let stranger = AssessedUnit(organizationID: world.org.id, code: "S1", name: "未参加单位", type: .other)
            try await store.createUnits([stranger], by: .system)
            let before = try await store.dataVersion()
            var writes = (0..<700).map {
                FactsWrite(unitID: world.unitA.id, itemID: "i\($0)", json: "{\"n\":\($0)}")
            }
            writes.append(FactsWrite(unitID: stranger.id, itemID: "i0", json: "{}"))
            await #expect(
                throws: StorageError.invalid(field: "单位", message: "单位 \(stranger.id) 未参加考核 \(assessment.id)")
            ) {
                _ = try await store.importFacts(assessment: assessment.id, writes: writes, by: .system)
            }
            #expect(try await store.facts(assessment: assessment.id).isEmpty)
            #expect(try await store.dataVersion() == before)
        }
    }
}
