import Foundation
import Jobs
import Metadata
import NIOCore
import RemoteRegistry

/// Sends one payload to one target (`WEBHOOK` for http targets, `SLACK` for Slack). Every attempt
/// is logged with the receiver's answer; an answer outside 2xx, a refused connection or a timeout
/// fails the attempt and the job system retries it, with a growing delay, up to `attempts` runs:
/// about four minutes of a receiver being down with the default retry delay. Deliveries run on
/// workers of their own, so a slow receiver never holds up scans, replication or GC.
public struct WebhookDeliveryJob: JobKind {
    /// More than Harbor's 3: a receiver restarted for a minute still gets what it missed.
    public static let attempts = 10
    /// A receiver gets this long to answer (Harbor gives 3 s; receivers that do their work before
    /// answering are common).
    public static let timeout = TimeAmount.seconds(10)

    public let jobType: String
    let policies: WebhookPolicyStore

    public init(notifyType: WebhookNotifyType, policies: WebhookPolicyStore) {
        self.jobType = notifyType.jobType
        self.policies = policies
    }

    public var maxAttempts: Int { Self.attempts }

    public func run(_ context: JobContext) async throws {
        let delivery = try JSONDecoder().decode(WebhookDeliveryParameters.self, from: Data(context.parameters.utf8))
        // The target is the one the event was queued for: a policy since disabled, or whose targets
        // changed, is not sent someone else's payload.
        guard let policy = try await policies.find(id: delivery.policy_id, projectID: delivery.project_id),
              let target = policy.targets.first(where: { $0.type == delivery.target_type && $0.address == delivery.address }) else {
            context.log("the webhook policy or this target of it was deleted or changed: nothing sent")
            return
        }
        guard policy.enabled else {
            context.log("the webhook policy was disabled: nothing sent")
            return
        }
        let shown = WebhookSender.redacted(target.address)
        context.log("attempt \(context.task.attempt) of \(context.task.maxAttempts): POST \(shown) (\(delivery.event_type), \(delivery.payload.utf8.count) bytes)")
        let started = Date()
        let answer: WebhookSender.Answer
        do {
            answer = try await WebhookSender.post(target.address, body: Array(delivery.payload.utf8), contentType: delivery.content_type,
                                                  authorization: target.type == "slack" ? nil : target.auth_header,
                                                  skipCertificateCheck: target.skip_cert_verify ?? false, timeout: Self.timeout)
        } catch {
            throw WebhookDeliveryError(description: "not delivered to \(shown): \(error)")
        }
        let millis = Int(Date().timeIntervalSince(started) * 1000)
        context.log("the receiver answered \(answer.status) in \(millis) ms")
        guard answer.succeeded else {
            throw WebhookDeliveryError(description: "\(shown) answered \(answer.status)")
        }
    }
}

public struct WebhookDeliveryError: Error, CustomStringConvertible {
    public let description: String
}
