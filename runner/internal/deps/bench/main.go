// Command bench measures what the runner's shared module cache saves when
// a case with module dependencies (case/: four modules) is built with the
// six toolchains of matrix.yaml.
//
// Run it from the repository root:
//
//	go run ./runner/internal/deps/bench [-n 3]
//
// It builds the runner once, makes sure the toolchains are installed in
// the default cache (fetching any that are not, before anything is timed)
// and starts a counting reverse proxy (net/http/httptest) in front of
// https://proxy.golang.org: GOPROXY of both sides, GOSUMDB=sum.golang.org
// reached through its /sumdb/ endpoint. Then, n times each, in turn:
//
//   - runner: `gomatrix run -f <matrix> -o <tmp>/out -q -rerun` with a fresh
//     GOMATRIX_CACHE (so fresh build caches and one fresh module cache
//     shared by every toolchain), on a copy of matrix.yaml whose versions
//     are the toolchains' GOROOTs; GOMATRIX_OFFLINE=1 forbids toolchain
//     downloads only. Every cell of results.json must be complete.
//   - peer: peer-build-loop.sh, the loop a user would write: each
//     toolchain in turn builds a copy of the case with `go build` in a
//     fresh module cache and build cache. Every build must succeed.
//
// It prints each repetition's wall and CPU time (of the process and
// those it waited for), min/median/max, the zip downloads per module,
// the ratio of the medians, the checks, and whether the targets are met:
// the runner downloads each module once; runner/peer <= 0.5. Removing
// the caches is not timed. Exit status 1 if a check failed, not if a
// target was missed.
//
// Measured on this machine (linux/amd64, 2 cores, shared with other
// work: load average 3-7 during the runs), n=3, go1.17.13 go1.18.10
// go1.20.14 go1.22.12 go1.24.13 go1.26.11:
//
//	runner wall 45.1 74.3 72.1 s, median 72.1 s (cpu median 91.4 s)
//	peer   wall 56.4 64.6 63.3 s, median 63.3 s (cpu median 97.2 s)
//	ratio of the medians 1.14: target missed (two earlier full runs:
//	1.00 and 1.06; on the one repetition with an idle machine, 0.80)
//	zips: runner each module once (11.5 MB, 24 requests), peer 6 times
//	each (52.8 MB, 72 requests): target met
//	every cell complete, every peer build ok
//
// The downloads are not where the time goes: the zips took 42-51 ms
// (runner) and 193-223 ms (peer) at the proxy, summed, of about a
// minute. Nearly all of it is compiling: with a fresh build cache, go1.20
// and later compile std (no precompiled std), about 19-25 s of each
// build (the runner's build lines in a trial run), for both sides.
// Sharing the module cache saves bytes (4.6x fewer) and requests (3x),
// which matters on a slow or metered network, not wall time here. The
// runner also downloads golang.org/x/tools (2.7 MB), which no build
// needs: go1.17's download step (`go mod download` without arguments)
// fetches the whole build list even for a go 1.17 go.mod; go1.18 and
// later fetch only the requirements.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// upstream is the module proxy the counting proxy forwards to.
const upstream = "https://proxy.golang.org"

// bench is the setup both sides share.
type bench struct {
	dir      string // this directory
	caseDir  string
	tmp      string // removed at the end
	runner   string // the runner binary
	matrix   string // the matrix the runner runs: matrix.yaml with GOROOTs
	tcs      []toolchain
	required []string // the case's requirements, "path@version"
	proxy    *countingProxy
}

func main() {
	n := flag.Int("n", 3, "repetitions of each side")
	dir := flag.String("dir", "runner/internal/deps/bench", "the benchmark's directory; run from the repository root")
	flag.Parse()
	if *n < 1 {
		fmt.Fprintln(os.Stderr, "bench: -n must be at least 1")
		os.Exit(2)
	}
	ok, err := run(os.Stdout, *n, *dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	if !ok {
		os.Exit(1)
	}
}

// run sets up, times n repetitions of each side and prints the figures.
// ok is false when a check failed (a cell or a build); a missed target is
// printed, and does not make ok false.
func run(w io.Writer, n int, dir string) (ok bool, err error) {
	b, err := setup(dir)
	if b != nil {
		defer removeAll(b.tmp)
	}
	if err != nil {
		return false, err
	}
	defer b.proxy.Close()
	b.printSetup(w, n)
	var runner, peer []rep
	for i := 1; i <= n; i++ {
		runner = append(runner, b.runRunner(i))
		fmt.Fprintf(os.Stderr, "bench: repetition %d: runner %s\n", i, secs(runner[i-1].wall))
		peer = append(peer, b.runPeer(i))
		fmt.Fprintf(os.Stderr, "bench: repetition %d: peer %s\n", i, secs(peer[i-1].wall))
	}
	return b.report(w, runner, peer), nil
}

// setup builds the runner, resolves the toolchains, writes the matrix
// the runner runs and starts the counting proxy. The returned bench, when
// not nil, has a tmp directory to remove.
func setup(dir string) (*bench, error) {
	b := &bench{}
	var err error
	if b.dir, err = filepath.Abs(dir); err != nil {
		return nil, err
	}
	b.caseDir = filepath.Join(b.dir, "case")
	if b.tmp, err = os.MkdirTemp("", "deps-bench-"); err != nil {
		return nil, err
	}
	if b.runner, err = buildRunner(b.tmp); err != nil {
		return b, err
	}
	m, versions, err := readMatrix(filepath.Join(b.dir, "matrix.yaml"))
	if err != nil {
		return b, err
	}
	if b.tcs, err = resolveToolchains(b.runner, versions); err != nil {
		return b, err
	}
	b.matrix = filepath.Join(b.tmp, "matrix.yaml")
	if err = writeMatrix(b.matrix, m, b.tcs, b.caseDir); err != nil {
		return b, err
	}
	if b.required, err = requirements(b.caseDir); err != nil {
		return b, err
	}
	b.proxy, err = newCountingProxy(upstream)
	return b, err
}

// report prints the figures, the checks and the targets, and returns
// whether every check passed.
func (b *bench) report(w io.Writer, runner, peer []rep) bool {
	rm, rc := printTimes(w, "runner", runner)
	pm, pc := printTimes(w, "peer", peer)
	ratio := rm.Seconds() / pm.Seconds()
	fmt.Fprintf(w, "ratio runner/peer of the median wall times: %.2f (of the median CPU times: %.2f)\n\n",
		ratio, rc.Seconds()/pc.Seconds())
	mods := b.modules(runner, peer)
	printZips(w, mods, runner, peer)
	fmt.Fprintln(w)
	ok := printChecks(w, "runner", fmt.Sprintf("every runner cell complete (%d per repetition)", len(b.tcs)), runner)
	ok = printChecks(w, "peer", fmt.Sprintf("every peer build succeeded (%d per repetition)", len(b.tcs)), peer) && ok
	target(w, "runner downloads each module once per repetition", eachModule(runner, mods, 1))
	fmt.Fprintf(w, "expect: peer downloads each required module once per toolchain (%d): %s\n",
		len(b.tcs), verdict(eachModule(peer, b.required, len(b.tcs)), "as expected", "NOT as expected"))
	target(w, fmt.Sprintf("ratio of the median wall times %.2f <= 0.5", ratio), ratio <= 0.5)
	return ok
}
