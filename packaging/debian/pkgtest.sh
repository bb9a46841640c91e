#!/bin/sh
# Runs inside a fresh Debian 12 root (packaging/check deb copies it in): installs the first
# .deb with preseeded debconf answers, sees matrixd answer, registers a user, upgrades to the
# second .deb and logs the same user in, reconfigures, removes and purges, checking each step.
# MODE systemd: matrixd is run by systemd (the root was booted with systemd-nspawn -b);
# MODE direct: no service manager, matrixd is started here as its user.
# Usage: pkgtest.sh systemd|direct OLD.deb NEW.deb
set -eu

mode="$1"
old="$2"
new="$3"
name="pkgtest.example.org"
password="pkgtest-password-1"
conf_d=/etc/matrixd/conf.d
key=/etc/matrixd/homeserver.signing.key
export DEBIAN_FRONTEND=noninteractive

step() { echo "pkgtest: $*"; }
fail() {
	echo "pkgtest: FAIL: $*"
	exit 1
}

versions() {
	i=0
	while [ "$i" -lt 60 ]; do
		if curl -fsS http://127.0.0.1:8008/_matrix/client/versions >/tmp/versions 2>/dev/null; then
			grep -q '"versions"' /tmp/versions && return 0
		fi
		i=$((i + 1))
		sleep 0.5
	done
	return 1
}

start_direct() {
	runuser -u matrixd -- /usr/bin/matrixd --config /etc/matrixd/homeserver.yaml --config "$conf_d" \
		>/var/log/matrixd/matrixd.out 2>&1 &
	echo "$!" >/tmp/matrixd.pid
}

stop_direct() {
	kill "$(cat /tmp/matrixd.pid)" 2>/dev/null || true
	sleep 1
}

main_pid() { systemctl show -p MainPID --value matrixd.service; }

step "preseed debconf: server name $name, report-stats false"
printf 'matrixd matrixd/server-name string %s\nmatrixd matrixd/report-stats boolean false\n' "$name" |
	debconf-set-selections

step "install $old"
dpkg -i "$old"
grep -qx "server_name: \"$name\"" "$conf_d/server_name.yaml" || fail "server_name.yaml: $(cat "$conf_d/server_name.yaml")"
grep -qx "report_stats: false" "$conf_d/report_stats.yaml" || fail "report_stats.yaml"
for s in registration_shared_secret macaroon_secret_key form_secret; do
	grep -q "^$s: " "$conf_d/secrets.yaml" || fail "no $s in secrets.yaml"
done
[ "$(stat -c '%U:%G %a' "$key")" = "matrixd:matrixd 600" ] || fail "signing key: $(stat -c '%U:%G %a' "$key")"
[ "$(stat -c '%U:%G %a' "$conf_d/secrets.yaml")" = "root:matrixd 640" ] || fail "secrets.yaml: $(stat -c '%U:%G %a' "$conf_d/secrets.yaml")"
[ "$(stat -c '%U:%G %a' /var/lib/matrixd)" = "matrixd:matrixd 750" ] || fail "data dir: $(stat -c '%U:%G %a' /var/lib/matrixd)"
[ "$(stat -c '%U:%G %a' /etc/matrixd/homeserver.yaml)" = "root:root 644" ] || fail "homeserver.yaml owner"
grep -qx /etc/matrixd/homeserver.yaml /var/lib/dpkg/info/matrixd.conffiles || fail "homeserver.yaml is not a conffile"
matrixd check-config -c /etc/matrixd/homeserver.yaml -c "$conf_d" || fail "check-config"
secrets_before="$(sha256sum "$key" "$conf_d/secrets.yaml")"

if [ "$mode" = systemd ]; then
	systemctl is-enabled --quiet matrixd.service || fail "matrixd.service is not enabled"
	versions || fail "matrixd (started by systemd) does not answer: $(systemctl status --no-pager matrixd 2>&1 | tail -n 20)"
	step "systemd started matrixd; /_matrix/client/versions answers"
	pid_before="$(main_pid)"
else
	start_direct
	versions || fail "matrixd does not answer: $(tail -n 20 /var/log/matrixd/matrixd.out)"
	step "matrixd (started directly) answers /_matrix/client/versions"
fi

step "register alice with matrixctl"
matrixctl register-user -c /etc/matrixd/homeserver.yaml -c "$conf_d" -u alice -p "$password" --no-admin \
	http://127.0.0.1:8008 || fail "register-user"

step "reconfigure with another name in debconf: the config's name wins"
echo "matrixd matrixd/server-name string other.example.org" | debconf-set-selections
dpkg-reconfigure -f noninteractive matrixd
grep -qx "server_name: \"$name\"" "$conf_d/server_name.yaml" || fail "server_name changed"
[ "$(echo get matrixd/server-name | debconf-communicate)" = "0 $name" ] || fail "debconf did not read the name back"

[ "$mode" = direct ] && stop_direct
step "upgrade to $new"
dpkg -i "$new"
[ "$(dpkg-query -W -f '${Version}' matrixd)" = "$(dpkg-deb -f "$new" Version)" ] || fail "not upgraded"
[ "$(sha256sum "$key" "$conf_d/secrets.yaml")" = "$secrets_before" ] || fail "the upgrade changed the key or secrets"
if [ "$mode" = systemd ]; then
	versions || fail "matrixd does not answer after the upgrade"
	[ "$(main_pid)" != "$pid_before" ] || fail "the upgrade did not restart matrixd"
	step "the upgrade restarted matrixd (pid $pid_before -> $(main_pid))"
else
	start_direct
	versions || fail "matrixd does not answer after the upgrade"
fi
step "log alice in"
curl -fsS -X POST -H 'Content-Type: application/json' \
	-d "{\"type\":\"m.login.password\",\"identifier\":{\"type\":\"m.id.user\",\"user\":\"alice\"},\"password\":\"$password\"}" \
	http://127.0.0.1:8008/_matrix/client/v3/login >/tmp/login || fail "login after the upgrade"
grep -q "\"user_id\":\"@alice:$name\"" /tmp/login || fail "login: $(cat /tmp/login)"

[ "$mode" = direct ] && stop_direct
step "remove"
dpkg -r matrixd
if [ "$mode" = systemd ]; then
	! systemctl is-active --quiet matrixd.service || fail "matrixd still runs after remove"
fi
for p in /etc/matrixd/homeserver.yaml "$key" /var/lib/matrixd/homeserver.db; do
	[ -e "$p" ] || fail "remove deleted $p"
done
step "purge"
dpkg -P matrixd
for p in /etc/matrixd /var/lib/matrixd /var/log/matrixd; do
	[ ! -e "$p" ] || fail "$p is left after purge"
done
[ -z "$(echo get matrixd/server-name | debconf-communicate 2>/dev/null | sed -n 's/^0 //p')" ] || fail "debconf still has the answers"
step PASS
