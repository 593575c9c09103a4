import Foundation
import BerthTestSupport
import Testing
@testable import LDAP

/// The client against a real OpenLDAP slapd, loaded with tests/ldap/berth.ldif. Runs only when
/// `scripts/ldap-test-server` has started one and its variables are set:
///
///     eval "$(scripts/ldap-test-server start)"
///
/// BERTH_TEST_LDAP_URL (`ldap://127.0.0.1:PORT`), BERTH_TEST_LDAP_BASE_DN,
/// BERTH_TEST_LDAP_ADMIN_DN, BERTH_TEST_LDAP_ADMIN_PASSWORD.
@Suite(.enabled(if: TestDirectory.configured != nil, "set BERTH_TEST_LDAP_URL and the other BERTH_TEST_LDAP_* variables"))
struct SlapdTests {
    var server: TestDirectory { TestDirectory.configured! }

    func connect() async throws -> LDAPClient {
        try await LDAPClient.connect(url: server.url, timeout: .seconds(5))
    }

    @Test func bindsAsAdminAndFindsTheUsers() async throws {
        let client = try await connect()
        try await client.bind(dn: server.adminDN, password: server.adminPassword)
        let people = try await client.search(base: "ou=people,\(server.baseDN)", filter: "(objectClass=inetOrgPerson)",
                                             attributes: ["uid", "cn", "mail"])
        #expect(Set(people.compactMap { $0.firstValue(of: "uid") }) == ["alice", "bob", "carol"])
        let alice = try #require(people.first { $0.firstValue(of: "uid") == "alice" })
        #expect(alice.dn == "uid=alice,ou=people,\(server.baseDN)")
        #expect(alice.values(of: "mail") == ["alice@berth.test"])
        #expect(alice.values(of: "userPassword") == [], "only the attributes asked for")
        await client.close()
    }

    @Test func aUserBindsWithTheirPasswordAndFindsTheirGroups() async throws {
        let client = try await connect()
        try await client.bind(dn: server.adminDN, password: server.adminPassword)
        let login = LDAPFilter.escape("alice")
        let users = try await client.search(base: server.baseDN, filter: "(&(objectClass=inetOrgPerson)(uid=\(login)))",
                                            attributes: ["1.1"], sizeLimit: 2)
        let alice = try #require(users.count == 1 ? users.first : nil)
        try await client.bind(dn: alice.dn, password: "Alice-Passw0rd1")
        // A user in many groups (the issue this directory is for): developers and the 50 teams.
        let groups = try await client.search(base: "ou=groups,\(server.baseDN)", scope: .one,
                                             filter: "(&(objectClass=groupOfNames)(member=\(LDAPFilter.escape(alice.dn))))",
                                             attributes: ["cn"])
        let names = Set(groups.compactMap { $0.firstValue(of: "cn") })
        #expect(names.count == 51)
        #expect(names.contains("developers"))
        #expect(names.contains("team-01") && names.contains("team-50"))
        #expect(!names.contains("admins"))
        await client.close()
    }

