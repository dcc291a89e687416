import Foundation
import KaoheEngine
import KaoheStorage

/// The demo's rater round (评议) on Changbai's 营商环境 scheme: 8 county leaders, the county departments rating
/// each other (never their own) and about 1,000 public ballots through one-time codes; closed, so item 3 is scored.
extension DemoLoader {
    /// The assessment with the rater round.
    public static let raterAssessment = "demo-changbai-2020-yingshang"
    /// Its `raters` item.
    static let raterItem = "3"
    /// The round's id.
    public static let raterRoundID = RaterRoundID("demo-round-changbai-2020")
    /// County leaders (named raters).
    static let countyLeaders = ["县委书记", "县长", "常务副县长", "副县长（分管营商环境）", "副县长（分管经济）", "县委副书记", "县人大常委会主任", "县政协主席"]
    /// Public ballots cast in the demo round (of 1,200 codes issued).
    static let publicBallots = 1000

    /// A small deterministic generator (the demo is the same every time).
    struct DemoRandom {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    func raterRound(_ assessment: Assessment, units: [AssessedUnit], organizer: User?) async throws -> Int {
        let store = deps.store
        let auth = AuthService(deps)
        let scheme = try await Operations(deps).scheme(of: assessment)
        guard let item = scheme.item(Self.raterItem) else { return 0 }
        var leaders: [User] = []
        for (index, title) in Self.countyLeaders.enumerated() {
            leaders.append(
                try await auth.createUser(
                    username: "demo-cb-leader\(index + 1)", displayName: "演示·\(title)", password: Self.password,
                    roles: [.leader], organizationID: OrganizationID("demo-org-changbai"), unitID: nil, by: actor))
        }
        var reporters: [UnitID: User] = [:]
        for unit in units {
            reporters[unit.id] = try await auth.createUser(
                username: "demo-\(unit.code)-reporter", displayName: "演示·\(unit.name)填报人", password: Self.password,
                roles: [.reporter], organizationID: OrganizationID("demo-org-changbai"), unitID: unit.id, by: actor)
        }
        var groups = RaterRules.defaultGroups(of: item)
        for index in groups.indices where groups[index].kind == .named {
            groups[index].raters = leaders.map(\.id)
        }
        let round = RaterRound(
            id: Self.raterRoundID, assessmentID: assessment.id, itemID: item.id, title: "长白县2020年度营商环境年终评议",
            groups: groups, createdAt: deps.now())
        try await store.createRaterRound(round, by: actor)
        _ = try await store.setRaterRoundState(round.id, to: .open, by: actor)
        var random = DemoRandom(state: 2020)
        // A unit's standing, 0…1: later units do a little worse.
        func quality(_ unit: AssessedUnit) -> Int { 92 - (units.firstIndex { $0.id == unit.id } ?? 0) * 3 }
        var sheets = 0
        let comments = ["办事效率高，服务态度好", "希望进一步压缩审批时限", "窗口人员业务熟练", "线上办理还不够方便"]
        for group in groups {
            switch group.kind {
            case .named:
                for leader in leaders {
                    var marks: [String: RaterMark] = [:]
                    for unit in units {
                        let mark = ExactDecimal(min(100, quality(unit) - 4 + random.below(9)))
                        marks[unit.id.rawValue] = RaterMark(mark: mark.description)
                    }
                    _ = try await store.saveRaterSheet(
                        RaterSheet(
                            roundID: round.id, groupID: group.id, raterID: leader.id.rawValue, marks: marks,
                            submitted: true, updatedAt: deps.now()), submit: true, by: .user(leader))
                    sheets += 1
                }
            case .units:
                for rater in units {
                    guard let reporter = reporters[rater.id] else { continue }
                    var marks: [String: RaterMark] = [:]
                    for unit in units where unit.id != rater.id {
                        let mark = ExactDecimal(min(100, quality(unit) - 8 + random.below(15)))
                        marks[unit.id.rawValue] = RaterMark(mark: mark.description)
                    }
                    _ = try await store.saveRaterSheet(
                        RaterSheet(
                            roundID: round.id, groupID: group.id, raterID: rater.id.rawValue, marks: marks,
                            submitted: true, updatedAt: deps.now()), submit: true, by: .user(reporter))
                    sheets += 1
                }
            case .public:
                let codes = RaterCodes.generate(Self.publicBallots + 200)
                try await store.addRaterCodes(codes.map(RaterCodes.hash), round: round.id, group: group.id, by: actor)
                let levels = group.levels.isEmpty ? RaterLevel.publicDefaults : group.levels
                for code in codes.prefix(Self.publicBallots) {
                    var marks: [String: RaterMark] = [:]
                    for unit in units {
                        let roll = random.below(100)
                        let satisfied = quality(unit) - 20
                        let level =
                            roll < satisfied
                            ? levels[0] : roll < 95 ? levels[min(1, levels.count - 1)] : levels[levels.count - 1]
                        let comment = random.below(40) == 0 ? comments[random.below(comments.count)] : ""
                        marks[unit.id.rawValue] = RaterMark(mark: level.points, comment: comment)
                    }
                    try await store.submitPublicRaterSheet(
                        codeHash: RaterCodes.hash(code), marks: marks, by: Operations.publicRater)
                    sheets += 1
                }
            }
        }
        _ = try await store.setRaterRoundState(round.id, to: .closed, by: organizer.map { .user($0) } ?? actor)
        // A few comments approved, so a unit sees them.
        for comment in try await store.raterComments(round: round.id).prefix(6) {
            try await store.moderateRaterComment(comment.id, round: round.id, to: .approved, by: actor)
        }
        return sheets
    }
}
