/// What a username may be, wherever an account is made (the API, a directory or provider sign-in).
public enum UsernamePolicy {
    /// Harbor's rule: 1 to 255 characters without white space or any of `,"~#$%`. `$` keeps
    /// `robot$` names for robots.
    public static func violation(_ name: String) -> String? {
        guard !name.isEmpty, name.count <= 255, !name.contains(where: { ",\"~#$%".contains($0) || $0.isWhitespace || $0.isNewline }) else {
            return "username must be 1 to 255 characters without spaces or any of ,\"~#$%"
        }
        return nil
    }
}
