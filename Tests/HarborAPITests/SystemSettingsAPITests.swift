import BerthTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Metadata
import SQLKit
import Testing

/// Harbor's `/configurations` keys beyond the audit log's and the project settings: each is
/// listed with its default, refuses a wrong value by name, and changes what it names.
@Suite struct SystemSettingsAPITests {
    static func value(_ settings: [String: Any], _ key: String) -> Any? {
        (settings[key] as? [String: Any])?["value"]
    }

    @Test func everyKeyIsListedWithItsDefaultAndBadValuesAreRefused() async throws {
        try await Harness.run { h in
            let settings = try await h.api(.get, "/configurations").object()
            #expect(Self.value(settings, "token_expiration") as? Int == 30)
            #expect(Self.value(settings, "robot_token_duration") as? Int == 30)
            #expect(Self.value(settings, "session_timeout") as? Int == 60)
            #expect(Self.value(settings, "self_registration") as? Bool == false)
            #expect(Self.value(settings, "notification_enable") as? Bool == true)
            #expect(Self.value(settings, "auth_mode") as? String == "db_auth")
            #expect(Self.value(settings, "banner_message") as? String == "")
            #expect(Self.value(settings, "read_only") as? Bool == false)
            #expect(Self.value(settings, "audit_log_forward_endpoint") as? String == "")
            #expect((settings["token_expiration"] as? [String: Any])?["editable"] as? Bool == true)

            for bad in [#"{"token_expiration":0}"#, #"{"token_expiration":1.5}"#, #"{"token_expiration":"30"}"#,
                        #"{"robot_token_duration":-1}"#, #"{"session_timeout":null}"#, #"{"self_registration":1}"#,
                        #"{"auth_mode":"uaa_auth"}"#, #"{"banner_message":{"message":"hi"}}"#, #"{"robot_name_prefix":"bot$"}"#] {
                let refused = try await h.api(.put, "/configurations", json: bad)
                #expect(refused.status == .badRequest, "\(bad): \(refused.text)")
            }
            // A refused request changes nothing, not even the keys it had right.
            #expect(try await h.api(.put, "/configurations", json: #"{"token_expiration":5,"auth_mode":"uaa_auth"}"#).status == .badRequest)
            #expect(Self.value(try await h.api(.get, "/configurations").object(), "token_expiration") as? Int == 30)
        }
    }

