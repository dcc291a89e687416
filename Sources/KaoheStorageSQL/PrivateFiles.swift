import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Files and folders only the account running Kaohe may read: the data directory (0700), the SQLite
/// database with its `-wal`, `-shm` and `-journal` files (0600), backups. Created with these modes whatever
/// the umask, so that nothing is ever readable by others, not even for a moment.
public enum PrivateFiles {
    /// The mode of private folders.
    public static let directoryMode: mode_t = 0o700
    /// The mode of private files.
    public static let fileMode: mode_t = 0o600

    /// The files SQLite keeps beside a database (the write-ahead log, its index, the rollback journal).
    public static func sqliteCompanions(of path: String) -> [String] {
        [path + "-wal", path + "-shm", path + "-journal"]
    }

    /// Creates `path` and any missing parent folder with mode 0700. An existing folder is left as it is,
    /// unless `tightenExisting` (the data directory: it is Kaohe's own), which sets it to 0700.
    public static func makeDirectory(_ path: String, tightenExisting: Bool = false) throws {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        var current = ""
        for component in absolute.split(separator: "/", omittingEmptySubsequences: true) {
            current += "/" + component
            if mkdir(current, directoryMode) == 0 {
                // The umask may have removed bits of 0700 (never added any): set it exactly.
                guard chmod(current, directoryMode) == 0 else { throw failure("无法设置目录权限", current) }
            } else if errno != EEXIST {
                throw failure("无法创建目录", current)
            }
        }
        var info = stat()
        guard stat(absolute, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw PrivateFilesError(message: "\(absolute) 不是目录")
        }
        if tightenExisting, info.st_mode & 0o777 != directoryMode {
            guard chmod(absolute, directoryMode) == 0 else { throw failure("无法设置目录权限", absolute) }
        }
    }

    /// Creates the empty file `path` with mode 0600 when it does not exist; an existing one keeps its
    /// content and loses any group and other permission.
    public static func makeFile(_ path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, fileMode)
        guard fd >= 0 else { throw failure("无法创建文件", path) }
        close(fd)
        try tighten(path)
    }

    /// Removes group and other permissions from the file at `path`, if there is one.
    public static func tighten(_ path: String) throws {
        var info = stat()
        guard stat(path, &info) == 0 else { return }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 != 0 else { return }
        guard chmod(path, mode & 0o700) == 0 else { throw failure("无法设置文件权限", path) }
    }

    /// The SQLite file `path` made private before SQLite opens it: created 0600 when missing (SQLite gives its
    /// `-wal` and `-shm` files the database file's mode), and an existing database and its companions
    /// tightened (files created by earlier versions were 0644).
    public static func prepareSQLiteFile(_ path: String) throws {
        try makeFile(path)
        for companion in sqliteCompanions(of: path) { try tighten(companion) }
    }

    /// The permission bits of the file or folder at `path`, or nil when there is none.
    public static func mode(of path: String) -> mode_t? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return info.st_mode & 0o777
    }

    private static func failure(_ what: String, _ path: String) -> PrivateFilesError {
        PrivateFilesError(message: "\(what) \(path)：\(String(cString: strerror(errno)))")
    }
}

/// A private file or folder could not be created or restricted.
public struct PrivateFilesError: Error, Sendable, CustomStringConvertible {
    /// What failed, in Chinese, naming the path.
    public let message: String
    public var description: String { message }
}
