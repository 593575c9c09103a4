import Crypto

/// A content digest such as `sha256:2c26b4...`. Only the algorithms registries must support are
/// accepted, and the hex part must be lowercase and of the algorithm's exact length, so a `Digest`
/// is always safe to use as a path component.
public struct Digest: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let algorithm: DigestAlgorithm
    public let hex: String

    public init(algorithm: DigestAlgorithm, hex: String) throws(OCIFormatError) {
        guard hex.utf8.count == algorithm.hexLength,
              hex.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) })
        else { throw .digestInvalid("digest hex for \(algorithm.rawValue) must be \(algorithm.hexLength) lowercase hex characters") }
        self.algorithm = algorithm
        self.hex = hex
    }

    public init(parsing string: some StringProtocol) throws(OCIFormatError) {
        guard let colon = string.firstIndex(of: ":") else {
            throw .digestInvalid("'\(string.prefix(80))' is not a digest (expected algorithm:hex)")
        }
        let name = String(string[..<colon])
        guard let algorithm = DigestAlgorithm(rawValue: name) else {
            throw .digestInvalid("digest algorithm '\(name.prefix(40))' is not supported (use sha256 or sha512)")
        }
        try self.init(algorithm: algorithm, hex: String(string[string.index(after: colon)...]))
    }

    /// Digest of bytes already in memory (manifests, configs); blobs are hashed while streaming.
    public static func of(_ bytes: some Sequence<UInt8>, algorithm: DigestAlgorithm = .sha256) -> Digest {
        var hasher = DigestHasher(algorithm: algorithm)
        hasher.update(Array(bytes))
        return hasher.finalize()
    }

    public var description: String { "\(algorithm.rawValue):\(hex)" }

    public static func < (lhs: Digest, rhs: Digest) -> Bool { lhs.description < rhs.description }
}

public enum DigestAlgorithm: String, Sendable, CaseIterable {
    case sha256
    case sha512

    public var hexLength: Int {
        switch self {
        case .sha256: 64
        case .sha512: 128
        }
    }
}

/// Incremental hashing for either supported algorithm, so blob bodies are hashed while they are written.
public struct DigestHasher: Sendable {
    private enum State: Sendable {
        case sha256(ResumableSHA256)
        case sha512(SHA512)
    }

    private var state: State
    public let algorithm: DigestAlgorithm

    public init(algorithm: DigestAlgorithm) {
        self.algorithm = algorithm
        switch algorithm {
        case .sha256: state = .sha256(ResumableSHA256())
        case .sha512: state = .sha512(SHA512())
        }
    }

    /// A SHA-256 hash continued from `DigestHasher.savedState`; nil for anything else.
    public init?(savedState: [UInt8]) {
        guard let resumed = ResumableSHA256(savedState: savedState) else { return nil }
        algorithm = .sha256
        state = .sha256(resumed)
    }

    /// The running state, to continue with `init(savedState:)`; nil for SHA-512, whose state
    /// cannot be saved (such uploads are verified by reading them back instead).
    public var savedState: [UInt8]? {
        if case .sha256(let h) = state { return h.savedState }
        return nil
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        switch state {
        case .sha256(var h):
            h.update(bytes)
            state = .sha256(h)
        case .sha512(var h):
            h.update(bufferPointer: bytes)
            state = .sha512(h)
        }
    }

    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    public func finalize() -> Digest {
        let bytes: [UInt8]
        switch state {
        case .sha256(let h): bytes = h.finalize()
        case .sha512(let h): bytes = Array(h.finalize())
        }
        // Safe: the hex of a real hash always has the algorithm's length and alphabet.
        return try! Digest(algorithm: algorithm, hex: bytes.hexString)
    }
}

extension Array where Element == UInt8 {
    var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(count * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
