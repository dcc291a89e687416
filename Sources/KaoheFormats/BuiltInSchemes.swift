import Foundation
import KaoheEngine
import KaoheRecords

/// The schemes shipped with the program: the four source documents.
public enum BuiltInSchemes {
    /// Ids in the order they are listed.
    public static let ids = [
        "pingqiao-2022", "shuangyashan-2017", "changbai-2020-gongkai", "changbai-2020-fangguanfu",
        "changbai-2020-xinxi", "changbai-2020-yingshang", "changbai-2020-xinyong", "xinbei-sanheyi",
    ]

    /// The YAML text of a built-in scheme.
    public static func yaml(_ id: String) -> String? {
        guard ids.contains(id),
            let url = Bundle.module.url(forResource: id, withExtension: "yaml", subdirectory: "schemes"),
            let data = try? Data(contentsOf: url)
        else { return nil }
        return String(data: data, encoding: .utf8)
    }

    /// Loads a built-in scheme; nil when there is none with this id.
    public static func load(_ id: String) throws(SchemeFileError) -> Scheme? {
        guard let text = yaml(id) else { return nil }
        return try SchemeFile.load(yaml: text, file: "\(id).yaml")
    }

    /// Loads a built-in scheme with its derivations; nil when there is none with this id.
    public static func loadWithDerivations(_ id: String) throws(SchemeFileError) -> (
        scheme: Scheme, derivations: [Derivation]
    )? {
        guard let text = yaml(id) else { return nil }
        return try SchemeFile.loadWithDerivations(yaml: text, file: "\(id).yaml")
    }

    /// A built-in scheme by id, or a scheme file by path, with its derivations.
    public static func resolveWithDerivations(_ idOrPath: String) throws(SchemeFileError) -> (
        scheme: Scheme, derivations: [Derivation]
    ) {
        if let loaded = try loadWithDerivations(idOrPath) { return loaded }
        if FileManager.default.fileExists(atPath: idOrPath) {
            return try SchemeFile.loadWithDerivations(path: idOrPath)
        }
        return (try resolve(idOrPath), [])
    }

    /// A built-in scheme by id, or a scheme file by path.
    public static func resolve(_ idOrPath: String) throws(SchemeFileError) -> Scheme {
        if let scheme = try load(idOrPath) { return scheme }
        if FileManager.default.fileExists(atPath: idOrPath) { return try SchemeFile.load(path: idOrPath) }
        throw SchemeFileError(
            file: idOrPath,
            problems: [
                SchemeFileProblem(
                    line: nil, message: "既不是内置方案（\(ids.joined(separator: "、"))），也不是存在的方案文件")
            ])
    }
}
