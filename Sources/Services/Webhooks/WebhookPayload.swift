import Foundation

/// The bytes a target receives for an event: Harbor's Default JSON, a CloudEvents 1.0 structured
/// event, or a Slack Block Kit message. Made once when the event is queued, so every retry sends
/// the same body.
public struct WebhookPayload: Sendable, Equatable {
    public let contentType: String
    public let body: String

    struct Envelope: Encodable {
        let type: String
        let occur_at: Int64
        let `operator`: String
        let event_data: WebhookEventData
    }

    struct CloudEvent: Encodable {
        let specversion = "1.0"
        let id: String
        let source: String
        let type: String
        let datacontenttype = "application/json"
        let time: String
        let data: WebhookEventData
        let `operator`: String
    }

    public static func make(_ event: WebhookEvent, notifyType: WebhookNotifyType, format: WebhookPayloadFormat,
                            policyID: Int64) -> WebhookPayload {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        switch (notifyType, format) {
        case (.http, .harborDefault):
            let envelope = Envelope(type: event.type.rawValue, occur_at: event.occurAt, operator: event.operatorName, event_data: event.data)
            return WebhookPayload(contentType: "application/json", body: text(try? encoder.encode(envelope)))
        case (.http, .cloudEvents):
            let time = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(event.occurAt)))
            let cloud = CloudEvent(id: UUID().uuidString.lowercased(), source: "/projects/\(event.projectID)/webhook/policies/\(policyID)",
                                   type: event.type.cloudEventType, time: time, data: event.data, operator: event.operatorName)
            return WebhookPayload(contentType: "application/cloudevents+json", body: text(try? encoder.encode(cloud)))
        case (.slack, _):
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            let data = text(try? encoder.encode(event.data))
            let lines = ["*Harbor webhook events*", "*event_type:* \(event.type.rawValue)",
                         "*occur_at:* <!date^\(event.occurAt)^{date} at {time}|\(event.occurAt)>", "*operator:* \(event.operatorName)",
                         "*event_data:*", "```\(data)```"]
            let blocks = ["blocks": lines.map { ["type": "section", "text": ["type": "mrkdwn", "text": $0]] as [String: Any] }]
            let json = (try? JSONSerialization.data(withJSONObject: blocks, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            return WebhookPayload(contentType: "application/json", body: String(decoding: json, as: UTF8.self))
        }
    }

    private static func text(_ data: Data?) -> String { String(decoding: data ?? Data(), as: UTF8.self) }
}
