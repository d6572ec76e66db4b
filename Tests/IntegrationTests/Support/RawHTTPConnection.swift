import Dispatch
import Foundation
import Glibc

struct ResponseHead {
    let status: Int
    let statusLine: String
    let headers: [(name: String, value: String)]

    func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}

struct RawResponse {
    let head: ResponseHead
    let body: [UInt8]
    /// False when the connection ended before the framing said the body was over (truncated relay).
    let complete: Bool

    var status: Int { head.status }
    var bodyText: String { String(decoding: body, as: UTF8.self) }
    func header(_ name: String) -> String? { head.header(name) }
    /// proxyd's own `{"errorMessage":…}`, or "" for any other body.
    var errorMessage: String {
        ((try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any])?["errorMessage"] as? String ?? ""
    }
}

/// A deliberately dumb HTTP/1.1 client over one blocking socket: it sends whatever bytes a test gives it
/// (malformed ones included) and parses responses itself, so nothing normalises what proxyd really sent.
final class RawHTTPConnection {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var readIndex = 0
    private var peerClosed = false
    /// Monotonic time of the most recent successful read.
    private(set) var lastReceiveTime: UInt64 = 0

    init(port: Int, timeout: Double = 10) throws {
        fd = try LoopbackSocket.connect(port: port, timeout: timeout)
    }

    deinit { Glibc.close(fd) }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            // MSG_NOSIGNAL: proxyd may close early on purpose (413, 431); that must not kill the test runner.
            let n = bytes.withUnsafeBytes { raw in
                Glibc.send(fd, raw.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw RawHTTPError.sendFailed(errno: errno)
            }
            sent += n
        }
    }

    /// Reads one response, interim 1xx ones included; `method` decides whether a body can follow.
    func readResponse(method: String = "GET") throws -> RawResponse {
        let head = try readHead()
        return try readBody(for: head, method: method)
    }

    func readHead() throws -> ResponseHead {
        let terminator: [UInt8] = [13, 10, 13, 10]
        var end: Int?
        while end == nil {
            end = find(terminator, from: readIndex)
            if end == nil {
                guard buffer.count - readIndex < 1 << 20 else { throw RawHTTPError.malformed("head over 1 MiB") }
                guard try fill() else { throw RawHTTPError.closed("a response head") }
            }
        }
        let headEnd = end ?? readIndex
        let text = String(decoding: buffer[readIndex..<headEnd], as: UTF8.self)
        readIndex = headEnd + terminator.count
        var lines = text.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw RawHTTPError.malformed("status line \(statusLine.debugDescription)")
        }
        let headers = try lines.map { line -> (name: String, value: String) in
            guard let colon = line.firstIndex(of: ":") else { throw RawHTTPError.malformed("header \(line.debugDescription)") }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        return ResponseHead(status: status, statusLine: statusLine, headers: headers)
    }

    /// `onData` sees each piece of body with the monotonic time it was received, for streaming assertions.
    func readBody(for head: ResponseHead, method: String = "GET",
                  onData: ((ArraySlice<UInt8>, UInt64) -> Void)? = nil) throws -> RawResponse {
        var body: [UInt8] = []
        let deliver = { (piece: ArraySlice<UInt8>) in
            body.append(contentsOf: piece)
            onData?(piece, self.lastReceiveTime)
        }
        let noBody = method == "HEAD" || (100..<200).contains(head.status) || head.status == 204 || head.status == 304
        var complete = true
        if noBody {
        } else if head.header("transfer-encoding")?.lowercased().contains("chunked") == true {
            complete = try readChunked(deliver)
        } else if let lengthText = head.header("content-length") {
            guard let length = Int(lengthText), length >= 0 else { throw RawHTTPError.malformed("content-length \(lengthText)") }
            complete = try readExactly(length, deliver)
        } else {
            while try fill() || readIndex < buffer.count { deliver(take(buffer.count - readIndex)) }
        }
        return RawResponse(head: head, body: body, complete: complete)
    }

    /// At most `limit` of the bytes that follow, framing ignored, as soon as any are there: for a client that
    /// reads a body slowly on purpose. Empty once the peer has closed.
    func readRaw(upTo limit: Int) throws -> ArraySlice<UInt8> {
        if readIndex == buffer.count, try !fill() { return [] }
        return take(min(limit, buffer.count - readIndex))
    }

    /// True if the peer closes (EOF or reset) within `timeout` without sending anything more.
    func waitForClose(timeout: Double) -> (closed: Bool, extraBytes: Int) {
        var seconds = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &seconds, socklen_t(MemoryLayout<timeval>.size))
        let pending = buffer.count - readIndex
        do {
            while try fill() {}
            return (true, buffer.count - readIndex)
        } catch RawHTTPError.closed {
            return (true, pending)
        } catch {
            return (false, buffer.count - readIndex)
        }
    }

    private func readChunked(_ deliver: (ArraySlice<UInt8>) -> Void) throws -> Bool {
        while true {
            guard let line = try readLine() else { return false }
            let sizeText = line.split(separator: ";", maxSplits: 1).first.map(String.init) ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size >= 0 else {
                throw RawHTTPError.malformed("chunk size \(line.debugDescription)")
            }
            if size == 0 {
                while let trailer = try readLine(), !trailer.isEmpty {}
                return true
            }
            guard try readExactly(size, deliver) else { return false }
            guard let empty = try readLine(), empty.isEmpty else { return false }
        }
    }

    private func readExactly(_ length: Int, _ deliver: (ArraySlice<UInt8>) -> Void) throws -> Bool {
        var remaining = length
        while remaining > 0 {
            if readIndex == buffer.count, try !fill() { return false }
            let piece = take(min(remaining, buffer.count - readIndex))
            remaining -= piece.count
            deliver(piece)
        }
        return true
    }

    /// nil when the peer closed before a full line arrived.
    private func readLine() throws -> String? {
        while true {
            if let end = find([13, 10], from: readIndex) {
                let line = String(decoding: buffer[readIndex..<end], as: UTF8.self)
                readIndex = end + 2
                return line
            }
            guard try fill() else { return nil }
        }
    }

    private func take(_ count: Int) -> ArraySlice<UInt8> {
        defer { readIndex += count }
        return buffer[readIndex..<(readIndex + count)]
    }

    private func find(_ needle: [UInt8], from start: Int) -> Int? {
        guard buffer.count - start >= needle.count else { return nil }
        var index = start
        while index <= buffer.count - needle.count {
            if buffer[index] == needle[0] && Array(buffer[index..<(index + needle.count)]) == needle { return index }
            index += 1
        }
        return nil
    }

    /// Appends whatever the socket has; false on EOF. A reset counts as EOF once something was read, because
    /// a proxy that aborts a relay may well reset.
    @discardableResult
    private func fill() throws -> Bool {
        if peerClosed { return false }
        if readIndex > 1 << 20 && readIndex * 2 > buffer.count {
            buffer.removeFirst(readIndex)
            readIndex = 0
        }
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                lastReceiveTime = DispatchTime.now().uptimeNanoseconds
                buffer.append(contentsOf: chunk[0..<n])
                return true
            }
            if n == 0 || errno == ECONNRESET {
                peerClosed = true
                return false
            }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { throw RawHTTPError.timedOut("data from proxyd") }
            throw RawHTTPError.closed("data (errno \(errno))")
        }
    }
}
