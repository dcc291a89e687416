import KaoheEngine

/// A parsed JSON value that remembers the line it started on, and keeps numbers as exact text.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number's literal text, so `0.85` stays exactly 0.85.
    case number(String)
    case string(String)
    case array([JSONNode])
    case object([(key: String, node: JSONNode)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.number(let a), .number(let b)): a == b
        case (.string(let a), .string(let b)): a == b
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)): a.map(\.key) == b.map(\.key) && a.map(\.node) == b.map(\.node)
        default: false
        }
    }

    /// Short Chinese name of the JSON type, for error messages.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "布尔值"
        case .number: "数字"
        case .string: "字符串"
        case .array: "数组"
        case .object: "对象"
        }
    }
}

/// A JSON value and its line (1-based).
public struct JSONNode: Sendable, Equatable {
    public var value: JSONValue
    public var line: Int

    /// The member with this key, when the node is an object.
    public subscript(key: String) -> JSONNode? {
        if case .object(let members) = value { return members.first { $0.key == key }?.node }
        return nil
    }
}

/// A JSON syntax error with its position.
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var message: String
    public var description: String { "第\(line)行第\(column)列：\(message)" }
}

/// A small, strict JSON parser (RFC 8259) that tracks lines and keeps number literals.
public struct JSONParser {
    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    private var lineStart = 0
    private var depth = 0

    public static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONNode {
        var parser = JSONParser(bytes: bytes)
        // Skip a UTF-8 byte order mark.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { parser.index = 3 }
        parser.skipWhitespace()
        let node = try parser.parseValue()
        parser.skipWhitespace()
        if parser.index < bytes.count { throw parser.error("JSON 文档结束后还有多余内容") }
        return node
    }

    public static func parse(_ text: String) throws(JSONSyntaxError) -> JSONNode { try parse(Array(text.utf8)) }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private func error(_ message: String) -> JSONSyntaxError {
        JSONSyntaxError(line: line, column: index - lineStart + 1, message: message)
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0D: index += 1
            case 0x0A:
                index += 1
                line += 1
                lineStart = index
            default: return
            }
        }
    }

    private mutating func parseValue() throws(JSONSyntaxError) -> JSONNode {
        guard index < bytes.count else { throw error("JSON 意外结束") }
        let startLine = line
        switch bytes[index] {
        case UInt8(ascii: "{"):
            depth += 1
            if depth > 200 { throw error("JSON 嵌套过深") }
            index += 1
            var members: [(key: String, node: JSONNode)] = []
            skipWhitespace()
            if index < bytes.count && bytes[index] == UInt8(ascii: "}") {
                index += 1
                depth -= 1
                return JSONNode(value: .object(members), line: startLine)
            }
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("此处应为用双引号括起的键名") }
                let key = try parseString()
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("键名“\(key)”后应为冒号") }
                index += 1
                skipWhitespace()
                if members.contains(where: { $0.key == key }) { throw error("键名“\(key)”重复") }
                members.append((key, try parseValue()))
                skipWhitespace()
                guard index < bytes.count else { throw error("对象未结束，缺少 }") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                if bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    depth -= 1
                    return JSONNode(value: .object(members), line: startLine)
                }
                throw error("对象成员之间应为逗号或 }")
            }
        case UInt8(ascii: "["):
            depth += 1
            if depth > 200 { throw error("JSON 嵌套过深") }
            index += 1
            var elements: [JSONNode] = []
            skipWhitespace()
            if index < bytes.count && bytes[index] == UInt8(ascii: "]") {
                index += 1
                depth -= 1
                return JSONNode(value: .array(elements), line: startLine)
            }
            while true {
                skipWhitespace()
                elements.append(try parseValue())
                skipWhitespace()
                guard index < bytes.count else { throw error("数组未结束，缺少 ]") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                if bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    depth -= 1
                    return JSONNode(value: .array(elements), line: startLine)
                }
                throw error("数组元素之间应为逗号或 ]")
            }
        case UInt8(ascii: "\""):
            return JSONNode(value: .string(try parseString()), line: startLine)
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return JSONNode(value: .bool(true), line: startLine)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return JSONNode(value: .bool(false), line: startLine)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return JSONNode(value: .null, line: startLine)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return JSONNode(value: .number(try parseNumber()), line: startLine)
        default:
            throw error("无法识别的字符“\(String(decoding: [bytes[index]], as: UTF8.self))”")
        }
    }

    private mutating func expectLiteral(_ literal: String) throws(JSONSyntaxError) {
        let expected = Array(literal.utf8)
        let count = expected.count
        guard index + count <= bytes.count, bytes[index..<(index + count)].elementsEqual(expected) else {
            throw error("无法识别的值，应为 \(literal)")
        }
        index += count
    }

    private mutating func parseNumber() throws(JSONSyntaxError) -> String {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        func digits(_ parser: inout JSONParser) -> Int {
            let begin = parser.index
            while parser.index < parser.bytes.count, parser.bytes[parser.index] >= 48, parser.bytes[parser.index] <= 57
            {
                parser.index += 1
            }
            return parser.index - begin
        }
        let intStart = index
        let intDigits = digits(&self)
        if intDigits == 0 { throw error("数字格式错误") }
        if intDigits > 1 && bytes[intStart] == UInt8(ascii: "0") { throw error("数字不能以0开头") }
        if index < bytes.count && bytes[index] == UInt8(ascii: ".") {
            index += 1
            if digits(&self) == 0 { throw error("小数点后缺少数字") }
        }
        if index < bytes.count && (bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E")) {
            index += 1
            if index < bytes.count && (bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")) {
                index += 1
            }
            if digits(&self) == 0 { throw error("指数缺少数字") }
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private mutating func parseString() throws(JSONSyntaxError) -> String {
        index += 1  // opening quote
        let start = index
        // Fast path: no escapes.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let text = String(decoding: bytes[start..<index], as: UTF8.self)
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw error("字符串中不能有控制字符") }
            index += 1
        }
        var buffer = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return String(decoding: buffer, as: UTF8.self)
            }
            if byte < 0x20 { throw error("字符串中不能有控制字符") }
            if byte == UInt8(ascii: "\\") {
                index += 1
                guard index < bytes.count else { break }
                switch bytes[index] {
                case UInt8(ascii: "\""): buffer.append(0x22)
                case UInt8(ascii: "\\"): buffer.append(0x5C)
                case UInt8(ascii: "/"): buffer.append(0x2F)
                case UInt8(ascii: "b"): buffer.append(0x08)
                case UInt8(ascii: "f"): buffer.append(0x0C)
                case UInt8(ascii: "n"): buffer.append(0x0A)
                case UInt8(ascii: "r"): buffer.append(0x0D)
                case UInt8(ascii: "t"): buffer.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try parseHex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard index + 2 < bytes.count, bytes[index + 1] == UInt8(ascii: "\\"),
                            bytes[index + 2] == UInt8(ascii: "u")
                        else { throw error("不成对的 UTF-16 代理项") }
                        index += 2
                        let low = try parseHex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw error("不成对的 UTF-16 代理项") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { throw error("无效的 Unicode 转义") }
                    buffer.append(contentsOf: Array(String(Character(unicode)).utf8))
                default: throw error("无效的转义字符")
                }
                index += 1
                continue
            }
            buffer.append(byte)
            index += 1
        }
        throw error("字符串未结束，缺少双引号")
    }

    private mutating func parseHex4() throws(JSONSyntaxError) -> UInt32 {
        guard index + 4 < bytes.count else { throw error("\\u 后应为4位十六进制数") }
        var value: UInt32 = 0
        for offset in 1...4 {
            let byte = bytes[index + offset]
            let digit: UInt32
            switch byte {
            case 48...57: digit = UInt32(byte - 48)
            case 65...70: digit = UInt32(byte - 55)
            case 97...102: digit = UInt32(byte - 87)
            default: throw error("\\u 后应为4位十六进制数")
            }
            value = value * 16 + digit
        }
        index += 4
        return value
    }
}

