import KaoheEngine

/// The kinds of platform records (`shared/spec/records.md`): the field ids below are a public contract.
public enum RecordType: String, CaseIterable, Sendable, Hashable {
    case `case`
    case consultation
    case complaint
    case supervision
    case monitorLogin = "monitor_login"
    case report
    case interpretation
    case inspection
    case matter
    case power

    /// The Chinese name (办件, 咨询…).
    public var label: String {
        switch self {
        case .case: "办件"
        case .consultation: "咨询"
        case .complaint: "投诉"
        case .supervision: "督办件"
        case .monitorLogin: "监察登录"
        case .report: "信息报送"
        case .interpretation: "政策解读"
        case .inspection: "监管行为"
        case .matter: "监管事项目录"
        case .power: "行政权力事项"
        }
    }

    /// The fields besides `id` and `unit`, in the order of records.md.
    public var fields: [RecordField] { RecordSchema.fields[ordinal] }

    /// Position of this type in `allCases`.
    public var ordinal: Int {
        switch self {
        case .case: 0
        case .consultation: 1
        case .complaint: 2
        case .supervision: 3
        case .monitorLogin: 4
        case .report: 5
        case .interpretation: 6
        case .inspection: 7
        case .matter: 8
        case .power: 9
        }
    }

    /// Index (in `fields`) of the event date that places a record in the window; nil for catalog types.
    public var eventField: Int? { RecordSchema.eventFields[ordinal] }

    /// Catalog types (`matter`, `power`) have no event date: membership on the as-of date counts instead.
    public var isCatalog: Bool { eventField == nil }

    /// The index of a field by id or Chinese label; nil when the type has no such field.
    public func fieldIndex(_ name: String) -> Int? {
        let key = RecordField.normalized(name)
        return fields.firstIndex { $0.id == key || RecordField.normalized($0.label) == key }
    }
}

/// One field of a record type.
public struct RecordField: Sendable, Equatable {
    /// How a field's text is read and stored.
    public enum Kind: Sendable, Equatable {
        /// `YYYY-MM-DD`; empty or `null` is "not yet".
        case date
        /// `true/false`, `是/否`, `1/0`.
        case bool
        /// An integer ≥ 0.
        case count
        /// One of the options (id or Chinese label).
        case choice([FactOption])
        /// Free text (codes, names).
        case text
    }

    public var id: String
    public var label: String
    public var kind: Kind
    public var isRequired: Bool
    /// Stored value when the cell is empty (bool false, `limit_days` 7); nil: absent.
    public var defaultValue: Int32?

    public init(_ id: String, _ label: String, _ kind: Kind, required: Bool = false, default value: Int32? = nil) {
        self.id = id
        self.label = label
        self.kind = kind
        self.isRequired = required
        self.defaultValue = value
    }

    /// Header text compared leniently: trimmed, ASCII parentheses read as full-width ones.
    static func normalized(_ text: String) -> String {
        var result = text
        while let first = result.first, first.isWhitespace { result.removeFirst() }
        while let last = result.last, last.isWhitespace { result.removeLast() }
        guard result.contains("(") || result.contains(")") else { return result }
        return String(result.map { $0 == "(" ? "（" : $0 == ")" ? "）" : $0 })
    }
}

/// The field tables of records.md.
enum RecordSchema {
    /// Labels accepted for the two fields every record has.
    static let idLabels = ["id", "编号"]
    static let unitLabels = ["unit", "单位", "单位编码"]

    static let fields: [[RecordField]] = RecordType.allCases.map(fields(of:))

    static let eventFields: [Int?] = RecordType.allCases.map { type in
        let name: String? =
            switch type {
            case .case: "accepted"
            case .consultation, .complaint: "received"
            case .supervision: "issued"
            case .monitorLogin, .report, .inspection: "date"
            case .interpretation: "policy"
            case .matter, .power: nil
            }
        return name.flatMap { name in fields(of: type).firstIndex { $0.id == name } }
    }

    /// Pairs (completion field, event field): a completion may not precede its event.
    static func completionChecks(_ type: RecordType) -> [(String, String)] {
        switch type {
        case .case: [("finished", "accepted")]
        case .consultation: [("replied", "received")]
        case .complaint: [("closed", "received")]
        case .supervision: [("closed", "issued"), ("replied", "issued"), ("due", "issued"), ("reply_due", "issued")]
        case .interpretation: [("published", "policy")]
        case .matter: [("removed", "listed")]
        default: []
        }
    }

    static func fields(of type: RecordType) -> [RecordField] {
        switch type {
        case .case:
            [
                RecordField("matter", "事项编码", .text),
                RecordField(
                    "channel", "办理渠道", .choice([FactOption("online", "网上"), FactOption("offline", "网下")])),
                RecordField("accepted", "受理日期", .date, required: true),
                RecordField("finished", "办结日期", .date),
                RecordField("promised_days", "承诺时限（工作日）", .count, required: true),
                RecordField("legal_days", "法定时限（工作日）", .count, required: true),
                RecordField("same_person", "同一人操作", .bool, default: 0),
                RecordField("post_entry", "事后补录", .bool, default: 0),
                RecordField("irregular", "材料不全或裁量异常", .bool, default: 0),
            ]
        case .consultation:
            [RecordField("received", "收到日期", .date, required: true), RecordField("replied", "回复日期", .date)]
        case .complaint:
            [
                RecordField("received", "受理日期", .date, required: true), RecordField("closed", "办结日期", .date),
                RecordField("limit_days", "办理时限（工作日）", .count, default: 7),
            ]
        case .supervision:
            [
                RecordField("issued", "发出日期", .date, required: true),
                RecordField("due", "规定办结日期", .date, required: true), RecordField("closed", "办结日期", .date),
                RecordField("reply_due", "规定反馈日期", .date, required: true),
                RecordField("replied", "反馈日期", .date),
            ]
        case .monitorLogin:
            [RecordField("date", "日期", .date, required: true), RecordField("monitor", "监察人员", .text)]
        case .report:
            [
                RecordField("date", "日期", .date, required: true),
                RecordField(
                    "topic", "类别",
                    .choice([
                        FactOption("supervision", "互联网+监管工作信息"), FactOption("openness", "政务公开信息"),
                        FactOption("government", "政务信息"),
                    ])),
                RecordField("adopted", "被采用", .bool, default: 0),
            ]
        case .interpretation:
            [RecordField("policy", "政策发布日期", .date, required: true), RecordField("published", "解读公开日期", .date)]
        case .inspection:
            [
                RecordField("matter", "监管事项编码", .text, required: true),
                RecordField("date", "日期", .date, required: true),
                RecordField("correct", "入库正确", .bool, required: true),
            ]
        case .matter:
            [
                RecordField("name", "名称", .text), RecordField("listed", "列入日期", .date),
                RecordField("removed", "移出日期", .date),
            ]
        case .power:
            [
                RecordField("name", "名称", .text), RecordField("in_network", "已进网", .bool, required: true),
                RecordField("status", "状态", .choice([FactOption("active", "在用"), FactOption("dormant", "休眠")])),
            ]
        }
    }
}
