package scheduler

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/build"
	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// Builds go first; then runs, the most expensive first: a cell that hung
// last time costs its whole timeout, one that completed what it took,
// one the result cache does not have half its timeout.
func TestRunOrder(t *testing.T) {
	f := newFake(1)
	s := f.scheduler()
	s.Results, s.Rerun = &results.Cache{Dir: t.TempDir()}, true
	cells := []*matrix.Cell{cell("fast", "go1.26.8", 1), cell("hung", "go1.26.8", 1), cell("new", "go1.26.8", 1)}
	cells[2].Timeout = 1500 * time.Millisecond // costs 750ms: less than the hung cell's 1s
	s.Results.Put(CacheKey(cells[0]), &results.Cell{Outcome: results.Complete, DurationMS: 5})
	// A hang costs the whole timeout, whatever its duration says.
	s.Results.Put(CacheKey(cells[1]), &results.Cell{Outcome: results.Hang, DurationMS: 1})
	out, err := s.Run(context.Background(), cells)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, iv := range f.intervals("") {
		got = append(got, iv.kind+" "+iv.name)
	}
	want := []string{"build fast", "build hung", "build new", "run hung", "run new", "run fast"}
	if !slices.Equal(got, want) {
		t.Errorf("order:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if o := outcomes(out); !slices.Equal(o, []string{"complete", "complete", "complete"}) {
		t.Errorf("outcomes %v", o)
	}
}

// A run of GOMAXPROCS=n holds min(n, Parallel) cores, unset all of them,
// and the cores in use never exceed Parallel; yet runs do share them.
func TestRunWeights(t *testing.T) {
	f := newFake(4)
	f.runTime = map[string]time.Duration{"w": 20 * time.Millisecond}
	var cells []*matrix.Cell
	for _, procs := range []int{0, 1, 2, 3, 8} {
		c := cell("w", "go1.26.8", procs)
		c.Repeat = 2
		cells = append(cells, c)
	}
	if _, err := f.scheduler().Run(context.Background(), cells); err != nil {
		t.Fatal(err)
	}
	runs := f.intervals("run")
	if len(runs) != 10 {
		t.Fatalf("%d runs, want 10", len(runs))
	}
	if p := f.peak(); p > 4 {
		t.Errorf("%d cores in use at once, Parallel is 4", p)
	}
	shared := false
	for i, a := range runs {
		for _, b := range runs[i+1:] {
			shared = shared || a.overlaps(b)
		}
	}
	if !shared {
		t.Error("no two runs ran at once: the cores were not shared")
	}
}

// No run starts while a build is running, and no build while a run is
// running; builds still share the cores, each with go build -p 1 when
// there are at least Parallel chains of builds.
func TestRunBuildsNeverNextToRuns(t *testing.T) {
	f := newFake(2)
	// The first chain's build is done long before the others: under a
	// scheduler that let runs fill free cores, its run would start next
	// to the other builds.
	f.buildTime = map[string]time.Duration{"quick": time.Millisecond, "slow": 50 * time.Millisecond, "slower": 100 * time.Millisecond}
	cells := []*matrix.Cell{cell("quick", "go1.24.0", 1), cell("slow", "go1.25.0", 1), cell("slower", "go1.26.8", 1)}
	for _, c := range cells {
		c.Repeat = 3
	}
	if _, err := f.scheduler().Run(context.Background(), cells); err != nil {
		t.Fatal(err)
	}
	builds, runs := f.intervals("build"), f.intervals("run")
	for _, b := range builds {
		for _, r := range runs {
			if b.overlaps(r) {
				t.Errorf("run of %s [%d,%d] overlaps build of %s [%d,%d]", r.name, r.start, r.end, b.name, b.start, b.end)
			}
		}
		if b.procs != 1 {
			t.Errorf("build of %s with -p %d, want 1 (3 chains on 2 cores)", b.name, b.procs)
		}
	}
	quick, slow, slower := f.byName("build", "quick"), f.byName("build", "slow"), f.byName("build", "slower")
	if !quick.overlaps(slow) || !slow.overlaps(slower) {
		t.Error("builds did not share the cores")
	}
	if p := f.peak(); p > 2 {
		t.Errorf("%d cores in use at once, Parallel is 2", p)
	}
}

func TestBuildCores(t *testing.T) {
	for _, tc := range []struct {
		chains, par   int
		weight, procs int
	}{
		{1, 2, 2, 0},
		{2, 2, 1, 1},
		{15, 2, 1, 1},
		{3, 8, 8, 0},
		{1, 1, 1, 1},
	} {
		bc := buildCores(tc.chains, tc.par)
		if bc.weight != tc.weight || bc.procs != tc.procs {
			t.Errorf("buildCores(%d chains, %d cores) = %d, -p %d; want %d, -p %d", tc.chains, tc.par, bc.weight, bc.procs, tc.weight, tc.procs)
		}
	}
}

// A build that needs every core (a toolchain rebuild) is not starved by
// the narrow builds queued after it.
func TestRunReserve(t *testing.T) {
	f := newFake(2)
	f.buildTime = map[string]time.Duration{"a": 20 * time.Millisecond, "wide": 20 * time.Millisecond, "c": 20 * time.Millisecond, "d": 20 * time.Millisecond}
	wide := cell("wide", "go1.13.15", 1)
	wide.GOEXPERIMENT = "preemptibleloops"
	cells := []*matrix.Cell{cell("a", "go1.20.14", 1), wide, cell("c", "go1.21.13", 1), cell("d", "go1.22.12", 1)}
	s := f.scheduler()
	s.RebuildForExperiments = true
	if _, err := s.Run(context.Background(), cells); err != nil {
		t.Fatal(err)
	}
	order := f.names("build")
	w := f.byName("build", "wide")
	for _, b := range f.intervals("build") {
		if b != w && b.overlaps(w) {
			t.Errorf("build of %s ran next to the rebuild, which holds every core", b.name)
		}
	}
	if i := slices.Index(order, "wide"); i != 1 {
		t.Errorf("builds started in the order %v: the rebuild, queued second, was passed by narrower builds", order)
	}
}

// Repeat=3 is three runs, folded into one result with their counts; the
// cell starts and finishes once.
func TestRunRepeats(t *testing.T) {
	f := newFake(2)
	f.outcomes = map[string][]string{"r": {results.Hang, results.Complete, results.Hang}}
	c := cell("r", "go1.26.8", 1)
	c.Repeat = 3
	s := f.scheduler()
	started, done := 0, 0
	s.CellStarted = func(*matrix.Cell) { started++ }
	s.CellDone = func(*matrix.Cell, *results.Cell) { done++ }
	out, err := s.Run(context.Background(), []*matrix.Cell{c})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(f.intervals("run")); n != 3 {
		t.Errorf("%d runs, want 3", n)
	}
	r := out[0]
	if r == nil {
		t.Fatal("the cell did not finish")
	}
	if r.Runs != 3 || r.Counts[results.Hang] != 2 || r.Counts[results.Complete] != 1 || r.Outcome != results.Hang || !r.Flaky {
		t.Errorf("result %+v, want hang 2/3, flaky", r)
	}
	if started != 1 || done != 1 {
		t.Errorf("CellStarted called %d times, CellDone %d; want 1 each", started, done)
	}
}

// A build that fails, or that the builder cannot do at all, makes every
// cell of its group a build-error; the chain goes on with the next build.
func TestRunBuildFailure(t *testing.T) {
	f := newFake(2)
	f.buildFail = map[string]string{"bad": "./main.go:3:1: syntax error"}
	f.buildErr = map[string]error{"broken": errDiskFull}
	cells := []*matrix.Cell{
		cell("bad", "go1.26.8", 1), cell("bad", "go1.26.8", 2),
		cell("broken", "go1.26.8", 1),
		cell("good", "go1.26.8", 1),
	}
	s := f.scheduler()
	var built []string
	s.BuildDone = func(req build.Request, _ build.Result) { built = append(built, req.Case.Name) }
	out, err := s.Run(context.Background(), cells)
	if err != nil {
		t.Fatal(err)
	}
	if o := outcomes(out); !slices.Equal(o, []string{"build-error", "build-error", "build-error", "complete"}) {
		t.Fatalf("outcomes %v", o)
	}
	for i, want := range []string{f.buildFail["bad"], f.buildFail["bad"], errDiskFull.Error()} {
		if out[i].Reason != want {
			t.Errorf("cell %d: reason %q, want %q", i, out[i].Reason, want)
		}
	}
	if got := f.names("run"); !slices.Equal(got, []string{"good"}) {
		t.Errorf("ran %v, want only good", got)
	}
	if !slices.Equal(built, []string{"bad", "broken", "good"}) {
		t.Errorf("BuildDone for %v", built)
	}
}

// A cell the result cache holds is neither built nor run, and is marked
// Cached; with Rerun it is run again. A skipped cell is neither.
func TestRunResultCache(t *testing.T) {
	for _, rerun := range []bool{false, true} {
		f := newFake(1) // one at a time: the order of runs is the queue's
		s := f.scheduler()
		s.Results, s.Rerun = &results.Cache{Dir: t.TempDir()}, rerun
		old, fresh, skip := cell("old", "go1.26.8", 1), cell("fresh", "go1.26.8", 1), cell("skip", "go1.12.17", 1)
		skip.Skip = "case requires go >=1.13"
		s.Results.Put(CacheKey(old), &results.Cell{Case: "old", Outcome: results.Hang, Reason: "from the cache"})
		out, err := s.Run(context.Background(), []*matrix.Cell{old, fresh, skip})
		if err != nil {
			t.Fatal(err)
		}
		wantRuns, wantOld := []string{"fresh"}, results.Hang
		if rerun {
			wantRuns, wantOld = []string{"old", "fresh"}, results.Complete
		}
		if got := f.names("run"); !slices.Equal(got, wantRuns) {
			t.Errorf("rerun=%v: ran %v, want %v", rerun, got, wantRuns)
		}
		if got := f.names("build"); !slices.Equal(got, wantRuns) {
			t.Errorf("rerun=%v: built %v, want %v", rerun, got, wantRuns)
		}
		if out[0].Outcome != wantOld || out[0].Cached == rerun || out[1].Cached {
			t.Errorf("rerun=%v: old %+v, fresh %+v", rerun, out[0], out[1])
		}
		if out[2].Outcome != results.Skip || out[2].Reason != skip.Skip {
			t.Errorf("rerun=%v: skip %+v", rerun, out[2])
		}
		if r, ok := s.Results.Get(CacheKey(fresh)); !ok || r.Outcome != results.Complete {
			t.Errorf("rerun=%v: fresh's result was not kept in the cache: %+v", rerun, r)
		}
	}
}

// Cancelled mid-run, in a build or in a run, Run returns ctx's error with
// the results of the cells that finished and nil for the others, and no
// build or run of it goes on afterwards.
func TestRunCancel(t *testing.T) {
	for _, tc := range []struct {
		where string
		want  string // outcomes
	}{
		{"run", "complete complete nil nil nil"},
		{"build", "nil nil nil nil nil"}, // builds go first: nothing ran yet
	} {
		t.Run(tc.where, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			f := newFake(1)
			if tc.where == "run" {
				f.runCancels = map[string]context.CancelFunc{"stop": cancel}
			} else {
				f.buildBlock = map[string]bool{"stop": true}
				go cancelOnBuild(f, "stop", cancel)
			}
			var cells []*matrix.Cell
			for _, name := range []string{"a", "b", "stop", "c", "d"} {
				cells = append(cells, cell(name, "go1.26.8", 1))
			}
			var mu sync.Mutex
			done := 0
			s := f.scheduler()
			s.CellDone = func(*matrix.Cell, *results.Cell) { mu.Lock(); done++; mu.Unlock() }
			out, err := s.Run(ctx, cells)
			if !errors.Is(err, context.Canceled) {
				t.Errorf("err = %v, want context.Canceled", err)
			}
			if got := strings.Join(outcomes(out), " "); got != tc.want {
				t.Errorf("outcomes %s, want %s", got, tc.want)
			}
			if want := strings.Count(tc.want, "complete"); done != want {
				t.Errorf("CellDone called %d times, want %d", done, want)
			}
			checkStopped(t, f)
		})
	}
}

