import Foundation
import KaoheEngine
import KaoheStorage

/// Rater rounds (评议, shared/spec/raters.md): organizers set a round up from the scheme's `raters` item, open and
/// close it; named raters and units fill in ballot sheets (draft, then a final submission); the public rates with
/// one-time codes, without an account and anonymously. A closed round's tallies score the item.
extension Operations {
    /// What managing rounds needs.
    static let raterPermission = "管理评议（需考核组织者或管理员角色）"
    /// How guessing codes is slowed per client address: 10 wrong codes, then 1 s doubling up to 15 minutes.
    static let raterCodePolicy = LoginThrottlePolicy(accountThreshold: 10, addressThreshold: 10)
    /// The actor of public ballots.
    static let publicRater = AuditActor(userID: nil, name: "社会公众评议")
    /// The longest comment per unit.
    static let raterCommentLimit = 500

    func raterAssessment(_ id: String, for user: User) async throws -> Assessment {
        guard user.can(.manageAssessments) else { throw AppError.forbidden(Self.raterPermission) }
        guard let assessment = try await store.assessment(AssessmentID(id)) else { throw AppError.notFound("考核 \(id)") }
        return assessment
    }

    func storedRound(_ id: String) async throws -> (RaterRound, Assessment) {
        guard let round = try await store.raterRound(RaterRoundID(id)),
            let assessment = try await store.assessment(round.assessmentID)
        else { throw AppError.notFound("评议 \(id)") }
        return (round, assessment)
    }

    /// The round of a public sheet with its assessment and enrolled units. An open round is kept in memory for
    /// two seconds (a surge of public sheets reads it once, not four queries a sheet): its settings cannot change
    /// while it is open, and the sheet's own transaction checks again that it has not closed (opening or closing
    /// it by hand here forgets it). A round that is not open is read every time, so that opening it by its date
    /// takes effect at once.
    func publicRound(_ id: RaterRoundID) async throws -> (RaterRound, Assessment, [AssessedUnit]) {
        let read: @Sendable () async throws -> (RaterRound, Assessment, [AssessedUnit]) = {
            let (round, assessment) = try await self.storedRound(id.rawValue)
            return (round, assessment, try await self.enrolledUnits(assessment))
        }
        let now = deps.now()
        let key = Self.publicRoundKey(id, store: store) + "\(Int(now.timeIntervalSince1970 / 2))"
        let kept = try await deps.publicRounds.memo(key).value(read)
        return kept.0.status(at: now) == .open ? kept : try await read()
    }

    static func publicRoundKey(_ id: RaterRoundID, store: any KaoheStore) -> String {
        "\(ObjectIdentifier(store as AnyObject))/\(id)/"
    }

    func managedRound(_ id: String, by user: User) async throws -> (RaterRound, Assessment) {
        guard user.can(.manageAssessments) else { throw AppError.forbidden(Self.raterPermission) }
        return try await storedRound(id)
    }

    func raterItem(_ scheme: Scheme, _ itemID: String) throws -> Item {
        guard let item = scheme.item(itemID), case .raters = item.rule else {
            throw AppError.invalid("考核项“\(itemID)”不是评议项（方案中没有该项的 raters 规则）")
        }
        return item
    }

    /// The rounds of an assessment: all of them for organizers, else those where the user has a sheet to fill in.
    public func raterRoundIndex(_ id: String, for user: User) async throws -> RaterRoundIndex {
        guard user.can(.useSite) else { throw AppError.forbidden(Permission.useSite.label) }
        guard let assessment = try await store.assessment(AssessmentID(id)) else { throw AppError.notFound("考核 \(id)") }
        let scheme = try await self.scheme(of: assessment)
        let now = deps.now()
        let rounds = try await store.raterRounds(assessment: assessment.id)
        var mine: [(round: RaterRound, group: RaterGroupConfig, submitted: Bool)] = []
        for round in rounds {
            for group in round.groups {
                guard let rater = raterID(of: user, in: group) else { continue }
                let sheet = try await store.raterSheet(round: round.id, group: group.id, rater: rater)
                mine.append((round, group, sheet?.submitted ?? false))
            }
        }
        let manage = user.can(.manageAssessments)
        guard manage || !mine.isEmpty || user.can(.viewAssessments) else { throw AppError.notFound("考核 \(id)") }
        let items = scheme.items.compactMap { item -> (id: String, name: String)? in
            if case .raters = item.rule { return (item.id, item.name) }
            return nil
        }
        return RaterRoundIndex(
            assessment: assessment, rounds: manage ? rounds.map { ($0, $0.status(at: now)) } : [], items: items,
            canManage: manage, myBallots: mine)
    }

