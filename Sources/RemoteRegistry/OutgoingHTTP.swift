import AsyncHTTPClient
import NIOCore
import NIOSSL

/// The process's clients for outgoing HTTP (advisory downloads, other registries, scanner
/// adapters; replication, proxy cache and webhooks later), so connections are pooled across them.
/// Each fails fast when nothing answers: a refused or unreachable host is an error after one
/// attempt and at most 10 s, rather than a retry loop until the request's deadline; a server that
/// stops sending for 60 s is given up on.
public enum OutgoingHTTP {
    public static let client = make(redirects: true, verifyCertificates: true)
    /// For answers whose 3xx is the answer itself (a scanner's report not yet ready), and for
    /// requests carrying a credential that must not follow a redirect to another host.
    public static let clientWithoutRedirects = make(redirects: false, verifyCertificates: true)
    /// For a scanner adapter registered with `skip_certVerify` (a self-signed certificate).
    public static let unverifiedClientWithoutRedirects = make(redirects: false, verifyCertificates: false)

    static func make(redirects: Bool, verifyCertificates: Bool) -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        if !verifyCertificates { tls.certificateVerification = .none }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: redirects ? .follow(max: 5, allowCycles: false) : .disallow,
                                                     timeout: .init(connect: .seconds(10), read: .seconds(60)))
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }
}
