import NIOCore
import NIOSSL

extension LDAPClient {
    /// The system's trust roots and TLS 1.2 or later, as Harbor's Go client has; no checks at
    /// all when verification is off (`ldap_verify_cert: false`, for self-signed directories).
    static func makeTLSContext(verifyCertificate: Bool) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        if !verifyCertificate {
            configuration.certificateVerification = .none
        }
        return try NIOSSLContext(configuration: configuration)
    }

    /// StartTLS (RFC 4511 §4.14): asks on the plain connection, and on success puts the TLS
    /// handler at the front of the pipeline. That happens in a callback hung on the answer
    /// before the request is sent, so it runs on the event loop in the same turn as the answer
    /// is read: no other message can pass in clear after it. The handshake starts at once; a
    /// certificate that is refused fails the connection, and the next operation reports why
    /// (`LDAPError.tlsFailed`).
    func startTLS(context: NIOSSLContext, serverHostname: String?) async throws {
        let channel = self.channel
        let answer = channel.eventLoop.makePromise(of: LDAPAnswer.self)
        let upgraded = answer.futureResult.flatMapThrowing { reply in
            guard reply.result.resultCode == .success else {
                throw LDAPError.failed(operation: "StartTLS", result: reply.result)
            }
            try channel.pipeline.syncOperations.addHandler(
                NIOSSLClientHandler(context: context, serverHostname: serverHostname), position: .first)
        }
        send(.extended(name: LDAPRequest.startTLSName, value: nil), answer: answer)
        do {
            try await upgraded.get()
        } catch let error as LDAPError {
            throw error
        } catch {
            throw LDAPError.tlsFailed("\(error)")
        }
    }
}
