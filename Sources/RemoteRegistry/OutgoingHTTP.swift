import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
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

    private static let endpointClients = NIOLockedValueBox<[String: HTTPClient]>([:])

    /// The client for one registry endpoint: the shared one, or (kept for the process's life, one
    /// per distinct setting) one that skips certificate checks (`insecure`) or trusts only the
    /// endpoint's own CA. Throws when the CA is not PEM.
    public static func client(insecure: Bool, caCertificate: String?) throws -> HTTPClient {
        let ca = caCertificate?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if !insecure && ca.isEmpty { return client }
        let key = insecure ? "insecure" : ca
        if let known = endpointClients.withLockedValue({ $0[key] }) { return known }
        let roots = insecure ? [] : try certificates(ca)
        return endpointClients.withLockedValue { clients in
            if let known = clients[key] { return known }
            let made = make(redirects: true, verifyCertificates: !insecure, roots: roots)
            clients[key] = made
            return made
        }
    }

    /// Checks that `pem` holds at least one PEM certificate, without making a client.
    public static func validateCertificate(_ pem: String) throws {
        _ = try certificates(pem)
    }

    static func certificates(_ pem: String) throws -> [NIOSSLCertificate] {
        let roots: [NIOSSLCertificate]
        do { roots = try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8)) } catch {
            throw RemoteError.badLocation("the CA certificate is not a PEM certificate: \(error)")
        }
        guard !roots.isEmpty else { throw RemoteError.badLocation("the CA certificate holds no PEM certificate") }
        return roots
    }

    static func make(redirects: Bool, verifyCertificates: Bool, roots: [NIOSSLCertificate] = []) -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        if !verifyCertificates { tls.certificateVerification = .none }
        if !roots.isEmpty { tls.trustRoots = .certificates(roots) }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: redirects ? .follow(max: 5, allowCycles: false) : .disallow,
                                                     timeout: .init(connect: .seconds(10), read: .seconds(60)))
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }
}
