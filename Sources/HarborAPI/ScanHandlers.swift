import Access
import Foundation
import Hummingbird
import Jobs
import Metadata
import OCI
import Services

/// `.../artifacts/{reference}/scan` (vulnerability or SBOM), `/scan/stop`, `/scan/{report_id}/log`
/// and `.../additions/vulnerabilities`.
struct ScanHandlers {
    let services: APIServices

    /// The report types `additions/vulnerabilities` can answer with, in Harbor's default order.
    static let reportTypes = BuiltinScanner.produces

    func scan(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await services.namedProject(context)
        let kind = try await Self.scanKind(request)
        try await services.require(context.identity, Permission(Self.resource(kind), .create), in: project)
        let artifact = try await services.artifact(context, in: try APIServices.repositoryName(context, in: project))
        let running = try await services.scanReports.reports(manifestIDs: try await imageIDs(artifact), scanType: kind.rawValue)
            .values.flatMap { $0 }.first { !(TaskStatus(rawValue: $0.status)?.isFinal ?? true) }
        if let running { throw APIError.conflict("a previous scan process is \(running.status)") }
        do {
            try await services.scanRequester.request(artifact, trigger: .manual, kind: kind)
        } catch ScanRequestError.unsupported(let reason) {
            throw APIError.badRequest(reason)
        }
        await services.recordAudit(context.identity, "create", Self.resource(kind).rawValue, "\(artifact.repositoryName)@\(artifact.digest)",
                                   projectID: project.id)
        return JSONResponse.empty(.accepted)
    }

    func stop(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await services.namedProject(context)
        let kind = try await Self.scanKind(request)
        try await services.require(context.identity, Permission(Self.resource(kind), .stop), in: project)
        let artifact = try await services.artifact(context, in: try APIServices.repositoryName(context, in: project))
        let stopped: Bool
        do { stopped = try await services.scanRequester.stop(artifact, kind: kind) } catch ScanRequestError.unsupported(let reason) {
            throw APIError.badRequest(reason)
        }
        guard stopped else { throw APIError.badRequest("no scan job for artifact digest=\(artifact.digest)") }
        return JSONResponse.empty(.accepted)
    }

    func log(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await services.namedProject(context)
        try await services.require(context.identity, Permission(.scan, .read), in: project)
        let artifact = try await services.artifact(context, in: try APIServices.repositoryName(context, in: project))
        let reportID = try context.parameters.required("report_id")
        guard let report = try await services.scanReports.report(uuid: reportID),
              try await imageIDs(artifact).contains(report.manifestID) else {
            throw APIError.notFound("report \(reportID) not found for artifact \(artifact.digest)")
        }
        guard let task = report.taskID, let log = try await services.jobs.log(ofTask: task) else {
            return TextResponse.ok("")
        }
        return TextResponse.ok(log.text)
    }

    /// `{ "<report type>": <report> }` for the first accepted type with a report, `{}` without one.
    /// An index's report holds the findings of all its images, as Harbor merges them.
    func vulnerabilities(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await services.namedProject(context)
        try await services.require(context.identity, Permission(.artifactAddition, .read), in: project)
        let artifact = try await services.artifact(context, in: try APIServices.repositoryName(context, in: project))
        let accepted = (request.headers[values: .init("X-Accept-Vulnerabilities")!].joined(separator: ","))
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let wanted = accepted.isEmpty ? Self.reportTypes : accepted
        let ids = try await imageIDs(artifact)
        let stored = try await services.scanReports.reports(manifestIDs: ids)
        let reports = ids.compactMap { stored[$0]?.first?.result?.report }
        guard let type = wanted.first(where: { type in Self.reportTypes.contains { $0.caseInsensitiveCompare(type) == .orderedSame } }),
              let report = try Self.merged(reports, digest: artifact.digest.description) else {
            return try JSONResponse.ok([String: String]())
        }
        let body = try JSONSerialization.data(withJSONObject: [type: report], options: [.sortedKeys, .withoutEscapingSlashes])
        return Response(status: .ok, headers: [.contentType: "application/json", .contentLength: String(body.count)],
                        body: .init(byteBuffer: .init(bytes: body)))
    }

