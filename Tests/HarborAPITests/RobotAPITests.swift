import BerthTestSupport
import Foundation
import HTTPTypes
import Testing

@Suite struct RobotAPITests {
    static let pushPull = #"[{"kind":"project","namespace":"team","access":[{"resource":"repository","action":"push"},{"resource":"repository","action":"pull"}]}]"#

    @Test func projectRobotLifecycle() async throws {
        try await Harness.run { h in
            _ = try await h.createProject("team")
            let created = try await h.api(.post, "/robots", json: #"{"name":"ci","level":"project","duration":-1,"permissions":\#(Self.pushPull)}"#)
            #expect(created.status == .created, "\(created.text)")
            let body = try created.object()
            #expect(body["name"] as? String == "robot$team+ci")
            #expect(body["expires_at"] as? Int == -1)
            let secret = try #require(body["secret"] as? String)
            let id = try #require(body["id"] as? Int)
            #expect(try await h.api(.post, "/robots", json: #"{"name":"ci","level":"project","duration":-1,"permissions":\#(Self.pushPull)}"#).status == .conflict)

            let shown = try await h.api(.get, "/robots/\(id)")
            #expect(try shown.object()["secret"] == nil)
            #expect(try shown.object()["level"] as? String == "project")

            let asRobot = Harness.basic("robot$team+ci", secret)
            let pushed = try await h.pushBlob(Array("robot push".utf8), to: "team/app", headers: asRobot)
            #expect(try await h.request(.head, "/v2/team/app/blobs/\(pushed)", headers: asRobot).status == .ok)

            let refreshed = try await h.api(.patch, "/robots/\(id)", json: "{}")
            let newSecret = try #require(try refreshed.object()["secret"] as? String)
            #expect(newSecret != secret)
            #expect(try await h.request(.head, "/v2/team/app/blobs/\(pushed)", headers: asRobot).status == .unauthorized)
            #expect(try await h.request(.head, "/v2/team/app/blobs/\(pushed)", headers: Harness.basic("robot$team+ci", newSecret)).status == .ok)

            // Harbor's UI and CLI refresh with an empty secret: a new one is generated and returned.
            let emptied = try await h.api(.patch, "/robots/\(id)", json: #"{"secret":""}"#)
            #expect(emptied.status == .ok, "\(emptied.text)")
            let generated = try #require(try emptied.object()["secret"] as? String)
            #expect(generated.count >= 8 && generated != newSecret)
            #expect(try await h.request(.head, "/v2/team/app/blobs/\(pushed)", headers: Harness.basic("robot$team+ci", newSecret)).status == .unauthorized)
            #expect(try await h.request(.head, "/v2/team/app/blobs/\(pushed)", headers: Harness.basic("robot$team+ci", generated)).status == .ok)
            // a secret that is given is still checked, and a refused one changes nothing
            #expect(try await h.api(.patch, "/robots/\(id)", json: #"{"secret":"weak"}"#).status == .badRequest)
            #expect(try await h.request(.head, "/v2/team/app/blobs/\(pushed)", headers: Harness.basic("robot$team+ci", generated)).status == .ok)
            let chosen = "Chosen-Secret-42"
            #expect(try await h.api(.patch, "/robots/\(id)", json: #"{"secret":"\#(chosen)"}"#).status == .ok)
            #expect(try await h.request(.head, "/v2/team/app/blobs/\(pushed)", headers: Harness.basic("robot$team+ci", chosen)).status == .ok)

            #expect(try await h.api(.put, "/robots/\(id)", json: #"{"disable":true}"#).status == .ok)
            #expect(try await h.request(.head, "/v2/team/app/blobs/\(pushed)", headers: Harness.basic("robot$team+ci", chosen)).status == .unauthorized)
            #expect(try await h.api(.delete, "/robots/\(id)").status == .ok)
            #expect(try await h.api(.get, "/robots/\(id)").status == .notFound)
        }
    }

    /// Found by the RBAC hole scan: a system robot allowed only `robot:create` could refresh the
    /// secret of any system robot (and so sign in as one holding more than itself). Changing or
    /// refreshing a system robot needs `robot:update`, which no robot can hold.
    @Test func aRobotCannotChangeOrRefreshASystemRobot() async throws {
        try await Harness.run { h in
            func robot(_ name: String, _ access: String) async throws -> (id: Int, headers: HTTPFields) {
                let created = try await h.api(.post, "/robots", json: #"""
                    {"name":"\#(name)","level":"system","duration":-1,"permissions":[{"kind":"system","namespace":"/","access":[\#(access)]}]}
                    """#)
                #expect(created.status == .created, "\(created.text)")
                let body = try created.object()
                return (try #require(body["id"] as? Int), Harness.basic(try #require(body["name"] as? String), try #require(body["secret"] as? String)))
            }
            let maker = try await robot("maker", #"{"resource":"robot","action":"create"},{"resource":"robot","action":"read"}"#)
            let powerful = try await robot("powerful", #"{"resource":"user","action":"create"}"#)
            #expect(try await h.api(.get, "/robots/\(powerful.id)", headers: maker.headers).status == .ok)
            #expect(try await h.api(.patch, "/robots/\(powerful.id)", json: "{}", headers: maker.headers).status == .forbidden)
            #expect(try await h.api(.put, "/robots/\(powerful.id)", json: #"{"disable":true}"#, headers: maker.headers).status == .forbidden)
            #expect(try await h.api(.patch, "/robots/\(maker.id)", json: "{}", headers: maker.headers).status == .forbidden, "nor its own")
            #expect(try await h.api(.get, "/users", headers: powerful.headers).status == .forbidden, "powerful holds user:create only")
            // Administrators still can.
            #expect(try await h.api(.patch, "/robots/\(powerful.id)", json: "{}").status == .ok)
            #expect(try await h.api(.put, "/robots/\(powerful.id)", json: #"{"disable":true}"#).status == .ok)
        }
    }

    @Test func permissionsAreValidated() async throws {
        try await Harness.run { h in
            _ = try await h.createProject("team")
            let cases = [
                #"{"name":"x","level":"project","permissions":[{"kind":"project","namespace":"team","access":[{"resource":"repository","action":"fly"}]}]}"#,
                #"{"name":"x","level":"project","permissions":[{"kind":"project","namespace":"team","access":[{"resource":"user","action":"create"}]}]}"#,
                #"{"name":"x","level":"project","permissions":[]}"#,
                #"{"name":"Bad Name","level":"project","permissions":\#(Self.pushPull)}"#,
                #"{"name":"x","level":"project","duration":-2,"permissions":\#(Self.pushPull)}"#,
                #"{"name":"x","level":"galaxy","permissions":\#(Self.pushPull)}"#,
                #"{"name":"x","level":"project","secret":"weak","permissions":\#(Self.pushPull)}"#,
            ]
            for json in cases {
                #expect(try await h.api(.post, "/robots", json: json).status == .badRequest, "\(json)")
            }
            let system = try await h.api(.post, "/robots", json: #"{"name":"ops","level":"system","duration":30,"permissions":[{"kind":"system","namespace":"/","access":[{"resource":"catalog","action":"read"}]},{"kind":"project","namespace":"*","access":[{"resource":"repository","action":"pull"}]}]}"#)
            #expect(system.status == .created, "\(system.text)")
            #expect(try system.object()["name"] as? String == "robot$ops")
            let expires = try #require(try system.object()["expires_at"] as? Int)
            #expect(abs(expires - Int(Date().timeIntervalSince1970) - 30 * 86_400) < 60)
            // Harbor's Level filter: the portal's system robot page lists system robots only.
            #expect(try await h.api(.post, "/robots", json: #"{"name":"lister","level":"project","permissions":\#(Self.pushPull)}"#).status == .created)
            let systemOnly = try await h.api(.get, "/robots?q=Level=system&page_size=100").array().map { $0["name"] as? String }
            #expect(systemOnly == ["robot$ops"])
            let projectOnly = try await h.api(.get, "/robots?q=Level=project&page_size=100").array().map { $0["level"] as? String }
            #expect(!projectOnly.isEmpty && projectOnly.allSatisfy { $0 == "project" })
            // A developer cannot create robots (project admins can).
            let dev = try await h.createUser("dev", password: "Dev-Passw0rd")
            try await h.addMember("team", userID: dev.id, role: 2)
            let refused = try await h.api(.post, "/robots", json: #"{"name":"mine","level":"project","permissions":\#(Self.pushPull)}"#, headers: Harness.basic("dev", "Dev-Passw0rd"))
            #expect(refused.status == .forbidden)
        }
    }
}
