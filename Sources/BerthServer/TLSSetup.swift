import Foundation
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
}

enum TLSSetup {
    static func load(_ configuration: BerthConfiguration) throws -> TLSMaterial? {
        let certificatePEM: String, keyPEM: String
        var authority: (pem: String, path: String)?
        switch configuration.tls {
        case .off:
            return nil
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
        do {
            let chain = try NIOSSLCertificate.fromPEMBytes(Array(certificatePEM.utf8))
            let key = try NIOSSLPrivateKey(bytes: Array(keyPEM.utf8), format: .pem)
            guard !chain.isEmpty else { throw ConfigurationError(key: "tls.certificate", message: "holds no certificate") }
            let tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
            return TLSMaterial(configuration: tls, authorityPEM: authority?.pem, authorityPath: authority?.path)
        } catch let error as ConfigurationError {
            throw error
        } catch {
            throw ConfigurationError(key: "tls.certificate", message: "and tls.key are not a usable certificate and key: \(error)")
        }
    }
}
