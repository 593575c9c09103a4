import Foundation

/// Harbor's `q` query language: comma-separated `key=value` (exact), `key=~text` (fuzzy),
/// `key=[low~high]` (a range, either end may be empty), `key={a b}` (any of) and `key=(a b)`
/// (all of). Keys are trimmed and lowercased; a part without `=` is ignored. Each endpoint
/// decides which keys and forms it accepts (`keys` lists them all, in order).
public struct HarborQuery: Sendable {
    public private(set) var exact: [String: String] = [:]
    public private(set) var fuzzy: [String: String] = [:]
    public private(set) var ranges: [String: (low: String?, high: String?)] = [:]
    public private(set) var sets: [String: [String]] = [:]
    public private(set) var allOf: [String: [String]] = [:]
    public private(set) var keys: [String] = []

    /// `q` as it arrived (nil when the request has none).
    public init(parsing q: String?) {
        guard let q else { return }
        for part in q.split(separator: ",") {
            guard let eq = part.firstIndex(of: "=") else { continue }
            let key = String(part[..<eq]).trimmingCharacters(in: .whitespaces).lowercased()
            var value = String(part[part.index(after: eq)...])
            keys.append(key)
            if value.hasPrefix("~") {
                value.removeFirst()
                fuzzy[key] = value
            } else if value.hasPrefix("["), value.hasSuffix("]"), let tilde = value.firstIndex(of: "~") {
                let low = value[value.index(after: value.startIndex)..<tilde].trimmingCharacters(in: .whitespaces)
                let high = value[value.index(after: tilde)..<value.index(before: value.endIndex)].trimmingCharacters(in: .whitespaces)
                ranges[key] = (low.isEmpty ? nil : low, high.isEmpty ? nil : high)
            } else if value.hasPrefix("{"), value.hasSuffix("}") {
                sets[key] = value.dropFirst().dropLast().split(separator: " ").map(String.init)
            } else if value.hasPrefix("("), value.hasSuffix(")") {
                allOf[key] = value.dropFirst().dropLast().split(separator: " ").map(String.init)
            } else {
                exact[key] = value
            }
        }
    }
}
