import Crypto
import Foundation
import Metadata

/// Seals stored secrets with AES-256-GCM under the instance's key: the key from configuration
/// (`secret_key`, shared by every node of one service) or else a random key kept in the data
/// directory. A sealed value is `v1:` and base64 of nonce, ciphertext and tag; a value sealed under
/// another key does not open (the tag check fails) instead of decrypting to garbage.
public struct SecretBox: SecretSealer {
    private let key: SymmetricKey

    public init(key: SymmetricKey) { self.key = key }

    /// A key from a configured passphrase: SHA-256 of it, so any length of at least 16 characters works.
    public init(passphrase: String) {
        key = SymmetricKey(data: SHA256.hash(data: Data(passphrase.utf8)))
    }

    /// A key for this process only (tests, tools that store nothing).
    public static func ephemeral() -> SecretBox { SecretBox(key: SymmetricKey(size: .bits256)) }

    /// Reads the 32-byte key at `path`, creating it (mode 0600) on first start.
    public static func loadOrCreate(at path: String) throws -> SecretBox {
        if let data = FileManager.default.contents(atPath: path) {
            guard data.count == 32 else { throw SecretBoxError("the key file \(path) does not hold a 32-byte key") }
            return SecretBox(key: SymmetricKey(data: data))
        }
        let key = SymmetricKey(size: .bits256)
        let bytes = key.withUnsafeBytes { Data($0) }
        guard FileManager.default.createFile(atPath: path, contents: bytes, attributes: [.posixPermissions: 0o600]) else {
            throw SecretBoxError("cannot create the key file \(path)")
        }
        return SecretBox(key: key)
    }

    public func seal(_ plaintext: String) throws -> String {
        guard let combined = try AES.GCM.seal(Data(plaintext.utf8), using: key).combined else {
            throw SecretBoxError("sealing failed")
        }
        return "v1:" + combined.base64EncodedString()
    }

    public func open(_ sealed: String) throws -> String {
        guard sealed.hasPrefix("v1:"), let combined = Data(base64Encoded: String(sealed.dropFirst(3))) else {
            throw SecretBoxError("a stored secret is not in the sealed format")
        }
        do {
            let box = try AES.GCM.SealedBox(combined: combined)
            return String(decoding: try AES.GCM.open(box, using: key), as: UTF8.self)
        } catch {
            throw SecretBoxError("a stored secret does not open with this instance's key (was secret_key changed?)")
        }
    }
}

public struct SecretBoxError: Error, CustomStringConvertible, Equatable {
    public let description: String
    init(_ description: String) { self.description = description }
}
