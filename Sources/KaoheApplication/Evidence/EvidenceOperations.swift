import Foundation
import KaoheEngine
import KaoheStorage
import NIOPosix

/// How a user relates to one unit's evidence.
public enum EvidenceAccess: Sendable, Equatable {
    /// The unit's own reporter: uploads self-assessment and objection evidence, sees the unit's files.
    case unitReporter
    /// An evaluator with an assignment for the unit: uploads finding evidence, sees the unit's files.
    case reviewer
    /// An administrator or organizer: sees and manages everything.
    case manager
}

/// One unit of one assessment as far as a user may see its evidence.
public struct EvidenceScope: Sendable {
    /// The assessment.
    public var assessment: Assessment
    /// The unit.
    public var unit: AssessedUnit
    /// How the user relates to it.
    public var access: EvidenceAccess

    /// Whether the user may see `file`: reporters do not see evaluators' finding evidence before 公示.
    public func maySee(_ file: EvidenceFile) -> Bool {
        guard file.assessmentID == assessment.id, file.unitID == unit.id else { return false }
        if access == .unitReporter && file.purpose == .finding {
            return assessment.state == .publicity || assessment.state == .final
        }
        return true
    }
}

extension EvidenceScope {
    /// How `user` relates to a unit's evidence, or nil when the user may see none of it (leaders, other
    /// units' reporters, evaluators without an assignment for the unit). The one rule for downloading and
    /// for listing evidence anywhere (pages, API, audit entries, item histories).
    static func access(of user: User, to unit: UnitID, in assessment: AssessmentID, store: any KaoheStore)
        async throws -> EvidenceAccess?
    {
        guard user.can(.selfAssess) || user.can(.review) else { return nil }
        if user.has(.admin) || user.has(.organizer) { return .manager }
        if user.can(.selfAssess), user.unitID == unit { return .unitReporter }
        if user.can(.review),
            try await store.assignments(of: assessment).contains(where: {
                $0.userID == user.id && ($0.unitID == nil || $0.unitID == unit)
            })
        {
            return .reviewer
        }
        return nil
    }

    /// The scope of a unit already read (enrolled, visible) for `user`, or nil when the user may see none
    /// of its evidence.
    static func of(_ assessment: Assessment, _ unit: AssessedUnit, for user: User, store: any KaoheStore)
        async throws -> EvidenceScope?
    {
        guard let access = try await access(of: user, to: unit.id, in: assessment.id, store: store) else { return nil }
        return EvidenceScope(assessment: assessment, unit: unit, access: access)
    }
}

/// An uploaded file, checked and staged in the evidence store's temporary folder but not yet stored: pass it
/// to ``EvidenceOperations/record(_:scope:item:purpose:by:)`` (or ``EvidenceOperations/storeObjectionEvidence(_:assessment:unit:item:by:)``).
/// Dropped without being recorded, its temporary file is removed.
public struct ReceivedFile: Sendable {
    /// The form field it came in.
    public var field: String
    /// The cleaned file name (with an extension that fits the content).
    public var fileName: String
    /// The kind decided from the content.
    public var kind: EvidenceKind
    /// Its size in bytes.
    public var size: Int
    /// Its SHA-256.
    public var sha256: String
    /// The staged bytes.
    package let staged: StagedEvidence

    /// A file staged and checked by the web layer's upload reading.
    package init(field: String, fileName: String, kind: EvidenceKind, size: Int, sha256: String, staged: StagedEvidence)
    {
        self.field = field
        self.fileName = fileName
        self.kind = kind
        self.size = size
        self.sha256 = sha256
        self.staged = staged
    }
}

/// The evidence index (佐证材料目录清单) of a unit: items in the scheme's order, numbered 1, 2, …, their files
/// numbered 1-1, 1-2, … (withdrawn files keep no number and are listed apart).
public struct EvidenceIndex: Sendable {
    /// One item with its files.
    public struct Entry: Sendable {
        /// The item's number in the list (its position in the scheme's items for the unit).
        public var number: Int
        /// The item id.
        public var itemID: String
        /// The item's title (`id 名称`).
        public var title: String
        /// What evidence the scheme asks for.
        public var expected: String
        /// The current files with their numbers (`1-1`, `1-2`, …).
        public var files: [(number: String, file: EvidenceFile)]
    }