    @Test func aWrongPasswordIsInvalidCredentials() async throws {
        let client = try await connect()
        let error = try await #require(throws: LDAPError.self) {
            try await client.bind(dn: "uid=bob,ou=people,\(server.baseDN)", password: "not-bobs-password")
        }
        #expect(error.resultCode == .invalidCredentials)
        // The connection stays usable after a failed bind.
        try await client.bind(dn: "uid=bob,ou=people,\(server.baseDN)", password: "Bob-Passw0rd2")
        await client.close()
    }

    @Test func anEmptyPasswordIsRefusedBeforeTheServerCanAcceptIt() async throws {
        let client = try await connect()
        // slapd would answer success to this unauthenticated bind (and to an anonymous one).
        await #expect(throws: LDAPError.emptyCredentials) {
            try await client.bind(dn: "uid=carol,ou=people,\(server.baseDN)", password: "")
        }
        await #expect(throws: LDAPError.emptyCredentials) { try await client.bind(dn: "", password: "") }
        await client.close()
    }

    @Test func aMissingBaseIsNoSuchObject() async throws {
        let client = try await connect()
        try await client.bind(dn: server.adminDN, password: server.adminPassword)
        let error = try await #require(throws: LDAPError.self) {
            try await client.search(base: "ou=nowhere,\(server.baseDN)", filter: "(objectClass=*)")
        }
        #expect(error.resultCode == .noSuchObject)
        await client.close()
    }

    @Test func aSizeLimitBelowTheMatchesIsReported() async throws {
        let client = try await connect()
        try await client.bind(dn: server.adminDN, password: server.adminPassword)
        let error = try await #require(throws: LDAPError.self) {
            try await client.search(base: server.baseDN, filter: "(objectClass=inetOrgPerson)", attributes: ["1.1"], sizeLimit: 2)
        }
        #expect(error.resultCode == .sizeLimitExceeded)
        // A listing takes what came instead, and says so.
        let listing = try await client.searchListing(base: server.baseDN, filter: "(objectClass=inetOrgPerson)", attributes: ["1.1"], sizeLimit: 2)
        #expect(listing.entries.count == 2 && !listing.complete)
        let whole = try await client.searchListing(base: server.baseDN, filter: "(objectClass=inetOrgPerson)", attributes: ["1.1"], sizeLimit: 10)
        #expect(whole.entries.count >= 3 && whole.complete)
        await client.close()
    }

    @Test func injectedFilterSyntaxMatchesNobody() async throws {
        let client = try await connect()
        try await client.bind(dn: server.adminDN, password: server.adminPassword)
        for attack in ["*", "*)(uid=*", "alice)(|(uid=*"] {
            let found = try await client.search(base: server.baseDN, filter: "(uid=\(LDAPFilter.escape(attack)))", attributes: ["1.1"])
            #expect(found.isEmpty, "\(attack)")
        }
        await client.close()
    }

    @Test func operationsRunConcurrentlyOnOneConnection() async throws {
        let client = try await connect()
        try await client.bind(dn: server.adminDN, password: server.adminPassword)
        let base = server.baseDN
        let counts = try await withThrowingTaskGroup(of: Int.self) { group in
            for number in 1...20 {
                group.addTask {
                    let team = String(format: "team-%02d", number)
                    return try await client.search(base: base, filter: "(cn=\(team))", attributes: ["member"]).count
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(counts == 20)
        await client.close()
    }

    @Test func ldapsAndStartTLSEncryptAndAnUntrustedCertificateIsRefused() async throws {
        let tlsURL = try #require(server.tlsURL, "scripts/ldap-test-server exports BERTH_TEST_LDAPS_URL")
        // Verification off (ldap_verify_cert: false): both ways work.
        for (url, startTLS) in [(tlsURL, false), (server.url, true)] {
            let client = try await LDAPClient.connect(url: url, startTLS: startTLS, verifyCertificate: false, timeout: .seconds(5))
            try await client.bind(dn: server.adminDN, password: server.adminPassword)
            let people = try await client.search(base: "ou=people,\(server.baseDN)", filter: "(uid=alice)", attributes: ["uid"])
            #expect(people.count == 1, "\(url) startTLS \(startTLS)")
            await client.close()
        }
        // Verification on: the test CA is nobody's trust root, so nothing is sent in the end.
        for (url, startTLS) in [(tlsURL, false), (server.url, true)] {
            let error = await #expect(throws: LDAPError.self) {
                let client = try await LDAPClient.connect(url: url, startTLS: startTLS, verifyCertificate: true, timeout: .seconds(5))
                defer { Task { await client.close() } }
                try await client.bind(dn: server.adminDN, password: server.adminPassword)
            }
            guard case .tlsFailed = error else { Issue.record("\(url) startTLS \(startTLS): \(String(describing: error))"); continue }
        }
    }
}
