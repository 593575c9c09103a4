import Access
import Foundation
import Hummingbird
import Metadata
import OCI

/// `/projects/{project}/signature-keys`: the cosign public keys a project trusts. With any key
/// present and `enable_content_trust_cosign` on, a pull needs a cosign signature that verifies
/// against one of them, not merely a signature (Berth's addition to Harbor's content trust).
/// Reading them needs the project's metadata read permission; changing them, its update permission.
struct SignatureKeyHandlers {
    let services: APIServices

    static let maximumNameLength = 128
    /// A PEM public key is a few hundred bytes.
    static let maximumKeyLength = 8 * 1024

    struct KeyReq: Decodable {
        let name: String?
        let public_key: String?
    }

    struct KeyResp: Encodable {
        let id: Int64
        let name: String
        let public_key: String
        let fingerprint: String
        let creation_time: String

        init(_ record: SignatureKeyRecord) {
            id = record.id
            name = record.name
            public_key = record.publicKey
            fingerprint = record.fingerprint
            creation_time = Timestamp.rfc3339(millis: record.creationTime)
        }
    }

    func list(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await services.project(request, parameter: try context.parameters.required("project_name_or_id"))
        try await services.require(context.identity, Permission(.metadata, .read), in: project)
        return try JSONResponse.ok(try await services.signatureKeys.keys(projectID: project.id).map(KeyResp.init))
    }

    func create(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await services.project(request, parameter: try context.parameters.required("project_name_or_id"))
        try await services.require(context.identity, Permission(.metadata, .update), in: project)
        let body = try await JSONBody.decode(KeyReq.self, from: request)
        let name = (body.name ?? "").trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= Self.maximumNameLength else {
            throw APIError.badRequest("name is required, at most \(Self.maximumNameLength) characters")
        }
        guard let pem = body.public_key, pem.utf8.count <= Self.maximumKeyLength else {
            throw APIError.badRequest("public_key is required: an ECDSA P-256 public key in PEM")
        }
        let key: TrustedSigningKey
        do { key = try TrustedSigningKey(pem: pem) } catch { throw APIError.badRequest(error.description) }
        let id = try await services.signatureKeys.insert(projectID: project.id, name: name, publicKey: pem, fingerprint: key.fingerprint)
        await services.recordAudit(context.identity, "create", "signature_key", "\(project.name)/\(name)", projectID: project.id)
        return JSONResponse.created(location: "/api/v2.0/projects/\(project.id)/signature-keys/\(id)")
    }

    func delete(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await services.project(request, parameter: try context.parameters.required("project_name_or_id"))
        try await services.require(context.identity, Permission(.metadata, .delete), in: project)
        let id = try context.parameters.requiredID("key_id")
        guard try await services.signatureKeys.delete(id: id, projectID: project.id) else {
            throw APIError.notFound("signature key \(id) not found in \(project.name)")
        }
        await services.recordAudit(context.identity, "delete", "signature_key", "\(project.name)/\(id)", projectID: project.id)
        return JSONResponse.empty(.ok)
    }
}
