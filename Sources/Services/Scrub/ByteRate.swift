/// A shared limit on bytes per second: each reader asks before a chunk and is made to wait until
/// the chunk fits the rate since the limiter began (no burst beyond one chunk).
actor ByteRate {
    private let bytesPerSecond: Double
    private let started = ContinuousClock.now
    private var granted: Double = 0

    /// `bytesPerSecond` of 0 or less means no limit.
    init(bytesPerSecond: Int64) {
        self.bytesPerSecond = Double(bytesPerSecond)
    }

    func take(_ bytes: Int) async throws {
        guard bytesPerSecond > 0 else { return }
        granted += Double(bytes)
        let due = Duration.seconds(granted / bytesPerSecond)
        let elapsed = ContinuousClock.now - started
        if due > elapsed { try await Task.sleep(for: due - elapsed) }
    }
}
