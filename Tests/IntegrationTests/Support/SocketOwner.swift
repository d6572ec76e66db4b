import Foundation

/// Which process holds the client end of a loopback TCP connection, from /proc: how a test server tells
/// whether a request came from proxyd itself or through a proxy daemon in between.
enum SocketOwner {
    /// The pid owning the socket bound to 127.0.0.1:`clientPort` and connected to port `serverPort`.
    static func pid(clientPort: Int, serverPort: Int) -> Int32? {
        guard let inode = inode(clientPort: clientPort, serverPort: serverPort) else { return nil }
        let target = "socket:[\(inode)]"
        let processes = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in processes {
            guard let pid = Int32(entry) else { continue }
            let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(entry)/fd")) ?? []
            for fd in fds where (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(entry)/fd/\(fd)")) == target {
                return pid
            }
        }
        return nil
    }

    /// /proc/net/tcp lines: `sl local rem st tx:rx tr:when retrnsmt uid timeout inode`, addresses as HEX:PORT.
    private static func inode(clientPort: Int, serverPort: Int) -> String? {
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            // /proc files report a size of 0, so they are read to their end rather than by their size.
            guard let handle = FileHandle(forReadingAtPath: table) else { continue }
            defer { try? handle.close() }
            guard let data = try? handle.readToEnd() else { continue }
            let text = String(decoding: data, as: UTF8.self)
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ")
                guard fields.count > 9, port(fields[1]) == clientPort, port(fields[2]) == serverPort else { continue }
                return String(fields[9])
            }
        }
        return nil
    }

    private static func port(_ address: Substring) -> Int? {
        address.split(separator: ":").last.flatMap { Int($0, radix: 16) }
    }
}
