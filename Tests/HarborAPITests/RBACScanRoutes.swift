import Foundation
import HTTPTypes
import Services

/// The objects a probe's path, query and body are made of.
struct ScanContext: Sendable {
    let fixture: ScanFixture
    let project: ScanProjectFixture?
    var p: ScanProjectFixture { project! }
    /// The other project.
    var other: ScanProjectFixture { fixture.projects[p.kind == .publicProject ? .privateProject : .publicProject]! }
}

/// One request of the scan, sent as every caller (and, for project routes, about each project).
/// Mutating requests carry bodies that fail validation only after authorization where the
/// handler allows it (`{}` where a field is required), or name `doomed` objects made for them.
struct APIProbe: Sendable {
    enum Scope: Sendable { case system, project }

    /// `METHOD /path/{param}` as the router describes the route.
    let route: String
    let scope: Scope
    let requirement: Requirement
    var variant = ""
    var params: @Sendable (ScanContext) -> [String: String] = { _ in [:] }
    var query: @Sendable (ScanContext) -> String = { _ in "" }
    var body: (@Sendable (ScanContext) -> String)?
    var extraHeaders: HTTPFields = [:]
    /// 0 for reads and harmless writes; 1 for deletes of `doomed` objects; 2 for those whose
    /// target other probes read (run after every other).
    var phase = 0
    /// Where Berth deliberately differs from Harbor, or where an object is not real.
    var note: String?
    /// Statuses at or above 500 that are the right answer for those allowed (a directory that is
    /// not configured).
    var tolerated: Set<Int> = []
    /// Looks into a successful answer: nil when it shows the caller only what the matrix lets it
    /// see, else what is wrong. For lists that filter by project.
    var inspect: (@Sendable (ScanCaller, String) -> String?)?
    /// The path names an object of the other project: those allowed in this one must still be
    /// answered 404 (or 400), never reach it.
    var namesAnotherProjectsObject = false

    var method: String { String(route.split(separator: " ")[0]) }
    var name: String { variant.isEmpty ? route : "\(route) [\(variant)]" }

    static func system(_ method: String, _ path: String, _ requirement: Requirement) -> APIProbe {
        APIProbe(route: "\(method) /api/v2.0\(path)", scope: .system, requirement: requirement)
    }

    static func project(_ method: String, _ path: String, _ requirement: Requirement) -> APIProbe {
        APIProbe(route: "\(method) /api/v2.0\(path)", scope: .project, requirement: requirement)
    }

    static func other(_ method: String, _ path: String, _ scope: Scope, _ requirement: Requirement) -> APIProbe {
        APIProbe(route: "\(method) \(path)", scope: scope, requirement: requirement)
    }

    func body(_ text: String) -> APIProbe { var copy = self; copy.body = { _ in text }; return copy }
    func body(_ make: @escaping @Sendable (ScanContext) -> String) -> APIProbe { var copy = self; copy.body = make; return copy }
    func params(_ make: @escaping @Sendable (ScanContext) -> [String: String]) -> APIProbe { var copy = self; copy.params = make; return copy }
    func query(_ text: String) -> APIProbe { var copy = self; copy.query = { _ in text }; return copy }
    func query(_ make: @escaping @Sendable (ScanContext) -> String) -> APIProbe { var copy = self; copy.query = make; return copy }
    func destructive(_ phase: Int = 1) -> APIProbe { var copy = self; copy.phase = phase; return copy }
    func note(_ text: String) -> APIProbe { var copy = self; copy.note = text; return copy }
    func variant(_ text: String) -> APIProbe { var copy = self; copy.variant = text; return copy }
    func anotherProjectsObject() -> APIProbe {
        var copy = self
        copy.namesAnotherProjectsObject = true
        copy.variant = "another project's object"
        return copy
    }

    func tolerating(_ status: Int) -> APIProbe { var copy = self; copy.tolerated.insert(status); return copy }
    func inspect(_ check: @escaping @Sendable (ScanCaller, String) -> String?) -> APIProbe { var copy = self; copy.inspect = check; return copy }
    func header(_ name: String, _ value: String) -> APIProbe {
        var copy = self
        copy.extraHeaders[HTTPField.Name(name)!] = value
        return copy
    }

