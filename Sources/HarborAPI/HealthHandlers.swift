import Foundation
import Hummingbird
import Metadata
import NIOConcurrencyHelpers

/// `GET /api/v2.0/health`, Harbor's component list, answered without authentication: `core`
/// (this process answering), `database` (a query), `storage` (a small write, read back and
/// removed), `jobservice` (a worker pool of the service with a recent heartbeat, on any node) and
/// `scanner` (the default external adapter's metadata; the built-in scanner is always there).
/// The overall status is healthy only when every component is. Why a component is unhealthy is
/// told to system administrators only: anyone may ask, and the reasons name hosts and paths.
///
/// Anyone may ask often, so the checks run at most every 5 seconds (the answer is kept between),
/// each has 3 seconds, and a check that has not come back is not started again: a hung disk
/// costs one stuck probe, not one per request.
final class HealthHandlers: Sendable {
    let services: APIServices
    static let freshMillis: Int64 = 5_000
    static let deadlineNanoseconds: UInt64 = 3_000_000_000

    private let last = NIOLockedValueBox<(at: Int64, components: [Component])?>(nil)
    private let running = NIOLockedValueBox<Set<String>>([])

    init(services: APIServices) { self.services = services }

    struct Component: Encodable, Equatable, Sendable {
        let name: String
        let status: String
        var error: String?
    }

    struct Overall: Encodable {
        let status: String
        let components: [Component]
    }

    func get(_ request: Request, context: some APIContext) async throws -> Response {
        var components = await current()
        // A stopping node says so at once, with 503 (Harbor answers 200 whatever the status), so
        // that a readiness probe takes it out of service before it stops accepting connections.
        let draining = services.drain.isDraining
        if draining { components[0] = Component(name: "core", status: "unhealthy", error: "shutting down") }
        if !context.identity.isAdmin {
            for i in components.indices where components[i].error != nil { components[i].error = "unavailable" }
        }
        let healthy = components.allSatisfy { $0.status == "healthy" }
        var response = try JSONResponse.ok(Overall(status: healthy ? "healthy" : "unhealthy", components: components))
        if draining { response.status = .serviceUnavailable }
        return response
    }

    /// The last answer while it is fresh, else the checks run again.
    private func current() async -> [Component] {
        let now = WallClock.nowMillis()
        if let cached = last.withLockedValue({ $0 }), now - cached.at < Self.freshMillis { return cached.components }
        let services = self.services
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
        async let scanner = check("scanner") {
            // The built-in scanner runs in this process; an external adapter chosen as the
            // default must answer with its metadata.
            let registrations = try await ScannerRegistrationStore(database: services.database, sealer: services.sealer).all()
            guard let chosen = registrations.first(where: { $0.isDefault && !$0.disabled }) else { return }
            _ = try await ScannerHandlers.adapterMetadata(of: chosen)
        }
        let components = [Component(name: "core", status: "healthy")] + (await [database, storage, jobs, scanner])
        last.withLockedValue { $0 = (now, components) }
        return components
    }

    struct HealthProblem: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    /// Runs `probe` on its own task against the deadline: the answer does not wait for a probe
    /// that cannot be cancelled (a blocked file system call), and that probe is not started again
    /// until it ends.
    private func check(_ name: String, _ probe: @escaping @Sendable () async throws -> Void) async -> Component {
        guard running.withLockedValue({ $0.insert(name).inserted }) else {
            return Component(name: name, status: "unhealthy", error: "the previous check has not come back")
        }
        let outcome: String? = await withCheckedContinuation { continuation in
            let answered = NIOLockedValueBox(false)
            let answer: @Sendable (String?) -> Void = { result in
                if answered.withLockedValue({ done in defer { done = true }; return !done }) { continuation.resume(returning: result) }
            }
            Task {
                do { try await probe(); answer(nil) } catch { answer("\(error)") }
                _ = self.running.withLockedValue { $0.remove(name) }
            }
            Task {
                try? await Task.sleep(nanoseconds: Self.deadlineNanoseconds)
                answer("no answer within 3 seconds")
            }
        }
        return outcome.map { Component(name: name, status: "unhealthy", error: $0) } ?? Component(name: name, status: "healthy")
    }
}
