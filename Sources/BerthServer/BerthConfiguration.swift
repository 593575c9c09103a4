import Foundation
import Jobs
import Logging
import RemoteRegistry
import Yams

/// Server configuration: defaults, then a YAML file, then `BERTH_*` environment variables.
/// Every key has one dotted name (`storage.filesystem.root`) and one variable
/// (`BERTH_STORAGE_FILESYSTEM_ROOT`); docs/configuration.md lists them.
public struct BerthConfiguration: Sendable, Equatable {
    public var host = "0.0.0.0"
    public var port = 5000
    public var dataDirectory = "./berth-data"
    public var externalURL: String?
    public var adminPassword: String?
    public var databaseURL: String?
    public var storageDriver = "filesystem"
    public var filesystemRoot: String?
    /// `storage.s3.*`, used when `storage.driver` is `s3`.
    public var s3 = S3StorageSettings()
    public var logLevel: Logger.Level = .info
    /// Job workers of this process and their lease (`jobs.workers`, `jobs.lease_seconds`).
    public var jobs = JobWorkerPool.Settings()
    /// Workers delivering webhooks (`jobs.webhook_workers`), apart from the others: each waits on
    /// a receiver for up to 10 s.
    public var webhookWorkers = 8
    /// Credentials for advisory sources that ask for them (`vulndb.username`, `vulndb.password`):
    /// a registry holding the advisory artifact, or a server holding `all.zip`.
    public var vulndbUsername: String?
    public var vulndbPassword: String?
    /// The key that seals stored credentials (`secret_key`); every node of one service needs the
    /// same. Unset: a random key created in the data directory on first start.
    public var secretKey: String?
    /// Serve the portal's files from this directory instead of the copies built into the binary
    /// (`portal.assets_dir`): for working on the portal without rebuilding.
    public var portalAssetsDirectory: String?
    /// Serve `/metrics` (`metrics.enabled`). Off by default, as in Harbor: the page tells anyone
    /// who asks the routes, job types and queue depths, and counting costs about 5% of a
    /// manifest request.
    public var metricsEnabled = false
    /// Serve `/metrics` on this port of the same host instead of the main one (`metrics.port`),
    /// so that it can stay inside the cluster while the registry is exposed; nil: the main port.
    public var metricsPort: Int?
    /// Where the metrics are served (`metrics.path`), Harbor's `/metrics` by default.
    public var metricsPath = "/metrics"
    /// HTTPS (`tls: auto`, or `tls.certificate` and `tls.key`); off by default.
    public var tls: TLSMode = .off
    /// Seconds between reads of the certificate while serving (`tls.reload_seconds`).
    public var tlsReloadSeconds = 60
    /// Seconds between SIGTERM and closing the listener, while health answers 503
    /// (`shutdown.drain_seconds`): time for a load balancer or Kubernetes to stop sending requests.
    public var shutdownDrainSeconds = 5
    /// Seconds a connection may send nothing (`http.idle_timeout_seconds`): a client that never
    /// finishes its headers, stops sending a body half way, or keeps an idle connection open is
    /// disconnected, so it cannot hold a connection for ever. A response being sent is not cut.
    public var httpIdleTimeoutSeconds = 60
    /// Seconds a directory (LDAP) sign-in is remembered (`auth.directory_cache_seconds`): the
    /// longest a user removed from the directory keeps access. It is checked again in the
    /// background after a tenth of that.
    public var directoryCacheSeconds = 300

    /// The keys a configuration file may use.
    public static let keys = [
        "listen", "data_dir", "external_url", "admin_password", "database.url",
        "storage.driver", "storage.filesystem.root",
        "storage.s3.bucket", "storage.s3.region", "storage.s3.endpoint", "storage.s3.forcepathstyle", "storage.s3.accesskey",
        "storage.s3.secretkey", "storage.s3.rootdirectory", "storage.s3.chunksize", "storage.s3.encrypt", "storage.s3.redirect",
        "log_level", "jobs.workers", "jobs.lease_seconds", "jobs.webhook_workers",
        "vulndb.username", "vulndb.password", "secret_key", "portal.assets_dir", "metrics.enabled", "metrics.port", "metrics.path", "shutdown.drain_seconds", "http.idle_timeout_seconds", "tls", "tls.certificate", "tls.key", "tls.reload_seconds",
        "auth.directory_cache_seconds",
    ]

    public static func environmentVariable(for key: String) -> String {
        "BERTH_" + key.uppercased().replacingOccurrences(of: ".", with: "_")
    }

    public init() {}

    /// The SQLite file under the data directory unless a database URL is configured.
    public var effectiveDatabaseURL: String {
        databaseURL ?? "sqlite://" + absolute(dataDirectory) + "/berth.db"
    }

