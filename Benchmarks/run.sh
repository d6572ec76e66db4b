#!/usr/bin/env bash
# Measures proxyd against nginx and HAProxy as reverse proxies (and any --extra proxy) on one local TLS
# upstream, proxyd and HAProxy once over HTTP/1.1 and once over HTTP/2 to it.
# See Benchmarks/README.md for what each number means.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
CONNECTIONS=${CONNECTIONS:-64}
STREAMS=${STREAMS:-4000}
STREAM_TIMEOUT=${STREAM_TIMEOUT:-60}
H2_STREAMS=${H2_STREAMS:-1000}
LOG_LEVEL=${LOG_LEVEL:-warning}
ACCESS_LOG=${ACCESS_LOG:-off}
PROFILE=${PROFILE:-chrome}
SETUP_REQUESTS=${SETUP_REQUESTS:-300}
SETUP_DNS_TTL=${SETUP_DNS_TTL:-300}
# Workers of each proxy (proxyd's PROXYD_WORKERS, nginx's worker_processes, HAProxy's nbthread): per-worker
# figures divide by it.
WORKERS=2

usage() {
    cat <<'USAGE'
usage: Benchmarks/run.sh [options]
  --only LIST          proxies to start and measure, comma-separated: nginx, haproxy (both of the next two),
                       haproxy-h1 (HTTP/1.1 upstream), haproxy-h2 (HTTP/2 upstream), proxyd (both of the
                       next two), proxyd-h1 (HTTP/1.1 upstream), proxyd-h2 (HTTP/2 upstream), proxyd-socks
                       (HTTP/2 upstream through a local microsocks), none
                       (default nginx,haproxy,proxyd,proxyd-socks)
  --cases LIST         cases to run, comma-separated: json, sse, streams, setup (default json,sse); streams is
                       STREAMS concurrent slow SSE streams, about 4 s each (issue 3); setup is the time of each
                       stage of a new upstream connection, DNS cache cold and warm, direct and through
                       microsocks, with proxyd instances of its own whatever --only says (issue 5)
  --extra NAME=HOST:PORT:PID
                       also measure a proxy already running at HOST:PORT as process PID (repeatable);
                       it must forward to https://localhost:UPSTREAM_PORT trusting the CA of --certs
  --upstream-port N    port of the TLS upstream that speaks HTTP/2 and HTTP/1.1 (default: a free one)
  --certs DIR          keep the CA and certificate in DIR, reused on later runs (default: throwaway)
  --no-build           use the existing release build of proxyd
  --proxyd-bin PATH    measure this proxyd binary instead of the checkout's release build (no build)
  --baseline PATH      also measure this proxyd binary (a build of an earlier commit) with the same settings, as
                       baseline-h1 / baseline-h2 beside whichever of proxyd-h1 / proxyd-h2 --only selects, each
                       right after its counterpart; its rows say "proxyd baseline"
  --record             append the table with date and machine to Benchmarks/RESULTS.md
  --keep               keep the run directory (configs, logs, wrk output) under Benchmarks/out/
environment: DURATION (seconds per case, 10), WARMUP (seconds before each case, 2), CONNECTIONS (64),
  STREAMS (streams case: concurrent streams, 4000), STREAM_TIMEOUT (seconds one stream may take, 60),
  H2_STREAMS (the upstream's HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS, 1000),
  PROFILE (proxyd's PROXYD_TLS_PROFILE, chrome),
  SETUP_REQUESTS (setup case: sequential requests per run, each on a new upstream connection, 300),
  SETUP_DNS_TTL (setup case: TTL of dnsmasq's answer in seconds, 300)
  LOG_LEVEL (proxyd's PROXYD_LOG_LEVEL and the nginx error logs' level, warning; its log: --keep),
  ACCESS_LOG (proxyd's PROXYD_ACCESS_LOG, off; its lines need LOG_LEVEL=info)
USAGE
}

die() {
    echo "run.sh: $*" >&2
    exit 1
}

only=nginx,haproxy,proxyd,proxyd-socks cases=json,sse extras=() upstream_port="" certs="" build=1 record=0 keep=0
proxyd_bin="" baseline_bin=""
while (($#)); do
    case $1 in
    --only) only=${2:?--only needs a list} && shift ;;
    --cases) cases=${2:?--cases needs a list} && shift ;;
    --extra) extras+=("${2:?--extra needs NAME=HOST:PORT:PID}") && shift ;;
    --upstream-port) upstream_port=${2:?--upstream-port needs a port} && shift ;;
    --certs) certs=${2:?--certs needs a directory} && shift ;;
    --no-build) build=0 ;;
    --proxyd-bin) proxyd_bin=${2:?--proxyd-bin needs a path} && build=0 && shift ;;
    --baseline) baseline_bin=${2:?--baseline needs a path} && shift ;;
    --record) record=1 ;;
    --keep) keep=1 ;;
    -h | --help) usage && exit 0 ;;
    *) usage >&2 && die "unknown option $1" ;;
    esac
    shift
