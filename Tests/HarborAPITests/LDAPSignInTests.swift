import BerthTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import NIOPosix
import Testing

/// LDAP sign-in against the real slapd of `scripts/ldap-test-server` (tests/ldap/berth.ldif):
/// the `ldap_*` settings, first sign-in creating the user with their groups, groups as project
/// members, the `/ldap/*` look-ups, and what happens when the directory is down or forgets a user.
@Suite(.enabled(if: TestDirectory.configured != nil, "set BERTH_TEST_LDAP_URL and the other BERTH_TEST_LDAP_* variables"))
struct LDAPSignInTests {
    static var directory: TestDirectory { TestDirectory.configured! }
    static var base: String { directory.baseDN }
    static let alice = Harness.basic("alice", "Alice-Passw0rd1")
    static let bob = Harness.basic("bob", "Bob-Passw0rd2")
    static let carol = Harness.basic("carol", "Carol-Passw0rd3")

    /// The settings of the test directory, as an operator would PUT them; `url` replaces its URL.
    static func settings(url: String? = nil, timeout: Int = 5) -> String {
        """
        {"auth_mode":"ldap_auth","ldap_url":"\(url ?? directory.url)","ldap_search_dn":"\(directory.adminDN)",
         "ldap_search_password":"\(directory.adminPassword)","ldap_base_dn":"ou=people,\(base)",
         "ldap_filter":"objectClass=inetOrgPerson","ldap_uid":"uid","ldap_scope":2,"ldap_timeout":\(timeout),
         "ldap_group_base_dn":"ou=groups,\(base)","ldap_group_search_filter":"(objectClass=groupOfNames)",
         "ldap_group_attribute_name":"cn","ldap_group_admin_dn":"cn=admins,ou=groups,\(base)"}
        """
    }

    static func useDirectory(_ h: Harness) async throws {
        let response = try await h.api(.put, "/configurations", json: settings())
        #expect(response.status == .ok, "\(response.text)")
    }

