import Foundation
import Logging
import Metadata
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Sends audit lines to a syslog receiver over TCP in the format Go's `log/syslog` writes, which
/// is what Harbor forwards: `<6>TIME HOST audit[PID]: MESSAGE` and a newline per line. Lines go
/// through a bounded in-memory queue to one writer task, in order; recording never waits on the
/// receiver. A receiver that is down loses the lines sent meanwhile (logged), as with Harbor.
final class SyslogForwarder: Sendable {
    private let continuation: AsyncStream<(endpoint: String, text: String)>.Continuation

    init(logger: Logger) {
        let (stream, continuation) = AsyncStream.makeStream(of: (endpoint: String, text: String).self,
                                                             bufferingPolicy: .bufferingNewest(10_000))
        self.continuation = continuation
        Task.detached { await Self.write(stream, logger: logger) }
    }

    deinit { continuation.finish() }

    func send(_ events: [AuditEvent], to endpoint: String) {
        guard !events.isEmpty else { return }
        continuation.yield((endpoint, events.map(Self.line).joined()))
    }

    static let writeTimeout = TimeAmount.seconds(5)
    static let host = ProcessInfo.processInfo.hostName
    static let pid = ProcessInfo.processInfo.processIdentifier

    /// One syslog line for an audit event.
    static func line(_ event: AuditEvent) -> String {
        let time = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(event.time) / 1000))
        let operation = event.operation == "push" ? "create" : event.operation
        return "<6>\(time) \(host) audit[\(pid)]: \(time) [INFO] [operator=\"\(event.username)\" resourceType=\"\(event.resourceType)\" "
            + "time=\"\(time)\" result=\"\(event.succeeded)\"]: action:\(operation), resource:\(event.resource), "
            + "operation_description:\(event.describedOperation)\n"
    }

    static func connect(_ endpoint: String) async throws -> any Channel {
        guard let (host, port) = AuditSettingKey.endpoint(endpoint) else { throw ForwardError(description: "not host:port") }
        return try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(3))
            .connect(host: host, port: port).get()
    }

    private static func write(_ stream: AsyncStream<(endpoint: String, text: String)>, logger: Logger) async {
        var channel: (any Channel)?
        var connectedTo = ""
        for await (endpoint, text) in stream {
            // A connection the receiver closed is found out on the write; one reconnect then.
            for attempt in 0..<2 {
                do {
                    if channel == nil || connectedTo != endpoint || channel?.isActive == false {
                        try? await channel?.close()
                        channel = try await connect(endpoint)
                        connectedTo = endpoint
                    }
                    // A receiver that stops reading must not stall every later line: the write
                    // gets `writeTimeout`, then the connection is dropped.
                    let open = channel!
                    let timeout = open.eventLoop.scheduleTask(in: Self.writeTimeout) { open.close(promise: nil) }
                    defer { timeout.cancel() }
                    try await open.writeAndFlush(ByteBuffer(string: text)).get()
                    break
                } catch {
                    channel = nil
                    if attempt == 1 { logger.warning("audit log lines not forwarded to \(endpoint): \(error)") }
                }
            }
        }
        try? await channel?.close()
    }

    struct ForwardError: Error, CustomStringConvertible { let description: String }
}

/// The audit settings of `/configurations`, read from the database and kept for a few seconds (a
/// change through this node's API is seen at once, one through another node within
/// `cacheMillis`).
final class AuditSettings: AuditSettingsControl {
    static let cacheMillis: Int64 = 5_000

    struct Values: Sendable {
        var endpoint = ""
        var skipDatabase = false
        var disabled: Set<String> = []
    }

    private let store: SystemSettingsStore
    private let forwarder: SyslogForwarder
    private let cache = NIOLockedValueBox<(readAt: Int64, values: Values)?>(nil)

    init(store: SystemSettingsStore, logger: Logger) {
        self.store = store
        self.forwarder = SyslogForwarder(logger: logger)
    }

    func admits(_ event: AuditEvent) async -> Bool {
        guard let type = event.eventType else { return true }
        return !(await current()).disabled.contains(type)
    }

    var keepsInDatabase: Bool {
        get async {
            let values = await current()
            return !(values.skipDatabase && !values.endpoint.isEmpty)
        }
    }

    func forward(_ events: [AuditEvent]) async {
        let endpoint = await current().endpoint
        guard !endpoint.isEmpty else { return }
        // Only Harbor 2.13's event types are forwarded, as Harbor does.
        forwarder.send(events.filter { $0.eventType != nil }, to: endpoint)
    }

    func reload() { cache.withLockedValue { $0 = nil } }

    func reachable(_ endpoint: String) async -> Bool {
        guard let channel = try? await SyslogForwarder.connect(endpoint) else { return false }
        try? await channel.close()
        return true
    }

    private func current() async -> Values {
        let now = WallClock.nowMillis()
        if let cached = cache.withLockedValue({ $0 }), now - cached.readAt < Self.cacheMillis { return cached.values }
        guard let settings = try? await store.all() else { return cache.withLockedValue { $0?.values } ?? Values() }
        var values = Values()
        values.endpoint = settings[AuditSettingKey.forwardEndpoint.rawValue] ?? ""
        values.skipDatabase = settings[AuditSettingKey.skipDatabase.rawValue] == "true"
        values.disabled = Set(AuditSettingKey.eventTypes(settings[AuditSettingKey.disabledEventTypes.rawValue] ?? ""))
        cache.withLockedValue { $0 = (now, values) }
        return values
    }
}
