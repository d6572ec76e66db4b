# Sourced by run.sh. Starts the processes of a run and stops exactly those again.

started_pids=()

# remember PID: stop_all ends it (and the children it forked, such as nginx workers) on exit.
remember() { started_pids+=("$1"); }

stop_all() {
    local pid kids=() deadline
    for pid in "${started_pids[@]}"; do
        kill -0 "$pid" 2>/dev/null || continue
        kids+=($(pgrep -P "$pid" || true))
        kill -TERM "$pid" 2>/dev/null || true
    done
    deadline=$((SECONDS + 5))
    for pid in "${started_pids[@]}" "${kids[@]}"; do
        while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    done
    started_pids=()
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_http NAME PID URL CURL_ARGS...: waits up to 10 s for URL to answer 200 while PID lives.
wait_http() {
    local name=$1 pid=$2 url=$3 code
    shift 3
    # EPOCHREALTIME in µs: SECONDS counts whole seconds and would cut the wait short by up to one.
    local deadline=$((${EPOCHREALTIME/./} + 10000000))
    while ((${EPOCHREALTIME/./} < deadline)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            wait "$pid" && code=0 || code=$?
            echo "$name exited (status $code) before answering $url" >&2
            return 1
        fi
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$@" "$url" || true)
        [[ $code == 200 ]] && return 0
        sleep 0.1
    done
    echo "$name did not answer GET $url with 200 within 10 s (last status: ${code:-none})" >&2
    return 1
}

# The "http2 on" directive exists from nginx 1.25.1; older versions take "http2" on the listen line.
set_http2_syntax() {
    local version
    version=$(nginx -v 2>&1 | sed -n 's|.*nginx/\([0-9.]*\).*|\1|p')
    if [[ $(printf '%s\n' 1.25.1 "$version" | sort -V | head -1) == 1.25.1 ]]; then
        http2_listen="" http2_on="http2 on;"
    else
        http2_listen="http2" http2_on=""
    fi
}

# fill_template TEMPLATE OUT KEY=VALUE...: writes OUT from TEMPLATE, filling @KEY@ placeholders.
fill_template() {
    local template=$1 out=$2 pair script=()
    shift 2
    for pair in "$@"; do
        script+=(-e "s|@${pair%%=*}@|${pair#*=}|g")
    done
    mkdir -p "$(dirname "$out")"
    sed "${script[@]}" "$template" >"$out"
}

# nginx_conf TEMPLATE DIR KEY=VALUE...: writes DIR/nginx.conf from TEMPLATE, filling @KEY@ placeholders.
nginx_conf() {
    local template=$1 dir=$2
    shift 2
    # Workers of a root master switch to "nobody" unless told otherwise; stay the current user.
    local user=""
    ((EUID == 0)) && user="user $(id -un) $(id -gn);"
    fill_template "$template" "$dir/nginx.conf" "USER=$user" "DIR=$dir" "CERTS=$certs" \
        "WORKER_CONNECTIONS=$worker_connections" "LOG_LEVEL=${LOG_LEVEL/warning/warn}" "$@"
}

# start_nginx DIR: runs nginx in the foreground of a background job; sets started_pid to the master.
start_nginx() {
    local dir=$1
    nginx -t -q -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" 2>"$dir/test.log" || {
        cat "$dir/test.log" >&2
        return 1
    }
    nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" >"$dir/stdout.log" 2>&1 &
    started_pid=$!
    remember "$started_pid"
}

# start_haproxy DIR: checks DIR/haproxy.cfg, then runs HAProxy in the foreground (-db: one process, its
# threads doing the work, no master to fork workers) in a background job; sets started_pid to it.
start_haproxy() {
    local dir=$1
    haproxy -c -q -f "$dir/haproxy.cfg" >"$dir/test.log" 2>&1 || {
        cat "$dir/test.log" >&2
        return 1
    }
    haproxy -db -f "$dir/haproxy.cfg" >"$dir/stdout.log" 2>&1 &
    started_pid=$!
    remember "$started_pid"
}
