#if canImport(Glibc)
import Glibc
#endif
import Crypto
import Foundation
import SwiftASN1
import X509

/// `tls: auto`: a small CA of the installation's own and a server certificate it signs, kept in
/// `data_dir/tls/`. The CA lives ten years and is made once; clients trust it once (Harbor serves it
/// at `/api/v2.0/systeminfo/getcert`). The server certificate is made again when the names it must
/// cover change (a new `external_url`) or within 30 days of its end; it lasts 397 days, the most
/// browsers accept.
enum CertificateAuthority {
    struct Files {
        let directory: String
        var authority: String { directory + "/ca.pem" }
        var authorityKey: String { directory + "/ca-key.pem" }
        var certificate: String { directory + "/server.pem" }
        var key: String { directory + "/server-key.pem" }
    }

    /// The names the server certificate covers: `external_url`'s host, the listen host when it is
    /// a name or an address other than a wildcard, and loopback.
    static func names(externalURL: String?, listenHost: String) -> [String] {
        var names = ["localhost", "127.0.0.1", "::1"]
        if let host = externalURL.flatMap({ URLComponents(string: $0)?.host }) {
            names.insert(host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")), at: 0)
        }
        if !["0.0.0.0", "::", ""].contains(listenHost) { names.append(listenHost) }
        var seen = Set<String>()
        return names.filter { seen.insert($0.lowercased()).inserted }
    }

    /// Makes what is missing or stale under `directory`; answers the CA and the server pair as PEM.
    static func ensure(directory: String, names: [String], now: Date = Date()) throws -> (authority: String, certificate: String, key: String) {
        let files = Files(directory: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let (authority, authorityKey) = try loadOrCreateAuthority(files, now: now)
        if let existing = try readIfPresent(files.certificate), let key = try readIfPresent(files.key),
           let certificate = try? Certificate(pemEncoded: existing),
           let privateKey = try? P256.Signing.PrivateKey(pemRepresentation: key),
           certificate.publicKey == Certificate.PublicKey(privateKey.publicKey),
           certificate.issuer == authority.subject,
           certificate.notValidAfter > now.addingTimeInterval(30 * 86_400),
           Set(coveredNames(certificate)) == Set(names) {
            return (try authority.serializeAsPEM().pemString, existing, key)
        }
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName {
            OrganizationName("Berth")
            CommonName(names[0])
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(397 * 86_400),
            issuer: authority.subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(names.map(generalName))
                SubjectKeyIdentifier(hash: Certificate.PublicKey(key.publicKey))
                AuthorityKeyIdentifier(keyIdentifier: SubjectKeyIdentifier(hash: authority.publicKey).keyIdentifier)
            },
            issuerPrivateKey: .init(authorityKey))
        let pem = try certificate.serializeAsPEM().pemString
        try write(key.pemRepresentation, to: files.key, mode: 0o600)
        try write(pem, to: files.certificate, mode: 0o644)
        return (try authority.serializeAsPEM().pemString, pem, key.pemRepresentation)
    }

    private static func loadOrCreateAuthority(_ files: Files, now: Date) throws -> (Certificate, P256.Signing.PrivateKey) {
        // A CA that exists but cannot be read is an error, never a reason to make another: clients
        // trust the first one.
        if let pem = try readIfPresent(files.authority), let keyPEM = try readIfPresent(files.authorityKey) {
            return (try Certificate(pemEncoded: pem), try P256.Signing.PrivateKey(pemRepresentation: keyPEM))
        }
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName {
            OrganizationName("Berth")
            CommonName("Berth registry CA \(UUID().uuidString.prefix(8).lowercased())")
        }
        let authority = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(10 * 365 * 86_400),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: Certificate.PublicKey(key.publicKey))
            },
            issuerPrivateKey: .init(key))
        try write(key.pemRepresentation, to: files.authorityKey, mode: 0o600)
        try write(try authority.serializeAsPEM().pemString, to: files.authority, mode: 0o644)
        return (authority, key)
    }

    static func coveredNames(_ certificate: Certificate) -> [String] {
        guard let names = try? certificate.extensions.subjectAlternativeNames else { return [] }
        return names.compactMap { name in
            switch name {
            case .dnsName(let dns): return dns
            case .ipAddress(let bytes): return addressText(Array(bytes.bytes))
            default: return nil
            }
        }
    }

    static func generalName(_ name: String) -> GeneralName {
        if let bytes = addressBytes(name) { return .ipAddress(ASN1OctetString(contentBytes: ArraySlice(bytes))) }
        return .dnsName(name)
    }

    static func addressBytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    static func addressText(_ bytes: [UInt8]) -> String? {
        let family = bytes.count == 4 ? AF_INET : bytes.count == 16 ? AF_INET6 : -1
        guard family >= 0 else { return nil }
        var buffer = [CChar](repeating: 0, count: 64)
        let done = bytes.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &buffer, socklen_t(buffer.count)) }
        return done == nil ? nil : String(cString: buffer)
    }

    static func readIfPresent(_ path: String) throws -> String? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw StartupError(exitCode: 78, message: "cannot read \(path): \(error.localizedDescription)")
        }
    }

    /// Written beside with its mode from the start (a key is never readable by others, even for a
    /// moment), fsynced, then renamed: a crash leaves the old file or the new one.
    static func write(_ text: String, to path: String, mode: Int) throws {
        let temporary = path + ".tmp"
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode_t(mode))
        guard fd >= 0 else { throw StartupError(exitCode: 73, message: "cannot write \(temporary): errno \(errno)") }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd)
        close(fd)
        guard written == bytes.count, synced == 0 else { throw StartupError(exitCode: 73, message: "cannot write \(temporary)") }
        guard rename(temporary, path) == 0 else { throw StartupError(exitCode: 73, message: "cannot write \(path): errno \(errno)") }
    }
}