done
for proxy in ${only//,/ }; do
    [[ $proxy =~ ^(nginx|haproxy|haproxy-h1|haproxy-h2|proxyd|proxyd-h1|proxyd-h2|proxyd-socks|none)$ ]] ||
        die "--only: unknown proxy '$proxy' (nginx, haproxy, haproxy-h1, haproxy-h2, proxyd, proxyd-h1, proxyd-h2," \
            "proxyd-socks, none)"
done
for case in ${cases//,/ }; do
    [[ $case =~ ^(json|sse|streams|setup)$ ]] || die "--cases: unknown case '$case' (json, sse, streams, setup)"
done
for extra in "${extras[@]}"; do
    [[ $extra =~ ^[A-Za-z0-9_.-]+=[^:]+:[0-9]+:[0-9]+$ ]] || die "--extra '$extra' is not NAME=HOST:PORT:PID"
done
for path in "$proxyd_bin" "$baseline_bin"; do
    [[ -z $path || -x $path ]] || die "$path is not an executable proxyd"
done
# Absolute, because the proxies run in the run directory.
[[ -z $proxyd_bin ]] || proxyd_bin=$(realpath "$proxyd_bin")
[[ -z $baseline_bin ]] || baseline_bin=$(realpath "$baseline_bin")
wants() { [[ ,$only, == *,$1,* ]]; }
wants_proxyd() { wants proxyd || wants "proxyd-$1"; }
wants_haproxy() { wants haproxy || wants "haproxy-$1"; }
runs() { [[ ,$cases, == *,$1,* ]]; }

source "$here/lib/processes.sh"
source "$here/lib/certs.sh"
source "$here/lib/check.sh"
source "$here/lib/measure.sh"
source "$here/lib/streams.sh"
source "$here/lib/setup.sh"

mkdir -p "$here/out"
work=$(mktemp -d "$here/out/run.XXXXXX")
rows=$work/rows.jsonl stream_rows=$work/streams.jsonl setup_rows=$work/setup.jsonl
# Per target: how the table names it and the upstream it uses; a failed header check marks its rows.
declare -A proxy_label upstream_label upstream_port_of check_note
declare -A case_names=([json]="small JSON GET" [sse]="SSE POST 17.6 KB")
# A signal's trap runs inside whatever redirection is active then (wrk's output file), so the
# exit path writes to a copy of the original stderr.
exec 3>&2
finish() {
    local status=$?
    stop_all
    if ((keep || status != 0)); then
        echo "run directory kept: $work" >&3
    else
        rm -rf "$work"
    fi
}
trap finish EXIT
trap 'exit 130' INT TERM

for tool in nginx wrk curl openssl python3; do
    command -v "$tool" >/dev/null || die "$tool is not installed"
done
if wants_haproxy h1 || wants_haproxy h2; then
    command -v haproxy >/dev/null || die "haproxy is not installed (scripts/install-deps --test)"
fi

# nginx preallocates its connections, so the quick cases keep nginx's usual 4096 per worker. HAProxy's
# maxconn takes the same number.
worker_connections=4096
if runs streams; then
    command -v ss >/dev/null || die "ss (iproute2) is not installed; the streams case counts connections with it"
    raise_nofile
    worker_connections=$((2 * STREAMS + 256 > 4096 ? 2 * STREAMS + 256 : 4096))
fi

needs_proxyd() { wants_proxyd h1 || wants_proxyd h2 || wants proxyd-socks || runs setup; }
if needs_proxyd && ((build)); then
    echo "building proxyd (release)" >&2
    "$root/scripts/build-release" >/dev/null || die "scripts/build-release failed"
fi

certs=${certs:-$work/certs}
make_certs "$certs" || die "openssl failed: $(cat "$certs/openssl.log")"
certs=$(cd "$certs" && pwd)

# The upstream.
set_http2_syntax
upstream_port=${upstream_port:-$(free_port)}
upstream_h1_port=$(free_port)
upstream_dir=$work/upstream
nginx_conf "$here/conf/upstream.conf.in" "$upstream_dir" "PORT=$upstream_port" "H1_PORT=$upstream_h1_port" \
    "HTTP2_LISTEN=$http2_listen" "HTTP2_ON=$http2_on" "H2_STREAMS=$H2_STREAMS"
fill_template "$here/conf/upstream-server.conf.in" "$upstream_dir/server.conf" "DIR=$upstream_dir" "CERTS=$certs"
python3 "$here/lib/payloads.py" "$upstream_dir/www"
start_nginx "$upstream_dir" || die "upstream nginx does not start"
upstream_pid=$started_pid
upstream_url=https://localhost:$upstream_port upstream_h1_url=https://localhost:$upstream_h1_port
wait_http "upstream nginx" "$upstream_pid" "$upstream_url/v1/json" --cacert "$certs/ca.pem" ||
    die "upstream nginx is not serving; see $upstream_dir/error.log"
# What curl negotiates by ALPN on each port when it offers HTTP/2 first, then HTTP/1.1 alone.
for expect in "$upstream_url 2 1.1" "$upstream_h1_url 1.1 1.1"; do
    read -r url want_h2 want_h1 <<<"$expect"
    for version in http2:$want_h2 http1.1:$want_h1; do
        alpn=$(curl -s -o /dev/null -w '%{http_version}' --max-time 5 --cacert "$certs/ca.pem" "--${version%:*}" \
            "$url/v1/json")
        [[ $alpn == "${version#*:}" ]] || die "$url answers a client offering ${version%:*} with '$alpn', want ${version#*:}"
    done
done
echo "upstream: $upstream_url (HTTP/2 and HTTP/1.1 by ALPN), $upstream_h1_url (HTTP/1.1 only); pid $upstream_pid" >&2

# launch_proxyd NAME [SETTING=VALUE...]: one proxyd serving once it answers /healthz, its output in NAME.log;
# sets launched_pid and launched_port. The settings come after the run's common ones and win over them.
launch_proxyd() {
    local name=$1 port unset_env=() var newer=()
    port=$(free_port)
    # The upstream is a file server, not chatgpt.com: conversations are relayed as sent. A baseline binary
    # older than the sentinel handshake refuses the setting's name, and relays anyway.
    # The help is read whole first: grep -q stops at its match, and under pipefail the help's SIGPIPE would
    # then fail the test at random, leaving the handshake on (a 502 from the upstream's 404).
    local help
    help=$("$bin" --help 2>/dev/null || true)
    if [[ $help == *PROXYD_CHATGPT_SENTINEL* ]]; then newer=(PROXYD_CHATGPT_SENTINEL=off); fi
    # Several proxyd run side by side here: the admin listener's one default port would stop all but the first.
    if [[ $help == *PROXYD_ADMIN_LISTEN* ]]; then newer+=(PROXYD_ADMIN_LISTEN=off); fi
    for var in $(compgen -e | grep -E '^(PROXYD_|GO_CHATGPT_API_)|^(PROXY|PORT)$' || true); do
        unset_env+=(-u "$var")
    done
    # Run in the run directory so no .env of the checkout changes the configuration under test.
    (cd "$work" && exec env "${unset_env[@]}" PROXYD_LISTEN="127.0.0.1:$port" PROXYD_CA_FILE="$certs/ca.pem" \
        PROXYD_WORKERS=$WORKERS PROXYD_LOG_LEVEL="$LOG_LEVEL" PROXYD_TLS_PROFILE="$PROFILE" \
        PROXYD_ACCESS_LOG="$ACCESS_LOG" "${newer[@]}" "${@:2}" "$bin") >"$work/$name.log" 2>&1 &
    local pid=$!
    remember "$pid"
    if ! wait_http "$name" "$pid" "http://127.0.0.1:$port/healthz"; then
        echo "last lines of $name's output ($work/$name.log):" >&2
        tail -n 20 "$work/$name.log" >&2
        die "$name is not serving"
    fi
    launched_pid=$pid launched_port=$port
}

# start_proxyd NAME UPSTREAM_PORT UPSTREAM_LABEL [SETTING=VALUE...]: one proxyd with both upstream URLs on
# that port, plus any extra settings, measured as a target.
start_proxyd() {
    local name=$1 up_port=$2
    launch_proxyd "$name" PROXYD_PLATFORM_URL="https://localhost:$up_port" PROXYD_CHATGPT_URL="https://localhost:$up_port" \
        PROXYD_RESOLVE="localhost:$up_port:127.0.0.1" "${@:4}"
    targets+=("$name=127.0.0.1:$launched_port:$launched_pid")
    proxy_label[$name]=proxyd upstream_label[$name]=$3 upstream_port_of[$name]=$up_port
}

# start_baseline NAME UPSTREAM_PORT UPSTREAM_LABEL: start_proxyd with the --baseline binary (bash's dynamic
# scope: launch_proxyd sees this function's bin), its rows labelled "proxyd baseline".
start_baseline() {
    local bin=$baseline_bin
    start_proxyd "$@"
    proxy_label[$1]="proxyd baseline"
}

# The proxies. proxyd starts first so a broken build fails the run before minutes of measuring.
targets=()
if needs_proxyd; then
    bin=${proxyd_bin:-$("$root/scripts/build-release" --show-bin-path 2>/dev/null)/proxyd}
    [[ -x $bin ]] || die "no proxyd binary at $bin (build it with scripts/build-release, or run without --no-build)"
    if wants_proxyd h1; then
        start_proxyd proxyd-h1 "$upstream_h1_port" HTTP/1.1
        if [[ -n $baseline_bin ]]; then start_baseline baseline-h1 "$upstream_h1_port" HTTP/1.1; fi
    fi
    if wants_proxyd h2; then
        start_proxyd proxyd-h2 "$upstream_port" HTTP/2
        if [[ -n $baseline_bin ]]; then start_baseline baseline-h2 "$upstream_port" HTTP/2; fi
    fi
    if wants proxyd-socks; then
        # The same HTTP/2 upstream, every connection through microsocks: the dialer's cost beside direct.
        command -v microsocks >/dev/null || die "microsocks is not installed (scripts/install-deps --test)"
        socks_port=$(free_port)
        microsocks -i 127.0.0.1 -p "$socks_port" >"$work/microsocks.log" 2>&1 &
        remember $!
        for _ in $(seq 50); do (exec 9<>"/dev/tcp/127.0.0.1/$socks_port") 2>/dev/null && break; sleep 0.1; done
        start_proxyd proxyd-socks "$upstream_port" "HTTP/2 via SOCKS5" \
            PROXYD_UPSTREAM_PROXY="socks5://127.0.0.1:$socks_port"
    fi
fi
# start_haproxy_proxy NAME UPSTREAM_PORT PROTOCOL UPSTREAM_LABEL: HAProxy (conf/haproxy.cfg.in) forwarding to
# that upstream port, PROTOCOL its server options choosing the protocol, measured as a target.
start_haproxy_proxy() {
    local name=$1 up_port=$2 port dir=$work/$1
    port=$(free_port)
    fill_template "$here/conf/haproxy.cfg.in" "$dir/haproxy.cfg" "PORT=$port" "UPSTREAM_PORT=$up_port" "PROTOCOL=$3" \
        "CERTS=$certs" "THREADS=$WORKERS" "MAXCONN=$worker_connections" "H2_STREAMS=$H2_STREAMS"
    start_haproxy "$dir" || die "$name does not start"
    wait_http "$name" "$started_pid" "http://127.0.0.1:$port/platform/v1/json" -H 'Authorization: Bearer x' ||
        die "$name is not serving; see $dir/stdout.log"
    haproxy_targets+=("$name=127.0.0.1:$port:$started_pid")
    proxy_label[$name]=HAProxy upstream_label[$name]=$4 upstream_port_of[$name]=$up_port
}
# HAProxy over HTTP/1.1 to the HTTP/1.1-only port (as proxyd-h1), over HTTP/2 to the port that offers both.
haproxy_targets=()
if wants_haproxy h1; then start_haproxy_proxy haproxy-h1 "$upstream_h1_port" "alpn http/1.1" HTTP/1.1; fi
if wants_haproxy h2; then start_haproxy_proxy haproxy-h2 "$upstream_port" "alpn h2 proto h2" HTTP/2; fi
# Listed before proxyd, after nginx (below): the reference proxies first.
targets=("${haproxy_targets[@]}" "${targets[@]}")
if wants nginx; then
    port=$(free_port)
    nginx_conf "$here/conf/reverse-proxy.conf.in" "$work/nginx-proxy" "PORT=$port" "UPSTREAM_PORT=$upstream_port"
    start_nginx "$work/nginx-proxy" || die "nginx reverse proxy does not start"
    wait_http "nginx reverse proxy" "$started_pid" "http://127.0.0.1:$port/platform/v1/json" \
        -H 'Authorization: Bearer x' || die "nginx reverse proxy is not serving; see $work/nginx-proxy/error.log"
    targets=("nginx=127.0.0.1:$port:$started_pid" "${targets[@]}")
    proxy_label[nginx]=nginx upstream_label[nginx]="HTTP/1.1" upstream_port_of[nginx]=$upstream_port
fi
for extra in "${extras[@]}"; do
    name=${extra%%=*}
    targets+=("$extra")
    proxy_label[$name]=$name upstream_label[$name]="by ALPN" upstream_port_of[$name]=$upstream_port
done
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

for target in "${targets[@]}"; do
    name=${target%%=*} address=${target#*=}
    measure "$name" "${address%:*}" "${address##*:}"
done
# After every quick case, so thousands of streams do not disturb the others' runs.
if runs streams; then
    for target in "${targets[@]}"; do
        name=${target%%=*} address=${target#*=}
        measure_streams "$name" "${address%:*}" "${address##*:}" "${upstream_port_of[$name]}"
    done
fi
if runs setup; then measure_setup; fi

[[ -s $rows || -s $stream_rows || -s $setup_rows ]] || {
    echo "nothing measured" >&2
    exit 0
}
clean=1 table="" stream_table="" setup_table=""
# summarize VAR ROWS NOTE PYTHON-ARGS...: the table into VAR, printed with NOTE under it; a marked row clears clean.
summarize() {
    local -n into=$1
    into=$(python3 "${@:4}" "$2") || clean=0
    printf '\n%s\n\n%s\n' "$into" "$3"
}
if [[ -s $rows ]]; then
    summarize table "$rows" \
        "wrk -t2 -c$CONNECTIONS -d${DURATION}s after a ${WARMUP}s warm-up; wrk, the upstream and the proxy share $(nproc) cores." \
        "$here/lib/results.py" table
fi
stream_note="$STREAMS concurrent POST /chatgpt/backend-api/slow/conversation (17.6 KB SSE at 4 KB/s from the upstream), all connected before the first request; $WORKERS workers per proxy; the upstream allows $H2_STREAMS HTTP/2 streams per connection"
if [[ -s $stream_rows ]]; then summarize stream_table "$stream_rows" "$stream_note." "$here/lib/results.py" streams-table; fi

setup_note="$SETUP_REQUESTS sequential GET /platform/v1/json-close per run, at most 200 a second (one client connection; the upstream closes each connection, so every request sets up a new one; PROXYD_TLS_PROFILE=$PROFILE) to the HTTP/1.1 upstream port by the name $setup_name, answered by a dnsmasq on loopback with TTL $SETUP_DNS_TTL s; cold: PROXYD_DNS_MIN_TTL=PROXYD_DNS_MAX_TTL=0.001 (the settings refuse 0; the column of lookups dnsmasq saw shows how many missed the cache), warm: the defaults (only the first lookup asks); socks5 and socks5h through one local microsocks, which resolves the name for socks5h from a hosts file, inside its handshake (proxyd's dns column is then the proxy's numeric address); times from proxyd's debug line per new connection, nearest-rank percentiles; proxyd resumes TLS sessions (nginx's tickets), so after the first connection the tls column is a resumed handshake"
if [[ -s $setup_rows ]]; then summarize setup_table "$setup_rows" "$setup_note." "$here/lib/setup.py" table; fi

if ((record)); then
    # Before the block: its redirection starts writing RESULTS.md, which would make the checkout look dirty.
    commit=$(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)
    {
        echo
        echo "## $(date -u)"
        echo
        echo "- machine: $(uname -srm), $(lscpu | sed -n 's/^Model name: *//p'), nproc $(nproc)"
        echo "- load average before the run: $load_before (other work on the machine inflates CPU per request)"
        echo "- commit: $commit; proxyd PROXYD_WORKERS=$WORKERS; nginx $(nginx -v 2>&1 | sed 's|.*/||'), worker_processes $WORKERS"
        if wants_haproxy h1 || wants_haproxy h2; then
            echo "- HAProxy $(haproxy -v | sed -n '1s/^HAProxy version \([^ ]*\).*/\1/p'), nbthread $WORKERS, foreground (-db)"
        fi
        if [[ -n $proxyd_bin ]]; then echo "- proxyd binary: $proxyd_bin (not this checkout's build)"; fi
        if [[ -n $baseline_bin ]]; then echo "- proxyd baseline binary: $baseline_bin"; fi
        if [[ -n $table ]]; then
            echo "- wrk -t2 -c$CONNECTIONS -d${DURATION}s after a ${WARMUP}s warm-up; wrk, the upstream nginx and the proxy share the cores"
        fi
        echo "- upstream: nginx, HTTP/2 and HTTP/1.1 by ALPN on one port, HTTP/1.1 alone on another"
        if [[ -n $table ]]; then printf '\n%s\n' "$table"; fi
        if [[ -n $stream_table ]]; then printf '\nSlow streams: %s.\n\n%s\n' "$stream_note" "$stream_table"; fi
        if [[ -n $setup_table ]]; then printf '\nConnection setup: %s.\n\n%s\n' "$setup_note" "$setup_table"; fi
    } >>"$here/RESULTS.md"
    echo "appended to Benchmarks/RESULTS.md" >&2
fi
((clean)) || die "some rows are marked ⚠; see above"
