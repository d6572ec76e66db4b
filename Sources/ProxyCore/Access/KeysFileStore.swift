import Glibc

/// The writes of `proxyd keys`. Each holds an exclusive lock on the keys file while it reads, checks and
/// writes, so two commands run at once cannot lose each other's change, and neither writes to a file that
/// does not parse.
package enum KeysFileStore {
    /// Appends the record `make` builds from the file as it is now (so that it can check its id and name
    /// against the records there). A missing file is created with mode 0600: it says who holds which key.
    package static func append(path: String, _ make: (KeysFile) throws -> KeyRecord) throws {
        try locked(path, flags: O_RDWR | O_APPEND) { fd, file in
            try write(fd, file.appendix(try make(file)), path: path)
        }
    }

    /// Replaces the record `change` picks from the file as it is now with a new one; nil: nothing to write.
    /// The new file is written beside the old (the same directory, so the rename stays on one file system),
    /// synced, and renamed over it: a crash leaves the old file or the new one, never part of either.
    package static func replace(path: String, _ change: (KeysFile) throws -> (KeysFile.Entry, KeyRecord)?) throws {
        try locked(path, flags: O_RDONLY) { fd, file in
            guard let (entry, record) = try change(file) else { return }
            try rewrite(path, with: file.replacing(entry, with: record), like: fd)
        }
    }

    private static func failure(_ path: String, _ what: String) -> KeysFileError {
        KeysFileError(path: path, line: nil, problem: "\(what): \(errnoText(errno))")
    }

    private static func locked(_ path: String, flags: Int32, _ body: (Int32, KeysFile) throws -> Void) throws {
        while true {
            let fd = try open(path, flags: flags)
            defer { close(fd) }
            while flock(fd, LOCK_EX) != 0 {
                guard errno == EINTR else { throw failure(path, "cannot be locked") }
            }
            // A `replace` may have renamed a new file over the path while this one waited for the lock of the
            // old: then the lock to take is the new file's.
            var held = stat()
            var current = stat()
            guard fstat(fd, &held) == 0, stat(path, &current) == 0, held.st_dev == current.st_dev,
                  held.st_ino == current.st_ino else { continue }
            return try body(fd, KeysFile.read(path))
        }
    }

    private static func open(_ path: String, flags: Int32) throws(KeysFileError) -> Int32 {
        if flags & O_APPEND != 0 {
            let created = Glibc.open(path, flags | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if created >= 0 {
                // The umask may have taken bits away; the owner must still read and write it.
                fchmod(created, 0o600)
                return created
            }
            guard errno == EEXIST else { throw failure(path, "cannot be created") }
        }
        let fd = Glibc.open(path, flags | O_CLOEXEC)
        guard fd >= 0 else { throw failure(path, "cannot be opened") }
        return fd
    }

    private static func write(_ fd: Int32, _ bytes: [UInt8], path: String) throws(KeysFileError) {
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, $0.count - written) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw failure(path, "cannot be written") }
            written += n
        }
        guard fsync(fd) == 0 else { throw failure(path, "cannot be synced") }
    }

    private static func rewrite(_ path: String, with bytes: [UInt8], like original: Int32) throws(KeysFileError) {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        var template = Array("\(directory)/.\(name).XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw failure(path, "no temporary file beside it") }
        let temporary = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var renamed = false
        defer {
            close(fd)
            if !renamed { unlink(temporary) }
        }
        // The mode and, where allowed (root), the owner stay the old file's: the server's user must still read it.
        var info = stat()
        if fstat(original, &info) == 0 {
            fchmod(fd, info.st_mode & 0o7777)
            _ = fchown(fd, info.st_uid, info.st_gid)
        }
        try write(fd, bytes, path: temporary)
        guard rename(temporary, path) == 0 else { throw failure(path, "cannot be replaced") }
        renamed = true
        // The rename is durable only once the directory is synced.
        let directoryFD = Glibc.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            fsync(directoryFD)
            close(directoryFD)
        }
    }
}
