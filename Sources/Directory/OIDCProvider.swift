import Access
import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import RemoteRegistry

/// Talks to the OpenID provider: its discovery document and keys (cached; the keys are read
/// again when a token names one not yet seen, as providers rotate them), and the token endpoint
/// (the authorization code with its PKCE verifier).
public final class OIDCProvider: Sendable {
    public struct Metadata: Decodable, Sendable, Equatable {
        public let issuer: String
        public let authorization_endpoint: String
        public let token_endpoint: String
        public let jwks_uri: String
    }

    /// What the token endpoint answers.
    public struct Tokens: Decodable, Sendable {
        public let id_token: String?
        public let access_token: String?
        public let refresh_token: String?
    }

    struct Known: Sendable {
        let metadata: Metadata
        var keys: JSONWebKeySet?
        var keysReadAt: ContinuousClock.Instant?
        let readAt: ContinuousClock.Instant
    }

    /// By endpoint: a change of `oidc_endpoint` needs no flush.
    private let known = NIOLockedValueBox<[String: Known]>([:])
    static let metadataLifetime: Duration = .seconds(3600)
    /// At most one reading of the keys in this time, however many tokens name unknown keys.
    static let keyRereadInterval: Duration = .seconds(10)

    public init() {}

    public func metadata(_ settings: OIDCSettings) async throws -> Metadata {
        if let cached = known.withLockedValue({ $0[settings.endpoint] }), ContinuousClock.now - cached.readAt < Self.metadataLifetime {
            return cached.metadata
        }
        let data = try await get(settings.endpoint + "/.well-known/openid-configuration", settings: settings)
        let metadata: Metadata
        do { metadata = try JSONDecoder().decode(Metadata.self, from: data) } catch {
            throw DirectoryUnavailable("the OpenID provider's discovery document lacks issuer, endpoints or jwks_uri")
        }
        // OIDC Discovery §4.3: the document must name the issuer it was read from.
        guard metadata.issuer.trimmingSuffix("/") == settings.endpoint else {
            throw DirectoryUnavailable("the OpenID provider says its issuer is \(metadata.issuer), not \(settings.endpoint)")
        }
        for (name, url) in [("token_endpoint", metadata.token_endpoint), ("jwks_uri", metadata.jwks_uri)] where !OIDCSettings.isSafe(url) {
            throw DirectoryUnavailable("the OpenID provider's \(name) must be https (plain http only on loopback): \(url)")
        }
        known.withLockedValue { $0[settings.endpoint] = Known(metadata: metadata, keys: nil, keysReadAt: nil, readAt: .now) }
        return metadata
    }

    /// The provider's keys; `fresh` reads them again unless they were read moments ago.
    public func keys(_ settings: OIDCSettings, fresh: Bool = false) async throws -> JSONWebKeySet {
        let metadata = try await metadata(settings)
        let cached = known.withLockedValue { $0[settings.endpoint] }
        if let keys = cached?.keys, let readAt = cached?.keysReadAt, !fresh || ContinuousClock.now - readAt < Self.keyRereadInterval {
            return keys
        }
        let keys: JSONWebKeySet
        do { keys = try JSONWebKeySet(json: try await get(metadata.jwks_uri, settings: settings)) } catch let error as IDTokenError {
            throw DirectoryUnavailable("\(error)")
        }
        known.withLockedValue { all in
            all[settings.endpoint]?.keys = keys
            all[settings.endpoint]?.keysReadAt = .now
        }
        return keys
    }

    /// Exchanges the authorization code (RFC 6749 §4.1.3, with RFC 7636's verifier),
    /// authenticating with the client secret in Basic (`client_secret_basic`).
    public func exchange(code: String, verifier: String, redirectURI: String, settings: OIDCSettings) async throws -> Tokens {
        let metadata = try await metadata(settings)
        let form = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI), ("code_verifier", verifier)]
        var request = HTTPClientRequest(url: metadata.token_endpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        let credentials = Self.formEncoded(settings.clientID) + ":" + Self.formEncoded(settings.clientSecret)
        request.headers.add(name: "Authorization", value: "Basic " + Data(credentials.utf8).base64EncodedString())
        request.body = .bytes(ByteBuffer(string: form.map { "\($0)=\(Self.formEncoded($1))" }.joined(separator: "&")))
        let (status, data) = try await send(request, settings: settings)
        guard status == .ok else {
            // RFC 6749 §5.2's error body; `invalid_grant` is a used, expired or forged code.
            let reason = (try? JSONDecoder().decode([String: String].self, from: data))?["error"] ?? "status \(status.code)"
            throw OIDCSignInError.refused("the provider refused the authorization code: \(reason)")
        }
        do { return try JSONDecoder().decode(Tokens.self, from: data) } catch {
            throw DirectoryUnavailable("the provider's token answer is not JSON")
        }
    }

    // MARK: - HTTP

    private func get(_ url: String, settings: OIDCSettings) async throws -> Data {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/json")
        let (status, data) = try await send(request, settings: settings)
        guard status == .ok else { throw DirectoryUnavailable("the OpenID provider answered \(status.code) for \(url)") }
        return data
    }

    /// Sends without following redirects (a credential must not travel to another host), for
    /// at most 10 s, and reads at most 1 MiB of answer.
    private func send(_ request: HTTPClientRequest, settings: OIDCSettings) async throws -> (HTTPResponseStatus, Data) {
        let client = settings.verifyCertificate ? OutgoingHTTP.clientWithoutRedirects : OutgoingHTTP.unverifiedClientWithoutRedirects
        do {
            let response = try await client.execute(request, timeout: .seconds(10))
            let body = try await response.body.collect(upTo: 1 << 20)
            return (response.status, Data(buffer: body))
        } catch {
            throw DirectoryUnavailable("the OpenID provider could not be reached at \(request.url): \(error)")
        }
    }

    static func formEncoded(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

/// A sign-in the provider or Berth refused (not an outage): the portal shows the reason.
public enum OIDCSignInError: Error, Sendable, Equatable, CustomStringConvertible {
    case refused(String)

    public var description: String {
        switch self { case .refused(let reason): reason }
    }
}

extension String {
    func trimmingSuffix(_ suffix: Character) -> String {
        var text = self
        while text.last == suffix { text.removeLast() }
        return text
    }
}
