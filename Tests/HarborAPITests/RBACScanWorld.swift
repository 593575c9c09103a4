import BerthTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Metadata
import OCI
import Testing

/// What one project of the scan holds: real objects for every path parameter, so that an answer
/// reflects authorization and not a missing object. `doomed` objects are the targets of deletes.
struct ScanProjectFixture: Sendable {
    let kind: ScanProject
    let name: String
    let id: Int64
    /// `<project>/app:v1`, the image every read route reads.
    let appDigest: Digest
    let appLayer: Digest
    let guestMemberID: Int64
    let doomedMemberID: Int64
    let doomedArtifactDigest: Digest
    let registryDoomedDigest: Digest
    let registryDoomedLayer: Digest
    let webhookPolicyID: Int64
    let doomedWebhookPolicyID: Int64
    let immutableRuleID: Int64
    let doomedImmutableRuleID: Int64
    let retentionID: Int64
    let retentionExecutionID: Int64
    let retentionTaskID: Int64?
    let labelID: Int64
    let doomedLabelID: Int64
    let robotID: Int64
    let doomedRobotID: Int64
    let uploadID: String
    let quotaID: Int64
}

/// Everything the scan set up: projects, system objects and each caller's credentials.
struct ScanFixture: Sendable {
    let projects: [ScanProject: ScanProjectFixture]
    let victimUserID: Int64
    let doomedUserID: Int64
    let groupID: Int64
    let doomedGroupID: Int64
    let registryID: Int64
    let doomedRegistryID: Int64
    let replicationPolicyID: Int64
    let doomedReplicationPolicyID: Int64
    let replicationExecutionID: Int64
    let globalLabelID: Int64
    let doomedGlobalLabelID: Int64
    let systemRobotID: Int64
    let doomedSystemRobotID: Int64
    /// The `Authorization` header of each caller, per project for project robots and tokens.
    let headers: [String: HTTPFields]

    static func key(_ caller: ScanCaller, _ project: ScanProject?) -> String {
        caller.isPerProject ? "\(caller)@\(project?.rawValue ?? "-")" : caller.rawValue
    }

    /// The headers `caller` sends about `project`. Project robots and tokens of system routes use
    /// the public project's.
    func headers(_ caller: ScanCaller, _ project: ScanProject?) -> HTTPFields {
        headers[Self.key(caller, project ?? .publicProject)] ?? headers[Self.key(caller, nil)]!
    }

    static let userPassword = "Scan-Passw0rd"
    static let fakeID: Int64 = 987_654

