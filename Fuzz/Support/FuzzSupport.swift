// What every fuzz target shares: the libFuzzer entry point, invariant checks that stop the run, and
// choices drawn from the input itself. Each target's file defines `fuzzTarget(_:)`.

/// libFuzzer calls this once per input. The bytes live in a heap block of exactly `size` bytes, so
/// AddressSanitizer reports any read past the end.
@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzTarget(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

/// Stops the run when an invariant does not hold; libFuzzer then saves the input as a crash. Unlike
/// `precondition`, the message is printed in optimized builds too.
func invariant(_ holds: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
               file: StaticString = #file, line: UInt = #line) {
    if !holds() { fatalError("invariant failed: " + message(), file: file, line: line) }
}

extension SeededGenerator {
    /// Seeded by a hash of the input (FNV-1a): choices such as where to split the bytes cost no input
    /// bytes of their own, and an input always replays the same run.
    init(hashing bytes: UnsafeRawBufferPointer) {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0100_0000_01B3 }
        self.init(seed: hash)
    }

    /// Up to `pieces - 1` sorted cut points strictly inside `0..<count`, then `count`: where each read
    /// ends when `count` bytes arrive in at most `pieces` reads.
    mutating func arrivals(count: Int, pieces: Int) -> [Int] {
        guard count > 1 else { return [count] }
        let cuts = (1..<pieces).map { _ in Int.random(in: 1..<count, using: &self) }
        return Set(cuts).sorted() + [count]
    }

    /// Every read end from 1 to `count`: the bytes one at a time. Longer inputs, where that would cost
    /// more than the rest of a run, arrive in 64 reads instead.
    mutating func byteByByte(count: Int) -> [Int] {
        if count > 256 { return arrivals(count: count, pieces: 64) }
        return count == 0 ? [0] : Array(1...count)
    }
}

extension UnsafeRawBufferPointer {
    /// The first `count` bytes, as a buffer of their own.
    func firstBytes(_ count: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: self[..<count])
    }
}