    @Test func settingsAreListedWithoutThePasswordAndPingTestsThem() async throws {
        try await Harness.run { h in
            try await Self.useDirectory(h)
            let listed = try await h.api(.get, "/configurations").object()
            #expect((listed["ldap_url"] as? [String: Any])?["value"] as? String == Self.directory.url)
            #expect((listed["ldap_uid"] as? [String: Any])?["value"] as? String == "uid")
            #expect(listed["ldap_search_password"] == nil, "a password is never listed")
            // The audit line names the change, not the password.
            let audit = try await h.api(.get, "/auditlog-exts?page_size=100").text
            #expect(audit.contains("ldap_search_password=***"), "\(audit.prefix(2000))")
            #expect(!audit.contains(Self.directory.adminPassword))

            let works = try await h.api(.post, "/ldap/ping").object()
            #expect(works["success"] as? Bool == true, "\(works)")
            let wrong = try await h.api(.post, "/ldap/ping", json: #"{"ldap_search_password":"not-the-password"}"#).object()
            #expect(wrong["success"] as? Bool == false)
            #expect((wrong["message"] as? String ?? "").contains("invalidCredentials"), "\(wrong)")
            let missingBase = try await h.api(.post, "/ldap/ping", json: #"{"ldap_base_dn":"ou=nowhere,\#(Self.base)"}"#).object()
            #expect((missingBase["message"] as? String ?? "").contains("noSuchObject"), "\(missingBase)")
            // Only administrators test settings.
            #expect(try await h.api(.post, "/ldap/ping", headers: Self.alice).status == .forbidden)

            #expect(try await h.api(.put, "/configurations", json: #"{"ldap_filter":"(uid=alice"}"#).status == .badRequest)
            #expect(try await h.api(.put, "/configurations", json: #"{"ldap_scope":3}"#).status == .badRequest)
        }
    }

    @Test func firstSignInCreatesTheUserWithTheirGroupsAndWrongPasswordsAreRefused() async throws {
        try await Harness.run { h in
            try await Self.useDirectory(h)
            let alice = try await h.api(.get, "/users/current", headers: Self.alice)
            #expect(alice.status == .ok, "\(alice.text)")
            let profile = try alice.object()
            #expect(profile["username"] as? String == "alice")
            #expect(profile["email"] as? String == "alice@berth.test")
            #expect(profile["realname"] as? String == "Alice Liddell")
            #expect(profile["sysadmin_flag"] as? Bool == false)

            // Her 51 groups were recorded (the group list is an administrator's).
            let groups = try await h.api(.get, "/usergroups?page_size=100")
            #expect(groups.header("X-Total-Count") == "51")
            let developers = try await h.api(.get, "/usergroups?ldap_group_dn=CN=Developers,ou=groups,\(Self.base)").array()
            #expect(developers.first?["group_name"] as? String == "developers")
            #expect(developers.first?["group_type"] as? Int == 1)

            for (name, password) in [("alice", "Alice-Passw0rd2"), ("alice", ""), ("nobody", "Alice-Passw0rd1"), ("*", "Alice-Passw0rd1")] {
                let refused = try await h.api(.get, "/users/current", headers: Harness.basic(name, password))
                #expect(refused.status == .unauthorized, "\(name): \(refused.text)")
            }
            // The directory's administrators' group makes carol an administrator.
            let carol = try await h.api(.get, "/users/current", headers: Self.carol).object()
            #expect(carol["admin_role_in_auth"] as? Bool == true)
            #expect(try await h.api(.get, "/configurations", headers: Self.carol).status == .ok)
            #expect(try await h.api(.get, "/configurations", headers: Self.alice).status == .forbidden)
            // The first administrator keeps the local password; local accounts are not made any more.
            #expect(try await h.api(.get, "/users/current").status == .ok)
            let local = try await h.api(.post, "/users", json: #"{"username":"dave","password":"Dave-Passw0rd4"}"#)
            #expect(local.status == .forbidden, "\(local.text)")
        }
    }

    @Test func groupsAreProjectMembersAndTheHighestRoleCounts() async throws {
        try await Harness.run { h in
            try await Self.useDirectory(h)
            _ = try await h.createProject("team")
            // A group the directory does not have is refused; developers is added by its DN.
            let unknown = try await h.api(.post, "/projects/team/members",
                                          json: #"{"role_id":2,"member_group":{"ldap_group_dn":"cn=nobody,ou=groups,\#(Self.base)"}}"#)
            #expect(unknown.status == .badRequest, "\(unknown.text)")
            let added = try await h.api(.post, "/projects/team/members",
                                        json: #"{"role_id":3,"member_group":{"ldap_group_dn":"cn=developers,ou=groups,\#(Self.base)"}}"#)
            #expect(added.status == .created, "\(added.text)")
            let members = try await h.api(.get, "/projects/team/members").array()
            let group = try #require(members.first { $0["entity_type"] as? String == "g" })
            #expect(group["entity_name"] as? String == "developers")
            #expect(try await h.api(.post, "/projects/team/members",
                                    json: #"{"role_id":3,"member_group":{"ldap_group_dn":"cn=developers,ou=groups,\#(Self.base)"}}"#).status == .conflict)

            // bob is a guest through developers: pull, no push; the project is listed for him.
            #expect(try await Self.actions(h, Self.bob, "team/app") == ["pull"])
            let projects = try await h.api(.get, "/projects", headers: Self.bob).array()
            #expect(projects.contains { $0["name"] as? String == "team" })
            // alice is also in team-07, made a developer: the higher role wins.
            let team07 = try await h.api(.post, "/projects/team/members",
                                         json: #"{"role_id":2,"member_group":{"group_name":"x","ldap_group_dn":"cn=team-07,ou=groups,\#(Self.base)"}}"#)
            #expect(team07.status == .created, "\(team07.text)")
            #expect(try await Self.actions(h, Self.alice, "team/app") == ["pull", "push"])
            #expect(try await Self.actions(h, Self.bob, "team/app") == ["pull"])
            // Made developer by her own membership too; removing team-07 leaves that.
            let aliceID = try #require(try await h.api(.get, "/users/current", headers: Self.alice).object()["user_id"] as? Int)
            try await h.addMember("team", userID: Int64(aliceID), role: 2)
            let team07ID = try #require(try await h.api(.get, "/projects/team/members?entityname=x").array().first?["id"] as? Int)
            #expect(try await h.api(.delete, "/projects/team/members/\(team07ID)").status == .ok)
            #expect(try await Self.actions(h, Self.alice, "team/app") == ["pull", "push"])
            // Deleting the developers group removes it from the project.
            let developersID = try #require(group["entity_id"] as? Int)
            #expect(try await h.api(.delete, "/usergroups/\(developersID)").status == .ok)
            #expect(try await Self.actions(h, Self.bob, "team/app") == [])
            #expect(try await h.api(.get, "/projects/team/members").array().count == 2, "admin and alice")
        }
    }

    @Test func userGroupsAreManagedAndSearched() async throws {
        try await Harness.run { h in
            try await Self.useDirectory(h)
            let created = try await h.api(.post, "/usergroups", json: #"{"group_type":1,"ldap_group_dn":"cn=admins,ou=groups,\#(Self.base)"}"#)
            #expect(created.status == .created, "\(created.text)")
            let location = try #require(created.header("Location"))
            let group = try await h.request(.get, location).object()
            #expect(group["group_name"] as? String == "admins")
            #expect(group["ldap_group_dn"] as? String == "cn=admins,ou=groups,\(Self.base)")
            #expect(try await h.api(.post, "/usergroups", json: #"{"group_type":1,"ldap_group_dn":"cn=admins,ou=groups,\#(Self.base)"}"#).status == .conflict)
            #expect(try await h.api(.post, "/usergroups", json: #"{"group_type":1,"ldap_group_dn":"cn=ghosts,ou=groups,\#(Self.base)"}"#).status == .badRequest)
            #expect(try await h.api(.post, "/usergroups", json: #"{"group_type":3}"#).status == .badRequest)
            #expect(try await h.api(.post, "/usergroups", json: #"{"group_type":9,"group_name":"x"}"#).status == .badRequest)
            #expect(try await h.api(.post, "/usergroups", json: #"{"group_type":3,"group_name":"platform"}"#).status == .created)
            #expect(try await h.api(.post, "/usergroups", json: #"{"group_type":3,"group_name":"platform"}"#).status == .conflict)

            #expect(try await h.request(.put, location, headers: Self.json(Harness.admin), body: Array(#"{"group_name":"administrators"}"#.utf8)).status == .ok)
            #expect(try await h.request(.get, location).object()["group_name"] as? String == "administrators")
            // Anyone signed in may search by name; the list and changes are administrators'.
            let found = try await h.api(.get, "/usergroups/search?groupname=admin", headers: Self.alice)
            #expect(found.status == .ok, "\(found.text)")
            #expect(try found.array().map { $0["group_name"] as? String } == ["administrators"])
            #expect(try await h.api(.get, "/usergroups", headers: Self.alice).status == .forbidden)
            #expect(try await h.api(.post, "/usergroups", json: #"{"group_type":3,"group_name":"mine"}"#, headers: Self.alice).status == .forbidden)
            #expect(try await h.request(.delete, location).status == .ok)
            #expect(try await h.request(.get, location).status == .notFound)
        }
    }

    @Test func directoryUsersAndGroupsAreSearchedAndImported() async throws {
        try await Harness.run { h in
            try await Self.useDirectory(h)
            let users = try await h.api(.get, "/ldap/users/search?username=li").array()
            #expect(users.map { $0["username"] as? String } == ["alice"])
            #expect(users.first?["email"] as? String == "alice@berth.test")
            #expect(try await h.api(.get, "/ldap/users/search").array().count == 3)
            #expect(try await h.api(.get, "/ldap/users/search?username=*)(uid=*").array().isEmpty, "input is a value, not a filter")

            let imported = try await h.api(.post, "/ldap/users/import", json: #"{"ldap_uid_list":["bob","nobody"]}"#)
            #expect(imported.status == .notFound)
            #expect(try imported.array().map { $0["uid"] as? String } == ["nobody"])
            let listed = try await h.api(.get, "/users").array()
            #expect(listed.first { $0["username"] as? String == "bob" }?["email"] as? String == "bob@berth.test")
            let again = try await h.api(.post, "/ldap/users/import", json: #"{"ldap_uid_list":["bob"]}"#)
            #expect(try again.array().first?["error"] as? String == "user already exists")
            // An imported user signs in with the directory's password.
            #expect(try await h.api(.get, "/users/current", headers: Self.bob).status == .ok)

            let teams = try await h.api(.get, "/ldap/groups/search?groupname=team-0").array()
            #expect(teams.count == 9)
            let admins = try await h.api(.get, "/ldap/groups/search?groupdn=cn=admins,ou=groups,\(Self.base)").array()
            #expect(admins.map { $0["group_name"] as? String } == ["admins"])
            #expect(try await h.api(.get, "/ldap/groups/search?groupdn=cn=ghosts,ou=groups,\(Self.base)").array().isEmpty)
        }
    }

    @Test func aDirectoryThatDoesNotAnswerIsA503() async throws {
        // A listener that accepts and never answers: the directory hangs rather than refuses.
        let group = MultiThreadedEventLoopGroup.singleton
        let silent = try await ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(silent.localAddress?.port)
        do {
            try await Harness.run { h in
                #expect(try await h.api(.put, "/configurations", json: Self.settings(url: "ldap://127.0.0.1:\(port)", timeout: 1)).status == .ok)
                let started = ContinuousClock.now
                let answer = try await h.api(.get, "/users/current", headers: Self.alice)
                #expect(answer.status == .serviceUnavailable, "\(answer.text)")
                #expect(answer.errorCode == "SERVICE_UNAVAILABLE")
                #expect(ContinuousClock.now - started < .seconds(10))
                let token = try await h.request(.get, "/service/token?service=harbor-registry&scope=repository:x/y:pull", headers: Self.alice)
                #expect(token.status == .serviceUnavailable)
                // The first administrator still signs in.
                #expect(try await h.api(.get, "/users/current").status == .ok)
                #expect(try await h.api(.post, "/ldap/ping").object()["success"] as? Bool == false)
            }
        } catch {
            try? await silent.close()
            throw error
        }
        try await silent.close()
    }

    @Test func signInWorksOverLDAPSAndStartTLSAndAnUntrustedCertificateIsA503() async throws {
        let tlsURL = try #require(Self.directory.tlsURL, "scripts/ldap-test-server exports BERTH_TEST_LDAPS_URL")
        try await Harness.run { h in
            try await Self.useDirectory(h)
            for change in [#"{"ldap_url":"\#(tlsURL)","ldap_verify_cert":false}"#,
                           #"{"ldap_url":"\#(Self.directory.url)","ldap_start_tls":true,"ldap_verify_cert":false}"#] {
                #expect(try await h.api(.put, "/configurations", json: change).status == .ok)
                let me = try await h.api(.get, "/users/current", headers: Self.alice)
                #expect(me.status == .ok, "\(change): \(me.text)")
            }
            // Checked, the test CA is trusted by nobody: a clear 503, not a wrong password.
            #expect(try await h.api(.put, "/configurations", json: #"{"ldap_verify_cert":true}"#).status == .ok)
            let refused = try await h.api(.get, "/users/current", headers: Self.bob)
            #expect(refused.status == .serviceUnavailable, "\(refused.text)")
            #expect(refused.text.contains("TLS"), "\(refused.text)")
            let ping = try await h.api(.post, "/ldap/ping", json: #"{"ldap_url":"\#(tlsURL)","ldap_start_tls":false}"#).object()
            #expect(ping["success"] as? Bool == false)
            // StartTLS on an ldaps:// URL is refused as a setting.
            let both = try await h.api(.post, "/ldap/ping", json: #"{"ldap_url":"\#(tlsURL)","ldap_start_tls":true}"#).object()
            #expect((both["message"] as? String ?? "").contains("ldap_start_tls"), "\(both)")
        }
    }

    @Test func aUserRemovedFromTheDirectoryLosesAccessWithinTheCacheLifetime() async throws {
        // Under ou=visitors, which the other tests do not search: they run at the same time.
        let name = "dave-\(UUID().uuidString.prefix(8).lowercased())"
        let dn = "uid=\(name),ou=visitors,\(Self.base)"
        try await Self.directory.run("ldapadd", input: """
            dn: \(dn)
            objectClass: inetOrgPerson
            uid: \(name)
            cn: Dave
            sn: Dave
            userPassword: Dave-Passw0rd4

            """)
        let dave = Harness.basic(name, "Dave-Passw0rd4")
        try await Harness.run(configure: { $0.directoryCacheSeconds = 2 }) { h in
            try await Self.useDirectory(h)
            #expect(try await h.api(.put, "/configurations", json: #"{"ldap_base_dn":"ou=visitors,\#(Self.base)"}"#).status == .ok)
            #expect(try await h.api(.get, "/users/current", headers: dave).status == .ok)
            try await Self.directory.run("ldapdelete", [dn])
            let removed = ContinuousClock.now
            // Still remembered right after; refused once a refresh or the lifetime found him gone.
            var lastOK = removed
            while ContinuousClock.now - removed < .seconds(6) {
                let status = try await h.api(.get, "/users/current", headers: dave).status
                if status == .unauthorized { break }
                #expect(status == .ok)
                lastOK = ContinuousClock.now
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(try await h.api(.get, "/users/current", headers: dave).status == .unauthorized)
            // The bound itself is DirectorySignInTests' (on a clock moved by hand); here, with real
            // time on a loaded machine, only a generous margin over the 2 s lifetime.
            #expect(lastOK - removed <= .seconds(4), "no access long past the 2 s lifetime")
        }
    }

    @Test func theAuthModeChangesOnlyBeforeOtherUsersExist() async throws {
        try await Harness.run { h in
            _ = try await h.createUser("local")
            let refused = try await h.api(.put, "/configurations", json: Self.settings())
            #expect(refused.status == .badRequest, "\(refused.text)")
            // Settings without the mode are taken.
            #expect(try await h.api(.put, "/configurations", json: #"{"ldap_uid":"uid"}"#).status == .ok)
        }
    }

    /// The repository actions a token from `/service/token` grants the caller.
    static func actions(_ h: Harness, _ who: HTTPFields, _ repository: String) async throws -> [String] {
        let token = try await h.token(scope: "repository:\(repository):pull,push", headers: who)
        let claims = try SystemSettingsAPITests.claims(of: token)
        let access = claims["access"] as? [[String: Any]] ?? []
        return ((access.first?["actions"] as? [String]) ?? []).sorted()
    }

    static func json(_ headers: HTTPFields) -> HTTPFields {
        var headers = headers
        headers[.contentType] = "application/json"
        return headers
    }
}
