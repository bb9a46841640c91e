# shellcheck shell=bash
# What packaging/build and packaging/check share: where things are, the release build (once,
# in the shared target dir, reproducible), pkggen, the version. Sourced, never run.

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/matrixctl/target}"
dist="$repo/dist"
work="$CARGO_TARGET_DIR/packaging"
formats=(deb rpm arch apk freebsd openbsd)

# Reproducible builds: file times from the commit, no build paths in the binaries.
SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git -C "$repo" log -1 --format=%ct 2>/dev/null || echo 0)}"
export SOURCE_DATE_EPOCH

# The commit, read once: a package built later in the same run names the same one.
commit="${PKG_COMMIT:-$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo source)}"
export PKG_COMMIT="$commit"
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$repo/Cargo.toml" | head -n1)"
# The package release; packaging/check builds a higher one to test upgrades.
release="${PKG_RELEASE:-1}"

# A fresh, empty directory for work done as the unprivileged user `nobody` (makepkg refuses
# root): under $TMPDIR when run as root, since the shared target dir may lie in a home that
# nobody cannot enter (CI's is /root/.cache); else under $work. Prints its path.
nobody_dir() {
	local dir
	if [ "$(id -u)" = 0 ]; then
		dir="$(mktemp -d "${TMPDIR:-/tmp}/matrixd-$1.XXXXXX")"
		chmod 0755 "$dir"
		chown nobody "$dir"
	else
		dir="$work/$1"
		rm -rf "$dir"
		mkdir -p "$dir"
	fi
	echo "$dir"
}

# The folder of a format under packaging/.
folder() {
	case "$1" in
	deb) echo debian ;;
	apk) echo alpine ;;
	*) echo "$1" ;;
	esac
}

say() { printf '%12s %s\n' "$1" "$2" >&2; }
die() {
	echo "error: $*" >&2
	exit 1
}

# What .cargo/config.toml adds to rustc's flags on x86-64 (ed25519 with the IFMA backend where
# the CPU has it), which a build that sets RUSTFLAGS must pass itself.
cfg_flags() {
	if [ "$(uname -m)" = x86_64 ]; then echo '--cfg curve25519_dalek_backend="avx512"'; fi
}

# The release binaries, built once per commit with the release profile of Cargo.toml
# (fat LTO, stripped). Only this build gets the path remapping: the debug builds of the test
# suite keep their own flags and cache.
release_bins() {
	local rustflags="--remap-path-prefix=$repo=/build/matrixctl --remap-path-prefix=${CARGO_HOME:-$HOME/.cargo}=/cargo $(cfg_flags)"
	say Building "matrixd and matrixctl (release profile, $CARGO_TARGET_DIR)"
	# Without SOURCE_DATE_EPOCH: rustc embeds no time, and build scripts that watch it (cc)
	# would rebuild sqlite and everything above it on every commit.
	(cd "$repo" && env -u SOURCE_DATE_EPOCH RUSTFLAGS="$rustflags" cargo build --release --locked -q -p matrixd -p matrixctl) ||
		die "cargo build --release failed"
	bins="$CARGO_TARGET_DIR/release"
}

# pkggen (debug build: it only reads the manifest and renders text).
pkggen_bin() {
	(cd "$repo" && cargo build --locked -q -p pkggen) || die "cargo build -p pkggen failed"
	pkggen="$CARGO_TARGET_DIR/debug/pkggen"
}

# Man pages and completions, generated into $work/docs.
gen_docs() {
	rm -rf "$work/docs"
	mkdir -p "$work/docs"
	"$pkggen" docs "$work/docs" || die "pkggen docs failed"
	docs="$work/docs"
}

# FORMAT's package built again as release+1 from the same binaries: the newer build the
# upgrade tests (deb, rpm) upgrade to.
build_next_release() {
	PKG_RELEASE=$((release + 1)) bash -c ". '$repo/packaging/lib.sh'; pkggen='$pkggen' bins='$bins' docs='$docs'; \
		. '$repo/packaging/$(folder "$1")/build.sh'; build_$1" || die "building the $1 upgrade package (release $((release + 1)))"
}

# Every file time of a tree set to SOURCE_DATE_EPOCH.
clamp_times() {
	find "$1" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
}