    /// Builds the world through the API as an administrator would.
    static func build(_ h: Harness) async throws -> ScanFixture {
        var headers: [String: HTTPFields] = [
            ScanCaller.anonymous.rawValue: [:],
            ScanCaller.emptyBasic.rawValue: [.authorization: "Basic Og=="],
            ScanCaller.admin.rawValue: Harness.admin,
        ]
        func id(_ response: TestResponse, _ what: String) throws -> Int64 {
            #expect(response.status == .created || response.status == .ok, "creating \(what): \(response.status) \(response.text)")
            let location = try #require(response.header("Location"), "creating \(what): no Location")
            return try #require(Int64(location.split(separator: "/").last!), "creating \(what): \(location)")
        }

        // Users: one per role, a non-member, and targets of the user routes.
        var userIDs: [ScanCaller: Int64] = [:]
        for caller in ScanCaller.allCases where caller.role != nil || caller == .nonMember {
            let user = try await h.createUser("scan-\(caller.rawValue.lowercased())", password: userPassword)
            userIDs[caller] = user.id
            headers[caller.rawValue] = Harness.basic("scan-\(caller.rawValue.lowercased())", userPassword)
        }
        let victim = try await h.createUser("scan-victim", password: userPassword)
        let doomed = try await h.createUser("scan-doomed", password: userPassword)
        let memberVictim = try await h.createUser("scan-member-victim", password: userPassword)

        // System robots.
        func robot(_ name: String, level: String, permissions: String, disabled: Bool = false) async throws -> (id: Int64, header: HTTPFields) {
            let response = try await h.api(.post, "/robots", json: #"""
                {"name":"\#(name)","level":"\#(level)","duration":-1,"disable":\#(disabled),"permissions":\#(permissions)}
                """#)
            #expect(response.status == .created, "robot \(name): \(response.text)")
            let body = try response.object()
            let robotID = Int64(try #require(body["id"] as? Int))
            return (robotID, Harness.basic(try #require(body["name"] as? String), try #require(body["secret"] as? String)))
        }
        for caller in [ScanCaller.systemRobotAllProjects, .systemRobotSystem, .systemRobotReadOnly] {
            headers[caller.rawValue] = try await robot("scan-\(caller.rawValue.lowercased())", level: "system",
                                                       permissions: caller.robotPermissionsJSON(project: "")!).header
        }
        let auditOnly = #"[{"kind":"system","namespace":"/","access":[{"resource":"audit-log","action":"list"}]}]"#
        let systemTarget = try await robot("scan-target", level: "system", permissions: auditOnly)
        let systemDoomed = try await robot("scan-doomed", level: "system", permissions: auditOnly)

        // System objects.
        let group = try id(try await h.api(.post, "/usergroups", json: #"{"group_type":3,"group_name":"scan-group"}"#), "group")
        let doomedGroup = try id(try await h.api(.post, "/usergroups", json: #"{"group_type":3,"group_name":"scan-doomed-group"}"#), "group")
        let registry = try id(try await h.api(.post, "/registries", json: #"{"name":"scan-upstream","type":"docker-registry","url":"http://127.0.0.1:9"}"#), "registry")
        let doomedRegistry = try id(try await h.api(.post, "/registries", json: #"{"name":"scan-doomed","type":"docker-registry","url":"http://127.0.0.1:9"}"#), "registry")
        func replicationPolicy(_ name: String) async throws -> Int64 {
            try id(try await h.api(.post, "/replication/policies", json: #"""
                {"name":"\#(name)","src_registry":{"id":\#(registry)},"dest_namespace":"mirror","trigger":{"type":"manual"},"enabled":true}
                """#), "replication policy")
        }
        let policy = try await replicationPolicy("scan-policy")
        let doomedPolicy = try await replicationPolicy("scan-doomed-policy")
        let execution = try id(try await h.api(.post, "/replication/executions", json: #"{"policy_id":\#(policy)}"#), "replication execution")
        let globalLabel = try id(try await h.api(.post, "/labels", json: #"{"name":"scan-keep","scope":"g"}"#), "label")
        let doomedGlobalLabel = try id(try await h.api(.post, "/labels", json: #"{"name":"scan-doomed","scope":"g"}"#), "label")

        var projects: [ScanProject: ScanProjectFixture] = [:]
        for kind in ScanProject.allCases {
            let name = "scan-\(kind.rawValue)"
            let projectID = try await h.createProject(name, public: kind.isPublic)
            for caller in ScanCaller.allCases {
                if let role = caller.role { try await h.addMember(name, userID: userIDs[caller]!, role: role.id) }
            }
            func member(_ userID: Int64, role: Int) async throws -> Int64 {
                try id(try await h.api(.post, "/projects/\(name)/members", json: #"{"role_id":\#(role),"member_user":{"user_id":\#(userID)}}"#), "member")
            }
            let members = try await h.api(.get, "/projects/\(name)/members?page_size=100").array()
            let guestMember = try #require(members.first { $0["entity_name"] as? String == "scan-guest" }?["id"] as? Int)
            let doomedMember = try await member(memberVictim.id, role: 3)

            let app = try await h.pushImage("\(name)/app", tag: "v1", layer: "app-\(name)")
            #expect(try await h.api(.post, "/projects/\(name)/repositories/app/artifacts/v1/tags", json: #"{"name":"doomed-tag"}"#).status == .created)
            _ = try await h.pushImage("\(name)/gone-repo", tag: "v1", layer: "gone-repo-\(name)")
            let doomedArtifact = try await h.pushImage("\(name)/gone-artifact", tag: "v1", layer: "gone-artifact-\(name)")
            let registryDoomed = try await h.pushImage("\(name)/v2doomed", tag: "v1", layer: "v2doomed-\(name)")

            func webhook(_ hook: String) async throws -> Int64 {
                try id(try await h.api(.post, "/projects/\(name)/webhook/policies", json: #"""
                    {"name":"\#(hook)","enabled":false,"event_types":["PUSH_ARTIFACT"],"targets":[{"type":"http","address":"http://127.0.0.1:9/hook"}]}
                    """#), "webhook policy")
            }
            func immutable(_ pattern: String) async throws -> Int64 {
                try id(try await h.api(.post, "/projects/\(name)/immutabletagrules", json: #"""
                    {"disabled":false,"action":"immutable","template":"immutable_template","tag_selectors":[{"kind":"doublestar","decoration":"matches","pattern":"\#(pattern)"}],"scope_selectors":{"repository":[{"kind":"doublestar","decoration":"repoMatches","pattern":"**"}]}}
                    """#), "immutable rule")
            }
            let retention = try id(try await h.api(.post, "/retentions", json: Self.retentionPolicy(projectID: projectID)), "retention policy")
            let retentionExecution = try id(try await h.api(.post, "/retentions/\(retention)/executions", json: #"{"dry_run":true}"#), "retention run")
            try await eventually(seconds: 30, "the retention dry run to finish") {
                let runs = try await h.api(.get, "/retentions/\(retention)/executions").array()
                return runs.first { ($0["id"] as? Int).map(Int64.init) == retentionExecution }?["status"] as? String == "Success"
            }
            let tasks = try await h.api(.get, "/retentions/\(retention)/executions/\(retentionExecution)/tasks").array()

            for caller in ScanCaller.allCases where caller.isProjectRobot {
                let made = try await robot(caller.rawValue.lowercased(), level: "project", permissions: caller.robotPermissionsJSON(project: name)!,
                                           disabled: caller == .disabledRobot)
                if caller == .expiredRobot {
                    // The API cannot make a robot that has expired: its expiry is moved into the past.
                    let stored = try #require(try await h.server.api.robots.find(id: made.id))
                    #expect(try await h.server.api.robots.update(id: stored.id, description: stored.description, disabled: false,
                                                                 duration: 1, expiresAt: 1_000, permissionsJSON: stored.permissionsJSON))
                }
                headers[Self.key(caller, kind)] = made.header
            }
            let pullOnly = #"[{"kind":"project","namespace":"\#(name)","access":[{"resource":"repository","action":"pull"}]}]"#
            let targetRobot = try await robot("target", level: "project", permissions: pullOnly)
            let doomedRobot = try await robot("doomed", level: "project", permissions: pullOnly)

            let upload = try await h.request(.post, "/v2/\(name)/app/blobs/uploads/")
            #expect(upload.status == .accepted)
            let uploadID = String(try #require(upload.header("Location")).split(separator: "/").last!.split(separator: "?").first!)
            let quotas = try await h.api(.get, "/quotas?reference_id=\(projectID)").array()

            // Registry tokens for every repository the registry probes name.
            let scopes = ["app", "v2doomed", "mounted"].map { "scope=repository:\(name)/\($0):pull,push,delete" }.joined(separator: "&")
            for (caller, credentials) in [(ScanCaller.developerToken, headers[ScanCaller.developer.rawValue]!), (.anonymousToken, [:])] {
                let response = try await h.request(.get, "/service/token?service=harbor-registry&\(scopes)", headers: credentials)
                #expect(response.status == .ok, "token for \(caller): \(response.text)")
                let token = try #require(try response.object()["token"] as? String)
                headers[Self.key(caller, kind)] = [.authorization: "Bearer \(token)"]
            }

            projects[kind] = ScanProjectFixture(
                kind: kind, name: name, id: projectID, appDigest: app.digest, appLayer: Digest.of(Array("app-\(name)".utf8)),
                guestMemberID: Int64(guestMember), doomedMemberID: doomedMember,
                doomedArtifactDigest: doomedArtifact.digest,
                registryDoomedDigest: registryDoomed.digest, registryDoomedLayer: Digest.of(Array("v2doomed-\(name)".utf8)),
                webhookPolicyID: try await webhook("scan-hook"), doomedWebhookPolicyID: try await webhook("scan-doomed-hook"),
                immutableRuleID: try await immutable("never-*"), doomedImmutableRuleID: try await immutable("never-again-*"),
                retentionID: retention, retentionExecutionID: retentionExecution,
                retentionTaskID: (tasks.first?["id"] as? Int).map(Int64.init),
                labelID: try id(try await h.api(.post, "/labels", json: #"{"name":"scan-keep","scope":"p","project_id":\#(projectID)}"#), "label"),
                doomedLabelID: try id(try await h.api(.post, "/labels", json: #"{"name":"scan-doomed","scope":"p","project_id":\#(projectID)}"#), "label"),
                robotID: targetRobot.id, doomedRobotID: doomedRobot.id, uploadID: uploadID,
                quotaID: Int64(try #require(quotas.first?["id"] as? Int)))
        }
        headers[Self.key(.otherProjectRobot, .publicProject)] = headers[Self.key(.projectRobotFull, .privateProject)]
        headers[Self.key(.otherProjectRobot, .privateProject)] = headers[Self.key(.projectRobotFull, .publicProject)]
        return ScanFixture(
            projects: projects, victimUserID: victim.id, doomedUserID: doomed.id, groupID: group, doomedGroupID: doomedGroup,
            registryID: registry, doomedRegistryID: doomedRegistry, replicationPolicyID: policy, doomedReplicationPolicyID: doomedPolicy,
            replicationExecutionID: execution, globalLabelID: globalLabel, doomedGlobalLabelID: doomedGlobalLabel,
            systemRobotID: systemTarget.id, doomedSystemRobotID: systemDoomed.id, headers: headers)
    }

    static func retentionPolicy(projectID: Int64) -> String {
        #"""
        {"algorithm":"or","rules":[{"disabled":false,"action":"retain","template":"latestPushedK","params":{"latestPushedK":10},"tag_selectors":[{"kind":"doublestar","decoration":"matches","pattern":"**","extras":"{\"untagged\":false}"}],"scope_selectors":{"repository":[{"kind":"doublestar","decoration":"repoMatches","pattern":"**"}]}}],"trigger":{"kind":"Schedule","settings":{"cron":""}},"scope":{"level":"project","ref":\#(projectID)}}
        """#
    }
}
