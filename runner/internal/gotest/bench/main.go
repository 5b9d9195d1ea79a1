// Command bench measures the runner on a test suite as a case against the
// hand-written baseline, peer-test-loop.sh beside this file (one
// `go test -count=1 PKGS` per cell, one cell after another), on one real
// module's tests: github.com/google/go-cmp v0.7.0, package ./cmp, on
// 6 toolchains × GOMAXPROCS 1,2 × GODEBUG unset and asynctimerchan=1
// (24 cells). From the repository's root:
//
//	go run ./runner/internal/gotest/bench [-n 3] [-toolchains go1.21.13,...] [-cache DIR]
//
// The toolchains are GOROOTs installed in $GOMATRIX_CACHE/toolchains
// (default ~/.cache/gomatrix/toolchains); the matrix names them by
// absolute path. Both sides are warm: the runner gets one GOMATRIX_CACHE
// for all its runs (a new temporary one unless -cache), filled by an
// untimed first run (module download, std and the test binary built per
// toolchain); each timed run is `gomatrix run -q -rerun`, so every cell runs
// again while the build caches and built test binaries are reused, as for
// any user. The peer gets the module's source from that module cache
// (copied, made writable), GOMODCACHE pointing at it, GOPROXY=off and a
// build cache of its own, filled by an untimed first run of the script.
// The timed runs alternate which side goes first.
//
// It prints the wall (and CPU) time of each repetition, min/median/max of
// each side, the ratio runner/peer of the medians against the target
// (≤ 0.5), and checks that both sides saw the same thing: each cell's
// outcome (runner vs the script's pass/fail), and each test's outcome,
// subtests included, against an untimed `go test -count=1 -json ./cmp`
// (test2json) per cell in the peer's setup.
//
// Measured here (linux/amd64, 2 cores, Intel Xeon; -n 3, medians of the
// timed runs), in five runs:
//
//   - machine otherwise idle (three runs): runner 10.7 s, 10.6 s, 13.3 s;
//     peer 24.6 s, 25.0 s, 27.5 s; ratio 0.44, 0.43, 0.485: target met.
//   - while other test suites and a toolchain rebuild ran on the machine
//     (two runs): runner 18.7 s, 17.0 s; peer 37.3 s, 31.8 s; ratio
//     0.500, 0.534: target missed. The runner's lead is running cells on
//     both cores at once, which a busy machine takes away; the output
//     says how much CPU other processes used during each timed run.
//
// CPU time per repetition: runner 17–23 s, peer 26–37 s. Untimed
// warm-ups: runner 86–131 s (module download, std and the 6 test
// binaries), peer 179–201 s. In every run: 300 tests per cell (11
// top-level), all 24 cells complete (peer: pass), the same outcome for
// every test as test2json in every cell; asynctimerchan=1 is unread by
// go1.21 and go1.22, whose 4 cells the runner marks inert.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/results"
)

const (
	modPath    = "github.com/google/go-cmp"
	modVersion = "v0.7.0"
	module     = modPath + "@" + modVersion
	pkg        = "./cmp"
	setting    = "asynctimerchan=1"
	caseName   = "gocmp"
	peerScript = "runner/internal/gotest/bench/peer-test-loop.sh"
	target     = 0.5

	defaultToolchains = "go1.21.13,go1.22.12,go1.23.12,go1.24.13,go1.25.14,go1.26.11"
)

var (
	procs  = []int{1, 2}
	debugs = []string{"", setting}
)

// A key names a cell: toolchain version, GOMAXPROCS, GODEBUG ("" unset).
type key struct {
	version string
	procs   int
	debug   string
}

func (k key) String() string {
	return fmt.Sprintf("%s P=%d D=%s", k.version, k.procs, orDash(k.debug))
}

// A bench is the setup every run shares.
type bench struct {
	n        int
	roots    []string // absolute GOROOTs
	versions []string // their versions, "go1.21.13"
	work     string   // temporary directory, removed at the end
	cache    string   // the runner's GOMATRIX_CACHE
	runner   string   // the runner binary
	matrix   string   // the matrix file
	script   string   // peer-test-loop.sh, absolute
	modDir   string   // the peer's copy of the module
	gocache  string   // the peer's build cache
}

