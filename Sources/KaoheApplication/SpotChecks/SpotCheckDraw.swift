import Foundation
import KaoheStorage

/// The verifiable draw of a spot-check plan, exactly as `docs/spot-checks.md` describes it: anyone with the
/// revealed seed and the published population recomputes the same sample and the same assignment.
public enum SpotCheckAlgorithm {
    /// The random stream: SHA-256 of `seed:0`, `seed:1`, … (UTF-8), bytes in order; read 8 at a time as a
    /// big-endian unsigned 64-bit integer.
    public struct Stream {
        let seed: String
        var counter = 0
        var buffer: [UInt8] = []
        var position = 0

        /// A stream from the seed text.
        public init(seed: String) { self.seed = seed }

        mutating func byte() -> UInt8 {
            if position == buffer.count {
                buffer = KaoheStorage.SHA256.digest(Array("\(seed):\(counter)".utf8))
                counter += 1
                position = 0
            }
            defer { position += 1 }
            return buffer[position]
        }

        /// The next 64-bit number.
        public mutating func next64() -> UInt64 {
            var value: UInt64 = 0
            for _ in 0..<8 { value = value << 8 | UInt64(byte()) }
            return value
        }

        /// A uniform integer in [0, n) (n ≥ 1) by rejection: numbers at or above 2^64 − (2^64 mod n) are skipped.
        public mutating func uniform(_ n: Int) -> Int {
            precondition(n >= 1)
            let bound = UInt64(n)
            let remainder = (UInt64.max % bound + 1) % bound  // 2^64 mod n
            while true {
                let r = next64()
                if remainder == 0 || r < UInt64.max - remainder + 1 { return Int(r % bound) }
            }
        }

        /// Fisher–Yates: for i from the last index down to 1, swap element i with element uniform(i + 1).
        public mutating func shuffle<T>(_ list: inout [T]) {
            guard list.count > 1 else { return }
            for i in stride(from: list.count - 1, through: 1, by: -1) {
                list.swapAt(i, uniform(i + 1))
            }
        }
    }

    /// The number to sample from `n` objects: the fixed count, or ⌈n × ratio / 100⌉; at least `minimum`; at most n.
    public static func sampleSize(of n: Int, count: Int?, ratioPercent: Int?, minimum: Int) -> Int {
        let base = count ?? ((n * (ratioPercent ?? 0) + 99) / 100)
        return min(n, max(base, minimum))
    }

    /// Why a draw cannot be made.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// The Chinese message.
        public var description: String
    }

    /// Draws `plan` from `population` with `seed`:
    /// 1. the population sorted by key (Unicode code points);
    /// 2. units plans: one shuffle of the whole population, the first k taken; records plans: per unit in the
    ///    order of unit codes, that unit's records shuffled (continuing the same stream) and the first k of it taken;
    /// 3. the inspectors sorted by id, then shuffled;
    /// 4. each sampled object in drawn order goes to the eligible inspector (not of the object's unit, not
    ///    excluded from it) with the fewest objects so far, ties to the one first in the shuffled order.
    public static func draw(
        seed: String, plan: SpotCheckPlan, population unsorted: [SpotCheckObject], inspectorUnits: [String: String]
    ) throws -> SpotCheckDraw {
        var stream = Stream(seed: seed)
        let population = unsorted.sorted { $0.key.unicodeScalars.lexicographicallyPrecedes($1.key.unicodeScalars) }
        var sample: [SpotCheckObject] = []
        switch plan.population {
        case .units:
            var list = population
            stream.shuffle(&list)
            let k = sampleSize(
                of: list.count, count: plan.sampleCount, ratioPercent: plan.ratioPercent, minimum: plan.minimum)
            sample = Array(list.prefix(k))
        case .records:
            let codes = Set(population.map(\.unitCode)).sorted {
                $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars)
            }
            for code in codes {
                var list = population.filter { $0.unitCode == code }
                stream.shuffle(&list)
                let k = sampleSize(
                    of: list.count, count: plan.sampleCount, ratioPercent: plan.ratioPercent, minimum: plan.minimum)
                sample += list.prefix(k)
            }
        }
        var order = plan.inspectors.sorted {
            $0.rawValue.unicodeScalars.lexicographicallyPrecedes($1.rawValue.unicodeScalars)
        }
        stream.shuffle(&order)
        let excluded = Set(plan.exclusions)
        var load: [UserID: Int] = [:]
        var assignments: [SpotCheckAssignment] = []
        for object in sample {
            var chosen: UserID?
            for inspector in order
            where inspectorUnits[inspector.rawValue] != object.unitCode
                && !excluded.contains(SpotCheckExclusion(inspector: inspector, unitCode: object.unitCode))
            {
                if chosen == nil || load[inspector, default: 0] < load[chosen!, default: 0] { chosen = inspector }
            }
            guard let chosen else {
                throw Failure(description: "抽中的“\(object.label)”（\(object.key)）没有可回避冲突的检查人员：请增加检查人员或减少回避设置")
            }
            load[chosen, default: 0] += 1
            assignments.append(SpotCheckAssignment(object: object, inspector: chosen))
        }
        return SpotCheckDraw(
            seed: seed, population: population, inspectorOrder: order, inspectorUnits: inspectorUnits,
            assignments: assignments)
    }
}