    /// The values of path parameters that most routes share.
    static func defaults(_ c: ScanContext) -> [String: String] {
        var values: [String: String] = [
            "user_id": String(c.fixture.victimUserID), "group_id": String(c.fixture.groupID),
            "registration_id": BuiltinScanner.uuid, "digest": "sha256:" + String(repeating: "0", count: 64),
            "execution_id": String(ScanFixture.fakeID), "task_id": String(ScanFixture.fakeID), "job_id": String(ScanFixture.fakeID),
            "pool_id": "all", "job_type": "all", "robot_id": String(c.fixture.systemRobotID), "label_id": String(c.fixture.globalLabelID),
            "scan_request_id": "00000000-0000-0000-0000-000000000000", "id": String(ScanFixture.fakeID),
        ]
        if let p = c.project {
            values["project_name_or_id"] = p.name
            values["project"] = p.name
            values["repository_name"] = "app"
            values["reference"] = "v1"
            values["mid"] = String(p.guestMemberID)
            values["meta_name"] = "public"
            values["webhook_policy_id"] = String(p.webhookPolicyID)
            values["key_id"] = String(ScanFixture.fakeID)
            values["immutable_rule_id"] = String(p.immutableRuleID)
            values["tag_name"] = "v1"
            values["label_id"] = String(p.labelID)
            values["report_id"] = "00000000-0000-0000-0000-000000000000"
            values["filename"] = "ghost-1.0.0.tgz"
            values["robot_id"] = String(p.robotID)
        }
        return values
    }
}

/// Checks of what a list shows, for callers who may call it.
enum ScanVisibility {
    /// `needle` (about the private project) is in `body` exactly when `requirement` lets `caller`
    /// see the private project. System routes are called by the public project's robots.
    static func check(_ caller: ScanCaller, _ body: String, lists needle: String, as requirement: Requirement, what: String) -> String? {
        let shown = body.contains(needle)
        let should = requirement.permits(caller, in: .privateProject, systemRoute: true)
        return shown == should ? nil : "\(shown ? "shows" : "hides") \(what) (\(needle)), which it must \(should ? "show" : "hide")"
    }

    /// The audit log of the private project: for `audit-log:list` holders, and for users and
    /// project robots allowed `log:list` in it; a robot's `*` entries do not count, as in Harbor
    /// (which shows robots nothing here without `audit-log:list`).
    static func auditLog(_ caller: ScanCaller, _ body: String) -> String? {
        let byProject = caller != .systemRobotAllProjects && caller != .systemRobotReadOnly
            && Requirement.project("log", "list").permits(caller, in: .privateProject, systemRoute: true)
        let should = Requirement.system("audit-log", "list").permits(caller, in: nil) || byProject
        let shown = body.contains("scan-private")
        return shown == should ? nil : "\(shown ? "shows" : "hides") the private project's audit log, which it must \(should ? "show" : "hide")"
    }

    static func always(_ body: String, _ needle: String, _ what: String) -> String? {
        body.contains(needle) ? nil : "hides \(what) (\(needle)), which everyone sees"
    }
}

/// Routes of the router the scan knows but does not send requests to, with the reason.
enum ScanExcluded {
    static let routes: [String: String] = [
        "POST /c/login": "the portal's sign-in form: it takes credentials in its body, not a caller",
        "GET /c/log_out": "the portal's sign-out: it ends the caller's own session",
        "POST /c/log_out": "the portal's sign-out: it ends the caller's own session",
        "GET /c/oidc/login": "OIDC sign-in: a redirect to the provider",
        "GET /c/oidc/callback": "OIDC sign-in: the provider's redirect back",
        "GET /": "the portal's landing page (static)",
        "GET /assets/**": "the portal's static files",
        "GET /harbor/**": "the portal's pages (static)",
        "GET /harbor": "a redirect to /",
    ]
}

enum ScanRoutes {
    static let harborBody = #"{"schedule":{"type":"Bogus"}}"#

    /// Every API route (and the other routes the scan sends requests to), with what it requires.
    static let api: [APIProbe] = users + projects + members + repositories + artifacts + scanners + system + webhooks + security
        + audit + jobs + immutable + retention + quotas + labels + registries + replication + robots + outsideAPI + crossProject

