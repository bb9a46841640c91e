# shellcheck shell=bash
# build_deb: the .deb with debhelper (dpkg-buildpackage -b) around the tree pkggen stages.
# debhelper rather than cargo-deb: Debian's own tool (from apt), and it writes the systemd,
# tmpfiles and debconf parts of the maintainer scripts the way every Debian package has them.

build_deb() {
	local src="$work/deb/matrixd-$version"
	rm -rf "$work/deb"
	mkdir -p "$src"
	cp -a "$repo/packaging/debian/debian" "$src/debian"
	"$pkggen" stage deb "$src/stage" "$bins" "$docs" || die "pkggen stage deb failed"
	local maint date
	maint="$("$pkggen" package maintainer)"
	date="$(date -u -R -d "@$SOURCE_DATE_EPOCH")"
	cat >"$src/debian/changelog" <<CHANGELOG
matrixd ($version-$release) unstable; urgency=medium

  * Built from matrixctl $commit.

 -- $maint  $date
CHANGELOG
	clamp_times "$src"
	say Packaging "matrixd_${version}-${release} (dpkg-buildpackage)"
	(cd "$src" && dpkg-buildpackage -b -us -uc >"$work/deb/build.log" 2>&1) ||
		die "dpkg-buildpackage failed; see $work/deb/build.log"
	rm -f "$dist"/matrixd_*_"$(dpkg --print-architecture)".deb.tmp
	cp "$work/deb/matrixd_${version}-${release}_$(dpkg --print-architecture).deb" "$dist/"
	say Built "$dist/matrixd_${version}-${release}_$(dpkg --print-architecture).deb"
}
