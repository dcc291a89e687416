import Foundation

/// One spreadsheet cell.
public enum XLSXCell: Equatable, Sendable {
    /// Text, written as an inline string; Chinese and any Unicode text is fine.
    case text(String)
    /// An exact decimal given as its text, e.g. `"87.5"`, `"-2"`, `"100.00"` (never formatted via `Double`).
    /// It is shown with as many decimals as the text has (up to 10), so `"87.50"` shows as 87.50.
    case number(String)
    /// No cell.
    case empty

    /// A whole number cell.
    public static func integer(_ value: Int) -> XLSXCell { .number(String(value)) }
}

/// One worksheet: rows of cells, the first row optionally a bold, frozen header.
public struct XLSXSheet: Equatable, Sendable {
    /// The tab name (≤ 31 characters, none of `[]:*?/\`).
    public var name: String
    /// The rows, top to bottom; rows may have different lengths.
    public var rows: [[XLSXCell]]
    /// Column widths in characters, column A first; `nil` entries keep Excel's default.
    public var columnWidths: [Double?]
    /// When true, row 1 is bold, stays visible while scrolling and is printed at the top of every page.
    public var hasHeaderRow: Bool
    /// How the sheet prints.
    public var pageSetup: XLSXPageSetup

    /// Creates a sheet. With `header`, that row comes first, bold and frozen, and repeats on every printed page.
    public init(
        name: String, header: [String]? = nil, rows: [[XLSXCell]], columnWidths: [Double?] = [],
        pageSetup: XLSXPageSetup = XLSXPageSetup()
    ) {
        self.name = name
        self.rows = (header.map { [$0.map(XLSXCell.text)] } ?? []) + rows
        self.columnWidths = columnWidths
        self.hasHeaderRow = header != nil
        self.pageSetup = pageSetup
    }

    /// Widths that fit the content: two units per wide (CJK) character, one otherwise, plus padding,
    /// between `minimum` and `maximum`.
    public static func fittingWidths(for rows: [[XLSXCell]], minimum: Double = 6, maximum: Double = 60) -> [Double?] {
        var widths: [Double] = []
        for row in rows {
            for (index, cell) in row.enumerated() {
                let text: String
                switch cell {
                case .text(let t):
                    text =
                        t.split(separator: "\n").max(by: { displayWidth($0) < displayWidth($1) }).map(String.init) ?? ""
                case .number(let n): text = n
                case .empty: text = ""
                }
                while widths.count <= index { widths.append(minimum) }
                widths[index] = min(maximum, max(widths[index], Double(displayWidth(text[...])) + 2))
            }
        }
        return widths
    }

    static func displayWidth(_ text: Substring) -> Int {
        text.unicodeScalars.reduce(0) { sum, s in
            let v = s.value
            let wide =
                (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
                || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
                || (0xFFE0...0xFFE6).contains(v) || (0x20000...0x3FFFD).contains(v)
            return sum + (wide ? 2 : 1)
        }
    }
}

/// How a sheet prints: A4, landscape by default, scaled so that all columns fit the page width (as many pages
/// down as the rows need).
public struct XLSXPageSetup: Equatable, Sendable {
    /// Page orientation.
    public enum Orientation: String, Sendable {
        case portrait, landscape
    }

    /// Portrait or landscape.
    public var orientation: Orientation
    /// When true, the columns are scaled to one page wide (`fitToWidth="1" fitToHeight="0"`).
    public var fitToWidth: Bool

    /// Landscape and fit to width unless told otherwise.
    public init(orientation: Orientation = .landscape, fitToWidth: Bool = true) {
        self.orientation = orientation
        self.fitToWidth = fitToWidth
    }
}

/// The document properties of a workbook (docProps/core.xml and docProps/app.xml).
public struct XLSXProperties: Equatable, Sendable {
    /// The creator and application named when nothing else is given.
    public static let kaohe = "Kaohe 考核"

    /// The document title (`dc:title`), e.g. `"2023年度平桥区考核 考核结果"`.
    public var title: String
    /// Who made it (`dc:creator` and `cp:lastModifiedBy`).
    public var creator: String
    /// When it was created (`dcterms:created`).
    public var created: Date
    /// When it was last changed (`dcterms:modified`); also the timestamp of the ZIP entries.
    public var modified: Date

