import Access
import Foundation
import HTTPTypes
import Hummingbird
import Jobs
import Metadata
import Services

/// `/export/cve`: a project's vulnerabilities as a CSV file made by a `SCAN_DATA_EXPORT` job.
/// As in Harbor, an export belongs to the user who asked for it: only they see and download it,
/// and the file is removed once downloaded.
struct CVEExportHandlers {
    let services: APIServices

    static let dataType = HTTPField.Name("X-Scan-Data-Type")!

    func start(_ request: Request, context: some APIContext) async throws -> Response {
        let user = try requireUser(context.identity)
        guard request.headers[Self.dataType] == BuiltinScanner.nativeReportType else {
            throw APIError.badRequest("Unsupported MIME type : \(request.headers[Self.dataType] ?? ""); X-Scan-Data-Type must be \(BuiltinScanner.nativeReportType)")
        }
        let body = try await JSONBody.decode(ScanDataExportReq.self, from: request)
        guard let projects = body.projects, projects.count == 1 else {
            throw APIError.badRequest("only support export single project, invalid value for projects")
        }
        guard let project = try await services.projects.find(id: projects[0]) else {
            throw APIError.notFound("project \(projects[0]) not found")
        }
        try await services.require(context.identity, Permission(.exportCVE, .create), in: project)
        guard (body.labels ?? []).isEmpty else {
            throw APIError.badRequest("filtering an export by labels is not supported by this Berth version; leave labels empty")
        }
        let filters = [body.repositories, body.tags, body.cveIds].map { $0 ?? "" }
        guard !filters.contains(where: { $0.contains(" ") }) else {
            throw APIError.badRequest("invalid criteria value, please remove additional spaces for input repositories, tags and CVE IDs")
        }
        let parameters: CVEExportParameters
        do {
            parameters = try CVEExportParameters(projectID: project.id, repositories: filters[0], tags: filters[1], cveIDs: filters[2],
                                                 jobName: body.job_name ?? "", userID: user.id, userName: user.name).validated()
        } catch let error as CVEExportError { throw APIError.badRequest(error.description) }
        let json = CanonicalJSON.string(parameters)
        let execution = try await services.jobs.enqueue(
            vendorType: CVEExportJob.jobType, vendorID: user.id, trigger: .manual, parameters: json,
            tasks: [TaskSpec(jobType: CVEExportJob.jobType, parameters: json, maxAttempts: 1)])
        services.jobPool?.notify()
        await services.recordAudit(context.identity, "create", "export-cve", "execution \(execution)", projectID: project.id)
        return try JSONResponse.ok(ScanDataExportJobResp(id: execution))
    }

    func execution(_ request: Request, context: some APIContext) async throws -> Response {
        let user = try requireUser(context.identity)
        let (execution, parameters) = try await ownExecution(context, user: user)
        return try JSONResponse.ok(try await present(execution, parameters))
    }

    func list(_ request: Request, context: some APIContext) async throws -> Response {
        let user = try requireUser(context.identity)
        let executions = try await services.jobs.executions(vendorType: CVEExportJob.jobType, vendorID: user.id,
                                                            page: OffsetRequest(offset: 0, limit: 1000)).items
        var items: [ScanDataExportExecutionResp] = []
        for execution in executions {
            guard let parameters = Self.parameters(execution), parameters.user_name == user.name else { continue }
            items.append(try await present(execution, parameters))
        }
        return try JSONResponse.ok(ScanDataExportExecutionListResp(items: items))
    }

    /// Streams the file, then removes it: a second download is a 404, as in Harbor.
    func download(_ request: Request, context: some APIContext) async throws -> Response {
        let user = try requireUser(context.identity)
        let (execution, _) = try await ownExecution(context, user: user)
        guard let storage = services.storage, let size = try await storage.exportSize(execution.id) else {
            throw APIError.notFound("the export file of execution \(execution.id) is not present")
        }
        let id = execution.id
        let body = ResponseBody(contentLength: Int(size)) { writer in
            try await storage.readExport(id, range: 0..<size) { try await writer.write($0) }
            try await writer.finish(nil)
            try? await storage.deleteExport(id)
        }
        return Response(status: .ok, headers: [
            .contentType: "text/csv", .contentLength: String(size),
            .contentDisposition: "attachment; filename=\"scandata_export_\(execution.id).csv\"",
        ], body: body)
    }

    private func requireUser(_ identity: Identity) throws -> (id: Int64, name: String) {
        switch identity {
        case .user(let id, let name, _): return (id, name)
        case .anonymous: throw APIError.unauthorized("authentication required")
        default: throw APIError.forbidden("CVE export is for users; robot accounts and tokens cannot export")
        }
    }

    /// The caller's export execution named in the path: 404 when there is none, 403 when it is
    /// someone else's (system admins included, as in Harbor).
    private func ownExecution(_ context: some APIContext, user: (id: Int64, name: String)) async throws -> (JobExecution, CVEExportParameters) {
        guard let id = Int64(try context.parameters.required("execution_id")) else { throw APIError.badRequest("execution_id must be an integer") }
        guard let execution = try await services.jobs.execution(id), execution.vendorType == CVEExportJob.jobType,
              let parameters = Self.parameters(execution) else {
            throw APIError.notFound("export execution \(id) not found")
        }
        guard parameters.user_name == user.name, parameters.user_id == user.id else {
            throw APIError.forbidden("the export execution \(id) belongs to another user")
        }
        return (execution, parameters)
    }

    static func parameters(_ execution: JobExecution) -> CVEExportParameters? {
        try? JSONDecoder().decode(CVEExportParameters.self, from: Data(execution.parameters.utf8))
    }

    private func present(_ execution: JobExecution, _ parameters: CVEExportParameters) async throws -> ScanDataExportExecutionResp {
        let result = try await services.jobs.tasks(ofExecution: execution.id).first?.result
            .flatMap { try? JSONDecoder().decode(CVEExportResult.self, from: Data($0.utf8)) }
        let present = try await services.storage?.exportSize(execution.id) != nil
        var text = result?.status_message ?? execution.statusMessage ?? ""
        if execution.status == .error && text.isEmpty { text = "the export failed: see the job service's task log" }
        return ScanDataExportExecutionResp(
            id: execution.id, user_id: execution.vendorID, status: execution.status.rawValue, trigger: execution.trigger.rawValue,
            start_time: Timestamp.rfc3339(millis: execution.startTime), end_time: execution.endTime.map(Timestamp.rfc3339(millis:)),
            status_text: text, user_name: parameters.user_name, file_present: present)
    }
}