    /// `.../additions/sbom`: the SBOM document of a Harbor SBOM accessory, streamed, with Harbor's
    /// content type. Asked of an image, it answers with the SBOM generated for that image. SPDX
    /// unless `sbom_media_type` asks for another layer's type (`application/vnd.cyclonedx+json`).
    func sbom(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await services.namedProject(context)
        try await services.require(context.identity, Permission(.artifactAddition, .read), in: project)
        let artifact = try await services.artifact(context, in: try APIServices.repositoryName(context, in: project))
        let notFound = APIError.notFound("The sbom is not found")
        var accessory = artifact
        if artifact.artifactType != SBOMGenerationJob.artifactType {
            guard let generated = try await services.scanReports.reports(manifestIDs: [artifact.id], scanType: ScanKind.sbom.rawValue)[artifact.id]?
                    .first?.result.flatMap({ SBOMReference(json: $0.report) }),
                  let digest = try? Digest(parsing: generated.digest),
                  let found = try await services.artifacts.artifact(.digest(digest), in: artifact.repositoryName) else { throw notFound }
            accessory = found
        }
        let wanted = request.uri.queryParameters["sbom_media_type"].map(String.init)
        guard let manifest = try? Manifest(bytes: accessory.payload, contentType: accessory.mediaType),
              let chosen = wanted.map({ type in manifest.layers.first { $0.mediaType == type } }) ?? manifest.layers.first,
              let layer = try? chosen.validDigest(),
              let content = try await services.storage?.body(of: layer) else {
            throw wanted == nil ? notFound : APIError.notFound("The sbom is not found in \(wanted!)")
        }
        return Response(status: .ok, headers: [.contentType: SBOMGenerationJob.artifactType, .contentLength: String(content.size)],
                        body: content.body)
    }

    /// One report, or an index's images' reports as one: the first's header, every finding, the
    /// worst severity, the index's digest.
    static func merged(_ reports: [String], digest: String) throws -> [String: Any]? {
        let objects = reports.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        guard var merged = objects.first else { return nil }
        guard objects.count > 1 else { return merged }
        merged["vulnerabilities"] = objects.flatMap { $0["vulnerabilities"] as? [Any] ?? [] }
        merged["severity"] = HarborSeverity.worst(objects.compactMap { $0["severity"] as? String })
        if var described = merged["artifact"] as? [String: Any] {
            described["digest"] = digest
            merged["artifact"] = described
        }
        return merged
    }

    /// The images a scan of the artifact covers (the artifact itself, or an index's images).
    private func imageIDs(_ artifact: ArtifactRecord) async throws -> [Int64] {
        guard MediaType.indexTypes.contains(artifact.mediaType) else { return [artifact.id] }
        return try await services.scanRequester.images(of: artifact).map(\.id)
    }

    /// The body is optional (`{"scan_type": "vulnerability"}` or `"sbom"`); without one, a
    /// vulnerability scan.
    static func scanKind(_ request: Request) async throws -> ScanKind {
        let bytes = try await JSONBody.optionalBytes(from: request)
        guard !bytes.isEmpty else { return .vulnerability }
        let body: ScanTypeReq
        do { body = try JSONDecoder().decode(ScanTypeReq.self, from: bytes) } catch {
            throw APIError.badRequest("the body must be a JSON object like {\"scan_type\": \"vulnerability\"}")
        }
        guard let type = body.scan_type else { return .vulnerability }
        guard let kind = ScanKind(rawValue: type) else {
            throw APIError.badRequest("unknown scan type \(type): must be vulnerability or sbom")
        }
        return kind
    }

    /// Harbor guards SBOM generation with its own RBAC resource.
    static func resource(_ kind: ScanKind) -> Resource {
        kind == .sbom ? .sbom : .scan
    }
}
