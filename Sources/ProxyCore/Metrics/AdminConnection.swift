import CEpoll
import Glibc

/// One admin request: its head read (at most `maxRequestBytes`) and parsed strictly, the answer written, the
/// connection closed. One deadline from accept covers all of it, so a client that sends slowly or reads slowly
/// is cut off rather than held.
final class AdminConnection: EventHandler {
    static let maxRequestBytes = 8 * 1024
    private static let parser = RequestHeadParser(limits: .init(maxRequestLine: 2048, maxHeadBytes: maxRequestBytes,
                                                                maxFields: 64, maxFieldBytes: 4096))

    private enum Phase {
        case reading, writing
        /// Our side is shut down: read what the client still sends until it closes, so it gets the answer, not a reset.
        case lingering
        case closed
    }

    private unowned let server: AdminServer
    private let fd: Int32
    private var input = IOBuffer()
    private var output = IOBuffer()
    private var phase = Phase.reading
    private var scanned = 0

    init(fd: Int32, server: AdminServer) {
        self.fd = fd
        self.server = server
    }

    func start() throws {
        try server.loop.register(self, fd: fd)
        server.adopt(self)
        server.loop.setTimeout(self, milliseconds: server.timeoutMs)
    }

    override func handleEvents(_ events: UInt32) {
        if events & CEPOLL_ERR != 0 { return close() }
        if events & (CEPOLL_IN | CEPOLL_RDHUP | CEPOLL_HUP) != 0 { read() }
        if events & CEPOLL_OUT != 0 && phase == .writing { write() }
    }

    override func handleTimeout() {
        close()
    }

    /// Reads until the socket is empty (edge-triggered), the head is complete, or the size limit is reached.
    private func read() {
        while phase == .reading || phase == .lingering {
            let room = phase == .reading ? Self.maxRequestBytes - input.readableCount : Self.maxRequestBytes
            let space = input.writableSpace(minimum: room)
            switch SocketIO.read(fd, into: UnsafeMutableRawBufferPointer(rebasing: space[0..<room])) {
            case .bytes(let count):
                if phase == .lingering { continue }  // discarded: the space is reused
                input.didWrite(count)
                parse()
            case .wouldBlock:
                return
            case .end, .failed:
                return close()
            }
        }
    }

    private func parse() {
        switch Self.parser.parse(input.readable, searchFrom: scanned) {
        case .incomplete(let scannedSoFar):
            scanned = scannedSoFar
        case .invalid(let error):
            respond(error.status, "application/json; charset=utf-8", LocalResponse.errorBody(error.message))
        case .complete(let head, _):
            let answer = server.answer(method: head.method, target: head.target)
            respond(answer.status, answer.contentType, answer.body, withBody: head.method != "HEAD")
        }
    }

    /// An answer to HEAD says how long the body would be, without it.
    private func respond(_ status: Int, _ contentType: String, _ body: String, withBody: Bool = true) {
        input.release()
        phase = .writing
        StatusLine.write(minorVersion: 1, status: status, into: &output)
        output.append("Content-Type: \(contentType)\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n")
        if withBody { output.append(body) }
        write()
    }

    private func write() {
        switch output.drain(through: { SocketIO.write(fd, $0) }) {
        case .bytes:
            output.release()
            phase = .lingering
            Glibc.shutdown(fd, Int32(SHUT_WR))
            read()
        case .wouldBlock, .end:
            return
        case .failed:
            close()
        }
    }

    func close() {
        guard phase != .closed else { return }
        phase = .closed
        server.loop.deregister(self, fd: fd)
        Glibc.close(fd)
        input.release()
        output.release()
        server.loop.setDeadline(self, .max)
        server.release(self)
    }
}
