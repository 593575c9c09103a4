/// A `WWW-Authenticate` challenge (RFC 7235): `Bearer realm="https://auth/token",service="registry",
/// scope="repository:a/b:pull"` or `Basic realm="registry"`. The scheme is lowercased; quoted
/// values are unescaped.
public struct AuthChallenge: Sendable, Equatable {
    public let scheme: String
    public let parameters: [String: String]

    public init?(header: String) {
        let text = Substring(header).drop { $0 == " " }
        guard let space = text.firstIndex(of: " ") ?? (text.isEmpty ? nil : text.endIndex) else { return nil }
        scheme = text[..<space].lowercased()
        var parameters: [String: String] = [:]
        var rest = text[space...]
        while true {
            rest = rest.drop { $0 == " " || $0 == "," }
            guard let equals = rest.firstIndex(of: "=") else { break }
            let key = rest[..<equals].trimmingSpaces().lowercased()
            rest = rest[rest.index(after: equals)...]
            var value = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                var escaped = false
                var closed = false
                while let character = rest.first {
                    rest = rest.dropFirst()
                    if escaped { value.append(character); escaped = false }
                    else if character == "\\" { escaped = true }
                    else if character == "\"" { closed = true; break }
                    else { value.append(character) }
                }
                guard closed else { return nil }
            } else {
                let end = rest.firstIndex(of: ",") ?? rest.endIndex
                value = String(rest[..<end]).trimmingSpaces()
                rest = rest[end...]
            }
            guard !key.isEmpty else { return nil }
            parameters[key] = value
        }
        self.parameters = parameters
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
