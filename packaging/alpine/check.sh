# shellcheck shell=bash
# check_apk: APKBUILD, the pre-install and the OpenRC script through sh -n, mksh -n and
# shellcheck; pkgver, pkgusers/pkggroups against Cargo.toml and the manifest; the sha512sums
# against the tarball; package() run in sh with stand-in srcdir/pkgdir, its tree against the
# manifest, and the -openrc subpackage's file (/etc/init.d/matrixd) a supervise-daemon script.

check_apk() {
	local out="$dist/alpine"
	[ -f "$out/APKBUILD" ] || die "$out/APKBUILD is missing: run packaging/build apk"
	say Checking "APKBUILD, pre-install, OpenRC script (sh -n, mksh -n, shellcheck)"
	"$pkggen" render apk service >"$work/matrixd.initd"
	local f
	for f in "$out/APKBUILD" "$out/matrixd.pre-install" "$work/matrixd.initd"; do
		sh -n "$f" && mksh -n "$f" || die "syntax: $f"
	done
	# APKBUILD variables are read by abuild (SC2034); srcdir/pkgdir come from it (SC2154).
	shellcheck -s sh -e SC2034,SC2154 "$out/APKBUILD" "$out/matrixd.pre-install" || die "shellcheck APKBUILD"
	shellcheck -s sh "$work/matrixd.initd" || die "shellcheck of the OpenRC script"
	grep -q '^supervisor="supervise-daemon"$' "$work/matrixd.initd" || die "the OpenRC script does not use supervise-daemon"
	(
		# abuild sets srcdir and pkgdir before it reads the APKBUILD.
		srcdir=/abuild/src pkgdir=/abuild/pkg
		# shellcheck source=/dev/null
		. "$out/APKBUILD"
		[ "$pkgver" = "$version" ] || die "pkgver $pkgver is not Cargo.toml's $version"
		[ "$pkgusers" = "$("$pkggen" var apk user)" ] && [ "$pkggroups" = "$("$pkggen" var apk group)" ] ||
			die "pkgusers/pkggroups differ from the manifest's user"
		case " $subpackages " in *" $pkgname-openrc "*) ;; *) die "no -openrc subpackage" ;; esac
	) || exit 1
	(cd "$out" && sed -n '/^sha512sums="/,/^"/p' APKBUILD | sed '1d;$d' | sha512sum -c --quiet) ||
		die "sha512sums do not match the tarball"

	say Checking "package() against packaging/manifest.toml"
	local t="$work/apk-check"
	rm -rf "$t" && mkdir -p "$t/src" "$t/pkg"
	tar -C "$t/src" -xzf "$out/matrixd-$version-stage.tar.gz"
	(cd "$out" && srcdir="$t/src" pkgdir="$t/pkg" sh -ec '. ./APKBUILD; builddir="$srcdir/stage"; package') ||
		die "package() failed"
	(cd "$t/pkg" && find . -type f -printf '%m /%P\n' | sed 's/^/0/' | sort) >"$work/apk.files"
	"$pkggen" list apk | awk '$1 == "f" {print $2, $6}' | sort >"$work/apk.manifest"
	diff -u "$work/apk.manifest" "$work/apk.files" >&2 || die "package() differs from the manifest"
	cmp -s "$t/pkg/etc/init.d/matrixd" "$work/matrixd.initd" || die "/etc/init.d/matrixd is not the rendered template"
}
