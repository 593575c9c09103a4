import Foundation
import Testing
@testable import BerthServer

@Suite struct ConfigurationTests {
    func file(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "berth-config-" + UUID().uuidString + ".yml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func defaults() throws {
        let configuration = try BerthConfiguration.load(file: nil, environment: [:])
        #expect(configuration.port == 5000 && configuration.host == "0.0.0.0")
        #expect(configuration.dataDirectory == "./berth-data")
        #expect(configuration.adminPassword == nil)
        #expect(configuration.effectiveDatabaseURL.hasPrefix("sqlite:///") && configuration.effectiveDatabaseURL.hasSuffix("/berth-data/berth.db"))
        #expect(configuration.effectiveFilesystemRoot == "./berth-data/storage")
    }

    @Test func fileThenEnvironment() throws {
        let path = try file("""
            listen: 127.0.0.1:6000
            data_dir: /srv/berth
            database:
              url: postgres://u:p@db:5432/berth
            storage:
              filesystem:
                root: /srv/blobs
            log_level: debug
            """)
        let configuration = try BerthConfiguration.load(file: path, environment: [
            "BERTH_LISTEN": "[::1]:7000", "BERTH_EXTERNAL_URL": "https://registry.example.com/", "UNRELATED": "x",
        ])
        #expect(configuration.host == "::1" && configuration.port == 7000)
        #expect(configuration.dataDirectory == "/srv/berth")
        #expect(configuration.databaseURL == "postgres://u:p@db:5432/berth")
        #expect(configuration.effectiveFilesystemRoot == "/srv/blobs")
        #expect(configuration.externalURL == "https://registry.example.com")
        #expect(configuration.logLevel == .debug)
    }

    @Test(arguments: [
        ("BERTH_LISTEN", "nonsense", "listen"),
        ("BERTH_LISTEN", "host:99999", "listen"),
        ("BERTH_DATABASE_URL", "mysql://x", "database.url"),
        ("BERTH_STORAGE_DRIVER", "s4", "storage.driver"),
        ("BERTH_ADMIN_PASSWORD", "short", "admin_password"),
        ("BERTH_EXTERNAL_URL", "ftp://x", "external_url"),
        ("BERTH_LOG_LEVEL", "loud", "log_level"),
    ])
    func invalidValuesNameTheirKey(variable: String, value: String, key: String) {
        #expect(throws: ConfigurationError.self) { try BerthConfiguration.load(file: nil, environment: [variable: value]) }
        do {
            _ = try BerthConfiguration.load(file: nil, environment: [variable: value])
        } catch let error as ConfigurationError {
            #expect(error.key == key)
            #expect(error.description.contains(key) && error.description.contains(variable))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func unknownKeysAndBadFilesAreRefused() throws {
        #expect(throws: ConfigurationError(key: "listn", message: "is not a configuration key (known keys: \(BerthConfiguration.keys.joined(separator: ", ")))")) {
            try BerthConfiguration.load(file: try file("listn: 1"), environment: [:])
        }
        #expect(throws: ConfigurationError.self) { try BerthConfiguration.load(file: try file("listen: [1, 2]"), environment: [:]) }
        #expect(throws: ConfigurationError.self) { try BerthConfiguration.load(file: try file("- a\n- b"), environment: [:]) }
        #expect(throws: ConfigurationError.self) { try BerthConfiguration.load(file: "/nonexistent/berth.yml", environment: [:]) }
    }

    @Test func generatedPasswordsMeetThePolicy() {
        for _ in 0..<50 {
            let password = Bootstrap.randomPassword()
            #expect(password.count == 20)
            #expect(password.contains(where: \.isUppercase) && password.contains(where: \.isLowercase) && password.contains(where: \.isNumber))
        }
    }
}
