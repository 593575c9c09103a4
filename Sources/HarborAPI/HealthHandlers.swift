import Foundation
import Hummingbird
import Metadata

/// `GET /api/v2.0/health`, Harbor's component list, answered without authentication: `core`
/// (this process answering), `database` (a query), `storage` (a small write, read back and
/// removed) and `jobservice` (a worker pool of the service with a recent heartbeat, on any node).
/// Each check has 3 seconds; the overall status is healthy only when every component is. Why a
/// component is unhealthy is told to system administrators only: anyone may ask, and the
/// reasons name hosts and paths.
struct HealthHandlers {
    let services: APIServices

    struct Component: Encodable, Equatable {
        let name: String
        let status: String
        var error: String?
    }

    struct Overall: Encodable {
        let status: String
        let components: [Component]
    }

    func get(_ request: Request, context: some APIContext) async throws -> Response {
        async let database = check("database") {
            _ = try await services.database.read { db in try await db.raw("SELECT 1 AS ok").first() }
        }
        async let storage = check("storage") {
            try await services.requiredStorage().probe()
        }
        async let jobs = check("jobservice") {
            let since = WallClock.nowMillis() - (services.jobPool?.settings.leaseMillis ?? 30_000)
            guard try await !services.jobs.pools(aliveSince: since).isEmpty else {
                throw HealthProblem(message: "no job worker pool has sent a heartbeat recently")
            }
        }
        var components = [Component(name: "core", status: "healthy")] + (await [database, storage, jobs])
        if !context.identity.isAdmin {
            for i in components.indices where components[i].error != nil { components[i].error = "unavailable" }
        }
        let healthy = components.allSatisfy { $0.status == "healthy" }
        return try JSONResponse.ok(Overall(status: healthy ? "healthy" : "unhealthy", components: components))
    }

    struct HealthProblem: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    /// Runs `probe` with a deadline; a failure or a timeout is the component's error.
    private func check(_ name: String, _ probe: @escaping @Sendable () async throws -> Void) async -> Component {
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await probe() }
                group.addTask {
                    try await Task.sleep(nanoseconds: 3_000_000_000)
                    throw HealthProblem(message: "no answer within 3 seconds")
                }
                try await group.next()
                group.cancelAll()
            }
            return Component(name: name, status: "healthy")
        } catch {
            return Component(name: name, status: "unhealthy", error: "\(error)")
        }
    }
}
