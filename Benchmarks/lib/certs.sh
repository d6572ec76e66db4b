# Sourced by run.sh. A CA and a certificate for localhost (and the setup case's name), made with the openssl CLI.

# make_certs DIR: writes ca.pem, localhost.pem and localhost.key into DIR unless they exist,
# so a --certs directory can be handed to another proxy before a run.
make_certs() {
    local dir=$1
    [[ -s $dir/ca.pem && -s $dir/localhost.pem && -s $dir/localhost.key ]] && return 0
    mkdir -p "$dir"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
        -subj "/CN=proxyd benchmark CA" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>"$dir/openssl.log"
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=localhost" \
        -keyout "$dir/localhost.key" -out "$dir/localhost.csr" 2>>"$dir/openssl.log"
    printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature" \
        "extendedKeyUsage=serverAuth" "subjectAltName=DNS:localhost,DNS:upstream.proxyd-bench.test,IP:127.0.0.1" >"$dir/localhost.ext"
    openssl x509 -req -in "$dir/localhost.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
        -days 30 -extfile "$dir/localhost.ext" -out "$dir/localhost.pem" 2>>"$dir/openssl.log"
}
