# shellcheck shell=bash
# check_rpm: rpmlint with matrixd.rpmlintrc; no literal %macro left in the scriptlets; the
# files, modes, owners and config files (rpm -qlvp, -qcp) against the manifest; install into a
# test root (a copy of the Debian base root, so the scriptlets have a shell, getent, useradd)
# with rpm -i --root, the scriptlets running chrooted there; matrixd-setup and check-config
# in the root; rpm -e.

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
	rpm --root "$root" -e matrixd || die "rpm -e failed"
	[ ! -e "$root/usr/bin/matrixd" ] || die "rpm -e left /usr/bin/matrixd"
}

deb_base_root_for_rpm() {
	# shellcheck source=packaging/debian/check.sh
	. "$repo/packaging/debian/check.sh"
	deb_base_root
}