    /// What advisory downloads authenticate with, when configured.
    public var vulndbCredentials: RemoteCredentials? {
        guard let vulndbUsername, let vulndbPassword else { return nil }
        return RemoteCredentials(username: vulndbUsername, password: vulndbPassword)
    }

    public var effectiveFilesystemRoot: String {
        filesystemRoot ?? dataDirectory + "/storage"
    }

    public static func load(file: String?, environment: [String: String]) throws -> BerthConfiguration {
        var values: [String: String] = [:]
        if let file {
            let text: String
            do {
                text = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                throw ConfigurationError(key: nil, message: "cannot read configuration file \(file): \(error.localizedDescription)")
            }
            values = try flatten(yaml: text)
        }
        for key in keys {
            if let value = environment[environmentVariable(for: key)] { values[key] = value }
        }
        var configuration = BerthConfiguration()
        try configuration.apply(values)
        guard (configuration.vulndbUsername == nil) == (configuration.vulndbPassword == nil) else {
            throw ConfigurationError(key: "vulndb.username", message: "and vulndb.password are set together or not at all")
        }
        if configuration.storageDriver == "s3" { try configuration.s3.complete(environment: environment) }
        try configuration.resolveTLS(values)
        return configuration
    }

    mutating func apply(_ values: [String: String]) throws {
        for (key, value) in values {
            switch key {
            case "listen":
                guard let colon = value.lastIndex(of: ":"), let port = Int(value[value.index(after: colon)...]),
                      (0...65535).contains(port) else {
                    throw ConfigurationError(key: key, message: "must be host:port, e.g. 0.0.0.0:5000 (got '\(value)')")
                }
                let host = String(value[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
                self.host = host.isEmpty ? "0.0.0.0" : host
                self.port = port
            case "data_dir":
                guard !value.isEmpty else { throw ConfigurationError(key: key, message: "must not be empty") }
                dataDirectory = value
            case "external_url":
                guard let url = URL(string: value), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
                    throw ConfigurationError(key: key, message: "must be an http(s) URL such as https://registry.example.com (got '\(value)')")
                }
                externalURL = value.hasSuffix("/") ? String(value.dropLast()) : value
            case "admin_password":
                guard value.count >= 8 else { throw ConfigurationError(key: key, message: "must be at least 8 characters") }
                adminPassword = value
            case "database.url":
                guard value.hasPrefix("sqlite://") || value.hasPrefix("postgres://") || value.hasPrefix("postgresql://") else {
                    throw ConfigurationError(key: key, message: "must start with sqlite:// or postgres://")
                }
                databaseURL = value
            case "storage.driver":
                guard value == "filesystem" || value == "s3" else {
                    throw ConfigurationError(key: key, message: "unknown storage driver '\(value)' (available: filesystem, s3)")
                }
                storageDriver = value
            case _ where key.hasPrefix("storage.s3."):
                try s3.apply(String(key.dropFirst("storage.s3.".count)), value)
            case "storage.filesystem.root":
                guard !value.isEmpty else { throw ConfigurationError(key: key, message: "must not be empty") }
                filesystemRoot = value
            case "log_level":
                guard let level = Logger.Level(rawValue: value.lowercased()) else {
                    throw ConfigurationError(key: key, message: "must be one of trace, debug, info, notice, warning, error, critical")
                }
                logLevel = level
            case "jobs.workers":
                guard let workers = Int(value), (1...64).contains(workers) else {
                    throw ConfigurationError(key: key, message: "must be a number of workers from 1 to 64 (got '\(value)')")
                }
                jobs.concurrency = workers
            case "jobs.webhook_workers":
                guard let workers = Int(value), (1...64).contains(workers) else {
                    throw ConfigurationError(key: key, message: "must be a number of workers from 1 to 64 (got '\(value)')")
                }
                webhookWorkers = workers
            case "jobs.lease_seconds":
                guard let seconds = Int64(value), (5...3600).contains(seconds) else {
                    throw ConfigurationError(key: key, message: "must be 5 to 3600 seconds (got '\(value)')")
                }
                jobs.leaseMillis = seconds * 1000
                jobs.heartbeatMillis = max(1000, seconds * 1000 / 10)
            case "vulndb.username":
                guard !value.isEmpty, !value.contains(":") else { throw ConfigurationError(key: key, message: "must be a user name without ':'") }
                vulndbUsername = value
            case "vulndb.password":
                guard !value.isEmpty else { throw ConfigurationError(key: key, message: "must not be empty") }
                vulndbPassword = value
            case "secret_key":
                guard value.count >= 16 else { throw ConfigurationError(key: key, message: "must be at least 16 characters") }
                secretKey = value
            case "tls", "tls.certificate", "tls.key":
                break  // read together by resolveTLS
            case "tls.reload_seconds":
                guard let seconds = Int(value), (1...86_400).contains(seconds) else {
                    throw ConfigurationError(key: key, message: "must be 1 to 86400 seconds (got '\(value)')")
                }
                tlsReloadSeconds = seconds
            case "auth.directory_cache_seconds":
                guard let seconds = Int(value), (1...86_400).contains(seconds) else {
                    throw ConfigurationError(key: key, message: "must be 1 to 86400 seconds (got '\(value)')")
                }
                directoryCacheSeconds = seconds
            case "http.idle_timeout_seconds":
                guard let seconds = Int(value), (1...3600).contains(seconds) else {
                    throw ConfigurationError(key: key, message: "must be 1 to 3600 seconds (got '\(value)')")
                }
                httpIdleTimeoutSeconds = seconds
            case "shutdown.drain_seconds":
                guard let seconds = Int(value), (0...300).contains(seconds) else {
                    throw ConfigurationError(key: key, message: "must be 0 to 300 seconds (got '\(value)')")
                }
                shutdownDrainSeconds = seconds
            case "metrics.enabled":
                guard value == "true" || value == "false" else { throw ConfigurationError(key: key, message: "must be true or false") }
                metricsEnabled = value == "true"
            case "metrics.port":
                guard let port = Int(value), (1...65535).contains(port) else {
                    throw ConfigurationError(key: key, message: "must be a port from 1 to 65535 (got '\(value)')")
                }
                metricsPort = port
            case "metrics.path":
                guard value.hasPrefix("/"), value.count > 1, !value.contains(where: { $0.isWhitespace || $0 == "?" || $0 == "#" }),
                      !["/v2", "/api", "/service", "/c"].contains(where: { value == $0 || value.hasPrefix($0 + "/") })
                else {
                    throw ConfigurationError(key: key, message: "must be a path such as /metrics, outside /v2, /api, /service and /c")
                }
                metricsPath = value
            case "portal.assets_dir":
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: value, isDirectory: &isDirectory), isDirectory.boolValue else {
                    throw ConfigurationError(key: key, message: "must be an existing directory")
                }
                portalAssetsDirectory = value
            default:
                throw ConfigurationError(key: key, message: "is not a configuration key (known keys: \(Self.keys.joined(separator: ", ")))")
            }
        }
    }

