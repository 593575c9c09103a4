import BerthTestSupport
import HTTPTypes
import Testing

@Suite struct RepositoryAPITests {
    @Test func listFilterSortAndPage() async throws {
        try await Harness.run { h in
            _ = try await h.createProject("team")
            _ = try await h.pushImage("team/app", tag: "v1")
            _ = try await h.pushImage("team/tools/cli", tag: "v1")
            _ = try await h.pushImage("team/web", tag: "v1")

            let all = try await h.api(.get, "/projects/team/repositories?sort=name")
            #expect(all.status == .ok)
            #expect(try all.array().map { $0["name"] as? String } == ["team/app", "team/tools/cli", "team/web"])
            #expect(all.header("X-Total-Count") == "3")
            let first = try all.array()[0]
            #expect(first["artifact_count"] as? Int == 1 && first["pull_count"] as? Int == 0)
            #expect(first["project_id"] != nil && first["creation_time"] is String && first["update_time"] is String)

            let filtered = try await h.api(.get, "/projects/team/repositories?q=name%3D~cli")
            #expect(try filtered.array().map { $0["name"] as? String } == ["team/tools/cli"])
            let exact = try await h.api(.get, "/projects/team/repositories?q=name%3Dapp")
            #expect(try exact.array().map { $0["name"] as? String } == ["team/app"])

            let paged = try await h.api(.get, "/projects/team/repositories?sort=-name&page=2&page_size=1")
            #expect(try paged.array().map { $0["name"] as? String } == ["team/tools/cli"])
            let link = try #require(paged.header("Link"))
            #expect(link.contains("rel=\"prev\"") && link.contains("rel=\"next\"") && link.contains("page=3"))
            #expect(try await h.api(.get, "/projects/team/repositories?sort=size").status == .badRequest)
            #expect(try await h.api(.get, "/projects/nosuch/repositories").status == .notFound)
        }
    }

    @Test func getUpdateDeleteWithEncodedNames() async throws {
        try await Harness.run { h in
            _ = try await h.createProject("team")
            _ = try await h.pushImage("team/tools/cli", tag: "v1")
            for encoded in ["tools%252Fcli", "tools%2Fcli"] {
                let response = try await h.api(.get, "/projects/team/repositories/\(encoded)")
                #expect(response.status == .ok, "\(encoded)")
                #expect(try response.object()["name"] as? String == "team/tools/cli")
            }
            #expect(try await h.api(.put, "/projects/team/repositories/tools%252Fcli", json: #"{"description":"the CLI"}"#).status == .ok)
            #expect(try await h.api(.get, "/projects/team/repositories/tools%252Fcli").object()["description"] as? String == "the CLI")
            #expect(try await h.api(.get, "/projects/team/repositories/nothing").status == .notFound)
            #expect(try await h.api(.put, "/projects/team/repositories/nothing", json: #"{"description":"x"}"#).status == .notFound)

            #expect(try await h.api(.get, "/projects/team/repositories", headers: [:]).status == .unauthorized)
            let guest = try await h.member("guest", of: "team", role: 3)
            #expect(try await h.api(.get, "/projects/team/repositories/tools%252Fcli", headers: guest).status == .ok)
            #expect(try await h.api(.delete, "/projects/team/repositories/tools%252Fcli", headers: guest).status == .forbidden)
            #expect(try await h.api(.put, "/projects/team/repositories/tools%252Fcli", json: "{}", headers: guest).status == .forbidden)

            #expect(try await h.api(.delete, "/projects/team/repositories/tools%252Fcli").status == .ok)
            #expect(try await h.api(.get, "/projects/team/repositories/tools%252Fcli").status == .notFound)
            #expect(try await h.request(.get, "/v2/team/tools/cli/manifests/v1").status == .notFound)
            #expect(try await h.api(.delete, "/projects/team/repositories/tools%252Fcli").status == .notFound)
            // The project is empty again, so it can go.
            #expect(try await h.api(.delete, "/projects/team").status == .ok)
        }
    }
}
