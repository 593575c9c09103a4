import ArgumentParser
import BerthServer
import Foundation
import Logging

/// `--config`, shared by the commands that open the server's database and storage.
struct ServerOptions: ParsableArguments {
    @Option(name: .long, help: "YAML configuration file; BERTH_* environment variables override it.")
    var config: String?

    func load() throws -> BerthConfiguration {
        do {
            return try BerthConfiguration.load(file: config, environment: ProcessInfo.processInfo.environment)
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("berth: \(error)\n".utf8))
            throw ExitCode(78)
        }
    }

    /// Opens the server's database and storage without serving, for a command's lifetime.
    func withServer<T>(_ body: (BerthServer) async throws -> T) async throws -> T {
        let settings = try load()
        var logger = Logger(label: "berth")
        logger.logLevel = .warning
        let server = try await BerthServer.open(settings, logger: logger)
        do {
            let result = try await body(server)
            await server.close()
            return result
        } catch {
            await server.close()
            throw error
        }
    }
}