    static let users: [APIProbe] = [
        .system("POST", "/users", .system("user", "create"))
            .body(#"{"username":"robot$bad","password":"Passw0rd-1","email":"bad@example.com"}"#),
        .system("GET", "/users", .system("user", "list")),
        .system("GET", "/users/search", .signedIn).query("username=scan"),
        .system("GET", "/users/current", .usersOnly(robotStatus: 412)),
        .system("GET", "/users/{user_id}", .system("user", "read")),
        .system("PUT", "/users/{user_id}", .system("user", "update")).body(#"{"email":"scan-victim@example.com"}"#),
        .system("DELETE", "/users/{user_id}", .system("user", "delete"))
            .params { c in ["user_id": String(c.fixture.doomedUserID)] }.destructive(),
        .system("PUT", "/users/{user_id}/password", .adminOnly).body(#"{"new_password":"short"}"#)
            .note("Harbor lets a robot holding user:update set another user's password; Berth asks it for the old password (403)"),
        .system("PUT", "/users/{user_id}/sysadmin", .adminOnly).body(#"{"sysadmin_flag":false}"#)
            .note("Harbor: user:update, which a system robot may hold; Berth: system administrators only"),
        .system("PUT", "/users/{user_id}/cli_secret", .adminOnly).body(#"{"secret":"Cli-Secret-1"}"#)
            .note("Harbor: the user or user:update (robots too); Berth: the user or a system administrator. 412 for them here (auth_mode is not oidc_auth)"),
    ]

    static let projects: [APIProbe] = [
        .system("GET", "/projects", .anyone).query("page_size=100").inspect { caller, body in
            ScanVisibility.check(caller, body, lists: #""name":"scan-private""#, as: .project("project", "read"), what: "the private project")
                ?? ScanVisibility.always(body, #""name":"scan-public""#, "the public project")
        },
        .system("HEAD", "/projects", .signedIn).query("project_name=scan-public"),
        .system("POST", "/projects", .projectCreation).body(#"{"project_name":"Bad Name"}"#),
        .project("GET", "/projects/{project_name_or_id}", .project("project", "read")),
        .project("PUT", "/projects/{project_name_or_id}", .project("project", "update")).body(#"{"metadata":{"bogus":"1"}}"#),
        .project("DELETE", "/projects/{project_name_or_id}", .project("project", "delete")).destructive(2)
            .note("the project holds repositories: 412 for those allowed"),
        .project("GET", "/projects/{project_name_or_id}/summary", .project("project", "read")),
        .project("GET", "/projects/{project_name_or_id}/metadatas", .project("metadata", "read")),
        .project("POST", "/projects/{project_name_or_id}/metadatas", .project("metadata", "create")).body(#"{"bogus":"1"}"#),
        .project("GET", "/projects/{project_name_or_id}/metadatas/{meta_name}", .project("metadata", "read")),
        .project("PUT", "/projects/{project_name_or_id}/metadatas/{meta_name}", .project("metadata", "update"))
            .params { _ in ["meta_name": "auto_scan"] }.body(#"{"severity":"low"}"#),
        .project("DELETE", "/projects/{project_name_or_id}/metadatas/{meta_name}", .project("metadata", "delete")),
        .system("GET", "/usergroups", .system("user-group", "list")),
        .system("POST", "/usergroups", .system("user-group", "create")).body(#"{"group_type":9}"#),
        .system("GET", "/usergroups/search", .signedIn).query("groupname=scan"),
        .system("GET", "/usergroups/{group_id}", .system("user-group", "read")),
        .system("PUT", "/usergroups/{group_id}", .system("user-group", "update")).body(#"{"group_name":""}"#),
        .system("DELETE", "/usergroups/{group_id}", .system("user-group", "delete"))
            .params { c in ["group_id": String(c.fixture.doomedGroupID)] }.destructive(),
        .system("POST", "/ldap/ping", .system("configuration", "update")).body(#"{"ldap_url":""}"#),
        .system("GET", "/ldap/users/search", .system("ldap-user", "list")).query("username=scan")
            .tolerating(503).note("no directory is configured: 503 for those allowed"),
        .system("POST", "/ldap/users/import", .system("ldap-user", "create")).body(#"{"ldap_uid_list":["scan"]}"#),
        .system("GET", "/ldap/groups/search", .system("ldap-user", "list")).query("groupname=scan")
            .tolerating(503).note("no directory is configured: 503 for those allowed"),
    ]

    static let members: [APIProbe] = [
        .project("GET", "/projects/{project_name_or_id}/members", .project("member", "list")),
        .project("POST", "/projects/{project_name_or_id}/members", .project("member", "create"))
            .body(#"{"role_id":99,"member_user":{"user_id":1}}"#),
        .project("GET", "/projects/{project_name_or_id}/members/{mid}", .project("member", "read")),
        .project("PUT", "/projects/{project_name_or_id}/members/{mid}", .project("member", "update")).body(#"{"role_id":99}"#),
        .project("DELETE", "/projects/{project_name_or_id}/members/{mid}", .project("member", "delete"))
            .params { c in ["mid": String(c.p.doomedMemberID)] }.destructive(),
    ]

    static let repository = "/projects/{project_name_or_id}/repositories/{repository_name}"
    static let artifact = repository + "/artifacts/{reference}"

    static let repositories: [APIProbe] = [
        .project("GET", "/projects/{project_name_or_id}/repositories", .project("repository", "list")),
        .project("GET", repository, .project("repository", "read")),
        .project("PUT", repository, .project("repository", "update")).body(#"{"description":"scanned"}"#),
        .project("DELETE", repository, .project("repository", "delete")).params { _ in ["repository_name": "gone-repo"] }.destructive(),
    ]

    static let artifacts: [APIProbe] = [
        .project("GET", repository + "/artifacts", .project("artifact", "list")),
        .project("POST", repository + "/artifacts", .project("artifact", "create")).note("no from: 400 for those allowed"),
        .project("POST", repository + "/artifacts", .all([.project("artifact", "create"), .inProject(.privateProject, "repository", "pull")]))
            .variant("copy from the private project").params { _ in ["repository_name": "copied"] }
            .query { c in "from=\(c.fixture.projects[.privateProject]!.name)/app@\(c.fixture.projects[.privateProject]!.appDigest)" }
            .note("Harbor checks the source with artifact:read, Berth with repository:pull: every role has both or neither"),
        .project("GET", artifact, .project("artifact", "read")),
        .project("DELETE", artifact, .project("artifact", "delete"))
            .params { c in ["repository_name": "gone-artifact", "reference": c.p.doomedArtifactDigest.description] }.destructive(),
        .project("GET", artifact + "/accessories", .project("accessory", "list")),
        .project("POST", artifact + "/scan", .project("scan", "create")).params { _ in ["reference": "ghost"] }
            .note("a tag that names nothing: scanning the real artifact would start scan jobs; 404 for those allowed"),
        .project("POST", artifact + "/scan/stop", .project("scan", "stop")),
        .project("GET", artifact + "/scan/{report_id}/log", .project("scan", "read")).note("no such report: 404 for those allowed"),
        .project("GET", artifact + "/additions/vulnerabilities", .project("artifact-addition", "read")),
        .project("GET", artifact + "/additions/sbom", .project("artifact-addition", "read")),
        .project("GET", artifact + "/additions/build_history", .project("artifact-addition", "read")),
        .project("GET", artifact + "/additions/values.yaml", .project("artifact-addition", "read")),
        .project("GET", artifact + "/additions/readme.md", .project("artifact-addition", "read")),
        .project("GET", artifact + "/additions/dependencies", .project("artifact-addition", "read")),
        .project("GET", artifact + "/tags", .project("tag", "list")),
        .project("POST", artifact + "/tags", .project("tag", "create")).body(#"{"name":"bad tag"}"#),
        .project("DELETE", artifact + "/tags/{tag_name}", .project("tag", "delete")).params { _ in ["tag_name": "doomed-tag"] }.destructive(),
        .project("POST", artifact + "/labels", .project("artifact-label", "create")).body("{}"),
        .project("DELETE", artifact + "/labels/{label_id}", .project("artifact-label", "delete"))
            .note("the artifact does not carry the label: 404 for those allowed"),
    ]

    static let scanners: [APIProbe] = [
        .system("GET", "/scanners", .system("scanner", "list")),
        .system("POST", "/scanners", .system("scanner", "create")).body("{}"),
        .system("POST", "/scanners/ping", .system("scanner", "create")).body("{}")
            .note("Harbor: scanner:read; Berth asks create, since a ping sends a request (and a credential) where the body says"),
        .system("GET", "/scanners/{registration_id}", .system("scanner", "read")),
        .system("PUT", "/scanners/{registration_id}", .system("scanner", "update")).body("{}"),
        .system("DELETE", "/scanners/{registration_id}", .system("scanner", "delete")).note("the built-in scanner: 400 for those allowed"),
        .system("PATCH", "/scanners/{registration_id}", .system("scanner", "update")).body(#"{"is_default":false}"#),
        .system("GET", "/scanners/{registration_id}/metadata", .system("scanner", "read")),
        .project("GET", "/projects/{project_name_or_id}/scanner", .project("scanner", "read")),
        .project("PUT", "/projects/{project_name_or_id}/scanner", .project("scanner", "create")).body(#"{"uuid":""}"#),
        .project("GET", "/projects/{project_name_or_id}/scanner/candidates", .project("scanner", "create")),
        .system("GET", "/system/scanAll/schedule", .system("scan-all", "read")),
        .system("POST", "/system/scanAll/schedule", .system("scan-all", "create")).body(harborBody),
        .system("PUT", "/system/scanAll/schedule", .system("scan-all", "update")).body(harborBody),
        .system("POST", "/system/scanAll/stop", .system("scan-all", "stop")),
        .system("GET", "/scans/all/metrics", .system("scan-all", "read")),
        .system("GET", "/scans/schedule/metrics", .system("scan-all", "read")),
    ]

    static let system: [APIProbe] = [
        .system("GET", "/health", .anyone),
        .system("GET", "/ping", .anyone),
        .system("GET", "/systeminfo", .anyone),
        .system("GET", "/systeminfo/getcert", .anyone),
        .system("GET", "/systeminfo/volumes", .system("system-volumes", "read")),
        .system("GET", "/icons/{digest}", .anyone),
        .system("GET", "/system/CVEAllowlist", .signedIn),
        .system("PUT", "/system/CVEAllowlist", .system("configuration", "update")).body(#"{"items":[{"cve_id":""}]}"#),
        .system("GET", "/configurations", .system("configuration", "read")),
        .system("PUT", "/configurations", .system("configuration", "update")).body(#"{"no_such_setting":1}"#),
        .system("GET", "/search", .anyone).query("q=scan").inspect { caller, body in
            ScanVisibility.check(caller, body, lists: #""name":"scan-private""#, as: .project("project", "read"), what: "the private project")
                ?? ScanVisibility.check(caller, body, lists: #""repository_name":"scan-private/app""#, as: .project("repository", "list"),
                                        what: "the private project's repository")
                ?? ScanVisibility.always(body, #""repository_name":"scan-public/app""#, "the public project's repository")
        },
        .system("GET", "/statistics", .signedIn).inspect { caller, body in
            let counted = (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["private_project_count"] as? Int ?? -1
            let should = Requirement.project("project", "read").permits(caller, in: .privateProject, systemRoute: true)
            return (counted > 0) == should ? nil : "counts \(counted) private projects; the private project is \(should ? "" : "not ")its to see"
        },
    ]

    static let webhooks: [APIProbe] = [
        .project("GET", "/projects/{project_name_or_id}/webhook/policies", .project("notification-policy", "list")),
        .project("POST", "/projects/{project_name_or_id}/webhook/policies", .project("notification-policy", "create")).body("{}"),
        .project("GET", "/projects/{project_name_or_id}/webhook/policies/{webhook_policy_id}", .project("notification-policy", "read")),
        .project("PUT", "/projects/{project_name_or_id}/webhook/policies/{webhook_policy_id}", .project("notification-policy", "update")).body("{}"),
        .project("DELETE", "/projects/{project_name_or_id}/webhook/policies/{webhook_policy_id}", .project("notification-policy", "delete"))
            .params { c in ["webhook_policy_id": String(c.p.doomedWebhookPolicyID)] }.destructive(),
        .project("GET", "/projects/{project_name_or_id}/webhook/policies/{webhook_policy_id}/executions", .project("notification-policy", "read")),
        .project("GET", "/projects/{project_name_or_id}/webhook/policies/{webhook_policy_id}/executions/{execution_id}/tasks",
                 .project("notification-policy", "read")).note("no delivery was made: 404 for those allowed"),
        .project("GET", "/projects/{project_name_or_id}/webhook/policies/{webhook_policy_id}/executions/{execution_id}/tasks/{task_id}/log",
                 .project("notification-policy", "read")).note("no delivery was made: 404 for those allowed"),
        .project("GET", "/projects/{project_name_or_id}/webhook/lasttrigger", .project("notification-policy", "read")),
        .project("GET", "/projects/{project_name_or_id}/webhook/events", .project("notification-policy", "read")),
        .project("GET", "/projects/{project_name_or_id}/signature-keys", .project("metadata", "read")).note("Berth's own (Harbor has none)"),
        .project("POST", "/projects/{project_name_or_id}/signature-keys", .project("metadata", "update")).body("{}").note("Berth's own"),
        .project("DELETE", "/projects/{project_name_or_id}/signature-keys/{key_id}", .project("metadata", "delete"))
            .note("Berth's own; no such key: 404 for those allowed"),
    ]

    static let security: [APIProbe] = [
        .system("GET", "/security/summary", .system("security-hub", "read")),
        .system("GET", "/security/vul", .system("security-hub", "list")),
        .project("POST", "/export/cve", .userWithProject("export-cve", "create"))
            .header("X-Scan-Data-Type", "application/vnd.security.vulnerability.report; version=1.1")
            .body { c in #"{"projects":[\#(c.p.id)],"labels":[1]}"# }
            .note("the project is named in the body; labels make it 400 for those allowed; robots cannot export (403)"),
        .system("GET", "/export/cve/executions", .usersOnly(robotStatus: 403)),
        .system("GET", "/export/cve/execution/{execution_id}", .usersOnly(robotStatus: 403)).note("no such export: 404 for users"),
        .system("GET", "/export/cve/download/{execution_id}", .usersOnly(robotStatus: 403)).note("no such export: 404 for users"),
    ]

    static let audit: [APIProbe] = [
        .system("GET", "/audit-logs", .signedIn).query("q=resource=~scan-private&page_size=100").inspect { caller, body in
            ScanVisibility.auditLog(caller, body)
        },
        .project("GET", "/projects/{project_name_or_id}/logs", .project("log", "list")),
        .system("GET", "/auditlog-exts", .signedIn).query("q=resource=~scan-private&page_size=100").inspect { caller, body in
            ScanVisibility.auditLog(caller, body)
        },
        .system("GET", "/auditlog-exts/events", .system("audit-log", "list")),
        .project("GET", "/projects/{project_name_or_id}/auditlog-exts", .project("log", "list")),
    ]

    /// `/system/gc`, `/system/scrub`, `/system/purgeaudit`, `/system/vulndb`: the same seven operations.
    static let jobs: [APIProbe] = [("gc", "garbage-collection"), ("scrub", "garbage-collection"), ("purgeaudit", "purge-audit"),
                                   ("vulndb", "configuration")].flatMap { path, resource -> [APIProbe] in
        let base = "/system/\(path)"
        let note = path == "vulndb" ? "Berth's own: system administrators only (configuration)" : path == "scrub" ? "Berth's own, under garbage-collection" : nil
        return [
            .system("GET", base, .system(resource, "list")),
            .system("GET", base + "/schedule", .system(resource, "read")),
            .system("POST", base + "/schedule", .system(resource, "create")).body(harborBody),
            .system("PUT", base + "/schedule", .system(resource, "update")).body(harborBody),
            .system("GET", base + "/{execution_id}", .system(resource, "read")),
            .system("PUT", base + "/{execution_id}", .system(resource, "stop")),
            .system("GET", base + "/{execution_id}/log", .system(resource, "read")),
        ].map { probe in note.map { probe.note($0) } ?? probe }
    } + [
        .system("GET", "/jobservice/pools", .system("jobservice-monitor", "list")),
        .system("GET", "/jobservice/pools/{pool_id}/workers", .system("jobservice-monitor", "list")),
        .system("PUT", "/jobservice/jobs/{job_id}", .system("jobservice-monitor", "stop")),
        .system("GET", "/jobservice/jobs/{job_id}/log", .system("jobservice-monitor", "list")),
        .system("GET", "/jobservice/queues", .system("jobservice-monitor", "list")),
        .system("PUT", "/jobservice/queues/{job_type}", .system("jobservice-monitor", "stop")).body(#"{"action":"bogus"}"#),
        .system("GET", "/schedules", .system("jobservice-monitor", "list")),
        .system("GET", "/schedules/{job_type}/paused", .system("jobservice-monitor", "list")),
    ]

    static let immutable: [APIProbe] = [
        .project("GET", "/projects/{project_name_or_id}/immutabletagrules", .project("immutable-tag", "list")),
        .project("POST", "/projects/{project_name_or_id}/immutabletagrules", .project("immutable-tag", "create")).body("{}"),
        .project("PUT", "/projects/{project_name_or_id}/immutabletagrules/{immutable_rule_id}", .project("immutable-tag", "update")).body("{}"),
        .project("DELETE", "/projects/{project_name_or_id}/immutabletagrules/{immutable_rule_id}", .project("immutable-tag", "delete"))
            .params { c in ["immutable_rule_id": String(c.p.doomedImmutableRuleID)] }.destructive(),
    ]

    static let retention: [APIProbe] = {
        let id: @Sendable (ScanContext) -> [String: String] = { c in
            ["id": String(c.p.retentionID), "eid": String(c.p.retentionExecutionID), "tid": String(c.p.retentionTaskID ?? ScanFixture.fakeID)]
        }
        return [
            .system("GET", "/retentions/metadatas", .signedIn),
            .project("POST", "/retentions", .project("tag-retention", "create")).body { c in ScanFixture.retentionPolicy(projectID: c.p.id) }
                .note("the project is named in the body, which is read first; it has a policy already: 400 for those allowed"),
            .project("GET", "/retentions/{id}", .project("tag-retention", "read")).params(id),
            .project("PUT", "/retentions/{id}", .project("tag-retention", "update")).params(id).body("{}"),
            .project("DELETE", "/retentions/{id}", .project("tag-retention", "delete")).params(id).destructive(2),
            .project("POST", "/retentions/{id}/executions", .project("tag-retention", "update")).params(id).body(#"{"dry_run":"no"}"#),
            .project("GET", "/retentions/{id}/executions", .project("tag-retention", "list")).params(id),
            .project("PATCH", "/retentions/{id}/executions/{eid}", .project("tag-retention", "update")).params(id).body(#"{"action":"bogus"}"#),
            .project("GET", "/retentions/{id}/executions/{eid}/tasks", .project("tag-retention", "list")).params(id),
            .project("GET", "/retentions/{id}/executions/{eid}/tasks/{tid}", .project("tag-retention", "read")).params(id),
        ]
    }()

    static let quotas: [APIProbe] = [
        .system("GET", "/quotas", .system("quota", "list")),
        .system("GET", "/quotas/{id}", .system("quota", "read")).params { c in ["id": String(c.fixture.projects[.privateProject]!.quotaID)] },
        .system("PUT", "/quotas/{id}", .system("quota", "update")).params { c in ["id": String(c.fixture.projects[.privateProject]!.quotaID)] }
            .body(#"{"hard":{}}"#),
    ]

    static let labels: [APIProbe] = [
        .system("GET", "/labels", .signedIn).variant("global").note("Harbor answers anonymous callers too"),
        .project("GET", "/labels", .project("label", "list")).variant("project").query { c in "scope=p&project_id=\(c.p.id)" },
        .system("POST", "/labels", .system("label", "create")).variant("global").body(#"{"name":"scan-keep","scope":"g"}"#)
            .note("the label exists: 409 for those allowed"),
        .project("POST", "/labels", .project("label", "create")).variant("project")
            .body { c in #"{"name":"scan-keep","scope":"p","project_id":\#(c.p.id)}"# }.note("the label exists: 409 for those allowed"),
        .system("GET", "/labels/{label_id}", .signedIn).variant("global").note("Harbor: label:read of the system (administrators, robots)"),
        .project("GET", "/labels/{label_id}", .project("label", "read")).variant("project"),
        .system("PUT", "/labels/{label_id}", .system("label", "update")).variant("global").body(#"{"color":"bad"}"#),
        .project("PUT", "/labels/{label_id}", .project("label", "update")).variant("project").body(#"{"color":"bad"}"#),
        .system("DELETE", "/labels/{label_id}", .system("label", "delete")).variant("global")
            .params { c in ["label_id": String(c.fixture.doomedGlobalLabelID)] }.destructive(),
        .project("DELETE", "/labels/{label_id}", .project("label", "delete")).variant("project")
            .params { c in ["label_id": String(c.p.doomedLabelID)] }.destructive(),
    ]

    static let registries: [APIProbe] = {
        let registry: @Sendable (ScanContext) -> [String: String] = { c in ["id": String(c.fixture.registryID)] }
        return [
            .system("GET", "/registries", .system("registry", "list")),
            .system("POST", "/registries", .system("registry", "create")).body("{}"),
            .system("POST", "/registries/ping", .system("registry", "read")).body("{}"),
            .system("GET", "/registries/{id}", .system("registry", "read")).params(registry),
            .system("PUT", "/registries/{id}", .system("registry", "update")).params(registry).body(#"{"name":""}"#),
            .system("DELETE", "/registries/{id}", .system("registry", "delete"))
                .params { c in ["id": String(c.fixture.doomedRegistryID)] }.destructive(),
            .system("GET", "/registries/{id}/info", .system("registry", "read")).params(registry),
            .system("GET", "/replication/adapters", .system("replication-adapter", "list")),
            .system("GET", "/replication/adapterinfos", .system("replication-adapter", "list")),
        ]
    }()

    static let replication: [APIProbe] = {
        let policy: @Sendable (ScanContext) -> [String: String] = { c in ["id": String(c.fixture.replicationPolicyID)] }
        let execution: @Sendable (ScanContext) -> [String: String] = { c in ["id": String(c.fixture.replicationExecutionID)] }
        return [
            .system("GET", "/replication/policies", .system("replication-policy", "list")),
            .system("POST", "/replication/policies", .system("replication-policy", "create")).body(#"{"name":""}"#),
            .system("GET", "/replication/policies/{id}", .system("replication-policy", "read")).params(policy),
            .system("PUT", "/replication/policies/{id}", .system("replication-policy", "update")).params(policy).body(#"{"name":""}"#),
            .system("DELETE", "/replication/policies/{id}", .system("replication-policy", "delete"))
                .params { c in ["id": String(c.fixture.doomedReplicationPolicyID)] }.destructive(),
            .system("GET", "/replication/executions", .system("replication", "list")),
            .system("POST", "/replication/executions", .system("replication", "create")).body("{}"),
            .system("GET", "/replication/executions/{id}", .system("replication", "read")).params(execution),
            .system("PUT", "/replication/executions/{id}", .system("replication", "update")).params(execution),
            .system("GET", "/replication/executions/{id}/tasks", .system("replication", "list")).params(execution),
            .system("GET", "/replication/executions/{id}/tasks/{task_id}/log", .system("replication", "read")).params(execution)
                .note("no such task: 404 for those allowed"),
        ]
    }()

    static let robots: [APIProbe] = [
        .system("GET", "/robots", .system("robot", "list")).variant("system"),
        .project("GET", "/robots", .project("robot", "list")).variant("project")
            .query { c in "q=Level=project,ProjectID=\(c.p.id)" },
        .system("POST", "/robots", .all([.system("robot", "create"), .robotHolds(kind: "system", "audit-log", "list")])).variant("system")
            .body(#"{"name":"scan-made","level":"system","duration":-1,"secret":"weak","permissions":[{"kind":"system","namespace":"/","access":[{"resource":"audit-log","action":"list"}]}]}"#)
            .note("a weak secret: 400 for those allowed"),
        .project("POST", "/robots", .all([.project("robot", "create"), .robotHolds(kind: "project", "repository", "pull")])).variant("project")
            .body { c in #"{"name":"made","level":"project","duration":-1,"secret":"weak","permissions":[{"kind":"project","namespace":"\#(c.p.name)","access":[{"resource":"repository","action":"pull"}]}]}"# }
            .note("a weak secret: 400 for those allowed"),
        .system("GET", "/robots/{robot_id}", .system("robot", "read")).variant("system robot"),
        .project("GET", "/robots/{robot_id}", .project("robot", "read")).variant("project robot"),
        .system("PUT", "/robots/{robot_id}", .system("robot", "update")).variant("system robot").body(#"{"level":"bogus"}"#),
        .project("PUT", "/robots/{robot_id}", .project("robot", "update")).variant("project robot").body(#"{"level":"bogus"}"#),
        .system("PATCH", "/robots/{robot_id}", .system("robot", "update")).variant("system robot").body(#"{"secret":"weak"}"#),
        .project("PATCH", "/robots/{robot_id}", .project("robot", "update")).variant("project robot").body(#"{"secret":"weak"}"#),
        .system("DELETE", "/robots/{robot_id}", .system("robot", "delete")).variant("system robot")
            .params { c in ["robot_id": String(c.fixture.doomedSystemRobotID)] }.destructive(),
        .project("DELETE", "/robots/{robot_id}", .project("robot", "delete")).variant("project robot")
            .params { c in ["robot_id": String(c.p.doomedRobotID)] }.destructive(),
    ]

    /// Objects of the other project named through this project's path: a caller allowed here must
    /// not reach them (Berth looks objects up within the project of the path).
    static let crossProject: [APIProbe] = [
        .project("GET", "/projects/{project_name_or_id}/members/{mid}", .project("member", "read"))
            .params { c in ["mid": String(c.other.guestMemberID)] }.anotherProjectsObject(),
        .project("DELETE", "/projects/{project_name_or_id}/members/{mid}", .project("member", "delete"))
            .params { c in ["mid": String(c.other.doomedMemberID)] }.anotherProjectsObject(),
        .project("GET", "/projects/{project_name_or_id}/webhook/policies/{webhook_policy_id}", .project("notification-policy", "read"))
            .params { c in ["webhook_policy_id": String(c.other.webhookPolicyID)] }.anotherProjectsObject(),
        .project("GET", "/projects/{project_name_or_id}/webhook/policies/{webhook_policy_id}/executions", .project("notification-policy", "read"))
            .params { c in ["webhook_policy_id": String(c.other.webhookPolicyID)] }.anotherProjectsObject(),
        .project("DELETE", "/projects/{project_name_or_id}/webhook/policies/{webhook_policy_id}", .project("notification-policy", "delete"))
            .params { c in ["webhook_policy_id": String(c.other.doomedWebhookPolicyID)] }.anotherProjectsObject(),
        .project("PUT", "/projects/{project_name_or_id}/immutabletagrules/{immutable_rule_id}", .project("immutable-tag", "update"))
            .params { c in ["immutable_rule_id": String(c.other.immutableRuleID)] }.anotherProjectsObject()
            .body(#"{"disabled":false,"action":"immutable","template":"immutable_template","tag_selectors":[{"kind":"doublestar","decoration":"matches","pattern":"**"}],"scope_selectors":{"repository":[{"kind":"doublestar","decoration":"repoMatches","pattern":"**"}]}}"#),
        .project("DELETE", "/projects/{project_name_or_id}/immutabletagrules/{immutable_rule_id}", .project("immutable-tag", "delete"))
            .params { c in ["immutable_rule_id": String(c.other.doomedImmutableRuleID)] }.anotherProjectsObject(),
        .project("POST", artifact + "/labels", .project("artifact-label", "create")).anotherProjectsObject()
            .body { c in #"{"id":\#(c.other.labelID)}"# },
    ]

    /// Routes outside `/api/v2.0` that take a caller: the token service, the chart repository and
    /// the Pluggable Scanner API.
    static let outsideAPI: [APIProbe] = [
        .other("GET", "/service/token", .project, .anyone).query { c in "service=harbor-registry&scope=repository:\(c.p.name)/app:pull,push,delete" }
            .note("the token's access is checked against the matrix too"),
        .other("GET", "/chartrepo/index.yaml", .system, .anyone),
        .other("GET", "/chartrepo/{project}/index.yaml", .project, .project("repository", "pull")),
        .other("GET", "/chartrepo/{project}/charts/{filename}", .project, .project("repository", "pull")).note("no such chart: 404 for those allowed"),
        .other("POST", "/api/chartrepo/{project}/charts", .project, .project("repository", "push")).body("").note("not multipart: 400 for those allowed"),
        .other("GET", "/api/v1/metadata", .system, .system("scanner", "read")),
        .other("POST", "/api/v1/scan", .system, .system("scanner", "create")).body("{}"),
        .other("GET", "/api/v1/scan/{scan_request_id}/report", .system, .system("scanner", "read")).note("no such request: 404 for those allowed"),
    ]
}
