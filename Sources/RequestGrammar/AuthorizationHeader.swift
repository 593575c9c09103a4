import Foundation

/// An `Authorization` request header as `/v2/` and the API read it: `Basic` credentials (users and
/// robots), a `Bearer` token of the token service, or something they do not accept.
public enum AuthorizationHeader: Sendable, Equatable {
    case basic(BasicCredentials)
    /// The token, without the blanks around it.
    case bearer(String)
    /// Another scheme, or `Basic` whose value is not base64 of UTF-8 `name:password`.
    case unsupported

    /// Nil when there is no header or it is empty: the request is anonymous.
    public init?(_ value: String?) {
        guard let value, !value.isEmpty else { return nil }
        // By scalar: a combining mark after the blank would fuse with it into one Character.
        if String(String.UnicodeScalarView(value.unicodeScalars.prefix(7))).lowercased() == "bearer " {
            self = .bearer(String(String.UnicodeScalarView(value.unicodeScalars.dropFirst(7))).trimmingCharacters(in: .whitespaces))
        } else if let credentials = BasicCredentials(authorizationHeader: value) {
            self = .basic(credentials)
        } else {
            self = .unsupported
        }
    }
}

/// `Authorization: Basic <base64(user:password)>`
public struct BasicCredentials: Sendable, Equatable {
    public let username: String
    public let password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    public init?(authorizationHeader value: String) {
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic",
              let decoded = Data(base64Encoded: String(parts[1]).trimmingCharacters(in: .whitespaces)).map(Array.init),
              String(validating: decoded, as: UTF8.self) != nil,
              // The first ':' byte: as a Character it would fuse with a combining mark after it.
              let colon = decoded.firstIndex(of: UInt8(ascii: ":"))
        else { return nil }
        username = String(decoding: decoded[..<colon], as: UTF8.self)
        password = String(decoding: decoded[(colon + 1)...], as: UTF8.self)
    }

    /// The header value a client sends for these credentials.
    public var headerValue: String {
        "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
    }
}