    /// The scope it was read in.
    public var scope: EvidenceScope
    /// The scheme's title.
    public var schemeTitle: String
    /// The items.
    public var entries: [Entry]
    /// Withdrawn files, kept and shown struck through.
    public var withdrawn: [EvidenceFile]
    /// Display names of uploaders and those who withdrew.
    public var names: [UserID: String]
    /// When the list was made.
    public var generatedAt: Date

    /// All current files.
    public var fileCount: Int { entries.reduce(0) { $0 + $1.files.count } }
    /// Their total size.
    public var totalSize: Int { entries.reduce(0) { $0 + $1.files.reduce(0) { $0 + $1.file.size } } }
}

/// The self-check report (自查报告) of a unit, for the ZIP package.
public struct SelfCheckReport: Sendable {
    /// One item's row.
    public struct Row: Sendable {
        /// The item's number.
        public var number: Int
        /// `id 名称`.
        public var title: String
        /// The item's maximum.
        public var max: String
        /// The self-score, or nil.
        public var selfScore: String?
        /// The explanation (说明).
        public var note: String
        /// The claimed facts (JSON), or nil.
        public var claimedFacts: String?
        /// How many current evidence files.
        public var evidenceCount: Int
    }

    /// The index it belongs to.
    public var index: EvidenceIndex
    /// The rows.
    public var rows: [Row]
    /// The sum of the self-scores given.
    public var total: String
    /// The latest submission, if any.
    public var submission: Submission?
    /// How many submissions there were.
    public var submissionCount: Int
}

/// The evidence operations behind the pages: access checks, streaming uploads into the evidence store, the
/// index, the package and withdrawal.
public struct EvidenceOperations: Sendable {
    let deps: AppDependencies
    var store: any KaoheStore { deps.store }
    package var files: EvidenceStore { deps.evidence }

    /// Creates the operations.
    public init(_ deps: AppDependencies) { self.deps = deps }

    /// The permission message for users who may see no evidence at all (leaders).
    static let readLabel = "查看佐证材料（需单位填报人、评分人、考核组织者或管理员角色）"

    // MARK: Access

    /// The unit's evidence scope for `user`. Users without any evidence role get 403; a unit the user may
    /// not see (another unit's reporter, an evaluator without an assignment for it) is "not found", so its
    /// existence is not revealed.
    public func scope(_ id: String, unit unitText: String, for user: User) async throws -> EvidenceScope {
        guard user.can(.selfAssess) || user.can(.review) else { throw AppError.forbidden(Self.readLabel) }
        let hidden = AppError.notFound("考核 \(id) 中的单位 \(unitText)")
        guard let assessment = try await store.assessment(AssessmentID(id)) else { throw AppError.notFound("考核 \(id)") }
        let unitID = UnitID(unitText)
        guard let access = try await EvidenceScope.access(of: user, to: unitID, in: assessment.id, store: store) else {
            throw hidden
        }
        guard try await store.enrolments(of: assessment.id).contains(where: { $0.unitID == unitID }),
            let unit = try await store.unit(unitID)
        else { throw hidden }
        return EvidenceScope(assessment: assessment, unit: unit, access: access)
    }

    /// One evidence record and the path of its bytes, if the user may see it; otherwise "not found"
    /// (the same answer as for an id that does not exist).
    public func file(_ id: String, for user: User) async throws -> (file: EvidenceFile, path: String) {
        let (file, _) = try await visibleRecord(id, for: user)
        guard let size = files.size(of: file.sha256), size == file.size else {
            throw AppError.unavailable(EvidenceStoreError.missingBlob(file.sha256).description)
        }
        return (file, try files.path(for: file.sha256))
    }

    func visibleRecord(_ id: String, for user: User) async throws -> (EvidenceFile, EvidenceScope) {
        guard user.can(.selfAssess) || user.can(.review) else { throw AppError.forbidden(Self.readLabel) }
        let notFound = AppError.notFound("佐证材料 \(id)")
        guard let file = try await store.evidence(EvidenceID(id)) else { throw notFound }
        let scope: EvidenceScope
        do {
            scope = try await self.scope(file.assessmentID.rawValue, unit: file.unitID.rawValue, for: user)
        } catch AppError.notFound {
            throw notFound
        }
        guard scope.maySee(file) else { throw notFound }
        return (file, scope)
    }

