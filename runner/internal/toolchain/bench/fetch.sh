#!/usr/bin/env bash
# fetch.sh measures how long the runner takes to fetch toolchains, against
# the go command fetching the same modules.
#
#   bash runner/internal/toolchain/bench/fetch.sh [version...]
#
# For the versions (default go1.13.15 go1.14.15 go1.22.0 go1.16.15) it
# times, in each of $ROUNDS rounds (default 2, alternating which goes
# first so neither always meets a colder network):
#   cold runner: `runner toolchains fetch -parallel $PARALLEL <versions>`
#                into a fresh GOMATRIX_CACHE (GOMATRIX_SOURCES=proxy, so a
#                ~/sdk toolchain is not reused);
#   go:          `go mod download golang.org/toolchain@v0.0.1-<v>.<os>-<arch>`
#                for each version, one after another, into a fresh
#                GOMODCACHE (GOFLAGS= GOENV=off GOTOOLCHAIN=local);
# then the runner again on its now-warm cache. It prints the best time of
# each, and the cold ratio runner/go (target <= 0.6; warm: well under 1 s).
# GOPROXY and GOSUMDB are taken from the environment by both sides.
#
# The runner binary is built first, so compile time is not measured; if
# ./runner does not build, the small Manager-only command beside this
# script (fetchcmd) stands in for it.
set -euo pipefail

root=$(cd "$(dirname "$0")/../../../.." && pwd)
cd "$root"
versions=("$@")
if [ ${#versions[@]} -eq 0 ]; then
	versions=(go1.13.15 go1.14.15 go1.22.0 go1.16.15)
fi
rounds=${ROUNDS:-2}
parallel=${PARALLEL:-2}
goos=$(go env GOOS)
goarch=$(go env GOARCH)

work=$(mktemp -d "${TMPDIR:-/tmp}/gomatrix-bench.XXXXXX")
cleanup() {
	chmod -R u+w "$work" 2>/dev/null || true # the module cache is read-only
	rm -rf "$work"
}
trap cleanup EXIT

if go build -o "$work/runner" ./runner 2>"$work/build.log"; then
	fetch=("$work/runner" toolchains fetch -parallel "$parallel")
	what="runner toolchains fetch -parallel $parallel"
else
	echo "note: ./runner does not build (see below); timing bench/fetchcmd instead" >&2
	head -5 "$work/build.log" >&2
	go build -o "$work/fetchcmd" ./runner/internal/toolchain/bench/fetchcmd
	fetch=("$work/fetchcmd" -parallel "$parallel")
	what="fetchcmd -parallel $parallel"
fi

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b < a) ? b : a }'; }

# settle lets the disk write back the last run's gigabyte, so each timing
# starts from a quiet disk.
settle() {
	sync
	sleep 2
}

runner_cold() {
	local cache=$work/cache-$1
	settle
	local t0
	t0=$(now)
	GOMATRIX_CACHE=$cache GOMATRIX_SOURCES=proxy "${fetch[@]}" "${versions[@]}" >"$work/runner-$1.log" 2>&1 ||
		{ cat "$work/runner-$1.log" >&2; exit 1; }
	since "$t0"
}

runner_warm() {
	local cache=$work/cache-$1 t0
	t0=$(now)
	GOMATRIX_CACHE=$cache GOMATRIX_SOURCES=proxy "${fetch[@]}" "${versions[@]}" >"$work/warm-$1.log" 2>&1 ||
		{ cat "$work/warm-$1.log" >&2; exit 1; }
	since "$t0"
}

go_cold() {
	local modcache=$work/modcache-$1 t0 v
	mkdir -p "$work/empty"
	settle
	t0=$(now)
	for v in "${versions[@]}"; do
		(cd "$work/empty" && GOMODCACHE=$modcache GOFLAGS= GOENV=off GOTOOLCHAIN=local \
			go mod download "golang.org/toolchain@v0.0.1-$v.$goos-$goarch") ||
			exit 1
	done
	since "$t0"
}

echo "fetching ${versions[*]} for $goos/$goarch, $rounds rounds"
best_runner="" best_go="" best_warm=""
for r in $(seq 1 "$rounds"); do
	if [ $((r % 2)) -eq 1 ]; then
		rc=$(runner_cold "$r")
		gc=$(go_cold "$r")
	else
		gc=$(go_cold "$r")
		rc=$(runner_cold "$r")
	fi
	w=$(runner_warm "$r")
	printf 'round %d: runner cold %6.2f s   go mod download %6.2f s   runner warm %5.2f s\n' "$r" "$rc" "$gc" "$w"
	best_runner=$(min "$best_runner" "$rc")
	best_go=$(min "$best_go" "$gc")
	best_warm=$(min "$best_warm" "$w")
	# The trees stay until the end (about 2.5 GB a round): on ext4,
	# creating files within minutes of deleting many is much slower (the
	# inode allocator skips recently deleted inodes), which would slow
	# whichever side runs next.
done

echo
echo "best of $rounds:"
printf '  cold  %-40s %6.2f s\n' "$what" "$best_runner"
printf '  cold  %-40s %6.2f s\n' "go mod download (one after another)" "$best_go"
printf '  ratio runner/go                                  %6.2f   (target <= 0.6)\n' \
	"$(awk -v a="$best_runner" -v b="$best_go" 'BEGIN { print a / b }')"
printf '  warm  %-40s %6.2f s   (target: well under 1 s)\n' "$what" "$best_warm"
