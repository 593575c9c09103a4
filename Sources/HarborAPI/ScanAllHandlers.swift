import Access
import Hummingbird
import Jobs
import Metadata
import Services

/// `/scans/all/metrics`, `/scans/schedule/metrics` and `/system/scanAll/stop`: the latest scan-all
/// execution, counted by its `IMAGE_SCAN` tasks. The schedule itself is `SystemJobHandlers`'.
struct ScanAllHandlers {
    let services: APIServices

    /// Swagger's `Stats`.
    struct Stats: Encodable {
        let total: Int
        let completed: Int
        let metrics: [String: Int]
        let ongoing: Bool
        let trigger: String?
    }

    func latestMetrics(_ request: Request, context: some APIContext) async throws -> Response {
        try await metrics(context, trigger: nil)
    }

    func scheduledMetrics(_ request: Request, context: some APIContext) async throws -> Response {
        try await metrics(context, trigger: .schedule)
    }

    func stop(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.scanAll, .stop))
        guard let execution = try await latest(trigger: nil), !execution.status.isFinal else {
            throw APIError.badRequest("no scan all job is running")
        }
        try await services.jobs.stopExecution(execution.id)
        return JSONResponse.empty(.accepted)
    }

    private func metrics(_ context: some APIContext, trigger: JobTrigger?) async throws -> Response {
        try services.require(context.identity, system: Permission(.scanAll, .read))
        guard let execution = try await latest(trigger: trigger) else {
            return try JSONResponse.ok(Stats(total: 0, completed: 0, metrics: [:], ongoing: false, trigger: nil))
        }
        let counts = try await services.jobs.taskCounts(ofExecution: execution.id, jobType: ArtifactScanJob.jobType)
        var metrics = Dictionary(uniqueKeysWithValues: TaskStatus.allCases.map { ($0.rawValue, 0) })
        for (status, count) in counts { metrics[status.rawValue] = count }
        let total = counts.values.reduce(0, +)
        let completed = counts.filter { $0.key.isFinal }.values.reduce(0, +)
        return try JSONResponse.ok(Stats(total: total, completed: completed, metrics: metrics,
                                         ongoing: !execution.status.isFinal || total != completed,
                                         trigger: execution.trigger.rawValue.prefix(1) + execution.trigger.rawValue.dropFirst().lowercased()))
    }

    /// The newest scan-all execution (of `trigger`, when given).
    private func latest(trigger: JobTrigger?) async throws -> JobExecution? {
        var offset = 0
        while true {
            let page = try await services.jobs.executions(vendorType: ScanAllJob.jobType, page: OffsetRequest(offset: offset, limit: 50)).items
            if let match = page.first(where: { trigger == nil || $0.trigger == trigger }) { return match }
            guard page.count == 50 else { return nil }
            offset += 50
        }
    }
}
