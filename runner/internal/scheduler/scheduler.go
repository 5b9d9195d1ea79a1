// Package scheduler builds and runs a matrix's cells on the machine's
// cores: each distinct build once, then every cell that uses it, in
// parallel without oversubscribing, and turns each run into a result.
package scheduler

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"

	"gomatrix/runner/internal/build"
	"gomatrix/runner/internal/matrix"
	"gomatrix/runner/internal/results"
	"gomatrix/runner/internal/run"
	"gomatrix/runner/internal/settings"
	"gomatrix/runner/internal/toolchain"
)

// A Scheduler builds and runs cells.
type Scheduler struct {
	Builder *build.Builder
	// CacheDir holds build caches and GOPATH (see toolchain.Env).
	CacheDir string
	// Parallel is how many cores cells may use at once (-p); default
	// runtime.NumCPU().
	Parallel int
	// MatrixDir is the matrix file's directory; reproduce commands name
	// case directories relative to it.
	MatrixDir string
	// CellStarted and CellDone, when set, are called as cells start and
	// finish (from several goroutines, one call at a time).
	CellStarted func(c *matrix.Cell)
	CellDone    func(c *matrix.Cell, r *results.Cell)
	// BuildDone, when set, is called after each build.
	BuildDone func(req build.Request, res build.Result)

	mu sync.Mutex // serialises the callbacks
}

// group is the cells that share one build.
type group struct {
	req   build.Request
	cells []*matrix.Cell
}

// Run builds and runs cells and returns their results in the order of
// cells. When ctx is cancelled it stops every process and returns the
// results of the cells that finished, with ctx's error.
func (s *Scheduler) Run(ctx context.Context, cells []*matrix.Cell) ([]*results.Cell, error) {
	par := s.Parallel
	if par <= 0 {
		par = runtime.NumCPU()
	}
	out := make([]*results.Cell, len(cells))
	index := make(map[*matrix.Cell]int, len(cells))
	var groups []*group
	byKey := map[string]*group{}
	for i, c := range cells {
		index[c] = i
		if c.Skip != "" {
			out[i] = s.skipped(c)
			s.done(c, out[i])
			continue
		}
		req := build.Request{Case: c.Case, Toolchain: c.Toolchain, GOEXPERIMENT: c.GOEXPERIMENT, Env: c.Env, Timeout: c.BuildTimeout}
		k := req.Key()
		g, ok := byKey[k]
		if !ok {
			g = &group{req: req}
			byKey[k] = g
			groups = append(groups, g)
		}
		g.cells = append(g.cells, c)
	}

	// One weighted semaphore stands for the cores. A build takes all of
	// them (go build is parallel, and a run timed next to a build would
	// measure the build), a run of GOMAXPROCS=n takes min(n, cores).
	sem := semaphore.NewWeighted(int64(par))
	var wg sync.WaitGroup
	var mu sync.Mutex // guards out
	for _, g := range groups {
		if err := sem.Acquire(ctx, int64(par)); err != nil {
			break
		}
		bres, err := s.Builder.Build(ctx, g.req)
		sem.Release(int64(par))
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			bres.Error = err.Error()
		}
		if s.BuildDone != nil {
			s.mu.Lock()
			s.BuildDone(g.req, bres)
			s.mu.Unlock()
		}
		for _, c := range g.cells {
			if bres.Binary == "" {
				r := s.buildFailed(c, bres)
				mu.Lock()
				out[index[c]] = r
				mu.Unlock()
				s.done(c, r)
				continue
			}
			w := int64(par)
			if c.GOMAXPROCS > 0 && c.GOMAXPROCS < par {
				w = int64(c.GOMAXPROCS)
			}
			if err := sem.Acquire(ctx, w); err != nil {
				break
			}
			wg.Add(1)
			go func(c *matrix.Cell) {
				defer wg.Done()
				defer sem.Release(w)
				if s.CellStarted != nil {
					s.mu.Lock()
					s.CellStarted(c)
					s.mu.Unlock()
				}
				r, err := s.runCell(ctx, c, bres)
				if err != nil {
					return // interrupted: the cell did not finish
				}
				mu.Lock()
				out[index[c]] = r
				mu.Unlock()
				s.done(c, r)
			}(c)
		}
		if ctx.Err() != nil {
			break
		}
	}
	wg.Wait()
	return out, ctx.Err()
}

