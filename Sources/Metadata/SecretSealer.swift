/// Encrypts secrets before they are stored (registry endpoint passwords, tokens) and decrypts them
/// when a job needs them. The key belongs to the instance (`Access.SecretBox`), not to the
/// database, so a copy of the database alone reveals no credential.
public protocol SecretSealer: Sendable {
    func seal(_ plaintext: String) throws -> String
    func open(_ sealed: String) throws -> String
}