    /// Properties with the given dates; the writer never reads the clock.
    public init(title: String, creator: String = XLSXProperties.kaohe, created: Date, modified: Date) {
        self.title = title
        self.creator = creator
        self.created = created
        self.modified = modified
    }
}

/// Builds a minimal valid .xlsx workbook (Office Open XML) with inline strings and no shared strings.
///
/// ```swift
/// var book = XLSXWriter()
/// try book.addSheet(XLSXSheet(name: "得分", header: ["单位", "得分"],
///                             rows: [[.text("长白县"), .number("87.5")]]))
/// let xlsx = try book.data(
///     properties: XLSXProperties(title: "考核结果", created: assessment.createdAt, modified: now))
/// ```
///
/// Every sheet prints landscape and fit to width (``XLSXPageSetup``); a sheet's header row is its print
/// title (`_xlnm.Print_Titles`), repeated at the top of every printed page.
public struct XLSXWriter: Sendable {
    /// The sheets in tab order.
    public private(set) var sheets: [XLSXSheet] = []

    /// Creates an empty workbook.
    public init() {}

    /// Appends a sheet after validating its name, numbers and size.
    /// - Throws: ``ExportError/invalidSheetName(_:reason:)``, ``ExportError/duplicateSheetName(_:)``,
    ///   ``ExportError/invalidNumber(_:)``, ``ExportError/sheetTooLarge(sheet:reason:)``.
    public mutating func addSheet(_ sheet: XLSXSheet) throws {
        try Self.validate(sheetName: sheet.name)
        if sheets.contains(where: { $0.name.lowercased() == sheet.name.lowercased() }) {
            throw ExportError.duplicateSheetName(sheet.name)
        }
        try Self.validate(sheet)
        sheets.append(sheet)
    }

    /// The .xlsx file with `properties`; their `modified` date is also the timestamp of the ZIP entries (the
    /// writer never reads the clock).
    public func data(properties: XLSXProperties) throws -> Data {
        guard !sheets.isEmpty else { throw ExportError.noSheets }
        let zip = ZipWriter()
        for (name, xml) in try parts(properties: properties) {
            try zip.addEntry(named: name, data: Data(xml.utf8), modified: properties.modified)
        }
        return try zip.finish()
    }

