// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "proxyd",
    products: [
        .executable(name: "proxyd", targets: ["proxyd"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        // Test fixtures only: an independent TLS and HTTP stack for the upstream side.
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        // Also the source of CNIOBoringSSL, the BoringSSL backend of CTLSShim.
        .package(url: "https://github.com/apple/swift-nio-ssl", exact: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-http2", exact: "1.46.0"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        .systemLibrary(
            name: "CNghttp2",
            pkgConfig: "libnghttp2",
            providers: [.apt(["libnghttp2-dev"])]
        ),
        .systemLibrary(
            name: "CAres",
            pkgConfig: "libcares",
            providers: [.apt(["libc-ares-dev"])]
        ),
        .systemLibrary(
            name: "CBrotli",
            pkgConfig: "libbrotlidec",
            providers: [.apt(["libbrotli-dev"])]
        ),
        .systemLibrary(
            name: "CBrotliEncoder",
            pkgConfig: "libbrotlienc",
            providers: [.apt(["libbrotli-dev"])]
        ),
        // Response decoding (Relay/ContentDecoder): gzip and deflate, zstd; brotli is CBrotli.
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .systemLibrary(
            name: "CZstd",
            pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"])]
        ),
        .target(name: "CEpoll", cSettings: [.define("_GNU_SOURCE")]),
        // Recycled blocks for nghttp2's allocations, one pool per worker (Upstream/HTTP2Memory.swift).
        .target(name: "CBlockPool"),
        // Two backends in one binary: OpenSSL for the `openssl` profile, BoringSSL (swift-nio-ssl's
        // copy, symbols prefixed so both link side by side) for the browser profiles.
        .target(
            name: "CTLSShim",
            dependencies: ["COpenSSL", "CBrotli", .product(name: "NIOSSL", package: "swift-nio-ssl")],
            // zlib and zstd decompress certificates for the profiles that offer them (Safari, Firefox).
            linkerSettings: [.linkedLibrary("z"), .linkedLibrary("zstd")]
        ),
        // The inner loops of the sentinel's proof of work: SIMD lanes picked at run time, SHA3 from OpenSSL 3.
        .target(name: "CProofOfWork", dependencies: ["COpenSSL"]),
        .target(
            name: "ProxyCore",
            dependencies: ["CEpoll", "CBlockPool", "CTLSShim", "CNghttp2", "CAres", "CBrotli", "CZlib", "CZstd", "CProofOfWork"],
            // Run-time exclusivity checks cost 8-14 % of a small HTTP/2 request's CPU (RESULTS.md, issue 13). The
            // debug build the tests run keeps them, so an overlapping access still fails a test there.
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
        ),
        .executableTarget(
            name: "proxyd",
            dependencies: [
                "ProxyCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Instruction counts of the per-request work: Benchmarks/Microbench/count.sh.
        .executableTarget(name: "HotPathBench", dependencies: ["ProxyCore", "CNghttp2"], path: "Benchmarks/Microbench/HotPathBench"),
        // Proof-of-work tries per second and solve times: Benchmarks/pow.sh.
        .executableTarget(name: "PoWBench", dependencies: ["ProxyCore", "CProofOfWork"], path: "Benchmarks/ProofOfWork"),
        // Nanoseconds per limit decision, shared key against per-worker shares: Benchmarks/README.md.
        .executableTarget(name: "LimitsBench", dependencies: ["ProxyCore"], path: "Benchmarks/Limits"),
        .testTarget(
            name: "ProxyCoreTests",
            // BoringSSL and the brotli encoder for a test server that honours ALPS and certificate compression.
            // zlib, zstd and the brotli encoder also encode the vectors of the content decoder's tests.
            // CBlockPool: the allocator's own tests.
            dependencies: ["ProxyCore", "CBlockPool", "CBrotliEncoder", "CZlib", "CZstd", .product(name: "NIOSSL", package: "swift-nio-ssl")],
            // Fixtures are read by path (#filePath), not bundled.
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                // The upstream fixtures encode response bodies as the request's accept-encoding asks.
                "CZlib", "CZstd", "CBrotliEncoder",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
            ],
            // The OpenAI SDK scripts of the /imitate tests and the metrics tests' parser, run by path (PythonSDK.swift).
            exclude: ["Imitate/scripts", "Metrics/scripts"]
        ),
    ],
    swiftLanguageModes: [.v5]
)
