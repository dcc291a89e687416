import Foundation

/// The rules every new password must satisfy — when an account is created (page, API, `kaohe user add`,
/// the first administrator, the demo accounts), when a user changes their password and when an
/// administrator resets one. Each refusal names the rule.
///
/// bcrypt reads only the first 72 bytes of a password and stops at a NUL byte, so longer passwords and
/// control characters are refused instead of being silently cut; logins with such passwords never succeed.
public enum PasswordPolicy {
    /// The minimum length, in characters.
    public static let minimumLength = 10
    /// The maximum length in UTF-8 bytes (what bcrypt reads; a Chinese character takes 3).
    public static let maximumBytes = 72

    /// A short description of the rules, for forms.
    public static let summary = "至少\(minimumLength)个字符，不超过\(maximumBytes)字节（一个汉字占3字节），不能是用户名或常见密码"

    /// Checks `password` for the account `username`; throws ``AppError/badRequest(_:)`` naming the rule broken.
    public static func check(_ password: String, username: String) throws {
        if let problem = problem(password, username: username) { throw AppError.invalid(problem) }
    }

    /// What is wrong with `password` for the account `username`, or nil when it is acceptable.
    public static func problem(_ password: String, username: String) -> String? {
        if password.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "密码不能包含控制字符（如换行、制表符）"
        }
        if password.allSatisfy({ $0.isWhitespace }) { return "密码不能全部是空格" }
        if password.count < minimumLength { return "密码至少需要\(minimumLength)个字符" }
        if password.utf8.count > maximumBytes {
            return
                "密码不能超过\(maximumBytes)字节（按UTF-8计，一个汉字占3字节；当前\(password.utf8.count)字节）：更长的部分在校验时会被忽略，因此不予接受"
        }
        let lowered = password.lowercased()
        if lowered == username.lowercased() { return "密码不能与用户名相同" }
        if let first = lowered.first, lowered.allSatisfy({ $0 == first }) { return "密码不能由同一个字符重复组成" }
        if commonPasswords.contains(lowered) { return "密码过于常见（在常见密码列表中），容易被猜中，请换一个" }
        return nil
    }

    /// Whether a password typed at login can be checked at all: one that bcrypt would cut (over 72 bytes or
    /// with a NUL) could match a stored password it is not equal to, so it is treated as wrong.
    static func checkable(_ password: String) -> Bool {
        password.utf8.count <= maximumBytes && !password.utf8.contains(0)
    }
}
