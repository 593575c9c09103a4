import Foundation
import SQLKit

/// An external scanner adapter registered with `POST /scanners` (Harbor's `ScannerRegistration`).
public struct ScannerRegistrationRecord: Sendable, Equatable {
    public var uuid: String
    public var name: String
    public var description: String
    /// The adapter's base URL; its API is under `/api/v1`.
    public var url: String
    /// `""`, `Basic`, `Bearer` or `X-ScannerAdapter-API-Key`.
    public var auth: String
    /// Sent as the adapter asks; never returned by the API.
    public var accessCredential: String
    public var skipCertVerify: Bool
    public var useInternalAddr: Bool
    public var disabled: Bool
    public var isDefault: Bool
    public var createTime: Int64
    public var updateTime: Int64

    public init(uuid: String, name: String, description: String, url: String, auth: String, accessCredential: String,
                skipCertVerify: Bool, useInternalAddr: Bool, disabled: Bool, isDefault: Bool, createTime: Int64, updateTime: Int64) {
        self.uuid = uuid
        self.name = name
        self.description = description
        self.url = url
        self.auth = auth
        self.accessCredential = accessCredential
        self.skipCertVerify = skipCertVerify
        self.useInternalAddr = useInternalAddr
        self.disabled = disabled
        self.isDefault = isDefault
        self.createTime = createTime
        self.updateTime = updateTime
    }
}

/// External scanner registrations and projects' choices. The built-in scanner is not a row: it is
/// the default while no registration is, and the scanner of every project that chose none.
public struct ScannerRegistrationStore: Sendable {
    let database: MetadataDatabase
    /// Seals the credential on the way in and opens it on the way out. Without one (callers that
    /// only choose a scanner), records come back without their credential.
    let sealer: (any SecretSealer)?

    public init(database: MetadataDatabase, sealer: (any SecretSealer)? = nil) {
        self.database = database
        self.sealer = sealer
    }

    public func all() async throws -> [ScannerRegistrationRecord] {
        try await database.read { db in
            try await db.raw("SELECT * FROM scanner_registrations ORDER BY create_time, uuid").all().map(record)
        }
    }

    public func find(_ uuid: String) async throws -> ScannerRegistrationRecord? {
        try await database.read { db in
            try await db.raw("SELECT * FROM scanner_registrations WHERE uuid = \(bind: uuid)").first().map(record)
        }
    }

    /// Throws `MetadataError.conflict` when the name or URL is taken.
    public func insert(_ record: ScannerRegistrationRecord) async throws {
        let credential = try seal(record.accessCredential)
        try await database.write { db in
            try await Self.checkUnique(record, in: db)
            try await db.raw("""
                INSERT INTO scanner_registrations (uuid, name, description, url, auth, access_credential, skip_cert_verify,
                    use_internal_addr, disabled, is_default, create_time, update_time)
                VALUES (\(bind: record.uuid), \(bind: record.name), \(bind: record.description), \(bind: record.url), \(bind: record.auth),
                    \(bind: credential), \(bind: record.skipCertVerify), \(bind: record.useInternalAddr), \(bind: record.disabled),
                    FALSE, \(bind: record.createTime), \(bind: record.updateTime))
                """).run()
        }
    }

    public func update(_ record: ScannerRegistrationRecord) async throws {
        let credential = try seal(record.accessCredential)
        try await database.write { db in
            try await Self.checkUnique(record, in: db)
            try await db.raw("""
                UPDATE scanner_registrations SET name = \(bind: record.name), description = \(bind: record.description),
                    url = \(bind: record.url), auth = \(bind: record.auth), access_credential = \(bind: credential),
                    skip_cert_verify = \(bind: record.skipCertVerify), use_internal_addr = \(bind: record.useInternalAddr),
                    disabled = \(bind: record.disabled), update_time = \(bind: record.updateTime)
                WHERE uuid = \(bind: record.uuid)
                """).run()
        }
    }

    /// Removes the registration; projects that chose it fall back to the default.
    public func delete(_ uuid: String) async throws {
        try await database.write { db in
            try await db.raw("DELETE FROM project_scanners WHERE registration_uuid = \(bind: uuid)").run()
            try await db.raw("DELETE FROM scanner_registrations WHERE uuid = \(bind: uuid)").run()
        }
    }

