import Jobs
import ServiceLifecycle

/// Runs the job workers and the scheduler for the life of the server; a graceful shutdown cancels
/// them (a task cut short is taken back by another node, or by this one at its next start, once its
/// lease runs out).
struct BackgroundJobsService: Service {
    let pools: [JobWorkerPool]
    let scheduler: Scheduler

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                for pool in pools { group.addTask { await pool.run() } }
                group.addTask { await scheduler.run() }
                await group.waitForAll()
            }
        }
    }
}