    /// Who the user rates as in a group: their user id (named groups), their unit (unit groups), else nil.
    func raterID(of user: User, in group: RaterGroupConfig) -> String? {
        switch group.kind {
        case .named: group.raters.contains(user.id) ? user.id.rawValue : nil
        case .units: user.has(.reporter) ? user.unitID?.rawValue : nil
        case .public: nil
        }
    }

    /// Creates a round for a `raters` item with the scheme's groups and their defaults (audited).
    public func createRaterRound(_ id: String, itemID: String, title: String, by user: User) async throws
        -> RaterRound
    {
        let assessment = try await raterAssessment(id, for: user)
        let scheme = try await self.scheme(of: assessment)
        let item = try raterItem(scheme, itemID)
        let name = title.trimmingCharacters(in: .whitespacesAndNewlines)
        let round = RaterRound(
            id: .generate(), assessmentID: assessment.id, itemID: item.id,
            title: name.isEmpty ? "\(assessment.year)年\(item.name)" : String(name.prefix(100)),
            groups: RaterRules.defaultGroups(of: item), createdAt: deps.now())
        try await store.createRaterRound(round, by: .user(user))
        return round
    }

    /// Replaces a round's settings from the form, while the round has not opened.
    public func updateRaterRound(_ id: String, _ form: RaterRoundForm, by user: User) async throws -> RaterRound {
        let (stored, assessment) = try await managedRound(id, by: user)
        var round = stored
        let title = form.title.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !title.isEmpty, title.count <= 100 else { throw AppError.invalid("评议名称：不能为空，最多100字") }
        round.title = title
        round.opensAt = try RaterRules.dateTime(form.opensAt, field: "开始时间")
        round.closesAt = try RaterRules.dateTime(form.closesAt, field: "结束时间")
        if let opens = round.opensAt, let closes = round.closesAt, closes <= opens {
            throw AppError.invalid("结束时间应晚于开始时间")
        }
        let users = try await store.users()
        let units = try await enrolledUnits(assessment)
        for entry in form.groups {
            guard let index = round.groups.firstIndex(where: { $0.id == entry.id }) else {
                throw AppError.invalid("评议组“\(entry.id)”不属于本评议")
            }
            var group = round.groups[index]
            let where_ = "评议组“\(group.label)”"
            guard let kind = RaterKind(rawValue: entry.kind) else { throw AppError.invalid("\(where_)的评议人类型无效") }
            group.kind = kind
            guard let trim = Int(entry.trim.trimmingCharacters(in: .whitespaces)), (0...10).contains(trim) else {
                throw AppError.invalid("\(where_)的去掉最高最低个数应为0至10的整数")
            }
            guard let minimum = Int(entry.minimum.trimmingCharacters(in: .whitespaces)), (1...10000).contains(minimum)
            else { throw AppError.invalid("\(where_)的最少票数应为1至10000的整数") }
            group.trim = trim
            group.minimum = minimum
            group.levels = try Self.levels(entry.levels, group: group)
            let names = Self.words(entry.raters)
            var raters: [UserID] = []
            for name in names {
                guard let found = users.first(where: { $0.username == name.lowercased() || $0.username == name }) else {
                    throw AppError.invalid("\(where_)的评议人“\(name)”不是系统中的用户名")
                }
                if !raters.contains(found.id) { raters.append(found.id) }
            }
            if kind == .named && raters.isEmpty { throw AppError.invalid("\(where_)由指定人员评议，请填写评议人的用户名") }
            group.raters = kind == .named ? raters : []
            var subset: [UnitID] = []
            for code in Self.words(entry.units) {
                guard let unit = units.first(where: { $0.code == code }) else {
                    throw AppError.invalid("\(where_)的被评单位“\(code)”不是本考核的单位编码")
                }
                subset.append(unit.id)
            }
            group.units = subset
            round.groups[index] = group
        }
        do {
            return try await store.updateRaterRound(round, by: .user(user))
        } catch let error as StorageError {
            throw AppError(error)
        }
    }

