#!/usr/bin/env bash
# Measures proxyd against nginx as a reverse proxy (and any --extra proxy) on one local TLS upstream.
# See Benchmarks/README.md for what each number means.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
CONNECTIONS=${CONNECTIONS:-64}

usage() {
    cat <<'USAGE'
usage: Benchmarks/run.sh [options]
  --only LIST          proxies to start and measure, comma-separated: nginx, proxyd, none (default nginx,proxyd)
  --extra NAME=HOST:PORT:PID
                       also measure a proxy already running at HOST:PORT as process PID (repeatable);
                       it must forward to https://localhost:UPSTREAM_PORT trusting the CA of --certs
  --upstream-port N    port of the TLS upstream (default: a free one)
  --certs DIR          keep the CA and certificate in DIR, reused on later runs (default: throwaway)
  --no-build           use the existing release build of proxyd
  --record             append the table with date and machine to Benchmarks/RESULTS.md
  --keep               keep the run directory (configs, logs, wrk output) under Benchmarks/out/
environment: DURATION (seconds per case, 10), WARMUP (seconds before each case, 2), CONNECTIONS (64)
USAGE
}

die() {
    echo "run.sh: $*" >&2
    exit 1
}

only=nginx,proxyd extras=() upstream_port="" certs="" build=1 record=0 keep=0
while (($#)); do
    case $1 in
    --only) only=${2:?--only needs a list} && shift ;;
    --extra) extras+=("${2:?--extra needs NAME=HOST:PORT:PID}") && shift ;;
    --upstream-port) upstream_port=${2:?--upstream-port needs a port} && shift ;;
    --certs) certs=${2:?--certs needs a directory} && shift ;;
    --no-build) build=0 ;;
    --record) record=1 ;;
    --keep) keep=1 ;;
    -h | --help) usage && exit 0 ;;
    *) usage >&2 && die "unknown option $1" ;;
    esac
    shift
