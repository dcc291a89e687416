/// Where in a scheme a problem was found; scheme-file loaders map it to a line.
public enum SchemeLocation: Sendable, Equatable, Hashable {
    case scheme(field: String)
    case category(String)
    case item(String)
    case fact(item: String, fact: String)
    case effect(Int)
    case grades
    case downgrade(Int)
    case parameter(String)
}

/// One problem in a scheme definition.
public struct SchemeIssue: Sendable, Equatable, CustomStringConvertible {
    public var location: SchemeLocation
    public var message: String
    public init(_ location: SchemeLocation, _ message: String) {
        self.location = location
        self.message = message
    }
    public var description: String { message }
}

/// A scheme that failed validation, with every problem found.
public struct SchemeError: Error, Sendable, CustomStringConvertible {
    public var issues: [SchemeIssue]
    public var description: String { issues.map(\.message).joined(separator: "\n") }
}

/// A storage slot for one fact of one item (or of the `downgrade` pseudo-item).
public struct FactSlot: Sendable, Equatable {
    /// Item id or `downgrade`.
    public var group: String
    public var spec: FactSpec
}

/// A complete, validated assessment scheme (考核方案), ready to score.
public struct Scheme: Sendable {
    public var id: String
    public var title: String
    public var organizer: String
    public var year: Int?
    /// Where the scheme comes from (document, date).
    public var source: String
    /// Sum of the base items' maxima (per unit type when types exist).
    public var total: ExactDecimal
    public private(set) var categories: [Category]
    public private(set) var effects: [Effect]
    /// Listed from best to worst; a boundary claimed by two bands goes to the earlier one.
    public var grades: [GradeBand]
    public private(set) var downgradeFacts: [FactSpec]
    public private(set) var downgradeTriggers: [DowngradeTrigger]
    public var unitTypes: [UnitType]
    public var parameters: [Parameter]
    /// Parameter holding the points this assessment is worth in the annual score (total × weight / 100).
    public var annualWeightParameter: String?
    /// Interpretation notes (how ambiguities were settled).
    public var notes: [String]

    /// Every fact slot, in scheme order.
    public private(set) var slots: [FactSlot] = []
    private var slotIndex: [String: [String: Int]] = [:]
    private var itemPositions: [String: (category: Int, item: Int)] = [:]
    private var baseMaxima: [String: ExactDecimal] = [:]
    /// Categories as shared references, so scoring does not copy items.
    private(set) var sections: [Section] = []
    /// Each slot's default value (nil: required), for fast look-ups while scoring.
    private(set) var defaults: [FactValue?] = []

    /// Validates and compiles a scheme.
    public init(
        id: String, title: String, organizer: String = "", year: Int? = nil, source: String = "",
        total: ExactDecimal, categories: [Category], effects: [Effect] = [], grades: [GradeBand] = [],
        downgradeFacts: [FactSpec] = [], downgradeTriggers: [DowngradeTrigger] = [], unitTypes: [UnitType] = [],
        parameters: [Parameter] = [], annualWeightParameter: String? = nil, notes: [String] = []
    ) throws(SchemeError) {
        self.id = id
        self.title = title
        self.organizer = organizer
        self.year = year
        self.source = source
        self.total = total
        self.categories = categories
        self.effects = effects
        self.grades = grades
        self.downgradeFacts = downgradeFacts
        self.downgradeTriggers = downgradeTriggers
        self.unitTypes = unitTypes
        self.parameters = parameters
        self.annualWeightParameter = annualWeightParameter
        self.notes = notes
        var compiler = SchemeCompiler()
        compiler.compile(&self)
        if !compiler.issues.isEmpty { throw SchemeError(issues: compiler.issues) }
    }

    /// All items in sheet order.
    public var items: [Item] { categories.flatMap(\.items) }

    /// The item with this id.
    public func item(_ id: String) -> Item? {
        itemPositions[id].map { categories[$0.category].items[$0.item] }
    }