    static func words(_ text: String) -> [String] {
        text.split(whereSeparator: { ",，、;； \n\r\t".contains($0) }).map(String.init)
    }

    /// Reads `满意=100，基本满意=80，不满意=0` (empty: numbers).
    static func levels(_ text: String, group: RaterGroupConfig) throws -> [RaterLevel] {
        let scale = ExactDecimal(group.scale) ?? 100
        var levels: [RaterLevel] = []
        for part in words(text) {
            let pieces = part.split(whereSeparator: { "=＝:：".contains($0) }).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard pieces.count == 2, !pieces[0].isEmpty, let points = ExactDecimal(pieces[1]), points >= .zero,
                points <= scale, points.rounded(places: 2) == points
            else {
                throw AppError.invalid("评议组“\(group.label)”的等次“\(part)”应写作 名称=分值（分值0至\(scale)），如 满意=100")
            }
            guard !levels.contains(where: { $0.name == pieces[0] }) else {
                throw AppError.invalid("评议组“\(group.label)”的等次“\(pieces[0])”重复")
            }
            levels.append(RaterLevel(name: pieces[0], points: points.description))
        }
        return levels
    }

    /// Opens or closes a round by hand (audited); a closed round is frozen.
    public func setRaterRoundState(_ id: String, open: Bool, by user: User) async throws -> RaterRound {
        let (round, _) = try await managedRound(id, by: user)
        let (store, operations) = (store, self)
        let changed = try await committing {
            try await store.setRaterRoundState(round.id, to: open ? .open : .closed, by: .user(user))
        } notifying: { changed in
            open ? try await operations.raterNotes(changed, key: "opened") : []
        }
        // This instance's public pages see the change at once (others within the two seconds they keep it; a
        // sheet's transaction checks the round itself anyway).
        deps.publicRounds.forget { $0.hasPrefix(Self.publicRoundKey(round.id, store: store)) }
        return changed
    }

    /// The round's page for organizers.
    public func raterRoundReport(_ id: String, for user: User) async throws -> RaterRoundReport {
        let (found, _) = try await managedRound(id, by: user)
        try await recordDueRaterClosings(found.assessmentID)
        let (round, assessment) = try await storedRound(id)
        let scheme = try await self.scheme(of: assessment)
        let item = try raterItem(scheme, round.itemID)
        let parameters = ScoringRules.parameters(of: assessment, scheme: scheme)
        let units = try await enrolledUnits(assessment)
        let rows = try await store.raterTallies(round: round.id)
        let tallies = RaterRules.tallies(round: round, rows: rows, enrolled: units)
        let sheets = try await store.raterSheets(round: round.id)
        let codes = try await store.raterCodeCounts(round: round.id)
        let users = try await store.users()
        var groups: [RaterGroupReport] = []
        var reminders: [RaterReminder] = []
        var weights: [String: ExactDecimal] = [:]
        if case .raters(let ruleGroups, _) = item.rule {
            for group in ruleGroups {
                weights[group.fact.name] = scheme.parameter(group.weightParameter, overrides: parameters) ?? .zero
            }
        }
        for group in round.groups {
            let submitted = Set(sheets.filter { $0.groupID == group.id && $0.submitted }.map(\.raterID))
            let drafts = Set(sheets.filter { $0.groupID == group.id && !$0.submitted }.map(\.raterID))
            let response = RaterRules.response(of: group, sheets: sheets, codes: codes, units: units)
            switch group.kind {
            case .named:
                for rater in group.raters where !submitted.contains(rater.rawValue) {
                    let account = users.first { $0.id == rater }
                    reminders.append(
                        RaterReminder(
                            group: group.label,
                            name: account.map { "\($0.displayName)（\($0.username)）" } ?? rater.rawValue,
                            hasDraft: drafts.contains(rater.rawValue)))
                }
            case .units:
                let raters = units.filter { unit in
                    users.contains { $0.unitID == unit.id && $0.has(.reporter) }
                }
                for unit in units where !submitted.contains(unit.id.rawValue) {
                    let note = raters.contains(where: { $0.id == unit.id }) ? "" : "（该单位没有填报人账号）"
                    reminders.append(
                        RaterReminder(
                            group: group.label, name: "\(unit.name)\(note)", hasDraft: drafts.contains(unit.id.rawValue)
                        ))
                }
            case .public: break
            }
            groups.append(
                RaterGroupReport(
                    config: group, weight: weights[group.id] ?? .zero, expected: response.expected,
                    submitted: response.submitted))
        }
        // The item's score per unit, as results compute it once the round is closed.
        var scores: [UnitID: (score: String, explanation: String)] = [:]
        let context = try self.context(of: assessment, scheme: scheme)
        let explainer = Explainer(scheme: scheme)
        for unit in units {
            var bySlot: [Int: RaterTally] = [:]
            for (groupID, tally) in tallies[unit.id] ?? [:] {
                if let slot = scheme.slot(group: round.itemID, fact: groupID) { bySlot[slot] = tally }
            }
            let unitType = ScoringRules.schemeUnitType(for: unit, in: scheme)
            let input = UnitInput(
                id: unit.code, name: unit.name, unitType: unitType, facts: FactSheet(slotCount: scheme.slots.count),
                raterTallies: bySlot)
            let result = Engine.score(input, scheme: scheme, context: context)
            if let itemResult = result.items.first(where: { $0.itemID == round.itemID }) {
                let score = itemResult.state == .scored ? itemResult.score.twoDecimals : "待评"
                scores[unit.id] = (score, explainer.explain(itemResult, facts: input.facts))
            }
        }
        return RaterRoundReport(
            assessment: assessment, round: round, status: round.status(at: deps.now()), itemName: item.name,
            itemMax: item.max, groups: groups, units: units, tallies: tallies, scores: scores, reminders: reminders,
            comments: try await store.raterComments(round: round.id), canManage: true,
            candidates: users.sorted { $0.username < $1.username })
    }

