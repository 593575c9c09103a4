/// Harbor's RBAC vocabulary: actions on namespaced resources. Names are Harbor's so that robot
/// permission lists written for Harbor validate unchanged.
public enum Action: String, Sendable, Hashable, CaseIterable, Codable {
    case all = "*"
    case pull, push, create, read, update, delete, list, operate, stop
    case scannerPull = "scanner-pull"
}

public enum Resource: String, Sendable, Hashable, CaseIterable, Codable {
    // project scope
    case project, member, metadata, log, label, quota, repository, configuration, robot, scan, sbom, scanner
    case artifact, tag, accessory
    case tagRetention = "tag-retention"
    case immutableTag = "immutable-tag"
    case notificationPolicy = "notification-policy"
    case artifactAddition = "artifact-addition"
    case artifactLabel = "artifact-label"
    case preheatPolicy = "preheat-policy"
    case exportCVE = "export-cve"
    // system scope
    case auditLog = "audit-log"
    case preheatInstance = "preheat-instance"
    case replicationPolicy = "replication-policy"
    case replication
    case replicationAdapter = "replication-adapter"
    case registry
    case scanAll = "scan-all"
    case systemVolumes = "system-volumes"
    case garbageCollection = "garbage-collection"
    case purgeAudit = "purge-audit"
    case jobserviceMonitor = "jobservice-monitor"
    case securityHub = "security-hub"
    case catalog
    case user
    case ldapUser = "ldap-user"
    case userGroup = "user-group"
}

public struct Permission: Sendable, Hashable, Codable, CustomStringConvertible {
    public let resource: Resource
    public let action: Action

    public init(_ resource: Resource, _ action: Action) {
        self.resource = resource
        self.action = action
    }

    public var description: String { "\(resource.rawValue):\(action.rawValue)" }
}

extension Set where Element == Permission {
    /// Builds a set from a compact spec: `[.repository: "CRUDL pull push"]` style strings where the
    /// letters C R U D L stand for create, read, update, delete, list.
    static func spec(_ entries: [Resource: String]) -> Set<Permission> {
        var result = Set<Permission>()
        for (resource, text) in entries {
            for word in text.split(separator: " ") {
                if let action = Action(rawValue: String(word)), word.count > 1 || word == "*" {
                    result.insert(Permission(resource, action))
                    continue
                }
                for letter in word {
                    let action: Action? = switch letter {
                    case "C": .create
                    case "R": .read
                    case "U": .update
                    case "D": .delete
                    case "L": .list
                    default: nil
                    }
                    if let action { result.insert(Permission(resource, action)) }
                }
            }
        }
        return result
    }
}
