#!/usr/bin/env bash
# What the ChatGPT sentinel handshake costs a client, against the tests' fake chatgpt.com on loopback:
# the p50 a turn takes with the handshake against the same request relayed, and a plain request's p50/p99
# on the same (only) worker while two turns search proofs at difficulty 000032, against idle.
# The release proxyd runs; the fake and the client are the integration tests' (debug) code.
# Usage: Benchmarks/sentinel.sh        (about 2 minutes on 2 cores, the build aside)
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product proxyd
swift build --build-tests
PROXYD_BINARY="$PWD/.build/release/proxyd" PROXYD_BENCH_SENTINEL=1 \
    swift test --disable-swift-testing --skip-build --filter SentinelBenchmark 2>&1 | grep -E "sentinel bench|error|failed"
