import Foundation

/// A value a listener's connection initializer needs but that exists only after the listener is bound (the
/// fakes put their port in their URLs): set once after binding, read from the event loop.
final class LateBox<Value: AnyObject>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value?

    var value: Value? {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
