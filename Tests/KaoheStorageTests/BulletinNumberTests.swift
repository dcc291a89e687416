import Foundation
import KaoheEngine
import KaoheStorage
import KaoheStorageSQL
import Testing

@Suite("SQL store: a bulletin published under the number written into it")
struct BulletinNumberTests {
    @Test("A given number must be the next one; 0 takes the next", arguments: Backend.all)
    func givenNumber(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let world = try await World.make(in: store)
            let a = try await world.openAssessment(in: store)
            func bulletin(_ number: Int) -> StoredBulletin {
                StoredBulletin(
                    assessmentID: a.id, number: number, title: "2022年第\(number)期", period: "2022-0\(number)",
                    asOf: "2022-0\(number)-28", body: #"{"number":\#(number)}"#, publishedBy: nil, publishedAt: Date())
            }
            #expect(try await store.publishBulletin(bulletin(1), by: .user(world.admin)).number == 1)
            // Someone else published 第2期 first: asking for 2 again is refused, nothing is written.
            #expect(try await store.publishBulletin(bulletin(2), by: .user(world.admin)).number == 2)
            await #expect(throws: StorageError.duplicate(what: "通报期号", value: "第2期")) {
                try await store.publishBulletin(bulletin(2), by: .user(world.admin))
            }
            await #expect(throws: StorageError.duplicate(what: "通报期号", value: "第5期")) {
                try await store.publishBulletin(bulletin(5), by: .user(world.admin))
            }
            #expect(try await store.bulletins(assessment: a.id).map(\.number) == [1, 2])
            #expect(try await store.publishBulletin(bulletin(0), by: .user(world.admin)).number == 3)
        }
    }
}
