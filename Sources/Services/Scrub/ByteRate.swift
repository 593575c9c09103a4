/// A shared limit on bytes per second: each reader asks before a chunk and is made to wait until
/// the chunk's turn. Turns are handed out back to back from now, so time spent doing something
/// else (listing, queries) is not saved up as a burst.
actor ByteRate {
    private let bytesPerSecond: Double
    private var nextTurn = ContinuousClock.now

    /// `bytesPerSecond` of 0 or less means no limit.
    init(bytesPerSecond: Int64) {
        self.bytesPerSecond = Double(bytesPerSecond)
    }

    func take(_ bytes: Int) async throws {
        guard bytesPerSecond > 0 else { return }
        let now = ContinuousClock.now
        let turn = max(nextTurn, now)
        nextTurn = turn + .seconds(Double(bytes) / bytesPerSecond)
        if turn > now { try await Task.sleep(until: turn, clock: .continuous) }
    }
}
