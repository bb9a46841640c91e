# shellcheck shell=bash
# build_rpm: rpmbuild -bb of matrixd.spec around the tree pkggen stages, with the systemd and
# sysusers macros Debian's rpm lacks (macros.matrixd).

build_rpm() {
	local top="$work/rpm"
	rm -rf "$top"
	mkdir -p "$top"/{BUILD,RPMS,SPECS,SRPMS,BUILDROOT}
	"$pkggen" stage rpm "$top/stage" "$bins" "$docs" || die "pkggen stage rpm failed"
	"$pkggen" render rpm sysusers >"$top/sysusers.conf"
	# packaging/check rpm's upgrade package ships a changed homeserver.yaml, as an update of
	# the defaults would, so that %config(noreplace) is put to the test.
	if [ -n "${PKG_CONFIG_CHANGE:-}" ]; then
		echo "# $PKG_CONFIG_CHANGE" >>"$top/stage$("$pkggen" var rpm config_dir)/homeserver.yaml"
	fi
	clamp_times "$top/stage"
	say Packaging "matrixd-${version}-${release} (rpmbuild)"
	rpmbuild -bb --quiet --nodeps \
		--load "$repo/packaging/rpm/macros.matrixd" \
		--define "_topdir $top" \
		--define "pkg_version $version" \
		--define "pkg_release $release" \
		--define "stage $top/stage" \
		--define "sysusers_file $top/sysusers.conf" \
		--define "use_source_date_epoch_as_buildtime 1" \
		--define "clamp_mtime_to_source_date_epoch 1" \
		--define "_buildhost reproducible" \
		"$repo/packaging/rpm/matrixd.spec" >"$top/build.log" 2>&1 || {
		tail -n 30 "$top/build.log" >&2
		die "rpmbuild failed"
	}
	cp "$top/RPMS/x86_64/matrixd-${version}-${release}.x86_64.rpm" "$dist/"
	say Built "$dist/matrixd-${version}-${release}.x86_64.rpm"
}
