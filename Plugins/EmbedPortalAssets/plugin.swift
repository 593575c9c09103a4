import Foundation
import PackagePlugin

/// Builds the portal's files into the binary at build time: the `PortalAssetEmbedder` tool writes
/// them as raw string literals into one generated Swift file of the `Portal` target, so the
/// repository holds each file once and the binary can never carry a stale copy.
@main
struct EmbedPortalAssets: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let assets = context.package.directoryURL.appending(path: "Sources/\(target.name)/Assets")
        let output = context.pluginWorkDirectoryURL.appending(path: "PortalAssets+Embedded.swift")
        var inputs: [URL] = []
        if let walker = FileManager.default.enumerator(at: assets, includingPropertiesForKeys: [.isRegularFileKey]) {
            for case let file as URL in walker where (try? file.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
                inputs.append(file)
            }
        }
        return [.buildCommand(displayName: "Embedding the portal's \(inputs.count) files",
                              executable: try context.tool(named: "PortalAssetEmbedder").url,
                              arguments: [assets.path, output.path],
                              inputFiles: inputs, outputFiles: [output])]
    }
}
