// Package scheduler builds and runs a matrix's cells on the machine's
// cores: each distinct build once, then every cell that uses it, in
// parallel without oversubscribing, and turns each run into a result.
package scheduler

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

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
	// Parallel is how many cores builds and cells may use at once (-p);
	// default runtime.NumCPU().
	Parallel int
	// MatrixDir is the matrix file's directory; reproduce commands name
	// case directories relative to it.
	MatrixDir string
	// Results, when set, is the result cache: a cell whose key is in it
	// is not run again, unless Rerun is set. Either way, what it holds
	// orders the work: cells that hung before run first.
	Results *results.Cache
	Rerun   bool
	// RebuildForExperiments builds goexperiment cells of toolchains
	// before go1.17 with a copy rebuilt with the experiment
	// (matrix key goexperiment_rebuild).
	RebuildForExperiments bool
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
	cells []*pending
}

// pending is a cell to run, with the runs it has had so far.
type pending struct {
	cell    *matrix.Cell
	index   int
	key     string
	cost    time.Duration // expected cost of one run: what orders the work
	runs    []run.Result
	started bool
}

// Run builds and runs cells and returns their results in the order of
// cells. When ctx is cancelled it stops every process and returns the
// results of the cells that finished (nil for the others), with ctx's
// error.
//
// The cores are shared by builds and runs through one dispatcher: a run
// of GOMAXPROCS=n takes min(n, Parallel) cores (unset: all of them), a
// build one core (go build -p 1) when there are at least Parallel builds
// to share them, else all of them. Builds go first, since they unlock
// runs; then runs, the most expensive first (a cell that hung before
// costs its whole timeout), so that the tail of the run is short; each
// repeat of a cell is a run of its own.
func (s *Scheduler) Run(ctx context.Context, cells []*matrix.Cell) ([]*results.Cell, error) {
	par := s.Parallel
	if par <= 0 {
		par = runtime.NumCPU()
	}
	out := make([]*results.Cell, len(cells))
	var groups []*group
	byKey := map[string]*group{}
	for i, c := range cells {
		if c.Skip != "" {
			out[i] = s.skipped(c)
			s.done(c, out[i])
			continue
		}
		p := &pending{cell: c, index: i, key: CellKey(c), cost: c.Timeout / 2}
		if prev, ok := s.Results.Get(p.key); ok {
			if !s.Rerun {
				prev.Cached = true
				out[i] = prev
				s.done(c, prev)
				continue
			}
			p.cost = time.Duration(prev.DurationMS * float64(time.Millisecond))
			if prev.Outcome == results.Hang {
				p.cost = c.Timeout
			}
		}
		req := build.Request{Case: c.Case, Toolchain: c.Toolchain, GOEXPERIMENT: c.GOEXPERIMENT, Env: c.Env, Timeout: c.BuildTimeout, Rebuild: s.RebuildForExperiments}
		k := req.Key()
		g, ok := byKey[k]
		if !ok {
			g = &group{req: req}
			byKey[k] = g
			groups = append(groups, g)
		}
		g.cells = append(g.cells, p)
	}

	buildWeight, buildProcs := par, 0
	if len(stdKeys(groups)) >= par {
		buildWeight, buildProcs = 1, 1
	}
	d := newDispatcher(par)
	var mu sync.Mutex // guards out
	// Builds that share a toolchain, GOEXPERIMENT and env share the
	// compiled std in the build cache: they run one after another, so std
	// is compiled once, not once per concurrent build.
	var chains [][]*group
	chainOf := map[string]int{}
	for _, g := range groups {
		k := stdKey(g.req)
		i, ok := chainOf[k]
		if !ok {
			i = len(chains)
			chainOf[k] = i
			chains = append(chains, nil)
		}
		chains[i] = append(chains[i], g)
	}
	var addBuild func(chain []*group)
	addBuild = func(chain []*group) {
		g := chain[0]
		w := buildWeight
		if g.req.Rebuild && build.NeedsVariant(g.req.Toolchain, g.req.GOEXPERIMENT) && !s.Builder.HasVariant(g.req.Toolchain, g.req.GOEXPERIMENT) {
			w = par // make.bash uses every core
		}
		d.add(&job{weight: w, cost: math.MaxInt64, reserve: true, run: func() {
			defer func() {
				if len(chain) > 1 && ctx.Err() == nil {
					addBuild(chain[1:])
				}
			}()
			bres, err := s.Builder.Build(ctx, g.req, buildProcs)
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				bres.Error = err.Error()
			}
			if s.BuildDone != nil {
				s.mu.Lock()
				s.BuildDone(g.req, bres)
				s.mu.Unlock()
			}
			if bres.Binary == "" {
				for _, p := range g.cells {
					r := s.buildFailed(p.cell, bres)
					mu.Lock()
					out[p.index] = r
					mu.Unlock()
					s.Results.Put(p.key, r)
					s.done(p.cell, r)
				}
				return
			}
			for _, p := range g.cells {
				w := par
				if p.cell.GOMAXPROCS > 0 && p.cell.GOMAXPROCS < par {
					w = p.cell.GOMAXPROCS
				}
				for range max(p.cell.Repeat, 1) {
					d.add(&job{weight: w, cost: int64(p.cost), run: func() {
						s.mu.Lock()
						first := !p.started
						p.started = true
						s.mu.Unlock()
						if first && s.CellStarted != nil {
							s.mu.Lock()
							s.CellStarted(p.cell)
							s.mu.Unlock()
						}
						rr, ok := s.runOnce(ctx, p.cell, bres)
						if !ok {
							return // interrupted: the cell does not finish
						}
						mu.Lock()
						p.runs = append(p.runs, rr)
						finished := len(p.runs) == max(p.cell.Repeat, 1)
						mu.Unlock()
						if !finished {
							return
						}
						r := s.result(p.cell, bres, p.runs)
						mu.Lock()
						out[p.index] = r
						mu.Unlock()
						s.Results.Put(p.key, r)
						s.done(p.cell, r)
					}})
				}
			}
		}})
	}
	for _, chain := range chains {
		addBuild(chain)
	}
	d.wait(ctx)
	return out, ctx.Err()
}

