import Hummingbird
import KaoheApplication

extension Request {
    /// The URL query as a dictionary (the first value of a repeated parameter).
    var queryDictionary: [String: String] {
        var result: [String: String] = [:]
        for (key, value) in uri.queryParameters where result[String(key)] == nil {
            result[String(key)] = String(value).replacingOccurrences(of: "+", with: " ")
        }
        return result
    }

    /// The list query of a list page (search, filters, sort, page, size), read by the one parser
    /// ``ListQuery/parse(_:spec:)``; a bad parameter is a 400 with a Chinese message naming it.
    func listQuery(_ spec: ListSpec, renaming: [String: String] = [:]) throws -> ListQuery {
        var parameters = queryDictionary
        for (old, new) in renaming where parameters[new] == nil {
            if let value = parameters[old] { parameters[new] = value }
        }
        return try ListQuery.parse(parameters, spec: spec)
    }
}
