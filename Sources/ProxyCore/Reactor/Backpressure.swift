/// The marks every buffer between a producer and a consumer uses: the producer pauses when the buffer
/// holds `highWater` and resumes once it drains below `lowWater`, so a slow side holds back only its own
/// stream and memory per stream stays bounded.
enum Backpressure {
    static let highWater = 256 * 1024
    static let lowWater = 64 * 1024
}
