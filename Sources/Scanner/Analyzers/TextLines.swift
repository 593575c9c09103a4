/// Lines of a text file whatever its line endings. Swift reads `"\r\n"` as one `Character`, so
/// `split(separator: "\n")` does not split CRLF text at all: every analyzer splits through here.
extension StringProtocol where SubSequence == Substring {
    /// The lines, without their terminators (`\n`, `\r\n` or a lone `\r`); blank lines are kept as
    /// empty lines, and a last line without a terminator is a line like any other.
    var textLines: [Substring] {
        split(omittingEmptySubsequences: false, whereSeparator: Self.isLineEnd)
    }

    /// The same without the blank lines.
    var nonEmptyTextLines: [Substring] {
        split(whereSeparator: Self.isLineEnd)
    }

    private static func isLineEnd(_ c: Character) -> Bool {
        c == "\n" || c == "\r\n" || c == "\r"
    }
}
