import Foundation

extension LoopbackSocket {
    /// Waits until a server started as a child process accepts on `port`, or fails at once if it exited.
    /// The probe is one connection that sends nothing; servers that log connections will show it.
    static func waitForListener(port: Int, process: Process, name: String) throws {
        for _ in 0..<250 {
            guard process.isRunning else { throw TestSetupError("\(name) exited with \(process.terminationStatus)") }
            if let fd = try? connect(port: port, timeout: 1) {
                close(fd)
                return
            }
            usleep(20_000)
        }
        throw TestSetupError("\(name) did not listen on \(port)")
    }
}
