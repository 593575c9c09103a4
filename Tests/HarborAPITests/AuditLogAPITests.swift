import BerthTestSupport
import HTTPTypes
import Testing

@Suite struct AuditLogAPITests {
    @Test func pullsAreBufferedUntilFlushed() async throws {
        try await Harness.run { h in
            let recorder = h.server.api.audit
            // Without the one-second timer, only `flush` writes pulls: the test decides when.
            await recorder.stopTimer()
            _ = try await h.createProject("team")
            _ = try await h.pushImage("team/app", tag: "v1")
            for _ in 0..<3 { #expect(try await h.request(.get, "/v2/team/app/manifests/v1").status == .ok) }
            #expect(try await h.request(.head, "/v2/team/app/manifests/v1").status == .ok)
            // Only GETs count, and nothing was written yet.
            #expect(recorder.bufferedPulls == 3)
            #expect(try await h.api(.get, "/audit-logs?q=operation%3Dpull").header("X-Total-Count") == "0")

            try await recorder.flush()
            #expect(recorder.bufferedPulls == 0)
            let pulls = try await h.api(.get, "/audit-logs?q=operation%3Dpull")
            #expect(pulls.header("X-Total-Count") == "3")
            let line = try #require(try pulls.array().first)
            #expect(line["username"] as? String == "admin" && line["resource"] as? String == "team/app:v1")
            #expect(line["resource_type"] as? String == "artifact" && line["op_time"] is String && line["id"] is Int)
            #expect(try await h.api(.get, "/projects/team/repositories/app").object()["pull_count"] as? Int == 3)
            let artifact = try await h.api(.get, "/projects/team/repositories/app/artifacts/v1").object()
            #expect(artifact["pull_time"] as? String != "0001-01-01T00:00:00.000Z")
        }
    }

    @Test func changesAreLoggedAndVisibleByProject() async throws {
        try await Harness.run { h in
            _ = try await h.createProject("team")
            _ = try await h.createProject("other")
            let image = try await h.pushImage("team/app", tag: "v1")
            _ = try await h.pushImage("other/app", tag: "v1")
            #expect(try await h.api(.post, "/projects/team/repositories/app/artifacts/v1/tags", json: #"{"name":"v2"}"#).status == .created)
            #expect(try await h.api(.delete, "/projects/team/repositories/app/artifacts/v1/tags/v2").status == .ok)
            let admin = try await h.member("owner", of: "team", role: 1)
            let guest = try await h.member("guest", of: "team", role: 3)

            let all = try await h.api(.get, "/audit-logs?page_size=100")
            let operations = Set(try all.array().map { "\($0["operation"] as! String) \($0["resource_type"] as! String) \($0["resource"] as! String)" })
            #expect(operations.isSuperset(of: [
                "create project team", "create project other", "push artifact team/app:v1", "create tag team/app:v2",
                "delete tag team/app:v2", "create user owner", "create member owner",
            ]))
            #expect(!all.text.contains("Passw0rd"))

            // A project admin sees the projects where logs may be listed; a guest sees none.
            let mine = try await h.api(.get, "/audit-logs?page_size=100", headers: admin)
            #expect(try mine.array().allSatisfy { ($0["resource"] as? String)?.hasPrefix("team") == true || $0["resource_type"] as? String == "member" })
            #expect(try mine.array().contains { $0["resource"] as? String == "team/app:v1" })
            #expect(try await h.api(.get, "/audit-logs", headers: guest).array().isEmpty)
            #expect(try await h.api(.get, "/audit-logs", headers: [:]).status == .unauthorized)

            let projectLogs = try await h.api(.get, "/projects/team/logs?q=resource%3D~app&sort=op_time", headers: admin)
            #expect(try projectLogs.array().first?["resource"] as? String == "team/app:v1")
            #expect(try await h.api(.get, "/projects/team/logs", headers: guest).status == .forbidden)
            #expect(try await h.api(.get, "/projects/ghost/logs").status == .notFound)

            #expect(try await h.api(.delete, "/projects/team/repositories/app/artifacts/\(image.digest)").status == .ok)
            #expect(try await h.api(.delete, "/projects/team/repositories/app").status == .ok)
            let deletes = try await h.api(.get, "/projects/team/logs?q=operation%3Ddelete")
            #expect(Set(try deletes.array().compactMap { $0["resource_type"] as? String }).isSuperset(of: ["artifact", "repository"]))
        }
    }
}

@Suite struct LoginAuditTests {
    @Test func dockerLoginIsAudited() async throws {
        try await Harness.run { h in
            // `docker login` asks the token service for a token without scope.
            #expect(try await h.request(.get, "/service/token?service=harbor-registry&account=admin").status == .ok)
            let logins = try await h.api(.get, "/audit-logs?q=operation%3Dlogin")
            #expect(logins.header("X-Total-Count") == "1")
            #expect(try logins.array().first?["username"] as? String == "admin")
        }
    }
}
