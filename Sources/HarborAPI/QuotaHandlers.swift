import Access
import Foundation
import Hummingbird
import Metadata

/// `/api/v2.0/quotas`: every project's storage quota, its hard limit and usage (system administrators).
struct QuotaHandlers {
    let services: APIServices

    func list(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.quota, .list))
        let query = request.uri.queryParameters
        if let reference = query["reference"], reference != "project" { throw APIError.badRequest("reference must be project") }
        let projectID = try query["reference_id"].map { text -> Int64 in
            guard let id = Int64(text), id > 0 else { throw APIError.badRequest("reference_id must be a project id") }
            return id
        }
        let paging = try Pagination(request)
        let order: ((QuotaResp, QuotaResp) -> Bool)?
        switch query["sort"].map(String.init) {
        case nil, "": order = nil
        case "used.storage": order = { $0.used["storage"]! < $1.used["storage"]! }
        case "-used.storage": order = { $0.used["storage"]! > $1.used["storage"]! }
        case "hard.storage": order = { $0.hard["storage"]! < $1.hard["storage"]! }
        case "-hard.storage": order = { $0.hard["storage"]! > $1.hard["storage"]! }
        case let other?: throw APIError.badRequest("quotas sort by used.storage or hard.storage (got \(other))")
        }
        guard let order else {
            let page = try await services.quotas.list(projectID: projectID, page: paging.offsetRequest)
            return try JSONResponse.ok(try await responses(page.items), headers: paging.headers(total: page.total, path: "/api/v2.0/quotas"))
        }
        // Usage is computed, not stored, so sorting by it sorts every project's quota, then pages.
        let all = try await services.quotas.list(projectID: projectID, page: OffsetRequest(offset: 0, limit: 100_000))
        let sorted = try await responses(all.items).sorted(by: order)
        let page = paging.slice(sorted)
        return try JSONResponse.ok(page, headers: paging.headers(total: all.total, path: "/api/v2.0/quotas"))
    }

    func get(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.quota, .read))
        guard let quota = try await services.quotas.quota(id: try context.parameters.requiredID("id")) else {
            throw APIError.notFound("quota not found")
        }
        return try JSONResponse.ok(try await responses([quota])[0])
    }

    func update(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.quota, .update))
        let id = try context.parameters.requiredID("id")
        guard let hard = try await JSONBody.decode(QuotaUpdateReq.self, from: request).hard, let storage = hard["storage"], hard.count == 1 else {
            throw APIError.badRequest(#"hard must be {"storage": <bytes>}"#)
        }
        guard QuotaStore.isValid(hard: storage) else {
            throw APIError.badRequest("hard.storage must be -1 (unlimited) or 1 to \(QuotaStore.maximum) bytes (got \(storage))")
        }
        guard try await services.quotas.setHard(id: id, hard: storage) else { throw APIError.notFound("quota \(id) not found") }
        return JSONResponse.empty(.ok)
    }

    private func responses(_ quotas: [Quota]) async throws -> [QuotaResp] {
        var result: [QuotaResp] = []
        for quota in quotas {
            let project = try await services.projects.find(id: quota.projectID)
            result.append(QuotaResp(
                id: quota.id, ref: QuotaRef(id: quota.projectID, name: project?.name ?? "", owner_name: nil),
                hard: ["storage": quota.hard], used: ["storage": quota.used],
                creation_time: Timestamp.rfc3339(millis: quota.creationTime), update_time: Timestamp.rfc3339(millis: quota.updateTime)))
        }
        return result
    }
}

struct QuotaUpdateReq: Decodable {
    let hard: [String: Int64]?
}

struct QuotaRef: Encodable {
    let id: Int64
    let name: String
    let owner_name: String?
}

struct QuotaResp: Encodable {
    let id: Int64
    let ref: QuotaRef
    let hard: [String: Int64]
    let used: [String: Int64]
    let creation_time: String
    let update_time: String
}
