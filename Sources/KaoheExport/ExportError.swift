import Foundation

/// Every error thrown by `KaoheExport`.
public enum ExportError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A ZIP entry name was refused (empty, absolute, `..`, control characters, backslash, too long).
    case invalidEntryName(String, reason: String)
    /// Two ZIP entries with the same name.
    case duplicateEntryName(String)
    /// The archive would need ZIP64 (an entry or the archive over 4 GiB, or more than 65 535 entries).
    case archiveTooLarge(String)
    /// Entries were added after ``ZipWriter/finish()``.
    case archiveFinished
    /// A streamed entry got other than the announced number of bytes (``ZipWriter/beginEntry(named:size:crc:modified:)``).
    case entrySizeMismatch(String, expected: UInt64, actual: UInt64)
    /// A sheet name was refused (empty, over 31 characters, `[]:*?/\`, leading/trailing apostrophe, "History").
    case invalidSheetName(String, reason: String)
    /// Two sheets whose names differ only in letter case.
    case duplicateSheetName(String)
    /// A workbook needs at least one sheet.
    case noSheets
    /// A number was not plain decimal text such as `87.5` or `-2`.
    case invalidNumber(String)
    /// A sheet over Excel's limits (1 048 576 rows, 16 384 columns, 32 767 characters per cell).
    case sheetTooLarge(sheet: String, reason: String)

    public var description: String {
        switch self {
        case .invalidEntryName(let name, let reason): "invalid ZIP entry name \(name.debugDescription): \(reason)"
        case .duplicateEntryName(let name): "duplicate ZIP entry name \(name.debugDescription)"
        case .archiveTooLarge(let reason): "archive too large for ZIP without ZIP64: \(reason)"
        case .archiveFinished: "the ZIP archive is already finished"
        case .entrySizeMismatch(let name, let expected, let actual):
            "ZIP entry \(name.debugDescription) announced \(expected) bytes but got \(actual)"
        case .invalidSheetName(let name, let reason): "invalid sheet name \(name.debugDescription): \(reason)"
        case .duplicateSheetName(let name): "duplicate sheet name \(name.debugDescription)"
        case .noSheets: "a workbook needs at least one sheet"
        case .invalidNumber(let text): "not a plain decimal number: \(text.debugDescription)"
        case .sheetTooLarge(let sheet, let reason): "sheet \(sheet.debugDescription) too large: \(reason)"
        }
    }
}
