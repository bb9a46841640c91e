# shellcheck shell=bash
# check_rpm: rpmlint with matrixd.rpmlintrc; no literal %macro left in the scriptlets; the
# files, modes, owners and config files (rpm -qlvp, -qcp) against the manifest; install into a
# test root (a copy of the Debian base root, so the scriptlets have a shell, getent, useradd)
# with rpm -i --root, the scriptlets running chrooted there; matrixd-setup and check-config
# in the root; rpm -U to release+1 keeping the edited config, key, secrets and data; rpm -e.

check_rpm() {
	local rpmf="$dist/matrixd-${version}-${release}.x86_64.rpm"
	[ -f "$rpmf" ] || die "$rpmf is missing: run packaging/build rpm"

	say Checking "rpmlint $rpmf"
	rpmlint -r "$repo/packaging/rpm/matrixd.rpmlintrc" "$rpmf" >"$work/rpmlint.log" 2>&1 || true
	grep -q ' 0 errors, 0 warnings' "$work/rpmlint.log" || {
		cat "$work/rpmlint.log" >&2
		die "rpmlint found problems"
	}

	say Checking "scriptlets (no unexpanded macro, sh -n, shellcheck)"
	rpm -qp --scripts "$rpmf" >"$work/rpm.scripts"
	if grep -n '%' "$work/rpm.scripts" >&2; then die "a literal % survives in the scriptlets"; fi
	grep -q 'useradd -r -g matrixd' "$work/rpm.scripts" || die "the %pre does not create the user"
	grep -q 'systemctl try-restart matrixd.service' "$work/rpm.scripts" || die "no restart on upgrade"
	local tag
	for tag in PREIN POSTIN PREUN POSTUN; do
		rpm -qp --qf "%{$tag}\n" "$rpmf" >"$work/rpm.$tag.sh"
		sh -n "$work/rpm.$tag.sh" || die "$tag scriptlet: sh -n"
		shellcheck -s sh -e SC2050,SC2086 "$work/rpm.$tag.sh" || die "$tag scriptlet: shellcheck"
	done

	say Checking "files, modes, owners against packaging/manifest.toml"
	rpm -qlvp "$rpmf" | awk '$1 !~ /^d/ {print $1, $3, $4, $9}' | sed 's#\(/usr/share/man/.*\)\.gz$#\1#' |
		sort >"$work/rpm.files"
	"$pkggen" list rpm | awk '$1 == "f" {print mode($2), $3, $4, $6} function mode(m,  s, i, d) {
		s = "-"; for (i = 2; i <= 4; i++) { d = substr(m, i, 1) + 0
		s = s (int(d / 4) % 2 ? "r" : "-") (int(d / 2) % 2 ? "w" : "-") (d % 2 ? "x" : "-") } return s }' |
		sort >"$work/rpm.manifest"
	diff -u "$work/rpm.manifest" "$work/rpm.files" >&2 || die "the .rpm differs from the manifest (- manifest, + package)"
	rpm -qlvp "$rpmf" | awk '$1 ~ /^d/ {print $3, $4, $9}' | sort >"$work/rpm.dirs"
	"$pkggen" list rpm | awk '$1 == "d" {print $3, $4, $6}' | sort >"$work/rpm.manifest-dirs"
	comm -23 "$work/rpm.manifest-dirs" "$work/rpm.dirs" >"$work/rpm.missing-dirs"
	[ ! -s "$work/rpm.missing-dirs" ] || die "directories missing or wrongly owned: $(cat "$work/rpm.missing-dirs")"
	rpm -qcp "$rpmf" | sort >"$work/rpm.config"
	"$pkggen" list rpm | awk '$5 == "config" {print $6}' | sort | diff -u - "$work/rpm.config" >&2 ||
		die "%config files differ from the manifest"

	say Testing "rpm -i --root (scriptlets in a chroot), matrixd-setup, check-config, rpm -e"
	deb_base_root_for_rpm
	local root="$work/rpm-root"
	rm -rf "$root" && cp -a "$base" "$root"
	rpm --root "$root" --initdb
	rpm --root "$root" -i --nodeps "$rpmf" || die "rpm -i --root failed"
	grep -q '^matrixd:' "$root/etc/passwd" || die "%pre did not create the matrixd user"
	[ "$(chroot "$root" stat -c '%U:%G %a' /var/lib/matrixd)" = "matrixd:matrixd 750" ] || die "/var/lib/matrixd owner or mode"
	[ "$(chroot "$root" stat -c '%U:%G %a' /etc/matrixd/conf.d)" = "root:matrixd 750" ] || die "conf.d owner or mode"
	chroot "$root" /usr/libexec/matrixd/matrixd-setup rpmtest.example.org no >&2 || die "matrixd-setup failed"
	chroot "$root" /usr/bin/matrixd check-config -c /etc/matrixd/homeserver.yaml -c /etc/matrixd/conf.d >&2 ||
		die "check-config of the installed config failed"
	rpm --root "$root" -V matrixd | grep -v -e '^.M......  c' -e '^......G..  c' >"$work/rpm.verify" || true
	rpm_upgrade_test "$root"
	rpm --root "$root" -e matrixd || die "rpm -e failed"
	[ ! -e "$root/usr/bin/matrixd" ] || die "rpm -e left /usr/bin/matrixd"
}