    /// The package parts as (path, XML text) in archive order.
    public func parts(properties: XLSXProperties) throws -> [(path: String, xml: String)] {
        guard !sheets.isEmpty else { throw ExportError.noSheets }
        let header = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
        let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
        let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
        let pkgRel = "http://schemas.openxmlformats.org/package/2006/relationships"
        var result: [(String, String)] = []

        var types = header + #"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">"#
        types += #"<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>"#
        types += #"<Default Extension="xml" ContentType="application/xml"/>"#
        types +=
            #"<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>"#
        for index in sheets.indices {
            types +=
                #"<Override PartName="/xl/worksheets/sheet\#(index + 1).xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#
        }
        types +=
            #"<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>"#
        types +=
            #"<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>"#
        types +=
            #"<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>"#
        types += "</Types>"
        result.append(("[Content_Types].xml", types))

        var packageRels = header + #"<Relationships xmlns="\#(pkgRel)">"#
        packageRels += #"<Relationship Id="rId1" Type="\#(rel)/officeDocument" Target="xl/workbook.xml"/>"#
        packageRels +=
            #"<Relationship Id="rId2" Type="\#(pkgRel)/metadata/core-properties" Target="docProps/core.xml"/>"#
        packageRels += #"<Relationship Id="rId3" Type="\#(rel)/extended-properties" Target="docProps/app.xml"/>"#
        packageRels += "</Relationships>"
        result.append(("_rels/.rels", packageRels))
        result.append(("docProps/core.xml", header + Self.coreProperties(properties)))
        result.append(("docProps/app.xml", header + Self.appProperties(sheets: sheets)))

        var workbook =
            header
            + #"<workbook xmlns="\#(main)" xmlns:r="\#(rel)"><bookViews><workbookView activeTab="0"/></bookViews><sheets>"#
        for (index, sheet) in sheets.enumerated() {
            workbook +=
                #"<sheet name="\#(XMLText.escape(sheet.name, attribute: true))" sheetId="\#(index + 1)" r:id="rId\#(index + 1)"/>"#
        }
        workbook += "</sheets>"
        // The header row of each sheet repeats at the top of every printed page.
        let printTitles = sheets.enumerated().filter { $0.element.hasHeaderRow }
        if !printTitles.isEmpty {
            workbook += "<definedNames>"
            for (index, sheet) in printTitles {
                workbook +=
                    #"<definedName name="_xlnm.Print_Titles" localSheetId="\#(index)">\#(XMLText.escape(Self.quotedSheetName(sheet.name)))!$1:$1</definedName>"#
            }
            workbook += "</definedNames>"
        }
        workbook += "</workbook>"
        result.append(("xl/workbook.xml", workbook))

        var rels = header + #"<Relationships xmlns="\#(pkgRel)">"#
        for index in sheets.indices {
            rels +=
                #"<Relationship Id="rId\#(index + 1)" Type="\#(rel)/worksheet" Target="worksheets/sheet\#(index + 1).xml"/>"#
        }
        rels += #"<Relationship Id="rId\#(sheets.count + 1)" Type="\#(rel)/styles" Target="styles.xml"/>"#
        rels += "</Relationships>"
        result.append(("xl/_rels/workbook.xml.rels", rels))
        result.append(("xl/styles.xml", header + Self.styles(main: main)))
        for (index, sheet) in sheets.enumerated() {
            result.append(
                (
                    "xl/worksheets/sheet\(index + 1).xml",
                    header + Self.worksheet(sheet, index: index, main: main, rel: rel)
                ))
        }
        return result
    }

    /// A sheet name as formulas and defined names quote it: in apostrophes, an apostrophe doubled.
    static func quotedSheetName(_ name: String) -> String {
        "'" + name.replacingOccurrences(of: "'", with: "''") + "'"
    }

    // MARK: Document properties

    static func coreProperties(_ properties: XLSXProperties) -> String {
        let cp = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
        var xml = #"<cp:coreProperties xmlns:cp="\#(cp)" xmlns:dc="http://purl.org/dc/elements/1.1/""#
        xml += #" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/""#
        xml += #" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#
        xml += "<dc:title>\(XMLText.escape(properties.title))</dc:title>"
        xml += "<dc:creator>\(XMLText.escape(properties.creator))</dc:creator>"
        xml += "<cp:lastModifiedBy>\(XMLText.escape(properties.creator))</cp:lastModifiedBy>"
        xml += #"<dcterms:created xsi:type="dcterms:W3CDTF">\#(w3cdtf(properties.created))</dcterms:created>"#
        xml += #"<dcterms:modified xsi:type="dcterms:W3CDTF">\#(w3cdtf(properties.modified))</dcterms:modified>"#
        xml += "</cp:coreProperties>"
        return xml
    }

    static func appProperties(sheets: [XLSXSheet]) -> String {
        let ep = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
        let vt = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
        var xml = #"<Properties xmlns="\#(ep)" xmlns:vt="\#(vt)">"#
        xml += "<Application>\(XMLText.escape(XLSXProperties.kaohe))</Application>"
        xml += "<DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop>"
        xml += #"<HeadingPairs><vt:vector size="2" baseType="variant">"#
        xml += "<vt:variant><vt:lpstr>Worksheets</vt:lpstr></vt:variant>"
        xml += "<vt:variant><vt:i4>\(sheets.count)</vt:i4></vt:variant></vt:vector></HeadingPairs>"
        xml += #"<TitlesOfParts><vt:vector size="\#(sheets.count)" baseType="lpstr">"#
        for sheet in sheets { xml += "<vt:lpstr>\(XMLText.escape(sheet.name))</vt:lpstr>" }
        xml += "</vt:vector></TitlesOfParts>"
        xml += "<LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc>"
        xml += "<HyperlinksChanged>false</HyperlinksChanged>"
        xml += "</Properties>"
        return xml
    }

