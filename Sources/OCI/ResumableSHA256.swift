import CSHA256State

/// SHA-256 whose running state can be saved as bytes and restored (see `CSHA256State` for how).
/// Upload sessions keep it beside their bytes, so any node can continue a session's hash.
public struct ResumableSHA256: Sendable {
    private var state = berth_sha256_state()

    /// `version` (1 byte), eight hash words, the bit count (2 words), the partial block (64 bytes)
    /// and its length, all little-endian words.
    static let savedStateSize = 1 + 8 * 4 + 2 * 4 + 64 + 4
    private static let version: UInt8 = 1

    public init() {
        berth_sha256_init(&state)
    }

    /// A hash continued from `savedState`; nil when the bytes are not a state this type saved.
    public init?(savedState bytes: [UInt8]) {
        guard bytes.count == Self.savedStateSize, bytes[0] == Self.version else { return nil }
        berth_sha256_init(&state)
        var reader = bytes.dropFirst()
        func word() -> UInt32 {
            let value = reader.prefix(4).enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * $1.offset) }
            reader = reader.dropFirst(4)
            return value
        }
        withUnsafeMutableBytes(of: &state.h) { raw in
            let words = raw.bindMemory(to: UInt32.self)
            for i in 0..<8 { words[i] = word() }
        }
        state.Nl = word()
        state.Nh = word()
        withUnsafeMutableBytes(of: &state.data) { raw in
            for i in 0..<64 { raw[i] = reader[reader.startIndex + i] }
        }
        reader = reader.dropFirst(64)
        let partial = word()
        guard partial < 64 else { return nil }
        state.num = partial
    }

    public var savedState: [UInt8] {
        var out: [UInt8] = [Self.version]
        out.reserveCapacity(Self.savedStateSize)
        func put(_ value: UInt32) { for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) } }
        var copy = state
        withUnsafeBytes(of: &copy.h) { raw in for word in raw.bindMemory(to: UInt32.self) { put(word) } }
        put(copy.Nl)
        put(copy.Nh)
        withUnsafeBytes(of: &copy.data) { out.append(contentsOf: $0) }
        put(copy.num)
        return out
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        berth_sha256_update(&state, base, bytes.count)
    }

    public func finalize() -> [UInt8] {
        var copy = state
        var out = [UInt8](repeating: 0, count: 32)
        out.withUnsafeMutableBufferPointer { berth_sha256_final(&copy, $0.baseAddress!) }
        return out
    }
}
