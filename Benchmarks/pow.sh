#!/usr/bin/env bash
# The sentinel's proof of work on one thread (issue 11): FNV-1a and SHA3-512 tries per second per core, and
# solve times p50/p99 at difficulties 0003ff, 00007f and 000032 (Benchmarks/ProofOfWork/main.swift).
#   Benchmarks/pow.sh [--no-build] [--record] [SECONDS]   SECONDS per solve case (default 10; about 45 s in all)
# --record appends the tables with the date, CPU and nproc to Benchmarks/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
build=1 record=0 seconds=10
while (($#)); do
    case "$1" in
        --no-build) build=0 ;;
        --record) record=1 ;;
        -h|--help) sed -n '2,5s/^# \{0,1\}//p' "$0"; exit 0 ;;
        *) [[ $1 =~ ^[0-9]+$ ]] || { echo "pow.sh: unknown argument $1" >&2; exit 64; }; seconds=$1 ;;
    esac
    shift
done
if ((build)); then scripts/build-release --product PoWBench >/dev/null; fi
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
tables=$("$(scripts/build-release --show-bin-path 2>/dev/null)/PoWBench" "$seconds")
echo "$tables"
if ((record)); then
    commit=$(git describe --always --dirty 2>/dev/null || echo unknown)
    {
        echo
        echo "## $(date -u) — proof of work (PoWBench)"
        echo
        echo "- machine: $(uname -srm), $(sed -n 's/^model name\t*: *//p' /proc/cpuinfo | head -1), nproc $(nproc)"
        echo "- load average before the run: $load_before; commit: $commit; Swift release build"
        echo "- one thread; rates over 3 s of the thread's CPU time; solves with random seeds, ${seconds} s per case, searched in 1 ms slices with no try limit"
        echo
        echo "$tables"
    } >>Benchmarks/RESULTS.md
    echo "appended to Benchmarks/RESULTS.md" >&2
fi
