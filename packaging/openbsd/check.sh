# shellcheck shell=bash
# check_openbsd: the port Makefile read by bmake with a stand-in bsd.port.mk; modules.inc and
# distinfo equal to Cargo.lock (crates and checksums, independently of pkggen); PLIST against
# the staged tree and the manifest (user _matrixd created, config files as @sample); the rc.d
# script through sh -n, mksh -n and shellcheck, refusing to start unconfigured.

check_openbsd() {
	local out="$dist/openbsd/net/matrixd"
	[ -f "$out/Makefile" ] || die "$out is missing: run packaging/build openbsd"
	# shellcheck source=packaging/freebsd/check.sh
	. "$repo/packaging/freebsd/check.sh" # lock_crates

	say Checking "the port Makefile with bmake (stand-in bsd.port.mk), modules.inc and distinfo against Cargo.lock"
	local mk="$work/openbsd-mk"
	rm -rf "$mk" && mkdir -p "$mk" && : >"$mk/sys.mk"
	printf '# Stand-in for the ports framework: only the variables are read.\nMODCARGO_TARGET_DIR?=\t${WRKDIR}/target\n' >"$mk/bsd.port.mk"
	local v
	v="$(cd "$out" && bmake -m "$mk" -v PKGNAME -v MODULES -v PERMIT_PACKAGE)" || die "bmake cannot read the Makefile"
	[ "$(echo "$v" | tr '\n' ' ')" = "matrixd-$version devel/cargo Yes " ] || die "port variables: $v"
	(cd "$out" && bmake -m "$mk" -v MODCARGO_CRATES) | tr -s ' \t' '\n\n' | sed '/^$/d' | paste -d- - - | sort >"$work/openbsd.crates"
	lock_crates | cut -d' ' -f1 | diff -u - "$work/openbsd.crates" >&2 || die "MODCARGO_CRATES differs from Cargo.lock"
	sed -n 's#^SHA256 (cargo/\(.*\)\.tar\.gz) = \(.*\)$#\1 \2#p' "$out/distinfo" |
		while read -r c b64; do echo "$c $(echo "$b64" | base64 -d | od -An -tx1 | tr -d ' \n')"; done |
		sort | diff -u <(lock_crates) - >&2 || die "distinfo differs from Cargo.lock's checksums"

	say Checking "pkg/PLIST against the staged tree and the manifest"
	local t="$work/openbsd-stage"
	rm -rf "$t" && "$pkggen" stage openbsd "$t" "$bins" "$docs"
	(cd "$t/usr/local" && find . -type f | sed 's#^\./##' | sort) >"$work/openbsd.tree"
	sed 's/^@bin //' "$out/pkg/PLIST" | grep -v -e '^@' -e '^share/examples/' | sort | diff -u "$work/openbsd.tree" - >&2 ||
		die "PLIST differs from the staged tree"
	grep -qx '@newuser _matrixd:897:_matrixd:daemon:matrixd homeserver:/var/matrixd:/sbin/nologin' "$out/pkg/PLIST" ||
		die "PLIST does not create _matrixd"
	grep -qx '@rcscript ${RCDIR}/matrixd' "$out/pkg/PLIST" || die "PLIST has no @rcscript"
	local c
	for c in $("$pkggen" list openbsd | awk '$5 == "config" {print $6}'); do
		grep -qx "@sample \${SYSCONFDIR}${c#/etc}" "$out/pkg/PLIST" || die "PLIST has no @sample for $c"
	done

	say Checking "pkg/matrixd.rc (sh -n, mksh -n, shellcheck; refuses to start unconfigured)"
	local rc="$out/pkg/matrixd.rc"
	sh -n "$rc" && mksh -n "$rc" || die "rc.d syntax"
	shellcheck -s ksh "$rc" || die "shellcheck rc.d"
	printf 'rc_cmd() { rc_pre || exit 1; echo started; }\n' >"$work/rc.subr.openbsd"
	sed "s#^\. /etc/rc.d/rc.subr#. $work/rc.subr.openbsd#" "$rc" >"$work/matrixd.openbsd.rc"
	local res
	res="$(mksh "$work/matrixd.openbsd.rc" start 2>&1)" && die "the rc.d script started without a server name"
	echo "$res" | grep -q 'not configured' || die "the rc.d script did not say why: $res"
}
