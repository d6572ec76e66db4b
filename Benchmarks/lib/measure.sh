# Sourced by run.sh. Runs the wrk cases against one proxy and records a row per case.

wrk_case() {
    local case=$1 base=$2 duration=$3
    local common=(-t2 "-c$CONNECTIONS" "-d${duration}s" --timeout 10s --latency)
    case $case in
    json) timeout $((duration + 30)) wrk "${common[@]}" -H 'Authorization: Bearer x' "$base/platform/v1/json" ;;
    sse) timeout $((duration + 30)) wrk "${common[@]}" -s "$here/lib/sse.lua" "$base/chatgpt/conversation" ;;
    esac
}

# measure NAME HOST:PORT PID: header check, then each wrk case with a warm-up, CPU and peak RSS.
measure() {
    local name=$1 base=http://$2 pid=$3 note="" case cpu_before cpu_after rss_pid
    echo "== $name ($base, pid $pid)" >&2
    kill -0 "$pid" 2>/dev/null || die "$name: no process $pid"
    if ! check_proxy "$base" "${upstream_port_of[$name]}" >"$work/$name.check" 2>&1; then
        note="header check failed"
        check_note[$name]=$note
        echo "$name: header check failed:" >&2
        cat "$work/$name.check" >&2
    fi
    for case in ${cases//,/ }; do
        [[ $case == streams || $case == setup ]] && continue # lib/streams.sh, lib/setup.sh
        if ((WARMUP > 0)); then
            wrk_case "$case" "$base" "$WARMUP" >"$work/$name.$case.warmup" 2>&1 || true
        fi
        cpu_before=$(python3 "$here/lib/proc.py" cpu "$pid")
        python3 "$here/lib/proc.py" rss "$pid" "$DURATION" >"$work/$name.$case.rss" &
        rss_pid=$!
        remember "$rss_pid"
        wrk_case "$case" "$base" "$DURATION" >"$work/$name.$case.wrk" 2>&1 || true
        cpu_after=$(python3 "$here/lib/proc.py" cpu "$pid")
        wait "$rss_pid" || true
        python3 "$here/lib/results.py" add "$rows" --case "${case_names[$case]}" \
            --proxy "${proxy_label[$name]}" --upstream "${upstream_label[$name]}" \
            --wrk "$work/$name.$case.wrk" --cpu-us $((cpu_after - cpu_before)) \
            --rss-kib "$(cat "$work/$name.$case.rss" 2>/dev/null || echo 0)" --note "$note"
        grep -E 'requests in|Requests/sec|Non-2xx|Socket errors' "$work/$name.$case.wrk" | sed "s/^/  $case: /" >&2
    done
}
