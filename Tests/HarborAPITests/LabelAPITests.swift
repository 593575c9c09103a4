import BerthTestSupport
import Foundation
import HummingbirdTesting
import Testing

/// `/labels` and artifact labels: Harbor's scopes and permissions, labels in Artifact JSON and as
/// a listing filter, and as a replication filter.
@Suite struct LabelAPITests {
    static func id(_ response: TestResponse) throws -> Int64 {
        #expect(response.status == .created, "\(response.text)")
        return Int64(try #require(response.header("Location")).split(separator: "/").last!)!
    }

    @Test func labelsHaveScopesPermissionsAndRules() async throws {
        try await Harness.run { h in
            let projectID = try await h.createProject("team")
            let developer = try await h.createUser("dev")
            let maintainer = try await h.createUser("keeper")
            try await h.addMember("team", userID: developer.id, role: 2)
            try await h.addMember("team", userID: maintainer.id, role: 4)
            let dev = Harness.basic("dev", developer.password), keeper = Harness.basic("keeper", maintainer.password)

            let global = try Self.id(try await h.api(.post, "/labels", json: ##"{"name":"prod","color":"#00FF00","scope":"g","description":"in production"}"##))
            #expect(try await h.api(.post, "/labels", json: #"{"name":"other","scope":"g"}"#, headers: keeper).status == .forbidden)
            #expect(try await h.api(.post, "/labels", json: #"{"name":"prod","scope":"g"}"#).status == .conflict)
            for body in [#"{"name":"","scope":"g"}"#, #"{"name":"x","scope":"z"}"#, #"{"name":"x","scope":"p"}"#,
                         #"{"name":"x","scope":"g","color":"green"}"#, #"{"name":"x","scope":"p","project_id":999}"#] {
                let refused = try await h.api(.post, "/labels", json: body)
                #expect(refused.status == .badRequest, "\(body): \(refused.text)")
            }
            #expect(try await h.api(.post, "/labels", json: #"{"name":"team-only","scope":"p","project_id":\#(projectID)}"#, headers: dev).status == .forbidden)
            let local = try Self.id(try await h.api(.post, "/labels", json: #"{"name":"prod","scope":"p","project_id":\#(projectID)}"#, headers: keeper))

            let globals = try await h.api(.get, "/labels?scope=g", headers: dev).array()
            #expect(globals.map { $0["name"] as? String } == ["prod"] && globals[0]["color"] as? String == "#00FF00")
            let projectLabels = try await h.api(.get, "/labels?scope=p&project_id=\(projectID)", headers: dev).array()
            #expect(projectLabels.map { $0["id"] as? Int } == [Int(local)])
            #expect(try await h.api(.get, "/labels?scope=p").status == .badRequest)
            #expect(try await h.api(.get, "/labels?scope=g&q=name%3D~ro").array().count == 1)
            #expect(try await h.api(.put, "/labels/\(global)", json: #"{"description":"live"}"#, headers: keeper).status == .forbidden)
            #expect(try await h.api(.put, "/labels/\(global)", json: ##"{"description":"live","color":"#0000FF"}"##).status == .ok)
            #expect(try await h.api(.get, "/labels/\(global)").object()["description"] as? String == "live")

            // On artifacts: added once, shown with with_label, filtered by id, removed.
            let v1 = try await h.pushImage("team/app", tag: "v1", layer: "one")
            _ = try await h.pushImage("team/app", tag: "v2", layer: "two")
            let artifact = "/projects/team/repositories/app/artifacts/v1"
            #expect(try await h.api(.post, artifact + "/labels", json: #"{"id":\#(global)}"#, headers: dev).status == .ok)
            #expect(try await h.api(.post, artifact + "/labels", json: #"{"id":\#(global)}"#).status == .conflict)
            #expect(try await h.api(.post, artifact + "/labels", json: #"{"id":\#(local)}"#).status == .ok)
            #expect(try await h.api(.post, artifact + "/labels", json: #"{"id":12345}"#).status == .notFound)
            let shown = try await h.api(.get, artifact + "?with_label=true").object()
            #expect((shown["labels"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["prod", "prod"], "\(shown)")
            #expect(try await h.api(.get, artifact).object()["labels"] == nil)
            let filtered = try await h.api(.get, "/projects/team/repositories/app/artifacts?q=labels%3D(\(global)%20\(local))").array()
            #expect(filtered.map { $0["digest"] as? String } == [v1.digest.description])
            #expect(try await h.api(.get, "/projects/team/repositories/app/artifacts").array().count == 2)

            #expect(try await h.api(.delete, artifact + "/labels/\(local)").status == .ok)
            #expect(try await h.api(.delete, artifact + "/labels/\(local)").status == .notFound)
            #expect(try await h.api(.delete, "/labels/\(global)").status == .ok)
            #expect((try await h.api(.get, artifact + "?with_label=true").object()["labels"] as? [Any])?.isEmpty == true)
            #expect(try await h.api(.get, "/labels/\(global)").status == .notFound)
        }
    }

    @Test func aPushPolicyCopiesOnlyLabelledArtifacts() async throws {
        try await Harness.run(live: true) { a in
            try await Harness.run(live: true) { b in
                _ = try await a.createProject("team")
                let stable = try await a.pushImage("team/app", tag: "stable", layer: "stable")
                _ = try await a.pushImage("team/app", tag: "wip", layer: "wip")
                let label = try Self.id(try await a.api(.post, "/labels", json: #"{"name":"release","scope":"g"}"#))
                #expect(try await a.api(.post, "/projects/team/repositories/app/artifacts/stable/labels", json: #"{"id":\#(label)}"#).status == .ok)
                let registry = try await a.createRegistryEndpoint(name: "b", port: try #require(b.port))
                let policy = try await a.createReplicationPolicy(name: "released", side: "dest_registry", registryID: registry,
                                                                 extra: #","filters":[{"type":"label","value":["release"]}]"#)
                let execution = try await a.runReplication(policy)
                #expect(execution["status"] as? String == "Succeed", "\(execution)")
                #expect(try await b.servedDigest("team/app", "stable") == stable.digest.description)
                #expect(try await b.servedDigest("team/app", "wip") == nil)
            }
        }
    }
}
