import NIOConcurrencyHelpers
import NIOCore

/// Berth's own address as other programs on the network reach it: `external_url` when configured,
/// else the address the server is bound to (learnt once it listens, so port 0 works), with a
/// wildcard host read as loopback. External scanners are told to pull from here.
final class ServedAddress: Sendable {
    private let value: NIOLockedValueBox<String?>
    let configuredHost: String
    let scheme: String

    init(externalURL: String?, host: String, secure: Bool = false) {
        value = NIOLockedValueBox(externalURL)
        configuredHost = host
        scheme = secure ? "https" : "http"
    }

    var url: String? { value.withLockedValue { $0 } }

    /// Records the bound port unless an external URL was configured.
    func serverRunning(on channel: any Channel) {
        guard let port = channel.localAddress?.port else { return }
        let host = ["0.0.0.0", "::", ""].contains(configuredHost) ? "127.0.0.1" : configuredHost
        let shown = host.contains(":") ? "[\(host)]" : host
        value.withLockedValue { current in
            if current == nil { current = "\(scheme)://\(shown):\(port)" }
        }
    }
}
