import Foundation
import Hummingbird
import HummingbirdTesting
import KaoheEngine
import KaoheStorage
import KaoheTestSupport
import Testing

@testable import KaoheApplication
@testable import KaoheWeb

/// Evidence is listed as it is downloaded: whoever may not download a file sees neither its name, id nor
/// hash on any page or in the API.
@Suite("Evidence listing follows the download permission")
struct EvidenceListingTests {
    /// Unit A: the reporter's self-assessment file and the evaluator's finding file; unit B: its reporter's file.
    struct Files {
        let own: EvidenceFile
        let finding: EvidenceFile
        let other: EvidenceFile
    }

    static func setUp(_ w: EvidenceWorld, _ client: any TestClientProtocol) async throws -> Files {
        let reporter = try await w.browser(client, "reporter")
        #expect(try await reporter.upload(w.uploadURL(), name: "自评材料.pdf", bytes: Samples.pdf).status == .seeOther)
        let evaluator = try await w.browser(client, "evaluator")
        #expect(
            try await evaluator.upload(w.uploadURL(), name: "问题截图.png", bytes: Samples.png).status == .seeOther)
        let reporterB = try await w.browser(client, "reporterB")
        #expect(
            try await reporterB.upload(w.uploadURL(w.unitB), name: "岭东区台账.docx", bytes: Samples.docx).status
                == .seeOther)
        let a = try await w.records(w.unitA)
        return Files(
            own: try #require(a.first { $0.purpose == .selfAssessment }),
            finding: try #require(a.first { $0.purpose == .finding }),
            other: try #require(try await w.records(w.unitB).first))
    }

    /// The pages of a unit that list evidence or its history.
    static func pages(_ w: EvidenceWorld, _ unit: UnitID) -> [String] {
        [
            SiteURL.selfAssessment(.value(w.a), .value(unit)).path,
            SiteURL.unitAudit(.value(w.a), .value(unit)).path,
            SiteURL.unitScoring(.value(w.a), .value(unit)).path,
        ]
    }

    static func expectHidden(_ file: EvidenceFile, in body: String, _ where: String) {
        #expect(!body.contains(file.fileName), "\(`where`): file name of \(file.fileName)")
        #expect(!body.contains(file.id.rawValue), "\(`where`): id of \(file.fileName)")
        #expect(!body.contains(file.sha256), "\(`where`): hash of \(file.fileName)")
    }

    @Test("A reporter sees its own files but not finding evidence before 公示: page, audit, history and API")
    func reporterBeforePublicity() async throws {
        try await EvidenceWorld.run { w, client in
            let files = try await Self.setUp(w, client)
            let reporter = try await w.browser(client, "reporter")
            let evaluator = try await w.browser(client, "evaluator")
            for path in Self.pages(w, w.unitA) {
                let mine = try await reporter.get(path)
                #expect(mine.status == .ok, "\(path): \(mine.status)")
                Self.expectHidden(files.finding, in: mine.text, "reporter \(path)")
                Self.expectHidden(files.other, in: mine.text, "reporter \(path)")
                // Positive control: the evaluator assigned to the unit sees the finding file.
                let theirs = try await evaluator.get(path)
                #expect(theirs.status == .ok, "\(path): \(theirs.status)")
                #expect(theirs.text.contains(files.finding.fileName), "evaluator \(path)")
            }
            // The reporter's own file is listed on its page and audit.
            for path in Self.pages(w, w.unitA).prefix(2) {
                #expect(try await reporter.get(path).text.contains(files.own.fileName), "reporter \(path)")
            }
            let api = SiteURL.api(.selfAssessment(.value(w.a), .value(w.unitA)))
            let reporterAPI = try await APIClient.login(client, "reporter")
            let mine = try await reporterAPI.call(.get, api)
            #expect(mine.status == .ok)
            #expect(mine.text.contains(files.own.id.rawValue))
            Self.expectHidden(files.finding, in: mine.text, "reporter API")
            let evaluatorAPI = try await APIClient.login(client, "evaluator")
            #expect(try await evaluatorAPI.call(.get, api).text.contains(files.finding.id.rawValue))
        }
    }

    @Test("An evaluator not assigned to a unit sees none of its evidence; the unit's reporter does")
    func unassignedEvaluator() async throws {
        try await EvidenceWorld.run { w, client in
            let files = try await Self.setUp(w, client)
            let evaluator = try await w.browser(client, "evaluator")
            let reporterB = try await w.browser(client, "reporterB")
            for path in Self.pages(w, w.unitB) {
                let response = try await evaluator.get(path)
                Self.expectHidden(files.other, in: response.text, "evaluator \(path) (\(response.status))")
            }
            for path in Self.pages(w, w.unitB).prefix(2) {
                #expect(try await reporterB.get(path).text.contains(files.other.fileName), "reporterB \(path)")
            }
            let api = SiteURL.api(.selfAssessment(.value(w.a), .value(w.unitB)))
            let evaluatorAPI = try await APIClient.login(client, "evaluator")
            Self.expectHidden(files.other, in: try await evaluatorAPI.call(.get, api).text, "evaluator API")
            let reporterAPI = try await APIClient.login(client, "reporterB")
            #expect(try await reporterAPI.call(.get, api).text.contains(files.other.id.rawValue))
        }
    }

    @Test("A leader sees results only: no self-scores and no evidence on a unit's audit page or history")
    func leader() async throws {
        try await EvidenceWorld.run { w, client in
            let files = try await Self.setUp(w, client)
            _ = try await w.fixture.store.saveSelfAssessment(
                SelfAssessmentEntry(
                    assessmentID: w.a, unitID: w.unitA, itemID: w.items[0], selfScore: "1.75", note: "自评说明甲乙丙",
                    claimedFacts: nil), expectedVersion: 0, by: .system)
            let leader = try await w.browser(client, "leader")
            let organizer = try await w.browser(client, "organizer")
            for path in Self.pages(w, w.unitA).dropFirst() {
                let response = try await leader.get(path)
                #expect(response.status == .ok, "\(path): \(response.status)")
                Self.expectHidden(files.own, in: response.text, "leader \(path)")
                Self.expectHidden(files.finding, in: response.text, "leader \(path)")
                #expect(!response.text.contains("自评说明甲乙丙"), "leader \(path)")
                #expect(!response.text.contains("selfScore"), "leader \(path)")
            }
            // Positive control: the organizer sees both on the audit page.
            let audit = try await organizer.get(SiteURL.unitAudit(.value(w.a), .value(w.unitA)).path).text
            #expect(audit.contains(files.own.fileName))
            #expect(audit.contains(files.finding.fileName))
            #expect(audit.contains("自评说明甲乙丙"))
            #expect(
                try await leader.get(SiteURL.selfAssessment(.value(w.a), .value(w.unitA)).path).status == .forbidden)
        }
    }

    @Test("After 公示 the reporter sees the finding evidence it may now download")
    func reporterAfterPublicity() async throws {
        try await EvidenceWorld.run { w, client in
            let files = try await Self.setUp(w, client)
            let reporter = try await w.browser(client, "reporter")
            let operations = Operations(w.deps)
            var assessment = try #require(try await w.fixture.store.assessment(w.a))
            assessment.state = .publicity
            let user = w.fixture.users[.reporter]!
            let unit = try #require(try await w.fixture.store.unit(w.unitA))
            let scope = try #require(try await EvidenceScope.of(assessment, unit, for: user, store: w.fixture.store))
            #expect(scope.maySee(files.finding))
            let entries = try await operations.visibleAuditEntries(
                try await operations.unitAuditEntries(w.a, w.unitA), assessment, unit, for: user)
            #expect(entries.contains { ($0.newValue ?? "").contains(files.finding.fileName) })
            // Before, the same user's page leaves it out.
            let page = try await reporter.get(SiteURL.unitAudit(.value(w.a), .value(w.unitA)).path).text
            Self.expectHidden(files.finding, in: page, "reporter audit before 公示")
        }
    }
}
