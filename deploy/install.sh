#!/usr/bin/env bash
# Builds proxyd in release mode and installs it as a systemd service. Run as root; running it again
# upgrades the binary and unit, keeps /etc/proxyd/proxyd.env, and restarts the service if it runs.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $EUID -ne 0 ]]; then
    echo "install.sh: run as root, e.g. sudo $0" >&2
    exit 1
fi

# Under sudo, build as the invoking user so that .build/ stays theirs. Prints the binary's directory.
build() {
    if [[ -n ${SUDO_USER:-} && $SUDO_USER != root ]]; then
        sudo -u "$SUDO_USER" env "PATH=$PATH" scripts/build-release "$@"
    else
        scripts/build-release "$@"
    fi
}
bin_dir=$(build)

install -m 0755 "$bin_dir/proxyd" /usr/local/bin/proxyd
install -m 0644 deploy/proxyd.service /etc/systemd/system/proxyd.service
install -d -m 0755 /etc/proxyd
install -m 0644 deploy/proxyd.env.example /etc/proxyd/proxyd.env.example
# Mode 0600: the file may hold upstream proxy passwords; systemd reads it as root.
if [[ ! -e /etc/proxyd/proxyd.env ]]; then
    install -m 0600 deploy/proxyd.env.example /etc/proxyd/proxyd.env
fi

if command -v systemctl >/dev/null && [[ -d /run/systemd/system ]]; then
    systemctl daemon-reload
    systemctl try-restart proxyd.service
    echo "installed; edit /etc/proxyd/proxyd.env, then: systemctl enable --now proxyd"
else
    echo "installed /usr/local/bin/proxyd; systemd is not running here, so the unit was not loaded"
fi
