import Access
import BlobStore
import Directory
import Foundation
import HarborAPI
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Jobs
import Logging
import Metadata
import NIOConcurrencyHelpers
import Portal
import Registry
import ServiceLifecycle
import Services

/// The composition root: opens the database and storage, creates first-start state and builds the
/// HTTP application serving the registry.
public struct BerthServer: Sendable {
    public let configuration: BerthConfiguration
    public let database: MetadataDatabase
    public let backend: RegistryBackend
    public let api: APIServices
    /// This process's job workers and the scheduler; they run with the server (`application()`).
    public let jobs: JobWorkerPool
    /// Workers that only deliver webhooks, so a slow receiver never holds up the others.
    public let webhookJobs: JobWorkerPool
    /// Announces pushes and deletions to webhooks from the outbox their transactions wrote.
    public let outbox: WebhookOutbox
    public let scheduler: Scheduler
    public let uploadExpiry: UploadExpiry
    /// Set on first start when no admin password was configured.
    public let generatedAdminPassword: String?
    /// Set when Berth serves HTTPS.
    public let tls: TLSMaterial?
    /// Where external scanners are told to pull from.
    let servedAddress: ServedAddress
    let logger: Logger

    public static func open(_ configuration: BerthConfiguration, logger: Logger) async throws -> BerthServer {
        try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
        let database = try await MetadataDatabase.open(.init(url: configuration.effectiveDatabaseURL), logger: logger)
        do {
            let generated = try await Bootstrap.run(database: database, adminPassword: configuration.adminPassword)
            let policy = PermissionEvaluator(members: MemberStore(database: database))
            let sealer = try configuration.secretKey.map(SecretBox.init(passphrase:))
                ?? SecretBox.loadOrCreate(at: configuration.dataDirectory + "/secret.key")
            let signer = try await TokenSigningKey.load(dataDirectory: configuration.dataDirectory,
                                                        keys: InstanceKeyStore(database: database), sealer: sealer)
            let systemSettings = SystemSettingsCache(store: SystemSettingsStore(database: database))
            let directory = DirectorySignIn(directory: LDAPDirectory.configured(by: systemSettings, sealer: sealer),
                                            users: UserStore(database: database), groups: UserGroupStore(database: database),
                                            lifetime: .seconds(configuration.directoryCacheSeconds),
                                            refreshAfter: .seconds(max(1, configuration.directoryCacheSeconds / 10)))
            let authenticator = Authenticator(users: UserStore(database: database), robots: RobotStore(database: database), signer: signer,
                                              sessions: SessionStore(database: database, idleTimeout: { await systemSettings.current.sessionIdleMillis }),
                                              directory: directory, oidcUsers: OIDCUserStore(database: database),
                                              authMode: { await systemSettings.current.authMode })
            let blobs = try await StorageSetup.open(configuration)
            let auditSettings = AuditSettings(store: SystemSettingsStore(database: database), logger: logger)
            let audit = AuditRecorder(database: database, policy: auditSettings)
            audit.start()
            let uploadExpiry = UploadExpiry(blobs: blobs, sessions: UploadSessionStore(database: database))
            let tls = try TLSSetup.load(configuration)
            let servedAddress = ServedAddress(externalURL: configuration.externalURL, host: configuration.host, secure: tls != nil)
            let external = ExternalScanner(registryURL: { servedAddress.url }, pullToken: { repository in
                // Harbor gives its scanner a robot that may pull the one repository; this token is that.
                let claims = TokenClaims(subject: "scanner", access: [TokenAccess(type: "repository", name: repository, actions: ["pull", "scanner-pull"])],
                                         issuedAt: Int64(Date().timeIntervalSince1970), lifetime: 2 * 3600)
                return try signer.sign(claims)
            })
            // Workers are made before what they wake, so these reach them through the box.
            let pool = NIOLockedValueBox<JobWorkerPool?>(nil)
            let notify: @Sendable () -> Void = { pool.withLockedValue { $0 }?.notify() }
            let autoScan = AutoScan(database: database, requester: ScanRequester(database: database, notify: notify))
            let autoScanObserver = AutoScanObserver(autoScan: autoScan, logger: logger)
            let replication = ReplicationEndpoints(database: database, blobs: blobs, sealer: sealer, stored: { manifestID, projectID in
                // Replicated images are scanned on arrival like pushed ones.
                try? await autoScan.manifestPushed(manifestID: manifestID, projectID: projectID)
            })
            let webhookPolicies = WebhookPolicyStore(database: database, sealer: sealer)
            var webhookSettings = configuration.jobs
            webhookSettings.concurrency = configuration.webhookWorkers
            let webhookJobs = JobWorkerPool(store: JobStore(database: database),
                                            kinds: WebhookNotifyType.allCases.map { WebhookDeliveryJob(notifyType: $0, policies: webhookPolicies) },
                                            settings: webhookSettings, logger: logger)
            let notifier = WebhookNotifier(policies: webhookPolicies, jobs: JobStore(database: database),
                                           enabled: { await systemSettings.current.isOn(.notificationEnable) }, wake: { webhookJobs.notify() })
            let webhookEvents = WebhookEvents(notifier: notifier, database: database, servedURL: { servedAddress.url },
                                              warn: { [logger] message in logger.warning("\(message)") })
            let outbox = WebhookOutbox(database: database, events: webhookEvents, warn: { [logger] message in logger.warning("\(message)") })
            let jobs = JobWorkerPool(store: JobStore(database: database),
                                     kinds: JobCatalogue.kinds(database: database, blobs: blobs, uploadExpiry: uploadExpiry,
                                                               vulndbCredentials: configuration.vulndbCredentials, external: external,
                                                               replication: replication, sealer: sealer),
                                     settings: configuration.jobs, logger: logger,
                                     onFinished: { task, status, result in
                                         if configuration.metricsEnabled {
                                             BerthMetrics.taskEnded(jobType: task.jobType, status: status, result: result)
                                         }
                                         await webhookEvents.finished(task, status: status, result: result)
                                     })
            pool.withLockedValue { $0 = jobs }
            let events = ArtifactEventFanOut([
                autoScanObserver,
                ReplicationEventObserver(triggers: ReplicationTriggers(database: database, notify: notify), logger: logger),
                webhookEvents,
                outbox,
            ])
            let proxy = ProxyCache(database: database, blobs: blobs, sealer: sealer, local: replication.local, audit: audit,
                                   logger: { [logger] message in logger.warning("\(message)") })
            let backend = RegistryBackend(blobs: blobs, database: database, policy: policy, audit: audit, events: events,
                                          pullThrough: ProxyPullThrough(cache: proxy),
                                          listensFor: { projectID, type in
                                              guard let type = WebhookEventType(rawValue: type) else { return false }
                                              return !(await notifier.listeners(type, projectID: projectID)).isEmpty
                                          },
                                          // TLS must see the bytes, so only plain HTTP sends files.
                                          fileHandoff: tls == nil ? FileRegionHandoff() : nil)
            let scheduler = Scheduler(schedules: ScheduleStore(database: database), pool: jobs, logger: logger)
            var api = APIServices(database: database, policy: policy, authenticator: authenticator, signer: signer,
                                  audit: audit, storage: APIStorageAdapter(blobs: blobs, database: database), jobPool: jobs,
                                  externalURL: configuration.externalURL, sealer: sealer, events: events, webhooks: notifier,
                                  jobEnded: { task, status, result in await webhookEvents.finished(task, status: status, result: result) },
                                  auditSettings: auditSettings, systemSettings: systemSettings)
            api.rootCertificatePEM = tls?.authorityPEM
            api.storageProviderName = configuration.storageDriver
            return BerthServer(configuration: configuration, database: database, backend: backend, api: api,
                               jobs: jobs, webhookJobs: webhookJobs, outbox: outbox, scheduler: scheduler, uploadExpiry: uploadExpiry,
                               generatedAdminPassword: generated, tls: tls, servedAddress: servedAddress, logger: logger)
        } catch {
            await database.close()
            throw error
        }
    }