    /// `2026-03-04T05:06:08Z`: W3C date and time in UTC, whole seconds.
    static func w3cdtf(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = .gmt
        return formatter.string(from: date)
    }

    // MARK: Styles

    /// Cell style indices in styles.xml.
    enum Style {
        static let normal = 0
        static let header = 1
        static let generalNumber = 2
        /// Numbers with `d` decimals (0…10) use `fixedDecimals + d`.
        static let fixedDecimals = 3
        static let maxDecimals = 10
    }

    static func styles(main: String) -> String {
        var xml = #"<styleSheet xmlns="\#(main)">"#
        xml += #"<numFmts count="\#(Style.maxDecimals)">"#
        for d in 1...Style.maxDecimals {
            xml += #"<numFmt numFmtId="\#(163 + d)" formatCode="0.\#(String(repeating: "0", count: d))"/>"#
        }
        xml += "</numFmts>"
        xml += #"<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>"#
        xml += #"<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>"#
        xml +=
            #"<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>"#
        xml += #"<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"#
        xml += #"<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>"#
        xml += #"<cellXfs count="\#(Style.fixedDecimals + Style.maxDecimals + 1)">"#
        xml += #"<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>"#
        xml += #"<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>"#
        xml += #"<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#
        for d in 0...Style.maxDecimals {
            let id = d == 0 ? 1 : 163 + d
            xml += #"<xf numFmtId="\#(id)" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#
        }
        xml += "</cellXfs>"
        xml += #"<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>"#
        xml += "</styleSheet>"
        return xml
    }

    // MARK: Worksheets

