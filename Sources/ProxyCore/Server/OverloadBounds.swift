/// How many client connections and requests under way one worker takes before it sheds: past the first, a
/// new connection gets a 503 and is closed at accept; past the second, a new request gets a 503 with
/// Retry-After before its body is read. What is already admitted is never dropped.
package struct OverloadBounds: Equatable, Sendable {
    package var connections: Int
    package var streams: Int

    /// Descriptors kept out of the split: listeners, epoll, eventfds, DNS sockets, files and the admin side.
    static let reserved = 64

    /// A bound left `nil` (auto) is half of the worker's share of the open-file limit: each client connection
    /// takes a descriptor, and each request under way may take one more (an HTTP/1.1 upstream connection),
    /// so both full at once still fit.
    package init(configuration: Configuration, descriptorLimit: Int) {
        let share = max((descriptorLimit - Self.reserved) / max(configuration.workers, 1), 2)
        connections = configuration.maxConnections ?? share / 2
        streams = configuration.maxStreams ?? share / 2
    }
}
