import NIOConcurrencyHelpers
import PostgresNIO

/// The PostgreSQL operations in flight, looked at once a second by one task (`run`) for the whole
/// database: an operation waiting too long for a connection, or whose connection closed under it,
/// is answered from here (see `LeaseDeadline`).
///
/// Why one task and not a timer per operation: a timer task per operation (this type's first
/// form) put a sleeping task and a dispatch timer beside every query, thousands at once in the
/// test suite, and the PostgreSQL suite stalled now and then with every task suspended and no
/// thread busy (issue 14). One ticking task costs nothing per query.
final class PostgresOperationWatch: Sendable {
    private let operations = NIOLockedValueBox<[ObjectIdentifier: any WatchedOperation]>([:])

    func add(_ operation: some WatchedOperation) {
        operations.withLockedValue { $0[ObjectIdentifier(operation)] = operation }
    }

    func remove(_ operation: some WatchedOperation) {
        operations.withLockedValue { _ = $0.removeValue(forKey: ObjectIdentifier(operation)) }
    }

    /// Ticks once a second until cancelled (when the database closes); then answers whatever is
    /// still waiting, so no caller waits on an operation nothing watches any more.
    func run() async {
        while (try? await Task.sleep(for: .seconds(1))) != nil {
            let now = ContinuousClock.now
            for operation in operations.withLockedValue({ Array($0.values) }) where operation.tick(now: now) {
                remove(operation)
            }
        }
        for operation in operations.withLockedValue({ table in defer { table = [:] }; return Array(table.values) }) {
            operation.giveUp("the metadata database closed; try again")
        }
    }
}

extension PostgresOperationWatch {
    var count: Int { operations.withLockedValue { $0.count } }
}

protocol WatchedOperation: AnyObject, Sendable {
    /// Looks at the operation once; true when it has been answered (and need not be watched).
    func tick(now: ContinuousClock.Instant) -> Bool
    /// Answers the caller with `reason` if it is still waiting, and stops the work.
    func giveUp(_ reason: String)
}

/// One database operation: its work runs in a task of its own, so that the caller can be
/// answered while the work is still stuck. Before the work has a connection, the wait ends after
/// the lease timeout; with one, the operation is given up when its connection has closed under it
/// and still has not answered a tick later (a query lost with its connection). Whichever ends
/// first answers the caller, once.
final class LeaseDeadline<T: Sendable>: WatchedOperation {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        /// Set once the operation holds a connection: whether that connection has closed.
        var connectionClosed: (@Sendable () -> Bool)?
        /// The connection was seen closed at the last tick.
        var closedSeen = false
        var work: Task<Void, Never>?
        var watch: PostgresOperationWatch?
        /// The caller was cancelled, perhaps before `work` existed to be told.
        var cancelled = false
    }

    private let state = NIOLockedValueBox(State())
    private let started = ContinuousClock.now
    private let timeout: Duration

    init(timeout: Duration) {
        self.timeout = timeout
    }

    func start(_ continuation: CheckedContinuation<T, any Error>, watch: PostgresOperationWatch,
               _ operation: @escaping @Sendable () async throws -> T) {
        state.withLockedValue {
            $0.continuation = continuation
            $0.watch = watch
        }
        watch.add(self)
        let work = Task {
            do { self.finish(.success(try await operation())) } catch { self.finish(.failure(error)) }
        }
        // The caller may have been cancelled before the task was stored.
        let cancelled = state.withLockedValue { state in
            state.work = work
            return state.cancelled
        }
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

    private enum Verdict { case answered, waiting, lost, timedOut }

    func tick(now: ContinuousClock.Instant) -> Bool {
        let verdict = state.withLockedValue { state -> Verdict in
            guard state.continuation != nil else { return .answered }
            if let closed = state.connectionClosed {
                if state.closedSeen { return .lost }
                state.closedSeen = closed()
                return .waiting
            }
            return now - started >= timeout ? .timedOut : .waiting
        }
        switch verdict {
        case .answered: return true
        case .waiting: return false
        case .lost: return abandon("the database connection was lost; try again", onlyIfUnleased: false)
        case .timedOut: return abandon("no database connection within \(timeout); try again", onlyIfUnleased: true)
        }
    }

    func giveUp(_ reason: String) {
        _ = abandon(reason, onlyIfUnleased: false)
    }

    /// Answers the caller with `reason` and stops the work; false when the operation must go on
    /// being watched. `onlyIfUnleased`: the deadline for a connection must not fire once the
    /// operation has one (it may be committing), so that is checked under the same lock that
    /// takes the continuation.
    private func abandon(_ reason: String, onlyIfUnleased: Bool) -> Bool {
        let outcome = state.withLockedValue { state -> (answer: CheckedContinuation<T, any Error>, work: Task<Void, Never>?)?? in
            guard let continuation = state.continuation else { return .some(nil) }
            if onlyIfUnleased && state.connectionClosed != nil { return nil }
            state.continuation = nil
            return (continuation, state.work)
        }
        guard let outcome else { return false }   // leased meanwhile: watched for a lost connection now
        guard let (continuation, work) = outcome else { return true }
        work?.cancel()
        continuation.resume(throwing: MetadataError.unavailable(reason))
        return true
    }

    private func finish(_ result: Result<T, any Error>) {
        let (waiting, watch) = state.withLockedValue { state -> (CheckedContinuation<T, any Error>?, PostgresOperationWatch?) in
            defer { state.continuation = nil }
            return (state.continuation, state.watch)
        }
        watch?.remove(self)
        waiting?.resume(with: result)
    }
}
