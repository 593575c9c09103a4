/// The permissions a robot account may be given (Harbor's `PoliciesMap`); a robot request naming
/// anything else is refused with 400.
public enum RobotPermissionCatalogue {
    public static let system: Set<Permission> = .spec([
        .auditLog: "L", .preheatInstance: "CRUDL", .project: "LC", .replicationPolicy: "CRUDL",
        .replication: "RCL", .replicationAdapter: "L", .registry: "CRUDL", .scanAll: "RUC stop",
        .systemVolumes: "R", .garbageCollection: "RCLU stop", .purgeAudit: "RCLU stop",
        .jobserviceMonitor: "L stop", .scanner: "CRUDL", .label: "RCDU", .securityHub: "RL",
        .catalog: "R", .quota: "RLU", .robot: "CRLD", .user: "CRULD", .ldapUser: "CL", .userGroup: "CRUDL",
    ])

    public static let project: Set<Permission> = .spec([
        .log: "L", .project: "RDU", .metadata: "CRUDL", .repository: "RUDL pull push", .artifact: "RCLD",
        .scan: "CR stop", .sbom: "CR stop", .tag: "CLD", .accessory: "L", .artifactAddition: "R",
        .artifactLabel: "CD", .scanner: "CR", .preheatPolicy: "CRUDL", .immutableTag: "CDLU",
        .notificationPolicy: "CRUDL", .tagRetention: "CRUDL", .label: "CRUDL", .quota: "R", .robot: "CRLD",
        .exportCVE: "CR", .member: "CRUDL",
    ])
}
