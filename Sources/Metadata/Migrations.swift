import Foundation
import SQLKit

/// Schema versions, applied in order inside one transaction each. The same statements run on SQLite
/// and PostgreSQL; `{id}`, `{name}` and `{bytes}` stand for the column types that differ.
///
/// The reference tables are shaped for online garbage collection: a blob is garbage exactly when no
/// row of `repository_blobs` or `manifest_blobs` names it, which one indexed anti-join finds
/// (see `GarbageCollectionStore`).
enum Migrations {
    static let all: [(version: Int, statements: [String])] = [
        (1, [
            """
            CREATE TABLE users (
                id {id}, username {name} NOT NULL UNIQUE, email TEXT, realname TEXT, comment TEXT,
                password_hash TEXT NOT NULL, sysadmin BOOLEAN NOT NULL DEFAULT FALSE,
                created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)
            """,
            """
            CREATE TABLE projects (
                id {id}, name {name} NOT NULL UNIQUE, owner_id BIGINT, public BOOLEAN NOT NULL,
                created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)
            """,
            """
            CREATE TABLE repositories (
                id {id}, project_id BIGINT NOT NULL REFERENCES projects(id),
                name {name} NOT NULL UNIQUE, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)
            """,
            "CREATE INDEX repositories_project ON repositories(project_id)",
            "CREATE TABLE blobs (digest {name} PRIMARY KEY, size BIGINT NOT NULL, created_at BIGINT NOT NULL)",
            """
            CREATE TABLE repository_blobs (
                repository_id BIGINT NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
                digest {name} NOT NULL REFERENCES blobs(digest), created_at BIGINT NOT NULL,
                PRIMARY KEY (repository_id, digest))
            """,
            "CREATE INDEX repository_blobs_digest ON repository_blobs(digest)",
            """
            CREATE TABLE manifests (
                id {id}, repository_id BIGINT NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
                digest {name} NOT NULL, media_type TEXT NOT NULL, artifact_type TEXT, size BIGINT NOT NULL,
                payload {bytes} NOT NULL, subject_digest {name}, annotations TEXT,
                created_at BIGINT NOT NULL, pulled_at BIGINT,
                UNIQUE (repository_id, digest))
            """,
            "CREATE INDEX manifests_subject ON manifests(repository_id, subject_digest)",
            """
            CREATE TABLE manifest_blobs (
                manifest_id BIGINT NOT NULL REFERENCES manifests(id) ON DELETE CASCADE,
                digest {name} NOT NULL REFERENCES blobs(digest),
                PRIMARY KEY (manifest_id, digest))
            """,
            "CREATE INDEX manifest_blobs_digest ON manifest_blobs(digest)",
            """
            CREATE TABLE manifest_references (
                parent_id BIGINT NOT NULL REFERENCES manifests(id) ON DELETE CASCADE,
                child_id BIGINT NOT NULL REFERENCES manifests(id),
                PRIMARY KEY (parent_id, child_id))
            """,
            "CREATE INDEX manifest_references_child ON manifest_references(child_id)",
            """
            CREATE TABLE tags (
                repository_id BIGINT NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
                name {name} NOT NULL, manifest_id BIGINT NOT NULL REFERENCES manifests(id) ON DELETE CASCADE,
                created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
                PRIMARY KEY (repository_id, name))
            """,
            "CREATE INDEX tags_manifest ON tags(manifest_id)",
            """
            CREATE TABLE upload_sessions (
                id {name} PRIMARY KEY, repository {name} NOT NULL,
                created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)
            """,
        ]),
        (2, [
            """
            CREATE TABLE project_metadata (
                project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
                name {name} NOT NULL, value TEXT NOT NULL, PRIMARY KEY (project_id, name))
            """,
            """
            CREATE TABLE project_members (
                id {id}, project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
                user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE, role INTEGER NOT NULL,
                created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, UNIQUE (project_id, user_id))
            """,
            "CREATE INDEX project_members_user ON project_members(user_id)",
            """
            CREATE TABLE robots (
                id {id}, name {name} NOT NULL UNIQUE, description TEXT,
                project_id BIGINT REFERENCES projects(id) ON DELETE CASCADE, level TEXT NOT NULL,
                secret_hash TEXT NOT NULL, disabled BOOLEAN NOT NULL DEFAULT FALSE, duration BIGINT NOT NULL,
                expires_at BIGINT NOT NULL, permissions TEXT NOT NULL, creator TEXT,
                created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)
            """,
            """
            CREATE TABLE audit_logs (
                id {id}, project_id BIGINT, operation TEXT NOT NULL, resource_type TEXT NOT NULL,
                resource TEXT NOT NULL, username TEXT NOT NULL, op_time BIGINT NOT NULL)
            """,
            "CREATE INDEX audit_logs_project ON audit_logs(project_id, op_time)",
            "CREATE INDEX audit_logs_time ON audit_logs(op_time)",
            "ALTER TABLE repositories ADD COLUMN description TEXT",
            "ALTER TABLE repositories ADD COLUMN pull_count BIGINT NOT NULL DEFAULT 0",
        ]),
        // Harbor's Tag JSON has an id; SQLite cannot add an autoincrement column, so the table is rebuilt.
        (3, [
            """
            CREATE TABLE tags_v3 (
                id {id}, repository_id BIGINT NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
                name {name} NOT NULL, manifest_id BIGINT NOT NULL REFERENCES manifests(id) ON DELETE CASCADE,
                created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
                UNIQUE (repository_id, name))
            """,
            """
            INSERT INTO tags_v3 (repository_id, name, manifest_id, created_at, updated_at)
            SELECT repository_id, name, manifest_id, created_at, updated_at FROM tags ORDER BY created_at
            """,
            "DROP TABLE tags",
            "ALTER TABLE tags_v3 RENAME TO tags",
            "CREATE INDEX tags_manifest ON tags(manifest_id)",
            "CREATE INDEX audit_logs_username ON audit_logs(username, op_time)",
        ]),
        // Online garbage collection's reference protocol, and the job system's queue.
        (4, [
            // 'marked' by a GC run, flipped back to 'none' by an upload or mount of the blob; a
            // sweep deletes only rows still marked (see GarbageCollectionStore).
            "ALTER TABLE blobs ADD COLUMN status TEXT NOT NULL DEFAULT 'none'",
            "CREATE INDEX blobs_status ON blobs(status, digest)",
            // TRUE once a manifest of the repository referenced the blob: when no manifest does any
            // more, the link is garbage at once; a link no manifest ever used is a push in flight.
            "ALTER TABLE repository_blobs ADD COLUMN referenced BOOLEAN NOT NULL DEFAULT FALSE",
            """
            CREATE TABLE job_executions (
                id {id}, vendor_type TEXT NOT NULL, vendor_id BIGINT NOT NULL DEFAULT 0,
                status TEXT NOT NULL, status_message TEXT, trigger TEXT NOT NULL, parameters TEXT NOT NULL,
                start_time BIGINT NOT NULL, end_time BIGINT, update_time BIGINT NOT NULL)
            """,
            "CREATE INDEX job_executions_vendor ON job_executions(vendor_type, vendor_id, id)",
            """
            CREATE TABLE job_tasks (
                id {id}, execution_id BIGINT NOT NULL REFERENCES job_executions(id) ON DELETE CASCADE,
                job_type TEXT NOT NULL, status TEXT NOT NULL, status_message TEXT, parameters TEXT NOT NULL,
                stop_requested BOOLEAN NOT NULL DEFAULT FALSE,
                attempt INTEGER NOT NULL DEFAULT 0, max_attempts INTEGER NOT NULL,
                run_after BIGINT NOT NULL, worker_id TEXT, lease_expires_at BIGINT, heartbeat_at BIGINT,
                log TEXT NOT NULL DEFAULT '', log_bytes BIGINT NOT NULL DEFAULT 0,
                creation_time BIGINT NOT NULL, start_time BIGINT, end_time BIGINT, update_time BIGINT NOT NULL)
            """,
            "CREATE INDEX job_tasks_claim ON job_tasks(status, run_after, id)",
            "CREATE INDEX job_tasks_execution ON job_tasks(execution_id)",
            """
            CREATE TABLE job_schedules (
                id {id}, vendor_type TEXT NOT NULL, vendor_id BIGINT NOT NULL DEFAULT 0,
                cron_type TEXT NOT NULL, cron TEXT NOT NULL, parameters TEXT NOT NULL,
                next_fire_at BIGINT NOT NULL, creation_time BIGINT NOT NULL, update_time BIGINT NOT NULL,
                UNIQUE (vendor_type, vendor_id))
            """,
            "CREATE TABLE job_queues (job_type TEXT PRIMARY KEY, paused BOOLEAN NOT NULL, update_time BIGINT NOT NULL)",
            """
            CREATE TABLE job_worker_pools (
                pool_id TEXT PRIMARY KEY, host TEXT NOT NULL, pid BIGINT NOT NULL, concurrency INTEGER NOT NULL,
                start_at BIGINT NOT NULL, heartbeat_at BIGINT NOT NULL)
            """,
        ]),
        // Project quotas (usage is computed from the reference tables, never kept in a hot row)
        // and immutable tag rules.
        (5, [
            """
            CREATE TABLE quotas (
                id {id}, reference TEXT NOT NULL, reference_id BIGINT NOT NULL, hard BIGINT NOT NULL,
                creation_time BIGINT NOT NULL, update_time BIGINT NOT NULL, UNIQUE (reference, reference_id))
            """,
            """
            INSERT INTO quotas (reference, reference_id, hard, creation_time, update_time)
            SELECT 'project', id, -1, created_at, created_at FROM projects
            """,
            """
            CREATE TABLE immutable_rules (
                id {id}, project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
                priority INTEGER NOT NULL DEFAULT 0, disabled BOOLEAN NOT NULL DEFAULT FALSE,
                tag_selectors TEXT NOT NULL, scope_selectors TEXT NOT NULL,
                creation_time BIGINT NOT NULL, update_time BIGINT NOT NULL)
            """,
            "CREATE INDEX immutable_rules_project ON immutable_rules(project_id)",
        ]),
        // Tag retention policies (one per project), and what a finished task reports.
        (6, [
            """
            CREATE TABLE retention_policies (
                id {id}, project_id BIGINT NOT NULL UNIQUE REFERENCES projects(id) ON DELETE CASCADE,
                policy TEXT NOT NULL, creation_time BIGINT NOT NULL, update_time BIGINT NOT NULL)
            """,
            "ALTER TABLE job_tasks ADD COLUMN result TEXT",
        ]),
        // `held`: whether a manifest was ever held by a tag or an index: one pushed by digest and never held
        // (a platform manifest before its index) is a push in flight, spared by GC's delete_untagged
        // for as long as an upload session may live; one that lost its tags or index is garbage at once.
        (7, [
            "ALTER TABLE manifests ADD COLUMN held BOOLEAN NOT NULL DEFAULT TRUE",
        ]),
        // Vulnerability scanning: the advisory database (records and the package index the matcher
        // looks up), per-layer inventories (a base layer is read once), one report per artifact and
        // scanner, CVE allowlists (project_id 0 is the system's), events for webhooks to deliver.
        (8, [
            """
            CREATE TABLE advisories (
                id TEXT PRIMARY KEY, modified TEXT, content_hash TEXT NOT NULL, record TEXT NOT NULL,
                imported_at BIGINT NOT NULL)
            """,
            """
            CREATE TABLE advisory_packages (
                advisory_id TEXT NOT NULL REFERENCES advisories(id) ON DELETE CASCADE,
                ecosystem TEXT NOT NULL, family TEXT NOT NULL, name TEXT NOT NULL, PRIMARY KEY (ecosystem, name, advisory_id))
            """,
            "CREATE INDEX advisory_packages_advisory ON advisory_packages(advisory_id)",
            """
            CREATE TABLE vulndb_imports (
                id {id}, source TEXT NOT NULL, started_at BIGINT NOT NULL, finished_at BIGINT NOT NULL,
                added INTEGER NOT NULL, updated INTEGER NOT NULL, removed INTEGER NOT NULL, unchanged INTEGER NOT NULL)
            """,
            "CREATE TABLE layer_inventories (cache_key TEXT PRIMARY KEY, result TEXT NOT NULL, created_at BIGINT NOT NULL)",
            """
            CREATE TABLE scan_reports (
                uuid TEXT PRIMARY KEY, manifest_id BIGINT NOT NULL REFERENCES manifests(id) ON DELETE CASCADE,
                registration_uuid TEXT NOT NULL, scan_type TEXT NOT NULL, task_id BIGINT,
                requested_at BIGINT NOT NULL, inventory TEXT, report TEXT, severity TEXT,
                summary TEXT, findings TEXT, content_hash TEXT, evaluated_at BIGINT,
                UNIQUE (manifest_id, registration_uuid, scan_type))
            """,
            """
            CREATE TABLE cve_allowlists (
                project_id BIGINT PRIMARY KEY, expires_at BIGINT, items TEXT NOT NULL,
                creation_time BIGINT NOT NULL, update_time BIGINT NOT NULL)
            """,
            """
            CREATE TABLE artifact_events (
                id {id}, event_type TEXT NOT NULL, project_id BIGINT NOT NULL, repository TEXT NOT NULL,
                digest TEXT NOT NULL, payload TEXT NOT NULL, created_at BIGINT NOT NULL)
            """,
        ]),
        // The security hub and CVE export: each report's findings as rows (one per vulnerable
        // package), written with the report. Clearing the content hashes makes the next advisory
        // import re-evaluate, and so fill this table for, every report stored before it existed.
        (9, [
            """
            CREATE TABLE scan_vulnerabilities (
                report_uuid TEXT NOT NULL REFERENCES scan_reports(uuid) ON DELETE CASCADE,
                manifest_id BIGINT NOT NULL REFERENCES manifests(id) ON DELETE CASCADE,
                cve_id TEXT NOT NULL, package TEXT NOT NULL, version TEXT NOT NULL, fixed_version TEXT NOT NULL,
                severity TEXT NOT NULL, severity_rank INTEGER NOT NULL, cvss_score_v3 DOUBLE PRECISION,
                description TEXT NOT NULL, links TEXT NOT NULL, cwe_ids TEXT NOT NULL, vendor_attributes TEXT NOT NULL)
            """,
            "CREATE INDEX scan_vulnerabilities_report ON scan_vulnerabilities(report_uuid)",
            "CREATE INDEX scan_vulnerabilities_manifest ON scan_vulnerabilities(manifest_id)",
            "CREATE INDEX scan_vulnerabilities_cve ON scan_vulnerabilities(cve_id)",
            "CREATE INDEX scan_vulnerabilities_package ON scan_vulnerabilities(package)",
            "CREATE INDEX scan_vulnerabilities_score ON scan_vulnerabilities(cvss_score_v3, severity_rank)",
            "UPDATE scan_reports SET content_hash = NULL",
        ]),
        // Scan requests Berth accepts as a Pluggable Scanner API adapter (`/api/v1/scan`): the
        // artifact lives in another registry. `authorization_value` is the caller's short-lived
        // pull credential, kept only until the scan ends.
        (10, [
            """
            CREATE TABLE adapter_scan_requests (
                id TEXT PRIMARY KEY, registry_url TEXT NOT NULL, authorization_value TEXT,
                repository TEXT NOT NULL, digest TEXT NOT NULL, tag TEXT, mime_type TEXT NOT NULL,
                requested_by TEXT NOT NULL, task_id BIGINT, report TEXT, created_at BIGINT NOT NULL)
            """,
            "CREATE INDEX adapter_scan_requests_created ON adapter_scan_requests(created_at)",
        ]),
        // External scanners (Harbor's scanner registrations) and each project's choice of one.
        (11, [
            """
            CREATE TABLE scanner_registrations (
                uuid TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, description TEXT NOT NULL, url TEXT NOT NULL UNIQUE,
                auth TEXT NOT NULL, access_credential TEXT NOT NULL, skip_cert_verify BOOLEAN NOT NULL,
                use_internal_addr BOOLEAN NOT NULL, disabled BOOLEAN NOT NULL, is_default BOOLEAN NOT NULL,
                create_time BIGINT NOT NULL, update_time BIGINT NOT NULL)
            """,
            """
            CREATE TABLE project_scanners (
                project_id BIGINT PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
                registration_uuid TEXT NOT NULL)
            """,
        ]),
        // Replication: remote registry endpoints (secrets sealed with the instance key) and policies.
        (12, [
            """
            CREATE TABLE registries (
                id {id}, name TEXT NOT NULL UNIQUE, url TEXT NOT NULL, type TEXT NOT NULL, description TEXT NOT NULL,
                credential_type TEXT NOT NULL, access_key TEXT NOT NULL, sealed_secret TEXT NOT NULL,
                insecure BOOLEAN NOT NULL, ca_certificate TEXT, status TEXT NOT NULL,
                creation_time BIGINT NOT NULL, update_time BIGINT NOT NULL)
            """,
            """
            CREATE TABLE replication_policies (
                id {id}, name TEXT NOT NULL UNIQUE, description TEXT NOT NULL,
                src_registry_id BIGINT REFERENCES registries(id), dest_registry_id BIGINT REFERENCES registries(id),
                dest_namespace TEXT NOT NULL, dest_namespace_replace_count INTEGER NOT NULL,
                trigger_type TEXT NOT NULL, cron TEXT NOT NULL, filters TEXT NOT NULL,
                replicate_deletion BOOLEAN NOT NULL, override BOOLEAN NOT NULL, enabled BOOLEAN NOT NULL,
                speed INTEGER NOT NULL, copy_by_chunk BOOLEAN NOT NULL, single_active_replication BOOLEAN NOT NULL,
                creation_time BIGINT NOT NULL, update_time BIGINT NOT NULL)
            """,
        ]),
        // Proxy-cache projects name the registry endpoint they cache.
        (13, [
            "ALTER TABLE projects ADD COLUMN registry_id BIGINT REFERENCES registries(id)",
        ]),
        // Labels: global (scope g) or of one project (scope p), and which artifacts carry them.
        (14, [
            """
            CREATE TABLE labels (
                id {id}, name TEXT NOT NULL, description TEXT NOT NULL, color TEXT NOT NULL, scope TEXT NOT NULL,
                project_id BIGINT REFERENCES projects(id) ON DELETE CASCADE,
                creation_time BIGINT NOT NULL, update_time BIGINT NOT NULL)
            """,
            "CREATE UNIQUE INDEX labels_scoped_name ON labels(scope, COALESCE(project_id, 0), name)",
            """
            CREATE TABLE artifact_labels (
                manifest_id BIGINT NOT NULL REFERENCES manifests(id) ON DELETE CASCADE,
                label_id BIGINT NOT NULL REFERENCES labels(id) ON DELETE CASCADE,
                creation_time BIGINT NOT NULL, PRIMARY KEY (manifest_id, label_id))
            """,
            "CREATE INDEX artifact_labels_label ON artifact_labels(label_id)",
            // Chart repositories list artifacts by type.
            "CREATE INDEX manifests_artifact_type ON manifests(artifact_type)",
        ]),
        // Public keys a project trusts to sign its images (the cosign content-trust gate).
        (15, [
            """
            CREATE TABLE signature_keys (
                id {id}, project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
                name {name} NOT NULL, public_key TEXT NOT NULL, fingerprint TEXT NOT NULL, creation_time BIGINT NOT NULL,
                UNIQUE (project_id, name))
            """,
        ]),
        // Webhook policies (Harbor's notification policies); targets are JSON with their auth
        // headers sealed. Deliveries are job executions (vendor WEBHOOK or SLACK, vendor id the policy).
        (16, [
            """
            CREATE TABLE webhook_policies (
                id {id}, project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
                name {name} NOT NULL, description TEXT NOT NULL, targets TEXT NOT NULL, event_types TEXT NOT NULL,
                creator TEXT NOT NULL, enabled BOOLEAN NOT NULL, creation_time BIGINT NOT NULL, update_time BIGINT NOT NULL,
                UNIQUE (project_id, name))
            """,
        ]),
        // Harbor 2.13's audit log ext: a description and a result per line; and the system
        // settings the API's /configurations changes (the audit log's first).
        (17, [
            "ALTER TABLE audit_logs ADD COLUMN operation_description TEXT",
            "ALTER TABLE audit_logs ADD COLUMN operation_result BOOLEAN NOT NULL DEFAULT TRUE",
            "CREATE TABLE system_settings (name {name} PRIMARY KEY, value TEXT NOT NULL, update_time BIGINT NOT NULL)",
        ]),
        // The artifact events table becomes the webhooks' outbox: pushes and deletions write their
        // event in their own transaction; a dispatcher claims rows for a while, queues their
        // deliveries and deletes them.
        (18, [
            "ALTER TABLE artifact_events ADD COLUMN claimed_until BIGINT",
            "CREATE INDEX artifact_events_type ON artifact_events(event_type, id)",
        ]),
        // Portal sessions, in the database so that every node honours them (and a logout or a
        // password change on one node ends them on all). Only a hash of the cookie is stored.
        (19, [
            """
            CREATE TABLE sessions (
                token_hash {name} PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL)
            """,
            "CREATE INDEX sessions_user ON sessions(user_id)",
            "CREATE INDEX sessions_expiry ON sessions(expires_at)",
        ]),
        // Keys every node of one installation must share (the token signing key), created once
        // by whichever node starts first; values are sealed with the instance's secret key.
        (20, [
            "CREATE TABLE instance_keys (name {name} PRIMARY KEY, value TEXT NOT NULL, created_at BIGINT NOT NULL)",
        ]),
        // User groups (LDAP, HTTP, OIDC: Harbor's group types 1, 2, 3), which users are in them as
        // the directory said at their last sign-in, and groups as project members. The members
        // table is rebuilt: SQLite cannot make user_id nullable in place.
        (21, [
            """
            CREATE TABLE user_groups (
                id {id}, group_name TEXT NOT NULL, group_type INTEGER NOT NULL, ldap_group_dn {name} NOT NULL,
                creation_time BIGINT NOT NULL, update_time BIGINT NOT NULL)
            """,
            // An LDAP group is its DN (kept lower-cased: DNs compare without case); other groups are
            // their name within their type.
            "CREATE UNIQUE INDEX user_groups_ldap_dn ON user_groups(ldap_group_dn) WHERE group_type = 1",
            "CREATE UNIQUE INDEX user_groups_type_name ON user_groups(group_type, group_name) WHERE group_type <> 1",
            """
            CREATE TABLE user_group_members (
                user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                group_id BIGINT NOT NULL REFERENCES user_groups(id) ON DELETE CASCADE,
                PRIMARY KEY (user_id, group_id))
            """,
            "CREATE INDEX user_group_members_group ON user_group_members(group_id)",
            """
            CREATE TABLE project_members_v21 (
                id {id}, project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
                user_id BIGINT REFERENCES users(id) ON DELETE CASCADE,
                group_id BIGINT REFERENCES user_groups(id) ON DELETE CASCADE, role INTEGER NOT NULL,
                created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
                CHECK ((user_id IS NULL) <> (group_id IS NULL)),
                UNIQUE (project_id, user_id), UNIQUE (project_id, group_id))
            """,
            """
            INSERT INTO project_members_v21 (id, project_id, user_id, role, created_at, updated_at)
            SELECT id, project_id, user_id, role, created_at, updated_at FROM project_members ORDER BY id
            """,
            "DROP TABLE project_members",
            "ALTER TABLE project_members_v21 RENAME TO project_members",
            // Copied ids do not advance PostgreSQL's identity sequence; SQLite's AUTOINCREMENT follows MAX(id).
            """
            postgres: SELECT setval(pg_get_serial_sequence('project_members', 'id'),
                                    (SELECT COALESCE(MAX(id), 0) + 1 FROM project_members), false)
            """,
            "CREATE INDEX project_members_user ON project_members(user_id)",
            "CREATE INDEX project_members_group ON project_members(group_id)",
            // Set at each directory sign-in: the user is in the directory's admin group.
            "ALTER TABLE users ADD COLUMN admin_by_group BOOLEAN NOT NULL DEFAULT FALSE",
        ]),
        // Users who sign in through an OpenID provider: who they are there (issuer and subject),
        // and their CLI secret for docker and skopeo (hashed to check, sealed to show them).
        (22, [
            """
            CREATE TABLE oidc_users (
                user_id BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
                issuer TEXT NOT NULL, subject {name} NOT NULL, secret_hash TEXT NOT NULL, secret_sealed TEXT NOT NULL,
                creation_time BIGINT NOT NULL, update_time BIGINT NOT NULL, UNIQUE (issuer, subject))
            """,
        ]),
        // A repository's artifacts in listing order, read from the index instead of sorted per
        // request (20,000 artifacts: 40 ms to sort, 0.02 ms to read the first page; bench/listings).
        (23, [
            "CREATE INDEX manifests_listing ON manifests(repository_id, created_at, id)",
        ]),
        // The count of changes that cached pull answers depend on (`ChangeClock`): a sequence on
        // PostgreSQL, which concurrent pushes never wait on; a row on SQLite, moved inside the
        // writing transaction (SQLite has one writer anyway), so that `berth gc` or `berth scrub`
        // running beside the server moves it too.
        (24, [
            "postgres: CREATE SEQUENCE registry_changes",
            "sqlite: CREATE TABLE registry_changes (id INTEGER PRIMARY KEY, count BIGINT NOT NULL)",
            "sqlite: INSERT INTO registry_changes (id, count) VALUES (1, 0)",
        ]),
    ]

