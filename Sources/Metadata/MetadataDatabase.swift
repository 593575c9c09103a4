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
            return try await Self.withPostgresConnection(client) { connection in
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
            return try await Self.withPostgresConnection(client) { connection in
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
    private static func withPostgresConnection<T: Sendable>(
        _ client: PostgresClient, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let lease = LeaseDeadline<T>()
        do {
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    lease.start(continuation, timeout: leaseTimeout) {
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

/// One database operation watched by a timer that wakes once a second while it runs: before it
/// has a connection, the wait ends after the lease timeout; with one, the operation is given up
/// when its connection has closed under it and still has not answered a second later (a query
/// lost with its connection). Whichever ends first answers the caller, once.
private final class LeaseDeadline<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        /// Set once the operation holds a connection: whether that connection has closed.
        var connectionClosed: (@Sendable () -> Bool)?
        var work: Task<Void, Never>?
        var timer: Task<Void, Never>?
        /// The caller was cancelled, perhaps before `work` existed to be told.
        var cancelled = false
    }

    private let state = NIOLockedValueBox(State())

    func start(_ continuation: CheckedContinuation<T, any Error>, timeout: Duration,
               _ operation: @escaping @Sendable () async throws -> T) {
        state.withLockedValue { $0.continuation = continuation }
        let work = Task {
            do { self.finish(.success(try await operation())) } catch { self.finish(.failure(error)) }
        }
        let timer = Task {
            let started = ContinuousClock.now
            var closedSeen = false
            while (try? await Task.sleep(for: .seconds(1))) != nil {
                let closed = self.state.withLockedValue { $0.connectionClosed }
                if let closed {
                    if closedSeen { return self.abandon("the database connection was lost; try again", onlyIfUnleased: false) }
                    closedSeen = closed()
                } else if ContinuousClock.now - started >= timeout {
                    return self.abandon("no database connection within \(timeout); try again", onlyIfUnleased: true)
                }
            }
        }
        // The work may have ended, or the caller been cancelled, before the tasks were stored.
        let (ended, cancelled) = state.withLockedValue { state in
            state.work = work
            state.timer = timer
            return (state.continuation == nil, state.cancelled)
        }
        if ended { timer.cancel() }
        if cancelled { work.cancel() }
    }

    /// Called with the connection in hand: false when the caller was already answered.
    func markLeased(_ connection: PostgresConnection) -> Bool {
        state.withLockedValue { state in
            guard state.continuation != nil else { return false }
            state.connectionClosed = { connection.isClosed }
            return true
        }
    }

    func cancel() {
        state.withLockedValue { state in
            state.cancelled = true
            return state.work
        }?.cancel()
    }

    /// Answers the caller with `reason` and stops the work. `onlyIfUnleased`: the deadline for
    /// a connection, which must not fire once the operation has one (it may be committing), so
    /// that is checked under the same lock that takes the continuation.
    private func abandon(_ reason: String, onlyIfUnleased: Bool) {
        let waiting = state.withLockedValue { state -> (CheckedContinuation<T, any Error>, Task<Void, Never>?)? in
            guard let continuation = state.continuation, !(onlyIfUnleased && state.connectionClosed != nil) else { return nil }
            state.continuation = nil
            return (continuation, state.work)
        }
        guard let (continuation, work) = waiting else { return }
        work?.cancel()
        continuation.resume(throwing: MetadataError.unavailable(reason))
    }

    private func finish(_ result: Result<T, any Error>) {
        let waiting = state.withLockedValue { state -> CheckedContinuation<T, any Error>? in
            defer { state.continuation = nil }
            state.timer?.cancel()
            return state.continuation
        }
        waiting?.resume(with: result)
    }
}
