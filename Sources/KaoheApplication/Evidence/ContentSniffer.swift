import Foundation

/// A kind of file the evidence store accepts, decided from the content.
public struct EvidenceKind: Sendable, Equatable {
    /// The MIME type stored and served.
    public var contentType: String
    /// A Chinese label, e.g. `PDF 文档`.
    public var label: String
    /// The file name extensions that fit (the first one is added to a name that has none of them).
    public var extensions: [String]

    public static let pdf = EvidenceKind(contentType: "application/pdf", label: "PDF 文档", extensions: ["pdf"])
    public static let png = EvidenceKind(contentType: "image/png", label: "PNG 图片", extensions: ["png"])
    public static let jpeg = EvidenceKind(
        contentType: "image/jpeg", label: "JPEG 图片", extensions: ["jpg", "jpeg", "jpe"])
    public static let gif = EvidenceKind(contentType: "image/gif", label: "GIF 图片", extensions: ["gif"])
    public static let webp = EvidenceKind(contentType: "image/webp", label: "WebP 图片", extensions: ["webp"])
    public static let bmp = EvidenceKind(contentType: "image/bmp", label: "BMP 图片", extensions: ["bmp"])
    public static let tiff = EvidenceKind(contentType: "image/tiff", label: "TIFF 图片", extensions: ["tif", "tiff"])
    public static let docx = EvidenceKind(
        contentType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        label: "Word 文档（DOCX）", extensions: ["docx", "wps"])
    public static let xlsx = EvidenceKind(
        contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        label: "Excel 表格（XLSX）", extensions: ["xlsx", "et"])
    public static let pptx = EvidenceKind(
        contentType: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        label: "PowerPoint 演示文稿（PPTX）", extensions: ["pptx", "dps"])
    public static let ofd = EvidenceKind(contentType: "application/ofd", label: "OFD 版式文档", extensions: ["ofd"])
    public static let zip = EvidenceKind(contentType: "application/zip", label: "ZIP 压缩包", extensions: ["zip"])
    public static let doc = EvidenceKind(
        contentType: "application/msword", label: "Word 文档（DOC）", extensions: ["doc", "wps"])
    public static let xls = EvidenceKind(
        contentType: "application/vnd.ms-excel", label: "Excel 表格（XLS）", extensions: ["xls", "et"])
    public static let ppt = EvidenceKind(
        contentType: "application/vnd.ms-powerpoint", label: "PowerPoint 演示文稿（PPT）", extensions: ["ppt", "dps"])
    public static let text = EvidenceKind(
        contentType: "text/plain; charset=utf-8", label: "文本文件", extensions: ["txt", "csv", "log", "md"])
    public static let legacyText = EvidenceKind(
        contentType: "text/plain; charset=gb18030", label: "文本文件（GB18030）", extensions: ["txt", "csv", "log"])

    /// What the platform accepts, for messages.
    public static let acceptedSummary =
        "PDF、OFD、图片（PNG/JPEG/GIF/WebP/BMP/TIFF）、Word/Excel/PowerPoint（DOC/DOCX/XLS/XLSX/PPT/PPTX）、ZIP 压缩包或纯文本"

    /// The `accept` attribute of the upload form's file input (a hint for the browser; the server decides by content).
    public static let acceptAttribute =
        ".pdf,.ofd,.png,.jpg,.jpeg,.gif,.webp,.bmp,.tif,.tiff,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.wps,.et,.dps,.zip,.txt,.csv"
}

/// What the sniffer decided about a file.
public enum SniffResult: Sendable, Equatable {
    /// Accepted as this kind.
    case accepted(EvidenceKind)
    /// Refused; the text says what the content is and why (Chinese, without the file name).
    case refused(String)
}

/// Decides the type of an uploaded file from its bytes (magic numbers, the ZIP central directory, the OLE2
/// directory), never from its name or the type the browser sent. ZIP-based files are inspected through
/// their central directory only: nothing is ever decompressed.
public enum ContentSniffer {
    /// How many leading bytes ``sniff(path:size:head:)`` wants in `head`.
    public static let headLength = 8192
    /// ZIPs that declare more than this uncompressed are refused as possible ZIP bombs (never expanded).
    public static let maxDeclaredUncompressed: UInt64 = 4 << 30
    /// … and so are ZIPs whose declared size is more than this many times their own size (above 100 MB).
    public static let maxCompressionRatio: UInt64 = 1000
    /// The largest central directory read.
    static let maxCentralDirectory = 16 << 20

