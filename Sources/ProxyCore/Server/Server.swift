public final class Server { public init(configuration: Configuration) throws {} ; public func run() throws {} }
