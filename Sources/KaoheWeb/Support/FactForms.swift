import Foundation
import KaoheApplication
import KaoheEngine
import KaoheFormats

/// The HTML form fields of a group's facts, both ways: stored values → fields (to fill a form) and submitted
/// fields → checked values (with the engine's own decoder, so the page accepts exactly what scoring accepts).
///
/// Field names: `f.<fact>` for one value; rates also `f.<fact>.num` / `f.<fact>.den` or `f.<fact>.pct`;
/// levels `f.<fact>.<level>` (a count per level); dates `f.<fact>.<field>` repeated once per row;
/// twelve counts `f.<fact>.1` … `f.<fact>.12`.
public enum FactForm {
    /// The field name of a fact (with an optional part).
    public static func field(_ fact: String, _ part: String? = nil) -> String {
        part.map { "f.\(fact).\($0)" } ?? "f.\(fact)"
    }

    /// The form fields showing stored values.
    public static func fields(_ values: [String: FactValue], specs: [FactSpec]) -> FormData {
        var form = FormData()
        for spec in specs {
            guard let value = values[spec.name] else { continue }
            let name = spec.name
            switch (value, spec.type) {
            case (.bool(let b), _): form.pairs.append((field(name), b ? "true" : "false"))
            case (.count(let n), _): form.pairs.append((field(name), String(n)))
            case (.decimal(let d), .rate): form.pairs.append((field(name, "pct"), (d * ExactDecimal(100)).description))
            case (.decimal(let d), _): form.pairs.append((field(name), d.description))
            case (.choice(let id), _): form.pairs.append((field(name), id))
            case (.levels(let list), .levels(let options)):
                for option in options {
                    let n = list.filter { $0 == option.id }.count
                    if n > 0 { form.pairs.append((field(name, option.id), String(n))) }
                }
            case (.counts(let list), _):
                for (index, n) in list.enumerated() { form.pairs.append((field(name, String(index + 1)), String(n))) }
            case (.dates(let records), .dates(let fields)):
                for record in records {
                    for (index, option) in fields.enumerated() {
                        form.pairs.append(
                            (field(name, option.id), index < record.count ? record[index]?.description ?? "" : ""))
                    }
                }
            default: break
            }
        }
        return form
    }

    /// A submitted value that is not valid, naming the fact.
    public typealias Problem = FactInputProblem