    /// Decides the kind of the file at `path` (`size` bytes) whose first bytes are `head`.
    public static func sniff(path: String, size: Int, head: [UInt8]) -> SniffResult {
        guard size > 0 else { return .refused("空文件（0 字节）") }
        func starts(_ magic: [UInt8], at offset: Int = 0) -> Bool {
            head.count >= offset + magic.count && Array(head[offset..<offset + magic.count]) == magic
        }
        if starts([0x25, 0x50, 0x44, 0x46, 0x2D]) { return .accepted(.pdf) }  // %PDF-
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .accepted(.png) }
        if starts([0xFF, 0xD8, 0xFF]) { return .accepted(.jpeg) }
        if starts(Array("GIF87a".utf8)) || starts(Array("GIF89a".utf8)) { return .accepted(.gif) }
        if starts(Array("RIFF".utf8)) && starts(Array("WEBP".utf8), at: 8) { return .accepted(.webp) }
        if starts([0x49, 0x49, 0x2A, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2A]) { return .accepted(.tiff) }
        if starts(Array("BM".utf8)), head.count >= 18, [12, 40, 52, 56, 64, 108, 124].contains(Int(head[14])),
            head[15] == 0, head[16] == 0, head[17] == 0
        {
            return .accepted(.bmp)
        }
        if starts([0x50, 0x4B, 0x03, 0x04]) || starts([0x50, 0x4B, 0x05, 0x06]) {
            return zip(path: path, size: size)
        }
        if starts([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) { return ole2(path: path, size: size) }
        if let known = knownRefused(head) { return .refused(known) }
        // A PDF may have a few bytes before its header (Acrobat reads the first 1024).
        if let range = head.prefix(1024).firstRange(of: Array("%PDF-".utf8)), range.lowerBound > 0 {
            return .accepted(.pdf)
        }
        return text(path: path, size: size, head: head)
    }

    /// Recognised but refused contents, named.
    static func knownRefused(_ head: [UInt8]) -> String? {
        func starts(_ magic: [UInt8], at offset: Int = 0) -> Bool {
            head.count >= offset + magic.count && Array(head[offset..<offset + magic.count]) == magic
        }
        if starts([0x4D, 0x5A]) { return "Windows 可执行程序（EXE/DLL）" }
        if starts([0x7F, 0x45, 0x4C, 0x46]) { return "Linux 可执行程序（ELF）" }
        if starts([0xCF, 0xFA, 0xED, 0xFE]) || starts([0xCE, 0xFA, 0xED, 0xFE]) || starts([0xFE, 0xED, 0xFA, 0xCE])
            || starts([0xFE, 0xED, 0xFA, 0xCF]) || starts([0xCA, 0xFE, 0xBA, 0xBE])
        {
            return "macOS 可执行程序（Mach-O）或 Java 类文件"
        }
        if starts(Array("#!".utf8)) { return "脚本文件" }
        if starts(Array("Rar!".utf8)) { return "RAR 压缩包（只接受 ZIP 压缩包）" }
        if starts([0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C]) { return "7z 压缩包（只接受 ZIP 压缩包）" }
        if starts([0x1F, 0x8B]) { return "GZIP 压缩文件（只接受 ZIP 压缩包）" }
        if starts(Array("ftyp".utf8), at: 4) { return "音视频或 HEIC 图片（请转换为 JPEG 或 PDF）" }
        if starts(Array("{\\rtf".utf8)) { return "RTF 文档（请另存为 DOCX 或 PDF）" }
        if starts([0x00, 0x61, 0x73, 0x6D]) { return "WebAssembly 程序" }
        return nil
    }

    // MARK: Text

