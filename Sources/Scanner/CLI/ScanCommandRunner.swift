import Foundation

/// `berth scan`: everything the command does, as a plain function so the `berth` executable's
/// argument parsing stays a thin shell. The report goes to `output`, progress and warnings to
/// `diagnostics`; the return value is the process exit code.
public struct ScanCommandRunner: Sendable {
    public struct Options: Sendable {
        public var image: String
        public var vulndb: [String]
        public var format: String
        public var cacheDirectory: String?

        public init(image: String, vulndb: [String] = [], format: String = "harbor", cacheDirectory: String? = nil) {
            self.image = image
            self.vulndb = vulndb
            self.format = format
            self.cacheDirectory = cacheDirectory
        }
    }

    public enum ExitCode {
        public static let success: Int32 = 0
        public static let failure: Int32 = 1
        public static let usage: Int32 = 2
    }

    public var limits = ScanLimits()
    public var output: @Sendable (Data) -> Void
    public var diagnostics: @Sendable (String) -> Void

    public init(output: @escaping @Sendable (Data) -> Void = { FileHandle.standardOutput.write($0) },
                diagnostics: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }) {
        self.output = output
        self.diagnostics = diagnostics
    }

    public func run(_ options: Options) async -> Int32 {
        do {
            guard let format = ReportFormat(rawValue: options.format.lowercased()) else {
                throw ScanError.usage("--format must be one of: \(ReportFormat.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let image = try ImageReference(parsing: options.image).resolve()
            let database = try OSVDatabase.load(options.vulndb.map { URL(fileURLWithPath: $0) }, limits: limits, log: diagnostics)
            let cache = options.cacheDirectory.map { DirectoryLayerCache(directory: URL(fileURLWithPath: $0)) }
            let engine = ScanEngine(limits: limits, cache: cache, log: diagnostics)
            let started = Date()
            let inventory = try await engine.inventory(of: AsyncLayerSequence(image.layers))
            let vulnerabilities = VulnerabilityMatcher(database: database).match(inventory)
            let seconds = Date().timeIntervalSince(started)
            diagnostics(String(format: "scanned %d layers, %d packages, %d vulnerabilities; read %.1f MB in %.2f s",
                               image.layers.count, inventory.packages.count, vulnerabilities.count,
                               Double(inventory.bytesRead) / 1_000_000, seconds))
            var report = try format.render(inventory: inventory, vulnerabilities: vulnerabilities, context: image.context)
            report.append(0x0a)
            output(report)
            return ExitCode.success
        } catch let error as ScanError {
            diagnostics("error: \(error)")
            if case .usage = error { return ExitCode.usage }
            return ExitCode.failure
        } catch {
            diagnostics("error: \(error)")
            return ExitCode.failure
        }
    }
}

/// Hands an array of layers to the engine's async interface.
public struct AsyncLayerSequence: AsyncSequence, Sendable {
    public typealias Element = ImageLayer
    let layers: [ImageLayer]
    public init(_ layers: [ImageLayer]) { self.layers = layers }

    public struct Iterator: AsyncIteratorProtocol {
        var base: IndexingIterator<[ImageLayer]>
        public mutating func next() async -> ImageLayer? { base.next() }
    }

    public func makeAsyncIterator() -> Iterator { Iterator(base: layers.makeIterator()) }
}
