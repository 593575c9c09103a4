import BerthTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

extension Harness {
    /// Sends JSON to the API and returns the response.
    @discardableResult
    func api(_ method: HTTPRequest.Method, _ path: String, json: String? = nil, headers: HTTPFields = Harness.admin) async throws -> TestResponse {
        var headers = headers
        if json != nil { headers[.contentType] = "application/json" }
        return try await client.execute(uri: "/api/v2.0" + path, method: method, headers: headers,
                                        body: json.map { ByteBuffer(string: $0) })
    }

    /// Creates a user through the API; returns its id.
    func createUser(_ name: String, password: String = "Passw0rd-\(UUID().uuidString.prefix(4))") async throws -> (id: Int64, password: String) {
        let response = try await api(.post, "/users", json: #"{"username":"\#(name)","password":"\#(password)","email":"\#(name)@example.com"}"#)
        #expect(response.status == .created, "\(response.text)")
        let location = try #require(response.header("Location"))
        return (Int64(location.split(separator: "/").last!)!, password)
    }

    /// Creates a project through the API; returns its id.
    func createProject(_ name: String, public isPublic: Bool = false, headers: HTTPFields = Harness.admin) async throws -> Int64 {
        let response = try await api(.post, "/projects", json: #"{"project_name":"\#(name)","metadata":{"public":"\#(isPublic)"}}"#, headers: headers)
        #expect(response.status == .created, "\(response.text)")
        return Int64(try #require(response.header("Location")).split(separator: "/").last!)!
    }

    func addMember(_ project: String, userID: Int64, role: Int) async throws {
        let response = try await api(.post, "/projects/\(project)/members", json: #"{"role_id":\#(role),"member_user":{"user_id":\#(userID)}}"#)
        #expect(response.status == .created, "\(response.text)")
    }
}

extension TestResponse {
    func json() throws -> Any { try JSONSerialization.jsonObject(with: Data(bytes)) }
    func object() throws -> [String: Any] { try #require(try json() as? [String: Any]) }
    func array() throws -> [[String: Any]] { try #require(try json() as? [[String: Any]]) }
}
