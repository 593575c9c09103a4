import NIOConcurrencyHelpers
import NIOCore

/// Hands an open blob file from a registry handler to the HTTP pipeline, which sends it with
/// `sendfile` (NIO's `FileRegion`): the bytes go from the page cache to the socket without being
/// copied through the process, as Hummingbird's body writer (which takes only `ByteBuffer`s) would
/// make them.
///
/// The handler writes a small marker buffer as the response body; a channel handler in front of
/// the HTTP encoder swaps the marker for the file region. A marker is 16 random bytes drawn for
/// this process followed by an entry number, so no body a client uploaded can pass for one, and
/// each entry is taken once. Entries a connection never sent (it went away first) are closed after
/// `abandonAfter`.
public final class FileRegionHandoff: Sendable {
    static let markerLength = 24
    static let abandonAfter = TimeAmount.seconds(120)

    private let secret: [UInt8] = (0..<16).map { _ in UInt8.random(in: 0...255) }
    private let pending = NIOLockedValueBox(Pending())

    struct Entry {
        let file: NIOFileHandle
        let range: Range<Int64>
        let handedAt: NIODeadline
    }

    struct Pending {
        var next: UInt64 = 0
        var entries: [UInt64: Entry] = [:]
    }

    /// The request header the channel handler sets on every request it will send files for;
    /// its value is this process's secret, so a client cannot claim the capability.
    public static let capabilityHeader = "x-berth-sendfile"
    public let capability: String

    public init() {
        capability = secret.map { String($0, radix: 16) }.joined()
    }

    /// Whether the request came through a channel that swaps markers for files.
    public func canSend(capabilityHeader value: String?) -> Bool {
        guard let value else { return false }
        return value.utf8.elementsEqual(capability.utf8)
    }

    /// Files handed over and not yet sent or abandoned (for tests and `/metrics`).
    public var count: Int { pending.withLockedValue { $0.entries.count } }

    /// Takes ownership of `file` and returns the marker standing for `range` of it.
    public func marker(for file: NIOFileHandle, range: Range<Int64>) -> ByteBuffer {
        let now = NIODeadline.now()
        let (number, abandoned) = pending.withLockedValue { state -> (UInt64, [NIOFileHandle]) in
            state.next &+= 1
            state.entries[state.next] = Entry(file: file, range: range, handedAt: now)
            let stale = state.entries.filter { now - $0.value.handedAt > Self.abandonAfter }
            for key in stale.keys { state.entries.removeValue(forKey: key) }
            return (state.next, stale.values.map(\.file))
        }
        for file in abandoned { try? file.close() }
        var buffer = ByteBufferAllocator().buffer(capacity: Self.markerLength)
        buffer.writeBytes(secret)
        buffer.writeInteger(number)
        return buffer
    }

    /// The file region a marker stands for, and the file to close once it is sent; nil for any
    /// other buffer.
    public func take(_ buffer: ByteBuffer) -> (region: FileRegion, file: NIOFileHandle)? {
        guard buffer.readableBytes == Self.markerLength,
              buffer.readableBytesView.prefix(secret.count).elementsEqual(secret),
              let number = buffer.getInteger(at: buffer.readerIndex + secret.count, as: UInt64.self),
              let entry = pending.withLockedValue({ $0.entries.removeValue(forKey: number) })
        else { return nil }
        let region = FileRegion(fileHandle: entry.file, readerIndex: Int(entry.range.lowerBound), endIndex: Int(entry.range.upperBound))
        return (region, entry.file)
    }

    /// Closes the file behind a marker that was never written (the response failed first).
    public func abandon(_ marker: ByteBuffer) {
        if let (_, file) = take(marker) { try? file.close() }
    }
}
