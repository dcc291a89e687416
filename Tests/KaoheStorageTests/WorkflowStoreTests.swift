import Foundation
import KaoheEngine
import KaoheStorage
import KaoheStorageSQL
import Testing

@Suite("SQL store: the units' workflow")
struct WorkflowStoreTests {
    @Test("Self-assessment entries are versioned; the second writer gets a conflict", arguments: Backend.all)
    func selfAssessmentVersions(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let world = try await World.make(in: store)
            let a = try await world.openAssessment(in: store)
            let entry = SelfAssessmentEntry(
                assessmentID: a.id, unitID: world.unitA.id, itemID: "1.1", selfScore: "5", note: "已成立领导小组",
                claimedFacts: #"{"group_established":true}"#)
            let first = try await store.saveSelfAssessment(entry, expectedVersion: 0, by: .user(world.admin))
            #expect(first.version == 1)
            var edited = entry
            edited.selfScore = "4.5"
            let second = try await store.saveSelfAssessment(edited, expectedVersion: 1, by: .user(world.admin))
            #expect(second.version == 2)
            await #expect(throws: StorageError.self) {
                try await store.saveSelfAssessment(entry, expectedVersion: 1, by: .user(world.admin))
            }
            let stored = try await store.selfAssessment(assessment: a.id, unit: world.unitA.id)
            #expect(stored.map(\.selfScore) == ["4.5"])
            #expect(stored.first?.claimedFacts == #"{"group_established":true}"#)
            // Invalid claimed facts are refused, naming the item.
            var bad = entry
            bad.claimedFacts = "{oops"
            await #expect(throws: StorageError.self) {
                try await store.saveSelfAssessment(bad, expectedVersion: 2, by: .user(world.admin))
            }
            // The audit keeps old and new.
            let audit = try await store.auditLog(entityPrefix: "self:\(a.id)/\(world.unitA.id)/1.1", limit: 10)
            #expect(audit.count == 2)
            #expect(audit.last?.oldValue?.contains("\"selfScore\":\"5\"") == true)
            #expect(audit.last?.newValue?.contains("\"selfScore\":\"4.5\"") == true)
        }
    }

    @Test("Submissions are numbered 1, 2, … and never overwritten", arguments: Backend.all)
    func submissions(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let world = try await World.make(in: store)
            let a = try await world.openAssessment(in: store)
            func submission(_ number: Int, late: Bool = false) -> Submission {
                Submission(
                    assessmentID: a.id, unitID: world.unitA.id, number: number, submittedAt: Date(),
                    submittedBy: world.admin.id, late: late, deadline: Day("2022-12-31"), snapshot: "[]")
            }
            try await store.submit(submission(1, late: true), by: .user(world.admin))
            await #expect(throws: StorageError.self) { try await store.submit(submission(1), by: .user(world.admin)) }
            await #expect(throws: StorageError.self) { try await store.submit(submission(3), by: .user(world.admin)) }
            try await store.submit(submission(2), by: .user(world.admin))
            let stored = try await store.submissions(assessment: a.id, unit: world.unitA.id)
            #expect(stored.map(\.number) == [1, 2])
            #expect(stored.map(\.late) == [true, false])
            #expect(stored.first?.deadline == Day("2022-12-31"))
            #expect(try await store.submissions(assessment: a.id, unit: world.unitB.id).isEmpty)
        }
    }

    @Test("Deadlines, extensions, review steps and evidence records", arguments: Backend.all)
    func deadlinesReviewEvidence(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let world = try await World.make(in: store)
            let a = try await world.openAssessment(in: store)
            let updated = try await store.setDeadlines(
                a.id, submission: Day("2022-12-20"), objection: Day("2022-12-30"), by: .user(world.admin))
            #expect(updated.submissionDeadline == Day("2022-12-20"))
            #expect(try await store.assessment(a.id)?.objectionDeadline == Day("2022-12-30"))
            let ext = DeadlineExtension(
                assessmentID: a.id, unitID: world.unitA.id, deadline: Day("2022-12-27")!, reason: "系统故障",
                createdBy: world.admin.id, createdAt: Date())
            try await store.extendDeadline(ext, by: .user(world.admin))
            var noReason = ext
            noReason.id = .generate()
            noReason.reason = " "
            await #expect(throws: StorageError.self) {
                try await store.extendDeadline(noReason, by: .user(world.admin))
            }
            #expect(try await store.deadlineExtensions(of: a.id).map(\.reason) == ["系统故障"])

            for kind in [ReviewKind.return, .answer, .accept] {
                try await store.addReviewAction(
                    ReviewAction(
                        assessmentID: a.id, unitID: world.unitA.id, itemID: "1.2", kind: kind,
                        text: "说明\(kind.rawValue)",
                        createdBy: world.evaluator.id, createdAt: Date()), by: .user(world.evaluator))
            }
            #expect(
                try await store.reviewActions(assessment: a.id, unit: world.unitA.id).map(\.kind) == [
                    .return, .answer, .accept,
                ])
            await #expect(throws: StorageError.self) {
                try await store.addReviewAction(
                    ReviewAction(
                        assessmentID: a.id, unitID: world.unitA.id, itemID: "1.2", kind: .return, text: "",
                        createdBy: world.evaluator.id, createdAt: Date()), by: .user(world.evaluator))
            }

            let hash = String(repeating: "ab", count: 32)
            let file = EvidenceFile(
                assessmentID: a.id, unitID: world.unitA.id, itemID: "1.2", sha256: hash, fileName: "方案.pdf",
                contentType: "application/pdf", size: 1234, purpose: .selfAssessment, uploadedBy: world.admin.id,
                uploadedAt: Date())
            try await store.addEvidence(file, by: .user(world.admin))
            let withdrawn = try await store.withdrawEvidence(file.id, reason: "传错文件", by: .user(world.admin))
            #expect(withdrawn.withdrawnReason == "传错文件")
            await #expect(throws: StorageError.self) {
                _ = try await store.withdrawEvidence(file.id, reason: "再撤一次", by: .user(world.admin))
            }
            // Withdrawn files are kept.
            #expect(
                try await store.evidence(assessment: a.id, unit: world.unitA.id).filter { $0.itemID == "1.2" }.count
                    == 1)
            #expect(try await store.evidenceHashes() == [hash])
            // Files uploaded within the same second keep their upload order, whatever their random ids.
            var names: [String] = []
            for n in 1...5 {
                let same = EvidenceFile(
                    assessmentID: a.id, unitID: world.unitA.id, itemID: "1.3", sha256: hash, fileName: "第\(n)份.pdf",
                    contentType: "application/pdf", size: 1, purpose: .selfAssessment, uploadedBy: world.admin.id,
                    uploadedAt: file.uploadedAt)
                try await store.addEvidence(same, by: .user(world.admin))
                names.append(same.fileName)
            }
            #expect(
                try await store.evidence(assessment: a.id, unit: world.unitA.id).filter { $0.itemID == "1.3" }.map(
                    \.fileName) == names)
            var badHash = file
            badHash.id = .generate()
            badHash.sha256 = "../../etc/passwd"
            await #expect(throws: StorageError.self) { try await store.addEvidence(badHash, by: .user(world.admin)) }
        }
    }

    @Test(
        "Publications are numbered, change the state in the same transaction; objections are answered once",
        arguments: Backend.all)
    func publicationAndObjections(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let world = try await World.make(in: store)
            var a = try await world.openAssessment(in: store)
            a = try await store.transition(a.id, to: .scoring, by: .user(world.admin))
            let objection = Objection(
                assessmentID: a.id, unitID: world.unitA.id, itemID: "2.1", text: "覆盖率应为85%",
                evidenceIDs: [], publicationVersion: 1, scoreBefore: "15", createdBy: world.admin.id, createdAt: Date())
            // Objections only during 公示.
            await #expect(throws: StorageError.self) { try await store.addObjection(objection, by: .user(world.admin)) }
            let today = Day("2022-12-01")!
            func request(_ state: AssessmentState?, _ results: String, upheld: UpheldObjection? = nil)
                -> PublicationRequest
            {
                PublicationRequest(
                    assessmentID: a.id, moveTo: state, results: results, note: state == nil ? "更正" : nil,
                    upheld: upheld, createdBy: world.admin.id, createdAt: Date(), today: today)
            }
            let v1 = try await store.publish(request(.publicity, #"{"units":[]}"#), by: .user(world.admin))
            a = v1.assessment
            #expect(a.state == .publicity && v1.publication?.version == 1 && v1.publication?.note == "首次公示")
            // A correction with the same results is refused, and nothing is written.
            await #expect(throws: StorageError.unchangedResults(version: 1)) {
                _ = try await store.publish(request(nil, #"{"units":[]}"#), by: .user(world.admin))
            }
            #expect(try await store.publications(of: a.id).count == 1)
            try await store.addObjection(objection, by: .user(world.admin))
            // 定稿 while the objection is open: refused, the state stays.
            await #expect(throws: StorageError.openObjections(count: 1)) {
                _ = try await store.publish(request(.final, #"{"units":[]}"#), by: .user(world.admin))
            }
            #expect(try await store.assessment(a.id)?.state == .publicity)
            let answered = try await store.answerObjection(
                objection.id, status: .upheld, answer: "已核实，更正", scoreAfter: "20", by: .user(world.admin))
            #expect(answered.status == .upheld && answered.scoreAfter == "20")
            await #expect(throws: StorageError.self) {
                _ = try await store.answerObjection(
                    objection.id, status: .rejected, answer: "改主意", scoreAfter: nil, by: .user(world.admin))
            }
            let v2Results = #"{"units":[{"id":"A01"}]}"#
            let v2 = try await store.publish(request(.final, v2Results), by: .user(world.admin))
            a = v2.assessment
            #expect(a.state == .final && v2.publication?.state == .final)
            #expect(v2.publication?.note == "定稿（结果较第1版有更正）")
            #expect(try await store.publications(of: a.id).map(\.version) == [1, 2])
            #expect(try await store.publications(of: a.id).allSatisfy { $0.results.isEmpty })
            #expect(try await store.publication(of: a.id, version: 2)?.results == v2Results)
            // Final: every write refused.
            await #expect(throws: StorageError.locked(assessment: a.id)) {
                try await store.saveSelfAssessment(
                    SelfAssessmentEntry(
                        assessmentID: a.id, unitID: world.unitA.id, itemID: "1.1", selfScore: "5", note: "",
                        claimedFacts: nil), expectedVersion: 0, by: .user(world.admin))
            }
            await #expect(throws: StorageError.locked(assessment: a.id)) {
                _ = try await store.setDeadlines(a.id, submission: nil, objection: nil, by: .user(world.admin))
            }
            #expect(
                try await store.verifyAudit()
                    == .intact(entries: try await store.auditLog(entityPrefix: nil, limit: 100_000).count))
        }
    }
}
