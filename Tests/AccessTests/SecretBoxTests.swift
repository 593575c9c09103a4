import Foundation
import Testing
@testable import Access

@Suite struct SecretBoxTests {
    @Test func sealedSecretsOpenOnlyWithTheirKey() throws {
        let box = SecretBox(passphrase: "a-passphrase-of-the-instance")
        let sealed = try box.seal("registry password")
        #expect(sealed.hasPrefix("v1:") && !sealed.contains("registry password"))
        #expect(try box.open(sealed) == "registry password")
        #expect(try box.seal("registry password") != sealed, "a fresh nonce each time")
        #expect(try SecretBox(passphrase: "a-passphrase-of-the-instance").open(sealed) == "registry password", "the same passphrase on another node")
        #expect(throws: SecretBoxError.self) { try SecretBox(passphrase: "another-passphrase-entirely").open(sealed) }
        #expect(throws: SecretBoxError.self) { try box.open("plain text") }
        var tampered = Array(sealed)
        tampered[tampered.count - 3] = tampered[tampered.count - 3] == "A" ? "B" : "A"
        #expect(throws: SecretBoxError.self) { try box.open(String(tampered)) }
    }

    @Test func theKeyFileIsCreatedOnceAndPrivate() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("berth-key-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let sealed = try SecretBox.loadOrCreate(at: path).seal("s3cret")
        #expect(try SecretBox.loadOrCreate(at: path).open(sealed) == "s3cret")
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        try Data("short".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: SecretBoxError.self) { try SecretBox.loadOrCreate(at: path) }
    }
}
