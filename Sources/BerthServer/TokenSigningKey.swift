import Access
import Foundation
import Metadata

/// Where the key that signs registry tokens comes from, so that a token issued by one node is
/// accepted by every other:
/// 1. `data_dir/token-signing-key.pem` when it exists (installations from before the key moved
///    to the database, or a key the deployment mounts there);
/// 2. otherwise the database, sealed with the instance's `secret_key`, created by the first node.
enum TokenSigningKey {
    static let name = "token_signing_key"

    static func load(dataDirectory: String, keys: InstanceKeyStore, sealer: SecretBox) async throws -> TokenSigner {
        if let pem = try? String(contentsOfFile: dataDirectory + "/token-signing-key.pem", encoding: .utf8) {
            return try TokenSigner(pem: pem)
        }
        let sealed = try await keys.value(name) { try sealer.seal(try TokenSigner.newKeyPEM()) }
        let pem: String
        do {
            pem = try sealer.open(sealed)
        } catch {
            throw StartupError(exitCode: 78, message: """
                the token signing key in the database was sealed with another secret key: give every node \
                the same secret_key (BERTH_SECRET_KEY)
                """)
        }
        return try TokenSigner(pem: pem)
    }
}
