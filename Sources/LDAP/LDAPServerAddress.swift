import NIOCore

/// Where the directory is: `ldap://host[:port]`, `ldaps://host[:port]`, or a bare `host[:port]`
/// (Harbor's `ldap_url` accepts that and means plain LDAP). IPv6 addresses go in brackets. A
/// trailing `/` is allowed; an RFC 4516 DN or query after it is not, since the base DN and
/// filter are configured on their own and a second place to write them would be a trap.
struct LDAPServerAddress: Sendable, Equatable, CustomStringConvertible {
    var host: String
    var port: Int
    /// ldaps://: TLS from the first byte.
    var tls: Bool

    init(host: String, port: Int, tls: Bool) {
        self.host = host
        self.port = port
        self.tls = tls
    }

    init(parsing url: String) throws {
        var rest = Substring(url)
        while rest.first?.isWhitespace == true { rest.removeFirst() }
        while rest.last?.isWhitespace == true { rest.removeLast() }
        let lowered = rest.lowercased()
        if lowered.hasPrefix("ldaps://") {
            tls = true
            rest = rest.dropFirst("ldaps://".count)
        } else if lowered.hasPrefix("ldap://") {
            tls = false
            rest = rest.dropFirst("ldap://".count)
        } else if lowered.contains("://") {
            throw LDAPError.badURL("\(url): only ldap:// and ldaps:// are supported")
        } else {
            tls = false
        }
        if rest.last == "/" { rest.removeLast() }
        guard !rest.contains("/"), !rest.contains("?") else {
            throw LDAPError.badURL("\(url): give only the scheme, host and port; the base DN is configured separately")
        }
        let portText: Substring?
        if rest.first == "[" {
            guard let close = rest.firstIndex(of: "]") else { throw LDAPError.badURL("\(url): an IPv6 address lacks its ]") }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            guard after.isEmpty || after.first == ":" else { throw LDAPError.badURL("\(url): expected :port after ]") }
            portText = after.isEmpty ? nil : after.dropFirst()
        } else {
            let parts = rest.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count <= 2 else { throw LDAPError.badURL("\(url): write an IPv6 address in brackets, [::1]:389") }
            host = String(parts[0])
            portText = parts.count == 2 ? parts[1] : nil
        }
        guard !host.isEmpty else { throw LDAPError.badURL("\(url): the host is missing") }
        if let portText {
            guard let port = Int(portText), (1...65535).contains(port) else {
                throw LDAPError.badURL("\(url): \(portText) is not a port number")
            }
            self.port = port
        } else {
            port = tls ? 636 : 389
        }
    }

    /// The name sent in TLS's SNI and checked against the certificate; nil for an IP address,
    /// which SNI may not carry (NIOSSL then checks the certificate against the peer's address).
    var serverHostname: String? {
        (try? SocketAddress(ipAddress: host, port: port)) == nil ? host : nil
    }

    var description: String {
        "\(tls ? "ldaps" : "ldap")://\(host.contains(":") ? "[\(host)]" : host):\(port)"
    }
}