    /// The scheme items that apply to the unit, in the scheme's order.
    func items(_ scope: EvidenceScope) async throws -> (scheme: Scheme, items: [Item]) {
        let scheme = try await SchemeCatalog(deps).scheme(scope.assessment.schemeID).scheme
        let unitType = ScoringRules.schemeUnitType(for: scope.unit, in: scheme)
        return (scheme, ScoreGroup.all(in: scheme, unitType: unitType).compactMap(\.item))
    }

    // MARK: Upload

    /// Checks, before any byte of the body is read, that `user` may upload evidence for the item, and says
    /// with which purpose: the unit's reporter while the self-assessment is open (进行中/评分), evaluators
    /// (where assigned), organizers and administrators until the assessment is final.
    public func prepareUpload(_ id: String, unit: String, item: String, for user: User) async throws
        -> (scope: EvidenceScope, item: Item, purpose: EvidencePurpose)
    {
        let scope = try await scope(id, unit: unit, for: user)
        let (scheme, items) = try await items(scope)
        guard let schemeItem = items.first(where: { $0.id == item }) else {
            throw AppError.notFound("方案“\(scheme.id)”中适用于本单位的考核项目“\(item)”")
        }
        let state = scope.assessment.state
        guard state != .final else { throw AppError.conflict("考核已定稿，不能再上传佐证材料") }
        switch scope.access {
        case .unitReporter:
            guard state == .open || state == .scoring else {
                throw AppError.conflict(
                    state == .publicity
                        ? "考核处于“公示”阶段，自评佐证材料已不能上传；如有异议，请在提出异议时上传佐证"
                        : "考核处于“\(state.displayName)”阶段，尚不能上传佐证材料")
            }
            return (scope, schemeItem, .selfAssessment)
        case .reviewer:
            let mine = try await store.assignments(of: scope.assessment.id).filter { $0.userID == user.id }
            guard mine.contains(where: { $0.covers(unit: scope.unit.id, item: item) }) else {
                throw AppError.forbidden("未分配您为该单位该项目（\(item)）的评分人")
            }
            return (scope, schemeItem, .finding)
        case .manager:
            return (scope, schemeItem, .finding)
        }
    }

    /// Stores a received file under its hash and records it for the unit's item.
    public func record(
        _ received: ReceivedFile, scope: EvidenceScope, item: String, purpose: EvidencePurpose, by user: User
    ) async throws -> EvidenceFile {
        let evidence = EvidenceFile(
            assessmentID: scope.assessment.id, unitID: scope.unit.id, itemID: item, sha256: received.sha256,
            fileName: received.fileName, contentType: received.kind.contentType, size: received.size,
            purpose: purpose, uploadedBy: user.id, uploadedAt: deps.now())
        do {
            let staged = received.staged
            _ = try await NIOThreadPool.singleton.runIfActive { try staged.commit() }
        } catch let error as EvidenceStoreError {
            throw AppError.unavailable(error.description)
        }
        // Should the record be refused now (e.g. the assessment became final a moment ago) the blob stays:
        // it is complete, content-addressed and may already be shared by another record.
        try await store.addEvidence(evidence, by: .user(user, reason: "上传\(purpose.displayName)“\(received.fileName)”"))
        return evidence
    }

    // MARK: Objections
    /// Stores one received file as objection evidence (异议佐证) of the unit's item and returns its record.
    public func storeObjectionEvidence(
        _ file: ReceivedFile, assessment id: String, unit: String, item: String, by user: User
    ) async throws -> EvidenceFile {
        let scope = try await objectionScope(id, unit: unit, for: user)
        let (scheme, items) = try await items(scope)
        guard items.contains(where: { $0.id == item }) else {
            throw AppError.notFound("方案“\(scheme.id)”中适用于本单位的考核项目“\(item)”")
        }
        return try await record(file, scope: scope, item: item, purpose: .objection, by: user)
    }

