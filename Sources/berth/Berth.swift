import ArgumentParser
import BerthServer
import Foundation
import HarborAPI
import Hummingbird
import Logging
import ServiceLifecycle

@main
struct Berth: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "berth",
        abstract: "A container registry with Harbor's API in one binary.",
        version: BerthVersion.current,
        subcommands: [Serve.self, Scan.self, GC.self, Scrub.self, JobsCommand.self, VulnDBCommand.self],
        defaultSubcommand: Serve.self)
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the registry, API and portal on one port.")

    @Option(name: .long, help: "YAML configuration file; BERTH_* environment variables override it.")
    var config: String?

    func run() async throws {
        let settings: BerthConfiguration
        do {
            settings = try BerthConfiguration.load(file: config, environment: ProcessInfo.processInfo.environment)
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("berth: \(error)\n".utf8))
            throw ExitCode(78)
        }
        var logger = Logger(label: "berth")
        logger.logLevel = settings.logLevel
        let server: BerthServer
        do {
            server = try await BerthServer.open(settings, logger: logger)
        } catch let error as StartupError {
            FileHandle.standardError.write(Data("berth: \(error)\n".utf8))
            throw ExitCode(error.exitCode)
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("berth: \(error)\n".utf8))
            throw ExitCode(78)
        }
        if let password = server.generatedAdminPassword {
            // Written straight to the file descriptor so it appears before the log lines.
            FileHandle.standardOutput.write(Data("""
                Created user 'admin' with the generated password:

                    \(password)

                It is shown only this once. Set BERTH_ADMIN_PASSWORD before the first start to choose it.

                """.utf8))
        }
        if let tls = server.tls, let authority = tls.authorityPath {
            let address = settings.externalURL.flatMap { URLComponents(string: $0) }.map { "\($0.host ?? "localhost")\($0.port.map { ":\($0)" } ?? "")" }
                ?? "<host>:\(settings.port)"
            FileHandle.standardOutput.write(Data("""
                Serving HTTPS with a certificate signed by Berth's own CA. Clients must trust the CA, \
                \(authority) (also at /api/v2.0/systeminfo/getcert):
                    docker:     /etc/docker/certs.d/\(address)/ca.crt
                    podman, skopeo, buildah: /etc/containers/certs.d/\(address)/ca.crt
                    containerd: /etc/containerd/certs.d/\(address)/ca.crt (with a hosts.toml naming it)

                """.utf8))
        }
        logger.info("Berth listening", metadata: ["address": "\(settings.host):\(settings.port)", "data": "\(settings.dataDirectory)",
                                                  "scheme": "\(server.tls == nil ? "http" : "https")"])
        // SIGTERM (Kubernetes, systemd, docker stop) drains first; Ctrl-C stops at once.
        let services = ServiceGroup(configuration: .init(
            services: [.init(service: server.application()),
                       .init(service: DrainService(drain: server.api.drain, seconds: settings.shutdownDrainSeconds, logger: logger))],
            gracefulShutdownSignals: [.sigterm], cancellationSignals: [.sigint], logger: logger))
        do {
            try await services.run()
        } catch {
            await server.close()
            throw error
        }
        await server.close()
    }
}
