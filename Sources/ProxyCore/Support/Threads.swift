import Glibc

/// Starts `body` on a new POSIX thread. Joinable threads are returned for `pthread_join`;
/// detached ones clean up after themselves.
@discardableResult
package func startThread(detached: Bool, _ body: @escaping () -> Void) throws -> pthread_t {
    final class Box {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }
    let context = Unmanaged.passRetained(Box(body)).toOpaque()
    var thread = pthread_t()
    let rc = pthread_create(&thread, nil, { raw in
        let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
        box.body()
        return nil
    }, context)
    guard rc == 0 else {
        Unmanaged<Box>.fromOpaque(context).release()
        throw SystemError("pthread_create", rc)
    }
    if detached { pthread_detach(thread) }
    return thread
}