    /// Generates `count` one-time codes for a public group; they are shown once (slips, CSV) and stored as hashes.
    public func generateRaterCodes(_ id: String, group groupID: String, count text: String, by user: User)
        async throws -> (round: RaterRound, group: RaterGroupConfig, codes: [String])
    {
        let (round, _) = try await managedRound(id, by: user)
        guard let group = round.group(groupID), group.kind == .public else {
            throw AppError.invalid("评议组“\(groupID)”不是社会公众评议组，不能生成评议码")
        }
        guard let count = Int(text.trimmingCharacters(in: .whitespaces)), (1...RaterCodes.maximumBatch).contains(count)
        else { throw AppError.invalid("评议码数量应为1至\(RaterCodes.maximumBatch)的整数") }
        let codes = RaterCodes.generate(count)
        do {
            try await store.addRaterCodes(codes.map(RaterCodes.hash), round: round.id, group: group.id, by: .user(user))
        } catch let error as StorageError {
            throw AppError(error)
        }
        return (round, group, codes)
    }

    /// A named rater's or a unit's ballot sheet.
    public func raterBallot(_ id: String, group groupID: String, for user: User) async throws -> RaterBallot {
        let (round, assessment) = try await storedRound(id)
        guard let group = round.group(groupID), let rater = raterID(of: user, in: group) else {
            throw AppError.forbidden("您不是评议组“\(round.group(groupID)?.label ?? groupID)”的评议人")
        }
        let units = try await enrolledUnits(assessment)
        let rated = RaterRules.ratedUnits(group, round: round, enrolled: units).filter { $0.id != user.unitID }
        let name =
            group.kind == .units ? units.first { $0.id.rawValue == rater }?.name ?? user.displayName : user.displayName
        return RaterBallot(
            round: round, status: round.status(at: deps.now()), group: group, raterID: rater, raterName: name,
            units: rated, sheet: try await store.raterSheet(round: round.id, group: group.id, rater: rater),
            assessmentTitle: assessment.title)
    }

