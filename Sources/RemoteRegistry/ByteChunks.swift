import NIOConcurrencyHelpers
import NIOCore

/// A blob's bytes as a one-pass stream of buffers, whatever they come from (a remote registry's
/// response, a stored blob read in ranges): the consumer pulls, so at most a buffer or two is in
/// memory however large the blob is.
public struct ByteChunks: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer

    private let source: Source

    /// `next` is called by one consumer at a time and returns nil at the end.
    public init(next: @escaping @Sendable () async throws -> ByteBuffer?) {
        source = Source(next: next)
    }

    /// Wraps any stream of buffers (a response body); it is iterated once.
    public init<S: AsyncSequence & Sendable>(_ sequence: S) where S.Element == ByteBuffer {
        let box = IteratorBox(sequence.makeAsyncIterator())
        source = Source(next: { try await box.next() })
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(source: source) }

    /// The next buffer, for a consumer that pulls by hand (nil at the end).
    public func read() async throws -> ByteBuffer? { try await source.next() }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let source: Source
        public mutating func next() async throws -> ByteBuffer? { try await source.next() }
    }

    struct Source: Sendable {
        let next: @Sendable () async throws -> ByteBuffer?
    }

    /// Holds a mutable iterator for a single consumer: the stream is never iterated concurrently.
    private final class IteratorBox<I: AsyncIteratorProtocol>: @unchecked Sendable where I.Element == ByteBuffer {
        var iterator: I
        init(_ iterator: I) { self.iterator = iterator }
        func next() async throws -> ByteBuffer? { try await iterator.next() }
    }

    /// The same bytes, counted into `progress` and held to `bytesPerSecond` (0: unlimited) by
    /// pausing between buffers once the stream runs ahead of the allowed rate.
    public func limited(bytesPerSecond: Int64, progress: (@Sendable (Int64) -> Void)? = nil) -> ByteChunks {
        let upstream = source
        let state = NIOLockedValueBox((sent: Int64(0), start: ContinuousClock.now))
        return ByteChunks(next: {
            let buffer = try await upstream.next()
            let (sent, start) = state.withLockedValue { value -> (Int64, ContinuousClock.Instant) in
                value.sent += Int64(buffer?.readableBytes ?? 0)
                return (value.sent, value.start)
            }
            if let buffer {
                progress?(Int64(buffer.readableBytes))
                if bytesPerSecond > 0 {
                    let due = start + .milliseconds(sent * 1000 / bytesPerSecond)
                    if due > .now { try await Task.sleep(until: due, clock: .continuous) }
                }
            }
            return buffer
        })
    }
}

extension ByteChunks {
    /// The first `count` bytes of the stream (a chunk of a chunked upload); the rest is not read.
    public func prefix(bytes count: Int64) -> ByteChunks {
        let upstream = source
        let remaining = NIOLockedValueBox(count)
        return ByteChunks(next: {
            guard remaining.withLockedValue({ $0 }) > 0, var buffer = try await upstream.next() else { return nil }
            let left = remaining.withLockedValue { $0 }
            if Int64(buffer.readableBytes) > left {
                buffer = buffer.getSlice(at: buffer.readerIndex, length: Int(left))!
            }
            remaining.withLockedValue { $0 -= Int64(buffer.readableBytes) }
            return buffer
        })
    }
}

extension ByteChunks {
    /// Buffers already in memory, as a stream.
    public init(buffers: [ByteBuffer]) {
        let index = NIOLockedValueBox(0)
        self.init(next: {
            index.withLockedValue { index in
                defer { index += 1 }
                return index < buffers.count ? buffers[index] : nil
            }
        })
    }
}