done
for proxy in ${only//,/ }; do
    [[ $proxy =~ ^(nginx|proxyd|none)$ ]] || die "--only: unknown proxy '$proxy' (nginx, proxyd, none)"
done
for extra in "${extras[@]}"; do
    [[ $extra =~ ^[A-Za-z0-9_.-]+=[^:]+:[0-9]+:[0-9]+$ ]] || die "--extra '$extra' is not NAME=HOST:PORT:PID"
done
wants() { [[ ,$only, == *,$1,* ]]; }

source "$here/lib/processes.sh"
source "$here/lib/certs.sh"
source "$here/lib/check.sh"
source "$here/lib/measure.sh"

mkdir -p "$here/out"
work=$(mktemp -d "$here/out/run.XXXXXX")
rows=$work/rows.jsonl
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

if wants proxyd && ((build)); then
    echo "building proxyd (release)" >&2
    (cd "$root" && swift build -c release --product proxyd) >&2 || die "swift build -c release failed"
fi

certs=${certs:-$work/certs}
make_certs "$certs" || die "openssl failed: $(cat "$certs/openssl.log")"
certs=$(cd "$certs" && pwd)

# The upstream.
set_http2_syntax
upstream_port=${upstream_port:-$(free_port)}
upstream_dir=$work/upstream
nginx_conf "$here/conf/upstream.conf.in" "$upstream_dir" "PORT=$upstream_port" \
    "HTTP2_LISTEN=$http2_listen" "HTTP2_ON=$http2_on"
python3 "$here/lib/payloads.py" "$upstream_dir/www"
start_nginx "$upstream_dir" || die "upstream nginx does not start"
upstream_pid=$started_pid
upstream_url=https://localhost:$upstream_port
wait_http "upstream nginx" "$upstream_pid" "$upstream_url/v1/json" --cacert "$certs/ca.pem" ||
    die "upstream nginx is not serving; see $upstream_dir/error.log"
for version in http2 http1.1; do
    alpn=$(curl -s -o /dev/null -w '%{http_version}' --max-time 5 --cacert "$certs/ca.pem" "--$version" \
        "$upstream_url/v1/json")
    [[ $alpn == "${version#http}" ]] || die "upstream does not speak ${version#http} by ALPN (got '$alpn')"
done
echo "upstream: $upstream_url (pid $upstream_pid, HTTP/2 and HTTP/1.1 by ALPN)" >&2

# The proxies. proxyd starts first so a broken build fails the run before minutes of measuring.
targets=()
if wants proxyd; then
    bin=$(cd "$root" && swift build -c release --show-bin-path)/proxyd
    [[ -x $bin ]] || die "no proxyd binary at $bin (build it with swift build -c release, or run without --no-build)"
    port=$(free_port)
    unset_env=()
    for name in $(compgen -e | grep -E '^(PROXYD_|GO_CHATGPT_API_)|^(PROXY|PORT)$' || true); do
        unset_env+=(-u "$name")
    done
    # Run in the run directory so no .env of the checkout changes the configuration under test.
    (cd "$work" && exec env "${unset_env[@]}" PROXYD_LISTEN="127.0.0.1:$port" \
        PROXYD_PLATFORM_URL="$upstream_url" PROXYD_CHATGPT_URL="$upstream_url" \
        PROXYD_RESOLVE="localhost:$upstream_port:127.0.0.1" PROXYD_CA_FILE="$certs/ca.pem" \
        PROXYD_WORKERS=2 PROXYD_LOG_LEVEL=warning "$bin") >"$work/proxyd.log" 2>&1 &
    proxyd_pid=$!
    remember "$proxyd_pid"
    if ! wait_http proxyd "$proxyd_pid" "http://127.0.0.1:$port/healthz"; then
        echo "last lines of proxyd's output ($work/proxyd.log):" >&2
        tail -n 20 "$work/proxyd.log" >&2
        die "proxyd is not serving"
    fi
    targets+=("proxyd=127.0.0.1:$port:$proxyd_pid")
fi
if wants nginx; then
    port=$(free_port)
    nginx_conf "$here/conf/reverse-proxy.conf.in" "$work/nginx-proxy" "PORT=$port" "UPSTREAM_PORT=$upstream_port"
    start_nginx "$work/nginx-proxy" || die "nginx reverse proxy does not start"
    wait_http "nginx reverse proxy" "$started_pid" "http://127.0.0.1:$port/platform/v1/json" \
        -H 'Authorization: Bearer x' || die "nginx reverse proxy is not serving; see $work/nginx-proxy/error.log"
    targets=("nginx=127.0.0.1:$port:$started_pid" "${targets[@]}")
fi
targets+=("${extras[@]}")
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

for target in "${targets[@]}"; do
    name=${target%%=*} address=${target#*=}
    measure "$name" "${address%:*}" "${address##*:}"
done

[[ -s $rows ]] || {
    echo "nothing measured" >&2
    exit 0
}
table=$(python3 "$here/lib/results.py" table "$rows") && clean=1 || clean=0
echo
echo "$table"
echo
echo "wrk -t2 -c$CONNECTIONS -d${DURATION}s after a ${WARMUP}s warm-up; wrk, the upstream and the proxy share $(nproc) cores." 

if ((record)); then
    {
        echo
        echo "## $(date -u)"
        echo
        echo "- machine: $(uname -srm), $(lscpu | sed -n 's/^Model name: *//p'), nproc $(nproc)"
        echo "- load average before the run: $load_before (other work on the machine inflates CPU per request)"
        echo "- commit: $(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown); proxyd PROXYD_WORKERS=2; nginx $(nginx -v 2>&1 | sed 's|.*/||'), worker_processes 2"
        echo "- wrk -t2 -c$CONNECTIONS -d${DURATION}s after a ${WARMUP}s warm-up; wrk, the upstream nginx and the proxy share the cores"
        echo
        echo "$table"
    } >>"$here/RESULTS.md"
    echo "appended to Benchmarks/RESULTS.md" >&2
fi
((clean)) || die "some rows are marked ⚠; see above"
