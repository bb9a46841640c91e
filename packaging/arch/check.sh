# shellcheck shell=bash
# check_arch: PKGBUILD and matrixd.install through bash -n and shellcheck, .SRCINFO equal to
# makepkg --printsrcinfo, pkgver equal to Cargo.toml's, backup= equal to the manifest's config
# files, the package's files and modes against the manifest, the .install functions run in
# bash, pacman -U into a test root with its own database, then pacman -Qkk.

check_arch() {
	local pkg="$dist/matrixd-${version}-${release}-x86_64.pkg.tar.zst" src="$repo/packaging/arch"
	[ -f "$pkg" ] || die "$pkg is missing: run packaging/build arch"

	say Checking "PKGBUILD, matrixd.install (bash -n, shellcheck), .SRCINFO in sync"
	bash -n "$src/PKGBUILD" && bash -n "$src/matrixd.install" || die "bash -n"
	# PKGBUILD variables are read by makepkg (SC2034); srcdir/pkgdir come from it (SC2154).
	shellcheck -s bash -e SC2034,SC2154 "$src/PKGBUILD" "$src/matrixd.install" || die "shellcheck"
	grep -qx "pkgver=$version" "$src/PKGBUILD" || die "PKGBUILD pkgver is not Cargo.toml's $version"
	local tmp
	tmp="$(nobody_dir arch-srcinfo)"
	cp "$src/PKGBUILD" "$src/matrixd.install" "$tmp/"
	local as=()
	if [ "$(id -u)" = 0 ]; then
		chown -R nobody "$tmp"
		as=(setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$tmp")
	fi
	(cd "$tmp" && "${as[@]}" makepkg --printsrcinfo) | diff -u "$src/.SRCINFO" - >&2 ||
		die ".SRCINFO is out of date: run makepkg --printsrcinfo > .SRCINFO in packaging/arch"
	[ "$(id -u)" != 0 ] || rm -rf "$tmp"
	diff -u <("$pkggen" list arch | awk '$5 == "config" {print substr($6, 2)}' | sort) \
		<(sed -n 's/^\tbackup = //p' "$src/.SRCINFO" | sort) >&2 || die "backup= differs from the manifest's config files"

	say Checking "files and modes against packaging/manifest.toml"
	bsdtar -tvf "$pkg" | awk '$1 !~ /^d/ && $9 !~ /^\./ {print $1, "/" $9}' |
		sed 's#\(/usr/share/man/.*\)\.gz$#\1#' | sort >"$work/arch.files"
	"$pkggen" list arch | awk '$1 == "f" {print mode($2), $6} function mode(m,  s, i, d) {
		s = "-"; for (i = 2; i <= 4; i++) { d = substr(m, i, 1) + 0
		s = s (int(d / 4) % 2 ? "r" : "-") (int(d / 2) % 2 ? "w" : "-") (d % 2 ? "x" : "-") } return s }' |
		sort >"$work/arch.manifest"
	diff -u "$work/arch.manifest" "$work/arch.files" >&2 || die "the package differs from the manifest (- manifest, + package)"

	say Checking "the .install functions in bash"
	bash -euc ". '$src/matrixd.install'; post_install $version-$release; post_upgrade $version-$release 0.0.1-1;
		pre_remove $version-$release; post_remove $version-$release" >"$work/arch.install.out" ||
		die "the .install functions failed"
	grep -q 'matrixd-setup' "$work/arch.install.out" || die "post_install does not say how to set up"

	say Testing "pacman -U --root --dbpath, pacman -Qkk"
	# shellcheck source=packaging/debian/check.sh
	. "$repo/packaging/debian/check.sh"
	deb_base_root
	local root="$work/arch-root"
	rm -rf "$root" && cp -a "$base" "$root"
	mkdir -p "$root/var/lib/pacman" "$root/var/cache/pacman/pkg"
	pacman -U --noconfirm -dd --root "$root" --dbpath "$root/var/lib/pacman" \
		--cachedir "$root/var/cache/pacman/pkg" "$pkg" >"$work/pacman.log" 2>&1 || {
		cat "$work/pacman.log" >&2
		die "pacman -U failed"
	}
	pacman -Qkk --root "$root" --dbpath "$root/var/lib/pacman" matrixd >"$work/pacman-qkk.log" 2>&1 || {
		cat "$work/pacman-qkk.log" >&2
		die "pacman -Qkk found differences"
	}
	grep -q '0 altered files' "$work/pacman-qkk.log" || die "pacman -Qkk: $(cat "$work/pacman-qkk.log")"
	pacman -R --noconfirm --root "$root" --dbpath "$root/var/lib/pacman" matrixd >>"$work/pacman.log" 2>&1 ||
		die "pacman -R failed"
}
