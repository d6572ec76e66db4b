extension StringProtocol where SubSequence == Substring {
    /// Spaces and tabs removed from both ends; settings tolerate them around values and list entries.
    package func trimmingBlanks() -> Substring {
        let s = self[...]
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = s.firstIndex(where: { !isBlank($0) }), let last = s.lastIndex(where: { !isBlank($0) })
        else { return s[s.endIndex...] }
        return s[first...last]
    }
}
