import Jobs
import Services
import ServiceLifecycle

/// Runs the job workers, the scheduler and the webhook outbox for the life of the server; a graceful shutdown cancels
/// them (a task cut short is taken back by another node, or by this one at its next start, once its
/// lease runs out).
struct BackgroundJobsService: Service {
    let pools: [JobWorkerPool]
    let scheduler: Scheduler
    let outbox: WebhookOutbox

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                for pool in pools { group.addTask { await pool.run() } }
                group.addTask { await scheduler.run() }
                group.addTask { await outbox.run() }
                await group.waitForAll()
            }
        }
    }
}
