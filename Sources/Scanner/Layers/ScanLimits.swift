/// Bounds that keep a hostile layer from hanging the scan or exhausting memory. Exceeding one stops
/// reading the offending layer or file with a warning; the rest of the scan goes on.
public struct ScanLimits: Sendable {
    /// Uncompressed bytes read from one layer before the rest of it is skipped.
    public var maxLayerBytes: UInt64 = 32 << 30
    /// Uncompressed/compressed ratio, checked once `ratioCheckAfterBytes` are out, that marks a bomb.
    public var maxCompressionRatio: UInt64 = 250
    public var ratioCheckAfterBytes: UInt64 = 512 << 20
    /// Tar entries per layer.
    public var maxEntriesPerLayer = 2_000_000
    /// Largest file an analyzer may hold in memory (package databases, manifests, jars).
    public var maxBufferedFileBytes = 128 << 20
    /// Largest executable inspected for embedded build information.
    public var maxBinaryBytes = 256 << 20
    /// Path length and pax/GNU long-name record size.
    public var maxPathBytes = 16 << 10
    public var maxExtendedHeaderBytes = 1 << 20
    /// Jar nesting depth and bytes inflated from one jar.
    public var maxJarDepth = 3
    public var maxJarInflatedBytes: UInt64 = 512 << 20
    /// Advisory files larger than this are skipped.
    public var maxAdvisoryBytes = 32 << 20

    public init() {}
}
