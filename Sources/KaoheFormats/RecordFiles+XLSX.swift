import Foundation
import KaoheEngine
import KaoheRecords

extension RecordFiles {
    /// Reads the first sheet of an XLSX workbook holding records of one type: the first non-empty row is the
    /// header, rows are numbered as Excel shows them. In date columns an Excel date serial number (a date cell
    /// formatted as a date) is read as its `YYYY-MM-DD`; text dates are read as they are.
    public static func readXLSX(
        path: String, type: RecordType, file: String?, into importer: inout RecordImport,
        options: inout RecordReadOptions
    ) throws(RecordError) {
        importer.beginFile(file)
        let reader: XLSXReader
        do { reader = try XLSXReader(path: path) } catch { throw RecordError(file: file, message: error.message) }
        var layout: RecordLayout?
        var failure: RecordError?
        var bytes: [UInt8] = []
        var bounds: [Int] = []
        do throws(XLSXReadError) {
            try reader.forEachRow { row, cells in
                guard let known = layout else {
                    do throws(RecordError) {
                        layout = try RecordLayout(type: type, headers: cells, row: row, mapping: options.headerMapping)
                        return true
                    } catch {
                        var error = error
                        error.file = file
                        failure = error
                        return false
                    }
                }
                bytes.removeAll(keepingCapacity: true)
                bounds.removeAll(keepingCapacity: true)
                for (column, cell) in cells.enumerated() {
                    bounds.append(bytes.count)
                    if known.isDateColumn(column), !cell.contains("-"), let date = XLSXReader.date(fromSerial: cell) {
                        bytes.append(contentsOf: date.utf8)
                    } else {
                        bytes.append(contentsOf: cell.utf8)
                    }
                    bounds.append(bytes.count)
                }
                do throws(RecordError) {
                    try bytes.withUnsafeBufferPointer { buffer throws(RecordError) in
                        _ = try importer.add(
                            cells: buffer, bounds: bounds, cellCount: cells.count, layout: known, row: row)
                    }
                } catch {
                    do throws(RecordError) { try options.collect(error) } catch {
                        failure = error
                        return false
                    }
                }
                options.rowDone()
                return !options.stopped
            }
        } catch {
            throw RecordError(file: file, message: error.message)
        }
        if let failure { throw failure }
        if layout == nil { throw RecordError(file: file, row: 1, message: "第一个工作表为空，缺少表头") }
    }

    /// The header of a CSV or XLSX file (its first non-blank row, as written), to find headers that need a
    /// mapping before the file is read; nil for an empty file.
    public static func header(path: String, format: Format) throws(RecordError) -> [String]? {
        switch format {
        case .jsonLines:
            return nil
        case .xlsx:
            do throws(XLSXReadError) {
                let reader = try XLSXReader(path: path)
                var header: [String]?
                try reader.forEachRow { _, cells in
                    header = cells
                    return false
                }
                return header
            } catch {
                throw RecordError(file: path, message: error.message)
            }
        case .csv:
            guard var probe = FileChunks(path: path, chunkSize: 64 << 10) else {
                throw RecordError(file: path, message: "无法读取文件")
            }
            // The header is near the start: detecting the encoding on the first 256 KB is enough for it.
            var head: [UInt8] = []
            while head.count < 256 << 10, let chunk = probe.next() { head.append(contentsOf: chunk) }
            if let lastLineFeed = head.lastIndex(of: 0x0A) { head.removeSubrange((lastLineFeed + 1)...) }
            var memory = MemoryChunks(head)
            let encoding = RecordFileEncoding.detect(&memory)
            var chunks = UTF8Chunks(source: MemoryChunks(head), encoding: encoding)
            var tokenizer = CSVTokenizer()
            var first = true
            while var chunk = try chunks.next() {
                if first {
                    first = false
                    if chunk.starts(with: [0xEF, 0xBB, 0xBF]) { chunk.removeFirst(3) }
                }
                var start = 0
                while let end = tokenizer.feed(chunk, from: start) {
                    if !tokenizer.isBlankRow { return tokenizer.strings() }
                    tokenizer.startRow()
                    start = end
                }
            }
            return tokenizer.finish() && !tokenizer.isBlankRow ? tokenizer.strings() : nil
        }
    }
}
