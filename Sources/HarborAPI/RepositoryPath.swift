import Hummingbird
import Metadata
import OCI

extension APIServices {
    /// The `{project_name}` of the repository and artifact endpoints: always a name, as in Harbor.
    func namedProject(_ context: some APIContext) async throws -> Project {
        let name = try context.parameters.required("project_name_or_id")
        guard let project = try await projects.find(name: name) else { throw APIError.notFound("project \(name) not found") }
        return project
    }

    /// The full repository name from `{repository_name}`, the name inside the project. Harbor
    /// clients encode a slash twice (`a%252Fb`); once (`a%2Fb`) is accepted too.
    static func repositoryName(_ context: some APIContext, in project: Project) throws -> RepositoryName {
        var name = try context.parameters.required("repository_name")
        for _ in 0..<2 {
            guard name.contains("%"), let decoded = name.removingPercentEncoding else { break }
            name = decoded
        }
        return try RepositoryName(project.name + "/" + name)
    }

    /// The `{reference}` path parameter: a tag, or a digest whose colon may arrive encoded.
    static func reference(_ context: some APIContext) throws -> Reference {
        let raw = try context.parameters.required("reference")
        return try Reference(raw.removingPercentEncoding ?? raw)
    }

    /// The artifact `{reference}` names, or 404.
    func artifact(_ context: some APIContext, in repository: RepositoryName) async throws -> ArtifactRecord {
        let reference = try Self.reference(context)
        guard let artifact = try await artifacts.artifact(reference, in: repository) else {
            throw APIError.notFound("artifact \(reference) not found in \(repository)")
        }
        return artifact
    }

    /// API path of a repository, encoded as Harbor clients expect.
    static func path(of repository: RepositoryName) -> String {
        "/api/v2.0/projects/\(repository.projectName)/repositories/"
            + repository.nameInProject.replacingOccurrences(of: "/", with: "%252F")
    }
}
