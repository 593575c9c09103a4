import Foundation
import Metadata

/// The `oidc_*` system settings, read and checked for use.
public struct OIDCSettings: Sendable, Equatable {
    public var name: String
    /// The issuer, without a trailing slash.
    public var endpoint: String
    public var clientID: String
    public var clientSecret: String
    /// What is asked for, `openid` always among it.
    public var scopes: [String]
    public var groupsClaim: String
    public var adminGroup: String
    public var userClaim: String
    public var verifyCertificate: Bool
    public var autoOnboard: Bool

    public init(_ settings: SystemSettings, sealer: any SecretSealer) throws {
        let sealedSecret = settings.text(.oidcClientSecret)
        name = settings.text(.oidcName)
        endpoint = settings.text(.oidcEndpoint).trimmingCharacters(in: .whitespaces)
        while endpoint.hasSuffix("/") { endpoint.removeLast() }
        clientID = settings.text(.oidcClientID).trimmingCharacters(in: .whitespaces)
        clientSecret = sealedSecret.isEmpty ? "" : try sealer.open(sealedSecret)
        let listed = settings.text(.oidcScope).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        scopes = listed.contains("openid") ? listed : ["openid"] + listed
        groupsClaim = settings.text(.oidcGroupsClaim).trimmingCharacters(in: .whitespaces)
        adminGroup = settings.text(.oidcAdminGroup).trimmingCharacters(in: .whitespaces)
        let claim = settings.text(.oidcUserClaim).trimmingCharacters(in: .whitespaces)
        userClaim = claim.isEmpty ? "name" : claim
        verifyCertificate = settings.isOn(.oidcVerifyCert)
        autoOnboard = settings.isOn(.oidcAutoOnboard)
    }

    /// https, or http to this machine only: the client secret and the tokens travel to these URLs.
    static func isSafe(_ url: String) -> Bool {
        guard let components = URLComponents(string: url), let host = components.host?.lowercased() else { return false }
        switch components.scheme?.lowercased() {
        case "https": return true
        case "http": return host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
        default: return false
        }
    }

    /// What is missing, in the words of the settings; nil when sign-in can work.
    public var problem: String? {
        guard let url = URL(string: endpoint), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
            return "oidc_endpoint is not an http(s) URL"
        }
        if !Self.isSafe(endpoint) { return "oidc_endpoint must be https (plain http only on loopback)" }
        if clientID.isEmpty { return "oidc_client_id is not set" }
        if clientSecret.isEmpty { return "oidc_client_secret is not set" }
        return nil
    }
}
