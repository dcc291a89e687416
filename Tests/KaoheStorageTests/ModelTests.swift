import Foundation
import KaoheEngine
import KaoheStorage
import KaoheTestSupport
import Testing

@Suite("Value models")
struct ModelTests {
    @Test("SHA-256 matches the FIPS 180-4 test vectors")
    func sha256Vectors() {
        #expect(SHA256.hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            SHA256.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(
            SHA256.hex(String(repeating: "a", count: 1000))
                == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
        #expect(SHA256.hex("考核") == "bdbf6d05f7bae9abaddf75a80b434088fdda0b51d813e6d8f57b3782407c3201")
        #expect(
            SHA256.hex([UInt8](repeating: 0x61, count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        #expect(SHA256.digest(Array("abc".utf8)).prefix(4) == [0xba, 0x78, 0x16, 0xbf])
        #expect(SHA256.digest([]).count == 32)
    }

    @Test("Audit hashes are those of the chain already stored (sha256 of the previous hash and the canonical row)")
    func auditHashesUnchanged() {
        // The values were computed outside Swift (Python's hashlib over the same canonical text), so existing
        // databases keep verifying whatever implements SHA-256 here.
        var first = AuditEntry(
            seq: 1, at: Date(timeIntervalSince1970: 100), actorID: nil, actorName: "系统", entity: "unit:1",
            action: "create", oldValue: nil, newValue: "{\"name\":\"甲\"}", reason: nil,
            prevHash: AuditEntry.genesisHash,
            hash: "")
        #expect(
            first.canonicalText
                == "seq=1\nat=100\nactor_id=null\nactor_name=\"系统\"\nentity=\"unit:1\"\naction=\"create\"\nold=null\n"
                + "new=\"{\\\"name\\\":\\\"甲\\\"}\"\nreason=null")
        #expect(first.expectedHash == "08ec2ebc983673c9a46acb0bf9fb4a3da938c7a5b3f7ab6d2e6d72ad702361f2")
        first.hash = first.expectedHash
        let second = AuditEntry(
            seq: 2, at: Date(timeIntervalSince1970: 101), actorID: UserID("u"), actorName: "admin", entity: "unit:1",
            action: "update", oldValue: "{\"name\":\"甲\"}", newValue: "{\"name\":\"乙\"}", reason: "更正\n名称",
            prevHash: first.hash, hash: "1cfc192aab871e65730c23297ac722d268d479caaafbb6edfd9f226ac84c472c")
        #expect(second.expectedHash == second.hash)
        #expect(AuditVerification.check([first, second]) == .intact(entries: 2))
    }

    @Test("Days parse only real yyyy-MM-dd dates")
    func days() {
        #expect(Day("2020-02-29")?.description == "2020-02-29")
        #expect(Day("2021-02-29") == nil)
        #expect(Day("1900-02-29") == nil)
        #expect(Day("2000-02-29") != nil)
        #expect(Day("2020-13-01") == nil)
        #expect(Day("2020-1-01") == nil)
        #expect(Day("2020-04-31") == nil)
        #expect(Day("20200401") == nil)
        #expect(Day("2020-09-27")! < Day("2020-10-10")!)
    }

    @Test("Unit types accept Chinese labels and raw keys, and reject the rest")
    func unitTypes() {
        #expect(UnitType(label: "县区") == .county)
        #expect(UnitType(label: " 市直部门 ") == .municipalDepartment)
        #expect(UnitType(label: "乡镇") == .township)
        #expect(UnitType(label: "provincial_unit") == .provincialUnit)
        #expect(UnitType(label: "县市") == nil)
        for type in UnitType.allCases { #expect(UnitType(label: type.displayName) == type) }
    }

    @Test("Typed ids encode as plain strings")
    func typedIDs() throws {
        let id = UnitID("abc")
        let data = try JSONEncoder().encode([id])
        #expect(String(decoding: data, as: UTF8.self) == "[\"abc\"]")
        #expect(try JSONDecoder().decode([UnitID].self, from: data) == [id])
        #expect(UnitID.generate() != UnitID.generate())
    }

    @Test("The life cycle only moves forward, 公示 may go back to 评分, final is terminal")
    func lifeCycle() {
        #expect(AssessmentState.draft.allowedNext == [.open])
        #expect(AssessmentState.publicity.allowedNext.contains(.scoring))
        #expect(AssessmentState.final.allowedNext.isEmpty)
        #expect(!AssessmentState.draft.acceptsFacts)
        #expect(!AssessmentState.final.acceptsFacts)
        #expect(AssessmentState.scoring.acceptsFacts)
    }

    @Test("An audit chain checks links and hashes")
    func auditChainCheck() {
        var first = AuditEntry(
            seq: 1, at: Date(timeIntervalSince1970: 100), actorID: nil, actorName: "系统", entity: "unit:1",
            action: "create",
            oldValue: nil, newValue: "{\"name\":\"甲\"}", reason: nil, prevHash: AuditEntry.genesisHash, hash: "")
        first.hash = first.expectedHash
        var second = AuditEntry(
            seq: 2, at: Date(timeIntervalSince1970: 101), actorID: UserID("u"), actorName: "admin", entity: "unit:1",
            action: "update", oldValue: "{\"name\":\"甲\"}", newValue: "{\"name\":\"乙\"}", reason: "更正\n名称",
            prevHash: first.hash,
            hash: "")
        second.hash = second.expectedHash
        #expect(AuditVerification.check([first, second]) == .intact(entries: 2))
        var edited = second
        edited.newValue = "{\"name\":\"丙\"}"
        #expect(AuditVerification.check([first, edited]) == .broken(seq: 2, reason: "内容与哈希不符（记录被改动过）"))
        #expect(AuditVerification.check([second]) == .broken(seq: 2, reason: "序号不连续：应为 1，实际为 2"))
        // Null and an empty string must hash differently.
        var nullReason = first
        nullReason.reason = ""
        #expect(nullReason.expectedHash != first.expectedHash)
    }

    @Test("The failing double throws and records every call")
    func failingStore() async {
        let store = FailingStore()
        await #expect(throws: StorageError.unexpectedCall("organizations()")) { try await store.organizations() }
        await #expect(throws: StorageError.self) { try await store.userCount() }
        #expect(store.calls == ["organizations()", "userCount()"])
    }

    @Test("Storage errors speak Chinese and name the value")
    func errorMessages() {
        #expect(StorageError.duplicate(what: "用户名", value: "admin").description == "用户名“admin”已存在")
        #expect(StorageError.versionConflict(entity: "事实数据", expected: 1, actual: 2).description.contains("第2版"))
    }
}
