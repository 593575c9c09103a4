import Foundation

/// A user name and secret for a remote registry or download server. Its description never shows
/// the secret, so it is safe in logs and error messages.
public struct RemoteCredentials: Sendable, Equatable, CustomStringConvertible {
    public let username: String
    public let password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    public var description: String { "\(username):<redacted>" }

    var basicAuthorization: String {
        "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
    }
}
