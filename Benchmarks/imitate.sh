#!/usr/bin/env bash
# What /imitate/v1 costs against relaying the same ChatGPT answer byte for byte, against the tests' fake
# chatgpt.com on loopback: proxyd's CPU per streamed 1,000-delta answer (streamed, with usage counted, and not
# streamed; each with its handshake, which both sides pay), and its resident memory per open slow stream with
# 1,000 at once. The release proxyd runs with one worker; the fake and the clients are the tests' (debug) code.
# Usage: Benchmarks/imitate.sh        (about 3 minutes on 2 cores, the build aside)
exec "$(dirname "$0")/against-fake.sh" PROXYD_BENCH_IMITATE "ImitateBenchmark|ImitateRelayBenchmark"
