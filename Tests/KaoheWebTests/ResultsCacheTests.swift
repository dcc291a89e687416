import CompressNIO
import Foundation
import Hummingbird
import HummingbirdTesting
import KaoheEngine
import KaoheFormats
import KaoheRecords
import KaoheStorage
import KaoheTestSupport
import Testing

@testable import KaoheApplication
@testable import KaoheWeb

@Suite("Results cache")
struct ResultsCacheTests {
    /// The total of `code` in the results API document.
    static func total(_ response: TestResponse, _ code: String) throws -> String? {
        let pattern = try Regex(#"\{\s*"id"\s*:\s*""# + code + #""[^{]*?"total"\s*:\s*(-?[0-9.]+)"#)
        return response.text.firstMatch(of: pattern)?.output[1].substring.map(String.init)
    }

    @Test("A facts save, through the API or by another instance on the same database, changes the results at once")
    func invalidatedBySave() async throws {
        let f = try await openFixture()
        try await f.test { client in
            let api = try await APIClient.login(client, "organizer")
            #expect(try await api.call(.post, .api(.factsImport(.value(f.a))), raw: xinbeiDocument).status == .ok)
            let first = try await api.call(.get, .api(.results(.value(f.a))))
            #expect(first.status == .ok)
            let before = try Self.total(first, "A01")
            // Unchanged data: the same document, from the cache.
            let again = try await api.call(.get, .api(.results(.value(f.a))))
            #expect(again.text == first.text)

            // A save through the API: 4 offline cases → 0.
            let record = try #require(try await f.stored(f.unitA, "13"))
            let url = SiteURL.api(.itemFacts(.value(f.a), .value(f.unitA.id), .value("13")))
            let saved = try await api.call(
                .put, url, raw: #"{"offline_cases":0}"#, headers: [.ifMatch: "\"\(record.version)\""])
            #expect(saved.status == .ok)
            let afterSave = try await api.call(.get, .api(.results(.value(f.a))))
            let changed = try Self.total(afterSave, "A01")
            #expect(changed != before)

            // What the engine gives for the stored facts now.
            let scores = try await Operations(f.deps).scores(of: f.assessment)
            let expected = try #require(scores.rows.first { $0.unit.code == "A01" }?.result.total.description)
            #expect(changed == expected)

            // The results page shows the new total too.
            let browser = Browser(client)
            try await browser.login("leader")
            let page = try await browser.get(SiteURL.results(.value(f.a)).path)
            #expect(page.status == .ok && page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.text.contains(#"<td class="total"><b>\#(expected)</b>"#))
            #expect(page.text.hasSuffix("</html>"))

            // Another instance writes to the database behind this one's back: seen on the next request.
            let current = try #require(try await f.stored(f.unitA, "13"))
            _ = try await f.store.saveFacts(
                assessment: f.a, unit: f.unitA.id, item: "13", json: #"{"offline_cases":9}"#,
                expectedVersion: current.version, by: .system)
            let afterOther = try await api.call(.get, .api(.results(.value(f.a))))
            let other = try Self.total(afterOther, "A01")
            #expect(other != changed)
            let rescored = try await Operations(f.deps).scores(of: f.assessment)
            #expect(other == rescored.rows.first { $0.unit.code == "A01" }?.result.total.description)
            let reloaded = try await browser.get(SiteURL.results(.value(f.a)).path)
            #expect(reloaded.text.contains(#"<td class="total"><b>\#(other ?? "")</b>"#))
        }
    }

    @Test("After writes only the units written are scored again, and the results equal scoring every unit")
    func rescoresChangedUnits() async throws {
        let f = try await openFixture()
        let organizer = try #require(f.users[.organizer])
        let operations = Operations(f.deps)
        @Sendable func cached() async throws -> AssessmentScores {
            try await operations.cachedScores(f.a.rawValue, for: organizer).scores
        }
        @Sendable func expectFull(_ scores: AssessmentScores, _ comment: Comment) async throws {
            let full = try await operations.scores(of: try #require(try await f.store.assessment(f.a)))
            #expect(scores.results == full.results, comment)
            #expect(scores.rows.map(\.problems) == full.rows.map(\.problems), comment)
            #expect(
                String(buffer: Operations.encodeResults(scores)) == String(buffer: Operations.encodeResults(full)),
                comment)
        }
        try await f.test { client in
            let api = try await APIClient.login(client, "organizer")
            #expect(try await api.call(.post, .api(.factsImport(.value(f.a))), raw: xinbeiDocument).status == .ok)
            let first = try await cached()
            #expect(first.rescored == nil)  // the first time every unit is scored

            // A's facts: A is scored again, and A01 moves from first to second place.
            let record = try #require(try await f.stored(f.unitA, "13"))
            _ = try await f.store.saveFacts(
                assessment: f.a, unit: f.unitA.id, item: "13", json: #"{"offline_cases":40}"#,
                expectedVersion: record.version, by: .system)
            let afterSave = try await cached()
            #expect(afterSave.rescored == [f.unitA.id])
            try await expectFull(afterSave, "after a facts save")

            // A finding of B, then a write that scores do not depend on (an API token).
            try await f.store.addFinding(
                Finding(
                    assessmentID: f.a, unitID: f.unitB.id, itemID: "3", factName: "late", date: Day("2023-05-04")!,
                    note: "逾期办结"),
                by: .system)
            let afterFinding = try await cached()
            #expect(afterFinding.rescored == [f.unitB.id])
            try await expectFull(afterFinding, "after a finding")
            try await f.store.createAPIToken(
                APIToken(
                    tokenHash: String(repeating: "0", count: 64), userID: organizer.id, name: "测试",
                    createdAt: Date(), expiresAt: Date().addingTimeInterval(3600)),
                by: .system)
            let afterToken = try await cached()
            #expect(afterToken.rescored == [])
            try await expectFull(afterToken, "after an unrelated write")

            // Platform records: the first ones bring derived facts to both units (B's are zeros); after that a
            // record of A scores only A again, and a record of another organization nothing.
            func cases(_ rows: [(String, String)]) throws -> [StoredRecord] {
                var importer = RecordImport(years: try CalendarFile.current().years)
                for (index, (id, unit)) in rows.enumerated() {
                    try importer.add(
                        [
                            "id": id, "unit": unit, "channel": "offline", "accepted": "2023-03-01",
                            "finished": "2023-03-02", "promised_days": "3", "legal_days": "5",
                        ], type: .case, row: index + 2)
                }
                return RecordCodec.stored(importer.records, type: .case)
            }
            _ = try await f.store.writeRecords(
                try cases([("c1", "A01")]), organization: f.org.id, importID: "i1", by: .system)
            let afterRecords = try await cached()
            #expect(afterRecords.rescored == [f.unitA.id, f.unitB.id])
            try await expectFull(afterRecords, "after the first records")
            _ = try await f.store.writeRecords(
                try cases([("c1", "A01"), ("c2", "A01")]), organization: f.org.id, importID: "i2", by: .system)
            let afterMore = try await cached()
            #expect(afterMore.rescored == [f.unitA.id])
            try await expectFull(afterMore, "after a record of A")
            let other = Organization(name: "另一个考核办")
            try await f.store.createOrganization(other, by: .system)
            let afterOther = try await cached()
            #expect(afterOther.rescored == nil)  // a new organization: every unit (organizations are not tracked)
            _ = try await f.store.writeRecords(
                try cases([("x1", "A01")]), organization: other.id, importID: "i3", by: .system)
            let afterOtherRecords = try await cached()
            #expect(afterOtherRecords.rescored == [])
            try await expectFull(afterOtherRecords, "after another organization's records")

            // The assessment's parameters: every unit is scored again.
            _ = try await f.store.setParameters(f.a, json: nil, by: .system)
            let afterParameters = try await cached()
            #expect(afterParameters.rescored == nil)
            try await expectFull(afterParameters, "after parameters")
        }
    }

    @Test("Which writes change which scores, by audit entity")
    func dependencies() {
        let a = AssessmentID("a1")
        #expect(ScoreDependency.of("facts:a1/u1/13", in: a) == .unit(UnitID("u1")))
        #expect(ScoreDependency.of("finding:a1/u2/3", in: a) == .unit(UnitID("u2")))
        #expect(ScoreDependency.of("facts:a2/u1/13", in: a) == .none)
        for unrelated in ["self:a1/u1/3", "evidence:e1", "review:a1/u1", "objection:o1", "user:x", "workflow:a1/u1"] {
            #expect(ScoreDependency.of(unrelated, in: a) == .none, "\(unrelated)")
        }
        for everything in ["assessment:a1", "unit:u1", "scheme:s", "organization:o", "facts:a1", "something", "new:x"] {
            #expect(ScoreDependency.of(everything, in: a) == .everything, "\(everything)")
        }
    }

    @Test("The results API: gzip when the client accepts it (the same document), 304 while nothing changed")
    func compressedAndConditional() async throws {
        let f = try await openFixture()
        try await f.test { client in
            let api = try await APIClient.login(client, "organizer")
            #expect(try await api.call(.post, .api(.factsImport(.value(f.a))), raw: xinbeiDocument).status == .ok)
            let results = SiteURL.api(.results(.value(f.a)))
            let plain = try await api.call(.get, results)
            #expect(plain.status == .ok && plain.headers[.contentEncoding] == nil)
            #expect(plain.headers[.vary] == "Accept-Encoding" && plain.headers[.cacheControl] == "private, no-cache")
            let etag = try #require(plain.headers[.eTag])
            let version = try await f.store.dataVersion()
            #expect(etag == "W/\"\(version)\"")

            let packed = try await api.call(.get, results, headers: [.acceptEncoding: "br, gzip;q=0.8"])
            #expect(packed.status == .ok && packed.headers[.contentEncoding] == "gzip")
            #expect(packed.headers[.eTag] == etag)
            var compressed = packed.body
            #expect(compressed.readableBytes * 4 < plain.body.readableBytes)
            #expect(String(buffer: try compressed.decompress(with: .gzip())) == plain.text)
            // gzip refused with q=0, or not named: the plain document.
            for refused in ["gzip;q=0, identity", "br", "gzipped"] {
                let answer = try await api.call(.get, results, headers: [.acceptEncoding: refused])
                #expect(answer.headers[.contentEncoding] == nil && answer.text == plain.text, "\(refused)")
            }

            // Nothing written since: 304 without a body, for the weak or the strong form of the tag.
            for tag in [etag, String(etag.dropFirst(2)), "\"0\", \(etag)"] {
                let unchanged = try await api.call(.get, results, headers: [.ifNoneMatch: tag])
                #expect(unchanged.status == .notModified && unchanged.body.readableBytes == 0, "\(tag)")
                #expect(unchanged.headers[.eTag] == etag)
            }
            // A save moves the version: the full document again, with a new tag.
            let record = try #require(try await f.stored(f.unitA, "13"))
            let url = SiteURL.api(.itemFacts(.value(f.a), .value(f.unitA.id), .value("13")))
            let saved = try await api.call(
                .put, url, raw: #"{"offline_cases":0}"#, headers: [.ifMatch: "\"\(record.version)\""])
            #expect(saved.status == .ok)
            let changed = try await api.call(.get, results, headers: [.ifNoneMatch: etag])
            #expect(changed.status == .ok && changed.headers[.eTag] != etag)
            #expect(try Self.total(changed, "A01") != Self.total(plain, "A01"))

            // A unit reporter's document (its own unit) is not cached by clients: no tag, no store.
            let reporter = try await APIClient.login(client, "reporter")
            let own = try await reporter.call(.get, results, headers: [.acceptEncoding: "gzip", .ifNoneMatch: etag])
            #expect(own.status == .ok && own.headers[.eTag] == nil && own.headers[.cacheControl] == "no-store")
            #expect(own.headers[.contentEncoding] == nil && own.text.contains("A01") && !own.text.contains("B01"))
        }
    }

    @Test("A unit reporter still sees only its own unit, an unknown assessment is not found and not kept")
    func reporterAndUnknown() async throws {
        let f = try await openFixture()
        try await f.test { client in
            let organizer = try await APIClient.login(client, "organizer")
            #expect(try await organizer.call(.post, .api(.factsImport(.value(f.a))), raw: xinbeiDocument).status == .ok)
            #expect(try await organizer.call(.get, .api(.results(.value(f.a)))).status == .ok)
            let reporter = try await APIClient.login(client, "reporter")
            let own = try await reporter.call(.get, .api(.results(.value(f.a))))
            let units = try #require((try own.json() as? [String: Any])?["units"] as? [[String: Any]])
            #expect(units.map { $0["id"] as? String } == ["A01"])
            let missing = try await organizer.call(.get, .api(.results(.value(AssessmentID("no-such-assessment")))))
            #expect(missing.status == .notFound)
        }
    }

    @Test("Entries are per store and per version; an older version never replaces a newer one")
    func entries() throws {
        let cache = ResultsCache()
        let store = FailingStore()
        let other = FailingStore()
        let id = AssessmentID("a1")
        let v1 = cache.entry(id, store: store, version: 1)
        #expect(cache.entry(id, store: store, version: 1) === v1)
        #expect(cache.entry(id, store: other, version: 1) !== v1)
        let v2 = cache.entry(id, store: store, version: 2)
        #expect(v2 !== v1)
        let stale = cache.entry(id, store: store, version: 1)
        #expect(stale !== v1 && stale !== v2)
        #expect(cache.entry(id, store: store, version: 2) === v2)
        cache.remove(v2, assessment: id)
        #expect(cache.entry(id, store: store, version: 2) !== v2)
        for n in 0..<20 { _ = cache.entry(AssessmentID("x\(n)"), store: store, version: 1) }
        #expect(cache.count == ResultsCache.capacity)
    }
}
