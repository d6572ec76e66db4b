// Shared with the fuzz targets (Fuzz/, scripts/fuzz), which compile this file without XCTest and with the
// ProxyCore sources in the same module.
#if canImport(ProxyCore)
@testable import ProxyCore
#endif

/// A head parser's answer, as far as incremental feeding cares.
protocol IncrementalParseResult: Equatable {
    /// The position to resume from when the head is incomplete; nil for a final answer.
    var resumeFrom: Int? { get }
    /// The head's length in bytes once complete; nil otherwise.
    var headLength: Int? { get }
}

extension RequestHeadParser.Result: IncrementalParseResult {
    var resumeFrom: Int? {
        if case .incomplete(let scanned) = self { return scanned }
        return nil
    }

    var headLength: Int? {
        if case .complete(_, let length) = self { return length }
        return nil
    }
}

extension ResponseHeadParser.Result: IncrementalParseResult {
    var resumeFrom: Int? {
        if case .incomplete(let scanned) = self { return scanned }
        return nil
    }

    var headLength: Int? {
        if case .complete(_, let length) = self { return length }
        return nil
    }
}