    /// Reads the submitted fields of `specs` (facts in `skip` are left out: they are counted from findings).
    /// Empty fields leave the fact out. Each value is checked by the engine's decoder.
    public static func values(_ form: FormData, specs: [FactSpec], skip: Set<String> = []) throws(Problem)
        -> [String: FactValue]
    {
        var values: [String: FactValue] = [:]
        for spec in specs where !skip.contains(spec.name) {
            let name = spec.name
            func fail(_ message: String) -> Problem { Problem(fact: name, message: message) }
            func number(_ text: String, _ what: String) throws(Problem) -> String {
                let cleaned = text.replacingOccurrences(of: ",", with: "").replacingOccurrences(of: "，", with: "")
                guard ExactDecimal(cleaned) != nil else { throw fail("\(what)“\(text)”不是有效的数字") }
                return cleaned
            }
            var json: String?
            switch spec.type {
            case .bool:
                if let text = form[field(name)], !text.isEmpty {
                    guard text == "true" || text == "false" else { throw fail("应选“是”或“否”") }
                    json = text
                }
            case .count, .number:
                if let text = form[field(name)], !text.isEmpty { json = try number(text, "输入") }
            case .rate:
                let numerator = form[field(name, "num")] ?? "", denominator = form[field(name, "den")] ?? ""
                let percent = form[field(name, "pct")] ?? ""
                if !numerator.isEmpty || !denominator.isEmpty {
                    guard !numerator.isEmpty, !denominator.isEmpty else { throw fail("分子和分母须同时填写") }
                    let n = try ExactDecimal(number(numerator, "分子"))!
                    let d = try ExactDecimal(number(denominator, "分母"))!
                    guard d > .zero else { throw fail("分母应大于0（实际 \(d)）") }
                    guard n >= .zero else { throw fail("分子不能为负数（实际 \(n)）") }
                    json = (n / d).description
                } else if !percent.isEmpty {
                    let p = try ExactDecimal(number(percent.replacingOccurrences(of: "%", with: ""), "百分比"))!
                    json = (p / ExactDecimal(100)).description
                }
            case .choice:
                if let text = form[field(name)], !text.isEmpty { json = jsonString(text) }
            case .levels(let options):
                var list: [String] = []
                for option in options {
                    let text = form[field(name, option.id)] ?? ""
                    guard !text.isEmpty else { continue }
                    guard let n = Int(text), n >= 0, n <= 1000 else {
                        throw fail("“\(option.label)”的次数“\(text)”应为0到1000之间的整数")
                    }
                    list += Array(repeating: jsonString(option.id), count: n)
                }
                if options.contains(where: { form[field(name, $0.id)] != nil }) {
                    json = "[" + list.joined(separator: ",") + "]"
                }
            case .counts12:
                let texts = (1...12).map { form[field(name, String($0))] ?? "" }
                if texts.contains(where: { !$0.isEmpty }) {
                    var parts: [String] = []
                    for (index, text) in texts.enumerated() {
                        parts.append(text.isEmpty ? "0" : try number(text, "\(index + 1)月"))
                    }
                    json = "[" + parts.joined(separator: ",") + "]"
                }
            case .dates(let fields):
                let columns = fields.map {
                    form.all(field(name, $0.id)).map { $0.trimmingCharacters(in: .whitespaces) }
                }
                let rows = columns.map(\.count).max() ?? 0
                var records: [String] = []
                for row in 0..<rows {
                    let cells = columns.map { row < $0.count ? $0[row] : "" }
                    guard cells.contains(where: { !$0.isEmpty }) else { continue }
                    let members = zip(fields, cells).map { field, cell in
                        jsonString(field.id) + ":" + (cell.isEmpty ? "null" : jsonString(cell))
                    }
                    records.append("{" + members.joined(separator: ",") + "}")
                }
                if form.pairs.contains(where: { $0.0.hasPrefix(field(name) + ".") }) {
                    json = "[" + records.joined(separator: ",") + "]"
                }
            }
            guard let json else { continue }
            do {
                let node = try JSONParser.parse(json)
                values[name] = try FactValueCoding.decode(node, spec: spec)
            } catch let problem as FactValueCoding.Problem {
                throw fail(problem.message)
            } catch {
                throw fail("输入无效")
            }
        }
        return values
    }

    static func jsonString(_ text: String) -> String {
        var writer = JSONWriter(capacity: text.utf8.count + 2)
        writer.string(text)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// A value as short Chinese text (`是`, `3件`, `85%`, option labels…), for read-only views.
    public static func display(_ value: FactValue?, spec: FactSpec) -> String {
        guard let value else { return "—" }
        switch (value, spec.type) {
        case (.bool(let b), _): return b ? "是" : "否"
        case (.count(let n), _): return "\(n)\(spec.unit)"
        case (.decimal(let d), .rate): return d.rounded(places: 6).percentText
        case (.decimal(let d), _): return "\(d)\(spec.unit)"
        case (.choice(let id), .choice(let options)): return options.first { $0.id == id }?.label ?? id
        case (.levels(let list), .levels(let options)):
            let parts = options.compactMap { option -> String? in
                let n = list.filter { $0 == option.id }.count
                return n > 0 ? "\(option.label)×\(n)" : nil
            }
            return parts.isEmpty ? "无" : parts.joined(separator: "、")
        case (.counts(let list), _):
            return list.enumerated().map { "\($0.offset + 1)月\($0.element)" }.joined(separator: " ")
        case (.dates(let records), .dates(let fields)):
            if records.isEmpty { return "无记录" }
            return records.map { record in
                zip(fields, record).map { "\($0.label) \($1?.description ?? "—")" }.joined(separator: "，")
            }.joined(separator: "；")
        default: return "—"
        }
    }
}

extension FactsInput {
    /// The facts typed into `form`'s fields, read with the item's specs.
    public static func entered(in form: FormData) -> FactsInput {
        .parse { specs, skip throws(FactInputProblem) in try FactForm.values(form, specs: specs, skip: skip) }
    }
}
