import Testing

/// Waits for something another task makes true (a background worker finishing a job), checking
/// every few milliseconds; records an issue after `seconds`.
public func eventually(seconds: Double = 60, _ what: String = "condition", _ condition: @Sendable () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    Issue.record("\(what) not met within \(seconds) s")
}
