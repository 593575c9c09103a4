import Foundation

/// What a client sends a remote registry or download server when it asks: a user name and secret
/// (Basic, or exchanged for a token), or a ready Authorization value as a scan request carries it
/// (`Basic base64(robot:secret)`, or `Bearer token` used as it is). Its description never shows
/// the secret, so it is safe in logs and error messages.
public struct RemoteCredentials: Sendable, Equatable, CustomStringConvertible {
    /// For messages; empty for a bearer token.
    public let username: String
    /// The `Authorization` value: `Basic ...` or `Bearer ...`.
    let authorization: String

    public init(username: String, password: String) {
        self.username = username
        authorization = "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
    }

    /// From an `Authorization` header value; nil unless it is `Basic` with `user:secret` inside or
    /// `Bearer` with a token.
    public init?(authorization value: String) {
        let parts = value.split(separator: " ", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[1].isEmpty else { return nil }
        switch parts[0].lowercased() {
        case "basic":
            guard let decoded = Data(base64Encoded: parts[1]).flatMap({ String(data: $0, encoding: .utf8) }),
                  let colon = decoded.firstIndex(of: ":"), colon > decoded.startIndex else { return nil }
            username = String(decoded[..<colon])
            authorization = "Basic " + parts[1]
        case "bearer":
            username = ""
            authorization = "Bearer " + parts[1]
        default:
            return nil
        }
    }

    /// A token to send with every request, rather than answer a challenge with.
    var isBearer: Bool { authorization.hasPrefix("Bearer ") }

    public var description: String { isBearer ? "a bearer token" : "\(username):<redacted>" }
}