func (s *Scheduler) done(c *matrix.Cell, r *results.Cell) {
	if s.CellDone != nil {
		s.mu.Lock()
		s.CellDone(c, r)
		s.mu.Unlock()
	}
}

// base fills the fields every result of c has.
func base(c *matrix.Cell) *results.Cell {
	return &results.Cell{
		Case:         c.Case.Name,
		Selector:     c.Toolchain.Selector,
		Go:           c.Toolchain.Version,
		GOMAXPROCS:   c.GOMAXPROCS,
		GODEBUG:      c.GODEBUG,
		GOEXPERIMENT: c.GOEXPERIMENT,
		TimeoutMS:    c.Timeout.Milliseconds(),
	}
}

func (s *Scheduler) skipped(c *matrix.Cell) *results.Cell {
	r := base(c)
	r.Outcome, r.Reason = results.Skip, c.Skip
	return r
}

func (s *Scheduler) buildFailed(c *matrix.Cell, b build.Result) *results.Cell {
	r := base(c)
	r.Outcome, r.Reason = results.BuildError, b.Error
	r.GoLine = b.GoLine
	r.BuildOutput = b.Output
	r.BuildMS = ms(b.Duration)
	r.Reproduce = s.reproduce(c, b)
	return r
}

// RunEnv is the environment a cell's binary runs in: the toolchain's
// clean environment, the cell's env, then GOMAXPROCS and GODEBUG, each
// left unset when the axis value is.
func RunEnv(c *matrix.Cell, cacheDir string) []string {
	extra := append([]string(nil), c.Env...)
	if c.GOMAXPROCS > 0 {
		extra = append(extra, "GOMAXPROCS="+strconv.Itoa(c.GOMAXPROCS))
	}
	if c.GODEBUG != "" {
		extra = append(extra, "GODEBUG="+c.GODEBUG)
	}
	return toolchain.Env(c.Toolchain, cacheDir, extra)
}

// runCell runs c Repeat times with the built binary and folds the runs
// into one result: the majority outcome, with counts when they differ.
func (s *Scheduler) runCell(ctx context.Context, c *matrix.Cell, b build.Result) (*results.Cell, error) {
	spec := run.Spec{
		Path:           b.Binary,
		Args:           c.Case.Args,
		Dir:            c.Case.Dir,
		Env:            RunEnv(c, s.CacheDir),
		Timeout:        c.Timeout,
		CompleteOn:     c.Case.CompleteOn,
		CompleteStream: c.Case.CompleteStream,
	}
	repeat := max(c.Repeat, 1)
	runs := make([]run.Result, 0, repeat)
	for range repeat {
		rr, err := run.Cell(ctx, spec)
		if err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			// The binary could not be started at all: a fail, with why.
			rr = run.Result{Outcome: run.OutcomeFail, Reason: "start: " + err.Error()}
		}
		runs = append(runs, rr)
	}
	r := base(c)
	r.GoLine = b.GoLine
	r.BuildMS = ms(b.Duration)
	r.RuntimeVersion, r.Experiments = b.RuntimeVersion, b.Experiments
	r.Reproduce = s.reproduce(c, b)
	r.Inert = inert(c, b)
	fold(r, runs)
	return r, nil
}

// inert says which of the cell's settings did not take effect.
func inert(c *matrix.Cell, b build.Result) []string {
	var out []string
	if msg := settings.InertGOEXPERIMENT(c.Toolchain.Version, c.GOEXPERIMENT, b.Experiments); msg != "" {
		out = append(out, msg)
	}
	if c.GODEBUG != "" {
		if keys, err := settings.GODEBUGKeys(c.Toolchain.GOROOT); err == nil {
			if msg := settings.InertGODEBUG(c.Toolchain.Version, c.GODEBUG, keys); msg != "" {
				out = append(out, msg)
			}
		}
	}
	return out
}

