# shellcheck shell=bash
# check_deb: lintian; the package's files, modes and control fields against the manifest; the
# maintainer scripts through shellcheck; the unit through systemd-analyze (verify, security);
# then packaging/debian/pkgtest.sh in a fresh Debian 12 root made with mmdebstrap, booted with
# systemd-nspawn -b where the machine allows it (else run in a chroot); piuparts last (its
# install/purge test, and install/upgrade/purge from a local apt repository holding this
# release to the next).

deb_file() { echo "$dist/matrixd_${version}-$1_$(dpkg --print-architecture).deb"; }

check_deb() {
	local deb
	deb="$(deb_file "$release")"
	[ -f "$deb" ] || die "$deb is missing: run packaging/build deb"

	say Checking "lintian $deb"
	lintian --fail-on error,warning --suppress-tags-from-file /dev/null "$deb" >"$work/lintian.log" 2>&1 || {
		cat "$work/lintian.log" >&2
		die "lintian found problems"
	}

	say Checking "files and modes against packaging/manifest.toml"
	# The package's files (man pages are compressed by dh_compress; debhelper adds the doc
	# files and the lintian overrides).
	dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {sub(/^\./, "", $6); print $1, $6}' |
		sed -e 's#\(/usr/share/man/.*\)\.gz$#\1#' |
		grep -v -e ' /usr/share/doc/matrixd/changelog.Debian.gz$' -e ' /usr/share/doc/matrixd/copyright$' \
			-e ' /usr/share/lintian/overrides/matrixd$' | sort >"$work/deb.files"
	"$pkggen" list deb | awk '$1 == "f" {print mode($2), $6} function mode(m,  s, i, d) {
		s = "-"; for (i = 2; i <= 4; i++) { d = substr(m, i, 1) + 0
		s = s (int(d / 4) % 2 ? "r" : "-") (int(d / 2) % 2 ? "w" : "-") (d % 2 ? "x" : "-") } return s }' |
		sort >"$work/manifest.files"
	diff -u "$work/manifest.files" "$work/deb.files" >&2 || die "the .deb differs from the manifest (- manifest, + package)"
	dpkg-deb -I "$deb" conffiles | sort >"$work/deb.conffiles"
	"$pkggen" list deb | awk '$1 == "f" && $5 == "config" {print $6}' | sort >"$work/manifest.conffiles"
	diff -u "$work/manifest.conffiles" "$work/deb.conffiles" >&2 || die "conffiles differ from the manifest's config files"
	[ "$(dpkg-deb -f "$deb" Homepage)" = "$("$pkggen" package homepage)" ] || die "Homepage differs from the manifest"
	[ "$(dpkg-deb -f "$deb" Maintainer)" = "$("$pkggen" package maintainer)" ] || die "Maintainer differs from the manifest"
	[ "$(dpkg-deb -f "$deb" Description | head -n1)" = "$("$pkggen" package summary)" ] || die "the summary differs from the manifest"
	[ "$(dpkg-deb -f "$deb" Description | tail -n +2 | sed 's/^ //')" = "$("$pkggen" package description)" ] ||
		die "the description differs from the manifest"

	say Checking "maintainer scripts (shellcheck)"
	local ctl="$work/deb-control"
	rm -rf "$ctl" && mkdir -p "$ctl" && dpkg-deb -e "$deb" "$ctl"
	# SC1091: debconf's confmodule exists only on the target.
	shellcheck -s sh -e SC1091 "$ctl/config" "$ctl/postinst" "$ctl/postrm" "$ctl/prerm" \
		"$repo/packaging/debian/pkgtest.sh" || die "shellcheck"
	"$pkggen" render deb setup >"$work/matrixd-setup"
	shellcheck -s sh "$work/matrixd-setup" || die "shellcheck matrixd-setup"

	say Checking "matrixd.service (systemd-analyze verify and security)"
	local root="$work/deb-root"
	rm -rf "$root" && mkdir -p "$root" && dpkg-deb -x "$deb" "$root"
	# verify needs the binary at its path on this machine: check a copy pointing into the tree.
	sed "s#^ExecStart=/usr/bin/matrixd#ExecStart=$root/usr/bin/matrixd#" "$root/lib/systemd/system/matrixd.service" \
		>"$work/matrixd.service"
	# --man=no: the pages named in Documentation= come with the package, not this machine.
	systemd-analyze verify --man=no "$work/matrixd.service" 2>&1 | grep -v -e 'Failed to open' -e '^$' && die "systemd-analyze verify"
	local score
	score="$(systemd-analyze security --offline=true --no-pager "$work/matrixd.service" 2>/dev/null |
		sed -n 's/.*Overall exposure level for matrixd.service: \([0-9.]*\).*/\1/p')"
	[ -n "$score" ] || die "systemd-analyze security gave no score"
	say Exposure "$score (systemd-analyze security; 0 is best, 10 worst; must be below 2.0)"
	awk -v s="$score" 'BEGIN { exit !(s < 2.0) }' || die "exposure $score is not below 2.0"

	deb_system_test "$deb"
	if [ "${PKG_SKIP_PIUPARTS:-0}" != 1 ]; then
		deb_piuparts "$deb" "$(deb_file $((release + 1)))"
	fi
}

# A fresh Debian 12 root with systemd, curl and adduser, made once with mmdebstrap and kept.
deb_base_root() {
	base="${PKG_CACHE:-$HOME/.cache/matrixctl/packaging}/bookworm-systemd-v2"
	if [ ! -d "$base" ]; then
		say Creating "$base (mmdebstrap bookworm)"
		mkdir -p "$(dirname "$base")"
		local mirror
		mirror="$(sed -n 's/^URIs: \(.*debian\)$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1)"
		mmdebstrap --quiet --variant=minbase --include=systemd,systemd-sysv,dbus,adduser,ca-certificates,curl,procps \
			bookworm "$base.tmp" "${mirror:-http://deb.debian.org/debian}" || die "mmdebstrap failed"
		mv "$base.tmp" "$base"
	fi
}

