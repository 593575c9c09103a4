import BerthTestSupport
import Foundation
import Access
import SQLKit
import Testing

/// `/registries`, `/replication/adapters|adapterinfos` and `/replication/policies`: shapes,
/// sealed secrets, validation that stores nothing, and the 412s Harbor gives.
@Suite struct RegistryEndpointAPITests {
    @Test func endpointsKeepTheirSecretSealedAndPingWithIt() async throws {
        try await Harness.run(live: true) { h in
            let port = try #require(h.port)
            let id = try await h.createRegistryEndpoint(name: "peer", port: port)
            let listed = try await h.api(.get, "/registries").array()
            #expect(listed.count == 1 && listed[0]["name"] as? String == "peer" && listed[0]["type"] as? String == "harbor")
            let credential = try #require(listed[0]["credential"] as? [String: Any])
            #expect(credential["access_key"] as? String == "admin" && credential["access_secret"] as? String == "*****")
            #expect(!(try await h.api(.get, "/registries/\(id)").text.contains(Harness.password)))

            // At rest the secret is sealed: neither the password nor its base64 is in the row.
            let sealed = try await h.server.database.read { db in
                try await db.raw("SELECT sealed_secret FROM registries").first()!.decode(column: "sealed_secret", as: String.self)
            }
            #expect(sealed.hasPrefix("v1:") && !sealed.contains(Harness.password)
                    && !sealed.contains(Data(Harness.password.utf8).base64EncodedString()), "\(sealed)")

            #expect(try await h.api(.post, "/registries/ping", json: #"{"id":\#(id)}"#).status == .ok)
            #expect(try await h.api(.get, "/registries/\(id)").object()["status"] as? String == "healthy")
            let wrong = try await h.api(.post, "/registries/ping", json: #"{"id":\#(id),"access_secret":"Not-The-Passw0rd"}"#)
            #expect(wrong.status == .badRequest && wrong.text.contains("unhealthy") && !wrong.text.contains("Not-The-Passw0rd"), "\(wrong.text)")
            // The stored secret is never sent to a changed address: this Berth asks for credentials
            // again, and none come.
            let moved = try await h.api(.post, "/registries/ping", json: #"{"id":\#(id),"url":"http://localhost:\#(port)"}"#)
            #expect(moved.status == .badRequest && moved.text.contains("none are configured"), "\(moved.text)")
            let closed = try await h.api(.post, "/registries/ping", json: #"{"type":"docker-registry","url":"http://127.0.0.1:9"}"#)
            #expect(closed.status == .badRequest && closed.text.contains("could not be reached"), "\(closed.text)")

            // An update without a secret keeps the stored one.
            #expect(try await h.api(.put, "/registries/\(id)", json: #"{"description":"the DR site","access_secret":""}"#).status == .ok)
            #expect(try await h.api(.post, "/registries/ping", json: #"{"id":\#(id)}"#).status == .ok)
            #expect(try await h.api(.get, "/registries/\(id)").object()["description"] as? String == "the DR site")

            let info = try await h.api(.get, "/registries/\(id)/info").object()
            #expect(info["type"] as? String == "harbor" && (info["supported_triggers"] as? [String])?.contains("event_based") == true)
            #expect(try await h.api(.get, "/replication/adapters").json() as? [String] == ["docker-hub", "docker-registry", "github-ghcr", "harbor", "quay"])
            let infos = try await h.api(.get, "/replication/adapterinfos").object()
            #expect(((infos["docker-hub"] as? [String: Any])?["endpoint_pattern"] as? [String: Any])?["endpoint_type"] as? String == "EndpointPatternTypeFix")

            // In use by a policy: 412 until the policy is gone.
            let policy = try await h.createReplicationPolicy(name: "dr", side: "dest_registry", registryID: id)
            #expect(try await h.api(.delete, "/registries/\(id)").status == .preconditionFailed)
            #expect(try await h.api(.delete, "/replication/policies/\(policy)").status == .ok)
            #expect(try await h.api(.delete, "/registries/\(id)").status == .ok)
            #expect(try await h.api(.get, "/registries/\(id)").status == .notFound)
        }
    }

    /// A secret sealed under another key (secret_key changed) leaves the endpoint listable and
    /// editable; using it says why it fails, and entering the secret again mends it.
    @Test func aSecretThatNoLongerOpensIsReportedNotFatal() async throws {
        try await Harness.run(live: true) { h in
            let port = try #require(h.port)
            let id = try await h.createRegistryEndpoint(name: "peer", port: port)
            let foreign = try SecretBox(passphrase: "another instance's key").seal(Harness.password)
            try await h.server.database.write { db in
                try await db.raw("UPDATE registries SET sealed_secret = \(bind: foreign)").run()
            }
            #expect(try await h.api(.get, "/registries").array().count == 1)
            let ping = try await h.api(.post, "/registries/ping", json: #"{"id":\#(id)}"#)
            #expect(ping.status == .badRequest && ping.text.contains("secret_key"), "\(ping.text)")
            #expect(try await h.api(.put, "/registries/\(id)", json: #"{"description":"kept"}"#).status == .ok)
            let kept = try await h.server.database.read { db in
                try await db.raw("SELECT sealed_secret FROM registries").first()!.decode(column: "sealed_secret", as: String.self)
            }
            #expect(kept == foreign, "an unreadable secret is kept until a new one is entered")
            #expect(try await h.api(.put, "/registries/\(id)", json: #"{"access_secret":"\#(Harness.password)"}"#).status == .ok)
            #expect(try await h.api(.post, "/registries/ping", json: #"{"id":\#(id)}"#).status == .ok)
        }
    }

    @Test func badEndpointsAreRefusedAndNothingIsStored() async throws {
        try await Harness.run { h in
            for body in [#"{"name":"x","type":"gitlab","url":"http://127.0.0.1:5000"}"#, #"{"name":"x","type":"harbor","url":"ftp://host"}"#,
                         #"{"name":"","type":"harbor","url":"http://h"}"#, #"{"name":"x","type":"harbor","url":"http://h/path"}"#,
                         #"{"name":"x","type":"harbor","url":"http://h","credential":{"type":"basic","access_key":"a"}}"#,
                         #"{"name":"x","type":"harbor","url":"http://h","credential":{"type":"kerberos"}}"#,
                         #"{"name":"x","type":"harbor","url":"https://h","ca_certificate":"not a certificate"}"#, "{"] {
                let refused = try await h.api(.post, "/registries", json: body)
                #expect(refused.status == .badRequest, "\(body): \(refused.text)")
            }
            #expect(try await h.api(.get, "/registries").array().isEmpty)
            #expect(try await h.api(.post, "/registries", json: #"{"name":"hub","type":"docker-hub"}"#).status == .created)
            #expect(try await h.api(.get, "/registries").array().first?["url"] as? String == "https://registry-1.docker.io")
            #expect(try await h.api(.post, "/registries", json: #"{"name":"hub","type":"quay"}"#).status == .conflict)
            let user = try await h.createUser("dev")
            #expect(try await h.api(.get, "/registries", headers: Harness.basic("dev", user.password)).status == .forbidden)
            #expect(try await h.api(.get, "/registries", headers: [:]).status == .unauthorized)
        }
    }

    @Test func policiesAreValidatedAndKeepHarborsShape() async throws {
        try await Harness.run { h in
            let hub = try await h.api(.post, "/registries", json: #"{"name":"upstream","type":"docker-registry","url":"http://127.0.0.1:9"}"#)
            let id = Int64(try #require(hub.header("Location")).split(separator: "/").last!)!
            let bad = [
                #"{"name":"both","src_registry":{"id":\#(id)},"dest_registry":{"id":\#(id)}}"#,
                #"{"name":"neither"}"#,
                #"{"name":"ghost","src_registry":{"id":999}}"#,
                #"{"name":"glob","src_registry":{"id":\#(id)},"filters":[{"type":"name","value":"lib/[abc"}]}"#,
                #"{"name":"kind","src_registry":{"id":\#(id)},"filters":[{"type":"size","value":"1"}]}"#,
                #"{"name":"deco","src_registry":{"id":\#(id)},"filters":[{"type":"tag","value":"v*","decoration":"maybe"}]}"#,
                #"{"name":"count","src_registry":{"id":\#(id)},"dest_namespace":"mirror","dest_namespace_replace_count":-2}"#,
                #"{"name":"count","src_registry":{"id":\#(id)},"dest_namespace":"mirror","dest_namespace_replace_count":101}"#,
                #"{"name":"cron","src_registry":{"id":\#(id)},"trigger":{"type":"scheduled","trigger_settings":{"cron":"every day"}}}"#,
                #"{"name":"event","src_registry":{"id":\#(id)},"trigger":{"type":"event_based"}}"#,
                #"{"name":"ns","src_registry":{"id":\#(id)},"dest_namespace":"Bad Namespace"}"#,
            ]
            for body in bad {
                let refused = try await h.api(.post, "/replication/policies", json: body)
                #expect(refused.status == .badRequest, "\(body): \(refused.text)")
            }
            #expect(try await h.api(.get, "/replication/policies").array().isEmpty)

            let body = #"""
                {"name":"nightly","src_registry":{"id":\#(id)},"dest_namespace":"mirror","dest_namespace_replace_count":1,
                 "trigger":{"type":"scheduled","trigger_settings":{"cron":"0 0 2 * * *"}},
                 "filters":[{"type":"name","value":"library/**"},{"type":"tag","value":"v*","decoration":"excludes"},{"type":"label","value":["prod"],"decoration":"excludes"}],
                 "override":false,"enabled":true,"speed":512,"copy_by_chunk":true,"single_active_replication":true}
                """#
            let created = try await h.api(.post, "/replication/policies", json: body)
            #expect(created.status == .created, "\(created.text)")
            let policyID = String(try #require(created.header("Location")).split(separator: "/").last!)
            #expect(try await h.api(.post, "/replication/policies", json: body).status == .conflict)
            let policy = try await h.api(.get, "/replication/policies/\(policyID)").object()
            #expect((policy["src_registry"] as? [String: Any])?["name"] as? String == "upstream")
            #expect((policy["dest_registry"] as? [String: Any])?["id"] as? Int == 0 && (policy["dest_registry"] as? [String: Any])?["name"] as? String == "Local",
                    "Harbor names this registry Local on the local side")
            #expect((policy["trigger"] as? [String: Any])?["type"] as? String == "scheduled")
            let filters = try #require(policy["filters"] as? [[String: Any]])
            #expect(filters[0]["value"] as? String == "library/**" && filters[2]["value"] as? [String] == ["prod"])
            #expect(filters[1]["decoration"] as? String == "excludes")
            #expect(policy["speed"] as? Int == 512 && policy["copy_by_chunk"] as? Bool == true && policy["override"] as? Bool == false)
            #expect(policy["dest_namespace_replace_count"] as? Int == 1)

            // The schedule lives in the job system while the policy is enabled and scheduled.
            let schedules = try await h.api(.get, "/schedules?page_size=100").array()
            #expect(schedules.contains { $0["vendor_type"] as? String == "REPLICATION" }, "\(schedules)")
            #expect(try await h.api(.put, "/replication/policies/\(policyID)", json: #"{"enabled":false}"#).status == .ok)
            #expect(!(try await h.api(.get, "/schedules?page_size=100").array()).contains { $0["vendor_type"] as? String == "REPLICATION" })
            let disabled = try await h.api(.post, "/replication/executions", json: #"{"policy_id":\#(policyID)}"#)
            #expect(disabled.status == .badRequest && disabled.text.contains("disabled"), "\(disabled.text)")
            #expect(try await h.api(.put, "/replication/policies/\(policyID)", json: #"{"filters":[{"type":"tag","value":"{"}]}"#).status == .badRequest)
            #expect(try await h.api(.get, "/replication/policies?name=night").array().count == 1)
            #expect(try await h.api(.get, "/replication/policies?name=day").array().isEmpty)
        }
    }
}
