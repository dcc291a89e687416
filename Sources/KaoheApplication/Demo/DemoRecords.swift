import Crypto
import Foundation
import KaoheEngine
import KaoheFormats
import KaoheRecords
import KaoheStorage

/// A year of plausible platform records for the demo's Xinbei and Pingqiao units (deterministic): cases,
/// consultations, complaints, supervision notices, monitor logins and power items for Xinbei (and the cases of
/// the year before, for the bonus's comparison); the supervision catalog, inspections, complaints and reports
/// for Pingqiao. Most work is done in time; some is late, some overdue, a little still open at the year's end.
enum DemoRecords {
    /// The rows of one organization's records, by type, as field → text.
    struct Rows {
        var byType: [(RecordType, [[String: String]])] = []
        var count: Int { byType.reduce(0) { $0 + $1.1.count } }
    }

    static func xinbei(units: [String], year: Int, workingDays: WorkingDayIndex) -> Rows {
        var random = SeededRandom(state: 2023)
        var cases: [[String: String]] = []
        var consultations: [[String: String]] = []
        var complaints: [[String: String]] = []
        var notices: [[String: String]] = []
        var logins: [[String: String]] = []
        var powers: [[String: String]] = []
        let end = Day(year: year, month: 12, day: 31)!
        for (position, unit) in units.enumerated() {
            // Units differ: the first ones work better than the last.
            let slack = 1 + position
            for (yearOffset, count) in [(0, 1800 + 300 * position), (-1, 1200 + 200 * position)] {
                for index in 0..<count {
                    let accepted = day(in: year + yearOffset, &random)
                    let promised = [1, 3, 5, 7, 10][random.next(5)]
                    let legal = promised + [0, 2, 5, 10][random.next(4)]
                    let lateness = random.next(20_000)
                    let taken: Int
                    if lateness < 2 * slack {
                        taken = legal + 1 + random.next(5)
                    } else if lateness < 6 * slack {
                        taken = promised + 1 + random.next(max(1, legal - promised))
                    } else {
                        taken = random.next(promised + 1)
                    }
                    let finished = workingDays.deadline(taken, after: accepted)
                    // Still open at the year's end (its promised term not yet over), or now and then left undone.
                    let open = workingDays.deadline(promised, after: accepted) >= end && random.chance(40)
                    let done = finished <= end && !open && random.next(20_000) >= slack
                    let online = yearOffset == 0 ? random.next(2000) >= 2 + position : random.next(100) < 80
                    cases.append([
                        "id": "\(unit)-\(year + yearOffset)-\(index + 1)", "unit": unit,
                        "channel": online ? "online" : "offline",
                        "accepted": accepted.description, "finished": done ? finished.description : "",
                        "promised_days": String(promised), "legal_days": String(legal),
                        "same_person": random.next(20_000) < slack ? "true" : "false",
                        "post_entry": random.next(20_000) < slack ? "true" : "false",
                        "irregular": random.next(30_000) < slack ? "true" : "false",
                    ])
                }
            }
            for index in 0..<(250 + 40 * position) {
                let received = day(in: year, &random)
                let roll = random.next(2000)
                let replied: String
                if roll < slack / 2 {
                    replied = ""
                } else {
                    let days = roll < 3 * slack ? 4 + random.next(3) : random.next(4)
                    let reply = workingDays.deadline(days, after: received)
                    replied = reply <= end ? reply.description : ""
                }
                consultations.append([
                    "id": "\(unit)-Q\(index + 1)", "unit": unit, "received": received.description, "replied": replied,
                ])
            }
            for index in 0..<(40 + 10 * position) {
                let received = day(in: year, &random)
                let days = random.next(1000) < 15 * slack ? 8 + random.next(5) : random.next(8)
                let closed = workingDays.deadline(days, after: received)
                complaints.append([
                    "id": "\(unit)-T\(index + 1)", "unit": unit, "received": received.description,
                    "closed": closed <= end ? closed.description : "", "limit_days": "7",
                ])
            }
            for index in 0..<(8 + position) {
                let issued = day(in: year, &random)
                let due = workingDays.deadline(10, after: issued)
                let replyDue = workingDays.deadline(5, after: issued)
                let closed = workingDays.deadline(random.next(100) < 8 * slack ? 12 : 6, after: issued)
                let replied = workingDays.deadline(random.next(100) < 10 * slack ? 7 : 3, after: issued)
                notices.append([
                    "id": "\(unit)-D\(index + 1)", "unit": unit, "issued": issued.description, "due": due.description,
                    "closed": closed <= end ? closed.description : "", "reply_due": replyDue.description,
                    "replied": replied <= end ? replied.description : "",
                ])
            }
            var loginDays = Set<Int32>()
            let wanted = 230 - 25 * position
            while loginDays.count < wanted {
                let date = day(in: year, &random)
                if workingDays.calendar.isWorkingDay(date) { loginDays.insert(date.daysSinceEpoch) }
            }
            for (index, date) in loginDays.sorted().enumerated() {
                logins.append([
                    "id": "\(unit)-L\(index + 1)", "unit": unit, "date": Day(daysSinceEpoch: date).description,
                    "monitor": "监察员\(position + 1)",
                ])
            }
            for index in 0..<(40 + 5 * position) {
                powers.append([
                    "id": "\(unit)-P\(index + 1)", "unit": unit, "name": "行政权力事项\(index + 1)",
                    "in_network": index < 40 + 5 * position - position ? "true" : "false",
                    "status": index % 9 == 8 ? "dormant" : "active",
                ])
            }
        }
        return Rows(byType: [
            (.case, cases), (.consultation, consultations), (.complaint, complaints), (.supervision, notices),
            (.monitorLogin, logins), (.power, powers),
        ])
    }

