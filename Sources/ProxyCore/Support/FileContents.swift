import Glibc

/// Why a whole file could not be read; `isMissing` lets optional files (`.env`) be skipped.
package struct FileReadError: Error, CustomStringConvertible {
    package let path: String
    package let reason: String
    package let isMissing: Bool

    package var description: String { "cannot read \"\(path)\": \(reason)" }
}

/// Whole regular files read at startup (the `.env` file, the tokenizer's vocabulary), without Foundation,
/// which the executable does not link. Nothing on the data path reads files.
package enum FileContents {
    package static func read(_ path: String) throws(FileReadError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            throw FileReadError(path: path, reason: errnoText(code), isMissing: code == ENOENT)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw FileReadError(path: path, reason: "not a regular file", isMissing: false)
        }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var filled = 0
        while filled < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + filled, $0.count - filled) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else {
                throw FileReadError(path: path, reason: n < 0 ? errnoText(errno) : "file shrank while read", isMissing: false)
            }
            filled += n
        }
        return bytes
    }
}
