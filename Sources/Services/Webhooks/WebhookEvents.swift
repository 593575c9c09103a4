import Foundation
import Jobs
import Metadata
import NIOConcurrencyHelpers
import OCI
import Scanner

/// Builds Harbor's webhook events and hands them to the `WebhookNotifier`: pushes and deletions
/// from the outbox their transaction wrote (`announce`, run by `WebhookOutbox`); pulls, quota
/// warnings and refusals from the registry and the API (an `ArtifactEventObserver`); scans,
/// replication tasks and retention runs as their jobs end (`finished`). An event is built only when some policy of its project listens for it, so a
/// project without webhooks pays one cached lookup. Pulls are handed off to a task of their own.
public struct WebhookEvents: ArtifactEventObserver {
    let notifier: WebhookNotifier
    let database: MetadataDatabase
    /// The address clients use (`http://host:port`), once known.
    let servedURL: @Sendable () -> String?
    let warn: @Sendable (String) -> Void
    private let pullsInFlight = NIOLockedValueBox(0)

    public init(notifier: WebhookNotifier, database: MetadataDatabase, servedURL: @escaping @Sendable () -> String?,
                warn: @escaping @Sendable (String) -> Void) {
        self.notifier = notifier
        self.database = database
        self.servedURL = servedURL
        self.warn = warn
    }

    private var projects: ProjectStore { ProjectStore(database: database) }

    /// PUSH_ARTIFACT comes from the outbox (`announce`); the quota warning is told here.
    public func manifestPushed(_ pushed: PushedManifest) async {
        let reference = pushed.tags.first ?? pushed.digest.description
        await send(.quotaWarning, projectID: pushed.projectID, operatorName: pushed.operatorName) {
            guard let quota = try await QuotaStore(database: database).quota(projectID: pushed.projectID),
                  quota.hard > 0, quota.used * 100 >= quota.hard * Self.quotaWarningPercent else { return nil }
            var data = try await artifactData(pushed.projectID, pushed.repository, digest: pushed.digest.description, reference: reference,
                                              withURL: false)
            data?.custom_attributes = ["Details": "quota usage reach \(quota.used * 100 / quota.hard)%: resource storage used "
                                       + "\(ByteCount.human(quota.used)) of \(ByteCount.human(quota.hard))"]
            return data
        }
    }

    /// Harbor warns once a project's storage passes 85% of its quota.
    static let quotaWarningPercent: Int64 = 85

    /// A push or a deletion from the outbox, written with the change: queues its deliveries, or
    /// throws (a database error) so that the outbox offers it again.
    public func announce(_ event: OutboxEvent) async throws {
        guard let repository = try? RepositoryName(event.repository) else { return }
        let type: WebhookEventType = event.type == OutboxEvent.deleted ? .deleteArtifact : .pushArtifact
        guard !(await notifier.listeners(type, projectID: event.projectID)).isEmpty else { return }
        // A push names its first tag; a deletion, as Harbor's, the artifact by digest.
        let reference = type == .pushArtifact ? event.details.tags.first ?? event.digest : event.digest
        guard let data = try await artifactData(event.projectID, repository, digest: event.digest, reference: reference) else { return }
        try await notifier.notify(WebhookEvent(type: type, projectID: event.projectID, operatorName: event.details.operatorName ?? "anonymous",
                                               data: data))
    }

    public func manifestPulled(_ pulled: PulledManifest) {
        // The common case, a project without pull webhooks the cache knows of, costs no task.
        guard notifier.mayListen(.pullArtifact, projectID: pulled.projectID) else { return }
        // Bounded: when the database cannot keep up with a storm of pulls, their events are
        // dropped (and counted in the log) rather than piling up as tasks.
        guard pullsInFlight.withLockedValue({ count in
            guard count < Self.maximumPullsInFlight else { return false }
            count += 1
            return true
        }) else {
            warn("a PULL_ARTIFACT webhook event of project \(pulled.projectID) was dropped: \(Self.maximumPullsInFlight) are being queued")
            return
        }
        Task {
            defer { pullsInFlight.withLockedValue { $0 -= 1 } }
            await send(.pullArtifact, projectID: pulled.projectID, operatorName: pulled.operatorName) {
                try await artifactData(pulled.projectID, pulled.repository, digest: pulled.digest.description, reference: pulled.reference)
            }
        }
    }