# rpm -U from the installed release to release+1 (the same binaries, built again, with a
# changed default homeserver.yaml): the administrator's edit of homeserver.yaml stays and the
# new default goes to homeserver.yaml.rpmnew (%config(noreplace)); conf.d, the signing key and
# the data stay byte for byte; every scriptlet of both packages ran and returned 0 (rpm -vv
# logs each one's exit status; the systemctl calls in them find no running systemd here and
# do nothing, as in any chroot); the matrixd user keeps its uid; the config still checks.
rpm_upgrade_test() {
	local root="$1" new kept after uid
	PKG_CONFIG_CHANGE="changed by release $((release + 1))" build_next_release rpm
	new="$dist/matrixd-${version}-$((release + 1)).x86_64.rpm"
	say Testing "rpm -U --root to release $((release + 1)) (config, key, secrets and data kept)"
	echo "# An administrator's edit, which rpm -U must keep." >>"$root/etc/matrixd/homeserver.yaml"
	chroot "$root" runuser -u matrixd -- sh -c 'echo "a file of the server" >/var/lib/matrixd/upgrade-data' ||
		die "writing into /var/lib/matrixd as matrixd"
	kept="$(cd "$root" && sha256sum etc/matrixd/homeserver.yaml etc/matrixd/homeserver.signing.key \
		etc/matrixd/conf.d/*.yaml var/lib/matrixd/upgrade-data && stat -c '%n %U:%G %a' var/lib/matrixd etc/matrixd/conf.d)"
	uid="$(chroot "$root" id -u matrixd)"
	rpm --root "$root" -U --nodeps -vv "$new" >"$work/rpm-upgrade.log" 2>&1 || {
		grep -v '^D:' "$work/rpm-upgrade.log" >&2
		die "rpm -U --root failed"
	}
	# (rpm warns about the one .rpmnew the test expects.)
	grep -v -e '^D:' -e '^warning: /etc/matrixd/homeserver.yaml created as /etc/matrixd/homeserver.yaml.rpmnew$' \
		"$work/rpm-upgrade.log" | grep -i -e 'warning' -e 'error' -e 'failed' >&2 &&
		die "rpm -U reported problems (log: $work/rpm-upgrade.log)"
	local s
	for s in "%prein(matrixd-${version}-$((release + 1)).x86_64)" "%post(matrixd-${version}-$((release + 1)).x86_64)" \
		"%preun(matrixd-${version}-${release}.x86_64)" "%postun(matrixd-${version}-${release}.x86_64)"; do
		grep -F "$s" "$work/rpm-upgrade.log" | grep -q 'waitpid(.*) rc .* status 0$' ||
			die "the $s scriptlet did not run or did not return 0 (log: $work/rpm-upgrade.log)"
	done
	[ "$(rpm --root "$root" -q matrixd)" = "matrixd-${version}-$((release + 1)).x86_64" ] || die "rpm -U did not upgrade"
	after="$(cd "$root" && sha256sum etc/matrixd/homeserver.yaml etc/matrixd/homeserver.signing.key \
		etc/matrixd/conf.d/*.yaml var/lib/matrixd/upgrade-data && stat -c '%n %U:%G %a' var/lib/matrixd etc/matrixd/conf.d)"
	[ "$after" = "$kept" ] || {
		diff -u <(echo "$kept") <(echo "$after") >&2
		die "rpm -U changed the config, key, secrets or data"
	}
	grep -qx "# changed by release $((release + 1))" "$root/etc/matrixd/homeserver.yaml.rpmnew" ||
		die "rpm -U did not put the new default config into homeserver.yaml.rpmnew"
	[ -z "$(find "$root/etc/matrixd" -name '*.rpmsave')" ] || die "rpm -U replaced an edited config (.rpmsave)"
	rm "$root/etc/matrixd/homeserver.yaml.rpmnew"
	[ "$(chroot "$root" id -u matrixd)" = "$uid" ] || die "the upgrade changed the matrixd user's uid"
	chroot "$root" /usr/bin/matrixd check-config -c /etc/matrixd/homeserver.yaml -c /etc/matrixd/conf.d >&2 ||
		die "check-config after rpm -U failed"
}

deb_base_root_for_rpm() {
	# shellcheck source=packaging/debian/check.sh
	. "$repo/packaging/debian/check.sh"
	deb_base_root
}
