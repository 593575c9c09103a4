import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOSSL

/// How Berth serves HTTPS (`tls`, `tls.certificate`, `tls.key`).
public enum TLSMode: Sendable, Equatable {
    case off
    /// A CA and server certificate of Berth's own making (see `CertificateAuthority`).
    case auto
    /// PEM files the operator provides: the certificate chain and its key.
    case files(certificate: String, key: String)
}

/// What the server needs to serve HTTPS, and the CA clients must trust when Berth made it.
public struct TLSMaterial: Sendable {
    public let configuration: TLSConfiguration
    /// PEM of the CA that `tls: auto` made, served at `/api/v2.0/systeminfo/getcert`.
    public let authorityPEM: String?
    /// Where that CA is on disk, for the start-up message.
    public let authorityPath: String?
    /// The certificate each handshake presents; `TLSReloadService` replaces it.
    let served: ServedCertificate
}

/// The certificate and key that handshakes present now. Certificates are replaced while the
/// server runs (cert-manager rewrites a mounted secret; `tls: auto` renews before expiry), and a
/// process that must restart to pick up its new certificate serves the old one until it expires.
final class ServedCertificate: Sendable {
    struct Loaded: Sendable {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        /// The PEM texts, to tell whether a re-read found anything new.
        let pem: String
    }

    private let current: NIOLockedValueBox<Loaded>

    init(_ loaded: Loaded) { current = NIOLockedValueBox(loaded) }

    var loaded: Loaded { current.withLockedValue { $0 } }

    /// Takes `loaded` when it differs from what is served; says whether it did.
    func replace(with loaded: Loaded) -> Bool {
        current.withLockedValue { current in
            guard current.pem != loaded.pem else { return false }
            current = loaded
            return true
        }
    }

    /// For `TLSConfiguration.sslContextCallback`: every handshake presents the current pair.
    func override(_: NIOSSLClientExtensionValues, promise: EventLoopPromise<NIOSSLContextConfigurationOverride>) {
        let loaded = self.loaded
        var override = NIOSSLContextConfigurationOverride()
        override.certificateChain = loaded.chain.map { .certificate($0) }
        override.privateKey = .privateKey(loaded.key)
        promise.succeed(override)
    }
}

enum TLSSetup {
    static func load(_ configuration: BerthConfiguration) throws -> TLSMaterial? {
        guard configuration.tls != .off else { return nil }
        guard let (loaded, authority) = try read(configuration) else { return nil }
        let served = ServedCertificate(loaded)
        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: loaded.chain.map { .certificate($0) },
                                                           privateKey: .privateKey(loaded.key))
        tls.sslContextCallback = { [served] values, promise in served.override(values, promise: promise) }
        return TLSMaterial(configuration: tls, authorityPEM: authority?.pem, authorityPath: authority?.path, served: served)
    }

    /// The certificate and key as configured now: the files read again, or with `tls: auto` the
    /// server certificate, made anew when it is within 30 days of its end or its names changed.
    /// `unchangedFrom`: the PEM text served now; when the files still hold it, nil is returned
    /// without parsing them or building a TLS context (the reload's usual case, every minute).
    static func read(_ configuration: BerthConfiguration, unchangedFrom served: String? = nil)
        throws -> (ServedCertificate.Loaded, authority: (pem: String, path: String)?)? {
        let certificatePEM: String, keyPEM: String
        var authority: (pem: String, path: String)?
        switch configuration.tls {
        case .off:
            throw ConfigurationError(key: "tls", message: "is off")
        case .auto:
            let directory = configuration.dataDirectory + "/tls"
            let names = CertificateAuthority.names(externalURL: configuration.externalURL, listenHost: configuration.host)
            let made = try CertificateAuthority.ensure(directory: directory, names: names)
            (certificatePEM, keyPEM) = (made.certificate, made.key)
            authority = (made.authority, CertificateAuthority.Files(directory: directory).authority)
        case .files(let certificate, let key):
            do {
                certificatePEM = try String(contentsOfFile: certificate, encoding: .utf8)
                keyPEM = try String(contentsOfFile: key, encoding: .utf8)
            } catch {
                throw ConfigurationError(key: "tls.certificate", message: "and tls.key must be readable PEM files: \(error.localizedDescription)")
            }
        }
        if certificatePEM + keyPEM == served { return nil }
        do {
            let chain = try NIOSSLCertificate.fromPEMBytes(Array(certificatePEM.utf8))
            let key = try NIOSSLPrivateKey(bytes: Array(keyPEM.utf8), format: .pem)
            guard !chain.isEmpty else { throw ConfigurationError(key: "tls.certificate", message: "holds no certificate") }
            try checkPair(chain[0], key)
            return (ServedCertificate.Loaded(chain: chain, key: key, pem: certificatePEM + keyPEM), authority)
        } catch let error as ConfigurationError {
            throw error
        } catch {
            throw ConfigurationError(key: "tls.certificate", message: "and tls.key are not a usable certificate and key: \(error)")
        }
    }

    /// A certificate whose key is not the one given would fail every handshake: a half-written
    /// pair (the certificate replaced, the key not yet) is refused rather than served.
    static func checkPair(_ certificate: NIOSSLCertificate, _ key: NIOSSLPrivateKey) throws {
        let context = try NIOSSLContext(configuration: .makeServerConfiguration(certificateChain: [.certificate(certificate)],
                                                                                 privateKey: .privateKey(key)))
        _ = context
    }
}
