import Foundation
import NIOCore
import Testing
@testable import BlobStore

/// The behaviour every `StorageDriver` must have. A new driver adds itself to `drivers()`.
@Suite struct DriverSuite {
    static func withDrivers(_ body: (any StorageDriver) async throws -> Void) async throws {
        let root = NSTemporaryDirectory() + "berth-driver-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        let driver = try FilesystemDriver(root: root)
        try await body(driver)
        // The suite cleans up after itself; a driver that leaves files behind fails here.
        #expect(try await driver.list(try StoragePath([])).isEmpty)
    }

    static func readAll(_ driver: any StorageDriver, _ path: StoragePath, range: Range<Int64>, chunk: Int = 7) async throws -> [UInt8] {
        var out: [UInt8] = []
        try await driver.read(path, range: range, chunkSize: chunk) { out.append(contentsOf: $0.readableBytesView) }
        return out
    }

    @Test func appendCommitMoveReadDelete() async throws {
        try await Self.withDrivers { driver in
            let temp = try StoragePath("t/a/data"), final = try StoragePath("f/b/c/data")
            #expect(try await driver.size(of: temp) == nil)
            let writer = try await driver.appender(temp)
            try await writer.write(ByteBuffer(string: "hello "))
            try await writer.write(ByteBuffer(string: "world"))
            try await writer.commit()
            try await writer.close()
            #expect(try await driver.size(of: temp) == 11)
            let again = try await driver.appender(temp)
            #expect(again.size == 11)
            try await again.write(ByteBuffer(string: "!"))
            try await again.close()
            try await driver.move(temp, to: final)
            #expect(try await driver.size(of: temp) == nil)
            #expect(String(decoding: try await Self.readAll(driver, final, range: 0..<12), as: UTF8.self) == "hello world!")
            #expect(String(decoding: try await Self.readAll(driver, final, range: 6..<11, chunk: 2), as: UTF8.self) == "world")
            #expect(try await driver.list(try StoragePath("f/b")) == ["c"])
            try await driver.delete(try StoragePath("f"))
            try await driver.delete(try StoragePath("t"))
            try await driver.delete(try StoragePath("never/existed"))
        }
    }

    @Test func batchDeleteRemovesEveryPathAndIgnoresMissingOnes() async throws {
        try await Self.withDrivers { driver in
            var paths: [StoragePath] = []
            for i in 0..<5 {
                let path = try StoragePath("blobs/\(i)/data")
                let writer = try await driver.appender(path)
                try await writer.write(ByteBuffer(string: "blob \(i)"))
                try await writer.close()
                paths.append(try StoragePath("blobs/\(i)"))
            }
            try await driver.delete(Array(paths[0..<3]) + [try StoragePath("blobs/missing")])
            #expect(try await driver.list(try StoragePath("blobs")).sorted() == ["3", "4"])
            try await driver.delete(Array(paths[3...]))
            try await driver.delete(try StoragePath("blobs"))
        }
    }

    @Test func readingMissingPathFails() async throws {
        try await Self.withDrivers { driver in
            await #expect(throws: StorageDriverError.pathNotFound("nope")) {
                try await driver.read(try StoragePath("nope"), range: 0..<1, chunkSize: 1) { _ in }
            }
        }
    }

    @Test func pathsCannotEscapeTheRoot() {
        for bad in ["../x", "a/../../b", "a//b", "/abs", "a/./b", ""] {
            #expect(throws: StorageDriverError.self) { try StoragePath(bad) }
        }
    }
}