// A sample is one timed run of one side: wall time, the CPU time of the
// process and the children it waited for, and the CPU time the rest of
// the machine used meanwhile (-1 where /proc/stat cannot say).
type sample struct{ wall, cpu, others time.Duration }

// A rep is what one timed repetition recorded.
type rep struct {
	runnerFirst  bool
	runner, peer sample
	stats        results.Stats
	cells        map[key]results.Cell
	verdicts     map[key]string // the peer's pass/fail/build-error
}

func main() {
	n := flag.Int("n", 3, "timed repetitions of each side")
	tcs := flag.String("toolchains", defaultToolchains, "installed toolchains, comma-separated (directories of $GOMATRIX_CACHE/toolchains)")
	cache := flag.String("cache", "", "the runner's GOMATRIX_CACHE (default: a new temporary directory)")
	flag.Parse()
	if *n < 1 || flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*n, strings.Split(*tcs, ","), *cache); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(n int, names []string, cache string) error {
	b, err := newBench(n, names, cache)
	if err != nil {
		return err
	}
	defer removeAll(b.work)
	if err := b.setup(); err != nil {
		return err
	}
	b.header()
	if err := b.warmUp(); err != nil {
		return err
	}
	reps, err := b.repeat()
	if err != nil {
		return err
	}
	fmt.Println("\ntest2json (untimed): go test -count=1 -json ./cmp per cell, in the peer's setup")
	tj := b.test2json()
	b.summary(reps)
	b.compare(reps, tj)
	return nil
}

// newBench finds the toolchains and makes the work directory.
func newBench(n int, names []string, cache string) (*bench, error) {
	script, err := filepath.Abs(peerScript)
	if err == nil {
		_, err = os.Stat(script)
	}
	if err != nil {
		return nil, fmt.Errorf("run from the repository's root: %w", err)
	}
	b := &bench{n: n, script: script}
	for _, name := range names {
		root, version, err := toolchain(strings.TrimSpace(name))
		if err != nil {
			return nil, err
		}
		b.roots, b.versions = append(b.roots, root), append(b.versions, version)
	}
	if b.work, err = os.MkdirTemp("", "gomatrix-testbench-"); err != nil {
		return nil, err
	}
	b.cache = filepath.Join(b.work, "cache")
	if cache != "" {
		b.cache, err = filepath.Abs(cache)
	}
	return b, err
}

// toolchain returns the GOROOT of an installed toolchain and its version.
func toolchain(name string) (root, version string, err error) {
	base := os.Getenv("GOMATRIX_CACHE")
	if base == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			return "", "", err
		}
		base = filepath.Join(dir, "gomatrix")
	}
	root = filepath.Join(base, "toolchains", name)
	if _, err := os.Stat(filepath.Join(root, ".gomatrix-complete")); err != nil {
		return "", "", fmt.Errorf("toolchain %s is not installed: %w (hint: go run ./runner toolchains fetch %s)", name, err, name)
	}
	out, err := exec.Command(filepath.Join(root, "bin", "go"), "env", "GOVERSION").Output()
	if err != nil {
		return "", "", fmt.Errorf("%s: go env GOVERSION: %w", root, err)
	}
	return root, strings.TrimSpace(string(out)), nil
}

// setup builds the runner and writes the case and the matrix.
func (b *bench) setup() error {
	b.runner = filepath.Join(b.work, "runner")
	if out, err := exec.Command("go", "build", "-o", b.runner, "./runner").CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./runner: %v\n%s", err, out)
	}
	caseDir := filepath.Join(b.work, "cases", caseName)
	if err := os.MkdirAll(caseDir, 0o755); err != nil {
		return err
	}
	caseYAML := fmt.Sprintf("module: %s\nkind: test\npackage: %s\n", module, pkg)
	if err := os.WriteFile(filepath.Join(caseDir, "case.yaml"), []byte(caseYAML), 0o644); err != nil {
		return err
	}
	b.matrix = filepath.Join(b.work, "matrix.yaml")
	m := fmt.Sprintf("versions: [%s]\ngomaxprocs: [%s]\ngodebug: [%s]\ncases: [%s]\ntimeout: 2m\n",
		quoted(b.roots), joinInts(procs, ", "), quoted(debugs), quoted([]string{caseDir}))
	return os.WriteFile(b.matrix, []byte(m), 0o644)
}

