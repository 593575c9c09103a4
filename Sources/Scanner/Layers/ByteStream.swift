import Foundation

/// A layer's bytes as an async sequence of chunks. The registry can wrap its blob reader in one;
/// the command line reads files with `ByteStream.file`. Type-erased so `ImageLayer` stays concrete.
public struct ByteStream: AsyncSequence, Sendable {
    public typealias Element = [UInt8]

    private let factory: @Sendable () -> Iterator

    public struct Iterator: AsyncIteratorProtocol {
        fileprivate var pull: () async throws -> [UInt8]?
        public mutating func next() async throws -> [UInt8]? { try await pull() }
    }

    public init<S: AsyncSequence & Sendable>(_ sequence: S) where S.Element == [UInt8] {
        factory = {
            let box = IteratorBox(sequence.makeAsyncIterator())
            return Iterator(pull: { try await box.next() })
        }
    }

    /// A stream produced by a synchronous chunk source; `make` is called once per iteration.
    public init(generator make: @escaping @Sendable () -> () throws -> [UInt8]?) {
        factory = {
            let next = make()
            return Iterator(pull: { try next() })
        }
    }

    public func makeAsyncIterator() -> Iterator { factory() }

    /// `length` bytes of a file from `offset` (to the end when nil), read in `chunkSize` pieces.
    public static func file(_ url: URL, offset: UInt64 = 0, length: UInt64? = nil, chunkSize: Int = 1 << 20) -> ByteStream {
        ByteStream(generator: {
            var handle: FileHandle?
            var remaining = length ?? UInt64.max
            var opened = false
            return {
                if !opened {
                    opened = true
                    handle = try FileHandle(forReadingFrom: url)
                    if offset > 0 { try handle?.seek(toOffset: offset) }
                }
                guard let h = handle, remaining > 0 else { try? handle?.close(); handle = nil; return nil }
                let want = Int(Swift.min(UInt64(chunkSize), remaining))
                guard let data = try h.read(upToCount: want), !data.isEmpty else {
                    try? h.close(); handle = nil
                    return nil
                }
                remaining -= UInt64(data.count)
                return [UInt8](data)
            }
        })
    }

    /// In-memory bytes, handed out in chunks (tests and small inputs).
    public static func bytes(_ bytes: [UInt8], chunkSize: Int = 1 << 16) -> ByteStream {
        ByteStream(generator: {
            var position = 0
            return {
                guard position < bytes.count else { return nil }
                let end = Swift.min(bytes.count, position + chunkSize)
                defer { position = end }
                return Array(bytes[position..<end])
            }
        })
    }
}

/// Holds a non-Sendable iterator for the single task that drives it.
private final class IteratorBox<I: AsyncIteratorProtocol>: @unchecked Sendable where I.Element == [UInt8] {
    var iterator: I
    init(_ iterator: I) { self.iterator = iterator }
    func next() async throws -> [UInt8]? { try await iterator.next() }
}
