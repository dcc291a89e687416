import Foundation
import KaoheEngine
import KaoheFormats
import KaoheRecords
import KaoheStorage

/// All schemes the platform knows: the built-in ones (``AppDependencies/schemes``) and those uploaded by
/// organizers (stored in the database), ids unique across both; and the working-day calendar. The one catalog
/// of an app: what it parses is kept in the app's ``SchemeCache`` (neither built-in nor uploaded schemes ever
/// change under an id).
public struct SchemeCatalog: Sendable {
    let deps: AppDependencies

    /// Creates the catalog over `deps`.
    public init(_ deps: AppDependencies) { self.deps = deps }

    /// Built-in schemes first, then uploaded ones by id.
    public func summaries() async throws -> [SchemeSummary] {
        let uploaded = try await deps.store.uploadedSchemes().map {
            SchemeSummary(id: $0.id, title: $0.title, source: "上传：\($0.fileName)")
        }
        return deps.schemes() + uploaded
    }

    /// The scheme with `id`, built-in or uploaded, with its summary; ``AppError/notFound(_:)`` when there is none.
    public func scheme(_ id: String) async throws -> (scheme: Scheme, summary: SchemeSummary) {
        let found = try await withDerivations(id)
        return (found.scheme, found.summary)
    }

    /// The scheme with `id` as ``scheme(_:)``, with the facts its items derive from platform records.
    public func withDerivations(_ id: String) async throws -> (
        scheme: Scheme, summary: SchemeSummary, derivations: [Derivation]
    ) {
        if let cached = deps.schemeCache.scheme(id) { return cached }
        let found: (Scheme, SchemeSummary, [Derivation])
        if let summary = deps.schemes().first(where: { $0.id == id }) {
            do {
                guard let loaded = try BuiltInSchemes.loadWithDerivations(id) else {
                    throw AppError.notFound("内置考核方案 \(id)")
                }
                found = (loaded.scheme, summary, loaded.derivations)
            } catch let error as SchemeFileError {
                throw AppError.invalid("内置考核方案 \(id) 无法加载：\(error.description)")
            }
        } else {
            guard let stored = try await deps.store.uploadedScheme(id) else { throw AppError.notFound("考核方案 \(id)") }
            do {
                let loaded = try SchemeFile.loadWithDerivations(yaml: stored.yaml, file: stored.fileName)
                found = (
                    loaded.scheme, SchemeSummary(id: stored.id, title: stored.title, source: "上传：\(stored.fileName)"),
                    loaded.derivations
                )
            } catch {
                throw AppError.invalid("考核方案 \(id) 无法加载：\(error.description)")
            }
        }
        deps.schemeCache.remember(found, id: id)
        return found
    }

    /// The working-day calendar (``AppDependencies/calendar``), loaded once.
    public func calendar() throws -> WorkCalendar {
        try deps.schemeCache.calendar {
            do {
                return try deps.calendar()
            } catch {
                throw AppError.invalid("工作日历无法加载：\(error)")
            }
        }
    }

    /// Checks an uploaded scheme file and stores it. Every problem of the file is reported with its line
    /// (``AppError/lineErrors(_:)``, line 0 when the file gives none) and nothing is stored; an id that a
    /// built-in or uploaded scheme already has is a conflict.
    public func upload(fileName: String, yaml: String, by user: User) async throws -> UploadedScheme {
        guard user.can(.manageAssessments) else { throw AppError.forbidden(Permission.manageAssessments.label) }
        let name = Self.cleanFileName(fileName)
        var text = yaml
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw AppError.invalid("请选择方案文件（YAML）或粘贴其内容")
        }
        guard text.utf8.count <= 1 << 20 else { throw AppError.invalid("方案文件过大（上限 1 MB）") }
        let scheme: Scheme
        do {
            scheme = try SchemeFile.load(yaml: text, file: name)
        } catch {
            throw AppError.lineErrors(error.problems.map { LineError(line: $0.line ?? 0, message: $0.message) })
        }
        if deps.schemes().contains(where: { $0.id == scheme.id }) {
            throw AppError.conflict("方案编号“\(scheme.id)”与内置方案相同，请在文件中改用其他 id")
        }
        let uploaded = UploadedScheme(
            id: scheme.id, title: scheme.title, fileName: name, yaml: text, uploadedBy: user.id, uploadedAt: deps.now())
        do {
            try await deps.store.saveScheme(uploaded, by: .user(user))
        } catch let error as StorageError {
            if case .duplicate = error {
                throw AppError.conflict("方案编号“\(scheme.id)”已被上传过的方案使用，请在文件中改用其他 id")
            }
            throw error
        }
        return uploaded
    }

    /// A file name fit for display: the last path component, at most 100 characters, "粘贴的内容" when empty.
    static func cleanFileName(_ name: String) -> String {
        let last = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let trimmed = last.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? "粘贴的内容" : String(trimmed.prefix(100))
    }
}

/// What the ``SchemeCatalog`` of one app has parsed: schemes by id and the calendar.
final class SchemeCache: @unchecked Sendable {
    private let lock = NSLock()
    private var schemes: [String: (Scheme, SchemeSummary, [Derivation])] = [:]
    private var loadedCalendar: WorkCalendar?

    func scheme(_ id: String) -> (scheme: Scheme, summary: SchemeSummary, derivations: [Derivation])? {
        lock.withLock { schemes[id] }
    }

    func remember(_ scheme: (Scheme, SchemeSummary, [Derivation]), id: String) {
        lock.withLock { schemes[id] = scheme }
    }

    func calendar(_ load: () throws -> WorkCalendar) throws -> WorkCalendar {
        if let calendar = lock.withLock({ loadedCalendar }) { return calendar }
        let calendar = try load()
        lock.withLock { loadedCalendar = calendar }
        return calendar
    }
}
