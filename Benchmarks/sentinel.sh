#!/usr/bin/env bash
# What the ChatGPT sentinel handshake costs a client, against the tests' fake chatgpt.com on loopback:
# the p50 a turn takes with the handshake against the same request relayed, and a plain request's p50/p99
# on the same (only) worker while two turns search proofs at difficulty 000032, against idle.
# The release proxyd runs; the fake and the client are the integration tests' (debug) code.
# Usage: Benchmarks/sentinel.sh        (about 2 minutes on 2 cores, the build aside)
exec "$(dirname "$0")/against-fake.sh" PROXYD_BENCH_SENTINEL SentinelBenchmark
