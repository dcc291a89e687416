import Foundation
import KaoheEngine

/// Hand-made record files; the expected facts and scores are counted by hand in DeriveRunTests.
enum XinbeiRecords {
    static let cases = """
        id,unit,matter,channel,accepted,finished,promised_days,legal_days,same_person,post_entry,irregular
        c1,u1,M1,offline,2020-03-02,2020-03-04,5,10,false,false,false
        c2,u1,M1,offline,2020-09-25,2020-09-29,3,3,false,false,false
        c3,u1,M2,online,2020-09-30,2020-10-12,3,5,false,false,false
        c4,u1,M2,online,2020-09-30,2020-10-13,3,5,false,false,false
        c5,u1,,online,2020-06-01,,2,2,false,false,false
        c6,u1,,offline,2020-12-30,,3,5,false,false,false
        c7,u1,,online,2020-11-02,2021-01-10,1,1,false,false,false
        c8,u1,,online,2020-05-06,2020-05-06,0,1,true,true,false
        c9,u1,,offline,2020-04-01,2020-04-10,3,20,false,false,true
        c10,u1,,online,2019-05-06,2019-05-08,3,5,false,false,false
        c11,u2,,offline,2020-02-03,2020-02-04,1,5,0,0,0
        c12,u2,,online,2020-01-23,2020-02-04,1,2,否,否,否
        c13,u2,,online,2020-01-17,2020-01-19,1,1,,,
        c14,u3,,online,2019-07-01,2019-07-02,1,1,,,

        """

    static let consultations = """
        编号,单位,收到日期,回复日期
        q1,u1,2020-09-25,2020-09-29
        q2,u1,2020-09-30,2020-10-13
        q3,u1,2020-07-01,
        q4,u1,2020-12-30,
        q5,u2,2020-12-01,2021-01-04

        """

    static let logins = """
        {"type":"monitor_login","id":"l1","unit":"u1","date":"2020-03-01","monitor":"张三"}
        {"type":"monitor_login","id":"l2","unit":"u1","date":"2020-03-01","monitor":"李四"}

        {"type":"monitor_login","id":"l3","unit":"u1","date":"2020-03-02"}
        {"type":"monitor_login","id":"l4","unit":"u1","date":"2021-01-01","monitor":null}

        """

    static let supervisions = """
        id,unit,issued,due,closed,reply_due,replied
        s1,u1,2020-03-01,2020-03-10,2020-03-09,2020-03-05,2020-03-06
        s2,u1,2020-04-01,2020-04-10,2020-04-12,2020-04-05,2020-04-05
        s3,u1,2020-12-20,2021-01-10,,2020-12-25,
        s4,u1,2020-05-01,2020-05-10,2020-05-10,2020-05-03,2020-05-02

        """

    static let complaints = """
        id,unit,received,closed,limit_days
        p1,u1,2020-09-25,2020-10-12,
        p2,u1,2020-09-25,2020-10-13,7
        p3,u1,2020-06-01,,3
        p4,u1,2020-12-28,,

        """

    static let powers = """
        id,unit,name,in_network,status
        pw1,u1,行政许可A,false,active
        pw2,u1,"行政许可B,含逗号",否,休眠
        pw3,u1,行政许可C,true,在用
        """

    static let files: [(String, String)] = [
        ("case.csv", cases), ("consultation.csv", consultations), ("logins.jsonl", logins),
        ("supervision.csv", supervisions), ("complaint.csv", complaints), ("power.csv", powers),
    ]
}

enum PingqiaoRecords {
    static let files: [(String, String)] = [
        (
            "matter.csv",
            """
            id,unit,name,listed,removed
            m1,u1,事项一,,
            m2,u1,事项二,2022-03-01,
            m3,u1,事项三,2021-01-01,2022-06-30
            m4,u1,事项四,2023-01-05,

            """
        ),
        (
            "inspection.csv",
            """
            id,unit,matter,date,correct
            i1,u1,m1,2022-05-01,true
            i2,u1,m1,2022-06-01,false
            i3,u1,m3,2022-04-01,true
            i4,u1,m2,2021-12-31,true

            """
        ),
        (
            "complaint.csv",
            """
            id,unit,received,closed,limit_days
            p1,u1,2022-09-30,2022-10-14,
            p2,u1,2022-11-01,2022-11-15,3

            """
        ),
        (
            "report.csv",
            """
            id,unit,date,topic,adopted
            r1,u1,2022-01-10,supervision,false
            r2,u1,2022-02-10,互联网+监管工作信息,false
            r3,u1,2022-03-01,openness,false
            r4,u1,2023-01-02,supervision,false
            r5,u2,2022-05-05,supervision,true

            """
        ),
    ]
}

/// Writes files into a new temporary folder and returns their paths.
func writeFiles(_ files: [(String, String)]) throws -> [String] {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kaohe-derive-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return try files.map { name, text in
        let url = folder.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }
}

/// Writes raw bytes to a new temporary file.
func writeBytes(_ bytes: [UInt8], name: String) throws -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kaohe-derive-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let url = folder.appendingPathComponent(name)
    try Data(bytes).write(to: url)
    return url.path
}

func day(_ text: String) -> Day { Day(iso: text)! }
