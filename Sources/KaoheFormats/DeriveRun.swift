import Foundation
import KaoheEngine
import KaoheRecords

/// `kaohe derive FILE… --scheme ID [--period FROM..TO] [--as-of DATE] [--type T]` (records.md, last section):
/// record files in, a facts document that `kaohe score` reads out.
public enum DeriveRun {
    /// Any error of a derive run, printable as one Chinese message naming where.
    public enum Failure: Error, CustomStringConvertible {
        case scheme(SchemeFileError)
        case records(RecordError)
        case options(String)

        public var description: String {
            switch self {
            case .scheme(let error): "\(error)"
            case .records(let error): "\(error)"
            case .options(let message): message
            }
        }
    }

    /// Parses `FROM..TO` (two `YYYY-MM-DD` dates, FROM ≤ TO).
    public static func period(_ text: String) throws(Failure) -> ClosedRange<Day> {
        let parts = text.components(separatedBy: "..")
        guard parts.count == 2, let from = Day(iso: parts[0]), let to = Day(iso: parts[1]) else {
            throw .options("--period 应形如 2020-01-01..2020-12-31，而不是“\(text)”")
        }
        guard from <= to else { throw .options("--period 的起始日 \(from) 晚于结束日 \(to)") }
        return from...to
    }

    /// Parses a `YYYY-MM-DD` option value.
    public static func day(_ text: String, option: String) throws(Failure) -> Day {
        guard let day = Day(iso: text) else { throw .options("\(option) 应为 YYYY-MM-DD 日期，而不是“\(text)”") }
        return day
    }

    /// The window of a run: the period (default: the scheme's year) as of A (default: the period's end).
    public static func window(scheme: Scheme, period: ClosedRange<Day>?, asOf: Day?) throws(Failure)
        -> DerivationWindow
    {
        guard let range = period ?? scheme.year.flatMap({ DerivationWindow(year: $0)?.period }) else {
            throw .options("方案“\(scheme.id)”没有年份，须用 --period 起始日..结束日 指定考核期")
        }
        return DerivationWindow(period: range, asOf: asOf ?? range.upperBound)
    }

    /// Reads the record files, derives the scheme's facts and returns the facts document (JSON, one unit a line).
    /// Nothing is returned unless every record is valid.
    /// - Parameters:
    ///   - scheme: a built-in scheme id or a scheme file path.
    ///   - type: the record type of CSV files (default: each file's stem).
    ///   - knownUnits: unit codes that exist (nil: any).
    public static func run(
        files: [String], scheme idOrPath: String, period: ClosedRange<Day>? = nil, asOf: Day? = nil,
        type: RecordType? = nil, calendar: WorkCalendar, knownUnits: Set<String>? = nil
    ) throws(Failure) -> [UInt8] {
        let loaded: (scheme: Scheme, derivations: [Derivation])
        do { loaded = try BuiltInSchemes.resolveWithDerivations(idOrPath) } catch { throw .scheme(error) }
        guard !loaded.derivations.isEmpty else {
            throw .options("方案“\(loaded.scheme.id)”没有声明由记录派生的事实（derive）")
        }
        let window = try window(scheme: loaded.scheme, period: period, asOf: asOf)
        guard !files.isEmpty else { throw .options("请给出至少一个记录文件（CSV 或 JSON Lines）") }
        var importer = RecordImport(years: calendar.years, knownUnits: knownUnits)
        for file in files {
            do { try RecordFiles.read(path: file, type: type, into: &importer) } catch { throw .records(error) }
        }
        let result = Deriver.derive(
            importer.records, loaded.derivations, window: window, workingDays: WorkingDayIndex(calendar: calendar),
            trace: false)
        return document(scheme: loaded.scheme, derivations: loaded.derivations, result: result)
    }

    /// The facts document of derived facts: `{"scheme": …, "units": [{"id": …, "facts": {item: {fact: value}}}]}`,
    /// units sorted by code, rates with at most 9 decimals.
    public static func document(scheme: Scheme, derivations: [Derivation], result: DerivationResult) -> [UInt8] {
        var writer = JSONWriter()
        writer.raw("{")
        writer.key("scheme")
        writer.string(scheme.id)
        writer.raw(",")
        writer.key("units")
        writer.raw("[")
        let units = result.units.sorted { $0.unit < $1.unit }
        for (index, unit) in units.enumerated() {
            writer.raw(index == 0 ? "\n" : ",\n")
            writer.raw("{")
            writer.key("id")
            writer.string(unit.unit)
            writer.raw(",")
            writer.key("facts")
            writer.raw("{")
            var items: [String] = []
            for fact in unit.facts where !items.contains(fact.item) { items.append(fact.item) }
            for (itemIndex, item) in items.enumerated() {
                if itemIndex > 0 { writer.raw(",") }
                writer.key(item)
                writer.raw("{")
                for (factIndex, fact) in unit.facts.filter({ $0.item == item }).enumerated() {
                    if factIndex > 0 { writer.raw(",") }
                    writer.key(fact.fact)
                    guard let slot = scheme.slot(group: item, fact: fact.fact) else {
                        writer.null()
                        continue
                    }
                    FactValueCoding.encode(fact.value, spec: scheme.slots[slot].spec, into: &writer)
                }
                writer.raw("}")
            }
            writer.raw("}}")
        }
        writer.raw(units.isEmpty ? "]}\n" : "\n]}\n")
        return writer.bytes
    }
}
