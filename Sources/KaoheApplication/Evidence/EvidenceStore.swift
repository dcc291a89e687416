import Crypto
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Errors of the evidence store on disk.
public enum EvidenceStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// More bytes than the limit were sent.
    case tooLarge(limit: Int)
    /// A file system call failed.
    case io(String)
    /// The blob of a record is missing or has another size.
    case missingBlob(String)

    public var description: String {
        switch self {
        case .tooLarge(let limit): "文件超过 \(EvidenceFormat.size(limit)) 的上限"
        case .io(let what): "佐证材料存储出错：\(what)"
        case .missingBlob(let sha): "佐证材料文件缺失（SHA-256 \(sha.prefix(12))…），请联系管理员"
        }
    }
}

/// The content-addressed store of evidence files on disk: each file lives once under
/// `<directory>/ab/cd/<sha256>` whatever it was called and however often it was uploaded. The directory is
/// outside any web root (files are only served through the access-checked download route). With several
/// instances on one PostgreSQL database it must be one shared directory.
///
/// Writes go to `<directory>/tmp/` first while the SHA-256 is computed, then are synced and renamed into
/// place atomically; a failed or interrupted write removes its temporary file, so nothing half-written is
/// ever visible under a hash.
public struct EvidenceStore: Sendable {
    /// The root directory.
    public let directory: String
    /// The largest file accepted, in bytes.
    public let maxFileSize: Int

    /// A store in `directory` accepting files up to `maxFileSize` bytes (default 50 MB).
    public init(directory: String, maxFileSize: Int = 50 * 1024 * 1024) {
        self.directory = directory
        self.maxFileSize = maxFileSize
    }

    /// A store in a new folder under the system's temporary directory (tests, and apps built without a
    /// configuration).
    public static func temporary(maxFileSize: Int = 50 * 1024 * 1024) -> EvidenceStore {
        EvidenceStore(
            directory: FileManager.default.temporaryDirectory.appendingPathComponent(
                "kaohe-evidence-\(UUID().uuidString)"
            ).path, maxFileSize: maxFileSize)
    }

    /// Where files are written before they are complete.
    public var temporaryDirectory: String { directory + "/tmp" }

    /// Whether `text` is a lowercase hex SHA-256.
    public static func isDigest(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// The path of the blob with `sha256` (which must be a lowercase hex digest).
    public func path(for sha256: String) throws -> String {
        guard Self.isDigest(sha256) else { throw EvidenceStoreError.io("无效的摘要 \(sha256.prefix(80))") }
        let utf8 = Array(sha256.utf8)
        let first = String(decoding: utf8[0..<2], as: UTF8.self), second = String(decoding: utf8[2..<4], as: UTF8.self)
        return "\(directory)/\(first)/\(second)/\(sha256)"
    }

    /// The size of the blob with `sha256`, or nil when there is none.
    public func size(of sha256: String) -> Int? {
        guard let path = try? path(for: sha256), let file = Self.file(at: path), file.regular else { return nil }
        return file.bytes
    }

    /// Size, last modification and kind of the file at `path`, or nil when there is none.
    static func file(at path: String) -> (bytes: Int, modified: Date, regular: Bool)? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return (
            Int(info.st_size), Date(timeIntervalSince1970: TimeInterval(info.st_mtim.tv_sec)),
            (info.st_mode & S_IFMT) == S_IFREG
        )
    }

    /// Creates the directories and removes temporary files left by an earlier run that stopped in the
    /// middle of an upload: those not written to for `staleAfter` seconds (other instances sharing the
    /// directory may be writing theirs right now). Returns how many were removed.
    @discardableResult
    public func prepare(staleAfter: TimeInterval = 3600, now: Date = Date()) throws -> Int {
        do {
            try FileManager.default.createDirectory(atPath: temporaryDirectory, withIntermediateDirectories: true)
        } catch {
            throw EvidenceStoreError.io("无法创建目录 \(temporaryDirectory)：\(error.localizedDescription)")
        }
        var removed = 0
        for name in temporaryFiles() {
            let path = temporaryDirectory + "/" + name
            guard let file = Self.file(at: path) else { continue }
            if now.timeIntervalSince(file.modified) >= staleAfter, unlink(path) == 0 { removed += 1 }
        }
        return removed
    }

    /// The names in the temporary directory (uploads in progress, or left by a crash).
    public func temporaryFiles() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: temporaryDirectory)) ?? []).sorted()
    }

    /// Every blob's digest (for checks and tests).
    public func blobs() -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: directory) else { return [] }
        var found: [String] = []
        while let relative = walker.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            if !relative.hasPrefix("tmp"), Self.isDigest(name) { found.append(name) }
        }
        return found.sorted()
    }

    /// Starts writing a new file into the temporary directory.
    public func stage() throws -> StagedEvidence {
        do {
            try FileManager.default.createDirectory(atPath: temporaryDirectory, withIntermediateDirectories: true)
        } catch {
            throw EvidenceStoreError.io("无法创建目录 \(temporaryDirectory)：\(error.localizedDescription)")
        }
        let path = "\(temporaryDirectory)/\(UUID().uuidString.lowercased()).part"
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw EvidenceStoreError.io("无法创建临时文件：\(String(cString: strerror(errno)))") }
        return StagedEvidence(store: self, path: path, fd: fd)
    }
}

