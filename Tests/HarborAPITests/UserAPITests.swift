import BerthTestSupport
import HTTPTypes
import Testing

@Suite struct UserAPITests {
    @Test func adminCreatesAndManagesUsers() async throws {
        try await Harness.run { h in
            let alice = try await h.createUser("alice", password: "Alice-Passw0rd")
            #expect(try await h.api(.post, "/users", json: #"{"username":"alice","password":"Alice-Passw0rd"}"#).status == .conflict)
            let weak = try await h.api(.post, "/users", json: #"{"username":"bob","password":"password"}"#)
            #expect(weak.status == .badRequest)
            #expect(weak.errorCode == "BAD_REQUEST")
            #expect(try await h.api(.post, "/users", json: #"{"username":"bob"}"#).status == .badRequest)

            let list = try await h.api(.get, "/users?page=1&page_size=1")
            #expect(list.header("X-Total-Count") == "2")
            #expect(list.header("Link")?.contains("rel=\"next\"") == true)
            #expect(try list.array().first?["username"] as? String == "admin")

            let asAlice = Harness.basic("alice", "Alice-Passw0rd")
            let current = try await h.api(.get, "/users/current", headers: asAlice)
            #expect(try current.object()["username"] as? String == "alice")
            #expect(try current.object()["sysadmin_flag"] as? Bool == false)
            #expect(try await h.api(.get, "/users", headers: asAlice).status == .forbidden)
            #expect(try await h.api(.post, "/users", json: #"{"username":"eve","password":"Eve-Passw0rd"}"#, headers: asAlice).status == .forbidden)
            #expect(try await h.api(.get, "/users/current", headers: [:]).status == .unauthorized)
            #expect(try await h.api(.get, "/users/1", headers: asAlice).status == .forbidden)
            #expect(try await h.api(.get, "/users/\(alice.id)", headers: asAlice).status == .ok)

            let search = try await h.api(.get, "/users/search?username=ali", headers: asAlice)
            #expect(try search.array().map { $0["username"] as? String } == ["alice"])

            // Own password: needs the old one, and the policy.
            let wrongOld = try await h.api(.put, "/users/\(alice.id)/password", json: #"{"old_password":"nope","new_password":"Alice-Passw0rd2"}"#, headers: asAlice)
            #expect(wrongOld.status == .forbidden)
            let changed = try await h.api(.put, "/users/\(alice.id)/password", json: #"{"old_password":"Alice-Passw0rd","new_password":"Alice-Passw0rd2"}"#, headers: asAlice)
            #expect(changed.status == .ok)
            #expect(try await h.api(.get, "/users/current", headers: asAlice).status == .unauthorized)
            #expect(try await h.api(.get, "/users/current", headers: Harness.basic("alice", "Alice-Passw0rd2")).status == .ok)

            #expect(try await h.api(.put, "/users/\(alice.id)/sysadmin", json: #"{"sysadmin_flag":true}"#).status == .ok)
            #expect(try await h.api(.get, "/users", headers: Harness.basic("alice", "Alice-Passw0rd2")).status == .ok)
            #expect(try await h.api(.delete, "/users/1").status == .forbidden)
            #expect(try await h.api(.delete, "/users/\(alice.id)").status == .ok)
            #expect(try await h.api(.get, "/users/\(alice.id)").status == .notFound)
        }
    }

    @Test func wrongCredentialsAre401AndMalformedBodies400() async throws {
        try await Harness.run { h in
            let wrong = try await h.api(.get, "/projects", headers: Harness.basic("admin", "wrong"))
            #expect(wrong.status == .unauthorized)
            #expect(wrong.text.contains(#""code":"UNAUTHORIZED""#))
            #expect(try await h.api(.post, "/users", json: "{not json").status == .badRequest)
            #expect(try await h.api(.get, "/users/abc").status == .badRequest)
        }
    }
}
