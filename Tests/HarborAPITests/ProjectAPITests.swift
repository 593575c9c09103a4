import BerthTestSupport
import HTTPTypes
import Testing

@Suite struct ProjectAPITests {
    @Test func createListGetUpdateDelete() async throws {
        try await Harness.run { h in
            let id = try await h.createProject("team-a")
            #expect(try await h.api(.post, "/projects", json: #"{"project_name":"team-a"}"#).status == .conflict)
            #expect(try await h.api(.post, "/projects", json: #"{"project_name":"Bad Name"}"#).status == .badRequest)
            #expect(try await h.api(.post, "/projects", json: #"{"project_name":"x","metadata":{"auto_scan":"yes"}}"#).status == .badRequest)
            #expect(try await h.api(.head, "/projects?project_name=team-a").status == .ok)
            #expect(try await h.api(.head, "/projects?project_name=nope").status == .notFound)

            let byName = try await h.api(.get, "/projects/team-a", headers: { var f = Harness.admin; f[HTTPField.Name("X-Is-Resource-Name")!] = "true"; return f }())
            #expect(try byName.object()["project_id"] as? Int64 == id || (try byName.object()["project_id"] as? Int).map(Int64.init) == id)
            let byID = try await h.api(.get, "/projects/\(id)")
            let metadata = try #require(try byID.object()["metadata"] as? [String: String])
            #expect(metadata["public"] == "false")
            #expect(try byID.object()["current_user_role_id"] as? Int == 1)

            #expect(try await h.api(.put, "/projects/\(id)", json: #"{"metadata":{"public":"true","auto_scan":"true","severity":"high"}}"#).status == .ok)
            let updated = try await h.api(.get, "/projects/\(id)/metadatas")
            #expect(try updated.object() as? [String: String] == ["public": "true", "auto_scan": "true", "severity": "high"])
            #expect(try await h.api(.get, "/projects/\(id)/metadatas/severity").text == #"{"severity":"high"}"#)
            #expect(try await h.api(.delete, "/projects/\(id)/metadatas/auto_scan").status == .ok)
            #expect(try await h.api(.get, "/projects/\(id)/metadatas/auto_scan").status == .notFound)

            let list = try await h.api(.get, "/projects?page_size=10")
            #expect(try list.array().map { $0["name"] as? String } == ["library", "team-a"])
            #expect(list.header("X-Total-Count") == "2")
            let anonymous = try await h.api(.get, "/projects", headers: [:])
            #expect(try anonymous.array().map { $0["name"] as? String } == ["library", "team-a"])
            #expect(try await h.api(.put, "/projects/\(id)", json: #"{"public":false}"#).status == .ok)
            #expect(try await h.api(.get, "/projects", headers: [:]).array().map { $0["name"] as? String } == ["library"])
            #expect(try await h.api(.get, "/projects/\(id)", headers: [:]).status == .unauthorized)

            let summary = try await h.api(.get, "/projects/\(id)/summary")
            #expect(try summary.object()["project_admin_count"] as? Int == 1)

            // A project with repositories cannot be deleted.
            try await h.pushBlob([1, 2, 3], to: "team-a/app")
            let refused = try await h.api(.delete, "/projects/\(id)")
            #expect(refused.status == .preconditionFailed)
            #expect(try await h.api(.delete, "/projects/\(try await h.createProject("empty"))").status == .ok)
            #expect(try await h.api(.get, "/projects/nosuch").status == .notFound)
        }
    }

    @Test func membersAndRoles() async throws {
        try await Harness.run { h in
            _ = try await h.createProject("team")
            let dev = try await h.createUser("dev", password: "Dev-Passw0rd")
            let guest = try await h.createUser("guest", password: "Guest-Passw0rd")
            try await h.addMember("team", userID: dev.id, role: 2)
            #expect(try await h.api(.post, "/projects/team/members", json: #"{"role_id":2,"member_user":{"user_id":\#(dev.id)}}"#).status == .conflict)
            #expect(try await h.api(.post, "/projects/team/members", json: #"{"role_id":9,"member_user":{"username":"guest"}}"#).status == .badRequest)
            #expect(try await h.api(.post, "/projects/team/members", json: #"{"role_id":3,"member_user":{"username":"ghost"}}"#).status == .notFound)
            #expect(try await h.api(.post, "/projects/team/members", json: #"{"role_id":3,"member_user":{"username":"guest"}}"#).status == .created)

            let asDev = Harness.basic("dev", "Dev-Passw0rd")
            let members = try await h.api(.get, "/projects/team/members", headers: asDev)
            let entries = try members.array()
            #expect(Set(entries.compactMap { $0["entity_name"] as? String }) == ["admin", "dev", "guest"])
            let guestEntry = try #require(entries.first { $0["entity_name"] as? String == "guest" })
            #expect(guestEntry["role_name"] as? String == "guest" && guestEntry["entity_type"] as? String == "u")
            let mid = try #require(guestEntry["id"] as? Int)

            // Only project admins manage members.
            #expect(try await h.api(.put, "/projects/team/members/\(mid)", json: #"{"role_id":4}"#, headers: asDev).status == .forbidden)
            #expect(try await h.api(.put, "/projects/team/members/\(mid)", json: #"{"role_id":4}"#).status == .ok)
            #expect(try await h.api(.get, "/projects/team/members/\(mid)").text.contains(#""role_name":"maintainer""#))
            #expect(try await h.api(.delete, "/projects/team/members/\(mid)").status == .ok)
            #expect(try await h.api(.get, "/projects/team/members/\(mid)").status == .notFound)
            // A non-member does not see the private project.
            #expect(try await h.api(.get, "/projects/team", headers: Harness.basic("guest", guest.password)).status == .forbidden)
            #expect(try await h.api(.get, "/projects", headers: Harness.basic("guest", guest.password)).array().map { $0["name"] as? String } == ["library"])
        }
    }
}
