import Foundation

/// The CLI secrets of OIDC users: the password docker and skopeo sign in with.
public enum CLISecret {
    /// 32 characters from an alphabet without look-alikes, which meets Harbor's rule for secrets
    /// (upper and lower case and a digit) by construction.
    public static func generate() -> String {
        let upper = Array("ABCDEFGHJKLMNPQRSTUVWXYZ"), lower = Array("abcdefghijkmnpqrstuvwxyz"), digits = Array("23456789")
        let all = upper + lower + digits
        var characters = [upper.randomElement()!, lower.randomElement()!, digits.randomElement()!]
        while characters.count < 32 { characters.append(all.randomElement()!) }
        return String(characters.shuffled())
    }

    /// Harbor's rule for a secret a user sets: 8 to 128 characters with an upper-case letter, a
    /// lower-case letter and a digit. nil when it holds.
    public static func violation(_ secret: String) -> String? {
        guard (8...128).contains(secret.count), secret.contains(where: \.isUppercase), secret.contains(where: \.isLowercase),
              secret.contains(where: \.isNumber) else {
            return "the CLI secret must be 8 to 128 characters with an upper-case letter, a lower-case letter and a digit"
        }
        return nil
    }
}
