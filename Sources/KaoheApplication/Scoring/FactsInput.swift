import KaoheEngine

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
        case .document: preconditionFailure("decode a facts document with its scheme first (Operations.decoded)")
        }
    }
}
