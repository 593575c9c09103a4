import Foundation
import Metadata
import OCI
import RemoteRegistry

/// Scans a stored image through an external scanner adapter (a registration of `POST /scanners`),
/// as Harbor does: the adapter is sent a scan request naming this registry and a token that may
/// only pull that one repository, then its report is polled until ready and stored like the
/// built-in scanner's (overview, gate, security hub).
public struct ExternalScanner: Sendable {
    /// Berth's own address as an adapter reaches it (`external_url`, else the address served on);
    /// nil before the server listens.
    let registryURL: @Sendable () -> String?
    /// A short-lived token that may pull `repository` and nothing else (with `scanner-pull`, so
    /// the vulnerability gate lets the adapter read an image it has not judged yet).
    let pullToken: @Sendable (_ repository: String) throws -> String
    /// How long a report may take before the scan is given up.
    static let reportDeadline: Duration = .seconds(3600)

    public init(registryURL: @escaping @Sendable () -> String?, pullToken: @escaping @Sendable (_ repository: String) throws -> String) {
        self.registryURL = registryURL
        self.pullToken = pullToken
    }

    struct ScanRequestBody: Encodable {
        struct Registry: Encodable { let url: String; let authorization: String }
        struct Artifact: Encodable { let repository: String; let digest: String; let mime_type: String }
        struct Capability: Encodable { let type: String; let produces_mime_types: [String] }
        let registry: Registry
        let artifact: Artifact
        let enabled_capabilities: [Capability]
    }

    func scan(_ record: ArtifactRecord, with registration: ScannerRegistrationRecord,
              log: @escaping @Sendable (String) -> Void) async throws -> ScanResultFields {
        guard let registry = registryURL() else {
            throw ScanJobError("Berth's own address is not known yet, so the scanner cannot be told where to pull from: set external_url")
        }
        let client = ScannerAdapterClient(baseURL: registration.url, auth: registration.auth, credential: registration.accessCredential,
                                          skipCertVerify: registration.skipCertVerify)
        let body = ScanRequestBody(
            registry: .init(url: registry, authorization: "Bearer " + (try pullToken(record.repositoryName.value))),
            artifact: .init(repository: record.repositoryName.value, digest: record.digest.description, mime_type: record.mediaType),
            enabled_capabilities: [.init(type: ScanKind.vulnerability.rawValue, produces_mime_types: [BuiltinScanner.nativeReportType])])
        let id = try await client.submit(Array(try JSONEncoder().encode(body)))
        log("scanning \(record.repositoryName)@\(record.digest) with \(registration.name) at \(registration.url) (its request \(id)); it pulls from \(registry)")
        if registry.contains("://127.0.0.1:") || registry.contains("://[::1]:") {
            log("note: without external_url the scanner is told to pull from this host's loopback address; set external_url when it runs elsewhere")
        }
        let started = ContinuousClock.now
        while true {
            try Task.checkCancellation()
            switch try await client.report(id, mimeType: BuiltinScanner.nativeReportType) {
            case .ready(let bytes):
                let fields = try ScanResult.fields(externalReport: bytes)
                log("\(registration.name) reported \(fields.vulnerabilities.count) vulnerabilities (worst: \(fields.severity))")
                return fields
            case .pending(let seconds):
                guard ContinuousClock.now - started < Self.reportDeadline else {
                    throw ScanJobError("\(registration.name) had no report after \(Self.reportDeadline)")
                }
                try await Task.sleep(for: .seconds(seconds))
            }
        }
    }
}