// header says what is measured, on what.
func (b *bench) header() {
	fmt.Printf("machine: %s/%s, %d cores%s\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), cpuModel())
	fmt.Printf("module: %s, package %s (its own tests, from the module zip)\n", module, pkg)
	fmt.Printf("toolchains: %s (GOROOTs in %s)\n", strings.Join(b.versions, " "), filepath.Dir(b.roots[0]))
	fmt.Printf("cells: %d = %d toolchains × GOMAXPROCS %s × GODEBUG unset, %s; timeout 2m\n",
		len(b.keys()), len(b.roots), joinInts(procs, ","), setting)
	fmt.Printf("runner: gomatrix run -f matrix.yaml -o OUT -q -rerun, one GOMATRIX_CACHE (%s) for every run;\n", b.cache)
	fmt.Println("  -rerun runs every cell again; its build caches and built test binaries are reused, as for any user")
	fmt.Printf("peer: %s (go test -count=1 %s per cell, one cell after another),\n", peerScript, pkg)
	fmt.Println("  the module's source copied from the runner's module cache, GOMODCACHE there, GOPROXY=off, its own GOCACHE")
	fmt.Println("both sides warm: an untimed first run of each fills its caches; the timed runs alternate which side goes first")
}

// warmUp runs each side once, untimed: the runner fills its cache (module,
// std, test binaries), then the peer gets the module and fills its own.
func (b *bench) warmUp() error {
	s, r, out, err := b.runRunner(filepath.Join(b.work, "out-warm"))
	if err != nil {
		return err
	}
	fmt.Printf("\nwarm-up (untimed): runner %s, %d builds (%d reused), %d cells; its summary:\n",
		secs(s.wall), r.Stats.Builds, r.Stats.Reused, len(r.Cells))
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fmt.Println("  | " + line)
	}
	if err := b.preparePeer(); err != nil {
		return err
	}
	if s, _, err = b.runPeer(); err != nil {
		return err
	}
	fmt.Printf("warm-up (untimed): peer %s\n", secs(s.wall))
	return nil
}

// repeat runs both sides n times, alternating which goes first.
func (b *bench) repeat() ([]rep, error) {
	fmt.Println("\ntimed repetitions (wall time; CPU time of the process tree in parentheses):")
	reps := make([]rep, b.n)
	for i := range reps {
		r := &reps[i]
		r.runnerFirst = i%2 == 0
		steps := []func() error{func() error { return b.timedRunner(i, r) }, func() error { return b.timedPeer(r) }}
		if !r.runnerFirst {
			steps[0], steps[1] = steps[1], steps[0]
		}
		for _, step := range steps {
			if err := step(); err != nil {
				return nil, err
			}
		}
		first := map[bool]string{true: "runner", false: "peer"}[r.runnerFirst]
		fmt.Printf("  rep %d (%s first): runner %s (CPU %s; %d builds, %d reused)  peer %s (CPU %s)  runner/peer %.2f\n",
			i+1, first, secs(r.runner.wall), secs(r.runner.cpu), r.stats.Builds, r.stats.Reused,
			secs(r.peer.wall), secs(r.peer.cpu), r.runner.wall.Seconds()/r.peer.wall.Seconds())
		if r.runner.others >= 0 && r.peer.others >= 0 {
			fmt.Printf("         other processes' CPU meanwhile: %s during the runner, %s during the peer\n",
				secs(r.runner.others), secs(r.peer.others))
		}
	}
	return reps, nil
}

func (b *bench) timedRunner(i int, r *rep) error {
	s, res, _, err := b.runRunner(filepath.Join(b.work, fmt.Sprintf("out-%d", i+1)))
	if err != nil {
		return err
	}
	r.runner, r.stats, r.cells = s, res.Stats, map[key]results.Cell{}
	for _, c := range res.Cells {
		r.cells[key{c.Go, c.GOMAXPROCS, c.GODEBUG}] = c
	}
	return nil
}

func (b *bench) timedPeer(r *rep) error {
	s, v, err := b.runPeer()
	r.peer, r.verdicts = s, v
	return err
}