    static func worksheet(_ sheet: XLSXSheet, index: Int, main: String, rel: String) -> String {
        let lastColumn = max(
            1, sheet.rows.map { row in row.lastIndex(where: { $0 != .empty }).map { $0 + 1 } ?? 0 }.max() ?? 0)
        let lastRow = max(1, sheet.rows.count)
        var xml = #"<worksheet xmlns="\#(main)" xmlns:r="\#(rel)">"#
        if sheet.pageSetup.fitToWidth { xml += #"<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>"# }
        xml += #"<dimension ref="A1:\#(columnName(lastColumn - 1))\#(lastRow)"/>"#
        xml += #"<sheetViews><sheetView workbookViewId="0"\#(index == 0 ? #" tabSelected="1""# : "")>"#
        if sheet.hasHeaderRow {
            xml += #"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#
            xml += #"<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>"#
        }
        xml += "</sheetView></sheetViews>"
        xml += #"<sheetFormatPr defaultRowHeight="15"/>"#
        let widths = sheet.columnWidths.enumerated().compactMap { i, w in w.map { (i, $0) } }
        if !widths.isEmpty {
            xml += "<cols>"
            for (i, width) in widths {
                xml += #"<col min="\#(i + 1)" max="\#(i + 1)" width="\#(decimalText(width))" customWidth="1"/>"#
            }
            xml += "</cols>"
        }
        xml += "<sheetData>"
        for (r, row) in sheet.rows.enumerated() where row.contains(where: { $0 != .empty }) {
            let isHeader = sheet.hasHeaderRow && r == 0
            xml += #"<row r="\#(r + 1)">"#
            for (c, cell) in row.enumerated() {
                let ref = "\(columnName(c))\(r + 1)"
                switch cell {
                case .empty:
                    continue
                case .text(let text):
                    let style = isHeader ? #" s="\#(Style.header)""# : ""
                    xml += #"<c r="\#(ref)" t="inlineStr"\#(style)><is><t xml:space="preserve">"#
                    xml += XMLText.escape(escapeOOXMLUnderscores(text)) + "</t></is></c>"
                case .number(let text):
                    let style = isHeader ? Style.header : numberStyle(text)
                    xml += #"<c r="\#(ref)" s="\#(style)"><v>\#(text)</v></c>"#
                }
            }
            xml += "</row>"
        }
        xml += "</sheetData>"
        // Print: A4 (paperSize 9), the document's orientation, all columns on one page wide, rows on as many
        // pages as they need.
        xml += #"<pageMargins left="0.5" right="0.5" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>"#
        xml += #"<pageSetup paperSize="9" orientation="\#(sheet.pageSetup.orientation.rawValue)""#
        xml += sheet.pageSetup.fitToWidth ? #" fitToWidth="1" fitToHeight="0"/>"# : "/>"
        xml += "</worksheet>"
        return xml
    }

    static func numberStyle(_ text: String) -> Int {
        let decimals = text.split(separator: ".", maxSplits: 1).dropFirst().first?.count ?? 0
        return decimals <= Style.maxDecimals ? Style.fixedDecimals + decimals : Style.generalNumber
    }

    /// Excel reads `_xHHHH_` in strings as an escaped character; a literal one is protected as `_x005F_xHHHH_`.
    static func escapeOOXMLUnderscores(_ text: String) -> String {
        guard text.contains("_x") else { return text }
        let scalars = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < scalars.count {
            if scalars[i] == "_", i + 6 < scalars.count, scalars[i + 1] == "x" || scalars[i + 1] == "X",
                scalars[(i + 2)...(i + 5)].allSatisfy({ $0.properties.isASCIIHexDigit }), scalars[i + 6] == "_"
            {
                out.append(contentsOf: "_x005F_".unicodeScalars)
            } else {
                out.append(scalars[i])
            }
            i += 1
        }
        return String(out)
    }

    /// `A`, `B`, …, `Z`, `AA`, … for a zero-based column index.
    public static func columnName(_ index: Int) -> String {
        var n = index + 1
        var name = ""
        while n > 0 {
            let r = (n - 1) % 26
            name = String(UnicodeScalar(UInt8(65 + r))) + name
            n = (n - 1) / 26
        }
        return name
    }

    /// True for plain decimal text: optional `-`, digits, optionally `.` and digits.
    public static func isPlainDecimal(_ text: String) -> Bool {
        var bytes = text.utf8[...]
        if bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
        let parts = bytes.split(separator: UInt8(ascii: "."), maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2 else { return false }
        return parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { (48...57).contains($0) } }
    }

    static func decimalText(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let whole = hundredths / 100
        let frac = abs(hundredths % 100)
        if frac == 0 { return String(whole) }
        return frac % 10 == 0 ? "\(whole).\(frac / 10)" : "\(whole).\(frac < 10 ? "0" : "")\(frac)"
    }

    // MARK: Validation

    /// Checks a sheet name against Excel's rules.
    public static func validate(sheetName name: String) throws {
        func refuse(_ reason: String) -> ExportError { .invalidSheetName(name, reason: reason) }
        if name.isEmpty { throw refuse("empty") }
        if name.utf16.count > 31 { throw refuse("longer than 31 characters") }
        if let bad = name.first(where: { "[]:*?/\\".contains($0) }) { throw refuse("contains '\(bad)'") }
        if name.unicodeScalars.contains(where: { $0.value < 0x20 || !XMLText.isLegal($0) }) {
            throw refuse("control character")
        }
        if name.hasPrefix("'") || name.hasSuffix("'") { throw refuse("starts or ends with an apostrophe") }
        if name.lowercased() == "history" { throw refuse("reserved by Excel") }
    }

    static func validate(_ sheet: XLSXSheet) throws {
        if sheet.rows.count > 1_048_576 {
            throw ExportError.sheetTooLarge(sheet: sheet.name, reason: "more than 1 048 576 rows")
        }
        for (r, row) in sheet.rows.enumerated() {
            if row.count > 16_384 {
                throw ExportError.sheetTooLarge(sheet: sheet.name, reason: "row \(r + 1) has more than 16 384 columns")
            }
            for (c, cell) in row.enumerated() {
                switch cell {
                case .number(let text):
                    if !isPlainDecimal(text) { throw ExportError.invalidNumber(text) }
                case .text(let text):
                    if text.utf16.count > 32_767 {
                        throw ExportError.sheetTooLarge(
                            sheet: sheet.name, reason: "cell \(columnName(c))\(r + 1) over 32 767 characters")
                    }
                case .empty:
                    break
                }
            }
        }
    }
}