    package func objectionScope(_ id: String, unit: String, for user: User) async throws -> EvidenceScope {
        let scope = try await scope(id, unit: unit, for: user)
        guard scope.access == .unitReporter else { throw AppError.forbidden("只有本单位填报人可以提出异议并上传佐证") }
        guard scope.assessment.state == .publicity else {
            throw AppError.conflict("考核处于“\(scope.assessment.state.displayName)”阶段，只有公示期间可以随异议上传佐证材料")
        }
        return scope
    }

    // MARK: Withdraw

    /// Withdraws a file with a reason: the record and the bytes stay (shown struck through, still
    /// downloadable); who, when and why are recorded and audited. The unit's reporter withdraws the unit's
    /// own uploads, evaluators their own, organizers and administrators any.
    public func withdraw(_ id: String, reason: String, by user: User) async throws -> (EvidenceFile, EvidenceScope) {
        let (file, scope) = try await visibleRecord(id, for: user)
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        switch scope.access {
        case .manager: break
        case .unitReporter:
            guard file.purpose != .finding else { throw AppError.forbidden("评分人上传的问题佐证只能由上传人或考核组织者撤回") }
        case .reviewer:
            guard file.uploadedBy == user.id else { throw AppError.forbidden("只能撤回自己上传的材料") }
        }
        guard !reason.isEmpty else { throw AppError.invalid("请填写“撤回理由”") }
        try InputRules.note(reason, field: "撤回理由", limit: 1000)
        guard reason.count <= 500 else { throw AppError.invalid("“撤回理由”不能超过500字") }
        guard file.withdrawnAt == nil else { throw AppError.conflict("佐证材料“\(file.fileName)”已于此前撤回") }
        let updated = try await store.withdrawEvidence(file.id, reason: reason, by: .user(user, reason: reason))
        return (updated, scope)
    }

    // MARK: Index and package

    /// The evidence index of a unit.
    public func index(_ id: String, unit: String, for user: User) async throws -> EvidenceIndex {
        try await index(scope(id, unit: unit, for: user))
    }

    func index(_ scope: EvidenceScope) async throws -> EvidenceIndex {
        let (scheme, items) = try await items(scope)
        // In upload order (the store orders by item and audit position, so files of the same second keep theirs).
        let all = try await store.evidence(assessment: scope.assessment.id, unit: scope.unit.id).filter(scope.maySee)
        let current = Dictionary(grouping: all.filter { $0.withdrawnAt == nil }, by: \.itemID)
        var entries: [EvidenceIndex.Entry] = []
        for (offset, item) in items.enumerated() {
            let files = current[item.id] ?? []
            entries.append(
                EvidenceIndex.Entry(
                    number: offset + 1, itemID: item.id, title: "\(item.id) \(item.name)", expected: item.evidence,
                    files: files.enumerated().map { ("\(offset + 1)-\($0.offset + 1)", $0.element) }))
        }
        // Files of items the scheme no longer lists for the unit are not dropped: they get numbers after the rest.
        let known = Set(items.map(\.id))
        for itemID in current.keys.filter({ !known.contains($0) }).sorted() {
            let number = entries.count + 1
            let files = current[itemID] ?? []
            entries.append(
                EvidenceIndex.Entry(
                    number: number, itemID: itemID, title: "\(itemID)（方案中已无此项目）", expected: "",
                    files: files.enumerated().map { ("\(number)-\($0.offset + 1)", $0.element) }))
        }
        var names: [UserID: String] = [:]
        for userID in Set(all.compactMap(\.uploadedBy) + all.compactMap(\.withdrawnBy)) {
            names[userID] = try await store.user(userID)?.displayName
        }
        return EvidenceIndex(
            scope: scope, schemeTitle: scheme.title, entries: entries,
            withdrawn: all.filter { $0.withdrawnAt != nil }, names: names,
            generatedAt: deps.now())
    }