    /// Reads the marks of a sheet: `marks[unit id] = (mark, comment)`. Refuses the rater's own unit and units the
    /// group does not rate; a submission must rate every unit of `units`.
    func readMarks(
        _ marks: [String: (mark: String, comment: String)], group: RaterGroupConfig, units: [AssessedUnit],
        ownUnit: UnitID?, complete: Bool
    ) throws -> [String: RaterMark] {
        if let ownUnit, let own = marks[ownUnit.rawValue], !own.mark.trimmingCharacters(in: .whitespaces).isEmpty {
            _ = own
            throw AppError.invalid("不能评议本单位：评议人从不评议自己所在的单位")
        }
        var result: [String: RaterMark] = [:]
        var missing: [String] = []
        let known = Set(units.map(\.id.rawValue))
        for key in marks.keys where !known.contains(key) {
            if !(marks[key]?.mark.trimmingCharacters(in: .whitespaces).isEmpty ?? true) {
                throw AppError.invalid("单位“\(key)”不在本评议组的被评单位中")
            }
        }
        for unit in units {
            let entry = marks[unit.id.rawValue]
            let text = entry?.mark.trimmingCharacters(in: .whitespaces) ?? ""
            let comment = (entry?.comment ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            guard comment.count <= Self.raterCommentLimit else {
                throw AppError.invalid("“\(unit.name)”的意见超过\(Self.raterCommentLimit)字")
            }
            if text.isEmpty {
                missing.append(unit.name)
                continue
            }
            switch RaterRules.mark(text, group: group, unitName: unit.name) {
            case .success(let mark): result[unit.id.rawValue] = RaterMark(mark: mark, comment: comment)
            case .failure(let error): throw error
            }
        }
        if complete && !missing.isEmpty {
            throw AppError.invalid("请为每个单位评分后再提交，尚未评分：\(missing.joined(separator: "、"))")
        }
        return result
    }

    /// Saves a named or unit sheet as a draft, or submits it (final).
    public func saveRaterBallot(
        _ id: String, group groupID: String, marks: [String: (mark: String, comment: String)], submit: Bool,
        by user: User
    ) async throws -> RaterSheet {
        let ballot = try await raterBallot(id, group: groupID, for: user)
        let read = try readMarks(
            marks, group: ballot.group, units: ballot.units, ownUnit: user.unitID, complete: submit)
        let sheet = RaterSheet(
            roundID: ballot.round.id, groupID: ballot.group.id, raterID: ballot.raterID, marks: read, submitted: submit,
            updatedAt: deps.now())
        do {
            return try await store.saveRaterSheet(sheet, submit: submit, by: .user(user))
        } catch let error as StorageError {
            throw AppError(error)
        }
    }

    /// The key under which a client address's wrong codes are counted, or nil without a usable address.
    static func codeThrottleKey(_ clientAddress: String?) -> LoginThrottleKey? {
        clientAddress.flatMap(LoginThrottleKey.address(client:)).flatMap { $0.address }.map {
            LoginThrottleKey.raterCodeAddress($0)
        }
    }

    /// Refuses a code (wrong, used, round not open): counted against the address and audited without the code.
    func refuseCode(_ reason: String, message: String, clientAddress: String?) async throws -> Never {
        let key = Self.codeThrottleKey(clientAddress)
        if let key { _ = try await store.recordLoginFailure([key], at: deps.now(), policy: Self.raterCodePolicy) }
        try await store.auditRefusedRaterCode(reason: reason, address: key?.address, by: Self.publicRater)
        throw AppError.conflict(message)
    }

    /// The public ballot sheet a code opens (no account). Wrong and used codes are refused, counted against the
    /// client address and audited.
    public func publicBallot(code text: String, clientAddress: String?) async throws -> (RaterBallot, code: String) {
        // The address's wrong codes slow it down before any code is looked at, a right one included.
        let code = RaterCodes.normalize(text)
        let (found, throttle) = try await store.raterCode(
            hash: RaterCodes.hash(code ?? text), throttleKey: Self.codeThrottleKey(clientAddress)?.text)
        let wait = throttle?.wait(at: deps.now()) ?? 0
        if wait > 0 { throw AppError.throttled("评议码输入错误次数过多，请\(wait)秒后再试") }
        guard let code else {
            try await refuseCode("malformed", message: "评议码不正确，请核对后重新输入", clientAddress: clientAddress)
        }
        guard let info = found else {
            try await refuseCode("unknown", message: "评议码不正确，请核对后重新输入", clientAddress: clientAddress)
        }
        if info.used {
            try await refuseCode("used", message: "此评议码已使用过，每个评议码只能评议一次", clientAddress: clientAddress)
        }
        let (round, assessment, enrolled) = try await publicRound(info.roundID)
        let status = round.status(at: deps.now())
        guard status == .open else {
            throw AppError.conflict(status == .closed ? "评议“\(round.title)”已结束，感谢您的关注" : "评议“\(round.title)”尚未开始")
        }
        guard let group = round.group(info.groupID) else { throw AppError.notFound("评议组 \(info.groupID)") }
        let units = RaterRules.ratedUnits(group, round: round, enrolled: enrolled)
        return (
            RaterBallot(
                round: round, status: status, group: group, raterID: "", raterName: "", units: units, sheet: nil,
                assessmentTitle: assessment.title), code
        )
    }

    /// Submits a public sheet with its code: every unit rated; the code is used up.
    public func submitPublicBallot(
        code text: String, marks: [String: (mark: String, comment: String)], clientAddress: String?
    ) async throws -> RaterRound {
        let (ballot, code) = try await publicBallot(code: text, clientAddress: clientAddress)
        let read = try readMarks(marks, group: ballot.group, units: ballot.units, ownUnit: nil, complete: true)
        do {
            try await store.submitPublicRaterSheet(codeHash: RaterCodes.hash(code), marks: read, by: Self.publicRater)
        } catch StorageError.refused(let message) {
            try await refuseCode("used", message: message, clientAddress: clientAddress)
        } catch let error as StorageError {
            throw AppError(error)
        }
        return ballot.round
    }

    /// Approves or hides a comment.
    public func moderateRaterComment(_ id: String, comment: String, status text: String, by user: User) async throws {
        let (round, _) = try await managedRound(id, by: user)
        guard let status = RaterCommentStatus(rawValue: text), status != .pending else {
            throw AppError.invalid("审核结果应为“通过”或“隐藏”")
        }
        do {
            try await store.moderateRaterComment(comment, round: round.id, to: status, by: .user(user))
        } catch let error as StorageError {
            throw AppError(error)
        }
    }

    /// The approved comments about the user's own unit in the assessment's closed rounds (for its reporters).
    public func approvedRaterComments(_ id: String, for user: User) async throws -> [RaterComment] {
        guard let unit = user.unitID, let assessment = try await store.assessment(AssessmentID(id)) else { return [] }
        var comments: [RaterComment] = []
        for round in try await store.raterRounds(assessment: assessment.id)
        where round.status(at: deps.now()) == .closed {
            comments += try await store.raterComments(round: round.id).filter {
                $0.unitID == unit && $0.status == .approved
            }
        }
        return comments
    }

    /// Records as closed (audited, by the system) the rounds of an assessment whose closing time has passed, so that
    /// a round closed by date freezes and scores like one closed by hand, and cached results move on.
    func recordDueRaterClosings(_ assessment: AssessmentID) async throws {
        let now = deps.now()
        for round in try await store.raterRounds(assessment: assessment)
        where round.state != .closed && round.status(at: now) == .closed {
            do {
                _ = try await store.setRaterRoundState(
                    round.id, to: .closed, by: AuditActor(userID: nil, name: "系统", reason: "评议到达结束时间，自动结束"))
            } catch StorageError.refused {
                continue  // closed meanwhile by someone else
            }
        }
    }

    /// The rater tallies that score an assessment's `raters` items: those of its closed rounds (the newest closed
    /// round of an item wins), per unit id and fact slot.
    func raterTallies(of assessment: Assessment, scheme: Scheme, units: [AssessedUnit]) async throws
        -> [UnitID: [Int: RaterTally]]
    {
        let now = deps.now()
        let rounds = try await store.raterRounds(assessment: assessment.id).filter { $0.status(at: now) == .closed }
        guard !rounds.isEmpty else { return [:] }
        var result: [UnitID: [Int: RaterTally]] = [:]
        for round in rounds {
            let rows = try await store.raterTallies(round: round.id)
            for (unit, groups) in RaterRules.tallies(round: round, rows: rows, enrolled: units) {
                for (groupID, tally) in groups {
                    if let slot = scheme.slot(group: round.itemID, fact: groupID) {
                        result[unit, default: [:]][slot] = tally
                    }
                }
            }
        }
        return result
    }
}
