/// A Docker token scope: `repository:library/app:pull,push` or `registry:catalog:*`.
/// The name may itself contain `:` (a registry host with a port), so type and actions are split off
/// the ends.
public struct Scope: Sendable, Equatable {
    public let type: String
    public let name: String
    public let actions: [String]

    public init?(_ text: some StringProtocol) {
        guard let first = text.firstIndex(of: ":"), let last = text.lastIndex(of: ":"), first < last else { return nil }
        type = String(text[..<first])
        name = String(text[text.index(after: first)..<last])
        actions = String(text[text.index(after: last)...]).split(separator: ",").map(String.init)
        guard !type.isEmpty, !name.isEmpty else { return nil }
    }

    public init(type: String, name: String, actions: [String]) {
        self.type = type
        self.name = name
        self.actions = actions
    }

    public var description: String { "\(type):\(name):\(actions.joined(separator: ","))" }

    /// All scopes of a token request: `scope` may repeat and each may hold several, space-separated.
    public static func parseAll(_ values: [String]) -> [Scope] {
        values.flatMap { $0.split(separator: " ") }.compactMap { Scope($0) }
    }
}
