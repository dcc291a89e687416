import KaoheEngine

/// Every error the storage layer reports. Messages are Chinese and name the entity and value concerned.
public enum StorageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The entity (`what`, e.g. "单位") with `id` does not exist.
    case notFound(what: String, id: String)
    /// A value that must be unique is taken (e.g. username, unit code).
    case duplicate(what: String, value: String)
    /// Another writer saved first: the caller expected `expected`, the stored version is `actual` (nil: missing).
    case versionConflict(entity: String, expected: Int, actual: Int?)
    /// The assessment is final (定稿) and may not change.
    case locked(assessment: AssessmentID)
    /// The operation is not allowed in the assessment's current state.
    case invalidState(assessment: AssessmentID, state: AssessmentState, operation: String)
    /// A state change that the life cycle does not allow.
    case invalidTransition(from: AssessmentState, to: AssessmentState)
    /// Entering 公示 or 定稿 is only possible by publishing (``WorkflowStore/publish(_:by:)``).
    case publishRequired(to: AssessmentState)
    /// 定稿 while objections are still open.
    case openObjections(count: Int)
    /// 定稿 before the objection window has closed.
    case objectionWindowOpen(until: Day)
    /// A correction whose results equal the latest version's.
    case unchangedResults(version: Int)
    /// A field's value is not acceptable.
    case invalid(field: String, message: String)
    /// Refused by the current state of what it would change (a closed rater round, a used code); the text says why.
    case refused(String)
    /// A test double was called for something the test did not expect.
    case unexpectedCall(String)
    /// The database reported an error.
    case database(String)

    /// The message in Chinese.
    public var description: String {
        switch self {
        case .notFound(let what, let id): "\(what)不存在：\(id)"
        case .duplicate(let what, let value): "\(what)“\(value)”已存在"
        case .versionConflict(let entity, let expected, let actual):
            "保存冲突：\(entity) 已被他人修改（您基于第\(expected)版，当前为第\(actual.map(String.init) ?? "?")版）。请刷新后重新录入，您的内容未被覆盖。"
        case .locked(let id): "考核 \(id) 已定稿锁定，不能再修改"
        case .invalidState(_, let state, let operation): "考核当前为“\(state.displayName)”状态，不能\(operation)"
        case .invalidTransition(let from, let to): "考核状态不能从“\(from.displayName)”变为“\(to.displayName)”"
        case .publishRequired(let state): "进入“\(state.displayName)”须同时发布结果（发布版本），不能只改变状态"
        case .openObjections(let count): "还有\(count)条异议未答复，答复后才能定稿"
        case .objectionWindowOpen(let day): "公示期至\(day)，公示期结束后才能定稿"
        case .unchangedResults(let version): "当前结果与第\(version)版相同，无需发布新版本"
        case .invalid(let field, let message): "\(field)：\(message)"
        case .refused(let message): message
        case .unexpectedCall(let name): "测试替身被意外调用：\(name)"
        case .database(let message): "数据库错误：\(message)"
        }
    }
}
