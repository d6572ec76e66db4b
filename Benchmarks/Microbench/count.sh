#!/usr/bin/env bash
# Instructions per request of the per-request pure work (HotPathBench), counted by callgrind over the
# measured loop only, so process start-up and the first-call set-up do not enter the figure.
# Usage: Benchmarks/Microbench/count.sh [--no-build] [ITERATIONS] [h1|h2]
# h1 (default): the request goes upstream as an HTTP/1.1 head; h2: as HTTP/2 fields and their HPACK block.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=1
if [[ "${1:-}" == "--no-build" ]]; then build=0; shift; fi
iterations="${1:-10000}"
mode="${2:-h1}"
if [[ $build == 1 ]]; then scripts/build-release --product HotPathBench >/dev/null; fi
bin="$(scripts/build-release --show-bin-path 2>/dev/null)/HotPathBench"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
# valgrind 3.19 gives up on the DWARF 5 that swiftc emits; the symbol table is all callgrind needs here.
strip --strip-debug -o "$out/HotPathBench" "$bin"
valgrind --tool=callgrind --callgrind-out-file="$out/cg.out" --collect-atstart=no \
    --toggle-collect='*12HotPathBench7measure*' "$out/HotPathBench" "$iterations" "$mode" 2>"$out/valgrind.log"
if [[ -n "${KEEP_CALLGRIND:-}" ]]; then cp "$out/cg.out" "$KEEP_CALLGRIND"; fi
total="$(awk '/^(summary|totals):/ { print $2; exit }' "$out/cg.out")"
if [[ -z "$total" || "$total" == 0 ]]; then
    echo "no instructions collected; valgrind said:" >&2
    cat "$out/valgrind.log" >&2
    exit 1
fi
echo "instructions per request ($mode): $(( total / iterations )) ($total over $iterations iterations)"
