import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

/// One connection to an LDAP directory, over SwiftNIO rather than libldap: the release
/// binary links the Swift runtime statically and ships in a minimal image, and a NIO client
/// adds no shared library and blocks no thread.
///
/// Operations may run concurrently on one client; each has the client's timeout, after which
/// it fails and the connection is closed. Call `close()` when done.
public final class LDAPClient: Sendable {
    /// `ldap://host:port` or `ldaps://host:port`, for messages.
    public let server: String
    let channel: any Channel
    let timeout: Duration
    /// Why the connection ended, once it has: the handler writes it, failed calls report it.
    let closeReason: NIOLockedValueBox<LDAPError?>

    private init(server: String, channel: any Channel, timeout: Duration, closeReason: NIOLockedValueBox<LDAPError?>) {
        self.server = server
        self.channel = channel
        self.timeout = timeout
        self.closeReason = closeReason
    }

    /// Connects to `url` (`ldap://host[:port]`, `ldaps://host[:port]`, or `host[:port]`).
    /// - Parameters:
    ///   - startTLS: on an ldap:// URL, upgrade to TLS with the StartTLS operation before
    ///     anything else is sent.
    ///   - verifyCertificate: check the server's certificate against the system's trust roots
    ///     and its host name. Turning this off leaves the connection open to interception.
    ///   - timeout: for the connection and for every operation on it.
    public static func connect(
        url: String,
        startTLS: Bool = false,
        verifyCertificate: Bool = true,
        timeout: Duration = .seconds(10),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> LDAPClient {
        let address = try LDAPServerAddress(parsing: url)
        if address.tls, startTLS {
            throw LDAPError.badURL("\(url): StartTLS is for ldap:// connections; an ldaps:// one is encrypted from the start")
        }
        let tlsContext: NIOSSLContext? = try address.tls || startTLS ? makeTLSContext(verifyCertificate: verifyCertificate) : nil
        let serverHostname = address.serverHostname
        let closeReason = NIOLockedValueBox<LDAPError?>(nil)
        let bootstrap = ClientBootstrap(group: eventLoopGroup)
            .connectTimeout(TimeAmount(timeout))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if address.tls, let tlsContext {
                        try pipeline.addHandler(NIOSSLClientHandler(context: tlsContext, serverHostname: serverHostname))
                    }
                    try pipeline.addHandler(ByteToMessageHandler(LDAPFrameDecoder(maxMessageSize: BER.defaultMaxMessageSize)))
                    try pipeline.addHandler(LDAPClientHandler(
                        timeout: timeout, maxMessageSize: BER.defaultMaxMessageSize, closeReason: closeReason))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: address.host, port: address.port).get()
        } catch {
            throw LDAPError.unreachable(server: address.description, reason: "\(error)")
        }
        let client = LDAPClient(server: address.description, channel: channel, timeout: timeout, closeReason: closeReason)
        if startTLS, let tlsContext {
            do {
                try await client.startTLS(context: tlsContext, serverHostname: serverHostname)
            } catch {
                await client.close()
                throw error
            }
        }
        return client
    }

    /// A simple bind: authenticates the connection as `dn`. Throws `LDAPError.failed` with
    /// `invalidCredentials` for a wrong password (or unknown DN), and refuses an empty DN or
    /// password without asking the server, as that would be an anonymous bind that succeeds.
    public func bind(dn: String, password: String) async throws {
        guard !dn.isEmpty, !password.isEmpty else { throw LDAPError.emptyCredentials }
        let answer = try await perform(.bind(dn: dn, password: password))
        guard answer.result.resultCode == .success else {
            throw LDAPError.failed(operation: "bind as \(dn)", result: answer.result)
        }
    }

    /// The entries under `base` that match `filter`. Any result other than success throws,
    /// `sizeLimitExceeded` included (more entries matched than `sizeLimit`): a caller that
    /// asks for at most 2 users named alice learns there are more than 2. The server is asked
    /// to give up after the client's timeout too. References to other servers are ignored.
    /// - Parameters:
    ///   - attributes: the attributes to return; empty for all user attributes.
    ///   - sizeLimit: the most entries to return; 0 for the server's own limit.
    public func search(
        base: String,
        scope: LDAPSearchScope = .sub,
        filter: LDAPFilter,
        attributes: [String] = [],
        sizeLimit: Int = 0
    ) async throws -> [LDAPEntry] {
        let (answer, search) = try await answer(base: base, scope: scope, filter: filter, attributes: attributes, sizeLimit: sizeLimit)
        guard answer.result.resultCode == .success else {
            throw LDAPError.failed(operation: "search of \(base) for \(search.filter)", result: answer.result)
        }
        return answer.entries
    }

    /// Like `search`, for listings: when more entries match than `sizeLimit` or the server's own
    /// limit (Active Directory's 1,000, slapd's 500 for most accounts), the entries that came
    /// are returned with `complete: false` rather than an error.
    public func searchListing(
        base: String,
        scope: LDAPSearchScope = .sub,
        filter: String,
        attributes: [String] = [],
        sizeLimit: Int = 0
    ) async throws -> (entries: [LDAPEntry], complete: Bool) {
        let (answer, search) = try await answer(base: base, scope: scope, filter: try LDAPFilter(parsing: filter),
                                                attributes: attributes, sizeLimit: sizeLimit)
        switch answer.result.resultCode {
        case .success: return (answer.entries, true)
        case .sizeLimitExceeded: return (answer.entries, false)
        default: throw LDAPError.failed(operation: "search of \(base) for \(search.filter)", result: answer.result)
        }
    }

    /// Sends the search, asking the server to give up after the client's timeout too.
    private func answer(base: String, scope: LDAPSearchScope, filter: LDAPFilter, attributes: [String],
                        sizeLimit: Int) async throws -> (LDAPAnswer, LDAPSearch) {
        let seconds = timeout.components.seconds + (timeout.components.attoseconds > 0 ? 1 : 0)
        let search = LDAPSearch(
            base: base, scope: scope, filter: filter, attributes: attributes,
            sizeLimit: Int32(clamping: max(0, sizeLimit)), timeLimit: Int32(clamping: max(0, seconds)))
        return (try await perform(.search(search)), search)
    }

    /// `search` with an RFC 4515 filter string; put user input into it with `LDAPFilter.escape`.
    public func search(
        base: String,
        scope: LDAPSearchScope = .sub,
        filter: String,
        attributes: [String] = [],
        sizeLimit: Int = 0
    ) async throws -> [LDAPEntry] {
        try await search(base: base, scope: scope, filter: LDAPFilter(parsing: filter), attributes: attributes, sizeLimit: sizeLimit)
    }

    /// Unbinds and closes. Errors are not reported: the connection may be gone already, and
    /// there is nothing left to do about it.
    public func close() async {
        try? await channel.writeAndFlush(LDAPOutboundRequest(request: .unbind, answer: nil))
        try? await channel.close()
    }

    // MARK: - Sending

    /// Sends `request` and waits for its answer, with failures of the channel itself told as
    /// the reason the connection ended.
    func perform(_ request: LDAPRequest) async throws -> LDAPAnswer {
        do {
            return try await send(request).get()
        } catch let error as LDAPError {
            throw error
        } catch {
            throw closeReason.withLockedValue { $0 } ?? LDAPError.connectionClosed(reason: "\(error)")
        }
    }

    func send(_ request: LDAPRequest) -> EventLoopFuture<LDAPAnswer> {
        let answer = channel.eventLoop.makePromise(of: LDAPAnswer.self)
        send(request, answer: answer)
        return answer.futureResult
    }

    /// Sends `request` with a promise the caller made, and may have hung callbacks on first.
    func send(_ request: LDAPRequest, answer: EventLoopPromise<LDAPAnswer>) {
        channel.writeAndFlush(LDAPOutboundRequest(request: request, answer: answer)).cascadeFailure(to: answer)
    }
}