    @Test func tokenLifetimeAndRobotDurationFollowTheSettings() async throws {
        try await Harness.run { h in
            #expect(try await h.api(.put, "/configurations", json: #"{"token_expiration":5,"robot_token_duration":7}"#).status == .ok)
            let issued = try await h.request(.get, "/service/token?service=harbor-registry&scope=repository:library/app:pull")
            let body = try issued.object()
            #expect(body["expires_in"] as? Int == 300)
            let claims = try Self.claims(of: try #require(body["token"] as? String))
            #expect((claims["exp"] as? Int ?? 0) - (claims["iat"] as? Int ?? 0) == 300)

            let permissions = #"[{"kind":"project","namespace":"library","access":[{"resource":"repository","action":"pull"}]}]"#
            for (name, duration) in [("default", ""), ("zero", #","duration":0"#), ("own", #","duration":2"#)] {
                let created = try await h.api(.post, "/robots", json: #"{"name":"\#(name)","level":"project","permissions":\#(permissions)\#(duration)}"#)
                #expect(created.status == .created, "\(created.text)")
                let id = try #require(created.header("Location")?.split(separator: "/").last.map(String.init))
                let robot = try await h.api(.get, "/robots/\(id)").object()
                #expect(robot["duration"] as? Int == (name == "own" ? 2 : 7), "\(name)")
                if name == "own" {
                    // An update to 0 also means the default.
                    #expect(try await h.api(.put, "/robots/\(id)", json: #"{"duration":0}"#).status == .ok)
                    #expect(try await h.api(.get, "/robots/\(id)").object()["duration"] as? Int == 7)
                }
            }
        }
    }

    @Test func sessionTimeoutSetsHowLongAnIdleSessionLives() async throws {
        try await Harness.run { h in
            #expect(try await h.api(.put, "/configurations", json: #"{"session_timeout":2}"#).status == .ok)
            let (response, session) = try await PortalSessionTests.login(h, "admin", Harness.password)
            #expect(response.status == .ok && session != nil)
            let lifetimes = try await h.server.database.read { db in
                try await db.raw("SELECT expires_at - created_at AS idle FROM sessions").all().map { try $0.decode(column: "idle", as: Int64.self) }
            }
            #expect(lifetimes == [120_000])
        }
    }

    @Test func selfRegistrationLetsAnyoneSignUpOnlyWhileOn() async throws {
        try await Harness.run { h in
            let signUp = #"{"username":"newcomer","email":"n@example.com","realname":"N","password":"Newcomer-Passw0rd"}"#
            #expect(try await h.api(.post, "/users", json: signUp, headers: [:]).status == .unauthorized)
            #expect(try await h.api(.get, "/systeminfo", headers: [:]).object()["self_registration"] as? Bool == false)

            #expect(try await h.api(.put, "/configurations", json: #"{"self_registration":true}"#).status == .ok)
            #expect(try await h.api(.get, "/systeminfo", headers: [:]).object()["self_registration"] as? Bool == true)
            #expect(try await h.api(.post, "/users", json: signUp, headers: [:]).status == .created)
            let me = try await h.api(.get, "/users/current", headers: Harness.basic("newcomer", "Newcomer-Passw0rd")).object()
            #expect(me["sysadmin_flag"] as? Bool == false)
        }
    }

    @Test func theBannerIsShownToAnyone() async throws {
        try await Harness.run { h in
            let banner = #"{"closable":true,"message":"maintenance at 18:00","type":"warning"}"#
            let body = String(data: try JSONSerialization.data(withJSONObject: ["banner_message": banner]), encoding: .utf8)!
            #expect(try await h.api(.put, "/configurations", json: body).status == .ok)
            #expect(try await h.api(.get, "/systeminfo", headers: [:]).object()["banner_message"] as? String == banner)
        }
    }

    @Test func notificationsOffQueueNoWebhook() async throws {
        try await Harness.run { h in
            _ = try await h.createProject("hooked")
            let policy = try await h.api(.post, "/projects/hooked/webhook/policies", json: #"""
                {"name":"hook","enabled":true,"event_types":["PUSH_ARTIFACT"],"targets":[{"type":"http","address":"http://127.0.0.1:9/hook"}]}
                """#)
            #expect(policy.status == .created, "\(policy.text)")
            let policyID = try #require(policy.header("Location")?.split(separator: "/").last.map(String.init))
            #expect(try await h.api(.put, "/configurations", json: #"{"notification_enable":false}"#).status == .ok)
            #expect(try await h.api(.get, "/systeminfo").object()["notification_enable"] as? Bool == false)
            _ = try await h.pushImage("hooked/app", tag: "off", layer: "off")

            #expect(try await h.api(.put, "/configurations", json: #"{"notification_enable":true}"#).status == .ok)
            _ = try await h.pushImage("hooked/app", tag: "on", layer: "on")
            // Events are announced in order: once the second push's delivery is queued, the first
            // push's would have been too.
            try await eventually("the second push's delivery") {
                try await !h.api(.get, "/projects/hooked/webhook/policies/\(policyID)/executions").array().isEmpty
            }
            let executions = try await h.api(.get, "/projects/hooked/webhook/policies/\(policyID)/executions").array()
            #expect(executions.count == 1, "\(executions)")
        }
    }

    static func claims(of token: String) throws -> [String: Any] {
        var payload = String(token.split(separator: ".")[1]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while payload.count % 4 != 0 { payload += "=" }
        let data = try #require(Data(base64Encoded: payload))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }
}
