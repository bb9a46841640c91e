#!/bin/sh
# Runs inside a fresh Debian 12 root (packaging/check deb copies it in): installs the first
# .deb with preseeded debconf answers, sees matrixd answer, registers a user, upgrades to the
# second .deb and logs the same user in, runs `matrixctl install` over the package (it must
# adopt the packaged binary, service, paths, user, key and secrets), reconfigures, removes and
# purges, checking each step.
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

# Logs alice in with her password; the answer in /tmp/login.
login_alice() {
	curl -fsS -X POST -H 'Content-Type: application/json' \
		-d "{\"type\":\"m.login.password\",\"identifier\":{\"type\":\"m.id.user\",\"user\":\"alice\"},\"password\":\"$password\"}" \
		http://127.0.0.1:8008/_matrix/client/v3/login >/tmp/login 2>&1 || return 1
	grep -q "\"user_id\":\"@alice:$name\"" /tmp/login
}

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
login_alice || fail "login after the upgrade: $(cat /tmp/login)"

step "matrixctl install --dry-run over the package: its plan adopts the package's files"
answers="--report-stats no --database sqlite --proxy none --tls none --lang en"
# shellcheck disable=SC2086 # $answers is a list of words
matrixctl install --dry-run -y --server-name "$name" $answers >/tmp/plan 2>&1 || fail "install --dry-run: $(cat /tmp/plan)"
for want in "matrixd from the installed deb package: /usr/bin/matrixd" \
	"the service definition is the deb package's: /lib/systemd/system/matrixd.service" \
	"its user matrixd" "the signing key and secrets are the deb package's: $conf_d/secrets.yaml"; do
	grep -qF "$want" /tmp/plan || fail "the plan does not say \"$want\": $(cat /tmp/plan)"
done
for unwanted in /usr/local/bin/matrixd /etc/systemd/system/matrixd.service /etc/matrixd/signing.key /etc/matrixd/secrets/; do
	! grep -qF "$unwanted" /tmp/plan || fail "the plan writes $unwanted: $(cat /tmp/plan)"
done
# shellcheck disable=SC2086
matrixctl install --dry-run -y --server-name other.example.org $answers >/tmp/plan 2>&1 &&
	fail "install --dry-run accepted another server name than the package's"
grep -qF "$name" /tmp/plan || fail "the refusal does not name the package's server: $(cat /tmp/plan)"
step "the plan uses /usr/bin/matrixd, the package's unit, user and conf.d; another server name is refused"

if [ "$mode" = systemd ]; then
	step "matrixctl install over the package (real run)"
	pid_before="$(main_pid)"
	# shellcheck disable=SC2086
	matrixctl install -y --server-name "$name" $answers >/tmp/install 2>&1 || fail "matrixctl install: $(cat /tmp/install)"
	for p in /usr/local/bin/matrixd /etc/systemd/system/matrixd.service /etc/matrixd/signing.key /etc/matrixd/secrets; do
		[ ! -e "$p" ] || fail "matrixctl install wrote $p although the package provides it"
	done
	[ "$(systemctl show -p FragmentPath --value matrixd.service)" = /lib/systemd/system/matrixd.service ] ||
		fail "matrixd.service is not the package's unit: $(systemctl show -p FragmentPath --value matrixd.service)"
	systemctl is-active --quiet matrixd.service || fail "matrixd.service is not active after install: $(systemctl status --no-pager matrixd 2>&1 | tail -n 20)"
	pid="$(main_pid)"
	[ "$(readlink "/proc/$pid/exe")" = /usr/bin/matrixd ] || fail "the service runs $(readlink "/proc/$pid/exe")"
	[ "$(ps -o user= -p "$pid")" = matrixd ] || fail "the service runs as $(ps -o user= -p "$pid")"
	[ "$pid" != "$pid_before" ] || fail "matrixctl install did not restart matrixd for its new config"
	[ "$(sha256sum "$key" "$conf_d/secrets.yaml")" = "$secrets_before" ] || fail "matrixctl install changed the key or secrets"
	matrixd check-config -c /etc/matrixd/homeserver.yaml -c "$conf_d" || fail "check-config after matrixctl install"
	versions || fail "matrixd does not answer after matrixctl install"
	login_alice || fail "login after matrixctl install: $(cat /tmp/login)"
	step "matrixctl install completed with the packaged service (pid $pid, user matrixd); alice still logs in"
fi

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
