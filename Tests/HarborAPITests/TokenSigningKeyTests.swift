import Access
import BerthTestSupport
import Foundation
import Metadata
import Testing
@testable import BerthServer

/// Where nodes get the key that signs registry tokens (`TokenSigningKey`): the database, sealed
/// with the shared secret key; a key file only when it is that same key.
@Suite struct TokenSigningKeyTests {
    @Test func everyNodeSignsWithTheKeyTheFirstOneStored() async throws {
        try await Harness.run { h in
            let keys = InstanceKeyStore(database: h.server.database)
            let sealer = try SecretBox.loadOrCreate(at: h.server.configuration.dataDirectory + "/secret.key")
            let otherNode = NSTemporaryDirectory() + "berth-node-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: otherNode, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: otherNode) }

            let loaded = try await TokenSigningKey.load(dataDirectory: otherNode, keys: keys, sealer: sealer)
            #expect(loaded.keyID == h.server.api.signer.keyID)

            // A node whose secret key differs cannot open it, and says why.
            await #expect(throws: StartupError.self) {
                try await TokenSigningKey.load(dataDirectory: otherNode, keys: keys, sealer: SecretBox(passphrase: "another secret key entirely"))
            }
            // A node with a key file of its own would sign tokens the others refuse.
            try TokenSigner.newKeyPEM().write(toFile: otherNode + "/token-signing-key.pem", atomically: true, encoding: .utf8)
            await #expect(throws: StartupError.self) {
                try await TokenSigningKey.load(dataDirectory: otherNode, keys: keys, sealer: sealer)
            }
        }
    }
}
