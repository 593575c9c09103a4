import Access
import Foundation
import Metadata

/// Where the key that signs registry tokens comes from, so that a token issued by one node is
/// accepted by every other:
/// the database, sealed with the instance's `secret_key`, created by the first node. A
/// `data_dir/token-signing-key.pem` (an installation from before the key moved to the database, or
/// a key the deployment mounts) becomes that key when the database has none, and must equal it
/// otherwise.
enum TokenSigningKey {
    static let name = "token_signing_key"

    static func load(dataDirectory: String, keys: InstanceKeyStore, sealer: SecretBox) async throws -> TokenSigner {
        let path = dataDirectory + "/token-signing-key.pem"
        var filePEM: String?
        if FileManager.default.fileExists(atPath: path) {
            do {
                filePEM = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw StartupError(exitCode: 78, message: "cannot read the token signing key \(path): \(error.localizedDescription)")
            }
        }
        // The database takes the file's key when it has none yet (a node upgraded from before the
        // key moved there), so that nodes added later sign with the same key.
        let sealed = try await keys.value(name) { try sealer.seal(try filePEM ?? TokenSigner.newKeyPEM()) }
        let pem: String
        do {
            pem = try sealer.open(sealed)
        } catch {
            throw StartupError(exitCode: 78, message: """
                the token signing key in the database was sealed with another secret key: give every node \
                the same secret_key (BERTH_SECRET_KEY)
                """)
        }
        if let filePEM {
            let fromFile = try TokenSigner(pem: filePEM), shared = try TokenSigner(pem: pem)
            guard fromFile.keyID == shared.keyID else {
                throw StartupError(exitCode: 78, message: """
                    \(path) is not the token signing key the other nodes use (kept in the database): tokens of \
                    one node would be refused by the others. Remove the file to use the shared key
                    """)
            }
            return fromFile
        }
        return try TokenSigner(pem: pem)
    }
}
