import Foundation
import Metadata
import OCI
import NIOConcurrencyHelpers

/// Turns the outbox's pushes and deletions (written in the transaction of the change) into
/// webhook deliveries: claims a batch for `leaseMillis`, queues each event's deliveries, then
/// deletes the rows. A dispatcher that dies mid-batch leaves its rows to be claimed again once
/// the lease runs out (an event may then be announced twice; never lost). Every node runs one;
/// claims skip each other's rows. A push on this node wakes it; others are seen within a second.
public final class WebhookOutbox: ArtifactEventObserver {
    public static let leaseMillis: Int64 = 60_000
    static let batch = 200
    static let pollMillis: Int64 = 1_000

    let store: ArtifactEventStore
    public let events: WebhookEvents
    let warn: @Sendable (String) -> Void
    private let dirty = NIOLockedValueBox(true)

    public init(database: MetadataDatabase, events: WebhookEvents, warn: @escaping @Sendable (String) -> Void) {
        store = ArtifactEventStore(database: database)
        self.events = events
        self.warn = warn
    }

    static let types = [OutboxEvent.pushed, OutboxEvent.deleted]

    public func manifestPushed(_ pushed: PushedManifest) async { wake() }
    public func artifactDeleted(repository: RepositoryName, reference: String, operatorName: String?) async { wake() }

    public func wake() { dirty.withLockedValue { $0 = true } }

    /// Runs until cancelled.
    public func run() async {
        var lastLook: Int64 = 0
        while !Task.isCancelled {
            let now = WallClock.nowMillis()
            let woken = dirty.withLockedValue { value in defer { value = false }; return value }
            if woken || now - lastLook >= Self.pollMillis {
                lastLook = now
                do { try await drain() } catch { warn("webhook outbox: \(error)") }
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Announces every waiting event; returns how many.
    @discardableResult
    public func drain() async throws -> Int {
        var announced = 0
        while try await store.hasPending(types: Self.types) {
            let claimed = try await store.claim(types: Self.types, limit: Self.batch, leaseMillis: Self.leaseMillis)
            guard !claimed.isEmpty else { break }
            var done: [Int64] = []
            for stored in claimed {
                do {
                    try await events.announce(stored.event)
                    done.append(stored.id)
                } catch {
                    warn("the \(stored.event.type) webhook of \(stored.event.repository)@\(stored.event.digest) waits for another try: \(error)")
                }
            }
            try await store.delete(ids: done)
            announced += done.count
            if done.count < claimed.count { break }
        }
        return announced
    }
}
