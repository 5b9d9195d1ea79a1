package run

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/results"
)

func init() {
	helpers["hog"] = func() int {
		for {
		}
	}
}

// TestCompleteMsSign: CompletedAfter is never shorter than the interval the
// program itself measures, from inside it, up to its write of the marker
// line — idle, and while two CPU hogs keep both cores busy. The case is
// the bench's sysmon: main spins, a goroutine prints "hi after X ms"
// (GOMAXPROCS=1), X measured from the first line of main. The cells are
// started through a supervisor, and directly ("-direct").
func TestCompleteMsSign(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 40 timing cells, 20 of them under load")
	}
	bin := buildCase(t, filepath.Join("..", "scheduler", "bench", "cases", "sysmon"))
	const n = 20
	defer func(old bool) { useSupervisor = old }(useSupervisor)
	for _, mode := range []string{"idle", "loaded", "idle-direct", "loaded-direct"} {
		t.Run(mode, func(t *testing.T) {
			load, direct := strings.CutSuffix(mode, "-direct")
			useSupervisor = !direct
			if load == "loaded" {
				startHogs(t, 2)
			}
			var runner, own, spawn []time.Duration
			violationsIfLate := 0
			for range n {
				r := runCellQuiet(t, Spec{
					Path:       bin,
					Env:        []string{"GOMAXPROCS=1"},
					Timeout:    20 * time.Second,
					CompleteOn: regexp.MustCompile(`^hi after`),
				})
				if r.Outcome != results.Complete {
					t.Fatalf("%s (%s): %q", r.Outcome, r.Reason, r.Stdout.Head)
				}
				x := ownFigure(t, r.Stdout.Head)
				runner, own, spawn = append(runner, r.CompletedAfter), append(own, x), append(spawn, r.Spawn)
				if r.CompletedAfter < x {
					t.Errorf("complete_ms %v < the program's own %v: the runner's interval must contain the program's", r.CompletedAfter, x)
				}
				// A start taken once exec had returned, as before, would
				// have left out Spawn.
				if r.CompletedAfter-r.Spawn < x {
					violationsIfLate++
				}
			}
			t.Logf("%s, n=%d: runner complete_ms %s; program's own %s; runner − own %s; spawn %s; a start taken after exec would have under-measured %d times",
				mode, n, dist(runner), dist(own), dist(diffs(runner, own)), dist(spawn), violationsIfLate)
		})
	}
}

// buildCase builds the Go package in dir (inside this module) with the
// machine's go command.
func buildCase(t *testing.T, dir string) string {
	t.Helper()
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no case %s: %v", dir, err)
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		goCmd = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	out := filepath.Join(t.TempDir(), filepath.Base(dir))
	cmd := exec.Command(goCmd, "build", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", dir, err, b)
	}
	return out
}

// startHogs starts n processes that spin until the test ends.
func startHogs(t *testing.T, n int) {
	t.Helper()
	for range n {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "RUN_TEST_HELPER=hog")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			cmd.Process.Kill()
			cmd.Wait()
		})
	}
	time.Sleep(100 * time.Millisecond) // let them get going
}

func runCellQuiet(t *testing.T, s Spec) Result {
	t.Helper()
	r, err := Cell(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

var reOwn = regexp.MustCompile(`hi after ([0-9.]+) ms`)

// ownFigure is the X of "hi after X ms", which the program prints with two
// decimals of a truncated microsecond count: the true figure is at least X.
func ownFigure(t *testing.T, out string) time.Duration {
	t.Helper()
	m := reOwn.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no \"hi after X ms\" in %q", out)
	}
	ms, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return time.Duration(ms * float64(time.Millisecond))
}

func diffs(a, b []time.Duration) []time.Duration {
	out := make([]time.Duration, len(a))
	for i := range a {
		out[i] = a[i] - b[i]
	}
	return out
}

// dist is "min/median/max" of ds in milliseconds.
func dist(ds []time.Duration) string {
	ds = slices.Clone(ds)
	slices.Sort(ds)
	ms := func(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 2, 64) }
	return fmt.Sprintf("%s/%s/%s ms", ms(ds[0]), ms(ds[len(ds)/2]), ms(ds[len(ds)-1]))
}