    static func apply(to database: MetadataDatabase) async throws {
        let kind = database.kind
        try await database.write { db in
            try await db.raw("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)").run()
        }
        for migration in all {
            try await database.write { db in
                // Nodes starting together take turns; the lock ends with the transaction.
                if kind == .postgres { try await db.raw("SELECT pg_advisory_xact_lock(7158020)").run() }
                let applied = try await db.raw("SELECT version FROM schema_migrations WHERE version = \(bind: migration.version)").all()
                guard applied.isEmpty else { return }
                for statement in migration.statements {
                    guard let statement = only(statement, for: kind) else { continue }
                    try await db.raw(SQLQueryString(render(statement, for: kind))).run()
                }
                try await db.raw("INSERT INTO schema_migrations (version, applied_at) VALUES (\(bind: migration.version), \(bind: WallClock.nowMillis()))").run()
            }
        }
    }

    /// The statement without its `postgres: ` or `sqlite: ` prefix, or nil when it is for the
    /// other database only.
    static func only(_ statement: String, for kind: SQLDialectKind) -> String? {
        for (marker, markedKind) in [("postgres: ", SQLDialectKind.postgres), ("sqlite: ", .sqlite)] where statement.hasPrefix(marker) {
            return kind == markedKind ? String(statement.dropFirst(marker.count)) : nil
        }
        return statement
    }

    static func render(_ statement: String, for kind: SQLDialectKind) -> String {
        switch kind {
        case .sqlite:
            return statement
                .replacingOccurrences(of: "{id}", with: "INTEGER PRIMARY KEY AUTOINCREMENT")
                .replacingOccurrences(of: "{name}", with: "TEXT")
                .replacingOccurrences(of: "{bytes}", with: "BLOB")
        case .postgres:
            // Byte-order collation so that listings sort the same on both databases.
            return statement
                .replacingOccurrences(of: "{id}", with: "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY")
                .replacingOccurrences(of: "{name}", with: "TEXT COLLATE \"C\"")
                .replacingOccurrences(of: "{bytes}", with: "BYTEA")
        }
    }
}
