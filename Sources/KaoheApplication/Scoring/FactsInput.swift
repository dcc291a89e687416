import Foundation
import KaoheEngine
import KaoheFormats
import KaoheStorage

/// A fact value that is not valid, naming the fact.
public struct FactInputProblem: Error, Sendable, Equatable {
    /// The fact's name.
    public var fact: String
    /// What is wrong (Chinese).
    public var message: String

    /// Creates a problem.
    public init(fact: String, message: String) {
        self.fact = fact
        self.message = message
    }
}

/// The facts an operation receives for one item. The API sends values it has already decoded; a page sends
/// what a person typed, which only the operation can read, since only it knows the item's facts (and which of
/// them are counted from findings): it hands the specs to `parse`.
public enum FactsInput: Sendable {
    /// No facts given.
    case none
    /// Decoded values by fact name.
    case values([String: FactValue])
    /// A facts object of one item in the facts format (`{"fact": value, …}`), as the API sends it; decoded
    /// with the scheme by the operation.
    case document(String)
    /// Reads the values of `specs` (leaving out the facts in `skip`) from what was entered.
    case parse(@Sendable (_ specs: [FactSpec], _ skip: Set<String>) throws(FactInputProblem) -> [String: FactValue])

    /// The values of `specs`, without those in `skip`.
    public func values(specs: [FactSpec], skip: Set<String> = []) throws(FactInputProblem) -> [String: FactValue] {
        switch self {
        case .none: return [:]
        case .values(let values):
            let known = Set(specs.map(\.name))
            if let unknown = values.keys.sorted().first(where: { !known.contains($0) }) {
                throw FactInputProblem(fact: unknown, message: "不是该项目的事实")
            }
            return values.filter { !skip.contains($0.key) }
        case .parse(let parse): return try parse(specs, skip)
        case .document: preconditionFailure("a facts document is decoded with its scheme first (Operations.decoded)")
        }
    }
}

extension Operations {
    /// `facts` with a facts document decoded by the scheme (its problems named with the item).
    func decoded(_ facts: FactsInput, item: String, scheme: Scheme, title: String) throws -> FactsInput {
        guard case .document(let text) = facts else { return facts }
        let root: JSONNode
        do { root = try JSONParser.parse(text) } catch {
            throw AppError.invalid("考核项目“\(title)”的自报事实不是有效的 JSON：\(error.description)")
        }
        guard case .object = root.value else { throw AppError.invalid("考核项目“\(title)”的自报事实应为事实对象") }
        let record = FactsRecord(
            assessmentID: AssessmentID(""), unitID: UnitID(""), itemID: item, json: FactsAssembly.text(root),
            version: 1, updatedBy: nil, updatedAt: Date())
        let assembled = FactsAssembly.assemble(records: [record], findings: [], scheme: scheme)
        if let problems = assembled.problems[item], !problems.isEmpty {
            throw AppError.invalid("考核项目“\(item)”的自报事实：" + problems.joined(separator: "；"))
        }
        return .values(assembled.values[item] ?? [:])
    }
}