// runRunner runs the matrix once and reads its results.
func (b *bench) runRunner(out string) (sample, *results.Results, []byte, error) {
	cmd := exec.Command(b.runner, "run", "-f", b.matrix, "-o", out, "-q", "-rerun")
	cmd.Env = append(os.Environ(), "GOMATRIX_CACHE="+b.cache, "NO_COLOR=1")
	s, stdout, stderr, err := timed(cmd)
	if err != nil {
		return s, nil, nil, fmt.Errorf("gomatrix run: %v\n%s%s", err, stdout, stderr)
	}
	r, err := results.Read(filepath.Join(out, "results.json"))
	return s, r, append(stdout, stderr...), err
}

// preparePeer copies the module's source from the runner's module cache.
func (b *bench) preparePeer() error {
	src := filepath.Join(b.modCache(), filepath.FromSlash(module))
	b.modDir = filepath.Join(b.work, "peer", "go-cmp")
	b.gocache = filepath.Join(b.work, "peer", "gocache")
	if err := os.CopyFS(b.modDir, os.DirFS(src)); err != nil { // files 0666, directories 0777, before umask
		return fmt.Errorf("copy %s from the runner's module cache: %w", module, err)
	}
	return nil
}

func (b *bench) modCache() string { return filepath.Join(b.cache, "gopath", "pkg", "mod") }

// peerEnv is the environment of the peer's go commands, less what the
// script sets itself (GOROOT, PATH, GOFLAGS, GOMAXPROCS, GODEBUG...).
func (b *bench) peerEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GO") {
			env = append(env, kv)
		}
	}
	return append(env, "GOPATH="+filepath.Join(b.cache, "gopath"), "GOMODCACHE="+b.modCache(),
		"GOCACHE="+b.gocache, "GOPROXY=off", "PEER_PROCS="+joinInts(procs, " "), "PEER_GODEBUG=- "+setting)
}

// runPeer runs the script once over every cell and reads its verdicts.
func (b *bench) runPeer() (sample, map[key]string, error) {
	cmd := exec.Command("bash", append([]string{b.script, b.modDir, pkg}, b.roots...)...)
	cmd.Env = b.peerEnv()
	s, stdout, stderr, err := timed(cmd)
	if err != nil {
		return s, nil, fmt.Errorf("peer: %v\n%s%s", err, stdout, stderr)
	}
	v := map[key]string{}
	for _, line := range strings.Split(string(stdout), "\n") {
		f := strings.Fields(line) // goVERSION P=1 D=- pass (0) 1.23
		if len(f) != 6 || !strings.HasPrefix(f[1], "P=") || !strings.HasPrefix(f[2], "D=") {
			continue
		}
		p, _ := strconv.Atoi(strings.TrimPrefix(f[1], "P="))
		d := strings.TrimPrefix(f[2], "D=")
		if d == "-" {
			d = ""
		}
		v[key{f[0], p, d}] = f[3]
	}
	if len(v) != len(b.keys()) {
		return s, v, fmt.Errorf("peer: %d cells, want %d:\n%s%s", len(v), len(b.keys()), stdout, stderr)
	}
	return s, v, nil
}

