import BerthTestSupport
import Foundation
import HummingbirdTesting
import Testing

/// `/search` and `/statistics` see what the caller may see.
@Suite struct SearchAPITests {
    @Test func searchAndStatisticsFollowVisibility() async throws {
        try await Harness.run { h in
            _ = try await h.createProject("web-public", public: true)
            _ = try await h.createProject("web-private")
            _ = try await h.pushImage("web-public/frontend", tag: "v1")
            _ = try await h.pushImage("web-private/frontend", tag: "v1", layer: "private")
            _ = try await h.pushImage("web-private/backend", tag: "v1", layer: "backend")
            let user = try await h.createUser("visitor")
            let visitor = Harness.basic("visitor", user.password)

            let admin = try await h.api(.get, "/search?q=web").object()
            #expect((admin["project"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["web-private", "web-public"])
            #expect((admin["repository"] as? [[String: Any]])?.count == 3)
            let seen = try await h.api(.get, "/search?q=front", headers: visitor).object()
            let repositories = try #require(seen["repository"] as? [[String: Any]])
            #expect(repositories.map { $0["repository_name"] as? String } == ["web-public/frontend"], "\(repositories)")
            #expect(repositories.first?["artifact_count"] as? Int == 1 && repositories.first?["project_public"] as? Bool == true)
            #expect(try await h.api(.get, "/search?q=web", headers: [:]).object()["project"] as? [[String: Any]] != nil)
            #expect(try await h.api(.get, "/search").status == .badRequest)

            let all = try await h.api(.get, "/statistics").object()
            // `library` is created on first start, public.
            #expect(all["public_project_count"] as? Int == 2 && all["private_project_count"] as? Int == 1, "\(all)")
            #expect(all["private_repo_count"] as? Int == 2 && all["total_repo_count"] as? Int == 3)
            #expect((all["total_storage_consumption"] as? Int ?? 0) > 0)
            let mine = try await h.api(.get, "/statistics", headers: visitor).object()
            #expect(mine["private_project_count"] as? Int == 0 && mine["public_repo_count"] as? Int == 1 && mine["total_project_count"] as? Int == 0, "\(mine)")
            #expect(try await h.api(.get, "/statistics", headers: [:]).status == .unauthorized)
        }
    }
}
