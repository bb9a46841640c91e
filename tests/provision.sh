#!/usr/bin/env bash
# provision.sh: make sure what the tests need is there, installing it on a fresh Debian machine:
# PostgreSQL answering on 127.0.0.1:5432 with trust auth for `postgres`, and the Python venv
# with Synapse and signedjson for the interop tests, and the tools matrixctl install's tests check
# generated files with (nginx -t, shellcheck, systemd-analyze). Idempotent; fast when all is in place.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

pg_ok() {
    command -v psql >/dev/null && psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -Atqc 'SELECT 1' >/dev/null 2>&1
}

if ! pg_ok; then
    echo "provision: PostgreSQL does not answer on 127.0.0.1:5432; installing/starting Debian's" >&2
    if ! command -v pg_ctlcluster >/dev/null; then
        [ "$(id -u)" = 0 ] || { echo "provision: run as root to install postgresql (apt-get install postgresql)" >&2; exit 1; }
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    fi
    version="$(ls /etc/postgresql | sort -V | tail -n1)"
    [ -d "/etc/postgresql/$version/main" ] || pg_createcluster "$version" main
    hba="/etc/postgresql/$version/main/pg_hba.conf"
    if ! grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
        # Tests connect as postgres over loopback without a password, as on our CI machines.
        sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
    fi
    pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || pg_ctlcluster --skip-systemctl-redirect "$version" main reload
    for _ in $(seq 1 30); do pg_ok && break; sleep 1; done
    pg_ok || { echo "provision: PostgreSQL still does not answer on 127.0.0.1:5432" >&2; exit 1; }
fi
echo "provision: PostgreSQL answers on 127.0.0.1:5432" >&2

# apt_install WHAT PACKAGE...: installs the packages from Debian's archive (as root), if any.
apt_install() {
    local what=$1
    shift
    [ $# -gt 0 ] || return 0
    [ "$(id -u)" = 0 ] || { echo "provision: run as root to install $* (apt-get install $*)" >&2; exit 1; }
    echo "provision: installing $* for $what" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
tools=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || tools+=(nginx)
command -v shellcheck >/dev/null || tools+=(shellcheck)
command -v systemd-analyze >/dev/null || tools+=(systemd)
command -v tmux >/dev/null || tools+=(tmux)
# Let's Encrypt's test CA and its mock DNS (pebble-challtestsrv), for install --tls acme.
command -v pebble >/dev/null && command -v pebble-challtestsrv >/dev/null || tools+=(pebble)
apt_install "matrixctl install's tests" "${tools[@]}"
echo "provision: nginx, shellcheck, systemd-analyze, tmux and pebble are installed" >&2

# packaging/check (scripts/test.sh runs it as root): Debian's tools for every package format.
pkg_tools=()
for t in dh:debhelper lintian:lintian rpmbuild:rpm rpmlint:rpmlint pacman:pacman-package-manager \
    makepkg:makepkg bsdtar:libarchive-tools zstd:zstd mmdebstrap:mmdebstrap systemd-nspawn:systemd-container \
    piuparts:piuparts bmake:bmake mksh:mksh fakeroot:fakeroot; do
    command -v "${t%%:*}" >/dev/null || [ -x "/usr/sbin/${t%%:*}" ] || pkg_tools+=("${t#*:}")
done
apt_install "packaging/check" "${pkg_tools[@]}"
echo "provision: the packaging tools are installed" >&2

venv="$(tests/interop/setup-synapse.sh | tail -n1)"
echo "provision: Synapse venv at $venv" >&2