    /// `tls` is `auto` or `off`; `tls.certificate` and `tls.key` come together and not with `auto`.
    mutating func resolveTLS(_ values: [String: String]) throws {
        let certificate = values["tls.certificate"], key = values["tls.key"]
        if let mode = values["tls"] {
            guard mode == "auto" || mode == "off" else {
                throw ConfigurationError(key: "tls", message: "must be auto or off, or use tls.certificate and tls.key (got '\(mode)')")
            }
            guard certificate == nil && key == nil else {
                throw ConfigurationError(key: "tls", message: "cannot be set together with tls.certificate and tls.key")
            }
            tls = mode == "auto" ? .auto : .off
        } else if certificate != nil || key != nil {
            guard let certificate, let key, !certificate.isEmpty, !key.isEmpty else {
                throw ConfigurationError(key: "tls.certificate", message: "and tls.key must be set together")
            }
            tls = .files(certificate: certificate, key: key)
        }
    }

    /// Turns nested YAML mappings into dotted keys with scalar values.
    static func flatten(yaml: String) throws -> [String: String] {
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml)
        } catch {
            throw ConfigurationError(key: nil, message: "configuration file is not valid YAML: \(error)")
        }
        guard let node else { return [:] }
        guard node.mapping != nil else { throw ConfigurationError(key: nil, message: "configuration file must be a mapping of keys") }
        var result: [String: String] = [:]
        func walk(_ node: Node, prefix: String) throws {
            if let mapping = node.mapping {
                for (key, value) in mapping {
                    guard let name = key.string else { throw ConfigurationError(key: prefix, message: "keys must be strings") }
                    try walk(value, prefix: prefix.isEmpty ? name : prefix + "." + name)
                }
            } else if let scalar = node.scalar {
                result[prefix] = scalar.string
            } else {
                throw ConfigurationError(key: prefix, message: "must be a single value, not a list")
            }
        }
        try walk(node, prefix: "")
        return result
    }
}

func absolute(_ path: String) -> String {
    path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + (path.hasPrefix("./") ? String(path.dropFirst(2)) : path)
}

public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    public let key: String?
    public let message: String

    public var description: String {
        guard let key else { return "invalid configuration: \(message)" }
        return "invalid configuration: '\(key)' (\(BerthConfiguration.environmentVariable(for: key))) \(message)"
    }
}
