import BerthTestSupport
import HTTPTypes
import OCI
import Testing

/// Every role, anonymous and each robot shape, pushing and pulling through `/v2/` with Basic
/// credentials and with tokens from the token service, in a private project.
@Suite struct RegistryRoleTests {
    struct Row: Sendable {
        let name: String
        let role: Int?
        let robotActions: [String]?
        let canPull: Bool
        let canPush: Bool
        let canDelete: Bool
    }

    static let rows: [Row] = [
        Row(name: "projectadmin", role: 1, robotActions: nil, canPull: true, canPush: true, canDelete: true),
        Row(name: "maintainer", role: 4, robotActions: nil, canPull: true, canPush: true, canDelete: true),
        Row(name: "developer", role: 2, robotActions: nil, canPull: true, canPush: true, canDelete: false),
        Row(name: "guest", role: 3, robotActions: nil, canPull: true, canPush: false, canDelete: false),
        Row(name: "limitedguest", role: 5, robotActions: nil, canPull: true, canPush: false, canDelete: false),
        Row(name: "outsider", role: nil, robotActions: nil, canPull: false, canPush: false, canDelete: false),
        Row(name: "pullrobot", role: nil, robotActions: ["pull"], canPull: true, canPush: false, canDelete: false),
        Row(name: "pushrobot", role: nil, robotActions: ["push"], canPull: true, canPush: true, canDelete: false),
        Row(name: "deleterobot", role: nil, robotActions: ["pull", "delete"], canPull: true, canPush: false, canDelete: true),
    ]

    @Test func basicAndTokenAccessFollowTheMatrix() async throws {
        try await Harness.run { h in
            _ = try await h.createProject("vault")
            _ = try await h.pushImage("vault/app", tag: "v1")
            for row in Self.rows {
                let credentials: HTTPFields
                if let actions = row.robotActions {
                    let access = actions.map { #"{"resource":"repository","action":"\#($0)"}"# }.joined(separator: ",")
                    let robot = try await h.api(.post, "/robots", json: #"{"name":"\#(row.name)","level":"project","duration":-1,"permissions":[{"kind":"project","namespace":"vault","access":[\#(access)]}]}"#)
                    let body = try robot.object()
                    credentials = Harness.basic(try #require(body["name"] as? String), try #require(body["secret"] as? String))
                } else {
                    let user = try await h.createUser(row.name, password: "Role-Passw0rd")
                    if let role = row.role { try await h.addMember("vault", userID: user.id, role: role) }
                    credentials = Harness.basic(row.name, "Role-Passw0rd")
                }
                let token = try await h.token(scope: "repository:vault/app:pull,push,delete", headers: credentials)
                for (mode, headers) in [("basic", credentials), ("token", [.authorization: "Bearer \(token)"] as HTTPFields)] {
                    let pull = try await h.request(.get, "/v2/vault/app/manifests/v1", headers: headers)
                    #expect((pull.status == .ok) == row.canPull, "\(row.name) \(mode) pull: \(pull.status)")
                    let push = try await h.request(.post, "/v2/vault/app/blobs/uploads/", headers: headers)
                    #expect((push.status == .accepted) == row.canPush, "\(row.name) \(mode) push: \(push.status)")
                    let missing = Digest.of(Array("\(row.name)-\(mode)".utf8))
                    let delete = try await h.request(.delete, "/v2/vault/app/manifests/\(missing)", headers: headers)
                    // Allowed deletes reach the handler (404 for an unknown digest); refused ones do not.
                    #expect((delete.status == .notFound) == row.canDelete, "\(row.name) \(mode) delete: \(delete.status)")
                }
            }
            // Anonymous: challenged without credentials, and an anonymous token grants nothing here.
            #expect(try await h.request(.get, "/v2/vault/app/manifests/v1", headers: [:]).status == .unauthorized)
            let anonymous = try await h.token(scope: "repository:vault/app:pull", headers: [:])
            #expect(try await h.request(.get, "/v2/vault/app/manifests/v1", headers: [.authorization: "Bearer \(anonymous)"]).status == .unauthorized)
        }
    }
}
