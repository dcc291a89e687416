import Foundation

/// What failed logins are counted against: the account name typed (whether or not the account exists, so
/// that the answers do not tell which names exist) and the client address.
public enum LoginThrottleKey: Sendable, Hashable {
    /// A login name, normalized (lower case).
    case account(String)
    /// A client address, normalized (an IPv4 address, or the /64 network of an IPv6 address).
    case address(String)
    /// A client address (normalized as for logins) that typed wrong one-time rater codes; counted apart from
    /// logins so that guessing codes and logging in do not slow each other down.
    case raterCodeAddress(String)

    /// The key for a login name as typed; nil when it cannot be a login name (nothing to count against).
    public static func account(username: String) -> LoginThrottleKey? {
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789._-")
        let name = username.lowercased()
        guard (2...32).contains(name.count), name.allSatisfy({ allowed.contains($0) }) else { return nil }
        return .account(name)
    }

    /// The key for a client address as reported by the connection (or a trusted proxy); nil when empty.
    /// IPv6 addresses count per /64 network, since one subscriber usually holds a whole /64.
    public static func address(client text: String) -> LoginThrottleKey? {
        var text = text.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("[") && text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        if let zone = text.firstIndex(of: "%") { text = String(text[..<zone]) }
        guard !text.isEmpty, text.count <= 64 else { return nil }
        if let bytes = ipv6Bytes(text) {
            if bytes.prefix(12).elementsEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]) {
                return .address(bytes.suffix(4).map(String.init).joined(separator: "."))
            }
            let groups = stride(from: 0, to: 8, by: 2).map {
                String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16)
            }
            return .address(groups.joined(separator: ":") + "::/64")
        }
        return .address(text.lowercased())
    }

    /// The stored text, e.g. `account:admin`, `address:203.0.113.7`.
    public var text: String {
        switch self {
        case .account(let name): "account:\(name)"
        case .address(let address): "address:\(address)"
        case .raterCodeAddress(let address): "rater-code-address:\(address)"
        }
    }

    /// The address, for an address key.
    public var address: String? {
        switch self {
        case .address(let address), .raterCodeAddress(let address): address
        case .account: nil
        }
    }
}

/// The 16 bytes of an IPv6 address in text form (with `::` and an optional dotted IPv4 tail), or nil.
func ipv6Bytes(_ text: String) -> [UInt8]? {
    guard text.contains(":") else { return nil }
    var head: [UInt16] = [], tail: [UInt16] = []
    let halves = text.components(separatedBy: "::")
    guard halves.count <= 2 else { return nil }
    func groups(_ part: String) -> [UInt16]? {
        guard !part.isEmpty else { return [] }
        var result: [UInt16] = []
        let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
        for (index, piece) in pieces.enumerated() {
            if index == pieces.count - 1, piece.contains(".") {
                let octets = piece.split(separator: ".", omittingEmptySubsequences: false).compactMap { UInt8($0) }
                guard octets.count == 4 else { return nil }
                result.append(UInt16(octets[0]) << 8 | UInt16(octets[1]))
                result.append(UInt16(octets[2]) << 8 | UInt16(octets[3]))
            } else {
                guard (1...4).contains(piece.count), let value = UInt16(piece, radix: 16) else { return nil }
                result.append(value)
            }
        }
        return result
    }
    guard let first = groups(halves[0]) else { return nil }
    head = first
    if halves.count == 2 {
        guard let second = groups(halves[1]), head.count + second.count < 8 else { return nil }
        tail = second
    } else if head.count != 8 {
        return nil
    }
    let all = head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
    return all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] }
}

/// How failed logins slow down further attempts. After `threshold` failures counted against a key (an
/// account or an address), each further failure blocks the key for a growing time — 1 s, 2 s, 4 s … up to
/// ``maximumDelay`` — during which attempts are refused without checking the password. Nothing is ever
/// locked for good: the count restarts after ``forgetAfter`` without failures, and a correct login clears
/// the account's count.
public struct LoginThrottlePolicy: Sendable, Equatable {
    /// Failures per account name before delays start.
    public var accountThreshold: Int
    /// Failures per client address before delays start (higher: many people may share an office's address).
    public var addressThreshold: Int
    /// The first delay.
    public var firstDelay: TimeInterval
    /// The longest delay.
    public var maximumDelay: TimeInterval
    /// A key's count restarts when its last failure is this long ago.
    public var forgetAfter: TimeInterval
    /// How long an address from which a user logged in successfully stays "known" for that account: from a
    /// known address the account's delay does not apply (only the address's own), so that failures of
    /// others cannot keep the owner out.
    public var knownAddressLifetime: TimeInterval

    /// Creates a policy.
    public init(
        accountThreshold: Int = 5, addressThreshold: Int = 20, firstDelay: TimeInterval = 1,
        maximumDelay: TimeInterval = 15 * 60, forgetAfter: TimeInterval = 3600,
        knownAddressLifetime: TimeInterval = 90 * 86400
    ) {
        self.accountThreshold = accountThreshold
        self.addressThreshold = addressThreshold
        self.firstDelay = firstDelay
        self.maximumDelay = maximumDelay
        self.forgetAfter = forgetAfter
        self.knownAddressLifetime = knownAddressLifetime
    }

    /// The defaults: 5 failures per account, 20 per address, then 1 s doubling up to 15 minutes.
    public static let standard = LoginThrottlePolicy()

    /// The failures counted against `key` before delays start.
    public func threshold(for key: LoginThrottleKey) -> Int {
        switch key {
        case .account: accountThreshold
        case .address, .raterCodeAddress: addressThreshold
        }
    }

    /// How long a key is blocked after its `failures`-th failure: 0 below the threshold, then the first
    /// delay, doubling with each further failure, never more than the maximum.
    public func delay(afterFailures failures: Int, threshold: Int) -> TimeInterval {
        guard failures >= threshold else { return 0 }
        let doublings = min(failures - threshold, 62)
        return min(firstDelay * pow(2, Double(doublings)), maximumDelay)
    }
}

/// What is counted against one key.
public struct LoginThrottleState: Sendable, Equatable {
    /// The key's stored text (``LoginThrottleKey/text``).
    public var key: String
    /// Failures counted since the count last restarted.
    public var failures: Int
    /// Attempts are refused until then (none when nil or past).
    public var blockedUntil: Date?
    /// The last failure.
    public var lastFailure: Date

    /// Creates a state value.
    public init(key: String, failures: Int, blockedUntil: Date?, lastFailure: Date) {
        self.key = key
        self.failures = failures
        self.blockedUntil = blockedUntil
        self.lastFailure = lastFailure
    }

    /// Whole seconds until attempts are accepted again at `now` (0 when not blocked).
    public func wait(at now: Date) -> Int {
        guard let blockedUntil, blockedUntil > now else { return 0 }
        return Int(blockedUntil.timeIntervalSince(now).rounded(.up))
    }
}
