import NIOConcurrencyHelpers

/// Set when the process has been asked to stop (SIGTERM): `/api/v2.0/health` then answers 503,
/// so a load balancer or Kubernetes' readiness probe stops sending new requests while the
/// requests in flight finish.
public final class DrainSignal: Sendable {
    private let draining = NIOLockedValueBox(false)

    public init() {}

    public var isDraining: Bool { draining.withLockedValue { $0 } }

    public func begin() { draining.withLockedValue { $0 = true } }
}
