# shellcheck shell=bash
# build_arch: makepkg (as the unprivileged user nobody when run as root) of PKGBUILD around the
# tree pkggen stages; the .pkg.tar goes to dist/.

build_arch() {
	local dir
	dir="$(nobody_dir arch)"
	mkdir -p "$dir/src-tree"
	"$pkggen" stage arch "$dir/src-tree/stage" "$bins" "$docs" || die "pkggen stage arch failed"
	clamp_times "$dir/src-tree"
	tar --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
		-C "$dir/src-tree" -czf "$dir/matrixd-$version-stage.tar.gz" stage
	cp "$repo/packaging/arch/PKGBUILD" "$repo/packaging/arch/matrixd.install" "$dir/"
	sed -i "s/^pkgver=.*/pkgver=$version/; s/^pkgrel=.*/pkgrel=$release/" "$dir/PKGBUILD"
	say Packaging "matrixd-${version}-${release} (makepkg)"
	local as=()
	if [ "$(id -u)" = 0 ]; then
		chown -R nobody "$dir"
		as=(setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$dir")
	fi
	(cd "$dir" && "${as[@]}" makepkg --nodeps --force --noconfirm PKGEXT=.pkg.tar.zst >"$dir/build.log" 2>&1) || {
		tail -n 30 "$dir/build.log" >&2
		die "makepkg failed"
	}
	cp "$dir/matrixd-${version}-${release}-x86_64.pkg.tar.zst" "$dist/"
	[ "$(id -u)" != 0 ] || rm -rf "$dir"
	say Built "$dist/matrixd-${version}-${release}-x86_64.pkg.tar.zst"
}
