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
        if value.utf8.count >= 7, value.utf8.prefix(7).elementsEqual("bearer ".utf8, by: { $0 == $1 || ($1 >= 0x61 && $1 <= 0x7a && $0 == $1 - 0x20) }) {
            // Every request of a pull carries the token: no lowercased copy and no CharacterSet.
            self = .bearer(String(value.utf8.dropFirst(7).trimmingBlanks)!)
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

extension Substring.UTF8View {
    /// Without the spaces and tabs around it.
    var trimmingBlanks: Substring.UTF8View {
        let blank: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 }
        guard let first = firstIndex(where: { !blank($0) }), let last = lastIndex(where: { !blank($0) }) else {
            return self[endIndex...]
        }
        return self[first...last]
    }
}
