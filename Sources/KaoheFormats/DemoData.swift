import KaoheEngine

/// The units named in the source documents and plausible facts for them, so a newcomer sees a
/// living system at once (`kaohe demo`). Deterministic: the same seed gives the same data.
public enum DemoData {
    /// An assessed unit of the demo.
    public struct DemoUnit: Sendable, Equatable {
        public var id: String
        public var name: String
        /// Chinese unit type (县区, 市直部门, 区直部门, 在双中省直单位).
        public var type: String
    }

    /// One recorded incident behind a count fact (a deduction is an incident with a date and a note).
    public struct DemoFinding: Sendable, Equatable {
        public var item: String
        public var fact: String
        public var date: Day
        public var note: String
    }

    /// 平桥区: the 26 departments of the document's 考核对象.
    public static let pingqiaoDepartments = [
        "区委宣传部", "区城市管理局", "区发改委", "区教体局", "区公安局", "区司法局", "区财政局", "区人社局", "区自然资源局",
        "区生态环境局", "区住建局", "区交通运输局", "区水利局", "区商务局", "区卫健委", "区应急管理局", "区市场监管局",
        "区气象局", "区粮食和物资储备局", "区林业局", "区人防办", "区金融办", "区民政局", "区文广旅局", "区农业农村局", "区档案局",
    ].enumerated().map { DemoUnit(id: "pq\(pad($0.offset + 1))", name: $0.element, type: "区直部门") }

    /// 双鸭山市: the 8 counties and districts of 附件2.
    public static let shuangyashanCounties = ["尖山区", "宝山区", "四方台区", "岭东区", "集贤县", "友谊县", "宝清县", "饶河县"]
        .enumerated().map { DemoUnit(id: "sys-x\(pad($0.offset + 1))", name: $0.element, type: "县区") }

    /// 双鸭山市: the municipal departments of 附件2.
    public static let shuangyashanDepartments = [
        "市人防办", "市工业和信息化委员会", "市发展和改革委员会", "市物价局", "市教育局", "市体育局", "市公安局", "市民政局", "市民族宗教局",
        "市财政局", "市司法局", "市人力资源和社会保障局", "市住房和城乡建设局", "市畜牧兽医局", "市文化广电新闻出版局", "市林业局", "市商务局",
        "市人口和计划生育委员会", "市食品药品监督管理局", "市城市管理行政执法局", "市安全生产监督管理局", "市煤炭生产安全管理局",
        "市政府法制办公室", "市外事侨务旅游局", "市审计局", "市科学技术局", "市国土资源局", "市规划局", "市交通运输局", "市农业委员会",
        "市水务局", "市环境保护局", "市粮食局", "市环卫处", "市房管局", "市统计局", "市市场监管局", "市农机总站", "市水产总站", "市档案局",
        "市行政审批中心", "市公积金管理中心",
    ].enumerated().map { DemoUnit(id: "sys-d\(pad($0.offset + 1))", name: $0.element, type: "市直部门") }

    /// 双鸭山市: the three central/provincial units in the city (在双中、省直有关单位).
    public static let shuangyashanProvincial = ["市国税局", "市地税局", "市社保局"]
        .enumerated().map { DemoUnit(id: "sys-p\(pad($0.offset + 1))", name: $0.element, type: "在双中省直单位") }

