import Foundation
import Jobs
import Metadata
import NIOConcurrencyHelpers

/// Turns events into deliveries: for every enabled policy of the event's project that lists its
/// type, one job execution per target (vendor `WEBHOOK` or `SLACK`, vendor id the policy, trigger
/// `EVENT`, Harbor's `extra_attrs` of event type and payload) with one delivery task. Nothing is
/// sent here: the request that caused the event only writes the queue, so a slow or dead receiver
/// never slows a push or a pull.
///
/// Each process keeps the policies it read for a few seconds, so a pull in a project without
/// webhooks costs no query; a change made through this process's API is seen at once, one made on
/// another node within `cacheMillis`.
public final class WebhookNotifier: Sendable {
    public static let cacheMillis: Int64 = 5_000

    let policies: WebhookPolicyStore
    let jobs: JobStore
    let wake: @Sendable () -> Void
    /// Harbor's `notification_enable`: when it answers false, no event queues a delivery.
    let enabled: @Sendable () async -> Bool
    private let cache = NIOLockedValueBox<[Int64: (readAt: Int64, policies: [WebhookPolicyRecord])]>([:])
    private let batch = NIOLockedValueBox<(waiting: [(deliveries: [JobStore.NewExecution], done: CheckedContinuation<Void, any Error>)],
                                           writing: Bool)>(([], false))

    public init(policies: WebhookPolicyStore, jobs: JobStore, enabled: @escaping @Sendable () async -> Bool = { true },
                wake: @escaping @Sendable () -> Void) {
        self.policies = policies
        self.jobs = jobs
        self.enabled = enabled
        self.wake = wake
    }

    /// The enabled policies of the project listening for `type`; empty on a database error, and
    /// while notifications are off system-wide.
    public func listeners(_ type: WebhookEventType, projectID: Int64) async -> [WebhookPolicyRecord] {
        guard await enabled() else { return [] }
        let now = WallClock.nowMillis()
        if let cached = cache.withLockedValue({ $0[projectID] }), now - cached.readAt < Self.cacheMillis {
            return cached.policies.filter { $0.eventTypes.contains(type.rawValue) }
        }
        guard let read = try? await policies.enabled(projectID: projectID) else { return [] }
        cache.withLockedValue { $0[projectID] = (now, read) }
        return read.filter { $0.eventTypes.contains(type.rawValue) }
    }

    /// What this process's cache already says, without a query: false when the project's cached
    /// policies (still fresh) have no listener for `type`, true otherwise (listening, or unknown).
    public func mayListen(_ type: WebhookEventType, projectID: Int64) -> Bool {
        guard let cached = cache.withLockedValue({ $0[projectID] }), WallClock.nowMillis() - cached.readAt < Self.cacheMillis else {
            return true
        }
        return cached.policies.contains { $0.eventTypes.contains(type.rawValue) }
    }

    /// Drops what this process knows of a project's policies (after they change).
    public func forget(projectID: Int64) {
        _ = cache.withLockedValue { $0.removeValue(forKey: projectID) }
    }

    /// Queues the event's deliveries; returns how many were queued.
    @discardableResult
    public func notify(_ event: WebhookEvent) async throws -> Int {
        var deliveries: [JobStore.NewExecution] = []
        for policy in await listeners(event.type, projectID: event.projectID) {
            for target in policy.targets {
                guard let notifyType = WebhookNotifyType(rawValue: target.type) else { continue }
                let format = WebhookPayloadFormat(rawValue: target.payload_format ?? "") ?? .harborDefault
                let payload = WebhookPayload.make(event, notifyType: notifyType, format: format, policyID: policy.id)
                let delivery = WebhookDeliveryParameters(policy_id: policy.id, project_id: policy.projectID, target_type: target.type,
                                                         address: target.address, event_type: event.type.rawValue,
                                                         content_type: payload.contentType, payload: payload.body)
                deliveries.append(JobStore.NewExecution(
                    vendorType: notifyType.jobType, vendorID: policy.id, trigger: .event,
                    parameters: CanonicalJSON.string(["event_type": event.type.rawValue, "payload": payload.body]),
                    tasks: [TaskSpec(jobType: notifyType.jobType, parameters: CanonicalJSON.string(delivery),
                                     maxAttempts: WebhookDeliveryJob.attempts)]))
            }
        }
        guard !deliveries.isEmpty else { return 0 }
        try await queue(deliveries)
        wake()
        return deliveries.count
    }

    /// Group commit: the deliveries of events that arrive while a write is in progress go in the
    /// next write together, and each caller returns once its own are stored. Concurrent pushes
    /// then share a transaction instead of queueing one each behind SQLite's single writer.
    private func queue(_ deliveries: [JobStore.NewExecution]) async throws {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
            let startsWriter = batch.withLockedValue { state in
                state.waiting.append((deliveries, done))
                defer { state.writing = true }
                return !state.writing
            }
            if startsWriter { Task { await self.write() } }
        }
    }

    private func write() async {
        while true {
            let taken = batch.withLockedValue { state in
                defer { state.waiting = [] }
                if state.waiting.isEmpty { state.writing = false }
                return state.waiting
            }
            guard !taken.isEmpty else { return }
            do {
                try await jobs.enqueue(taken.flatMap(\.deliveries))
                for waiter in taken { waiter.done.resume() }
            } catch {
                for waiter in taken { waiter.done.resume(throwing: error) }
            }
        }
    }
}

/// What a delivery task carries: which target of which policy, and the exact body to send. The
/// target's auth header is read from the policy when sending, so no secret sits in the job tables
/// (the address is kept to recognise the target; the API never shows task parameters).
public struct WebhookDeliveryParameters: Codable, Sendable, Equatable {
    public let policy_id: Int64
    public let project_id: Int64
    public let target_type: String
    public let address: String
    public let event_type: String
    public let content_type: String
    public let payload: String
}
