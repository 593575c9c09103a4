import Foundation
import Logging
import Metadata
import NIOPosix
import PostgresNIO

/// A fresh, empty metadata database for one test: a SQLite file in a temporary directory, or, when
/// `BERTH_TEST_DATABASE_URL` names a PostgreSQL server, a new database on it that is dropped after.
public enum TestDatabase {
    public static var postgresServerURL: String? {
        ProcessInfo.processInfo.environment["BERTH_TEST_DATABASE_URL"].flatMap { $0.hasPrefix("postgres") ? $0 : nil }
    }

    /// Calls `body` with the URL of a fresh database and a fresh scratch directory.
    public static func withFreshURL<T>(_ body: (_ url: String, _ directory: String) async throws -> T) async throws -> T {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        guard let server = postgresServerURL else {
            return try await body("sqlite://\(directory)/berth.db", directory)
        }
        let name = "berth_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let phase = TestPhases.begin("creating database \(name)")
        defer { TestPhases.end(phase) }
        try await administer(server, "CREATE DATABASE \(name)")
        do {
            TestPhases.move(phase, to: "using database \(name)")
            let result = try await body(Self.url(server, database: name), directory)
            TestPhases.move(phase, to: "dropping database \(name)")
            try await administer(server, "DROP DATABASE \(name) WITH (FORCE)")
            return result
        } catch {
            TestPhases.move(phase, to: "dropping database \(name) after \(error)")
            try? await administer(server, "DROP DATABASE \(name) WITH (FORCE)")
            throw error
        }
    }

    /// Opens a fresh database, calls `body`, and closes it.
    public static func with<T>(_ body: (MetadataDatabase) async throws -> T) async throws -> T {
        try await withFreshURL { url, _ in
            let database = try await MetadataDatabase.open(.init(url: url), logger: Logger(label: "test"))
            let phase = TestPhases.begin("test body (TestDatabase.with)")
            TestPhases.move(phase, to: "test body (TestDatabase.with)", database: database)
            defer { TestPhases.end(phase) }
            do {
                let result = try await body(database)
                TestPhases.move(phase, to: "closing the database")
                await database.close()
                return result
            } catch {
                TestPhases.move(phase, to: "closing the database after \(error)")
                await database.close()
                throw error
            }
        }
    }

    static func url(_ server: String, database: String) -> String {
        guard let slash = server.range(of: "/", options: .backwards), slash.lowerBound > server.index(server.startIndex, offsetBy: 12) else {
            return server + "/" + database
        }
        return String(server[..<slash.lowerBound]) + "/" + database
    }

    static func administer(_ server: String, _ statement: String) async throws {
        guard let url = URL(string: server), let host = url.host else { throw TestSupportError("bad postgres URL \(server)") }
        let configuration = PostgresConnection.Configuration(
            host: host, port: url.port ?? 5432, username: url.user ?? "postgres", password: url.password,
            database: url.path.isEmpty ? "postgres" : String(url.path.dropFirst()), tls: .disable)
        let connection = try await PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration, id: 1, logger: Logger(label: "test-admin"))
        do {
            _ = try await connection.query(PostgresQuery(unsafeSQL: statement), logger: Logger(label: "test-admin"))
            try await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }
}

public enum TemporaryDirectory {
    public static func make() throws -> String {
        let path = NSTemporaryDirectory() + "berth-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

public struct TestSupportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
