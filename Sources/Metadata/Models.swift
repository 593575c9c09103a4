import Foundation
import OCI

public struct User: Sendable, Equatable {
    public let id: Int64
    public let username: String
    public let passwordHash: String
    public let isAdmin: Bool
    /// The directory put the user in its administrators' group at their last sign-in (Harbor's
    /// `admin_role_in_auth`); they are an administrator while that lasts, without `isAdmin`.
    public var isGroupAdmin = false
    public var email: String? = nil
    public var realname: String? = nil
    public var comment: String? = nil
    public var createdAt: Int64 = 0
    public var updatedAt: Int64 = 0

    /// A system administrator by either route.
    public var hasAdminRights: Bool { isAdmin || isGroupAdmin }
}

public struct Project: Sendable, Equatable {
    public let id: Int64
    public let name: String
    public let isPublic: Bool
    public var ownerID: Int64? = nil
    public var createdAt: Int64 = 0
    public var updatedAt: Int64 = 0
    /// The registry endpoint this project is a proxy cache of; nil for an ordinary project.
    public var registryID: Int64? = nil

    public init(id: Int64, name: String, isPublic: Bool, ownerID: Int64? = nil, createdAt: Int64 = 0, updatedAt: Int64 = 0,
                registryID: Int64? = nil) {
        self.registryID = registryID
        self.id = id
        self.name = name
        self.isPublic = isPublic
        self.ownerID = ownerID
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// What a project listing shows beside the project row itself.
public struct ProjectDetails: Sendable, Equatable {
    public var ownerName: String?
    public var repositoryCount: Int64 = 0
    public var metadata: [String: String] = [:]
    /// The role id of the user the listing is for, when that user is a member.
    public var callerRole: Int?

    public init() {}
}

/// Offset paging as Harbor's API does it (`page`, `page_size`), with the total for `X-Total-Count`.
public struct Page<Item: Sendable>: Sendable {
    public let items: [Item]
    public let total: Int64

    public init(items: [Item], total: Int64) {
        self.items = items
        self.total = total
    }
}

public struct OffsetRequest: Sendable {
    public let offset: Int
    public let limit: Int

    public init(offset: Int, limit: Int) {
        self.offset = offset
        self.limit = limit
    }
}

public struct Repository: Sendable, Equatable {
    public let id: Int64
    public let projectID: Int64
    public let name: RepositoryName
}

/// A manifest as stored: the exact bytes pushed plus what the registry answers HEAD with.
public struct StoredManifest: Sendable, Equatable {
    public let id: Int64
    public let digest: Digest
    public let mediaType: String
    public let size: Int64
    /// nil when only the head was asked for.
    public let payload: [UInt8]?
}

/// A manifest whose `subject` names another, as the referrers API lists it.
public struct Referrer: Sendable, Equatable {
    public let digest: Digest
    public let mediaType: String
    public let size: Int64
    public let artifactType: String?
    public let annotations: [String: String]?
}

/// Everything needed to record a pushed manifest.
public struct ManifestRecord: Sendable {
    public let digest: Digest
    public let mediaType: String
    public let artifactType: String?
    public let payload: [UInt8]
    public let subject: Digest?
    public let annotations: [String: String]?
    public let blobs: [Digest]
    public let children: [Digest]

    public init(digest: Digest, mediaType: String, artifactType: String?, payload: [UInt8], subject: Digest?,
                annotations: [String: String]?, blobs: [Digest], children: [Digest]) {
        self.digest = digest
        self.mediaType = mediaType
        self.artifactType = artifactType
        self.payload = payload
        self.subject = subject
        self.annotations = annotations
        self.blobs = blobs
        self.children = children
    }
}

/// A keyset page request: at most `limit` names strictly after `after`.
public struct PageRequest: Sendable {
    public let limit: Int
    public let after: String?

    public init(limit: Int, after: String?) {
        self.limit = limit
        self.after = after
    }
}