// cancelOnBuild calls cancel once the build of name has started.
func cancelOnBuild(f *fake, name string, cancel context.CancelFunc) {
	for f.byName("build", name) == nil {
		time.Sleep(time.Millisecond)
	}
	cancel()
}

// checkStopped checks that no build or run is under way, nor starts
// after a while.
func checkStopped(t *testing.T, f *fake) {
	t.Helper()
	f.mu.Lock()
	active, events := f.active, f.events
	f.mu.Unlock()
	if active != 0 {
		t.Errorf("%d builds or runs still under way after Run returned", active)
	}
	time.Sleep(30 * time.Millisecond)
	f.mu.Lock()
	later := f.events
	f.mu.Unlock()
	if later != events {
		t.Error("a build or run started after Run returned")
	}
}

// A timed cell's run (a claim bounds its complete_ms) holds a core more
// than its GOMAXPROCS, so on 2 cores a GOMAXPROCS=1 timed run never runs
// next to another run, while untimed ones still share the cores.
func TestTimedRunsKeepACoreForTheRunner(t *testing.T) {
	f := newFake(2)
	f.runTime = map[string]time.Duration{"timed": 10 * time.Millisecond, "plain": 10 * time.Millisecond}
	timed, plain := cell("timed", "go1.26.8", 1), cell("plain", "go1.26.8", 1)
	timed.Timed, timed.Repeat, plain.Repeat = true, 3, 4
	if _, err := f.scheduler().Run(context.Background(), []*matrix.Cell{timed, plain}); err != nil {
		t.Fatal(err)
	}
	runs := f.intervals("run")
	if len(runs) != 7 {
		t.Fatalf("%d runs, want 7", len(runs))
	}
	plainShared := false
	for i, a := range runs {
		for _, b := range runs[i+1:] {
			if !a.overlaps(b) {
				continue
			}
			if a.name == "timed" || b.name == "timed" {
				t.Errorf("a timed run (%s, events %d–%d) ran next to %s (%d–%d)", a.name, a.start, a.end, b.name, b.start, b.end)
			}
			plainShared = plainShared || a.name == "plain" && b.name == "plain"
		}
	}
	if !plainShared {
		t.Error("no two untimed runs shared the cores")
	}
}
