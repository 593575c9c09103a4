import Foundation

/// JSON with sorted keys, for what is stored as text (job parameters, rule selectors, policies):
/// the same value always gives the same string, so stored values compare and read alike.
public enum CanonicalJSON {
    public static func string(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(value)) ?? Data("{}".utf8), as: UTF8.self)
    }
}
