/// Harbor's password rule for local users and robot secrets: 8 to 128 characters with at least one
/// upper-case letter, one lower-case letter and one digit.
public enum PasswordPolicy {
    public static func violation(_ password: String) -> String? {
        guard (8...128).contains(password.count) else { return "password must be 8 to 128 characters" }
        guard password.contains(where: \.isUppercase), password.contains(where: \.isLowercase),
              password.contains(where: \.isNumber) else {
            return "password must contain an upper-case letter, a lower-case letter and a digit"
        }
        return nil
    }

    /// A random secret that satisfies the policy (robot secrets, generated admin passwords).
    public static func randomSecret(length: Int = 32) -> String {
        let lower = Array("abcdefghijkmnpqrstuvwxyz"), upper = Array("ABCDEFGHJKLMNPQRSTUVWXYZ"), digits = Array("23456789")
        let all = lower + upper + digits
        var generator = SystemRandomNumberGenerator()
        var chars = [lower.randomElement(using: &generator)!, upper.randomElement(using: &generator)!, digits.randomElement(using: &generator)!]
        chars += (0..<(max(length, 8) - 3)).map { _ in all.randomElement(using: &generator)! }
        return String(chars.shuffled(using: &generator))
    }
}
