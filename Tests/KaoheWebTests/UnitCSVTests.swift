import Foundation
import KaoheStorage
import KaoheWeb
import Testing

@testable import KaoheApplication

@Suite("Unit CSV import")
struct UnitCSVTests {
    let org = OrganizationID("org")

    func errors(_ text: String, existing: [AssessedUnit] = []) -> [LineError] {
        do {
            _ = try UnitCSV.parse(text, organization: org, existing: existing)
            return []
        } catch {
            guard case .lineErrors(let lines) = error else { return [LineError(line: -1, message: "\(error)")] }
            return lines
        }
    }

    @Test("A good file with BOM, quotes, Chinese headers and parents after children imports parents first")
    func good() throws {
        let text = "\u{FEFF}编码,名称,类型,上级编码\r\nT1,\"某镇, 东区\",乡镇,C1\r\nC1,双鸭山市尖山区,县区,\r\nM1,\"市\"\"财政\"\"局\",市直部门,\r\n"
        let units = try UnitCSV.parse(text, organization: org, existing: [])
        #expect(units.map(\.code) == ["C1", "M1", "T1"])
        #expect(units[2].parentID == units[0].id)
        #expect(units[2].name == "某镇, 东区")
        #expect(units[1].name == "市\"财政\"局")
        #expect(units.map(\.type) == [.county, .municipalDepartment, .township])
        #expect(units.allSatisfy { $0.organizationID == org })
    }

    @Test("English headers and no parent column work; an existing unit can be a parent")
    func englishHeaders() throws {
        let parent = AssessedUnit(organizationID: org, code: "P", name: "上级", type: .county)
        let units = try UnitCSV.parse(
            "code,name,type,parent_code\nX,某乡,township,P\n", organization: org, existing: [parent])
        #expect(units.first?.parentID == parent.id)
        #expect(try UnitCSV.parse("编码,名称,类型\nA,甲,其他", organization: org, existing: []).count == 1)
    }

    @Test("Every bad line is reported with its line number")
    func lineErrors() {
        let text = """
            编码,名称,类型,上级编码
            A01,甲局,市直部门,
            A01,乙局,市直部门,
            B01,,县市,
            C01,丙局,乡镇
            D01,丁镇,乡镇,ZZZ
            E01,戊局,其他,E01
            """
        #expect(
            errors(text, existing: [AssessedUnit(organizationID: org, code: "OLD", name: "旧", type: .other)]) == [
                LineError(line: 3, message: "编码“A01”与第2行重复"),
                LineError(line: 4, message: "“名称”不能为空"),
                LineError(line: 4, message: "类型“县市”无法识别，可用：县区、市直部门、区直部门、乡镇、中省直单位、其他"),
                LineError(line: 5, message: "应有4列，实际3列"),
                LineError(line: 6, message: "上级编码“ZZZ”不存在（既不在文件中，也不是已有单位）"),
                LineError(line: 7, message: "上级编码不能是本单位自己（E01）"),
            ])
    }

    @Test("Line numbers count physical lines inside quoted fields")
    func multilineQuoted() {
        let text = "编码,名称,类型\nA,\"两行\n名称\",乡镇\nB,乙,错类型\n"
        #expect(errors(text).map(\.line) == [4])
    }

    @Test("Headers, empty files, duplicates of stored units, cycles and open quotes are refused")
    func structural() {
        #expect(errors("") == [LineError(line: 1, message: "文件为空，至少需要表头和一行单位")])
        #expect(errors("编码,名称,类型\n") == [LineError(line: 1, message: "只有表头，没有单位")])
        #expect(errors("code,名称\nA,甲") == [LineError(line: 1, message: "表头缺少列“类型”；表头应为：编码,名称,类型,上级编码")])
        #expect(
            errors(
                "编码,名称,类型\nOLD,甲,其他",
                existing: [AssessedUnit(organizationID: org, code: "OLD", name: "旧", type: .other)])
                == [LineError(line: 2, message: "编码“OLD”已存在于该组织")])
        #expect(errors("编码,名称,类型,上级编码\nA,甲,其他,B\nB,乙,其他,A\n").map(\.message) == ["上级编码形成循环（A）", "上级编码形成循环（B）"])
        #expect(errors("编码,名称,类型\nA,\"甲,其他\n") == [LineError(line: 2, message: "引号未闭合")])
    }
}
