import Foundation
import KaoheStorage
import NIOCore
import NIOPosix

/// Where and how to reach the SMTP server: `smtp://[user:password@]host[:port]` (port 25 when not given).
public struct SMTPServer: Sendable, Equatable {
    /// The host name or address.
    public var host: String
    /// The port.
    public var port: Int
    /// The login name for AUTH PLAIN (none: no AUTH).
    public var user: String?
    /// The password for AUTH PLAIN.
    public var password: String?

    /// Parses an `smtp://` URL; the error says what is wrong with it.
    public init(url text: String) throws {
        guard let parts = URLComponents(string: text), parts.scheme?.lowercased() == "smtp",
            let host = parts.host, !host.isEmpty
        else {
            throw AppError.invalid("SMTP 地址“\(text)”无效：应为 smtp://[用户名:密码@]主机[:端口]")
        }
        self.host = host
        self.port = parts.port ?? 25
        guard (1...65535).contains(port) else { throw AppError.invalid("SMTP 地址“\(text)”的端口无效") }
        self.user = parts.user.flatMap { $0.removingPercentEncoding ?? $0 }
        self.password = parts.password.flatMap { $0.removingPercentEncoding ?? $0 }
    }
}

/// What went wrong talking to the SMTP server.
public struct SMTPError: Error, CustomStringConvertible {
    /// The message, with the server's reply when there was one.
    public var description: String
}

/// A plain SMTP client on SwiftNIO: EHLO, AUTH PLAIN when the URL has a user, MAIL FROM, RCPT TO, DATA
/// (UTF-8 subject encoded per RFC 2047, base64 UTF-8 body), QUIT. One connection per mail.
public struct SMTPTransport: MailTransport {
    /// The server.
    public let server: SMTPServer
    /// How long one mail may take (connect, dialogue) before it counts as failed.
    public let timeout: TimeInterval

    /// Creates the transport.
    public init(server: SMTPServer, timeout: TimeInterval = 30) {
        self.server = server
        self.timeout = timeout
    }

    public func send(_ mail: OutboxMail, from: String) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.dialogue(mail, from: from) }
            group.addTask {
                try await Task.sleep(nanoseconds: UInt64(self.timeout * 1_000_000_000))
                throw SMTPError(
                    description: "SMTP 服务器 \(self.server.host):\(self.server.port) 超过\(Int(self.timeout))秒未完成")
            }
            _ = try await group.next()
            group.cancelAll()
        }
    }

    private func dialogue(_ mail: OutboxMail, from: String) async throws {
        let channel: NIOAsyncChannel<String, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(10))
                .connect(host: server.host, port: server.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPLineDecoder()))
                        return try NIOAsyncChannel<String, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw SMTPError(description: "无法连接 SMTP 服务器 \(server.host):\(server.port)：\(error)")
        }
        try await channel.executeThenClose { inbound, outbound in
            var lines = inbound.makeAsyncIterator()
            func reply() async throws -> (Int, String) {
                var text: [String] = []
                while let line = try await lines.next() {
                    text.append(line)
                    let bytes = Array(line.utf8)
                    if bytes.count < 4 || bytes[3] != UInt8(ascii: "-") {
                        return (Int(line.prefix(3)) ?? 0, text.joined(separator: " "))
                    }
                }
                throw SMTPError(description: "SMTP 服务器断开了连接")
            }
            func expect(_ codes: Set<Int>, after command: String?) async throws {
                if let command {
                    try await outbound.write(ByteBuffer(string: command + "\r\n"))
                }
                let (code, text) = try await reply()
                guard codes.contains(code) else {
                    let what = command.map { String($0.prefix(while: { $0 != " " && $0 != ":" })) } ?? "连接"
                    throw SMTPError(description: "SMTP 服务器拒绝了 \(what)：\(text)")
                }
            }
            try await expect([220], after: nil)
            try await expect([250], after: "EHLO kaohe")
            if let user = server.user {
                let token = Data(([0] + Array(user.utf8) + [0] + Array((server.password ?? "").utf8)))
                    .base64EncodedString()
                try await expect([235], after: "AUTH PLAIN \(token)")
            }
            try await expect([250], after: "MAIL FROM:<\(from)>")
            try await expect([250, 251], after: "RCPT TO:<\(mail.to)>")
            try await expect([354], after: "DATA")
            try await outbound.write(ByteBuffer(string: Self.message(mail, from: from)))
            try await expect([250], after: ".")
            try? await outbound.write(ByteBuffer(string: "QUIT\r\n"))
        }
    }

    /// The message text (headers and base64 body, CRLF line ends), without the final dot line.
    static func message(_ mail: OutboxMail, from: String, date: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        let domain = from.split(separator: "@").last.map(String.init) ?? "kaohe"
        let body = Data(
            mail.body.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n").utf8
        )
        .base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        let headers = [
            "From: \(from)", "To: \(mail.to)", "Subject: \(encodedWord(mail.subject))",
            "Date: \(formatter.string(from: date))", "Message-ID: <\(mail.id)@\(domain)>", "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=UTF-8", "Content-Transfer-Encoding: base64",
        ]
        return headers.joined(separator: "\r\n") + "\r\n\r\n" + body + "\r\n"
    }

    /// A header text as RFC 2047 encoded words (`=?UTF-8?B?…?=`), split so that no word exceeds 75 characters
    /// and no character is cut; plain ASCII text is left as it is.
    static func encodedWord(_ text: String) -> String {
        if text.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7f }) { return text }
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in text {
            let bytes = Array(String(character).utf8)
            // 45 bytes → 60 base64 characters, + 12 for `=?UTF-8?B?` and `?=`.
            if chunk.count + bytes.count > 45 {
                words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=") }
        return words.joined(separator: "\r\n ")
    }
}

/// Splits the server's replies into lines (CRLF or LF), as text.
struct SMTPLineDecoder: ByteToMessageDecoder {
    typealias InboundOut = String

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let end = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > 64 * 1024 { throw SMTPError(description: "SMTP 服务器的回复行过长") }
            return .needMoreData
        }
        let length = end - buffer.readerIndex
        var line = buffer.readString(length: length) ?? ""
        buffer.moveReaderIndex(forwardBy: 1)
        if line.hasSuffix("\r") { line.removeLast() }
        context.fireChannelRead(Self.wrapInboundOut(line))
        return .continue
    }
}
