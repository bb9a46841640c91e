# shellcheck shell=bash
# check_repro: the same commit builds the same packages. Copies the committed source to another
# path, builds the release binaries there in a target dir of their own (a second full release
# build: this is why `all` leaves it out), stages and packages the .deb from them with the same
# SOURCE_DATE_EPOCH, and compares the binaries' and the .debs' SHA-256 with the first build's.
# PKG_REPRO_QUICK=1 only rebuilds the .deb from the same binaries (packaging reproducibility).

check_repro() {
	local first second
	first="$(deb_file_repro)"
	[ -f "$first" ] || die "$first is missing: run packaging/build deb"
	local r="$work/repro"
	rm -rf "$r" && mkdir -p "$r/dist"
	local other_bins="$bins"
	if [ "${PKG_REPRO_QUICK:-0}" != 1 ]; then
		say Building "a second time from a copy of the source at $r/src (target dir $r/target)"
		mkdir -p "$r/src"
		git -C "$repo" archive HEAD | tar -x -C "$r/src"
		local start=$SECONDS
		(cd "$r/src" && env -u SOURCE_DATE_EPOCH CARGO_TARGET_DIR="$r/target" \
			RUSTFLAGS="--remap-path-prefix=$r/src=/build/matrixctl --remap-path-prefix=${CARGO_HOME:-$HOME/.cargo}=/cargo $(cfg_flags)" \
			cargo build --release --locked -q -p matrixd -p matrixctl) || die "the second release build failed"
		say Built "the second release build in $((SECONDS - start)) s"
		other_bins="$r/target/release"
		local b
		for b in matrixd matrixctl; do
			say Compare "$b: $(sha256sum <"$bins/$b" | cut -c1-16) vs $(sha256sum <"$other_bins/$b" | cut -c1-16)"
			cmp -s "$bins/$b" "$other_bins/$b" || die "$b differs between the two builds"
		done
	fi
	(
		# shellcheck disable=SC2030,SC2031
		dist="$r/dist" work="$r/work" bins="$other_bins"
		mkdir -p "$work"
		# shellcheck source=packaging/debian/build.sh
		. "$repo/packaging/debian/build.sh"
		build_deb
	) || die "the second .deb build failed"
	second="$r/dist/$(basename "$first")"
	say Compare "$(basename "$first"): $(sha256sum <"$first" | cut -c1-16) vs $(sha256sum <"$second" | cut -c1-16)"
	cmp -s "$first" "$second" || die "the .deb differs between the two builds (try diffoscope on $first $second)"
	local s
	for s in "$bins/matrixd" "$bins/matrixctl"; do
		if readelf -S "$s" | grep -q '\.symtab'; then die "$s is not stripped"; fi
	done
}

deb_file_repro() { echo "$dist/matrixd_${version}-${release}_$(dpkg --print-architecture).deb"; }
