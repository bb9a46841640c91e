# shellcheck shell=bash
# build_apk: the Alpine recipe tree in dist/alpine/ (APKBUILD, pre-install, the staged
# tarball, sha512sums filled in). abuild does not run on Debian; packaging/check apk checks it.

build_apk() {
	local out="$dist/alpine" dir="$work/apk"
	rm -rf "$out" "$dir"
	mkdir -p "$out" "$dir"
	"$pkggen" stage apk "$dir/stage" "$bins" "$docs" || die "pkggen stage apk failed"
	clamp_times "$dir"
	tar --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
		-C "$dir" -czf "$out/matrixd-$version-stage.tar.gz" stage
	cp "$repo/packaging/alpine/matrixd.pre-install" "$out/"
	local sum
	sum="$(cd "$out" && sha512sum "matrixd-$version-stage.tar.gz")"
	sed -e "s/^pkgver=.*/pkgver=$version/" -e "s/^sha512sums=\"\"$/sha512sums=\"\n$sum\n\"/" \
		"$repo/packaging/alpine/APKBUILD" >"$out/APKBUILD"
	say Built "$out/ (APKBUILD, matrixd.pre-install, the staged tarball)"
}
