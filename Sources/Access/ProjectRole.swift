/// Project member roles with Harbor's ids and permission matrix (notes: RBAC, rbac_role.go).
public enum ProjectRole: Int, Sendable, CaseIterable, Codable {
    case projectAdmin = 1
    case developer = 2
    case guest = 3
    case maintainer = 4
    case limitedGuest = 5

    public var name: String {
        switch self {
        case .projectAdmin: "projectAdmin"
        case .developer: "developer"
        case .guest: "guest"
        case .maintainer: "maintainer"
        case .limitedGuest: "limitedGuest"
        }
    }

    public var permissions: Set<Permission> { Self.matrix[self]! }

    private static let matrix: [ProjectRole: Set<Permission>] = [
        .projectAdmin: .spec([
            .project: "RUD", .member: "CRUDL", .metadata: "CRUD", .log: "L", .label: "CRUDL", .quota: "R",
            .repository: "CRUDL pull push", .tagRetention: "CRUDL operate", .immutableTag: "CUDL",
            .configuration: "RU", .robot: "CRUDL", .notificationPolicy: "CRUDL", .scan: "CR stop", .sbom: "CR stop",
            .scanner: "RC", .artifact: "CRDL", .artifactAddition: "R", .tag: "LCD", .accessory: "L",
            .artifactLabel: "CD", .preheatPolicy: "CRUDL", .exportCVE: "CRL",
        ]),
        .maintainer: .spec([
            .project: "R", .member: "RL", .metadata: "R", .label: "CRUDL", .quota: "R",
            .repository: "CRUDL pull push", .tagRetention: "CRUDL operate", .immutableTag: "CUDL",
            .configuration: "R", .robot: "RL", .notificationPolicy: "RL", .scan: "CR stop", .sbom: "CR stop",
            .scanner: "R", .artifact: "CRDL", .artifactAddition: "R", .tag: "LCD", .accessory: "L",
            .artifactLabel: "CD", .exportCVE: "CRL",
        ]),
        .developer: .spec([
            .project: "R", .member: "RL", .label: "RL", .quota: "R", .repository: "CRUL pull push",
            .tagRetention: "CRUDL operate", .configuration: "R", .robot: "RL", .scan: "R", .sbom: "R",
            .scanner: "R", .artifact: "CRL", .artifactAddition: "R", .tag: "LC", .accessory: "L",
            .artifactLabel: "CD", .exportCVE: "CRL",
        ]),
        .guest: .spec([
            .project: "R", .member: "RL", .label: "RL", .quota: "R", .repository: "RL pull",
            .configuration: "R", .robot: "RL", .scan: "R", .sbom: "R", .scanner: "R", .artifact: "RL",
            .artifactAddition: "R", .tag: "L", .accessory: "L",
        ]),
        .limitedGuest: .spec([
            .project: "R", .quota: "R", .repository: "RL pull", .configuration: "R", .scan: "R", .sbom: "R",
            .scanner: "R", .artifact: "RL", .artifactAddition: "R", .tag: "L", .accessory: "L",
        ]),
    ]

    /// What everyone, anonymous included, may do in a public project.
    public static let publicProjectPermissions: Set<Permission> = .spec([
        .project: "R", .label: "RL", .repository: "L pull", .scan: "R", .scanner: "R", .tag: "L",
        .artifact: "RL", .artifactAddition: "R", .accessory: "L",
    ])
}