/// One file being written into the evidence store: the bytes go to a temporary file while the SHA-256 is
/// computed. ``commit()`` moves it under its hash; ``discard()`` (or dropping it uncommitted) removes it.
///
/// Used by one request at a time (handed to NIO's blocking thread pool for the fsync and the rename).
public final class StagedEvidence: @unchecked Sendable {
    let store: EvidenceStore
    /// The temporary file.
    public let temporaryPath: String
    private var fd: Int32
    private var hasher = Crypto.SHA256()
    /// Bytes written so far.
    public private(set) var size = 0
    /// The first bytes, for the content sniffer.
    public private(set) var head: [UInt8] = []
    /// The digest, once ``finish()`` was called.
    public private(set) var sha256: String?
    private var settled = false

    init(store: EvidenceStore, path: String, fd: Int32) {
        self.store = store
        self.temporaryPath = path
        self.fd = fd
    }

    deinit { discard() }

    /// Appends bytes; throws ``EvidenceStoreError/tooLarge(limit:)`` (writing nothing more) when the file
    /// would exceed the store's limit.
    public func write(_ bytes: some Collection<UInt8>) throws {
        guard fd >= 0, sha256 == nil else { throw EvidenceStoreError.io("临时文件已关闭") }
        guard size + bytes.count <= store.maxFileSize else {
            throw EvidenceStoreError.tooLarge(limit: store.maxFileSize)
        }
        let written: Bool? = bytes.withContiguousStorageIfAvailable { buffer in
            write(UnsafeRawBufferPointer(buffer))
        }
        if let written {
            guard written else { throw EvidenceStoreError.io("写入失败：\(String(cString: strerror(errno)))") }
        } else {
            let copy = Array(bytes)
            guard copy.withUnsafeBytes({ write($0) }) else {
                throw EvidenceStoreError.io("写入失败：\(String(cString: strerror(errno)))")
            }
        }
    }

    private func write(_ raw: UnsafeRawBufferPointer) -> Bool {
        hasher.update(bufferPointer: raw)
        if head.count < ContentSniffer.headLength {
            head.append(contentsOf: raw.prefix(ContentSniffer.headLength - head.count))
        }
        var offset = 0
        while offset < raw.count {
            let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += n
        }
        size += raw.count
        return true
    }

    /// Flushes the file to disk and computes its digest.
    @discardableResult
    public func finish() throws -> String {
        if let sha256 { return sha256 }
        guard fd >= 0 else { throw EvidenceStoreError.io("临时文件已关闭") }
        guard fsync(fd) == 0 else { throw EvidenceStoreError.io("同步失败：\(String(cString: strerror(errno)))") }
        close(fd)
        fd = -1
        let digest = hasher.finalize().map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
        sha256 = digest
        return digest
    }

    /// Moves the finished file under its hash. Returns false when that content was already stored (the
    /// temporary file is then removed: the store keeps one copy).
    @discardableResult
    public func commit() throws -> Bool {
        let digest = try finish()
        guard !settled else { throw EvidenceStoreError.io("文件已处理") }
        let target = try store.path(for: digest)
        let folder = (target as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            discard()
            throw EvidenceStoreError.io("无法创建目录 \(folder)：\(error.localizedDescription)")
        }
        if let existing = store.size(of: digest), existing == size {
            discard()
            return false
        }
        guard rename(temporaryPath, target) == 0 else {
            let message = String(cString: strerror(errno))
            discard()
            throw EvidenceStoreError.io("无法移入存储：\(message)")
        }
        settled = true
        // Make the rename itself durable.
        let directoryFD = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            _ = fsync(directoryFD)
            close(directoryFD)
        }
        return true
    }

    /// Removes the temporary file (nothing happens after a commit).
    public func discard() {
        if fd >= 0 {
            close(fd)
            fd = -1
        }
        guard !settled else { return }
        settled = true
        unlink(temporaryPath)
    }
}

/// What `kaohe evidence check` finds: files that records name but the store lacks, and files no record names.
public struct EvidenceCheck: Sendable, Equatable {
    /// Digests named by evidence records whose file is missing from the store (a damaged store).
    public var missing: [String]
    /// Files no evidence record names (left by an upload whose record failed), with their sizes.
    public var unreferenced: [(sha256: String, bytes: Int)]
    /// Of those, the ones removed (only when asked, and only those older than the given age).
    public var removed: [String]
    /// Blobs in the store.
    public var stored: Int

    public static func == (lhs: EvidenceCheck, rhs: EvidenceCheck) -> Bool {
        lhs.missing == rhs.missing && lhs.unreferenced.map(\.sha256) == rhs.unreferenced.map(\.sha256)
            && lhs.unreferenced.map(\.bytes) == rhs.unreferenced.map(\.bytes) && lhs.removed == rhs.removed
            && lhs.stored == rhs.stored
    }
}

extension EvidenceStore {
    /// Compares the store with the digests evidence records name (withdrawn ones included: their files are
    /// kept). With `removeOlderThan`, deletes the unreferenced files not modified for that long — younger
    /// ones may belong to an upload whose record is being written right now, by this or another instance.
    public func check(referenced: Set<String>, removeOlderThan: TimeInterval? = nil, now: Date = Date()) throws
        -> EvidenceCheck
    {
        let blobs = self.blobs()
        let present = Set(blobs)
        var result = EvidenceCheck(
            missing: referenced.subtracting(present).sorted(), unreferenced: [], removed: [], stored: blobs.count)
        for digest in blobs where !referenced.contains(digest) {
            let path = try path(for: digest)
            guard let file = Self.file(at: path) else { continue }
            result.unreferenced.append((digest, file.bytes))
            guard let age = removeOlderThan, now.timeIntervalSince(file.modified) >= age else { continue }
            guard unlink(path) == 0 else {
                throw EvidenceStoreError.io("无法删除 \(path)：\(String(cString: strerror(errno)))")
            }
            result.removed.append(digest)
        }
        return result
    }
}
