# Sourced by run.sh. The connection-setup case (issue 5): SETUP_REQUESTS sequential requests, each on a new
# upstream connection, to the HTTP/1.1 upstream port addressed by a name that a local dnsmasq serves, with
# proxyd's DNS cache cold and warm, direct and through microsocks (socks5 and socks5h). proxyd's debug line
# per new connection gives the time of each stage; lib/setup.py summarises them.

setup_name=upstream.proxyd-bench.test

# start_dnsmasq: in the foreground of a background job, answering only for setup_name with the TTL
# SETUP_DNS_TTL, logging the queries it receives; sets dns_port.
start_dnsmasq() {
    command -v dnsmasq >/dev/null || die "dnsmasq is not installed (scripts/install-deps --test)"
    dns_port=$(free_port)
    dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts --port="$dns_port" \
        --listen-address=127.0.0.1 --bind-interfaces --log-queries --log-facility="$work/dnsmasq.log" \
        --local-ttl="$SETUP_DNS_TTL" --pid-file="$work/dnsmasq.pid" --user="$(id -un)" \
        --local="/${setup_name#*.}/" --host-record="$setup_name,127.0.0.1" 2>"$work/dnsmasq.err" &
    local pid=$!
    remember "$pid"
    for _ in $(seq 50); do
        grep -q "started, version" "$work/dnsmasq.log" 2>/dev/null && return 0
        kill -0 "$pid" 2>/dev/null || die "dnsmasq exited: $(cat "$work/dnsmasq.err" "$work/dnsmasq.log" 2>/dev/null)"
        sleep 0.1
    done
    die "dnsmasq did not start within 5 s; see $work/dnsmasq.log"
}

# start_setup_microsocks: a microsocks that resolves setup_name (socks5h) from a hosts file of its own,
# bind-mounted over /etc/hosts in a private mount namespace: glibc's resolver cannot be pointed at
# dnsmasq's port. Sets setup_socks_port.
start_setup_microsocks() {
    command -v microsocks >/dev/null || die "microsocks is not installed (scripts/install-deps --test)"
    command -v unshare >/dev/null || die "unshare (util-linux) is not installed"
    printf '127.0.0.1 localhost\n127.0.0.1 %s\n' "$setup_name" >"$work/setup-hosts"
    setup_socks_port=$(free_port)
    unshare -rm sh -c 'mount --bind "$1" /etc/hosts && exec microsocks -i 127.0.0.1 -p "$2"' sh \
        "$work/setup-hosts" "$setup_socks_port" >"$work/setup-microsocks.log" 2>&1 &
    remember $!
    for _ in $(seq 50); do (exec 9<>"/dev/tcp/127.0.0.1/$setup_socks_port") 2>/dev/null && return 0; sleep 0.1; done
    die "microsocks (in its own mount namespace) does not listen; see $work/setup-microsocks.log"
}

# dns_queries: how many A queries for setup_name dnsmasq has logged (each lookup also asks AAAA).
dns_queries() { grep -c "query\[A\] $setup_name " "$work/dnsmasq.log" || true; }

# setup_run CACHE ROUTE: one proxyd, SETUP_REQUESTS requests, its stage lines kept in setup.CACHE.ROUTE.log.
setup_run() {
    local cache=$1 route=$2 settings=() name=setup-$1-$2 codes queries_before queries
    settings=(PROXYD_LOG_LEVEL=debug PROXYD_DNS_SERVERS="127.0.0.1:$dns_port"
        PROXYD_PLATFORM_URL="https://$setup_name:$upstream_h1_port" PROXYD_CHATGPT_URL="https://$setup_name:$upstream_h1_port")
    # The settings refuse 0; a millisecond has expired by the next request, so every lookup asks dnsmasq.
    [[ $cache == cold ]] && settings+=(PROXYD_DNS_MIN_TTL=0.001 PROXYD_DNS_MAX_TTL=0.001)
    [[ $route != direct ]] && settings+=(PROXYD_UPSTREAM_PROXY="$route://127.0.0.1:$setup_socks_port")
    launch_proxyd "$name" "${settings[@]}"
    queries_before=$(dns_queries)
    # One curl, one client connection: only the upstream side is new each time (the upstream closes it).
    # At most 200 a second, so a 1 ms cache entry has expired when the next request looks the name up.
    for _ in $(seq "$SETUP_REQUESTS"); do
        printf 'url = "http://127.0.0.1:%s/platform/v1/json-close"\noutput = "/dev/null"\n' "$launched_port"
    done >"$work/$name.curl"
    codes=$(curl -s --rate 200/s --max-time $((SETUP_REQUESTS + 30)) -H 'Authorization: Bearer x' -w '%{http_code}\n' \
        -K "$work/$name.curl" | sort | uniq -c | awk '{printf "%s%s:%s", (NR > 1 ? "," : ""), $2, $1}')
    queries=$(($(dns_queries) - queries_before))
    kill -TERM "$launched_pid" && wait "$launched_pid" || true
    grep -F ' set up via ' "$work/$name.log" >"$work/setup.$cache.$route.log" || true
    echo "  $name: status:count $codes, $(wc -l <"$work/setup.$cache.$route.log") new upstream connections, $queries A queries reached dnsmasq" >&2
    python3 "$here/lib/setup.py" add "$setup_rows" --cache "$cache" --route "$route" --requests "$SETUP_REQUESTS" \
        --statuses "$codes" --dns-queries "$queries" --log "$work/setup.$cache.$route.log"
}

# measure_setup: every cache state and route in turn.
measure_setup() {
    echo "== connection setup: $SETUP_REQUESTS requests per run, name $setup_name from dnsmasq (TTL $SETUP_DNS_TTL s)" >&2
    openssl x509 -in "$certs/localhost.pem" -noout -ext subjectAltName | grep -qF "DNS:$setup_name" ||
        die "the certificate in $certs lacks $setup_name (made by an older run.sh): remove the --certs directory"
    start_dnsmasq
    start_setup_microsocks
    local cache route
    for cache in cold warm; do
        for route in direct socks5 socks5h; do
            setup_run "$cache" "$route"
        done
    done
}