// timed runs cmd and measures it.
func timed(cmd *exec.Cmd) (s sample, stdout, stderr []byte, err error) {
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	busy0, start := machineCPU(), time.Now()
	err = cmd.Run()
	s.wall, s.others = time.Since(start), -1
	if cmd.ProcessState != nil {
		s.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	if busy1 := machineCPU(); busy0 >= 0 && busy1 >= 0 {
		s.others = max(busy1-busy0-s.cpu, 0)
	}
	return s, out.Bytes(), errb.Bytes(), err
}

// machineCPU returns the CPU time every process of the machine has used
// since boot (user, nice, system, irq, softirq in /proc/stat), or -1.
func machineCPU() time.Duration {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return -1
	}
	line, _, _ := strings.Cut(string(data), "\n")
	f := strings.Fields(line) // cpu user nice system idle iowait irq softirq ...
	if len(f) < 8 || f[0] != "cpu" {
		return -1
	}
	var ticks int64
	for _, i := range []int{1, 2, 3, 6, 7} {
		n, err := strconv.ParseInt(f[i], 10, 64)
		if err != nil {
			return -1
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / 100 // USER_HZ
}

// test2json runs go test -json once per cell, in the peer's setup, and
// returns each test's last action (pass, fail, skip; running if it
// started and never ended).
func (b *bench) test2json() map[key]map[string]string {
	all := map[key]map[string]string{}
	for i, root := range b.roots {
		for _, p := range procs {
			for _, d := range debugs {
				all[key{b.versions[i], p, d}] = b.jsonRun(root, p, d)
			}
		}
	}
	return all
}

func (b *bench) jsonRun(root string, p int, d string) map[string]string {
	cmd := exec.Command(filepath.Join(root, "bin", "go"), "test", "-count=1", "-json", pkg)
	cmd.Dir = b.modDir
	path := filepath.Join(root, "bin") + string(os.PathListSeparator) + os.Getenv("PATH")
	cmd.Env = append(b.peerEnv(), "GOROOT="+root, "PATH="+path, "GOENV=off", "GOFLAGS=-mod=mod",
		"GOTOOLCHAIN=local", "GOMAXPROCS="+strconv.Itoa(p), "GODEBUG="+d)
	out, _ := cmd.Output() // a failing test exits 1: its events say so
	tests := map[string]string{}
	for _, line := range bytes.Split(out, []byte("\n")) {
		var e struct{ Action, Test string }
		if json.Unmarshal(line, &e) != nil || e.Test == "" {
			continue
		}
		switch e.Action {
		case "run":
			if tests[e.Test] == "" {
				tests[e.Test] = results.TestRunning
			}
		case "pass", "fail", "skip":
			tests[e.Test] = e.Action
		}
	}
	return tests
}

// summary prints min/median/max of each side and the ratio of the medians.
func (b *bench) summary(reps []rep) {
	var rw, pw []float64
	for _, r := range reps {
		rw, pw = append(rw, r.runner.wall.Seconds()), append(pw, r.peer.wall.Seconds())
	}
	fmt.Printf("\nwall time over %d repetitions (min / median / max):\n", len(reps))
	fmt.Printf("  runner %6.2f s / %6.2f s / %6.2f s\n", slices.Min(rw), median(rw), slices.Max(rw))
	fmt.Printf("  peer   %6.2f s / %6.2f s / %6.2f s\n", slices.Min(pw), median(pw), slices.Max(pw))
	ratio := median(rw) / median(pw)
	verdict := "target met"
	if ratio > target {
		verdict = "target missed"
	}
	fmt.Printf("ratio runner/peer of the medians: %.3f (target ≤ %.1f): %s\n", ratio, target, verdict)
	shared(reps)
	b.testCounts(reps[len(reps)-1])
	b.inert(reps[len(reps)-1])
}

// shared says whether other processes used the machine during the timed
// runs: the runner's lead comes from using every core, which a busy
// machine takes away.
func shared(reps []rep) {
	worst := time.Duration(-1)
	for _, r := range reps {
		worst = max(worst, r.runner.others, r.peer.others)
	}
	switch {
	case worst < 0:
		fmt.Println("(the CPU time of other processes is not known here)")
	case worst > 2*time.Second:
		fmt.Printf("note: the machine was shared: other processes used up to %s of CPU during one timed run; an idle machine's figures differ\n", secs(worst))
	default:
		fmt.Printf("the machine was otherwise idle: other processes used at most %s of CPU during a timed run\n", secs(worst))
	}
}

// inert prints the cells where the runner found the GODEBUG setting
// inert: the toolchain's standard library does not read the key.
func (b *bench) inert(r rep) {
	var where, why []string
	for _, k := range b.keys() {
		if c := r.cells[k]; len(c.Inert) > 0 {
			where = append(where, fmt.Sprintf("%s P=%d", k.version, k.procs))
			why = append(why, c.Inert...)
		}
	}
	if len(where) == 0 {
		fmt.Printf("%s: no cell marked inert (every toolchain's standard library reads it)\n", setting)
		return
	}
	fmt.Printf("%s marked inert by the runner in %d cells (they ran as if unset): %s\n  e.g. %s\n",
		setting, len(where), strings.Join(where, ", "), why[0])
}

// testCounts prints how many tests each cell ran, by the runner's count.
func (b *bench) testCounts(r rep) {
	var all, top []int
	for _, k := range b.keys() {
		c := r.cells[k]
		n := 0
		for _, t := range c.Tests {
			if !strings.Contains(t.Name, "/") {
				n++
			}
		}
		all, top = append(all, len(c.Tests)), append(top, n)
	}
	fmt.Printf("tests per cell (the runner's tests[], last repetition): %s (%s top-level, the rest subtests)\n",
		span(all), span(top))
}

// compare checks each cell's outcome (runner vs peer, every repetition)
// and each test's outcome (runner, every repetition, vs test2json).
func (b *bench) compare(reps []rep, tj map[key]map[string]string) {
	var cellDiffs, testDiffs []string
	for _, k := range b.keys() {
		for i, r := range reps {
			c, ok := r.cells[k]
			if !ok {
				cellDiffs = append(cellDiffs, fmt.Sprintf("rep %d %s: no cell in the runner's results", i+1, k))
				continue
			}
			if want, got := verdict(c.Outcome), r.verdicts[k]; want != got {
				cellDiffs = append(cellDiffs, fmt.Sprintf("rep %d %s: runner %s (%s), peer %s", i+1, k, c.Outcome, c.Reason, got))
			}
			testDiffs = append(testDiffs, diffTests(fmt.Sprintf("rep %d %s", i+1, k), c.Tests, tj[k])...)
		}
	}
	n := len(b.keys())
	report(cellDiffs, fmt.Sprintf("same cell outcomes in all %d cells, in every repetition (runner %s; peer %s)",
		n, results.Tally(cellsOf(reps[0]), tally, ", "), peerTally(reps[0].verdicts)), "cell outcome differences")
	report(testDiffs, fmt.Sprintf("same per-test outcomes in all %d cells (runner's tests[] of every repetition vs test2json)", n),
		"per-test outcome differences")
}

// diffTests lists the tests whose outcome differs, at most 5 per cell.
func diffTests(cell string, tests []results.Test, tj map[string]string) []string {
	got := map[string]string{}
	for _, t := range tests {
		got[t.Name] = t.Outcome
	}
	names := make([]string, 0, len(got)+len(tj))
	for name := range got {
		names = append(names, name)
	}
	for name := range tj {
		if _, ok := got[name]; !ok {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	var diffs []string
	for _, name := range names {
		if got[name] != tj[name] {
			diffs = append(diffs, fmt.Sprintf("%s: %s: runner %s, test2json %s", cell, name, orNone(got[name]), orNone(tj[name])))
		}
	}
	if len(diffs) > 5 {
		diffs = append(diffs[:5], fmt.Sprintf("%s: … and %d more tests", cell, len(diffs)-5))
	}
	return diffs
}

func report(diffs []string, same, differ string) {
	if len(diffs) == 0 {
		fmt.Println(same)
		return
	}
	fmt.Printf("%s (%d):\n", differ, len(diffs))
	for _, d := range diffs {
		fmt.Println("  " + d)
	}
}

// verdict maps a runner outcome to the script's words.
func verdict(outcome string) string {
	switch outcome {
	case results.Complete, results.Skip: // go test passes a package with no tests
		return "pass"
	case results.BuildError:
		return "build-error"
	}
	return "fail"
}

func (b *bench) keys() []key {
	var keys []key
	for _, v := range b.versions {
		for _, p := range procs {
			for _, d := range debugs {
				keys = append(keys, key{v, p, d})
			}
		}
	}
	return keys
}

func cellsOf(r rep) []results.Cell {
	var cells []results.Cell
	for _, c := range r.cells {
		cells = append(cells, c)
	}
	return cells
}

func tally(outcome string, n int) string { return fmt.Sprintf("%s %d", outcome, n) }

func peerTally(v map[key]string) string {
	count := map[string]int{}
	for _, s := range v {
		count[s]++
	}
	var parts []string
	for _, s := range []string{"pass", "fail", "build-error"} {
		if count[s] > 0 {
			parts = append(parts, tally(s, count[s]))
		}
	}
	return strings.Join(parts, ", ")
}

func median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// span prints "300", or "290–300" when the values differ.
func span(xs []int) string {
	lo, hi := slices.Min(xs), slices.Max(xs)
	if lo == hi {
		return strconv.Itoa(lo)
	}
	return fmt.Sprintf("%d–%d", lo, hi)
}

func secs(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

func quoted(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}

func joinInts(xs []int, sep string) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, sep)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// cpuModel returns ", <model name>" from /proc/cpuinfo, or "".
func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return ", " + strings.TrimSpace(v)
		}
	}
	return ""
}

// removeAll removes dir, module cache included (its directories are
// read-only).
func removeAll(dir string) {
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(p, 0o755)
		}
		return nil
	})
	os.RemoveAll(dir)
}