    /// The self-check report and the index of a unit, for the ZIP package. Checks that every file's
    /// bytes are in the store before anything is sent.
    public func package(_ id: String, unit: String, for user: User) async throws -> SelfCheckReport {
        let scope = try await scope(id, unit: unit, for: user)
        let index = try await index(scope)
        for entry in index.entries {
            for (_, file) in entry.files where files.size(of: file.sha256) != file.size {
                throw AppError.unavailable(
                    "佐证材料“\(file.fileName)”的文件缺失或已损坏，无法打包，请联系管理员（SHA-256 \(file.sha256.prefix(12))…）")
            }
        }
        let (scheme, _) = try await items(scope)
        let entries = Dictionary(
            try await store.selfAssessment(assessment: scope.assessment.id, unit: scope.unit.id).map {
                ($0.itemID, $0)
            },
            uniquingKeysWith: { a, _ in a })
        let maxima = Dictionary(scheme.items.map { ($0.id, $0.max.description) }, uniquingKeysWith: { a, _ in a })
        var total = ExactDecimal.zero
        var rows: [SelfCheckReport.Row] = []
        for entry in index.entries {
            let saved = entries[entry.itemID]
            if let text = saved?.selfScore, let score = ExactDecimal(text) { total += score }
            rows.append(
                SelfCheckReport.Row(
                    number: entry.number, title: entry.title, max: maxima[entry.itemID] ?? "",
                    selfScore: saved?.selfScore, note: saved?.note ?? "", claimedFacts: saved?.claimedFacts,
                    evidenceCount: entry.files.count))
        }
        let submissions = try await store.submissions(assessment: scope.assessment.id, unit: scope.unit.id)
        return SelfCheckReport(
            index: index, rows: rows, total: total.description, submission: submissions.last,
            submissionCount: submissions.count)
    }
}

/// File names of uploads: cleaned for display and for the ZIP package. The name is never used on disk.
public enum EvidenceNames {
    /// The longest name kept, in characters.
    public static let maxLength = 120

    /// The last path component (of `/` or `\` paths), without control characters, NUL, bidirectional
    /// overrides, zero-width characters and the characters Windows refuses; trimmed of spaces and dots;
    /// at most ``maxLength`` characters (the extension kept); `未命名文件` when nothing is left.
    public static func clean(_ raw: String) -> String {
        let last = raw.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        var scalars = String.UnicodeScalarView()
        for scalar in last.unicodeScalars {
            let v = scalar.value
            if v < 0x20 || (0x7F...0x9F).contains(v) { continue }  // C0, DEL, C1
            if (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v) || v == 0x200E || v == 0x200F
                || v == 0x061C
            {
                continue  // bidirectional controls
            }
            if (0x200B...0x200D).contains(v) || v == 0xFEFF || v == 0x2028 || v == 0x2029 || v == 0x2060 { continue }
            if (0xFFF9...0xFFFB).contains(v) || (0xE000...0xF8FF).contains(v) || v == 0xFFFD { continue }
            if "<>:\"|?*".unicodeScalars.contains(scalar) {
                scalars.append("_")
                continue
            }
            scalars.append(scalar)
        }
        var name = String(scalars).trimmingCharacters(
            in: CharacterSet.whitespaces.union(CharacterSet(charactersIn: ".")))
        if name.count > maxLength {
            let ext = (name as NSString).pathExtension
            let keep = ext.isEmpty || ext.count > 10 ? "" : "." + ext
            name = String(name.prefix(maxLength - keep.count)).trimmingCharacters(in: .whitespaces) + keep
        }
        let stem = ((name as NSString).deletingPathExtension).uppercased()
        let reserved = ["CON", "PRN", "AUX", "NUL"] + (1...9).flatMap { ["COM\($0)", "LPT\($0)"] }
        if reserved.contains(stem) { name = "_" + name }
        return name.isEmpty ? "未命名文件" : name
    }

    /// `name` with the kind's usual extension added when its own does not fit the content (a PNG called
    /// `x.pdf` becomes `x.pdf.png`), so a download never opens as something it is not.
    public static func fitting(_ name: String, to kind: EvidenceKind) -> String {
        let ext = (name as NSString).pathExtension.lowercased()
        if kind.extensions.contains(ext) { return name }
        let added = "." + (kind.extensions.first ?? "bin")
        if name.count + added.count > maxLength { return String(name.prefix(maxLength - added.count)) + added }
        return name + added
    }

    /// A name for a ZIP entry: the cleaned name with `/` and `\` impossible and nothing empty.
    public static func zipComponent(_ text: String) -> String {
        let cleaned = clean(text).replacingOccurrences(of: "/", with: "_")
        return cleaned == "." || cleaned == ".." ? "_" : cleaned
    }
}
