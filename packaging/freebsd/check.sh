# shellcheck shell=bash
# check_freebsd: the port Makefile read by bmake with a stand-in bsd.port.mk (its variables,
# the crate list equal to Cargo.lock's); distinfo's hashes equal to Cargo.lock's checksums;
# pkg-plist equal to the staged tree; the rc.d script through sh -n, mksh -n, shellcheck, and
# run with a stand-in rc.subr to see it refuse to start while the server name is unset.

# Cargo.lock's crates.io packages as name-version, and name-version checksum, read with awk
# (independently of pkggen).
lock_crates() {
	awk '/^\[\[package\]\]/ { n = v = s = c = "" }
		/^name = / { n = $3 } /^version = / { v = $3 } /^source = "registry/ { s = 1 } /^checksum = / { c = $3 }
		/^$/ && s { gsub(/"/, "", n); gsub(/"/, "", v); gsub(/"/, "", c); print n "-" v, c; s = "" }
		END { if (s) { gsub(/"/, "", n); gsub(/"/, "", v); gsub(/"/, "", c); print n "-" v, c } }' "$repo/Cargo.lock" | sort
}

check_freebsd() {
	local out="$dist/freebsd/net-im/matrixd"
	[ -f "$out/Makefile" ] || die "$out is missing: run packaging/build freebsd"
	say Checking "the port Makefile with bmake (stand-in bsd.port.mk), crates and distinfo against Cargo.lock"
	local mk="$work/freebsd-mk"
	rm -rf "$mk" && mkdir -p "$mk"
	printf '# Stand-in for the ports framework: only the variables are read.\nCARGO_TARGET_DIR?=\t${WRKDIR}/target\n' >"$mk/bsd.port.mk"
	: >"$mk/sys.mk"
	local v
	v="$(cd "$out" && bmake -m "$mk" -v PORTNAME -v DISTVERSION -v USES -v USERS -v LICENSE)" || die "bmake cannot read the Makefile"
	[ "$(echo "$v" | tr '\n' ' ')" = "matrixd $version cargo matrixd APACHE20 " ] || die "port variables: $v"
	(cd "$out" && bmake -m "$mk" -v CARGO_CRATES) | tr ' ' '\n' | sed '/^$/d' | sort >"$work/freebsd.crates"
	lock_crates | cut -d' ' -f1 | diff -u - "$work/freebsd.crates" >&2 || die "CARGO_CRATES differs from Cargo.lock"
	sed -n 's#^SHA256 (rust/crates/\(.*\)\.crate) = \(.*\)$#\1 \2#p' "$out/distinfo" | sort | diff -u <(lock_crates) - >&2 ||
		die "distinfo differs from Cargo.lock's checksums"
	[ "$(grep -c '^SIZE (rust/crates/' "$out/distinfo")" = "$(lock_crates | wc -l)" ] || die "distinfo lacks sizes"

	say Checking "pkg-plist against the staged tree"
	local t="$work/freebsd-stage"
	rm -rf "$t" && "$pkggen" stage freebsd "$t" "$bins" "$docs"
	(cd "$t/usr/local" && find . -type f | sed 's#^\./##' |
		sed -e 's#^\(etc/matrixd/.*\)$#@sample \1.sample#' -e 's#^\(share/man/.*\)$#\1.gz#' | sort) >"$work/freebsd.tree"
	grep -v '^@dir' "$out/pkg-plist" | sort | diff -u - "$work/freebsd.tree" >&2 || die "pkg-plist differs from the staged tree"
	grep -q '^@dir(matrixd,matrixd,0750) /var/db/matrixd$' "$out/pkg-plist" || die "pkg-plist lacks the data directory"

	say Checking "the rc.d script (sh -n, mksh -n, shellcheck; refuses to start unconfigured)"
	local rc="$out/files/matrixd.in"
	sh -n "$rc" && mksh -n "$rc" || die "rc.d syntax"
	shellcheck -s sh "$rc" || die "shellcheck rc.d"
	printf 'load_rc_config() { :; }\nerr() { echo "$2" >&2; exit "$1"; }\nrun_rc_command() { matrixd_precmd; echo started; }\n' \
		>"$work/rc.subr"
	sed "s#^\. /etc/rc.subr#. $work/rc.subr#" "$rc" >"$work/matrixd.rc"
	local res
	res="$(sh "$work/matrixd.rc" start 2>&1)" && die "the rc.d script started without a server name"
	echo "$res" | grep -q 'not configured' || die "the rc.d script did not say why: $res"
}
