import Foundation

// Writes the files under a directory into one Swift file as raw string literals (the build-tool
// plugin EmbedPortalAssets runs this). SwiftPM's `embedInCode` resources would be byte-array
// literals, which took 74 s to compile for 200 KB here; a raw string compiles in well under a second.
//   PortalAssetEmbedder <assets directory> <output .swift file>

let contentTypes = [
    "html": "text/html; charset=utf-8", "js": "text/javascript; charset=utf-8",
    "css": "text/css; charset=utf-8", "svg": "image/svg+xml",
]
let delimiter = "####"

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("PortalAssetEmbedder: \(message)\n".utf8))
    exit(1)
}

/// FNV-1a, 64 bits: an entity tag that changes when the file does (no crypto needed here).
func entityTag(_ text: String) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
    return String(hash, radix: 16)
}

let arguments = CommandLine.arguments
guard arguments.count == 3 else { fail("usage: PortalAssetEmbedder <assets directory> <output file>") }
let root = URL(fileURLWithPath: arguments[1]).standardizedFileURL
var entries: [(path: String, type: String, text: String)] = []
guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else {
    fail("cannot read \(root.path)")
}
for case let file as URL in walker where (try? file.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
    let path = String(file.standardizedFileURL.path.dropFirst(root.path.count + 1))
    guard let type = contentTypes[file.pathExtension] else { fail("\(path): no content type for .\(file.pathExtension) files") }
    guard let text = try? String(contentsOf: file, encoding: .utf8) else { fail("\(path) is not UTF-8 text") }
    if text.contains("\"" + delimiter) || text.contains("\\" + delimiter) { fail("\(path) contains the raw string delimiter \(delimiter)") }
    entries.append((path, type, text))
}
var swift = "// Generated at build time by PortalAssetEmbedder from Sources/Portal/Assets.\n\n"
swift += "extension PortalAssets {\n    static let embedded: [String: PortalAsset] = [\n"
for entry in entries.sorted(by: { $0.path < $1.path }) {
    swift += "        \"\(entry.path)\": PortalAsset(contentType: \"\(entry.type)\", etag: \"\\\"\(entityTag(entry.text))\\\"\", text: \(delimiter)\"\"\"\n"
    swift += entry.text + "\n\"\"\"\(delimiter)),\n"
}
swift += "    ]\n}\n"
do {
    try Data(swift.utf8).write(to: URL(fileURLWithPath: arguments[2]), options: .atomic)
} catch {
    fail("cannot write \(arguments[2]): \(error)")
}
