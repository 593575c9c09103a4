import Access
import Directory
import HTTPTypes
import Hummingbird
import Jobs
import Metadata
import OCI
import Services

/// What the API handlers work with.
public struct APIServices: Sendable {
    public let database: MetadataDatabase
    public let users: UserStore
    public let projects: ProjectStore
    public let members: MemberStore
    public let userGroups: UserGroupStore
    public let robots: RobotStore
    public let repositories: RepositoryStore
    public let artifacts: ArtifactStore
    public let auditLogs: AuditLogStore
    public let audit: AuditRecorder
    public let storage: (any APIStorage)?
    public let policy: any AccessPolicy
    public let authenticator: Authenticator
    public let signer: TokenSigner
    public let quotas: QuotaStore
    public let immutableRules: ImmutableRuleStore
    public let retention: RetentionStore
    public let jobs: JobStore
    public let schedules: ScheduleStore
    /// This process's workers: woken when a job is enqueued, and the job types they run.
    public let jobPool: JobWorkerPool?
    /// The job types this process runs: its pool's, and webhook deliveries' (their own workers).
    public var jobTypes: [String] { (jobPool?.jobTypes ?? []) + (webhooks == nil ? [] : WebhookNotifyType.allCases.map(\.jobType)) }
    public let scanReports: ScanReportStore
    public let scanRequester: ScanRequester
    public let advisories: AdvisoryStore
    public let allowlists: CVEAllowlistStore
    public let labels: LabelStore
    public let signatureKeys: SignatureKeyStore
    public let webhookPolicies: WebhookPolicyStore
    /// Queues webhook deliveries; told when a project's policies change. nil in a bare API.
    public let webhooks: WebhookNotifier?
    /// The audit log's settings as the recorder applies them; nil in a bare API.
    public let auditSettings: (any AuditSettingsControl)?
    public let settings: SystemSettingsStore
    /// The settings of `/configurations` as requests read them (cached briefly on each node).
    public let systemSettings: SystemSettingsCache
    /// Set when this process begins to stop; health answers 503 from then on.
    public let drain = DrainSignal()
    /// The CA clients must trust, when Berth made its own (`tls: auto`): `/systeminfo/getcert`.
    public var rootCertificatePEM: String?
    /// `filesystem` or `s3`, as `/systeminfo` names it.
    public var storageProviderName = "filesystem"
    /// Chart metadata read from config blobs, kept by digest.
    let charts = ChartMetadataCache()
    /// Image and chart configs as JSON objects, kept by digest (artifact listings).
    let configObjects = ConfigObjectCache()
    let chartIndexes = ChartIndexCache()
    /// Seals stored credentials (registry endpoints, scanner registrations).
    public let sealer: any SecretSealer
    public let registryEndpoints: RegistryEndpointStore
    public let replicationPolicies: ReplicationPolicyStore
    public let replicationTriggers: ReplicationTriggers
    /// Told of deletions made through the API, as the registry tells of its own.
    public let events: (any ArtifactEventObserver)?
    /// `external_url` of the configuration (`https://registry.example.com`); nil means the address
    /// the request was sent to.
    public let externalURL: String?

