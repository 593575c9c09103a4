import Foundation
import Testing
import X509
@testable import BerthServer

/// The keys of issue 12: S3 storage, TLS, shutdown; and the CA `tls: auto` makes.
@Suite struct ScaleOutConfigurationTests {
    @Test func s3SettingsTakeTheirDefaultsAndTheEnvironment() throws {
        let configuration = try BerthConfiguration.load(file: nil, environment: [
            "BERTH_STORAGE_DRIVER": "s3", "BERTH_STORAGE_S3_BUCKET": "blobs", "BERTH_STORAGE_S3_ENDPOINT": "http://127.0.0.1:9000/",
            "AWS_ACCESS_KEY_ID": "id", "AWS_SECRET_ACCESS_KEY": "secret",
        ])
        #expect(configuration.storageDriver == "s3")
        #expect(configuration.s3.effectiveEndpoint == "http://127.0.0.1:9000" && configuration.s3.pathStyle)
        #expect(configuration.s3.accessKey == "id" && configuration.s3.secretKey == "secret")
        #expect(configuration.s3.chunkSize == 10 << 20 && !configuration.s3.redirect && !configuration.s3.encrypt)
        let aws = try BerthConfiguration.load(file: nil, environment: [
            "BERTH_STORAGE_DRIVER": "s3", "BERTH_STORAGE_S3_BUCKET": "blobs", "BERTH_STORAGE_S3_REGION": "eu-west-1",
            "BERTH_STORAGE_S3_ACCESSKEY": "a", "BERTH_STORAGE_S3_SECRETKEY": "b",
        ])
        #expect(aws.s3.effectiveEndpoint == "https://s3.eu-west-1.amazonaws.com" && !aws.s3.pathStyle)
    }

    @Test(arguments: [
        (["BERTH_STORAGE_DRIVER": "s3"], "storage.s3.bucket"),
        (["BERTH_STORAGE_DRIVER": "s3", "BERTH_STORAGE_S3_BUCKET": "blobs"], "storage.s3.accesskey"),
        (["BERTH_STORAGE_S3_BUCKET": "Not_A_Bucket"], "storage.s3.bucket"),
        (["BERTH_STORAGE_S3_CHUNKSIZE": "1024"], "storage.s3.chunksize"),
        (["BERTH_STORAGE_S3_ENDPOINT": "http://host:9000/path"], "storage.s3.endpoint"),
        (["BERTH_STORAGE_DRIVER": "azure"], "storage.driver"),
        (["BERTH_TLS": "sometimes"], "tls"),
        (["BERTH_TLS": "auto", "BERTH_TLS_CERTIFICATE": "/c.pem", "BERTH_TLS_KEY": "/k.pem"], "tls"),
        (["BERTH_TLS_KEY": "/k.pem"], "tls.certificate"),
        (["BERTH_SHUTDOWN_DRAIN_SECONDS": "-1"], "shutdown.drain_seconds"),
    ])
    func badValuesNameTheirKey(environment: [String: String], key: String) {
        do {
            _ = try BerthConfiguration.load(file: nil, environment: environment)
            Issue.record("\(environment) was accepted")
        } catch let error as ConfigurationError {
            #expect(error.key == key, "\(error)")
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test func tlsModes() throws {
        #expect(try BerthConfiguration.load(file: nil, environment: [:]).tls == .off)
        #expect(try BerthConfiguration.load(file: nil, environment: ["BERTH_TLS": "auto"]).tls == .auto)
        #expect(try BerthConfiguration.load(file: nil, environment: ["BERTH_TLS_CERTIFICATE": "/c.pem", "BERTH_TLS_KEY": "/k.pem"]).tls
                == .files(certificate: "/c.pem", key: "/k.pem"))
    }

    @Test func theAutomaticCAIsKeptAndTheCertificateFollowsTheNames() throws {
        let directory = NSTemporaryDirectory() + "berth-tls-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let names = CertificateAuthority.names(externalURL: "https://registry.example.com:8443", listenHost: "0.0.0.0")
        #expect(names == ["registry.example.com", "localhost", "127.0.0.1", "::1"])
        let first = try CertificateAuthority.ensure(directory: directory, names: names)
        let certificate = try Certificate(pemEncoded: first.certificate)
        #expect(Set(CertificateAuthority.coveredNames(certificate)) == Set(names))
        #expect(try Certificate(pemEncoded: first.authority).subject == certificate.issuer)
        let again = try CertificateAuthority.ensure(directory: directory, names: names)
        #expect(again.certificate == first.certificate && again.authority == first.authority)
        // A new external_url: the same CA signs a certificate for the new name.
        let moved = try CertificateAuthority.ensure(directory: directory, names: ["other.example.com", "localhost"])
        #expect(moved.authority == first.authority && moved.certificate != first.certificate)
        #expect(CertificateAuthority.coveredNames(try Certificate(pemEncoded: moved.certificate)).contains("other.example.com"))
        // Close to its end, the certificate is made again.
        let later = try CertificateAuthority.ensure(directory: directory, names: ["other.example.com", "localhost"],
                                                    now: Date().addingTimeInterval(380 * 86_400))
        #expect(later.certificate != moved.certificate && later.authority == first.authority)
        let attributes = try FileManager.default.attributesOfItem(atPath: directory + "/ca-key.pem")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
    }
}
