import Foundation
import KaoheTestSupport
import Testing

@Suite("kaohe user add: the password rules apply to the command line")
struct UserPasswordCommandTests {
    @Test("Weak passwords on standard input are refused with the rule; a good one is accepted")
    func passwordRules() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kaohe-pw-\(UUID().uuidString)").path
        for (password, message) in [
            ("12345678", "密码至少需要10个字符"), ("          ", "密码不能全部是空格"), ("Sun.Qi.2024", "密码不能与用户名相同"),
            ("1234567890", "密码过于常见"), (String(repeating: "密", count: 24) + "RealSecret", "密码不能超过72字节"),
        ] {
            let result = try KaoheBinary.run(
                ["user", "add", "sun.qi.2024", "--role", "leader", "--password-stdin", "--data-dir", dir],
                stdin: password + "\n")
            #expect(result.status == 1, "\(password): \(result.stdout)")
            #expect(result.stderr.contains(message), "\(password): \(result.stderr)")
        }
        let ok = try KaoheBinary.run(
            ["user", "add", "sun.qi.2024", "--role", "leader", "--password-stdin", "--data-dir", dir],
            stdin: "Ein-gutes-Passwort\n")
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("已创建用户 sun.qi.2024"))
    }
}
