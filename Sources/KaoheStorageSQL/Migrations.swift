/// One numbered schema change. The SQL is written once and runs unchanged on SQLite and PostgreSQL:
/// only TEXT and BIGINT columns, application-generated ids, times as Unix seconds.
public struct Migration: Sendable {
    /// The number (1, 2, …); applied in order, recorded in `schema_migrations`.
    public let id: Int
    /// A short name, e.g. `initial`.
    public let name: String
    /// The statements, run in one transaction.
    public let statements: [String]

    /// The full name, e.g. `001_initial`.
    public var fullName: String {
        let number = String(id)
        return String(repeating: "0", count: max(0, 3 - number.count)) + number + "_" + name
    }
}

/// All migrations of the platform, in order. Never edit an applied migration: add a new one.
public let allMigrations: [Migration] = [
    Migration(
        id: 1, name: "initial",
        statements: [
            """
            CREATE TABLE organizations (
                id TEXT PRIMARY KEY,
                parent_id TEXT REFERENCES organizations(id),
                name TEXT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE units (
                id TEXT PRIMARY KEY,
                organization_id TEXT NOT NULL REFERENCES organizations(id),
                parent_id TEXT REFERENCES units(id),
                code TEXT NOT NULL,
                name TEXT NOT NULL,
                unit_type TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                UNIQUE (organization_id, code)
            )
            """,
            """
            CREATE TABLE users (
                id TEXT PRIMARY KEY,
                username TEXT NOT NULL UNIQUE,
                display_name TEXT NOT NULL,
                password_hash TEXT NOT NULL,
                roles TEXT NOT NULL,
                organization_id TEXT REFERENCES organizations(id),
                unit_id TEXT REFERENCES units(id),
                failed_logins BIGINT NOT NULL,
                locked_until BIGINT,
                created_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE sessions (
                token_hash TEXT PRIMARY KEY,
                user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                csrf_token TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX sessions_user ON sessions (user_id)",
            """
            CREATE TABLE api_tokens (
                token_hash TEXT PRIMARY KEY,
                id TEXT NOT NULL UNIQUE,
                user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE assessments (
                id TEXT PRIMARY KEY,
                organization_id TEXT NOT NULL REFERENCES organizations(id),
                scheme_id TEXT NOT NULL,
                year BIGINT NOT NULL,
                title TEXT NOT NULL,
                state TEXT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE enrolments (
                assessment_id TEXT NOT NULL REFERENCES assessments(id),
                unit_id TEXT NOT NULL REFERENCES units(id),
                PRIMARY KEY (assessment_id, unit_id)
            )
            """,
            """
            CREATE TABLE evaluator_assignments (
                id TEXT PRIMARY KEY,
                assessment_id TEXT NOT NULL REFERENCES assessments(id),
                user_id TEXT NOT NULL REFERENCES users(id),
                unit_id TEXT REFERENCES units(id),
                item_id TEXT
            )
            """,
            """
            CREATE TABLE facts (
                assessment_id TEXT NOT NULL REFERENCES assessments(id),
                unit_id TEXT NOT NULL REFERENCES units(id),
                item_id TEXT NOT NULL,
                json TEXT NOT NULL,
                version BIGINT NOT NULL,
                updated_by TEXT REFERENCES users(id),
                updated_at BIGINT NOT NULL,
                PRIMARY KEY (assessment_id, unit_id, item_id)
            )
            """,
            """
            CREATE TABLE findings (
                id TEXT PRIMARY KEY,
                assessment_id TEXT NOT NULL REFERENCES assessments(id),
                unit_id TEXT NOT NULL REFERENCES units(id),
                item_id TEXT NOT NULL,
                occurred_on TEXT NOT NULL,
                note TEXT NOT NULL,
                evidence_ref TEXT,
                created_by TEXT REFERENCES users(id),
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX findings_unit ON findings (assessment_id, unit_id, item_id)",
            """
            CREATE TABLE audit_log (
                seq BIGINT PRIMARY KEY,
                at BIGINT NOT NULL,
                actor_id TEXT,
                actor_name TEXT NOT NULL,
                entity TEXT NOT NULL,
                action TEXT NOT NULL,
                old_value TEXT,
                new_value TEXT,
                reason TEXT,
                prev_hash TEXT NOT NULL,
                hash TEXT NOT NULL
            )
            """,
            "CREATE INDEX audit_entity ON audit_log (entity)",
            // The chain head: one row, updated in every audited transaction. The UPDATE's row lock
            // serializes concurrent writers on PostgreSQL, so the chain never forks.
            "CREATE TABLE audit_head (id BIGINT PRIMARY KEY, seq BIGINT NOT NULL, hash TEXT NOT NULL)",
            "INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000')",
        ]),
    // A finding counts into one count fact of its item (`fact_name`); older findings have none.
    Migration(id: 2, name: "finding_fact", statements: ["ALTER TABLE findings ADD COLUMN fact_name TEXT"]),
    // Scheme files uploaded by organizers, kept verbatim.
    Migration(
        id: 3, name: "uploaded_schemes",
        statements: [
            """
            CREATE TABLE schemes (
                id TEXT PRIMARY KEY,
                title TEXT NOT NULL,
                file_name TEXT NOT NULL,
                yaml TEXT NOT NULL,
                uploaded_by TEXT REFERENCES users(id),
                uploaded_at BIGINT NOT NULL
            )
            """
        ]),
    // The assessed units' side: deadlines and parameters, self-assessments, submissions, evidence records,
    // review steps, objections and published versions. Rows are only ever added or superseded.
    Migration(
        id: 4, name: "unit_workflow",
        statements: [
            "ALTER TABLE assessments ADD COLUMN submission_deadline TEXT",
            "ALTER TABLE assessments ADD COLUMN objection_deadline TEXT",
            "ALTER TABLE assessments ADD COLUMN parameters TEXT",
            """
            CREATE TABLE deadline_extensions (
                id TEXT PRIMARY KEY,
                assessment_id TEXT NOT NULL REFERENCES assessments(id),
                unit_id TEXT NOT NULL REFERENCES units(id),
                deadline TEXT NOT NULL,
                reason TEXT NOT NULL,
                created_by TEXT REFERENCES users(id),
                created_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE self_assessments (
                assessment_id TEXT NOT NULL REFERENCES assessments(id),
                unit_id TEXT NOT NULL REFERENCES units(id),
                item_id TEXT NOT NULL,
                self_score TEXT,
                note TEXT NOT NULL,
                claimed_facts TEXT,
                version BIGINT NOT NULL,
                updated_by TEXT REFERENCES users(id),
                updated_at BIGINT NOT NULL,
                PRIMARY KEY (assessment_id, unit_id, item_id)
            )
            """,
            """
            CREATE TABLE submissions (
                id TEXT PRIMARY KEY,
                assessment_id TEXT NOT NULL REFERENCES assessments(id),
                unit_id TEXT NOT NULL REFERENCES units(id),
                number BIGINT NOT NULL,
                submitted_at BIGINT NOT NULL,
                submitted_by TEXT REFERENCES users(id),
                late BIGINT NOT NULL,
                deadline TEXT,
                snapshot TEXT NOT NULL,
                seq BIGINT NOT NULL,
                UNIQUE (assessment_id, unit_id, number)
            )
            """,
            """
            CREATE TABLE evidence_files (
                id TEXT PRIMARY KEY,
                assessment_id TEXT NOT NULL REFERENCES assessments(id),
                unit_id TEXT NOT NULL REFERENCES units(id),
                item_id TEXT NOT NULL,
                sha256 TEXT NOT NULL,
                file_name TEXT NOT NULL,
                content_type TEXT NOT NULL,
                size BIGINT NOT NULL,
                purpose TEXT NOT NULL,
                uploaded_by TEXT REFERENCES users(id),
                uploaded_at BIGINT NOT NULL,
                withdrawn_at BIGINT,
                withdrawn_by TEXT REFERENCES users(id),
                withdrawn_reason TEXT,
                seq BIGINT NOT NULL
            )
            """,
            "CREATE INDEX evidence_unit ON evidence_files (assessment_id, unit_id, item_id)",
            """
            CREATE TABLE review_actions (
                id TEXT PRIMARY KEY,
                assessment_id TEXT NOT NULL REFERENCES assessments(id),
                unit_id TEXT NOT NULL REFERENCES units(id),
                item_id TEXT NOT NULL,
                kind TEXT NOT NULL,
                text TEXT NOT NULL,
                created_by TEXT REFERENCES users(id),
                created_at BIGINT NOT NULL,
                seq BIGINT NOT NULL
            )
            """,
            "CREATE INDEX review_unit ON review_actions (assessment_id, unit_id, seq)",
            """
            CREATE TABLE objections (
                id TEXT PRIMARY KEY,
                assessment_id TEXT NOT NULL REFERENCES assessments(id),
                unit_id TEXT NOT NULL REFERENCES units(id),
                item_id TEXT NOT NULL,
                text TEXT NOT NULL,
                evidence_ids TEXT NOT NULL,
                publication_version BIGINT NOT NULL,
                score_before TEXT,
                created_by TEXT REFERENCES users(id),
                created_at BIGINT NOT NULL,
                seq BIGINT NOT NULL,
                status TEXT NOT NULL,
                answer TEXT,
                score_after TEXT,
                answered_by TEXT REFERENCES users(id),
                answered_at BIGINT
            )
            """,
            "CREATE INDEX objections_unit ON objections (assessment_id, unit_id, seq)",
            """
            CREATE TABLE publications (
                assessment_id TEXT NOT NULL REFERENCES assessments(id),
                version BIGINT NOT NULL,
                state TEXT NOT NULL,
                results TEXT NOT NULL,
                note TEXT NOT NULL,
                created_by TEXT REFERENCES users(id),
                created_at BIGINT NOT NULL,
                PRIMARY KEY (assessment_id, version)
            )
            """,
        ]),
    // Logins: the hard lock-out (users.failed_logins, users.locked_until, no longer used) gives way to
    // delays counted per account name and per client address, shared by every instance; addresses a user
    // logged in from; API tokens record when they were last used and are listed per user.
    Migration(
        id: 5, name: "login_throttle_and_tokens",
        statements: [
            """
            CREATE TABLE login_throttle (
                throttle_key TEXT PRIMARY KEY,
                failures BIGINT NOT NULL,
                blocked_until BIGINT,
                last_failure BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE login_addresses (
                user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                address TEXT NOT NULL,
                last_login BIGINT NOT NULL,
                PRIMARY KEY (user_id, address)
            )
            """,
            "UPDATE users SET failed_logins = 0, locked_until = NULL",
            "ALTER TABLE api_tokens ADD COLUMN last_used_at BIGINT",
            "CREATE INDEX api_tokens_user ON api_tokens (user_id)",
        ]),
    // Platform records (shared/spec/records.md) per organization, their imports and remembered header
    // mappings; evaluators' overrides of derived facts; published monthly bulletins.
    Migration(
        id: 6, name: "records_and_bulletins",
        statements: [
            """
            CREATE TABLE platform_records (
                organization_id TEXT NOT NULL REFERENCES organizations(id),
                record_type TEXT NOT NULL,
                record_id TEXT NOT NULL,
                unit_code TEXT NOT NULL,
                fields TEXT NOT NULL,
                import_id TEXT NOT NULL,
                PRIMARY KEY (organization_id, record_type, record_id)
            )
            """,
            """
            CREATE TABLE record_imports (
                id TEXT PRIMARY KEY,
                organization_id TEXT NOT NULL REFERENCES organizations(id),
                file_name TEXT NOT NULL,
                sha256 TEXT NOT NULL,
                record_types TEXT NOT NULL,
                new_count BIGINT NOT NULL,
                changed_count BIGINT NOT NULL,
                unchanged_count BIGINT NOT NULL,
                touched_units TEXT NOT NULL,
                user_id TEXT REFERENCES users(id),
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX record_imports_organization ON record_imports (organization_id, created_at)",
            """
            CREATE TABLE record_versions (
                organization_id TEXT PRIMARY KEY REFERENCES organizations(id),
                version BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE record_header_mappings (
                organization_id TEXT NOT NULL REFERENCES organizations(id),
                record_type TEXT NOT NULL,
                header TEXT NOT NULL,
                field_id TEXT NOT NULL,
                PRIMARY KEY (organization_id, record_type, header)
            )
            """,
            """
            CREATE TABLE fact_overrides (
                assessment_id TEXT NOT NULL REFERENCES assessments(id),
                unit_id TEXT NOT NULL REFERENCES units(id),
                item_id TEXT NOT NULL,
                fact_name TEXT NOT NULL,
                value_json TEXT NOT NULL,
                reason TEXT NOT NULL,
                user_id TEXT REFERENCES users(id),
                created_at BIGINT NOT NULL,
                PRIMARY KEY (assessment_id, unit_id, item_id, fact_name)
            )
            """,
            """
            CREATE TABLE bulletins (
                assessment_id TEXT NOT NULL REFERENCES assessments(id),
                number BIGINT NOT NULL,
                title TEXT NOT NULL,
                period TEXT NOT NULL,
                as_of TEXT NOT NULL,
                body TEXT NOT NULL,
                published_by TEXT REFERENCES users(id),
                published_at BIGINT NOT NULL,
                PRIMARY KEY (assessment_id, number)
            )
            """,
        ]),
    // Rater rounds (shared/spec/raters.md): rounds with their groups as JSON, named and unit ballot sheets, the
    // counts of marks per (group, unit, mark) that results read (public ballots are stored only as these counts),
    // comments for moderation (random ids, no times) and one-time codes as SHA-256 hashes (used: a flag, no time).
    Migration(
        id: 7, name: "rater_rounds",
        statements: [
            """
            CREATE TABLE rater_rounds (
                id TEXT PRIMARY KEY,
                assessment_id TEXT NOT NULL REFERENCES assessments(id),
                item_id TEXT NOT NULL,
                title TEXT NOT NULL,
                state TEXT NOT NULL,
                opens_at BIGINT,
                closes_at BIGINT,
                config TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                closed_at BIGINT
            )
            """,
            "CREATE INDEX rater_rounds_assessment ON rater_rounds (assessment_id, created_at)",
            """
            CREATE TABLE rater_sheets (
                round_id TEXT NOT NULL REFERENCES rater_rounds(id),
                group_id TEXT NOT NULL,
                rater_id TEXT NOT NULL,
                marks TEXT NOT NULL,
                submitted BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                PRIMARY KEY (round_id, group_id, rater_id)
            )
            """,
            """
            CREATE TABLE rater_tallies (
                round_id TEXT NOT NULL REFERENCES rater_rounds(id),
                group_id TEXT NOT NULL,
                unit_id TEXT NOT NULL,
                mark TEXT NOT NULL,
                ballots BIGINT NOT NULL,
                PRIMARY KEY (round_id, group_id, unit_id, mark)
            )
            """,
            """
            CREATE TABLE rater_comments (
                id TEXT PRIMARY KEY,
                round_id TEXT NOT NULL REFERENCES rater_rounds(id),
                group_id TEXT NOT NULL,
                unit_id TEXT NOT NULL,
                body TEXT NOT NULL,
                status TEXT NOT NULL
            )
            """,
            "CREATE INDEX rater_comments_round ON rater_comments (round_id, unit_id)",
            """
            CREATE TABLE rater_codes (
                code_hash TEXT PRIMARY KEY,
                round_id TEXT NOT NULL REFERENCES rater_rounds(id),
                group_id TEXT NOT NULL,
                used BIGINT NOT NULL
            )
            """,
            "CREATE INDEX rater_codes_round ON rater_codes (round_id, group_id)",
        ]),
    // The rectification ledger (整改台账): items with their state and deadline in working days, and each
    // step of their history; spot-check plans (双随机抽查) with the seed's hash, the frozen draw and results.
    Migration(
        id: 8, name: "spot_checks_and_rectification",
        statements: [
            """
            CREATE TABLE rectification_items (
                id TEXT PRIMARY KEY,
                assessment_id TEXT NOT NULL REFERENCES assessments(id),
                unit_id TEXT NOT NULL REFERENCES units(id),
                number BIGINT NOT NULL,
                item_id TEXT,
                finding_id TEXT,
                source TEXT NOT NULL,
                problem TEXT NOT NULL,
                measures TEXT NOT NULL,
                opened_on TEXT NOT NULL,
                working_days BIGINT NOT NULL,
                deadline TEXT NOT NULL,
                state TEXT NOT NULL,
                verdict TEXT,
                verdict_points BIGINT,
                verdict_note TEXT,
                answer TEXT,
                closed_on TEXT,
                carried_from TEXT,
                created_by TEXT REFERENCES users(id),
                created_at BIGINT NOT NULL,
                version BIGINT NOT NULL,
                UNIQUE (assessment_id, number)
            )
            """,
            "CREATE INDEX rectification_unit ON rectification_items (unit_id, assessment_id)",
            "CREATE UNIQUE INDEX rectification_carried ON rectification_items (assessment_id, carried_from)",
            """
            CREATE TABLE rectification_events (
                item_id TEXT NOT NULL REFERENCES rectification_items(id),
                seq BIGINT NOT NULL,
                action TEXT NOT NULL,
                from_state TEXT,
                to_state TEXT NOT NULL,
                text TEXT NOT NULL,
                evidence_ids TEXT NOT NULL,
                user_id TEXT REFERENCES users(id),
                at BIGINT NOT NULL,
                PRIMARY KEY (item_id, seq)
            )
            """,
            """
            CREATE TABLE spot_check_plans (
                id TEXT PRIMARY KEY,
                assessment_id TEXT NOT NULL REFERENCES assessments(id),
                title TEXT NOT NULL,
                population TEXT NOT NULL,
                record_type TEXT,
                sample_count BIGINT,
                ratio_percent BIGINT,
                minimum BIGINT NOT NULL,
                inspectors TEXT NOT NULL,
                exclusions TEXT NOT NULL,
                seed_hash TEXT NOT NULL,
                secret_seed TEXT NOT NULL,
                state TEXT NOT NULL,
                draw TEXT,
                created_by TEXT REFERENCES users(id),
                created_at BIGINT NOT NULL,
                drawn_at BIGINT,
                results_published_at BIGINT
            )
            """,
            "CREATE INDEX spot_check_assessment ON spot_check_plans (assessment_id, created_at)",
            """
            CREATE TABLE spot_check_results (
                plan_id TEXT NOT NULL REFERENCES spot_check_plans(id),
                object_key TEXT NOT NULL,
                passed BIGINT NOT NULL,
                note TEXT NOT NULL,
                finding_ids TEXT NOT NULL,
                recorded_by TEXT REFERENCES users(id),
                recorded_at BIGINT NOT NULL,
                PRIMARY KEY (plan_id, object_key)
            )
            """,
        ]),
    // Each user's inbox (issue 13): notifications with a dedupe key per user (a sweep run again adds nothing),
    // the e-mail outbox (kept until sent; a claim with a lease so several instances never send one mail
    // twice) and each user's e-mail settings.
    Migration(
        id: 9, name: "inbox_and_outbox",
        statements: [
            """
            CREATE TABLE notifications (
                id TEXT PRIMARY KEY,
                user_id TEXT NOT NULL REFERENCES users(id),
                kind TEXT NOT NULL,
                title TEXT NOT NULL,
                body TEXT NOT NULL,
                link TEXT NOT NULL,
                dedupe_key TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                read_at BIGINT,
                UNIQUE (user_id, dedupe_key)
            )
            """,
            "CREATE INDEX notifications_user ON notifications (user_id, read_at, created_at)",
            """
            CREATE TABLE mail_outbox (
                id TEXT PRIMARY KEY,
                user_id TEXT NOT NULL REFERENCES users(id),
                to_address TEXT NOT NULL,
                subject TEXT NOT NULL,
                body TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                attempts BIGINT NOT NULL,
                next_attempt_at BIGINT NOT NULL,
                sent_at BIGINT,
                last_error TEXT,
                claimed_by TEXT,
                claimed_until BIGINT
            )
            """,
            "CREATE INDEX mail_outbox_due ON mail_outbox (sent_at, next_attempt_at)",
            "ALTER TABLE users ADD COLUMN email TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE users ADD COLUMN mail_mode TEXT NOT NULL DEFAULT 'off'",
            "ALTER TABLE users ADD COLUMN last_digest_at BIGINT",
        ]),
    // Lists that scale (issue 13): the audit log filtered by actor, action or time keeps its newest-first order
    // from an index, so a page never sorts or scans the whole log.
    Migration(
        id: 10, name: "list_indexes",
        statements: [
            "CREATE INDEX audit_actor ON audit_log (actor_name, seq)",
            "CREATE INDEX audit_action ON audit_log (action, seq)",
            "CREATE INDEX audit_at ON audit_log (at, seq)",
        ]),
    // The audit log filtered by actor and action together: walked newest first from one index, instead of
    // the actor's entries read one by one for the few of one action.
    Migration(
        id: 11, name: "audit_actor_action",
        statements: [
            "CREATE INDEX audit_actor_action ON audit_log (actor_name, action, seq)"
        ]),
    // Deep pages of a broad entity prefix (all facts entries, page 100): the sequence numbers of the page are
    // found from this index alone, newest first, and only the page's entries are read from the table.
    Migration(
        id: 12, name: "audit_seq_entity",
        statements: [
            "CREATE INDEX audit_seq_entity ON audit_log (seq, entity)"
        ]),
]
