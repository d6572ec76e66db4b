# Sourced by run.sh. Checks that a proxy does proxyd's job on the benchmarked routes before it is
# measured: a fast proxy that forwards the wrong thing would make the table meaningless.

# check_proxy BASE_URL UPSTREAM_PORT: prints one line per problem; returns 1 if there was any.
check_proxy() {
    local base=$1 upstream_port=$2 got problems=()
    local tmp=$work/check
    mkdir -p "$tmp"

    got=$(curl -s --max-time 5 -o "$tmp/json" -w '%{http_code} %{content_type}' \
        -H 'Authorization: Bearer x' "$base/platform/v1/json" || true)
    [[ $got == "200 application/json"* ]] || problems+=("GET /platform/v1/json: got '$got', want 200 application/json")
    cmp -s "$tmp/json" "$upstream_dir/www/v1/json" || problems+=("GET /platform/v1/json: body differs from the upstream's")

    got=$(curl -s --max-time 5 -o "$tmp/sse" -w '%{http_code} %{content_type}' -X POST \
        -H 'Authorization: Bearer x' -H 'Content-Type: application/json' --data-binary '{"action":"next"}' \
        "$base/chatgpt/conversation" || true)
    [[ $got == "200 text/event-stream"* ]] ||
        problems+=("POST /chatgpt/conversation: got '$got', want 200 text/event-stream")
    cmp -s "$tmp/sse" "$upstream_dir/www/backend-api/conversation" ||
        problems+=("POST /chatgpt/conversation: body differs from the upstream's")

    # What the upstream received: path and query mapped, Host of the upstream URL, "Bearer " added,
    # client semantic headers kept, hop-by-hop headers (Keep-Alive, Connection's list) dropped.
    curl -s --max-time 5 -o "$tmp/echo" -H 'Authorization: x' -H 'OpenAI-Organization: org-bench' \
        -H 'Connection: keep-alive, Keep-Alive' -H 'Keep-Alive: timeout=5' "$base/platform/v1/echo?x=1" || true
    local want line
    if grep -q '^method=' "$tmp/echo"; then
        for want in "method=GET" "uri=/v1/echo?x=1" "host=localhost:$upstream_port" "authorization=Bearer x" \
            "keep_alive=" "openai_organization=org-bench"; do
            line=$(grep -m1 "^${want%%=*}=" "$tmp/echo" || true)
            [[ $line == "$want" ]] || problems+=("upstream saw '$line', want '$want'")
        done
    else
        problems+=("GET /platform/v1/echo?x=1 did not reach the upstream's /v1/echo")
    fi
    line=$(grep -m1 '^connection=' "$tmp/echo" || echo connection=)
    [[ ${line,,} =~ ^connection=(keep-alive)?$ ]] || problems+=("upstream saw '$line', want no Connection or keep-alive")

    got=$(curl -s --max-time 5 -o "$tmp/401" -w '%{http_code}' "$base/platform/v1/json" || true)
    [[ $got == 401 ]] && grep -qF '{"errorMessage":"Missing accessToken."}' "$tmp/401" ||
        problems+=("GET /platform/v1/json without Authorization: got $got '$(head -c 100 "$tmp/401" | tr -s '\n' ' ')', want 401 Missing accessToken.")

    ((${#problems[@]} == 0)) && return 0
    printf '  %s\n' "${problems[@]}"
    return 1
}
