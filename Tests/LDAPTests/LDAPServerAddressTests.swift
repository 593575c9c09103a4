import Testing
@testable import LDAP

@Suite struct LDAPServerAddressTests {
    @Test func readsSchemesHostsAndPorts() throws {
        let cases: [(String, LDAPServerAddress)] = [
            ("ldap://ldap.example.com", LDAPServerAddress(host: "ldap.example.com", port: 389, tls: false)),
            ("ldaps://ldap.example.com", LDAPServerAddress(host: "ldap.example.com", port: 636, tls: true)),
            ("LDAPS://ldap.example.com:3269/", LDAPServerAddress(host: "ldap.example.com", port: 3269, tls: true)),
            ("ldap://127.0.0.1:10389", LDAPServerAddress(host: "127.0.0.1", port: 10389, tls: false)),
            ("ldap://[::1]:10389", LDAPServerAddress(host: "::1", port: 10389, tls: false)),
            ("ldaps://[::1]", LDAPServerAddress(host: "::1", port: 636, tls: true)),
            ("ldap.example.com:389", LDAPServerAddress(host: "ldap.example.com", port: 389, tls: false)),
            (" ldap://dir ", LDAPServerAddress(host: "dir", port: 389, tls: false)),
        ]
        for (url, expected) in cases {
            #expect(try LDAPServerAddress(parsing: url) == expected, "\(url)")
        }
        #expect(try LDAPServerAddress(parsing: "ldap://[::1]:10389").description == "ldap://[::1]:10389")
    }

    @Test func refusesWhatItCannotUse() {
        for url in ["", "ldap://", "ldap://:389", "http://dir", "ldapi://%2fvar%2frun", "ldap://dir:0", "ldap://dir:65536",
                    "ldap://dir:port", "ldap://::1", "ldap://[::1", "ldap://[::1]x", "ldap://dir/dc=example,dc=com", "ldap://dir?cn"] {
            #expect(throws: LDAPError.self, "\(url)") { try LDAPServerAddress(parsing: url) }
        }
    }

    @Test func ipAddressesAreNotSentAsServerNames() {
        #expect(LDAPServerAddress(host: "ldap.example.com", port: 636, tls: true).serverHostname == "ldap.example.com")
        #expect(LDAPServerAddress(host: "127.0.0.1", port: 636, tls: true).serverHostname == nil)
        #expect(LDAPServerAddress(host: "::1", port: 636, tls: true).serverHostname == nil)
    }
}
