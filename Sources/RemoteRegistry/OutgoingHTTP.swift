import AsyncHTTPClient
import NIOCore

/// The process's one client for outgoing HTTP (advisory downloads now; replication, proxy cache,
/// webhooks and external scanners later), so connections are pooled across them.
public enum OutgoingHTTP {
    /// Fails fast when nothing answers: a refused or unreachable host is an error after one
    /// attempt and at most 10 s, rather than a retry loop until the request's deadline. A server
    /// that stops sending for 60 s is given up on.
    public static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration(timeout: .init(connect: .seconds(10), read: .seconds(60)))
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// The same, for answers whose 3xx is the answer itself (a scanner's report not yet ready).
    public static let clientWithoutRedirects: HTTPClient = {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow,
                                                     timeout: .init(connect: .seconds(10), read: .seconds(60)))
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()
}
