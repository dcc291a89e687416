import Foundation
import Hummingbird
import KaoheApplication
import KaoheStorage

/// Fixed success messages, shown after a redirect (`?ok=KEY`), so no message text travels in a URL.
enum Notice: String {
    case organization, unit, imported, user, roles, password, loggedIn, assessment, state, enrolled, assigned,
        parameters, tokenRevoked, tokensRevoked, unlocked, notThrottled, read, allRead, mailSettings, mailRetried,
        mailNotRetried

    var message: String {
        switch self {
        case .organization: "组织已创建"
        case .unit: "单位已创建"
        case .imported: "单位已导入"
        case .user: "用户已创建"
        case .roles: "角色已保存"
        case .password: "密码已修改，其他设备上的登录已退出"
        case .loggedIn: "登录成功"
        case .assessment: "考核已创建"
        case .state: "考核状态已变更"
        case .enrolled: "单位已加入考核"
        case .assigned: "评分人已分配"
        case .parameters: "考核参数已保存，结果已按新参数计算"
        case .tokenRevoked: "令牌已撤销"
        case .tokensRevoked: "该用户的全部令牌已撤销"
        case .unlocked: "已解除该账号的登录限制"
        case .notThrottled: "该账号当前没有登录限制"
        case .read: "已标为已读"
        case .allRead: "全部通知已标为已读"
        case .mailSettings: "邮件提醒设置已保存"
        case .mailRetried: "已安排立即重试：发件箱下一轮（几秒内）发送"
        case .mailNotRetried: "没有可立即重试的邮件（已发送、正在发送，或本来就到了重试时间）"
        }
    }

    static func from(_ request: Request) -> String? {
        guard let key = request.uri.queryParameters["ok"].map(String.init), let notice = Notice(rawValue: key) else {
            return nil
        }
        if notice == .imported, let n = request.uri.queryParameters["n"].flatMap({ Int(String($0)) }) {
            return "已导入\(n)个单位"
        }
        return notice.message
    }
}

extension Response {
    /// A 303 redirect to a page of the site, with an optional notice key.
    static func redirect(to url: SiteURL, notice: Notice? = nil, extra: [(String, String)] = []) -> Response {
        let query = (notice.map { [("ok", $0.rawValue)] } ?? []) + extra
        return .redirect(to: url.path(query: query), type: .normal)
    }
}

/// JSON responses for the API.
enum JSONResponse {
    static func make<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(
            status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    /// Decodes a JSON body, turning decoding failures into Chinese messages that name the field.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, context: AppContext) async throws -> T {
        let buffer = try await context.collectBody(request)
        guard buffer.readableBytes > 0 else { throw AppError.invalid("请求体为空，应为 JSON") }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer: buffer))
        } catch let DecodingError.keyNotFound(key, _) {
            throw AppError.invalid("JSON 缺少字段“\(key.stringValue)”")
        } catch let DecodingError.typeMismatch(_, context) {
            throw AppError.invalid("JSON 字段“\(path(context.codingPath))”类型不对")
        } catch let DecodingError.valueNotFound(_, context) {
            throw AppError.invalid("JSON 字段“\(path(context.codingPath))”不能为 null")
        } catch let DecodingError.dataCorrupted(context) {
            throw AppError.invalid(
                context.codingPath.isEmpty
                    ? "请求体不是有效的 JSON" : "JSON 字段“\(path(context.codingPath))”的值无效：\(context.debugDescription)")
        }
    }

    static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
}

/// The cookie helpers.
extension AppDependencies {
    func cookie(_ name: String, value: String, maxAge: Int?) -> Cookie {
        Cookie(
            name: name, value: value, maxAge: maxAge, path: "/", secure: secureCookies, httpOnly: true, sameSite: .lax)
    }
}
