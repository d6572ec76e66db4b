/// RFC 8701 GREASE code points (0x0a0a, 0x1a1a, ... 0xfafa): random per connection by design, so every
/// fingerprint leaves them out.
@inline(__always)
func isGREASE(_ value: UInt16) -> Bool {
    value & 0x0F0F == 0x0A0A && value >> 8 == value & 0xFF
}
