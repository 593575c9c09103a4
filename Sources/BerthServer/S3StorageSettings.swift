import Foundation

/// `storage.s3.*`: the bucket Berth keeps blobs in when `storage.driver` is `s3`. The names are
/// those of distribution's S3 driver, so a registry's settings carry over.
public struct S3StorageSettings: Sendable, Equatable {
    public var bucket: String?
    public var region = "us-east-1"
    /// An S3-compatible server (`http://minio:9000`); unset, AWS's endpoint of `region`.
    public var endpoint: String?
    /// Path-style URLs (`endpoint/bucket/key`). Unset: on for a configured endpoint (every
    /// S3-compatible server takes them), off for AWS, which prefers virtual-host style.
    public var forcePathStyle: Bool?
    /// Unset: `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` from the environment.
    public var accessKey: String?
    public var secretKey: String?
    public var rootDirectory = ""
    public var chunkSize = 10 << 20
    public var encrypt = false
    public var redirect = false

    public var effectiveEndpoint: String { endpoint ?? "https://s3.\(region).amazonaws.com" }
    public var pathStyle: Bool { forcePathStyle ?? (endpoint != nil) }

    mutating func apply(_ name: String, _ value: String) throws {
        let key = "storage.s3." + name
        func flag() throws -> Bool {
            guard value == "true" || value == "false" else { throw ConfigurationError(key: key, message: "must be true or false") }
            return value == "true"
        }
        switch name {
        case "bucket":
            // S3's bucket naming rules: 3 to 63 lowercase letters, digits, dots and hyphens.
            guard (3...63).contains(value.count), value.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "." || $0 == "-" }),
                  value.first!.isLetter || value.first!.isNumber else {
                throw ConfigurationError(key: key, message: "must be a bucket name (3 to 63 lowercase letters, digits, '.' and '-'; got '\(value)')")
            }
            bucket = value
        case "region":
            guard !value.isEmpty, value.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else {
                throw ConfigurationError(key: key, message: "must be a region name such as eu-west-1 (got '\(value)')")
            }
            region = value
        case "endpoint":
            guard let url = URL(string: value), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil,
                  url.path.isEmpty || url.path == "/", url.query == nil else {
                throw ConfigurationError(key: key, message: "must be an http(s) URL without a path, such as http://127.0.0.1:9000 (got '\(value)')")
            }
            endpoint = value.hasSuffix("/") ? String(value.dropLast()) : value
        case "forcepathstyle": forcePathStyle = try flag()
        case "accesskey":
            guard !value.isEmpty else { throw ConfigurationError(key: key, message: "must not be empty") }
            accessKey = value
        case "secretkey":
            guard !value.isEmpty else { throw ConfigurationError(key: key, message: "must not be empty") }
            secretKey = value
        case "rootdirectory":
            guard !value.split(separator: "/").contains(where: { $0 == "." || $0 == ".." }) else {
                throw ConfigurationError(key: key, message: "must be a key prefix without '.' or '..' parts")
            }
            rootDirectory = value
        case "chunksize":
            // S3 refuses parts under 5 MiB (but the last), and an upload has at most 10,000 parts.
            guard let size = Int(value), (5 << 20...5 << 30).contains(size) else {
                throw ConfigurationError(key: key, message: "must be a number of bytes from 5242880 (5 MiB) to 5368709120 (got '\(value)')")
            }
            chunkSize = size
        case "encrypt": encrypt = try flag()
        case "redirect": redirect = try flag()
        default:
            throw ConfigurationError(key: key, message: "is not a configuration key")
        }
    }

    /// Checks what must be set once every source was read; takes the credentials from the
    /// environment when the configuration has none.
    mutating func complete(environment: [String: String]) throws {
        guard bucket != nil else { throw ConfigurationError(key: "storage.s3.bucket", message: "must be set when storage.driver is s3") }
        if accessKey == nil && secretKey == nil {
            accessKey = environment["AWS_ACCESS_KEY_ID"].flatMap { $0.isEmpty ? nil : $0 }
            secretKey = environment["AWS_SECRET_ACCESS_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        }
        guard accessKey != nil, secretKey != nil else {
            throw ConfigurationError(key: "storage.s3.accesskey",
                                     message: "and storage.s3.secretkey must be set together (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)")
        }
    }
}