    public init(database: MetadataDatabase, policy: any AccessPolicy, authenticator: Authenticator,
                signer: TokenSigner, audit: AuditRecorder? = nil,
                storage: (any APIStorage)? = nil, jobPool: JobWorkerPool? = nil, externalURL: String? = nil,
                sealer: any SecretSealer = SecretBox.ephemeral(), events: (any ArtifactEventObserver)? = nil,
                webhooks: WebhookNotifier? = nil, jobEnded: JobWorkerPool.FinishObserver? = nil,
                auditSettings: (any AuditSettingsControl)? = nil, systemSettings: SystemSettingsCache? = nil) {
        self.database = database
        self.externalURL = externalURL
        self.users = UserStore(database: database)
        self.projects = ProjectStore(database: database)
        self.members = MemberStore(database: database)
        self.userGroups = UserGroupStore(database: database)
        self.oidcUsers = OIDCUserStore(database: database)
        self.robots = RobotStore(database: database)
        self.repositories = RepositoryStore(database: database)
        self.artifacts = ArtifactStore(database: database)
        self.auditLogs = AuditLogStore(database: database)
        self.audit = audit ?? AuditRecorder(database: database)
        self.storage = storage
        self.policy = policy
        self.authenticator = authenticator
        self.signer = signer
        self.quotas = QuotaStore(database: database)
        self.immutableRules = ImmutableRuleStore(database: database)
        self.retention = RetentionStore(database: database)
        self.jobs = JobStore(database: database)
        self.schedules = ScheduleStore(database: database)
        self.jobPool = jobPool
        self.scanReports = ScanReportStore(database: database)
        self.scanRequester = ScanRequester(database: database, notify: { jobPool?.notify() }, stoppedWhilePending: jobEnded)
        self.advisories = AdvisoryStore(database: database)
        self.allowlists = CVEAllowlistStore(database: database)
        self.labels = LabelStore(database: database)
        self.signatureKeys = SignatureKeyStore(database: database)
        self.sealer = sealer
        self.registryEndpoints = RegistryEndpointStore(database: database, sealer: sealer)
        self.replicationPolicies = ReplicationPolicyStore(database: database)
        self.replicationTriggers = ReplicationTriggers(database: database, notify: { jobPool?.notify() })
        self.events = events
        self.webhookPolicies = WebhookPolicyStore(database: database, sealer: sealer)
        self.webhooks = webhooks
        self.auditSettings = auditSettings
        self.settings = SystemSettingsStore(database: database)
        self.systemSettings = systemSettings ?? SystemSettingsCache(store: SystemSettingsStore(database: database))
    }

    /// OIDC users' links and CLI secrets.
    public let oidcUsers: OIDCUserStore
    /// The OpenID provider's discovery and keys, cached for the process.
    let oidcProvider = OIDCProvider()

    /// The portal's sign-in through the OpenID provider of the stored settings.
    var oidc: OIDCSignIn {
        let settings = systemSettings, sealer = sealer
        return OIDCSignIn(provider: oidcProvider, settings: { try OIDCSettings(await settings.current, sealer: sealer) },
                          users: users, groups: userGroups, oidcUsers: oidcUsers, sealer: sealer)
    }

    /// HTTPS as the browser sees it: the external URL's scheme, or this connection's, or a
    /// TLS-terminating proxy's word. Decides the `Secure` flag of the portal's cookies.
    func servesHTTPS(to request: Request) -> Bool {
        if externalURL?.lowercased().hasPrefix("https://") == true { return true }
        return request.head.scheme == "https" || request.headers[HTTPField.Name("X-Forwarded-Proto")!]?.lowercased() == "https"
    }

    /// The LDAP directory of the stored settings (whether or not `auth_mode` uses it).
    var ldap: LDAPDirectory { LDAPDirectory.configured(by: systemSettings, sealer: sealer) }

    /// The storage the API reads blobs from; a server always has one, a bare API in a tool may not.
    func requiredStorage() throws -> any APIStorage {
        guard let storage else { throw APIError.internal("no storage is configured") }
        return storage
    }

    /// `event` when some webhook listens for it, else nil: only then is it written to the outbox.
    func outbox(_ event: OutboxEvent) async -> OutboxEvent? {
        guard let webhooks, let type = WebhookEventType(rawValue: event.type),
              !(await webhooks.listeners(type, projectID: event.projectID)).isEmpty else { return nil }
        return event
    }

    /// Writes an audit line for a change made by `identity`.
    func recordAudit(_ identity: Identity, _ operation: String, _ resourceType: String, _ resource: String, projectID: Int64?) async {
        await audit.record(AuditEvent(projectID: projectID, operation: operation, resourceType: resourceType,
                                      resource: resource, username: identity.name ?? "anonymous"))
    }
}
