/// The one error this module throws: a malformed pattern or an unusable selector.
/// It carries only a human-readable message because callers surface it verbatim
/// to API clients, the way Harbor returns a 400 with the validation text.
public struct SelectorError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String

    public init(message: String) {
        self.message = message
    }

    public var description: String { message }
}
