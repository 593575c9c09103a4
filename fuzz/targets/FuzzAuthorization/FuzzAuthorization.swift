import FuzzSupport
import RequestGrammar

/// The `Authorization` header as `/v2/` and the API read it (`AuthorizationHeader`). The input is
/// the header value. Properties: a Bearer token has no blanks around it; Basic credentials written
/// out again read back the same; and credentials made from the input (name before its first NUL
/// byte, without `:`, password after it) read back the same from the header a client would send.
@main
enum FuzzAuthorization {
    static func main() {
        FuzzMain.run { input in
            let text = String(decoding: input, as: UTF8.self)
            switch AuthorizationHeader(text) {
            case nil:
                guard text.isEmpty else { fatalError("a non-empty header read as absent") }
            case .bearer(let token):
                // HTTP's optional whitespace is spaces and tabs (RFC 9110, OWS): those are trimmed.
                let blank: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 }
                guard !(token.utf8.first.map(blank) ?? false), !(token.utf8.last.map(blank) ?? false) else {
                    fatalError("token keeps its blanks")
                }
                guard AuthorizationHeader("Bearer " + token) == .bearer(token) else { fatalError("token does not read back") }
            case .basic(let credentials):
                guard AuthorizationHeader(credentials.headerValue) == .basic(credentials) else {
                    fatalError("credentials \(credentials) do not read back")
                }
            case .unsupported:
                break
            }

            let bytes = Array(input)
            let split = bytes.firstIndex(of: 0) ?? bytes.endIndex
            // A user-id cannot hold ':' (RFC 7617); removed by scalar, since a ':' fuses with a combining mark.
            let name = String(decoding: bytes[..<split], as: UTF8.self)
            let username = String(String.UnicodeScalarView(name.unicodeScalars.filter { $0 != ":" }))
            let password = String(decoding: bytes[min(split + 1, bytes.endIndex)...], as: UTF8.self)
            let credentials = BasicCredentials(username: username, password: password)
            guard AuthorizationHeader(credentials.headerValue) == .basic(credentials) else {
                fatalError("the header for \(username.debugDescription):\(password.debugDescription) does not read back")
            }
        }
    }
}
