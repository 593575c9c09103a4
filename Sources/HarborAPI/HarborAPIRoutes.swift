import Access
import HTTPTypes
import Hummingbird

/// The Harbor API in one table: `/service/token` and `/api/v2.0/...`.
public enum HarborAPIRoutes {
    public static func install<Context: APIContext>(on router: Router<Context>, services: APIServices) {
        let token = TokenHandler(services: services)
        router.group("service")
            .add(middleware: APIErrorMiddleware<Context>())
            .add(middleware: APIAuthenticationMiddleware<Context>(authenticator: services.authenticator))
            .get("token", use: token.issue)

        let api = router.group("api/v2.0")
            .add(middleware: APIErrorMiddleware<Context>())
            .add(middleware: CSRFMiddleware<Context>())
            .add(middleware: APIAuthenticationMiddleware<Context>(authenticator: services.authenticator))
        api.get("ping") { _, _ in Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: .init(string: "Pong"))) }

        let users = UserHandlers(services: services)
        api.post("users", use: users.create)
        api.get("users", use: users.list)
        api.get("users/search", use: users.search)
        api.get("users/current", use: users.current)
        api.get("users/:user_id", use: users.get)
        api.put("users/:user_id", use: users.updateProfile)
        api.delete("users/:user_id", use: users.delete)
        api.put("users/:user_id/password", use: users.changePassword)
        api.put("users/:user_id/sysadmin", use: users.setAdmin)

        let projects = ProjectHandlers(services: services)
        api.get("projects", use: projects.list)
        api.head("projects", use: projects.head)
        api.post("projects", use: projects.create)
        api.get("projects/:project_name_or_id", use: projects.get)
        api.put("projects/:project_name_or_id", use: projects.update)
        api.delete("projects/:project_name_or_id", use: projects.delete)
        api.get("projects/:project_name_or_id/summary", use: projects.summary)
        api.get("projects/:project_name_or_id/metadatas", use: projects.listMetadata)
        api.post("projects/:project_name_or_id/metadatas", use: projects.addMetadata)
        api.get("projects/:project_name_or_id/metadatas/:meta_name", use: projects.getMetadata)
        api.put("projects/:project_name_or_id/metadatas/:meta_name", use: projects.updateMetadata)
        api.delete("projects/:project_name_or_id/metadatas/:meta_name", use: projects.deleteMetadata)

        let members = MemberHandlers(services: services)
        api.get("projects/:project_name_or_id/members", use: members.list)
        api.post("projects/:project_name_or_id/members", use: members.create)
        api.get("projects/:project_name_or_id/members/:mid", use: members.get)
        api.put("projects/:project_name_or_id/members/:mid", use: members.update)
        api.delete("projects/:project_name_or_id/members/:mid", use: members.delete)

        let repositories = RepositoryHandlers(services: services)
        let repository = "projects/:project_name_or_id/repositories/:repository_name"
        api.get("projects/:project_name_or_id/repositories", use: repositories.list)
        api.get(RouterPath(repository), use: repositories.get)
        api.put(RouterPath(repository), use: repositories.update)
        api.delete(RouterPath(repository), use: repositories.delete)

        let artifacts = ArtifactHandlers(services: services)
        api.get(RouterPath(repository + "/artifacts"), use: artifacts.list)
        api.post(RouterPath(repository + "/artifacts"), use: artifacts.copy)
        api.get(RouterPath(repository + "/artifacts/:reference"), use: artifacts.get)
        api.delete(RouterPath(repository + "/artifacts/:reference"), use: artifacts.delete)

        let tags = TagHandlers(services: services)
        api.get(RouterPath(repository + "/artifacts/:reference/tags"), use: tags.list)
        api.post(RouterPath(repository + "/artifacts/:reference/tags"), use: tags.create)
        api.delete(RouterPath(repository + "/artifacts/:reference/tags/:tag_name"), use: tags.delete)

        let logs = AuditLogHandlers(services: services)
        api.get("audit-logs", use: logs.list)
        api.get("projects/:project_name_or_id/logs", use: logs.projectLogs)

        for job in [SystemJob.garbageCollection, SystemJob.purgeAudit] {
            let handlers = SystemJobHandlers(services: services, job: job)
            let base = String(job.path.dropFirst("/api/v2.0/".count))
            api.get(RouterPath(base), use: handlers.history)
            api.get(RouterPath(base + "/schedule"), use: handlers.getSchedule)
            api.post(RouterPath(base + "/schedule"), use: handlers.createSchedule)
            api.put(RouterPath(base + "/schedule"), use: handlers.updateSchedule)
            api.get(RouterPath(base + "/:execution_id"), use: handlers.get)
            api.put(RouterPath(base + "/:execution_id"), use: handlers.stop)
            api.get(RouterPath(base + "/:execution_id/log"), use: handlers.log)
        }

        let immutable = ImmutableRuleHandlers(services: services)
        api.get("projects/:project_name_or_id/immutabletagrules", use: immutable.list)
        api.post("projects/:project_name_or_id/immutabletagrules", use: immutable.create)
        api.put("projects/:project_name_or_id/immutabletagrules/:immutable_rule_id", use: immutable.update)
        api.delete("projects/:project_name_or_id/immutabletagrules/:immutable_rule_id", use: immutable.delete)

        let retentions = RetentionHandlers(services: services)
        api.get("retentions/metadatas", use: retentions.metadatas)
        api.post("retentions", use: retentions.create)
        api.get("retentions/:id", use: retentions.get)
        api.put("retentions/:id", use: retentions.update)
        api.delete("retentions/:id", use: retentions.delete)
        api.post("retentions/:id/executions", use: retentions.trigger)
        api.get("retentions/:id/executions", use: retentions.executions)
        api.patch("retentions/:id/executions/:eid", use: retentions.operate)
        api.get("retentions/:id/executions/:eid/tasks", use: retentions.tasks)
        api.get("retentions/:id/executions/:eid/tasks/:tid", use: retentions.taskLog)

        let quotas = QuotaHandlers(services: services)
        api.get("quotas", use: quotas.list)
        api.get("quotas/:id", use: quotas.get)
        api.put("quotas/:id", use: quotas.update)

        let jobService = JobServiceHandlers(services: services)
        api.get("jobservice/pools", use: jobService.pools)
        api.get("jobservice/pools/:pool_id/workers", use: jobService.workers)
        api.put("jobservice/jobs/:job_id", use: jobService.stopJob)
        api.get("jobservice/jobs/:job_id/log", use: jobService.jobLog)
        api.get("jobservice/queues", use: jobService.queues)
        api.put("jobservice/queues/:job_type", use: jobService.actOnQueue)
        api.get("schedules", use: jobService.schedules)
        api.get("schedules/:job_type/paused", use: jobService.schedulerPaused)

        let robots = RobotHandlers(services: services)
        api.get("robots", use: robots.list)
        api.post("robots", use: robots.create)
        api.get("robots/:robot_id", use: robots.get)
        api.put("robots/:robot_id", use: robots.update)
        api.patch("robots/:robot_id", use: robots.refreshSecret)
        api.delete("robots/:robot_id", use: robots.delete)
    }
}