    /// Plain text: no NUL or other binary control bytes anywhere, and no markup (HTML, SVG, XML) that a
    /// browser could run. UTF-8 (with or without BOM), else taken as GB18030.
    static func text(path: String, size: Int, head: [UInt8]) -> SniffResult {
        guard let handle = FileHandle(forReadingAtPath: path) else { return .refused("无法读取的文件") }
        defer { try? handle.close() }
        let markers = ["<script", "<html", "<svg", "<!doctype", "<?xml", "<iframe", "<object", "<embed", "javascript:"]
            .map { Array($0.utf8) }
        var utf8Valid = true
        var utf8Carry: [UInt8] = []  // an incomplete UTF-8 sequence at the end of the previous read
        var markerCarry: [UInt8] = []  // the previous read's last bytes, lowercased, so no marker is cut in two
        var total = 0
        while true {
            let data = (try? handle.read(upToCount: 1 << 20)) ?? Data()
            if data.isEmpty { break }
            total += data.count
            for byte in data where (byte < 0x20 && ![0x09, 0x0A, 0x0C, 0x0D, 0x1A].contains(byte)) || byte == 0x7F {
                return .refused("二进制文件（无法识别的格式）")
            }
            let lowered = markerCarry + data.map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }
            for marker in markers where lowered.firstRange(of: marker) != nil {
                return .refused("网页或标记文件（HTML/SVG/XML，可能含脚本）")
            }
            markerCarry = Array(lowered.suffix(16))
            if utf8Valid {
                let bytes = utf8Carry + data
                let complete = bytes.count - trailingIncompleteUTF8(bytes)
                if String(validating: bytes[0..<complete], as: UTF8.self) == nil { utf8Valid = false }
                utf8Carry = Array(bytes[complete...])
            }
            if total >= size { break }
        }
        if !utf8Carry.isEmpty { utf8Valid = false }
        let start = head.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        let firstVisible = head[start...].first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
        if firstVisible == UInt8(ascii: "<") { return .refused("网页或标记文件（HTML/SVG/XML）") }
        return .accepted(utf8Valid ? .text : .legacyText)
    }

    /// How many bytes at the end of `bytes` start a UTF-8 sequence that is not complete yet.
    static func trailingIncompleteUTF8(_ bytes: [UInt8]) -> Int {
        var back = 0
        for byte in bytes.reversed().prefix(4) {
            back += 1
            if byte & 0xC0 == 0x80 { continue }  // continuation
            let needed = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1
            return needed > back ? back : 0
        }
        return 0
    }

    // MARK: ZIP (central directory only)

    /// One entry of a ZIP central directory.
    struct ZipEntry {
        var name: String
        var compressed: UInt64
        var uncompressed: UInt64
    }

    /// Why a ZIP's central directory could not be read (Chinese).
    struct ZipProblem: Error, ExpressibleByStringInterpolation {
        let message: String
        init(stringLiteral value: String) { message = value }
    }

    /// Reads the central directory of the ZIP at `path`, never the entries' data.
    static func zipDirectory(path: String, size: Int) -> Result<[ZipEntry], ZipProblem> {
        guard let handle = FileHandle(forReadingAtPath: path) else { return .failure("无法读取的文件") }
        defer { try? handle.close() }
        func read(_ offset: UInt64, _ count: Int) -> [UInt8]? {
            guard (try? handle.seek(toOffset: offset)) != nil, let data = try? handle.read(upToCount: count),
                data.count == count
            else { return nil }
            return [UInt8](data)
        }
        let tailLength = min(size, 22 + 0xFFFF)
        guard let tail = read(UInt64(size - tailLength), tailLength), tail.count >= 22 else {
            return .failure("损坏的 ZIP 文件（找不到中央目录）")
        }
        var eocd = -1
        var index = tail.count - 22
        while index >= 0 {
            if tail[index] == 0x50, tail[index + 1] == 0x4B, tail[index + 2] == 0x05, tail[index + 3] == 0x06 {
                eocd = index
                break
            }
            index -= 1
        }
        guard eocd >= 0 else { return .failure("损坏的 ZIP 文件（找不到中央目录）") }
        var count = UInt64(le16(tail, eocd + 10))
        var directorySize = UInt64(le32(tail, eocd + 12))
        var directoryOffset = UInt64(le32(tail, eocd + 16))
        if count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            // ZIP64: the locator sits just before the end record and points at the ZIP64 end record.
            let locatorAt = UInt64(size - tailLength + eocd) - 20
            guard eocd >= 0, let locator = read(locatorAt, 20), le32(locator, 0) == 0x0706_4B50 else {
                return .failure("损坏的 ZIP64 文件（找不到 ZIP64 目录）")
            }
            let recordAt = le64(locator, 8)
            guard recordAt < UInt64(size), let record = read(recordAt, 56), le32(record, 0) == 0x0606_4B50 else {
                return .failure("损坏的 ZIP64 文件（找不到 ZIP64 目录）")
            }
            count = le64(record, 32)
            directorySize = le64(record, 40)
            directoryOffset = le64(record, 48)
        }
        guard directorySize <= UInt64(maxCentralDirectory) else {
            return .failure("ZIP 中央目录过大（\(directorySize) 字节）")
        }
        guard directoryOffset + directorySize <= UInt64(size),
            let directory = read(directoryOffset, Int(directorySize))
        else { return .failure("损坏的 ZIP 文件（中央目录位置超出文件）") }
        var entries: [ZipEntry] = []
        var at = 0
        while at + 46 <= directory.count, entries.count < Int(min(count, 1 << 20)) {
            guard le32(directory, at) == 0x0201_4B50 else { return .failure("损坏的 ZIP 文件（中央目录记录无效）") }
            var compressed = UInt64(le32(directory, at + 20))
            var uncompressed = UInt64(le32(directory, at + 24))
            let nameLength = Int(le16(directory, at + 28))
            let extraLength = Int(le16(directory, at + 30))
            let commentLength = Int(le16(directory, at + 32))
            let end = at + 46 + nameLength + extraLength + commentLength
            guard end <= directory.count else { return .failure("损坏的 ZIP 文件（中央目录记录无效）") }
            let name = String(decoding: directory[(at + 46)..<(at + 46 + nameLength)], as: UTF8.self)
            // ZIP64 extended information: the 8-byte sizes replace those that are 0xFFFFFFFF, in this order.
            var extra = at + 46 + nameLength
            let extraEnd = extra + extraLength
            while extra + 4 <= extraEnd {
                let tag = le16(directory, extra), length = Int(le16(directory, extra + 2))
                if tag == 0x0001 {
                    var field = extra + 4
                    if uncompressed == 0xFFFF_FFFF, field + 8 <= extra + 4 + length {
                        uncompressed = le64(directory, field)
                        field += 8
                    }
                    if compressed == 0xFFFF_FFFF, field + 8 <= extra + 4 + length {
                        compressed = le64(directory, field)
                    }
                }
                extra += 4 + length
            }
            entries.append(ZipEntry(name: name, compressed: compressed, uncompressed: uncompressed))
            at = end
        }
        return .success(entries)
    }

    static func zip(path: String, size: Int) -> SniffResult {
        let entries: [ZipEntry]
        switch zipDirectory(path: path, size: size) {
        case .failure(let problem): return .refused(problem.message)
        case .success(let list): entries = list
        }
        let declared = entries.reduce(UInt64(0)) { $0 &+ $1.uncompressed }
        if declared > maxDeclaredUncompressed
            || (declared > 100 << 20 && declared / UInt64(max(size, 1)) > maxCompressionRatio)
        {
            return .refused(
                "疑似压缩炸弹的 ZIP 文件（\(entries.count) 个条目声明解压后共 \(EvidenceFormat.size(declared))，"
                    + "是文件本身的 \(declared / UInt64(max(size, 1))) 倍；未解压）")
        }
        let names = Set(entries.map(\.name))
        let lowered = entries.map { $0.name.lowercased() }
        if lowered.contains(where: { $0.hasSuffix("vbaproject.bin") }) {
            return .refused("含宏的 Office 文件（请另存为不含宏的 DOCX/XLSX/PPTX）")
        }
        if names.contains("[Content_Types].xml") {
            if names.contains(where: { $0.hasPrefix("word/") }) { return .accepted(.docx) }
            if names.contains(where: { $0.hasPrefix("xl/") }) { return .accepted(.xlsx) }
            if names.contains(where: { $0.hasPrefix("ppt/") }) { return .accepted(.pptx) }
        }
        if names.contains("OFD.xml") { return .accepted(.ofd) }
        return .accepted(.zip)
    }

    // MARK: OLE2 compound files (legacy Office)

    /// Reads the directory of an OLE2 compound file (the stream names) and tells Word, Excel and PowerPoint
    /// documents apart from anything else in that container (installers, encrypted or macro documents).
    static func ole2(path: String, size: Int) -> SniffResult {
        guard let handle = FileHandle(forReadingAtPath: path) else { return .refused("无法读取的文件") }
        defer { try? handle.close() }
        func read(_ offset: UInt64, _ count: Int) -> [UInt8]? {
            guard offset + UInt64(count) <= UInt64(size), (try? handle.seek(toOffset: offset)) != nil,
                let data = try? handle.read(upToCount: count), data.count == count
            else { return nil }
            return [UInt8](data)
        }
        let broken = SniffResult.refused("损坏的 OLE 复合文档")
        guard let header = read(0, 512) else { return broken }
        let shift = Int(le16(header, 0x1E))
        guard shift == 9 || shift == 12 else { return broken }
        let sectorSize = 1 << shift
        let perFAT = sectorSize / 4
        var fatCache: [Int: [UInt8]] = [:]
        func sector(_ n: UInt32) -> [UInt8]? { read(UInt64(Int(n) + 1) * UInt64(sectorSize), sectorSize) }
        func next(_ n: UInt32) -> UInt32? {
            let fatIndex = Int(n) / perFAT
            guard fatIndex < 109 else { return nil }
            let fatSector = le32(header, 0x4C + fatIndex * 4)
            if fatCache[fatIndex] == nil { fatCache[fatIndex] = sector(fatSector) }
            guard let fat = fatCache[fatIndex] else { return nil }
            return le32(fat, (Int(n) % perFAT) * 4)
        }
        var names: [String] = []
        var current = le32(header, 0x30)
        var visited = Set<UInt32>()
        while current < 0xFFFF_FFFA, visited.count < 4096, !visited.contains(current) {
            visited.insert(current)
            guard let entries = sector(current) else { return broken }
            for offset in stride(from: 0, to: sectorSize, by: 128) {
                let length = min(Int(le16(entries, offset + 0x40)), 64)
                guard length >= 2, entries[offset + 0x42] != 0 else { continue }
                var units: [UInt16] = []
                for i in stride(from: 0, to: length - 2, by: 2) { units.append(le16(entries, offset + i)) }
                names.append(String(decoding: units, as: UTF16.self))
            }
            guard let following = next(current) else { break }
            current = following
        }
        let set = Set(names)
        if set.contains("EncryptedPackage") || set.contains("EncryptionInfo") {
            return .refused("加密（设有打开密码）的 Office 文档（请去除密码后上传）")
        }
        if set.contains("_VBA_PROJECT_CUR") || set.contains("Macros") || set.contains("VBA") {
            return .refused("含宏的 Office 文件（请另存为不含宏的文档）")
        }
        if set.contains("WordDocument") { return .accepted(.doc) }
        if set.contains("Workbook") || set.contains("Book") { return .accepted(.xls) }
        if set.contains("PowerPoint Document") { return .accepted(.ppt) }
        return .refused("未知的 OLE 复合文档（可能是 MSI 安装包或其他程序文件）")
    }

    static func le16(_ b: [UInt8], _ at: Int) -> UInt16 {
        guard at + 2 <= b.count else { return 0 }
        return UInt16(b[at]) | UInt16(b[at + 1]) << 8
    }

    static func le32(_ b: [UInt8], _ at: Int) -> UInt32 {
        guard at + 4 <= b.count else { return 0 }
        return UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
    }

    static func le64(_ b: [UInt8], _ at: Int) -> UInt64 {
        UInt64(le32(b, at)) | UInt64(le32(b, at + 4)) << 32
    }
}

/// Formatting shared by the evidence pages and messages.
public enum EvidenceFormat {
    /// `812 字节`, `1.5 KB`, `50 MB`, `5.0 GB`.
    public static func size<T: BinaryInteger>(_ bytes: T) -> String {
        let value = Double(bytes)
        if value < 1024 { return "\(bytes) 字节" }
        let units = ["KB", "MB", "GB", "TB"]
        var scaled = value / 1024
        var unit = 0
        while scaled >= 1024 && unit < units.count - 1 {
            scaled /= 1024
            unit += 1
        }
        let rounded = (scaled * 10).rounded() / 10
        let text = rounded == rounded.rounded() ? String(Int(rounded)) : String(format: "%.1f", rounded)
        return "\(text) \(units[unit])"
    }
}
