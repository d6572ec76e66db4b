/// Milliseconds as seconds for messages: "2" for 2000, "0.5" for 500.
func secondsText(_ milliseconds: UInt64) -> String {
    let whole = milliseconds / 1000, fraction = milliseconds % 1000
    guard fraction != 0 else { return String(whole) }
    var digits = String(fraction + 1000).dropFirst()  // zero-padded to three digits
    while digits.last == "0" { digits.removeLast() }
    return "\(whole).\(digits)"
}