deb_system_test() {
	local old="$1" new
	# The upgrade goes to a newer build of the same binaries: one more package release.
	build_next_release deb
	new="$(deb_file $((release + 1)))"
	deb_base_root
	local root="$work/deb-test-root"
	rm -rf "$root"
	cp -a "$base" "$root"
	cp "$old" "$root/root/old.deb"
	cp "$new" "$root/root/new.deb"
	cp "$repo/packaging/debian/pkgtest.sh" "$root/root/pkgtest.sh"
	echo "pkgtest" >"$root/etc/hostname"

	say Testing "install, register, upgrade, login, remove, purge in Debian 12 booted by systemd-nspawn -b"
	cat >"$root/etc/systemd/system/pkgtest.service" <<UNIT
[Unit]
Description=matrixd package test
After=multi-user.target
[Service]
Type=oneshot
ExecStart=/bin/sh -c '/bin/sh /root/pkgtest.sh systemd /root/old.deb /root/new.deb >/root/pkgtest.log 2>&1; echo \$? >/root/pkgtest.rc'
ExecStartPost=/bin/systemctl poweroff --no-block
UNIT
	mkdir -p "$root/etc/systemd/system/default.target.wants"
	ln -sf /etc/systemd/system/pkgtest.service "$root/etc/systemd/system/default.target.wants/pkgtest.service"
	timeout 300 systemd-nspawn --quiet -D "$root" -b --register=no --keep-unit --console=pipe \
		>"$work/nspawn.log" 2>&1 || true
	if [ -f "$root/root/pkgtest.rc" ]; then
		cat "$root/root/pkgtest.log" >&2
		[ "$(cat "$root/root/pkgtest.rc")" = 0 ] || die "the package test failed under systemd"
		return 0
	fi
	if [ "${MATRIXCTL_PKG_REQUIRE_BOOT:-0}" = 1 ]; then
		tail -n 20 "$work/nspawn.log" >&2
		die "systemd-nspawn -b could not boot the test root"
	fi
	say Note "systemd-nspawn -b does not work on this machine ($(tail -n1 "$work/nspawn.log")); running the test in a chroot"
	rm -rf "$root" && cp -a "$base" "$root"
	cp "$old" "$root/root/old.deb" && cp "$new" "$root/root/new.deb"
	cp "$repo/packaging/debian/pkgtest.sh" "$root/root/pkgtest.sh"
	mount --bind /proc "$root/proc"
	chroot "$root" /bin/sh /root/pkgtest.sh direct /root/old.deb /root/new.deb >&2 || {
		umount "$root/proc"
		die "the package test failed in the chroot"
	}
	umount "$root/proc"
}

# piuparts' two tests of the release+1 package NEW: install/purge of the .deb, and
# install/upgrade/purge, where piuparts installs matrixd with apt-get from an archive and then
# upgrades to NEW with dpkg -i. Our package is in no archive, so the archive is a local flat
# apt repository holding OLD (release), added to the chroot's sources with --extra-repo
# ([trusted=yes]: unsigned) and bind-mounted into it; the upgrade test runs only because apt
# finds matrixd there.
deb_piuparts() {
	local old="$1" new="$2"
	say Testing "piuparts install/purge, and install $(basename "$old") from a local apt repository, upgrade, purge"
	local tgz="${PKG_CACHE:-$HOME/.cache/matrixctl/packaging}/bookworm-piuparts.tgz"
	local mirror
	mirror="$(sed -n 's/^URIs: \(.*debian\)$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1)"
	if [ ! -f "$tgz" ]; then
		mmdebstrap --quiet --variant=minbase bookworm "$tgz" "${mirror:-http://deb.debian.org/debian}" ||
			die "mmdebstrap for piuparts failed"
	fi
	# Under $TMPDIR: apt in the chroot reads it as _apt, which cannot enter /root.
	local archive
	archive="$(mktemp -d "${TMPDIR:-/tmp}/matrixd-apt.XXXXXX")"
	chmod 0755 "$archive"
	cp "$old" "$archive/"
	(cd "$archive" && dpkg-scanpackages --multiversion . /dev/null >Packages 2>/dev/null) ||
		die "dpkg-scanpackages failed"
	chmod 0644 "$archive"/*
	piuparts -d bookworm -m "${mirror:-http://deb.debian.org/debian}" -b "$tgz" \
		--extra-repo "deb [trusted=yes] file://$archive ./" --bindmount "$archive" \
		--warn-on-leftovers-after-purge "$new" >"$work/piuparts.log" 2>&1 || {
		tail -n 40 "$work/piuparts.log" >&2
		rm -rf "$archive"
		die "piuparts failed (log: $work/piuparts.log)"
	}
	rm -rf "$archive"
	# The upgrade test must have run (piuparts skips it when apt knows no matrixd), starting
	# from the repository's version.
	grep -q "Get:[0-9]* file:$archive \./ matrixd $(dpkg-deb -f "$old" Version) " "$work/piuparts.log" ||
		die "piuparts did not install $(basename "$old") from the repository (log: $work/piuparts.log)"
	grep -q "PASS: Installation, upgrade and purging tests" "$work/piuparts.log" ||
		die "piuparts ran no upgrade test (log: $work/piuparts.log)"
}
