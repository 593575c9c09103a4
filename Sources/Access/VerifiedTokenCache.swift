import NIOConcurrencyHelpers

/// Bearer tokens already verified, with what they grant. A client sends the same token with every
/// request of a pull, and checking its RS256 signature and decoding its claims each time cost more
/// than the rest of a cached manifest `HEAD`. The key is the whole token, so only the exact bytes
/// that were verified match; the validity window is checked again on every use.
final class VerifiedTokenCache: Sendable {
    static let maximumEntries = 10_000

    struct Entry: Sendable {
        let grant: TokenGrant
        let notBefore: Int64
        let expires: Int64
    }

    private let entries = NIOLockedValueBox<[String: Entry]>([:])

    func grant(for token: String, now: Int64) -> TokenGrant? {
        guard let entry = entries.withLockedValue({ $0[token] }) else { return nil }
        // The same minute of leeway as `TokenSigner.verify`.
        guard entry.expires + 60 >= now, entry.notBefore - 60 <= now else { return nil }
        return entry.grant
    }

    func keep(_ token: String, grant: TokenGrant, claims: TokenClaims, now: Int64) {
        entries.withLockedValue { entries in
            entries[token] = Entry(grant: grant, notBefore: claims.nbf, expires: claims.exp)
            guard entries.count > Self.maximumEntries else { return }
            entries = entries.filter { $0.value.expires + 60 >= now }
            // Still full of live tokens: drop an arbitrary quarter; they are verified again on use.
            for key in entries.keys.prefix(max(0, entries.count - Self.maximumEntries * 3 / 4)) {
                entries.removeValue(forKey: key)
            }
        }
    }
}