// fold sets r's outcome from runs: the majority (ties go to the outcome
// listed first in results.Outcomes), and reports the details of the first
// run that had it.
func fold(r *results.Cell, runs []run.Result) {
	counts := map[string]int{}
	for _, x := range runs {
		counts[x.Outcome]++
	}
	best := ""
	for _, o := range results.Outcomes {
		if counts[o] > counts[best] {
			best = o
		}
	}
	r.Runs = len(runs)
	if len(runs) > 1 {
		r.Counts = counts
		r.Flaky = len(counts) > 1
	}
	for _, x := range runs {
		if x.Outcome != best {
			continue
		}
		r.Outcome, r.Reason = x.Outcome, x.Reason
		r.ExitCode, r.Signal = x.ExitCode, x.Signal
		r.DurationMS = ms(x.Duration)
		if x.Outcome == results.Complete {
			v := ms(x.CompletedAfter)
			r.CompleteMS = &v
		}
		r.Stdout, r.Stderr = output(x.Stdout), output(x.Stderr)
		r.GoroutineDump, r.FatalLine = x.GoroutineDump, x.FatalLine
		r.Leftovers = x.Leftovers
		break
	}
}

func output(o run.Output) *results.Output {
	if o.Bytes == 0 {
		return nil
	}
	return &results.Output{Head: o.Head, Tail: o.Tail, Bytes: o.Bytes, Truncated: o.Truncated}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// reproduce is a shell command that builds and runs the cell by hand:
// the same clean environment, the same go line, the same settings.
func (s *Scheduler) reproduce(c *matrix.Cell, b build.Result) string {
	dir := c.Case.Rel
	if dir == "" {
		dir = c.Case.Dir
	}
	var parts []string
	buildEnv := []string{"GOENV=off", "GOFLAGS=", "GOTOOLCHAIN=local", "GO111MODULE=on", "GOPROXY=off", "CGO_ENABLED=0"}
	buildEnv = append(buildEnv, c.Env...)
	if c.GOEXPERIMENT != "" {
		buildEnv = append(buildEnv, "GOEXPERIMENT="+c.GOEXPERIMENT)
	}
	goCmd := c.Toolchain.Go()
	bin := "/tmp/" + c.Case.Name
	tags := ""
	if len(c.Case.Tags) > 0 {
		tags = " -tags " + shellQuote(strings.Join(c.Case.Tags, ","))
	}
	if c.Case.HasGoMod {
		parts = append(parts, "cd "+shellQuote(dir))
	} else {
		parts = append(parts,
			"d=$(mktemp -d)",
			"cp -R "+shellQuote(dir)+"/. \"$d\"",
			"cd \"$d\"",
			fmt.Sprintf("printf 'module matrixcase\\n\\ngo %s\\n' > go.mod", b.GoLine))
	}
	parts = append(parts, "env "+shellJoin(buildEnv)+" "+shellQuote(goCmd)+" build"+tags+" -o "+bin+" .")
	var runEnv []string
	if c.GOMAXPROCS > 0 {
		runEnv = append(runEnv, "GOMAXPROCS="+strconv.Itoa(c.GOMAXPROCS))
	}
	if c.GODEBUG != "" {
		runEnv = append(runEnv, "GODEBUG="+c.GODEBUG)
	}
	runEnv = append(runEnv, c.Env...)
	runCmd := fmt.Sprintf("timeout -s QUIT %s %s", strconv.FormatFloat(c.Timeout.Seconds(), 'f', -1, 64), bin)
	for _, a := range c.Case.Args {
		runCmd += " " + shellQuote(a)
	}
	if len(runEnv) > 0 {
		runCmd = "env " + shellJoin(runEnv) + " " + runCmd
	}
	parts = append(parts, runCmd)
	return strings.Join(parts, " && ")
}

func shellJoin(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = shellQuote(s)
	}
	return strings.Join(q, " ")
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	safe := true
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,+@%", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
