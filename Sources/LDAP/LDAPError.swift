/// Why an LDAP call failed, in words an operator can act on. Messages never carry a password.
public enum LDAPError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The server address is not `ldap://host[:port]` or `ldaps://host[:port]`, or asks for
    /// something contradictory (StartTLS on ldaps://).
    case badURL(String)
    /// No TCP connection could be made.
    case unreachable(server: String, reason: String)
    /// The TLS handshake failed: often an untrusted certificate or one for another host name.
    case tlsFailed(String)
    /// No answer within the timeout; the connection was closed, as it can no longer be trusted
    /// to pair answers with questions.
    case timedOut(operation: String, after: Duration)
    /// The connection ended, or had ended, before the answer came.
    case connectionClosed(reason: String)
    /// The server answered with a result other than success: `invalidCredentials` for a bad
    /// password, `noSuchObject` for a base DN that does not exist...
    case failed(operation: String, result: LDAPResult)
    /// A bind with an empty password or DN was refused before anything was sent: servers take
    /// it as an anonymous or "unauthenticated" bind (RFC 4513 §5.1.2) and many answer success
    /// without checking anything, which would let anyone log in as anyone.
    case emptyCredentials
    /// The server sent something that is not LDAP.
    case protocolViolation(String)

    /// The server's result code, when the server answered.
    public var resultCode: LDAPResultCode? {
        if case .failed(_, let result) = self { result.resultCode } else { nil }
    }

    public var description: String {
        switch self {
        case .badURL(let reason): "bad LDAP URL: \(reason)"
        case .unreachable(let server, let reason): "LDAP server \(server) could not be reached: \(reason)"
        case .tlsFailed(let reason): "TLS with the LDAP server failed: \(reason)"
        case .timedOut(let operation, let after): "LDAP \(operation) got no answer within \(after)"
        case .connectionClosed(let reason): "LDAP connection closed: \(reason)"
        case .failed(let operation, let result): "LDAP \(operation) failed: \(result)"
        case .emptyCredentials:
            "an LDAP bind needs a DN and a non-empty password (an empty one would be an unauthenticated bind)"
        case .protocolViolation(let reason): "the LDAP server sent something that is not LDAP: \(reason)"
        }
    }
}
