import Foundation

/// The entry point of every fuzz target. Built with `-sanitize=fuzzer -D FUZZING` (see `bench/fuzz`),
/// the executable is a libFuzzer fuzzer: `FuzzMain.run` hands control to libFuzzer's driver, which
/// reads its own command line (`-runs=`, `-max_total_time=`, corpus directories...). Built normally,
/// it is a replayer: every file named on the command line, or found in a directory named there, is
/// run once through the same check, so the seed corpus and a crash reproducer run without libFuzzer.
///
/// A check reports a broken property with `fatalError`, which libFuzzer records as a crash.
public enum FuzzMain {
    public typealias Check = (UnsafeRawBufferPointer) -> Void

    nonisolated(unsafe) static var check: Check = { _ in }

    public static func run(_ check: @escaping Check) -> Never {
        Self.check = check
        #if FUZZING
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzOneInput(data, size) })
        #else
        exit(replay(Array(CommandLine.arguments.dropFirst())))
        #endif
    }

    /// Runs every file of `paths` (directories are read recursively, in name order).
    static func replay(_ paths: [String]) -> Int32 {
        let name = CommandLine.arguments.first.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "fuzz"
        guard !paths.isEmpty, !paths.contains(where: { $0.hasPrefix("-") }) else {
            FileHandle.standardError.write(Data("""
                usage: \(name) <file or directory>...
                Runs each input once through the target's check (a replay of a corpus or a crash file).
                To fuzz, build with bench/fuzz (libFuzzer, -sanitize=fuzzer).\n
                """.utf8))
            return 2
        }
        var count = 0
        for path in paths {
            for file in files(at: path) {
                guard let data = FileManager.default.contents(atPath: file) else {
                    FileHandle.standardError.write(Data("\(name): cannot read \(file)\n".utf8))
                    return 1
                }
                data.withUnsafeBytes { check($0) }
                count += 1
            }
        }
        print("\(name): replayed \(count) inputs, no failure")
        return 0
    }

    private static func files(at path: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return [path] }
        guard isDirectory.boolValue else { return [path] }
        let entries = (FileManager.default.enumerator(atPath: path)?.allObjects as? [String]) ?? []
        return entries.sorted().map { path + "/" + $0 }.filter {
            var dir: ObjCBool = false
            return FileManager.default.fileExists(atPath: $0, isDirectory: &dir) && !dir.boolValue
        }
    }
}

#if FUZZING
/// The callback libFuzzer calls with each input. Also exported under the name libFuzzer's own
/// `main` expects, so the link succeeds whichever `main` the linker keeps.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzMain.check(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

/// libFuzzer's driver (LLVM 11 and later), for a program that has its own `main`.
@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt
#endif
