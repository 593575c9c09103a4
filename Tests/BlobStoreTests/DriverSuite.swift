import Foundation
import NIOCore
import Testing
@testable import BlobStore

/// The behaviour every `StorageDriver` must have. A new driver adds itself to `TestStorageKind`.
@Suite struct DriverSuite {
    static func withDriver(_ kind: TestStorageKind, _ body: (any StorageDriver) async throws -> Void) async throws {
        let storage = TestStorage(kind)
        try await body(try await storage.driver())
        // The suite cleans up after itself; a driver that leaves files behind fails here.
        try await storage.expectEmpty()
    }

    static func readAll(_ driver: any StorageDriver, _ path: StoragePath, range: Range<Int64>, chunk: Int = 7) async throws -> [UInt8] {
        var out: [UInt8] = []
        try await driver.read(path, range: range, chunkSize: chunk) { out.append(contentsOf: $0.readableBytesView) }
        return out
    }

    @Test(arguments: TestStorageKind.allCases)
    func appendCommitMoveReadDelete(_ kind: TestStorageKind) async throws {
        try await Self.withDriver(kind) { driver in
            let temp = try StoragePath("t/a/data"), final = try StoragePath("f/b/c/data")
            #expect(try await driver.size(of: temp) == nil)
            let writer = try await driver.appender(temp)
            try await writer.write(ByteBuffer(string: "hello "))
            try await writer.write(ByteBuffer(string: "world"))
            try await writer.close()
            #expect(try await driver.size(of: temp) == 11)
            let again = try await driver.appender(temp)
            #expect(again.size == 11)
            try await again.write(ByteBuffer(string: "!"))
            try await again.commit()
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

    @Test(arguments: TestStorageKind.allCases)
    func batchDeleteRemovesEveryPathAndIgnoresMissingOnes(_ kind: TestStorageKind) async throws {
        try await Self.withDriver(kind) { driver in
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

    @Test(arguments: TestStorageKind.allCases)
    func readingMissingPathFails(_ kind: TestStorageKind) async throws {
        try await Self.withDriver(kind) { driver in
            await #expect(throws: StorageDriverError.pathNotFound("nope")) {
                try await driver.read(try StoragePath("nope"), range: 0..<1, chunkSize: 1) { _ in }
            }
        }
    }

    @Test(arguments: TestStorageKind.allCases)
    func putReplacesWholeAndReadsBack(_ kind: TestStorageKind) async throws {
        try await Self.withDriver(kind) { driver in
            let path = try StoragePath("u/1/state")
            try await driver.put(path, contents: ByteBuffer(string: "first version"))
            try await driver.put(path, contents: ByteBuffer(string: "second"))
            #expect(try await driver.size(of: path) == 6)
            #expect(try await Self.readAll(driver, path, range: 0..<6) == Array("second".utf8))
            #expect(try await driver.list(try StoragePath("u/1")) == ["state"])
            try await driver.delete(try StoragePath("u"))
        }
    }

    /// Several megabytes through several writers (as requests on different nodes), with writes
    /// that cross part boundaries at odd places; read back whole and in ranges.
    @Test(arguments: TestStorageKind.allCases)
    func largeObjectsAppendAcrossWritersAndParts(_ kind: TestStorageKind) async throws {
        let storage = TestStorage(kind)
        let bytes = (0..<(12 << 20) + 12345).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 13) }
        let path = try StoragePath("uploads/x/data")
        var offset = 0
        for cut in [3 << 20, (8 << 20) + 1, bytes.count] {
            let driver = try await storage.driver()
            let writer = try await driver.appender(path)
            #expect(writer.size == Int64(offset))
            var batch: [ByteBuffer] = []
            for start in stride(from: offset, to: cut, by: 700_001) {
                batch.append(ByteBuffer(bytes: bytes[start..<min(start + 700_001, cut)]))
            }
            try await writer.write(batch)
            if cut == bytes.count { try await writer.commit() }
            try await writer.close()
            offset = cut
            #expect(try await driver.size(of: path) == Int64(cut))
        }
        let driver = try await storage.driver()
        let final = try StoragePath("blobs/x/data")
        try await driver.move(path, to: final)
        let whole = try await Self.readAll(driver, final, range: 0..<Int64(bytes.count), chunk: 1 << 20)
        #expect(whole == bytes)
        let middle = Int64(5 << 20) - 10..<Int64(5 << 20) + 10
        #expect(try await Self.readAll(driver, final, range: middle) == Array(bytes[Int(middle.lowerBound)..<Int(middle.upperBound)]))
        try await driver.delete(try StoragePath("blobs"))
        try await driver.delete(try StoragePath("uploads"))
        try await storage.expectEmpty()
    }

    @Test(arguments: TestStorageKind.allCases)
    func deletingAnUnfinishedObjectRemovesItsBytes(_ kind: TestStorageKind) async throws {
        try await Self.withDriver(kind) { driver in
            let writer = try await driver.appender(try StoragePath("uploads/y/data"))
            try await writer.write(ByteBuffer(repeating: 1, count: (6 << 20) + 3))
            try await writer.close()
            if !driver.readsUnfinishedWrites {
                await #expect(throws: StorageDriverError.unfinished("uploads/y/data")) {
                    try await driver.read(try StoragePath("uploads/y/data"), range: 0..<1, chunkSize: 1) { _ in }
                }
            }
            try await driver.delete(try StoragePath("uploads/y"))
            #expect(try await driver.size(of: try StoragePath("uploads/y/data")) == nil)
            try await driver.delete(try StoragePath("uploads"))
        }
    }

    @Test func pathsCannotEscapeTheRoot() {
        for bad in ["../x", "a/../../b", "a//b", "/abs", "a/./b", ""] {
            #expect(throws: StorageDriverError.self) { try StoragePath(bad) }
        }
    }
}
