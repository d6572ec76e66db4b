import Glibc

/// A failed system call, with errno rendered by strerror.
struct SystemError: Error, CustomStringConvertible {
    let call: String
    let errno: Int32

    init(_ call: String, _ errno: Int32) {
        self.call = call
        self.errno = errno
    }

    var description: String { "\(call): \(errnoText(errno))" }
}

func errnoText(_ code: Int32) -> String {
    String(cString: strerror(code))
}
