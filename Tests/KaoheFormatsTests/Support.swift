import KaoheEngine
import KaoheFormats
import Testing

let builtInCalendar: WorkCalendar = try! CalendarFile.builtIn()

/// Scores one unit of a built-in scheme given its facts as JSON text (the `facts` object).
func scoreUnit(_ schemeID: String, _ facts: String, type: String? = nil, parameters: String? = nil) throws -> UnitResult
{
    let typeField = type.map { ",\"type\":\"\($0)\"" } ?? ""
    let parameterField = parameters.map { ",\"parameters\":\($0)" } ?? ""
    let json = "{\"scheme\":\"\(schemeID)\"\(parameterField),\"units\":[{\"id\":\"u\"\(typeField),\"facts\":\(facts)}]}"
    let (scheme, document) = try ScoreRun.decode(Array(json.utf8), scheme: nil, calendar: builtInCalendar)
    let context = ScoringContext(calendar: builtInCalendar, parameters: document.parameters)
    return Engine.score(units: document.units, scheme: scheme, context: context)[0]
}

extension UnitResult {
    func score(_ item: String) -> ExactDecimal? { items.first { $0.itemID == item }?.score }
    func item(_ id: String) -> ItemResult? { items.first { $0.itemID == id } }
}

/// The error a facts document produces.
func factsFailure(_ json: String) -> String? {
    do {
        _ = try ScoreRun.decode(Array(json.utf8), scheme: nil, calendar: builtInCalendar)
        return nil
    } catch {
        return error.description
    }
}

/// The problems a scheme YAML produces.
func schemeProblems(_ yaml: String) -> [SchemeFileProblem] {
    do {
        _ = try SchemeFile.load(yaml: yaml, file: "test.yaml")
        return []
    } catch {
        return error.problems
    }
}
