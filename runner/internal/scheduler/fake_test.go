package scheduler

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/build"
	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/results"
	"github.com/gomatrix/gomatrix/runner/internal/run"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

// A fake is the Builder and the RunCell of a Scheduler under test: it
// builds and runs nothing, sleeps instead, and records the interval of
// every build and run it was asked for.
type fake struct {
	par int // the scheduler's Parallel: what a job should hold is derived from it

	// Builds, by case name: how long a build takes (default 2ms), the
	// error it reports (a failed build), the error it returns, whether it
	// blocks until cancelled.
	buildTime  map[string]time.Duration
	buildFail  map[string]string
	buildErr   map[string]error
	buildBlock map[string]bool
	variant    bool // what HasVariant reports

	// Runs, by case name: how long a run takes (default 2ms), the outcome
	// of each run in turn (default complete), whether it cancels and then
	// blocks until cancelled.
	runTime    map[string]time.Duration
	outcomes   map[string][]string
	runCancels map[string]context.CancelFunc

	mu     sync.Mutex
	events int // numbers the starts and ends of intervals
	ivs    []*interval
	active int            // builds and runs under way
	runs   map[string]int // runs so far, by case name
}

// An interval is one build or run, from its start to its end event.
type interval struct {
	kind       string // "build" or "run"
	name       string // case name
	weight     int    // the cores the scheduler should hold for it
	procs      int    // a build's -p
	start, end int    // event numbers; end 0 while it runs
}

func (iv *interval) overlaps(o *interval) bool {
	return iv.start < o.end && o.start < iv.end
}

func newFake(par int) *fake {
	return &fake{par: par, runs: map[string]int{}}
}

func (f *fake) begin(kind, name string, weight, procs int) *interval {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events++
	f.active++
	iv := &interval{kind: kind, name: name, weight: weight, procs: procs, start: f.events}
	f.ivs = append(f.ivs, iv)
	return iv
}

func (f *fake) end(iv *interval) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events++
	f.active--
	iv.end = f.events
}

func (f *fake) HasVariant(toolchain.Toolchain, string) bool { return f.variant }

func (f *fake) Build(ctx context.Context, r build.Request, procs int) (build.Result, error) {
	name := r.Case.Name
	weight := f.par
	if procs == 1 && !(r.Rebuild && build.NeedsVariant(r.Toolchain, r.GOEXPERIMENT) && !f.variant) {
		weight = 1
	}
	iv := f.begin("build", name, weight, procs)
	defer f.end(iv)
	if f.buildBlock[name] {
		<-ctx.Done()
		return build.Result{}, ctx.Err()
	}
	sleep(f.buildTime, name)
	if err := f.buildErr[name]; err != nil {
		return build.Result{}, err
	}
	if msg := f.buildFail[name]; msg != "" {
		return build.Result{Error: msg, Output: msg + "\n", Duration: time.Millisecond}, nil
	}
	return build.Result{Binary: "/fake/" + name, GoLine: "1.26", Duration: time.Millisecond}, nil
}

func (f *fake) runCell(ctx context.Context, spec run.Spec) (run.Result, error) {
	name := strings.TrimPrefix(spec.Path, "/fake/")
	weight := f.par
	if n, _ := strconv.Atoi(envValue(spec.Env, "GOMAXPROCS")); n > 0 {
		weight = min(n, f.par)
	}
	iv := f.begin("run", name, weight, 0)
	defer f.end(iv)
	f.mu.Lock()
	i := f.runs[name]
	f.runs[name]++
	f.mu.Unlock()
	if cancel := f.runCancels[name]; cancel != nil {
		cancel()
		<-ctx.Done()
		return run.Result{}, ctx.Err()
	}
	sleep(f.runTime, name)
	outcome := results.Complete
	if o := f.outcomes[name]; i < len(o) {
		outcome = o[i]
	}
	r := run.Result{Outcome: outcome, Reason: "fake " + outcome, Duration: time.Millisecond}
	if outcome == results.Complete {
		r.CompletedAfter = time.Millisecond
	}
	return r, nil
}

func sleep(d map[string]time.Duration, name string) {
	t, ok := d[name]
	if !ok {
		t = 2 * time.Millisecond
	}
	time.Sleep(t)
}

func envValue(env []string, key string) string {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, key+"="); ok {
			return v
		}
	}
	return ""
}

// intervals returns the recorded intervals of kind ("" for all) in the
// order they started.
func (f *fake) intervals(kind string) []*interval {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*interval
	for _, iv := range f.ivs {
		if kind == "" || iv.kind == kind {
			out = append(out, iv)
		}
	}
	return out
}

// byName returns the first recorded interval of kind and name.
func (f *fake) byName(kind, name string) *interval {
	for _, iv := range f.intervals(kind) {
		if iv.name == name {
			return iv
		}
	}
	return nil
}

// names returns the names of the intervals of kind in the order they started.
func (f *fake) names(kind string) []string {
	var out []string
	for _, iv := range f.intervals(kind) {
		out = append(out, iv.name)
	}
	return out
}

// peak is the most cores the recorded intervals held at once.
func (f *fake) peak() int {
	ivs := f.intervals("")
	peak := 0
	for _, iv := range ivs {
		n := 0
		for _, o := range ivs {
			if o.start <= iv.start && iv.start < o.end {
				n += o.weight
			}
		}
		peak = max(peak, n)
	}
	return peak
}

// scheduler returns a Scheduler that builds and runs through f.
func (f *fake) scheduler() *Scheduler {
	return &Scheduler{Builder: f, RunCell: f.runCell, Parallel: f.par}
}

// cell returns a cell of case name under version, with GOMAXPROCS procs.
func cell(name, version string, procs int) *matrix.Cell {
	return &matrix.Cell{
		Case:         &matrix.Case{Name: name, Dir: "/cases/" + name},
		Toolchain:    toolchain.Toolchain{Selector: version, Version: version, GOROOT: "/sdk/" + version},
		GOMAXPROCS:   procs,
		Timeout:      time.Second,
		BuildTimeout: time.Minute,
		Repeat:       1,
	}
}

var errDiskFull = errors.New("write /cache/builds/x: no space left on device")

// outcomes returns the outcome of each result, "nil" for none.
func outcomes(out []*results.Cell) []string {
	var s []string
	for _, r := range out {
		if r == nil {
			s = append(s, "nil")
		} else {
			s = append(s, r.Outcome)
		}
	}
	return s
}