    public func router() -> Router<BerthRequestContext> {
        let router = Router(context: BerthRequestContext.self)
        if configuration.metricsEnabled {
            BerthMetrics.start()
            router.add(middleware: MetricsMiddleware())
            router.add(middleware: TransferMetricsMiddleware())
            if configuration.metricsPort == nil { installMetrics(on: router) }
        }
        router.add(middleware: ReadOnlyMiddleware(settings: api.systemSettings))
        RegistryRoutes.install(on: router, backend: backend, authenticator: api.authenticator,
                               challenge: RegistryChallenge(externalURL: configuration.externalURL))
        HarborAPIRoutes.install(on: router, services: api)
        PortalRoutes.install(on: router, assets: PortalAssets(directory: configuration.portalAssetsDirectory))
        return router
    }

    private func installMetrics(on router: Router<BerthRequestContext>) {
        BerthMetrics.install(on: router, path: configuration.metricsPath, jobs: api.jobs,
                             jobTypes: { [api] in api.jobTypes }, database: database)
    }

    public func application() -> some ApplicationProtocol {
        var services: [any Service] = [UploadExpiryService(expiry: uploadExpiry, logger: logger),
                                       BackgroundJobsService(pools: [jobs, webhookJobs], scheduler: scheduler, outbox: outbox)]
        if configuration.metricsEnabled, let port = configuration.metricsPort { services.append(metricsApplication(port: port)) }
        if let tls { services.append(TLSReloadService(configuration: configuration, served: tls.served, logger: logger)) }
        return makeApplication(services: services) { _ in }
    }

    /// `/metrics` alone, over plain HTTP on its own port (`metrics.port`).
    private func metricsApplication(port: Int) -> some ApplicationProtocol {
        let router = Router(context: BerthRequestContext.self)
        installMetrics(on: router)
        return Application(router: router, configuration: .init(address: .hostname(configuration.host, port: port), serverName: "Berth"),
                           logger: logger)
    }

    /// The same routes served on a socket, without the background services (workers, upload
    /// expiry) that `application()` runs: for tests that drive `application()` in process and need
    /// real HTTP beside it. `onRunning` gets the bound port.
    public func socketApplication(onRunning: @escaping @Sendable (Int) -> Void) -> some ApplicationProtocol {
        makeApplication(services: [], onRunning: onRunning)
    }

    private func makeApplication(services: [any Service], onRunning: @escaping @Sendable (Int) -> Void) -> some ApplicationProtocol {
        let handoff = backend.fileHandoff
        let http: HTTPServerBuilder = .http1(configuration: .init(
            additionalChannelHandlers: [ExpectContinueHandler()] + (handoff.map { [SendfileInstaller(handoff: $0)] } ?? []),
            idleTimeout: .seconds(Int64(configuration.httpIdleTimeoutSeconds))))
        // The configuration was checked when it was loaded (`TLSSetup`), so making the context
        // again here cannot fail on it.
        let server = tls.map { try! HTTPServerBuilder.tls(http, tlsConfiguration: $0.configuration) } ?? http
        return Application(
            router: router(),
            server: server,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Berth"),
            services: services,
            onServerRunning: { [servedAddress] channel in
                servedAddress.serverRunning(on: channel)
                if let port = channel.localAddress?.port { onRunning(port) }
            },
            logger: logger)
    }

    public func close() async {
        await outbox.events.drainPulls()
        await backend.audit.close()
        await database.close()
    }
}