    static let maximumPullsInFlight = 1000

    /// Waits (at most `seconds`) for the pull events being queued: the server calls it before
    /// closing the database.
    public func drainPulls(seconds: Int = 5) async {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while pullsInFlight.withLockedValue({ $0 }) > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    public func quotaExceeded(_ refusal: QuotaRefusal) async {
        await send(.quotaExceed, projectID: refusal.projectID, operatorName: refusal.operatorName) {
            let digest = (try? Digest(parsing: refusal.reference))?.description
            var data = try await artifactData(refusal.projectID, refusal.repository, digest: digest, reference: refusal.reference, withURL: false)
            data?.custom_attributes = ["Details": refusal.message]
            return data
        }
    }

    /// A task ended for good: scans, replication tasks and retention runs become events.
    public func finished(_ task: JobTask, status: TaskStatus, result: String?) async {
        switch task.jobType {
        case ArtifactScanJob.jobType, SBOMGenerationJob.jobType: await scanFinished(task, status: status)
        case ReplicationTaskJob.jobType: await replicationFinished(task, status: status)
        case RetentionJob.jobType: await retentionFinished(task, status: status, result: result)
        default: break
        }
    }

    // MARK: building events

    private func send(_ type: WebhookEventType, projectID: Int64, operatorName: String?,
                      data: () async throws -> WebhookEventData?) async {
        guard !(await notifier.listeners(type, projectID: projectID)).isEmpty else { return }
        do {
            guard let data = try await data() else { return }
            try await notifier.notify(WebhookEvent(type: type, projectID: projectID, operatorName: operatorName ?? "anonymous", data: data))
        } catch {
            warn("the \(type.rawValue) webhook of project \(projectID) was not queued: \(error)")
        }
    }

    private func artifactData(_ projectID: Int64, _ repository: RepositoryName, digest: String?, reference: String,
                              withURL: Bool = true) async throws -> WebhookEventData? {
        guard let project = try await projects.find(id: projectID) else { return nil }
        let isDigest = (try? Digest(parsing: reference)) != nil
        let url = withURL ? "\(host)/\(repository)\(isDigest ? "@" : ":")\(reference)" : nil
        return WebhookEventData(
            resources: [.init(digest: digest, tag: isDigest ? nil : reference, resource_url: url)],
            repository: .init(dateCreated: nil, fullName: repository.value, isPublic: project.isPublic))
    }

    /// The address clients use, without its scheme, as Harbor's `resource_url` shows it.
    private var host: String {
        let url = servedURL() ?? ""
        return url.components(separatedBy: "://").last ?? url
    }

    private func scanFinished(_ task: JobTask, status: TaskStatus) async {
        guard let parameters = try? JSONDecoder().decode(ScanJobParameters.self, from: Data(task.parameters.utf8)),
              let record = try? await ArtifactStore(database: database).artifacts(ids: [parameters.manifest_id]).first else { return }
        let type: WebhookEventType = switch status {
        case .success: .scanningCompleted
        case .stopped: .scanningStopped
        default: .scanningFailed
        }
        await send(type, projectID: record.projectID, operatorName: try? await trigger(of: task)) {
            let tags = try await ArtifactStore(database: database).tags(ofArtifacts: [record.id])[record.id] ?? []
            var data = try await artifactData(record.projectID, record.repositoryName, digest: record.digest.description,
                                              reference: tags.first?.name ?? record.digest.description)
            let report = try await ScanReportStore(database: database).reports(manifestIDs: [record.id], scanType: parameters.scan_type)[record.id]?.first
            if let report, parameters.scan_type == "vulnerability" {
                let summary = report.result.flatMap { try? JSONDecoder().decode(VulnerabilitySummary.self, from: Data($0.summary.utf8)) }
                data?.resources?[0].scan_overview = [Self.reportMimeType: WebhookEventData.ScanOverview(
                    report_id: report.uuid, scan_status: status.rawValue, severity: report.result?.severity,
                    duration: report.startTime.flatMap { start in report.endTime.map { ($0 - start) / 1000 } }, summary: summary,
                    start_time: report.startTime.map(Self.rfc3339), end_time: report.endTime.map(Self.rfc3339),
                    complete_percent: status == .success ? 100 : 0)]
            }
            data?.scan = .init(scan_type: parameters.scan_type)
            return data
        }
    }

    static let reportMimeType = "application/vnd.security.vulnerability.report; version=1.1"

    private func replicationFinished(_ task: JobTask, status: TaskStatus) async {
        guard let parameters = try? JSONDecoder().decode(ReplicationTaskParameters.self, from: Data(task.parameters.utf8)),
              let policy = try? await ReplicationPolicyStore(database: database).find(parameters.policy_id) else { return }
        let local = policy.isPull ? parameters.dst_repository : parameters.src_repository
        guard let name = try? RepositoryName(local), let project = try? await projects.find(name: name.projectName) else { return }
        await send(.replication, projectID: project.id, operatorName: policy.triggerType) {
            let endpoints = RegistryEndpointStore(database: database, sealer: NoSecrets())
            let remoteID = policy.sourceRegistryID ?? policy.destinationRegistryID
            var remote: RegistryEndpointRecord?
            if let remoteID { remote = try await endpoints.find(remoteID) }
            func side(_ repository: String, isLocal: Bool) -> WebhookEventData.ReplicationResource {
                let namespace = String(repository.split(separator: "/").first ?? "")
                return isLocal ? .init(registry_name: "Local", registry_type: "harbor", endpoint: servedURL() ?? "", namespace: namespace)
                    : .init(registry_name: remote?.name, registry_type: remote?.type ?? "", endpoint: remote?.url ?? "", namespace: namespace)
            }
            let outcomes = parameters.references.map {
                WebhookEventData.ArtifactOutcome(type: "image", status: status.rawValue, name_tag: "\(parameters.src_repository):\($0)")
            }
            let execution = try await JobStore(database: database).execution(task.executionID)
            return WebhookEventData(replication: .init(
                harbor_hostname: host.components(separatedBy: ":").first ?? host, job_status: status.rawValue, description: policy.description,
                artifact_type: "image", authentication_type: remote?.credentialType ?? "", override_mode: policy.override,
                trigger_type: policy.triggerType, policy_creator: "", execution_timestamp: (execution?.startTime ?? 0) / 1000,
                src_resource: side(parameters.src_repository, isLocal: !policy.isPull),
                dest_resource: side(parameters.dst_repository, isLocal: policy.isPull),
                successful_artifact: status == .success ? outcomes : nil, failed_artifact: status == .success ? nil : outcomes))
        }
    }

    private func retentionFinished(_ task: JobTask, status: TaskStatus, result: String?) async {
        guard let parameters = try? JSONDecoder().decode(RetentionJob.Parameters.self, from: Data(task.parameters.utf8)),
              parameters.repository != nil, !parameters.dry_run,
              let counts = result.flatMap({ try? JSONDecoder().decode(RetentionJob.Result.self, from: Data($0.utf8)) }),
              let deleted = counts.deleted, !deleted.isEmpty,
              let policy = try? await RetentionStore(database: database).policy(id: parameters.policy_id),
              let project = try? await projects.find(id: policy.projectID) else { return }
        await send(.tagRetention, projectID: project.id, operatorName: try? await trigger(of: task)) {
            WebhookEventData(retention: .init(
                total: counts.total, retained: counts.retained, harbor_hostname: host.components(separatedBy: ":").first ?? host,
                project_name: project.name, retention_policy_id: policy.id, result: status == .success ? "SUCCESS" : "FAILED",
                deleted_artifact: deleted.map { .init(type: "image", status: "SUCCESS", name_tag: $0) }))
        }
    }

    private func trigger(of task: JobTask) async throws -> String? {
        try await JobStore(database: database).execution(task.executionID)?.trigger.rawValue
    }

    private static func rfc3339(_ millis: Int64) -> String {
        ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(millis) / 1000))
    }
}

/// Reads registry endpoints for their names and addresses only: their secrets stay sealed.
private struct NoSecrets: SecretSealer {
    struct Unavailable: Error {}
    func seal(_ plaintext: String) throws -> String { throw Unavailable() }
    func open(_ sealed: String) throws -> String { throw Unavailable() }
}
