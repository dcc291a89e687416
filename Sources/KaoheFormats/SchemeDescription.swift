import KaoheEngine

/// `kaohe describe`: a scheme as JSON (items, maxima, facts with types) or as the document's score sheet.
public enum SchemeDescription {
    public static func json(_ scheme: Scheme) -> [UInt8] {
        var w = JSONWriter()
        w.raw("{")
        w.field("id", scheme.id, first: true)
        w.field("title", scheme.title)
        w.field("organizer", scheme.organizer)
        w.memberKey("year")
        if let year = scheme.year { w.number(year) } else { w.null() }
        w.field("source", scheme.source)
        w.field("total", scheme.total)
        w.memberKey("unit_types")
        w.array(scheme.unitTypes) { w, type in
            w.raw("{")
            w.field("id", type.id, first: true)
            w.field("name", type.name)
            w.raw("}")
        }
        w.memberKey("parameters")
        w.array(scheme.parameters) { w, parameter in
            w.raw("{")
            w.field("id", parameter.id, first: true)
            w.field("name", parameter.name)
            w.field("default", parameter.defaultValue)
            w.raw("}")
        }
        w.memberKey("categories")
        w.array(scheme.categories) { w, category in
            w.raw("{")
            w.field("id", category.id, first: true)
            w.field("name", category.name)
            w.field("kind", category.kind.rawValue)
            if let cap = category.cap {
                w.field("cap", cap)
            }
            w.memberKey("items")
            w.array(category.items) { w, item in writeItem(item, into: &w) }
            w.raw("}")
        }
        w.memberKey("grades")
        w.array(scheme.grades) { w, grade in
            w.raw("{")
            w.field("name", grade.name, first: true)
            w.field("range", grade.interval.text(percent: false))
            w.raw("}")
        }
        w.memberKey("downgrade")
        w.raw("{")
        w.key("facts")
        writeFacts(scheme.downgradeFacts, into: &w)
        w.memberKey("triggers")
        w.strings(scheme.downgradeTriggers.map(\.reason))
        w.raw("}")
        w.memberKey("effects")
        w.array(scheme.effects) { w, effect in
            w.raw("{")
            w.key("zero")
            w.strings(effect.zeroItems)
            w.field("reason", effect.reason)
            w.raw("}")
        }
        w.memberKey("notes")
        w.strings(scheme.notes)
        w.raw("}\n")
        return w.bytes
    }

    static func writeItem(_ item: Item, into w: inout JSONWriter) {
        w.raw("{")
        w.field("id", item.id, first: true)
        w.field("name", item.name)
        w.field("max", item.max)
        w.field("rule", ruleKind(item.rule))
        w.field("content", item.content)
        w.field("standard", item.standard)
        w.field("evidence", item.evidence)
        if !item.unitTypes.isEmpty {
            w.memberKey("unit_types")
            w.strings(item.unitTypes)
        }
        w.memberKey("facts")
        writeFacts(item.facts, into: &w)
        w.raw("}")
    }

    static func writeFacts(_ facts: [FactSpec], into w: inout JSONWriter) {
        w.array(facts) { w, spec in
            w.raw("{")
            w.field("name", spec.name, first: true)
            w.field("type", spec.type.name)
            w.field("label", spec.label)
            w.field("required", spec.isRequired)
            if let value = spec.defaultValue {
                w.memberKey("default")
                FactValueCoding.encode(value, spec: spec, into: &w)
            }
            switch spec.type {
            case .choice(let options), .levels(let options):
                w.memberKey("values")
                w.strings(options.map(\.id))
            case .dates(let fields):
                w.memberKey("fields")
                w.strings(fields.map(\.id))
            case .number(let min, let max):
                if let min {
                    w.field("min", min)
                }
                if let max {
                    w.field("max", max)
                }
            default: break
            }
            w.raw("}")
        }
    }

    public static func ruleKind(_ rule: Rule) -> String {
        switch rule {
        case .pass: "pass"
        case .deduct: "deduct"
        case .award: "award"
        case .bands: "bands"
        case .choice: "choice"
        case .linear: "linear"
        case .timely: "timely"
        case .manual: "manual"
        case .raters: "raters"
        }
    }

    // MARK: Text

