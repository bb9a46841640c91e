# shellcheck shell=bash
# build_freebsd: the port tree in dist/freebsd/net-im/matrixd: the checked-in Makefile,
# pkg-descr and files/pkg-message.in; Makefile.crates and distinfo from Cargo.lock (pkggen
# crates); pkg-plist from the manifest; files/matrixd.in is the rendered rc.d script.

build_freebsd() {
	local out="$dist/freebsd/net-im/matrixd" src="$repo/packaging/freebsd"
	rm -rf "$dist/freebsd"
	mkdir -p "$out/files"
	sed "s/^DISTVERSION=.*/DISTVERSION=	$version/" "$src/Makefile" >"$out/Makefile"
	cp "$src/pkg-descr" "$out/"
	cp "$src/files/pkg-message.in" "$out/files/"
	"$pkggen" render freebsd service >"$out/files/matrixd.in"
	{
		echo "# Generated from Cargo.lock by pkggen crates freebsd-crates."
		"$pkggen" crates freebsd-crates
	} >"$out/Makefile.crates"
	"$pkggen" crates freebsd-distinfo --timestamp "$SOURCE_DATE_EPOCH" >"$out/distinfo" ||
		die "distinfo: run cargo fetch first"
	freebsd_plist >"$out/pkg-plist"
	say Built "$out/"
}

# pkg-plist: the manifest's files under PREFIX relative to it, config files as @sample, the
# service user's directories with their owners.
freebsd_plist() {
	local prefix=/usr/local
	"$pkggen" list freebsd | awk -v p="$prefix/" '
		$1 == "f" && index($6, p) == 1 { f = substr($6, length(p) + 1)
			if ($5 == "config") print "@sample " f ".sample"; else print f }
		$1 == "f" && index($6, p) != 1 { print "ERROR " $6 }
		$1 == "d" && index($6, p) != 1 { print "@dir(" $3 "," $4 "," $2 ") " $6 }
		$1 == "d" && index($6, p) == 1 { print "@dir(" $3 "," $4 "," $2 ") " substr($6, length(p) + 1) }' |
		sed 's#^\(share/man/.*\)$#\1.gz#'
}