/// Writes JSON text with keys in the order given.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    public init(capacity: Int = 1 << 16) { bytes.reserveCapacity(capacity) }

    public mutating func raw(_ text: String) { bytes.append(contentsOf: text.utf8) }
    /// Empties the buffer, keeping its capacity (for streaming output in chunks).
    public mutating func removeAll() { bytes.removeAll(keepingCapacity: true) }
    public mutating func raw(_ byte: UInt8) { bytes.append(byte) }

    public mutating func string(_ text: String) {
        bytes.append(0x22)
        var text = text
        if text.utf8.withContiguousStorageIfAvailable({ appendEscaped($0) }) == nil {
            text.withUTF8 { appendEscaped($0) }
        }
        bytes.append(0x22)
    }

    private mutating func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        var runStart = 0
        for index in 0..<utf8.count {
            let byte = utf8[index]
            guard byte < 0x20 || byte == 0x22 || byte == 0x5C else { continue }
            if runStart < index { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index])) }
            runStart = index + 1
            switch byte {
            case 0x22: bytes.append(contentsOf: [0x5C, 0x22])
            case 0x5C: bytes.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: bytes.append(contentsOf: [0x5C, 0x6E])
            case 0x0D: bytes.append(contentsOf: [0x5C, 0x72])
            case 0x09: bytes.append(contentsOf: [0x5C, 0x74])
            default:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            }
        }
        if runStart < utf8.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...])) }
    }

    public mutating func key(_ name: String) {
        string(name)
        bytes.append(UInt8(ascii: ":"))
    }

    /// Writes an object member: `"key":value`, preceded by a comma unless it is the first member.
    public mutating func field(_ name: String, _ value: String, first: Bool = false) {
        memberKey(name, first: first)
        string(value)
    }

    public mutating func field(_ name: String, _ value: ExactDecimal, first: Bool = false) {
        memberKey(name, first: first)
        number(value)
    }

    public mutating func field(_ name: String, _ value: Int, first: Bool = false) {
        memberKey(name, first: first)
        number(value)
    }

    public mutating func field(_ name: String, _ value: Bool, first: Bool = false) {
        memberKey(name, first: first)
        bool(value)
    }

    /// Writes an array, each element by `element`: `[…,…]`.
    public mutating func array<Element>(_ list: [Element], _ element: (inout JSONWriter, Element) -> Void) {
        bytes.append(UInt8(ascii: "["))
        for (index, item) in list.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            element(&self, item)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// Writes an array of strings: `["a","b"]`.
    public mutating func strings(_ list: [String]) { array(list) { $0.string($1) } }

    /// `"key":` preceded by a comma unless first; the caller writes the value.
    public mutating func memberKey(_ name: String, first: Bool = false) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        key(name)
    }

    public mutating func number(_ value: ExactDecimal) { raw(value.description) }
    public mutating func number(_ value: Int) { raw(String(value)) }
    public mutating func bool(_ value: Bool) { raw(value ? "true" : "false") }
    public mutating func null() { raw("null") }
}