    static func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    /// Plausible, complete facts for one unit (no item pending), with the incidents behind its counts.
    /// `quality` 0…100 shifts how well the unit did.
    public static func facts(
        for scheme: Scheme, unitType: String? = nil, seed: UInt64, quality: Int = 80
    ) -> (FactSheet, [DemoFinding]) {
        var random = SeededRandom(state: seed &* 0x2545_F491_4F6C_DD1D &+ 1)
        var sheet = FactSheet(slotCount: scheme.slots.count)
        var findings: [DemoFinding] = []
        let year = scheme.year ?? 2020
        let firstDay = Day(year: year, month: 1, day: 2)!
        let weak = 100 - quality
        for (slot, info) in scheme.slots.enumerated() {
            if info.group != downgradeGroupID, let item = scheme.item(info.group), !scheme.applies(item, to: unitType) {
                continue
            }
            let spec = info.spec
            let isFinding = spec.defaultValue != nil  // flags and incident counts default to "nothing happened"
            switch spec.type {
            case .bool:
                if case .bool(false)? = spec.defaultValue {
                    sheet[slot] = .bool(random.chance(weak / 4))
                } else {
                    sheet[slot] = .bool(!random.chance(weak / 2))
                }
            case .count:
                let value: Int
                if isFinding {
                    let odds = info.group == downgradeGroupID ? weak / 4 : weak
                    value = random.chance(odds) ? 1 + random.next(info.group == downgradeGroupID ? 1 : 3) : 0
                } else {
                    value = plausibleCount(spec.name, &random, quality: quality)
                }
                sheet[slot] = .count(value)
                if isFinding && info.group != downgradeGroupID {
                    for n in 0..<value {
                        let day = firstDay.adding(days: random.next(330))
                        findings.append(
                            DemoFinding(
                                item: info.group, fact: spec.name, date: day,
                                note: "\(spec.label)（第\(n + 1)起）：\(day) 督查发现"))
                    }
                }
            case .rate:
                sheet[slot] = .decimal(ExactDecimal(units: Int64(100 - random.next(weak + 15)) * 10_000_000))
            case .number(let min, let max):
                let low = min ?? .zero
                let high = max ?? 100
                if case .decimal(let d)? = spec.defaultValue, d == .zero, random.chance(70) {
                    sheet[slot] = .decimal(.zero)
                } else {
                    let span = (high - low).units / ExactDecimal.scale
                    let fraction = Int64(quality - 15 + random.next(30)).clamped(0, 100)
                    let value = low + ExactDecimal(units: (high - low).units / 100 * fraction)
                    sheet[slot] = .decimal(
                        (span > 10 ? value.rounded(places: 0) : value.rounded(places: 1)).clamped(low, high))
                }
            case .choice(let options):
                sheet[slot] = .choice(random.chance(quality) ? options[0].id : options[random.next(options.count)].id)
            case .levels(let options):
                var levels: [String] = []
                for _ in 0..<(random.chance(quality / 2) ? 1 + random.next(2) : 0) {
                    levels.append(options[options.count - 1 - random.next(options.count)].id)
                }
                sheet[slot] = .levels(levels)
            case .dates(let fields):
                var records: [[Day?]] = []
                let count = spec.name.contains("interpretation") ? 1 + random.next(2) : random.next(4)
                for _ in 0..<count {
                    let start = firstDay.adding(days: random.next(330))
                    var record: [Day?] = [start]
                    for _ in 1..<fields.count {
                        record.append(
                            random.chance(weak / 5)
                                ? nil : start.adding(days: random.chance(weak) ? 5 + random.next(5) : random.next(4)))
                    }
                    records.append(record)
                }
                sheet[slot] = .dates(records)
            case .counts12:
                sheet[slot] = .counts((0..<12).map { _ in random.chance(weak / 2) ? 0 : 1 + random.next(3) })
            }
        }
        applyConstraints(&sheet, scheme: scheme)
        return (sheet, findings)
    }

    static func plausibleCount(_ name: String, _ random: inout SeededRandom, quality: Int) -> Int {
        switch name {
        case "checks": return 130 + random.next(120)
        case "reports": return 1 + random.next(6)
        case "submitted": return 25 + random.next(30)
        case "adopted": return 5 + random.next(12)
        case "study_sessions": return random.next(4)
        case "online_cases": return 4000 + random.next(12000)
        case "online_cases_last_year": return 4000 + random.next(9000)
        case "complaints_received": return random.next(12)
        default: return random.next(3)
        }
    }

    /// Makes count pairs consistent (e.g. complaints on time ≤ received) using the scheme's constraints.
    public static func applyConstraints(_ sheet: inout FactSheet, scheme: Scheme) {
        for item in scheme.items {
            for constraint in item.constraints {
                guard let a = scheme.slot(group: item.id, fact: constraint.fact),
                    let b = scheme.slot(group: item.id, fact: constraint.atMost),
                    case .count(let left)? = sheet[a], case .count(let right)? = sheet[b], left > right
                else { continue }
                sheet[a] = .count(right)
            }
        }
    }
}

extension Int64 {
    fileprivate func clamped(_ low: Int64, _ high: Int64) -> Int64 { Swift.min(Swift.max(self, low), high) }
}

/// A small deterministic pseudo-random generator (SplitMix64) for demo data and benchmarks.
public struct SeededRandom: Sendable {
    public var state: UInt64
    public init(state: UInt64) { self.state = state }

    /// A number in `0..<bound` (0 when `bound` ≤ 1).
    public mutating func next(_ bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(max(bound, 1)))
    }

    /// True with the given chance in percent.
    public mutating func chance(_ percent: Int) -> Bool { next(100) < percent }
}
