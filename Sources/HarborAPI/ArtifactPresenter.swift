import Foundation
import Metadata
import OCI
import Services

/// Turns stored manifests into Harbor's `Artifact` JSON: type from the config media type, size of
/// manifest plus what it references, `extra_attrs` from the image config, `references` of indexes.
struct ArtifactPresenter {
    let services: APIServices

    static let helmConfig = "application/vnd.cncf.helm.config.v1+json"
    /// Larger configs are not read for `extra_attrs`: a listing must stay cheap.
    static let configLimit: Int64 = 256 * 1024
    /// The image-config fields Harbor shows.
    static let imageAttributes = ["architecture", "os", "config", "created", "author"]

    /// What a listing asked for beyond the artifact itself.
    struct Options {
        var withTags = true
        var withLabels = false
        var withImmutableStatus = false
        var withScanOverview = false
        var withSBOMOverview = false
        var withAccessories = false
        var withInheritedAccessories = false
    }

    func present(_ records: [ArtifactRecord], options: Options) async throws -> [ArtifactResp] {
        let tags = options.withTags ? try await services.artifacts.tags(ofArtifacts: records.map(\.id)) : [:]
        let labels = options.withLabels ? try await services.labels.labels(ofArtifacts: records.map(\.id)) : [:]
        let overviews = options.withScanOverview ? try await ScanOverviewPresenter(services: services).overviews(records) : [:]
        let sboms = options.withSBOMOverview ? try await ScanOverviewPresenter(services: services).sbomOverviews(records) : [:]
        let accessories = options.withAccessories ? try await services.artifacts.accessories(ofArtifacts: records.map(\.id)) : [:]
        let inherited = options.withInheritedAccessories ? try await inheritedSignatures(records) : [:]
        var result: [ArtifactResp] = []
        for record in records {
            var artifact = try await present(record, tags: options.withTags ? tags[record.id] ?? [] : nil)
            if artifact.type == "IMAGE" {
                // Harbor links every scannable artifact's report, whether or not the overview was asked for.
                artifact.addition_links = ["vulnerabilities": AdditionLink(
                    href: APIServices.path(of: record.repositoryName) + "/artifacts/\(record.digest)/additions/vulnerabilities", absolute: false)]
            }
            if options.withLabels { artifact.labels = (labels[record.id] ?? []).map(LabelJSON.init) }
            if options.withImmutableStatus, let tags = artifact.tags {
                artifact.tags = try await Self.markImmutable(tags, repository: record.repositoryName.value, projectID: record.projectID, services: services)
            }
            if options.withScanOverview { artifact.scan_overview = overviews[record.id] }
            if options.withSBOMOverview { artifact.sbom_overview = sboms[record.id] }
            if options.withAccessories { artifact.accessories = (accessories[record.id] ?? []).map(Self.accessory) }
            if options.withInheritedAccessories { artifact.inherited_accessories = inherited[record.id] ?? [] }
            result.append(artifact)
        }
        return result
    }

    func present(_ record: ArtifactRecord, tags: [TagRecord]?) async throws -> ArtifactResp {
        let manifest = try? Manifest(bytes: record.payload, contentType: record.mediaType)
        var type = "UNKNOWN"
        var mediaType = record.mediaType
        var extra: [String: JSONValue] = [:]
        var references: [ReferenceResp]?
        if let manifest, manifest.kind == .index {
            type = "IMAGE"
            let children = try await services.artifacts.childIDs(of: record.id)
            references = manifest.manifests.map { child in
                ReferenceResp(parent_id: record.id, child_id: children[child.digest], child_digest: child.digest,
                              platform: child.platform.map { .init(architecture: $0.architecture, os: $0.os, variant: $0.variant, osVersion: $0.osVersion) },
                              annotations: child.annotations, urls: child.urls)
            }
        } else if let manifest, let config = manifest.config {
            mediaType = config.mediaType
            if record.artifactType == SBOMGenerationJob.artifactType {
                type = "SBOM"
            } else if MediaType.imageConfigTypes.contains(config.mediaType) {
                type = "IMAGE"
                extra = try await configObject(config).filter { Self.imageAttributes.contains($0.key) }
            } else if config.mediaType == Self.helmConfig {
                type = "CHART"
                extra = try await configObject(config)
            }
        }
        return ArtifactResp(
            id: record.id, type: type, media_type: mediaType, manifest_media_type: record.mediaType,
            artifact_type: record.artifactType ?? mediaType, project_id: record.projectID, repository_id: record.repositoryID,
            repository_name: record.repositoryName.value, digest: record.digest.description,
            size: Self.size(of: record, manifest), icon: ArtifactIcon.forArtifact(type: type).digest,
            push_time: Timestamp.rfc3339(millis: record.pushedAt), pull_time: Timestamp.pullTime(record.pulledAt),
            extra_attrs: extra, annotations: record.annotations ?? [:], references: references,
            tags: tags?.map(TagResp.init), labels: nil)
    }

    /// Harbor's artifact size: the manifest with everything it references (an index: its children's
    /// manifests; an image: config and layers).
    static func size(of record: ArtifactRecord, _ manifest: Manifest?) -> Int64 {
        guard let manifest else { return Int64(record.payload.count) }
        let referenced = manifest.kind == .index ? manifest.manifests : [manifest.config].compactMap { $0 } + manifest.layers
        return referenced.reduce(Int64(record.payload.count)) { $0 + $1.size }
    }

    /// The cosign and notation signatures of the indexes listing each artifact.
    private func inheritedSignatures(_ records: [ArtifactRecord]) async throws -> [Int64: [AccessoryResp]] {
        let parents = try await services.artifacts.parents(ofArtifacts: records.map(\.id))
        let ofParents = try await services.artifacts.accessories(ofArtifacts: Array(Set(parents.values.joined())))
        return parents.mapValues { indexes in
            indexes.flatMap { ofParents[$0] ?? [] }.map(Self.accessory).filter { $0.type.hasPrefix("signature.") }
        }
    }

    static func accessory(_ record: AccessoryRecord) -> AccessoryResp {
        let artifact = record.accessory
        let manifest = try? Manifest(bytes: artifact.payload, contentType: artifact.mediaType)
        let type = manifest.map(AccessoryType.of) ?? .subjectAccessory
        return AccessoryResp(
            id: artifact.id, artifact_id: artifact.id, subject_artifact_id: record.subjectID,
            subject_artifact_digest: record.subjectDigest.description, subject_artifact_repo: artifact.repositoryName.value,
            size: size(of: artifact, manifest), digest: artifact.digest.description, type: type.rawValue,
            icon: ArtifactIcon.forAccessory(type).digest, creation_time: Timestamp.rfc3339(millis: artifact.pushedAt))
    }

    /// The tags with `immutable` set where a rule of the project protects them.
    static func markImmutable(_ tags: [TagResp], repository: String, projectID: Int64, services: APIServices) async throws -> [TagResp] {
        let protected = Set(try await services.immutableRules.protectedTags(tags.map(\.name), in: repository, projectID: projectID))
        return tags.map { tag in
            var tag = tag
            tag.immutable = protected.contains(tag.name)
            return tag
        }
    }

    /// The config blob as a JSON object; empty when it is missing, too large or not an object.
    private func configObject(_ config: Descriptor) async throws -> [String: JSONValue] {
        guard let reader = services.storage, config.size <= Self.configLimit, let digest = try? config.validDigest() else { return [:] }
        return try await services.configObjects.object(digest, size: config.size) {
            guard let bytes = try await reader.read(digest, limit: Self.configLimit),
                  case .object(let object)? = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes)) else { return nil }
            return object
        } ?? [:]
    }
}
