import Access
import Foundation
import Hummingbird
import Metadata

/// `/search` (projects and repositories whose names contain `q`, among those the caller can see)
/// and `/statistics` (counts by visibility; totals and storage for system administrators).
struct SearchHandlers {
    let services: APIServices
    static let limit = 100

    func search(_ request: Request, context: some APIContext) async throws -> Response {
        guard let text = request.uri.queryParameters["q"].map(String.init), !text.isEmpty else {
            throw APIError.badRequest("q is required: the text to search project and repository names for")
        }
        let projects = ProjectHandlers(services: services)
        let visible = try await projects.visibleProjectIDs(context.identity)
        let found = try await services.projects.list(nameContains: text, isPublic: nil, visibleTo: visible,
                                                     page: OffsetRequest(offset: 0, limit: Self.limit))
        let repositories = try await services.repositories.search(text, visibleTo: visible, limit: Self.limit)
        return try JSONResponse.ok(SearchJSON(
            project: try await projects.responses(found.items, for: context.identity),
            repository: repositories.map {
                SearchRepositoryJSON(project_id: $0.projectID, project_name: $0.projectName, project_public: $0.projectPublic,
                                     repository_name: $0.name, pull_count: $0.pullCount, artifact_count: $0.artifactCount)
            }))
    }

    func statistics(_ request: Request, context: some APIContext) async throws -> Response {
        try services.requireAuthenticated(context.identity)
        let visible = try await ProjectHandlers(services: services).visibleProjectIDs(context.identity)
        let counts = try await services.repositories.statistics(visibleTo: visible)
        return try JSONResponse.ok(StatisticJSON(
            private_project_count: counts.privateProjects, private_repo_count: counts.privateRepositories,
            public_project_count: counts.publicProjects, public_repo_count: counts.publicRepositories,
            total_project_count: counts.totalProjects, total_repo_count: counts.totalRepositories,
            total_storage_consumption: counts.storageBytes))
    }
}

/// Harbor's `Search`.
struct SearchJSON: Encodable {
    let project: [ProjectResp]
    let repository: [SearchRepositoryJSON]
}

/// Harbor's `SearchRepository`.
struct SearchRepositoryJSON: Encodable {
    let project_id: Int64
    let project_name: String
    let project_public: Bool
    let repository_name: String
    let pull_count: Int64
    let artifact_count: Int64
}

/// Harbor's `Statistic`.
struct StatisticJSON: Encodable {
    let private_project_count: Int64
    let private_repo_count: Int64
    let public_project_count: Int64
    let public_repo_count: Int64
    let total_project_count: Int64
    let total_repo_count: Int64
    let total_storage_consumption: Int64
}
