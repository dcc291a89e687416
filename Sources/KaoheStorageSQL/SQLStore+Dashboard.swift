import Foundation
import KaoheEngine
import KaoheStorage
import SQLKit

extension SQLStore {
    // MARK: Dashboards

    public func workloads(_ assessments: [AssessmentID], today: Day) async throws -> [AssessmentWorkload] {
        try await read { db in
            var workloads: [AssessmentWorkload] = []
            for id in assessments {
                workloads.append(try await Self.workload(id, today: today.description, db))
            }
            return workloads
        }
    }

    public func unitCount() async throws -> Int {
        try await read { db in
            try await db.raw("SELECT COUNT(*) AS n FROM units").first()?.decode(column: "n", as: Int.self) ?? 0
        }
    }

    public func assignments(of assessment: AssessmentID, user: UserID) async throws -> [EvaluatorAssignment] {
        try await read { db in
            try await db.raw(
                """
                SELECT * FROM evaluator_assignments WHERE assessment_id = \(bind: assessment.rawValue)
                AND user_id = \(bind: user.rawValue) ORDER BY id
                """
            ).all().map(Self.assignment)
        }
    }

    /// One assessment's counts: a handful of aggregate queries on the indexed (assessment, unit) columns.
    private static func workload(_ id: AssessmentID, today: String, _ db: any SQLDatabase) async throws
        -> AssessmentWorkload
    {
        let a = id.rawValue
        var load = AssessmentWorkload(assessmentID: id)
        func count(_ query: SQLQueryString, _ column: String = "n") async throws -> Int {
            try await db.raw(query).first()?.decode(column: column, as: Int?.self) ?? 0
        }
        load.enrolled = try await count("SELECT COUNT(*) AS n FROM enrolments WHERE assessment_id = \(bind: a)")
        if let row = try await db.raw(
            """
            SELECT COUNT(*) AS submitted, SUM(first_late) AS late FROM (
                SELECT unit_id, MAX(CASE WHEN number = 1 AND late <> 0 THEN 1 ELSE 0 END) AS first_late
                FROM submissions WHERE assessment_id = \(bind: a) GROUP BY unit_id) AS s
            """
        ).first() {
            load.submitted = try row.decode(column: "submitted", as: Int?.self) ?? 0
            load.submittedLate = try row.decode(column: "late", as: Int?.self) ?? 0
        }
        load.drafting = try await count(
            """
            SELECT COUNT(DISTINCT a.unit_id) AS n FROM self_assessments a WHERE a.assessment_id = \(bind: a)
            AND NOT EXISTS (SELECT 1 FROM submissions s WHERE s.assessment_id = a.assessment_id AND s.unit_id = a.unit_id)
            """)
        // Units without a submission whose deadline (their latest extension, else the assessment's) has passed.
        // The latest extensions are joined once, and the deadline test runs only on the units left after the
        // anti join (a filter with per-row subqueries ran them for every enrolment: 84 ms at 5,000 units on
        // PostgreSQL).
        load.overdue = try await count(
            """
            SELECT COUNT(*) AS n FROM enrolments e
            LEFT JOIN (
                SELECT x.unit_id, x.deadline FROM deadline_extensions x WHERE x.assessment_id = \(bind: a)
                AND NOT EXISTS (SELECT 1 FROM deadline_extensions y WHERE y.assessment_id = x.assessment_id
                    AND y.unit_id = x.unit_id AND (y.created_at > x.created_at OR (y.created_at = x.created_at AND y.id > x.id)))
            ) latest ON latest.unit_id = e.unit_id
            WHERE e.assessment_id = \(bind: a)
            AND NOT EXISTS (SELECT 1 FROM submissions s WHERE s.assessment_id = \(bind: a) AND s.unit_id = e.unit_id)
            AND COALESCE(latest.deadline, (SELECT submission_deadline FROM assessments WHERE id = \(bind: a))) < \(bind: today)
            """)
        load.awaitingReview = try await db.raw(
            """
            SELECT s.unit_id FROM submissions s WHERE s.assessment_id = \(bind: a)
            AND NOT EXISTS (SELECT 1 FROM submissions s2 WHERE s2.assessment_id = \(bind: a)
                            AND s2.unit_id = s.unit_id AND s2.number > s.number)
            AND NOT EXISTS (SELECT 1 FROM review_actions r WHERE r.assessment_id = \(bind: a)
                            AND r.unit_id = s.unit_id AND r.kind IN ('accept', 'return') AND r.seq > s.seq)
            ORDER BY s.unit_id
            """
        ).all().map { UnitID(try $0.decode(column: "unit_id", as: String.self)) }
        // Each item's latest review step: a return waits for the unit, an answer for the evaluator.
        for row in try await db.raw(
            """
            SELECT r.unit_id, r.kind, COUNT(*) AS n FROM review_actions r WHERE r.assessment_id = \(bind: a)
            AND r.kind IN ('return', 'answer')
            AND NOT EXISTS (SELECT 1 FROM review_actions r2 WHERE r2.assessment_id = r.assessment_id
                            AND r2.unit_id = r.unit_id AND r2.item_id = r.item_id AND r2.seq > r.seq)
            GROUP BY r.unit_id, r.kind
            """
        ).all() {
            let unit = UnitID(try row.decode(column: "unit_id", as: String.self))
            let n = try row.decode(column: "n", as: Int.self)
            if try row.decode(column: "kind", as: String.self) == ReviewKind.return.rawValue {
                load.returned[unit] = n
            } else {
                load.answersToReview[unit] = n
            }
        }
        load.openObjections = try await count(
            """
            SELECT COUNT(*) AS n FROM objections WHERE assessment_id = \(bind: a)
            AND status = \(bind: ObjectionStatus.open.rawValue)
            """)
        let closed = RectificationState.closed.rawValue
        if let row = try await db.raw(
            """
            SELECT COUNT(*) AS open,
                SUM(CASE WHEN deadline < \(bind: today) THEN 1 ELSE 0 END) AS overdue,
                SUM(CASE WHEN state = \(bind: RectificationState.awaitingVerification.rawValue) THEN 1 ELSE 0 END) AS verify
            FROM rectification_items WHERE assessment_id = \(bind: a) AND state <> \(bind: closed)
            """
        ).first() {
            load.openRectifications = try row.decode(column: "open", as: Int?.self) ?? 0
            load.overdueRectifications = try row.decode(column: "overdue", as: Int?.self) ?? 0
            load.rectificationsToVerify = try row.decode(column: "verify", as: Int?.self) ?? 0
        }
        if let row = try await db.raw(
            """
            SELECT number, title, period, published_at FROM bulletins WHERE assessment_id = \(bind: a)
            ORDER BY number DESC LIMIT 1
            """
        ).first() {
            load.latestBulletin = BulletinHeading(
                number: try row.decode(column: "number", as: Int.self),
                title: try row.decode(column: "title", as: String.self),
                period: try row.decode(column: "period", as: String.self),
                publishedAt: date(try row.decode(column: "published_at", as: Int.self)))
        }
        return load
    }
}
