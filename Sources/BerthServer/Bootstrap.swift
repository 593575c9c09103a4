import Access
import Logging
import Metadata

/// First-start state: the `admin` user and the public `library` project.
enum Bootstrap {
    /// Creates what is missing. Returns the generated admin password when one had to be made up,
    /// so the caller can print it once.
    static func run(database: MetadataDatabase, adminPassword: String?) async throws -> String? {
        let users = UserStore(database: database)
        var generated: String?
        let admin: User
        if let existing = try await users.find(username: "admin") {
            admin = existing
        } else {
            let password = adminPassword ?? randomPassword()
            if adminPassword == nil { generated = password }
            let hash = try PasswordHasher.hash(password)
            if let created = try await users.create(username: "admin", passwordHash: hash, isAdmin: true) {
                admin = created
            } else if let raced = try await users.find(username: "admin") {
                admin = raced
            } else {
                throw MetadataError.conflict("cannot create the admin user")
            }
        }
        try await ProjectStore(database: database).createIfMissing(name: "library", isPublic: true, ownerID: admin.id)
        return generated
    }

    /// 20 characters from an alphabet without look-alikes, always meeting the password policy.
    static func randomPassword() -> String {
        PasswordPolicy.randomSecret(length: 20)
    }
}
