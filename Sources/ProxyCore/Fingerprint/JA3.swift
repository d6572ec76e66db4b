/// JA3 (Salesforce) and JA3N, its variant with sorted extensions that survives Chrome's per-connection
/// extension permutation: `version,ciphers,extensions,groups,point_formats` in decimal, GREASE left out.
enum JA3 {
    static func string(_ hello: ClientHello, sortExtensions: Bool) -> String {
        func list<T: BinaryInteger>(_ values: [T]) -> String {
            values.map { String($0) }.joined(separator: "-")
        }
        var extensions = hello.extensions.map(\.type).filter { !isGREASE($0) }
        if sortExtensions { extensions.sort() }
        return [
            String(hello.legacyVersion),
            list(hello.cipherSuites.filter { !isGREASE($0) }),
            list(extensions),
            list(hello.supportedGroups.filter { !isGREASE($0) }),
            list(hello.ecPointFormats),
        ].joined(separator: ",")
    }
}
