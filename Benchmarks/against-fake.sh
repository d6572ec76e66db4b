#!/usr/bin/env bash
# Runs one opt-in benchmark of the integration tests against their fake chatgpt.com, with the release proxyd:
# Benchmarks/against-fake.sh SWITCH FILTER (the test skips unless SWITCH=1) prints the lines it reports.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(scripts/build-release)/proxyd
swift build --build-tests
env PROXYD_BINARY="$bin" "$1=1" \
    swift test --disable-swift-testing --skip-build --filter "$2" 2>&1 | grep -E "bench:|error|failed"
