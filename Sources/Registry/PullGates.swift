import Access
import BlobStore
import Metadata
import OCI

/// The project policies a manifest pull must pass, in Harbor's order: content trust, then
/// vulnerabilities. Their settings, and the artifact's report, come from one statement
/// (`ScanReportStore.gateInputs`); a project with neither policy costs nothing more.
struct PullGates: Sendable {
    let reports: ScanReportStore
    let contentTrust: ContentTrustGate
    let vulnerabilities: VulnerabilityGate
    let policy: any AccessPolicy

    func check(_ manifest: StoredManifest, repository: RepositoryName, project: Project, identity: Identity, userAgent: String?) async throws {
        let inputs = try await reports.gateInputs(projectID: project.id, manifestID: manifest.id)
        guard inputs.preventVul || inputs.cosignRequired || inputs.notationRequired else { return }
        guard try await !bypasses(identity, repository: repository, project: project, userAgent: userAgent) else { return }
        try await contentTrust.check(manifest, inputs: inputs, projectID: project.id)
        try await vulnerabilities.check(manifest, inputs: inputs, repository: repository)
    }

    /// Harbor's `SkipPolicyChecking`: a scanner fetching what it scans, and a signing tool (cosign,
    /// notation) reading the manifest it signs with push access.
    private func bypasses(_ identity: Identity, repository: RepositoryName, project: Project, userAgent: String?) async throws -> Bool {
        switch identity {
        case .token(let grant) where grant.repositories[repository.value]?.contains(.scannerPull) == true: return true
        // Only robots can hold scanner-pull (system administrators never do): others skip the lookup.
        case .robot where try await policy.can(identity, Permission(.repository, .scannerPull), in: project): return true
        default: break
        }
        let agent = userAgent?.lowercased() ?? ""
        guard agent.contains("cosign") || agent.contains("notation") else { return false }
        if case .token(let grant) = identity { return grant.repositories[repository.value]?.contains(.push) == true }
        return try await policy.can(identity, Permission(.repository, .push), in: project)
    }
}
