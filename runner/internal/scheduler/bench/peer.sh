#!/usr/bin/env bash
# peer.sh: the runner against the hand-written per-cell loop
# (bench/peer-loop.sh, our copy of the baseline: one `timeout go run` per
# cell), on the same 64-cell matrix and the same timeout.
#
#   bash runner/internal/scheduler/bench/peer.sh
#
# Matrix: 2 cases (cases/busyloop-exit: the article's loop exiting once "hi"
# is printed; bench/cases/gosched-exit: the runtime.Gosched() variant) ×
# 4 toolchains (go1.13.15, go1.14.15, go1.22.0, the machine's Go) ×
# GOMAXPROCS {1,2} × GODEBUG {"", asyncpreemptoff=1} × GOEXPERIMENT
# {"", preemptibleloops}, T = 2 s, toolchains and build caches warm.
# Each side runs $RUNS times (default 3, alternating which goes first);
# the compare program prints medians of wall time, CPU time and peak RSS,
# the ratios, the lower bound (Σ hang timeouts ÷ cores + build CPU ÷
# cores) and the runner's ratio to it, and checks every outcome of both
# sides against a reference run (the runner with T = 5 s and 3 repeats:
# a cell that still has not exited after 5 s on all 3 repeats hangs).
set -euo pipefail
root=$(cd "$(dirname "$0")/../../../.." && pwd)
cd "$root"
RUNS=${RUNS:-3}
T=${T:-2}
PEER=${PEER:-$root/runner/internal/scheduler/bench/peer-loop.sh}
export GOMATRIX_CACHE=${GOMATRIX_CACHE:-$HOME/.cache/gomatrix}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/runner" ./runner
go build -o "$work/compare" ./runner/internal/scheduler/bench/compare
"$work/runner" toolchains fetch 1.13.15 1.14.15 1.22.0 >&2
local_root=$(env GOENV=off GOFLAGS= GOTOOLCHAIN=local go env GOROOT)
roots=("$GOMATRIX_CACHE/toolchains/go1.13.15" "$GOMATRIX_CACHE/toolchains/go1.14.15" "$GOMATRIX_CACHE/toolchains/go1.22.0" "$local_root")

mkdir -p "$work/cases"
cp -R cases/busyloop-exit "$work/cases/"
cp -R runner/internal/scheduler/bench/cases/gosched-exit "$work/cases/"
rm -f "$work/cases/busyloop-exit/case.yaml" # both sides judge by exit status
matrix() { # timeout repeat
	{
		echo "versions:"
		for r in "${roots[@]}"; do echo "  - $r"; done
		echo "gomaxprocs: [1, 2]"
		echo 'godebug: ["", "asyncpreemptoff=1"]'
		echo 'goexperiment: ["", "preemptibleloops"]'
		echo "cases: [cases/*]"
		echo "timeout: ${1}s"
		echo "repeat: $2"
	}
}
matrix "$T" 1 > "$work/matrix.yaml"
matrix 5 3 > "$work/reference.yaml"

echo "warming toolchains and build caches..." >&2
(cd "$work" && ./runner -q -rerun -f matrix.yaml -o warm >&2)
bash "$PEER" "$T" "$work/cases" "${roots[@]}" > /dev/null 2>&1 || true
echo "reference run (T=5s, 3 repeats)..." >&2
(cd "$work" && ./runner -q -rerun -f reference.yaml -o reference >&2)

timed() { # name i command...
	local name=$1 i=$2; shift 2
	/usr/bin/time -f "%e %U %S %M" -o "$work/$name-$i.time" "$@"
}
for i in $(seq 1 "$RUNS"); do
	if [ $((i % 2)) = 1 ]; then order="runner peer"; else order="peer runner"; fi
	for side in $order; do
		echo "run $i: $side" >&2
		if [ "$side" = runner ]; then
			(cd "$work" && timed runner "$i" ./runner -q -rerun -f matrix.yaml -o "out-$i" >&2)
		else
			timed peer "$i" bash "$PEER" "$T" "$work/cases" "${roots[@]}" > "$work/peer-$i.txt" 2>/dev/null || true
		fi
	done
done
"$work/compare" -dir "$work" -runs "$RUNS" -timeout "$T"
