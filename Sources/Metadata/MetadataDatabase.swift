import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PostgresKit
import PostgresNIO
import SQLKit
import SQLiteKit

/// The metadata database: SQLite (embedded default) or PostgreSQL (several nodes). Stores run the same
/// SQL on both through SQLKit; the few differences are in `SQLDialectKind`.
///
/// `read` may run concurrently; `write` runs its body in one transaction. SQLite gets one writer
/// connection (SQLite allows one writer at a time anyway) and a few readers in WAL mode.
public final class MetadataDatabase: Sendable {
    public let kind: SQLDialectKind
    private let backend: Backend
    /// Operations in flight, and whether `close` began: a task that outlives its server (a
    /// pull's webhook event, a late flush) gets an error instead of a request that a closing
    /// PostgreSQL pool would never serve, and closing waits for the operations already running.
    private let operations = NIOLockedValueBox<(closed: Bool, active: Int)>((false, 0))
    let logger: Logger

    enum Backend: Sendable {
        case sqlite(SQLiteConnections)
        case postgres(PostgresClient, Task<Void, Never>)
    }

    public enum Location: Sendable, Equatable {
        case sqlite(path: String)
        case postgres(url: String)

        /// Parses `sqlite:///abs/path`, `sqlite://relative/path` or `postgres://user:pw@host:port/db`.
        public init(url: String) throws(MetadataError) {
            if url.hasPrefix("sqlite://") {
                let path = String(url.dropFirst("sqlite://".count))
                guard !path.isEmpty else { throw .invalidConfiguration("database URL '\(url)' names no file") }
                self = .sqlite(path: path)
            } else if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
                self = .postgres(url: url)
            } else {
                throw .invalidConfiguration("database URL must start with sqlite:// or postgres://")
            }
        }
    }

    static let sqliteReaders = 4
    /// Connections each node may hold on PostgreSQL (its default `max_connections` of 100 leaves
    /// room for several nodes).
    static let postgresConnections = 16

    public static func open(_ location: Location, logger: Logger) async throws -> MetadataDatabase {
        let database: MetadataDatabase
        switch location {
        case .sqlite(let path):
            let connections = try await SQLiteConnections.open(path: path, readers: sqliteReaders, logger: logger)
            database = MetadataDatabase(kind: .sqlite, backend: .sqlite(connections), logger: logger)
        case .postgres(let url):
            let configuration = try Self.postgresConfiguration(url)
            let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
            let runner = Task { await client.run() }
            database = MetadataDatabase(kind: .postgres, backend: .postgres(client, runner), logger: logger)
        }
        try await Migrations.apply(to: database)
        return database
    }

    private init(kind: SQLDialectKind, backend: Backend, logger: Logger) {
        self.kind = kind
        self.backend = backend
        self.logger = logger
    }

    private func enter() throws {
        try operations.withLockedValue { state in
            guard !state.closed else { throw MetadataError.invalidConfiguration("the metadata database is closed") }
            state.active += 1
        }
    }

    private func leave() { operations.withLockedValue { $0.active -= 1 } }

    /// Reads and transactions running now, waiting for a connection or holding one (`/metrics`).
    public var activeOperations: Int { operations.withLockedValue { $0.active } }

    /// How many connections this process may hold: SQLite's writer and readers, or the
    /// PostgreSQL pool's limit. More `activeOperations` than this means requests queue.
    public var connectionLimit: Int {
        switch backend {
        case .sqlite: 1 + Self.sqliteReaders
        case .postgres: Self.postgresConnections
        }
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try enter()
        defer { leave() }
        switch backend {
        case .sqlite(let connections):
            return try await body(connections.reader())
        case .postgres(let client, _):
            return try await client.withConnection { connection in
                try await body(connection.sql(queryLogLevel: nil))
            }
        }
    }

    /// Runs `body` in a transaction: all of its writes land, or none.
    public func write<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try enter()
        defer { leave() }
        switch backend {
        case .sqlite(let connections):
            // IMMEDIATE takes the write lock up front instead of failing on upgrade later.
            return try await connections.withWriter { db in
                do {
                    try await db.raw("BEGIN IMMEDIATE").run()
                } catch {
                    // The writer is only used under its lock, so a transaction still open here was
                    // left behind by a failed one: end it rather than fail every later write.
                    guard String(describing: error).contains("within a transaction") else { throw error }
                    logger.warning("rolled back a transaction left open on the SQLite writer")
                    try await db.raw("ROLLBACK").run()
                    try await db.raw("BEGIN IMMEDIATE").run()
                }
                return try await Self.transaction(db, body)
            }
        case .postgres(let client, _):
            return try await client.withConnection { connection in
                let db = connection.sql(queryLogLevel: nil)
                try await db.raw("BEGIN").run()
                return try await Self.transaction(db, body)
            }
        }
    }

    /// Runs `body` in the transaction just begun on `db`, then commits, or rolls back and rethrows.
    private static func transaction<T: Sendable>(_ db: any SQLDatabase,
                                                 _ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        do {
            let result = try await body(db)
            try await db.raw("COMMIT").run()
            return result
        } catch {
            // The rollback must run even when the caller's task was cancelled (a stopped job, a
            // shutdown): skipped, it would leave the connection inside the transaction, and every
            // later write on it would fail. A task of its own is not cancelled.
            _ = await Task { try? await db.raw("ROLLBACK").run() }.value
            throw error
        }
    }

    /// Refuses new operations, waits (at most 10 s) for those running, then closes the pool.
    public func close() async {
        operations.withLockedValue { $0.closed = true }
        let deadline = ContinuousClock.now + .seconds(10)
        while operations.withLockedValue({ $0.active }) > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        switch backend {
        case .sqlite(let connections):
            await connections.close()
        case .postgres(_, let runner):
            runner.cancel()
            _ = await runner.value
        }
    }

    static func postgresConfiguration(_ url: String) throws -> PostgresClient.Configuration {
        guard let sql = try? SQLPostgresConfiguration(url: url) else {
            throw MetadataError.invalidConfiguration("database URL is not a valid postgres:// URL")
        }
        let core = sql.coreConfiguration
        guard let host = core.host, let port = core.port else {
            throw MetadataError.invalidConfiguration("postgres URL must name a host")
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: core.username, password: core.password,
            database: core.database, tls: .disable)
        configuration.options.maximumConnections = postgresConnections
        return configuration
    }
}

public enum SQLDialectKind: Sendable {
    case sqlite
    case postgres
}
