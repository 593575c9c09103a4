import Foundation

/// The OpenLDAP slapd `scripts/ldap-test-server` starts, loaded with tests/ldap/berth.ldif, as
/// its variables describe it: BERTH_TEST_LDAP_URL (`ldap://127.0.0.1:PORT`),
/// BERTH_TEST_LDAP_BASE_DN, BERTH_TEST_LDAP_ADMIN_DN and BERTH_TEST_LDAP_ADMIN_PASSWORD.
/// Suites that need it are enabled only when it is `configured`.
public struct TestDirectory: Sendable {
    public let url: String
    public let baseDN: String
    public let adminDN: String
    public let adminPassword: String
    /// The same directory over TLS (`ldaps://127.0.0.1:PORT`, BERTH_TEST_LDAPS_URL), with a
    /// certificate for 127.0.0.1 from a CA of the script's own, which no system trusts.
    public let tlsURL: String?

    public static let configured: TestDirectory? = {
        let environment = ProcessInfo.processInfo.environment
        guard let url = environment["BERTH_TEST_LDAP_URL"], let baseDN = environment["BERTH_TEST_LDAP_BASE_DN"],
              let adminDN = environment["BERTH_TEST_LDAP_ADMIN_DN"], let adminPassword = environment["BERTH_TEST_LDAP_ADMIN_PASSWORD"]
        else { return nil }
        return TestDirectory(url: url, baseDN: baseDN, adminDN: adminDN, adminPassword: adminPassword,
                             tlsURL: environment["BERTH_TEST_LDAPS_URL"])
    }()

    /// Runs one of ldap-utils' tools (`ldapadd`, `ldapdelete`) as the directory's administrator,
    /// with `input` on its standard input; throws with its output when it fails.
    public func run(_ tool: String, _ arguments: [String] = [], input: String = "") async throws {
        let result = try await ChildProcess.run("/usr/bin/" + tool, ["-x", "-H", url, "-D", adminDN, "-w", adminPassword] + arguments,
                                                input: Data(input.utf8))
        guard result.status == 0 else { throw TestDirectoryError(message: "\(tool) \(arguments) failed: \(result.errors)\(result.output)") }
    }
}

public struct TestDirectoryError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
