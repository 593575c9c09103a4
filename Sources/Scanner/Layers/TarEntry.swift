/// One tar member's metadata after long-name and pax records have been applied.
struct TarEntry {
    enum Kind { case file, directory, symlink, hardlink, other }
    var rawName: String
    var kind: Kind
    var size: UInt64
    var mode: UInt32
    var linkName: String

    var isExecutable: Bool { mode & 0o111 != 0 }
}

/// Receives a layer's tar members in order. `begin` returns whether the member's bytes are wanted;
/// if not, the reader skips them without copying.
protocol TarEntrySink {
    mutating func begin(_ entry: TarEntry) throws -> Bool
    mutating func data(_ bytes: UnsafeRawBufferPointer) throws
    mutating func end() throws
}
