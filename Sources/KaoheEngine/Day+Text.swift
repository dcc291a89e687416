/// Days as the platform stores and exchanges them: `yyyy-MM-dd` text.
extension Day: Codable {
    /// Parses `yyyy-MM-dd`; nil for anything else or a date that does not exist.
    public init?(_ text: some StringProtocol) { self.init(iso: text) }

    /// The month (1–12).
    public var month: Int { components.month }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = Day(iso: text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "日期“\(text)”不是 yyyy-MM-dd 格式的有效日期"))
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