    static func pingqiao(units: [String], year: Int, workingDays: WorkingDayIndex) -> Rows {
        var random = SeededRandom(state: 2022)
        var matters: [[String: String]] = []
        var inspections: [[String: String]] = []
        var complaints: [[String: String]] = []
        var reports: [[String: String]] = []
        let end = Day(year: year, month: 12, day: 31)!
        for (position, unit) in units.enumerated() {
            let quality = 100 - (position * 7) % 35
            let catalog = 20 + position % 15
            for index in 0..<catalog {
                matters.append([
                    "id": "\(unit)-M\(index + 1)", "unit": unit, "name": "监管事项\(index + 1)", "listed": "",
                    "removed": "",
                ])
            }
            for index in 0..<(600 + 20 * position) {
                // Better units inspect more of their catalog.
                let covered = random.next(max(1, catalog * quality / 100))
                inspections.append([
                    "id": "\(unit)-I\(index + 1)", "unit": unit, "matter": "\(unit)-M\(covered + 1)",
                    "date": day(in: year, &random).description,
                    "correct": random.next(100) < quality - 5 ? "true" : "false",
                ])
            }
            for index in 0..<(30 + position % 10) {
                let received = day(in: year, &random)
                let days = random.next(100) < 100 - quality + 3 ? 8 + random.next(4) : random.next(8)
                let closed = workingDays.deadline(days, after: received)
                complaints.append([
                    "id": "\(unit)-T\(index + 1)", "unit": unit, "received": received.description,
                    "closed": closed <= end ? closed.description : "", "limit_days": "7",
                ])
            }
            for index in 0..<(4 + position % 8) {
                reports.append([
                    "id": "\(unit)-R\(index + 1)", "unit": unit, "date": day(in: year, &random).description,
                    "topic": "supervision", "adopted": random.chance(30) ? "true" : "false",
                ])
            }
        }
        return Rows(byType: [
            (.matter, matters), (.inspection, inspections), (.complaint, complaints), (.report, reports),
        ])
    }

    /// A day of `year`, uniform.
    static func day(in year: Int, _ random: inout SeededRandom) -> Day {
        let start = Day(year: year, month: 1, day: 1)!
        let days = Day(year: year, month: 12, day: 31)!.daysSinceEpoch - start.daysSinceEpoch + 1
        return Day(daysSinceEpoch: start.daysSinceEpoch + Int32(random.next(Int(days))))
    }

    /// Validates `rows` like an import and writes them for `organization` in batches, with the import log.
    static func write(
        _ rows: Rows, organization: OrganizationID, calendar: WorkCalendar, store: any KaoheStore, actor: AuditActor,
        now: Date
    ) async throws -> Int {
        var importer = RecordImport(years: calendar.years)
        importer.beginFile("演示数据")
        for (type, list) in rows.byType {
            for (index, row) in list.enumerated() {
                do { try importer.add(row, type: type, row: index + 2) } catch {
                    throw AppError.internalFailure("演示记录无效：\(error)")
                }
            }
        }
        var hash = SHA256()
        let importID = "demo-\(organization)"
        for (type, _) in rows.byType {
            for record in RecordCodec.stored(importer.records, type: type) {
                hash.update(data: Data("\(record.type)\t\(record.id)\t\(record.unitCode)\t\(record.fields)\n".utf8))
            }
        }
        let (counts, _) = try await Operations.writeRecordSet(
            importer.records, to: store, organization: organization, importID: importID, by: actor)
        let digest = hash.finalize().map { String(format: "%02x", $0) }.joined()
        try await store.finishRecordImport(
            RecordImportLog(
                id: importID, organizationID: organization, fileName: "演示数据（生成）", sha256: digest,
                types: rows.byType.map(\.0.rawValue), counts: counts,
                touchedUnits: Array(Set(rows.byType.flatMap { $0.1.compactMap { $0["unit"] } })).sorted(),
                userID: actor.userID, createdAt: now),
            by: actor)
        return counts.total
    }
}
