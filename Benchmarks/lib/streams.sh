# Sourced by run.sh. The slow-streams case (issue 3): STREAMS concurrent SSE POSTs of about 4 s each
# through one proxy, with its memory, CPU and upstream connections while they run.

# raise_nofile: every process of the case holds up to two descriptors per stream (client and upstream side).
raise_nofile() {
    local want=$((2 * STREAMS + 4096))
    (($(ulimit -n) >= want)) && return 0
    ulimit -n "$want" 2>/dev/null && return 0
    die "the slow-streams case needs $want open files per process, but the limit is $(ulimit -n) (hard $(ulimit -Hn))" \
        "and cannot be raised: run as root, raise the hard limit (ulimit -Hn, limits.conf), or lower STREAMS"
}

# measure_streams NAME HOST:PORT PID UPSTREAM_PORT: one run of STREAMS streams, recorded as a row.
measure_streams() {
    local name=$1 host=${2%:*} port=${2##*:} pid=$3 upstream=$4
    local out=$work/$name.streams idle cpu_before cpu_after upstream_before watch_pid note=${check_note[$name]:-}
    echo "== $name: $STREAMS slow streams" >&2
    kill -0 "$pid" 2>/dev/null || die "$name: no process $pid"
    idle=$(python3 "$here/lib/proc.py" rss "$pid" 0)
    python3 "$here/lib/proc.py" watch "$pid" "$upstream" >"$out.watch" &
    watch_pid=$!
    remember "$watch_pid"
    cpu_before=$(python3 "$here/lib/proc.py" cpu "$pid")
    upstream_before=$(python3 "$here/lib/proc.py" cpu "$upstream_pid")
    if ! timeout $((STREAM_TIMEOUT * 2 + 30)) python3 "$here/lib/streams.py" "$host" "$port" \
        /chatgpt/backend-api/slow/conversation "$STREAMS" "$upstream_dir/www/backend-api/slow/conversation" \
        --timeout "$STREAM_TIMEOUT" >"$out.client" 2>"$out.client.err"; then
        note="${note:+$note, }the client failed: $(tail -n1 "$out.client.err")"
        echo "{\"streams\": $STREAMS, \"completed\": 0, \"failures\": {}, \"peak_concurrent\": 0," \
            "\"head_p50_s\": null, \"duration_p50_s\": null, \"duration_max_s\": null}" >"$out.client"
    fi
    # Connections the proxy keeps once the streams are over: the watcher's last sample, 0.5 s to 1 s later.
    sleep 1
    kill -TERM "$watch_pid" && wait "$watch_pid" || true
    cpu_after=$(python3 "$here/lib/proc.py" cpu "$pid") || {
        note="${note:+$note, }exited during the run"
        cpu_after=$cpu_before
    }
    python3 "$here/lib/results.py" streams-add "$stream_rows" --proxy "${proxy_label[$name]}" \
        --upstream "${upstream_label[$name]}" --client "$out.client" --watch "$out.watch" \
        --cpu-us $((cpu_after - cpu_before)) \
        --upstream-cpu-us $(($(python3 "$here/lib/proc.py" cpu "$upstream_pid") - upstream_before)) --idle-rss-kib "$idle" --workers "$WORKERS" --note "$note"
    echo "  streams: $(cat "$out.client")" >&2
    echo "  proxy:   $(cat "$out.watch")" >&2
}
