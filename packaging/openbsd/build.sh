# shellcheck shell=bash
# build_openbsd: the port tree in dist/openbsd/net/matrixd: the checked-in Makefile, pkg/DESCR
# and pkg/README; modules.inc and distinfo from Cargo.lock (pkggen crates); pkg/PLIST from the
# manifest; pkg/matrixd.rc, the rendered rc.d script.

build_openbsd() {
	local out="$dist/openbsd/net/matrixd" src="$repo/packaging/openbsd"
	rm -rf "$dist/openbsd"
	mkdir -p "$out/pkg"
	sed "s/^V =.*/V =			$version/" "$src/Makefile" >"$out/Makefile"
	cp "$src/pkg/DESCR" "$src/pkg/README" "$out/pkg/"
	"$pkggen" render openbsd service >"$out/pkg/matrixd.rc"
	{
		echo "# Generated from Cargo.lock by pkggen crates openbsd-modules."
		"$pkggen" crates openbsd-modules
	} >"$out/modules.inc"
	"$pkggen" crates openbsd-distinfo >"$out/distinfo" || die "distinfo: run cargo fetch first"
	openbsd_plist >"$out/pkg/PLIST"
	say Built "$out/"
}

# PLIST: the user and group first, then the manifest's files under PREFIX, the rc script,
# the /etc files as examples copied by @sample, the service user's directories.
openbsd_plist() {
	local prefix=/usr/local user
	user="$("$pkggen" var openbsd user)"
	echo "@newgroup $user:897"
	echo "@newuser $user:897:$user:daemon:matrixd homeserver:$("$pkggen" var openbsd data_dir):$("$pkggen" var openbsd nologin)"
	"$pkggen" list openbsd | awk -v p="$prefix/" -v u="$user" '
		$1 == "f" && index($6, p) == 1 { f = substr($6, length(p) + 1)
			if (f ~ /^bin\// || f ~ /^libexec\//) print "@bin " f; else print f }
		$1 == "f" && $6 ~ /^\/etc\/rc.d\// { print "@rcscript ${RCDIR}/" substr($6, 11) }
		$1 == "f" && $5 == "config" { n = split($6, a, "/"); print "share/examples/matrixd/" a[n]
			print "@sample ${SYSCONFDIR}" substr($6, 5) }
		$1 == "d" { m = $2; sub(/^0/, "", m); print "@mode " m; print "@owner " $3; print "@group " $4
			if (index($6, "/etc/") == 1) print "@sample ${SYSCONFDIR}" substr($6, 5) "/"
			else print "@sample " $6 "/"
			print "@mode"; print "@owner"; print "@group" }'
}
