import Foundation
import Hummingbird
import Jobs
import Metadata
import Metrics
import NIOConcurrencyHelpers
import Prometheus
import Services

/// The process's metrics in Prometheus' text format at `GET /metrics` (or `metrics.path`, on
/// `metrics.port` when set): requests by route, method and status with their durations
/// (Hummingbird's `MetricsMiddleware`), body bytes in and out (`TransferMetricsMiddleware`), job
/// tasks ended by type and outcome, the bytes and blobs garbage collection freed, this process's
/// database operations against its connection limit, and, read when scraped, the job queues' depth
/// and wait and the open upload sessions. One registry per process: swift-metrics is
/// bootstrapped once. Served only with `metrics.enabled`.
enum BerthMetrics {
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // swift-metrics labels have dots (`http.route`); Prometheus names take letters, digits, `_`.
        factory.nameAndLabelSanitizer = { name, labels in
            (prometheusName(name), labels.map { (prometheusName($0.0), $0.1) })
        }
        MetricsSystem.bootstrap(factory)
        return registry
    }()

    /// Touching the registry bootstraps swift-metrics; the server calls this before serving.
    static func start() { _ = registry }

    static func prometheusName(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == ":" ? $0 : "_" })
    }

    /// Counts a job task that ended, by job type and final status, and what a garbage collection
    /// freed (from its report).
    static func taskEnded(jobType: String, status: TaskStatus, result: String?) {
        Counter(label: "berth_job_tasks_ended", dimensions: [("job_type", jobType), ("status", status.rawValue)]).increment()
        if jobType == GarbageCollectionJob.jobType, status == .success, let result,
           let report = try? JSONDecoder().decode(GarbageCollectionJob.Report.self, from: Data(result.utf8)), !report.dry_run {
            Counter(label: "berth_gc_freed_bytes_total").increment(by: report.freed_bytes)
            Counter(label: "berth_gc_deleted_blobs_total").increment(by: report.deleted_blobs)
        }
    }

    static func install(on router: Router<BerthRequestContext>, path: String, jobs: JobStore,
                        jobTypes: @escaping @Sendable () -> [String], database: MetadataDatabase) {
        let lastRead = NIOLockedValueBox<Int64>(0)
        router.get(RouterPath(path)) { _, _ -> Response in
            // Scrape-time values: what the database holds now, on every node alike; read at most
            // every 5 s however often the page is asked for.
            let now = WallClock.nowMillis()
            let due = lastRead.withLockedValue { last in
                guard now - last >= 5_000 else { return false }
                last = now
                return true
            }
            if due { await readDatabaseGauges(jobs: jobs, jobTypes: jobTypes, database: database) }
            // This process's own use of its connections: read on every scrape, it costs no query.
            registry.makeGauge(name: "berth_database_operations_active", labels: []).set(Double(database.activeOperations))
            registry.makeGauge(name: "berth_database_connections_limit", labels: []).set(Double(database.connectionLimit))
            var text: [UInt8] = []
            registry.emit(into: &text)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: text)))
        }
    }

    private static func readDatabaseGauges(jobs: JobStore, jobTypes: @Sendable () -> [String], database: MetadataDatabase) async {
            for queue in (try? await jobs.queues(known: jobTypes())) ?? [] {
                registry.makeGauge(name: "berth_job_queue_pending", labels: [("job_type", queue.jobType)]).set(Double(queue.count))
                registry.makeGauge(name: "berth_job_queue_latency_seconds", labels: [("job_type", queue.jobType)]).set(Double(queue.latencySeconds))
            }
            if let open = try? await database.read({ db in
                try await db.raw("SELECT COUNT(*) AS n FROM upload_sessions").first()?.decode(column: "n", as: Int64.self)
            }) {
                registry.makeGauge(name: "berth_upload_sessions_open", labels: []).set(Double(open ?? 0))
            }
    }
}
