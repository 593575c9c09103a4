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
    /// Moves after every change that `PullCache` answers depend on.
    public let changes: ChangeClock

    enum Backend: Sendable {
        case sqlite(SQLiteConnections)
        /// The pool, the task running it, and the watch over its operations with the task running that.
        case postgres(PostgresClient, Task<Void, Never>, PostgresOperationWatch, Task<Void, Never>)
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
            let watch = PostgresOperationWatch()
            let watcher = Task { await watch.run() }
            database = MetadataDatabase(kind: .postgres, backend: .postgres(client, runner, watch, watcher), logger: logger)
        }
        try await Migrations.apply(to: database)
        return database
    }

    private init(kind: SQLDialectKind, backend: Backend, logger: Logger) {
        self.kind = kind
        self.backend = backend
        self.logger = logger
        self.changes = ChangeClock(logger: logger)
        changes.database = self
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

    /// PostgreSQL operations the watch is looking after (0 on SQLite): for diagnosing a stall.
    public var watchedOperations: Int {
        if case .postgres(_, _, let watch, _) = backend { return watch.count }
        return 0
    }

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
        case .postgres(let client, _, let watch, _):
            return try await Self.withPostgresConnection(client, watch: watch) { connection in
                try await body(connection.sql(queryLogLevel: nil))
            }
        }
    }

    /// `write`, for a change to what pulls are answered from (tags, manifests, repositories,
    /// projects and their settings): the change clock moves with the commit (SQLite) or once the
    /// transaction has ended (PostgreSQL), so that no cached answer read before it is used again.
    /// It moves on failure too, since a failed commit may still have landed.
    public func writeChangingPulls<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let kind = kind
        do {
            let result = try await write { db in
                let result = try await body(db)
                if kind == .sqlite { try await ChangeClock.advanceInTransaction(db) }
                return result
            }
            await changes.advance()
            return result
        } catch {
            await changes.advance()
            throw error
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
        case .postgres(let client, _, let watch, _):
            return try await Self.withPostgresConnection(client, watch: watch) { connection in
                let db = connection.sql(queryLogLevel: nil)
                try await db.raw("BEGIN").run()
                return try await Self.transaction(db, body)
            }
        }
    }

    /// How long an operation waits for a PostgreSQL connection before it fails as unavailable: a
    /// backstop, long enough for a saturated pool on a loaded machine (the test suite's
    /// concurrent writers waited over 10 s), short enough that no request waits for ever.
    static let leaseTimeout: Duration = .seconds(60)

    /// `body` on a pooled connection, with guards measured against a PostgreSQL restart under load
    /// (tests/e2e/test_operations.py), where some requests otherwise waited for ever:
    /// - the wait for a connection ends after `leaseTimeout` (60 s);
    /// - an operation whose connection closed under it without an answer is given up a second
    ///   later (the query was lost with the connection; cancelling did not end it, so this task
    ///   stops waiting for it rather than waiting on it). An operation on a live connection runs
    ///   as long as it needs;
    /// - a connection cut, refused or closed by a server shutting down or starting up becomes
    ///   `MetadataError.unavailable`, which the handlers answer with 503, not 500.
    /// The first two are checked by `watch` (see `LeaseDeadline`).
    private static func withPostgresConnection<T: Sendable>(
        _ client: PostgresClient, watch: PostgresOperationWatch, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let lease = LeaseDeadline<T>(timeout: leaseTimeout)
        do {
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    lease.start(continuation, watch: watch) {
                        try await client.withConnection { connection in
                            guard lease.markLeased(connection) else { throw CancellationError() }
                            return try await body(connection)
                        }
                    }
                }
            } onCancel: {
                lease.cancel()
            }
        } catch let error as PSQLError where isUnavailable(error) {
            throw MetadataError.unavailable("the database connection failed; try again")
        }
    }

    /// Errors of a server that is away, shutting down or starting up rather than of the query.
    static func isUnavailable(_ error: PSQLError) -> Bool {
        switch error.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed:
            return true
        case .server:
            // 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now, 08xxx connection exceptions.
            let state = error.serverInfo?[.sqlState] ?? ""
            return state.hasPrefix("57P") || state.hasPrefix("08")
        default:
            return false
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
        case .postgres(_, let runner, _, let watcher):
            watcher.cancel()
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