    /// Display width in a terminal: CJK and full-width characters take two columns.
    static func width(_ text: Substring) -> Int {
        text.unicodeScalars.reduce(0) { sum, scalar in
            let v = scalar.value
            let wide =
                (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
                || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
                || (0xFFE0...0xFFE6).contains(v)
            return sum + (wide ? 2 : 1)
        }
    }

    /// Wraps text into lines of at most `columns` display columns.
    static func wrap(_ text: String, _ columns: Int) -> [String] {
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = ""
            var lineWidth = 0
            for character in paragraph {
                let w = width(Substring(String(character)))
                if lineWidth + w > columns {
                    lines.append(line)
                    line = ""
                    lineWidth = 0
                }
                line.append(character)
                lineWidth += w
            }
            lines.append(line)
        }
        return lines.isEmpty ? [""] : lines
    }

    /// Pads text with spaces to a display width (CJK counts two columns).
    public static func padded(_ text: String, _ columns: Int) -> String { pad(text, columns) }

    static func pad(_ text: String, _ columns: Int) -> String {
        text + String(repeating: " ", count: max(0, columns - width(Substring(text))))
    }

    /// The scheme as the document's score sheet (项目 / 序号 / 考核内容 / 考核标准 / 分值 / 得分).
    public static func text(_ scheme: Scheme) -> String {
        let columns = [14, 6, 30, 36, 6, 6]
        let headers = ["项目", "序号", "考核内容", "考核标准", "分值", "得分"]
        func rule(_ left: String, _ middle: String, _ right: String) -> String {
            left + columns.map { String(repeating: "─", count: $0 + 2) }.joined(separator: middle) + right + "\n"
        }
        func row(_ cells: [String]) -> String {
            let wrapped = zip(cells, columns).map { wrap($0, $1) }
            let height = wrapped.map(\.count).max() ?? 1
            var out = ""
            for lineIndex in 0..<height {
                out += "│"
                for (cell, width) in zip(wrapped, columns) {
                    out += " " + pad(lineIndex < cell.count ? cell[lineIndex] : "", width) + " │"
                }
                out += "\n"
            }
            return out
        }
        var out = "\(scheme.title)\n"
        var subtitle = "方案 \(scheme.id)　基础分 \(scheme.total) 分"
        for category in scheme.categories where category.kind != .base {
            subtitle += "　\(category.kind == .bonus ? "加分" : "减分")最多 \(category.cap ?? .zero) 分"
        }
        out += subtitle + "\n"
        if !scheme.organizer.isEmpty { out += "考核单位：\(scheme.organizer)\n" }
        if !scheme.unitTypes.isEmpty {
            out += "单位类型：" + scheme.unitTypes.map { "\($0.name)（\($0.id)）" }.joined(separator: "、") + "\n"
        }
        out += rule("┌", "┬", "┐") + row(headers) + rule("├", "┼", "┤")
        for (c, category) in scheme.categories.enumerated() {
            let categoryMax = category.cap ?? category.items.reduce(ExactDecimal.zero) { $0 + $1.max }
            let kindText = category.kind == .base ? "" : category.kind == .bonus ? "（加分）" : "（减分）"
            for (i, item) in category.items.enumerated() {
                let head = i == 0 ? "\(category.name)\(kindText)（\(categoryMax)分）" : ""
                var content = item.name
                if !item.content.isEmpty { content += "：" + item.content }
                if !item.unitTypes.isEmpty {
                    let names = item.unitTypes.map { id in scheme.unitTypes.first { $0.id == id }?.name ?? id }
                    content += "［适用：\(names.joined(separator: "、"))］"
                }
                out += row([head, item.id, content, item.standard, item.max.description, ""])
                if i < category.items.count - 1 { out += rule("├", "┼", "┤") }
            }
            out += c < scheme.categories.count - 1 ? rule("├", "┼", "┤") : ""
        }
        out += row(["汇总得分", "", "", "", scheme.total.description, ""])
        out += rule("└", "┴", "┘")
        if !scheme.grades.isEmpty {
            out +=
                "等级：" + scheme.grades.map { "\($0.name) \($0.interval.text(percent: false))" }.joined(separator: "；")
                + "\n"
        }
        if !scheme.downgradeTriggers.isEmpty {
            out += "直接降档：" + scheme.downgradeTriggers.map(\.reason).joined(separator: "；") + "\n"
        }
        for effect in scheme.effects { out += "联动：\(effect.reason)\n" }
        if !scheme.notes.isEmpty {
            out +=
                "说明：\n" + scheme.notes.enumerated().map { "  \($0.offset + 1). \($0.element)" }.joined(separator: "\n")
                + "\n"
        }
        return out
    }
}