    /// Makes `uuid` the system default (nil: the built-in scanner).
    public func setDefault(_ uuid: String?) async throws {
        try await database.write { db in
            try await db.raw("UPDATE scanner_registrations SET is_default = FALSE WHERE is_default = TRUE").run()
            if let uuid { try await db.raw("UPDATE scanner_registrations SET is_default = TRUE WHERE uuid = \(bind: uuid)").run() }
        }
    }

    /// The project's choice, nil when it made none.
    public func projectChoice(_ projectID: Int64) async throws -> String? {
        try await database.read { db in
            try await db.raw("SELECT registration_uuid FROM project_scanners WHERE project_id = \(bind: projectID)").first()?
                .decode(column: "registration_uuid", as: String.self)
        }
    }

    public func setProjectChoice(_ projectID: Int64, uuid: String) async throws {
        try await database.write { db in
            try await db.raw("DELETE FROM project_scanners WHERE project_id = \(bind: projectID)").run()
            try await db.raw("INSERT INTO project_scanners (project_id, registration_uuid) VALUES (\(bind: projectID), \(bind: uuid))").run()
        }
    }

    /// The registration that scans the project's artifacts: its choice while that is enabled,
    /// else the system default while that is enabled; nil means the built-in scanner.
    public func effective(forProject projectID: Int64) async throws -> ScannerRegistrationRecord? {
        try await database.read { db in
            try await db.raw("""
                SELECT r.* FROM scanner_registrations r
                WHERE r.disabled = FALSE AND (r.uuid = (SELECT registration_uuid FROM project_scanners WHERE project_id = \(bind: projectID))
                    OR r.is_default = TRUE)
                ORDER BY r.is_default
                """).all().map(record).first
        }
    }

    static func checkUnique(_ record: ScannerRegistrationRecord, in db: any SQLDatabase) async throws {
        if let row = try await db.raw("""
            SELECT name FROM scanner_registrations WHERE (name = \(bind: record.name) OR url = \(bind: record.url)) AND uuid <> \(bind: record.uuid)
            """).first() {
            let name = try row.decode(column: "name", as: String.self)
            throw MetadataError.conflict(name == record.name ? "a scanner named \(record.name) is already registered"
                                                             : "a scanner at \(record.url) is already registered (as \(name))")
        }
    }

    /// Sealed with the instance's key; writing needs the sealer, so no credential is ever stored
    /// in the clear.
    private func seal(_ credential: String) throws -> String {
        guard !credential.isEmpty else { return "" }
        guard let sealer else { throw MetadataError.invalidConfiguration("a scanner credential is written without the instance's key") }
        return try sealer.seal(credential)
    }

    /// The stored credential in the clear: sealed ones opened, ones stored before sealing as they
    /// are (sealed at their next update); empty without a sealer or when it does not open.
    private func open(_ stored: String) -> String {
        guard let sealer, !stored.isEmpty else { return "" }
        guard stored.hasPrefix("v1:") else { return stored }
        return (try? sealer.open(stored)) ?? ""
    }

    func record(_ row: any SQLRow) throws -> ScannerRegistrationRecord {
        ScannerRegistrationRecord(
            uuid: try row.decode(column: "uuid", as: String.self), name: try row.decode(column: "name", as: String.self),
            description: try row.decode(column: "description", as: String.self), url: try row.decode(column: "url", as: String.self),
            auth: try row.decode(column: "auth", as: String.self), accessCredential: open(try row.decode(column: "access_credential", as: String.self)),
            skipCertVerify: try row.decode(column: "skip_cert_verify", as: Bool.self),
            useInternalAddr: try row.decode(column: "use_internal_addr", as: Bool.self),
            disabled: try row.decode(column: "disabled", as: Bool.self), isDefault: try row.decode(column: "is_default", as: Bool.self),
            createTime: try row.decode(column: "create_time", as: Int64.self), updateTime: try row.decode(column: "update_time", as: Int64.self))
    }
}