    /// The category holding the item with this id.
    public func category(ofItem id: String) -> Category? {
        itemPositions[id].map { categories[$0.category] }
    }

    /// The slot of a fact, by item (or `downgrade`) id and fact name.
    public func slot(group: String, fact: String) -> Int? { slotIndex[group]?[fact] }

    /// Fact name → slot for an item or `downgrade`; nil when there is no such group.
    public func slotTable(group: String) -> [String: Int]? { slotIndex[group] }

    /// The fact specs of an item or of `downgrade`.
    public func factSpecs(group: String) -> [FactSpec]? {
        if group == downgradeGroupID { return downgradeFacts.isEmpty ? nil : downgradeFacts }
        return item(group)?.facts
    }

    /// Whether a unit of this type sees the item (always true when the scheme has no unit types).
    public func applies(_ item: Item, to unitType: String?) -> Bool {
        guard let unitType, !item.unitTypes.isEmpty else { return true }
        return item.unitTypes.contains(unitType)
    }

    /// The base maximum a unit of this type can reach.
    public func baseMaximum(for unitType: String?) -> ExactDecimal {
        var sum = ExactDecimal.zero
        for category in categories where category.kind == .base {
            for item in category.items where applies(item, to: unitType) { sum += item.max }
        }
        return sum
    }

    /// `baseMaximum(for:)`, computed once when the scheme is compiled.
    func cachedBaseMaximum(for unitType: String?) -> ExactDecimal {
        baseMaxima[unitType ?? ""] ?? baseMaximum(for: unitType)
    }

    /// The value of a parameter, with per-assessment overrides.
    public func parameter(_ id: String, overrides: [String: ExactDecimal]) -> ExactDecimal? {
        overrides[id] ?? parameters.first { $0.id == id }?.defaultValue
    }

    mutating func setCompiled(
        categories: [Category], effects: [Effect], triggers: [DowngradeTrigger], slots: [FactSlot],
        slotIndex: [String: [String: Int]], itemPositions: [String: (category: Int, item: Int)]
    ) {
        self.categories = categories
        self.effects = effects
        self.downgradeTriggers = triggers
        self.slots = slots
        self.slotIndex = slotIndex
        self.itemPositions = itemPositions
        defaults = slots.map(\.spec.defaultValue)
        sections = categories.map { category in
            Section(kind: category.kind, cap: category.cap, items: category.items.map(ItemPlan.init))
        }
        baseMaxima[""] = baseMaximum(for: nil)
        for type in unitTypes { baseMaxima[type.id] = baseMaximum(for: type.id) }
    }
}

/// A compiled item, shared by reference during scoring.
final class ItemPlan: Sendable {
    let item: Item
    let unitTypes: Set<String>
    /// For `deduct` rules made only of per-count terms (the most common shape): slots and points,
    /// scored on a fast path that copies no rule terms.
    let perCountTerms: [(slot: Int, points: ExactDecimal)]?

    init(_ item: Item) {
        self.item = item
        self.unitTypes = Set(item.unitTypes)
        var simple: [(slot: Int, points: ExactDecimal)]? = nil
        if case .deduct(let terms) = item.rule, !item.mayExceedMax {
            simple = []
            for term in terms {
                guard case .perCount(let name, let points) = term, name.slot >= 0 else {
                    simple = nil
                    break
                }
                simple?.append((name.slot, points))
            }
        }
        perCountTerms = simple
    }
    func appliesTo(_ unitType: String?) -> Bool {
        guard let unitType, !unitTypes.isEmpty else { return true }
        return unitTypes.contains(unitType)
    }
}

/// A compiled category.
final class Section: Sendable {
    let kind: CategoryKind
    let cap: ExactDecimal?
    let items: [ItemPlan]
    init(kind: CategoryKind, cap: ExactDecimal?, items: [ItemPlan]) {
        self.kind = kind
        self.cap = cap
        self.items = items
    }
}
