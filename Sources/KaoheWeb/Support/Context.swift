import Foundation
import Hummingbird
import KaoheApplication
import KaoheStorage
import NIOCore

/// The request context of the app: the identity, if any, the parsed form of a POST, the client's address.
public struct AppContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The address of the connected client (nil in in-process tests). Behind a reverse proxy this is the
    /// proxy; `X-Forwarded-For` is not read, since any client can send it.
    public var remoteAddress: SocketAddress?
    /// The logged-in identity, if any.
    public var identity: Identity?
    /// The URL-encoded form of a POST page request, parsed (and CSRF-checked) by the middleware.
    public var form: FormData = FormData()
    /// The CSRF token to embed in forms of the page being rendered.
    public var csrfToken: String = ""

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }

    /// The client address logins are throttled by: the connection's peer address (IP only, no port).
    public var clientAddress: String? { remoteAddress?.ipAddress }

    /// The client address for `request`: with `trustProxy` (a reverse proxy in front that appends the address
    /// it saw to `X-Forwarded-For`) the last entry of that header, otherwise — and when the header is missing
    /// or empty — the peer address. Entries before the last come from the client and are never used.
    public func clientAddress(for request: Request, trustProxy: Bool) -> String? {
        Self.clientAddress(
            peer: clientAddress, forwardedFor: request.headers[values: .init("X-Forwarded-For")!],
            trustProxy: trustProxy)
    }

    /// The address logins from `request` are counted against. `X-Forwarded-For` is not trusted yet: there is no
    /// trust-proxy setting in this build (when `--trust-proxy` arrives, pass it here instead of `false`).
    public func loginAddress(for request: Request) -> String? { clientAddress(for: request, trustProxy: false) }

    static func clientAddress(peer: String?, forwardedFor: [String], trustProxy: Bool) -> String? {
        guard trustProxy,
            let last = forwardedFor.joined(separator: ",").split(separator: ",").last?
                .trimmingCharacters(in: .whitespaces), !last.isEmpty
        else { return peer }
        return last
    }

    /// Uploads (CSV files as text) may be up to 5 MB.
    public var maxUploadSize: Int { 5 * 1024 * 1024 }

    /// The whole body of `request`, at most `limit` bytes (default ``maxUploadSize``); a longer one is
    /// ``AppError/tooLarge(_:)`` (413) with the limit named, and nothing is processed.
    public func collectBody(_ request: Request, limit: Int? = nil) async throws -> ByteBuffer {
        let limit = limit ?? maxUploadSize
        do {
            return try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw AppError.tooLarge(Self.tooLargeMessage(limit: limit))
        }
    }

    /// `请求内容超过 5 MB 的上限，未处理。`
    static func tooLargeMessage(limit: Int) -> String {
        let text = limit >= 1 << 20 ? "\(limit >> 20) MB" : "\(limit >> 10) KB"
        return "请求内容超过 \(text) 的上限，未处理。"
    }

    /// The logged-in user, or ``AppError/notLoggedIn``.
    public func requireUser() throws -> User {
        guard let user = identity?.user else { throw AppError.notLoggedIn }
        return user
    }

    /// The logged-in user if they hold `permission`; otherwise ``AppError/notLoggedIn`` or ``AppError/forbidden(_:)``.
    @discardableResult
    public func require(_ permission: Permission) throws -> User {
        let user = try requireUser()
        guard user.can(permission) else { throw AppError.forbidden(permission.label) }
        return user
    }
}

/// A parsed `application/x-www-form-urlencoded` body (or query), keeping repeated keys.
public struct FormData: Sendable, Equatable {
    /// The pairs in order.
    public var pairs: [(String, String)] = []

    /// An empty form.
    public init() {}

    /// Parses URL-encoded text (`+` is a space; invalid percent escapes are kept as they are).
    public init(urlEncoded text: String) {
        for part in text.split(separator: "&", omittingEmptySubsequences: true) {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = FormData.decode(pieces[0])
            let value = pieces.count > 1 ? FormData.decode(pieces[1]) : ""
            pairs.append((key, value))
        }
    }

    static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    /// The first value for `key`, trimmed; nil when absent.
    public subscript(_ key: String) -> String? {
        pairs.first { $0.0 == key }.map { $0.1.trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    /// The raw (untrimmed) first value for `key`.
    public func raw(_ key: String) -> String? { pairs.first { $0.0 == key }?.1 }

    /// All values for `key`.
    public func all(_ key: String) -> [String] { pairs.filter { $0.0 == key }.map(\.1) }

    /// A required, non-empty value, or a ``AppError/badRequest(_:)`` naming the field by its Chinese `label`.
    public func required(_ key: String, label: String) throws -> String {
        guard let value = self[key], !value.isEmpty else { throw AppError.invalid("请填写“\(label)”") }
        return value
    }

    public static func == (lhs: FormData, rhs: FormData) -> Bool {
        lhs.pairs.map { [$0.0, $0.1] } == rhs.pairs.map { [$0.0, $0.1] }
    }
}