func (s *Scheduler) done(c *matrix.Cell, r *results.Cell) {
	if s.CellDone != nil {
		s.mu.Lock()
		s.CellDone(c, r)
		s.mu.Unlock()
	}
}

// stdKey says which builds share a compiled std.
func stdKey(r build.Request) string {
	env := append([]string(nil), r.Env...)
	sort.Strings(env)
	return fmt.Sprintf("%s\x00%s\x00%s\x00%q", r.Toolchain.GOROOT, r.Toolchain.Version, r.GOEXPERIMENT, env)
}

func stdKeys(groups []*group) map[string]bool {
	keys := map[string]bool{}
	for _, g := range groups {
		keys[stdKey(g.req)] = true
	}
	return keys
}

// CellKey is the result-cache key of c: a hash of everything that can
// change its result — the runner's own code, the machine's shape, the
// toolchain, the case's files and settings, the cell's settings, timeout
// and repeats.
func CellKey(c *matrix.Cell) string {
	h := sha256.New()
	fmt.Fprintf(h, "runner %s\nhost %s/%s %d\n", results.RunnerID(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	fmt.Fprintf(h, "toolchain %s %s\n", c.Toolchain.Version, c.Toolchain.GOROOT)
	cs := c.Case
	complete := "exit"
	if cs.CompleteOn != nil {
		complete = cs.CompleteOn.String()
	}
	fmt.Fprintf(h, "case %s %s %q %q %q %q\n", cs.Dir, cs.Hash, complete, cs.CompleteStream, cs.Args, cs.Tags)
	env := append([]string(nil), c.Env...)
	sort.Strings(env)
	fmt.Fprintf(h, "env %q\ncell %d %q %q %s %d %d\n", env, c.GOMAXPROCS, c.GODEBUG, c.GOEXPERIMENT, c.Timeout, c.Repeat, c.MemoryLimit)
	return hex.EncodeToString(h.Sum(nil))
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

// runOnce runs c's binary once; ok is false when ctx was cancelled.
func (s *Scheduler) runOnce(ctx context.Context, c *matrix.Cell, b build.Result) (run.Result, bool) {
	spec := run.Spec{
		Path:           b.Binary,
		Args:           c.Case.Args,
		Dir:            c.Case.Dir,
		Env:            RunEnv(c, s.CacheDir),
		Timeout:        c.Timeout,
		CompleteOn:     c.Case.CompleteOn,
		CompleteStream: c.Case.CompleteStream,
		MemoryLimit:    c.MemoryLimit,
	}
	rr, err := run.Cell(ctx, spec)
	if err != nil {
		if ctx.Err() != nil {
			return rr, false
		}
		// The binary could not be started at all: a fail, with why.
		rr = run.Result{Outcome: run.OutcomeFail, Reason: "start: " + err.Error()}
	}
	return rr, true
}

// result folds the runs of c into its result.
func (s *Scheduler) result(c *matrix.Cell, b build.Result, runs []run.Result) *results.Cell {
	r := base(c)
	r.GoLine = b.GoLine
	r.BuildMS = ms(b.Duration)
	r.RuntimeVersion, r.Experiments, r.Variant = b.RuntimeVersion, b.Experiments, b.Variant
	r.Reproduce = s.reproduce(c, b)
	r.Inert = inert(c, b)
	fold(r, runs)
	return r
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

// FragileFraction is the share of its timeout after which a complete cell
// is reported as fragile.
const FragileFraction = 0.5

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
			if r.TimeoutMS > 0 && v > FragileFraction*float64(r.TimeoutMS) {
				r.Fragile = fmt.Sprintf("completed after %.0f%% of its %s timeout: on a slower or busier machine it could be a hang", 100*v/float64(r.TimeoutMS), time.Duration(r.TimeoutMS)*time.Millisecond)
			}
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
	goCmd := c.Toolchain.Go()
	if b.Variant != "" {
		// The experiment is baked into the rebuilt toolchain.
		goCmd = toolchain.Toolchain{GOROOT: b.GOROOT}.Go()
	} else if c.GOEXPERIMENT != "" {
		buildEnv = append(buildEnv, "GOEXPERIMENT="+c.GOEXPERIMENT)
	}
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
