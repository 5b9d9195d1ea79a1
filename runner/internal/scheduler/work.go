package scheduler

import (
	"context"
	"math"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/build"
	"github.com/gomatrix/gomatrix/runner/internal/gotest"
	"github.com/gomatrix/gomatrix/runner/internal/gover"
	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/results"
	"github.com/gomatrix/gomatrix/runner/internal/run"
)

// work is the state of one call of Run: the dispatcher it queues jobs
// on and the results as cells finish.
type work struct {
	s   *Scheduler
	ctx context.Context
	par int // cores
	d   *dispatcher

	mu  sync.Mutex // guards out, the runs of each pending cell, and what follows
	out []*results.Cell
	// quiet is set once no more cells are to come (RunAsReady's ready is
	// closed): the fetches that feed it are over. Until then the runs of
	// timed cells wait in timed.
	quiet bool
	timed []*job
	// chains is how many chains of builds are queued or under way.
	chains int
}

// group is the cells that share one build.
type group struct {
	req   build.Request
	cells []*pending
}

// pending is a cell to run, with the runs it has had so far.
type pending struct {
	cell    *matrix.Cell
	index   int           // in Run's cells
	key     string        // CacheKey
	cost    time.Duration // expected cost of one run: what orders the work
	runs    []run.Result
	started bool // CellStarted was called; guarded by Scheduler.mu
}

func (s *Scheduler) newWork(ctx context.Context, n int) *work {
	par := s.Parallel
	if par <= 0 {
		par = runtime.NumCPU()
	}
	w := &work{s: s, ctx: ctx, par: par, d: newDispatcher(par), out: make([]*results.Cell, n)}
	if s.Timeline != nil {
		s.Timeline.setCores(par)
		w.d.timeline = s.Timeline
	}
	return w
}

// add queues the builds of the cells of cells at indexes idx, and so
// their runs; those skipped, or that the result cache holds, finish at
// once instead. A batch's builds hold the cores buildCores gives for its
// chains and those of earlier batches not built yet.
func (w *work) add(cells []*matrix.Cell, idx []int) {
	chains := chains(w.group(cells, idx))
	w.mu.Lock()
	w.chains += len(chains)
	bc := buildCores(w.chains, w.par)
	w.mu.Unlock()
	for _, chain := range chains {
		w.addBuild(chain, bc)
	}
}

// group sorts the cells at indexes idx into the groups that share a
// build, in the order of their first cells. A cell that is skipped, or
// that the result cache holds, finishes at once instead.
func (w *work) group(cells []*matrix.Cell, idx []int) []*group {
	var groups []*group
	byKey := map[string]*group{}
	for _, i := range idx {
		c := cells[i]
		p := w.pend(i, c)
		if p == nil {
			continue
		}
		req := w.s.request(c)
		k := req.Key()
		g, ok := byKey[k]
		if !ok {
			g = &group{req: req}
			byKey[k] = g
			groups = append(groups, g)
		}
		g.cells = append(g.cells, p)
	}
	return groups
}

// pend returns cell i as a pending cell, or nil when it is finished
// already: skipped, or in the result cache (and not to be run again).
func (w *work) pend(i int, c *matrix.Cell) *pending {
	if c.Skip != "" {
		w.set(i, c, skipped(c))
		return nil
	}
	p := &pending{cell: c, index: i, key: CacheKey(c), cost: c.Timeout / 2}
	prev, ok := w.s.Results.Get(p.key)
	switch {
	case !ok:
	case !w.s.Rerun:
		prev.Cached = true
		w.set(i, c, prev)
		return nil
	case prev.Outcome == results.Hang:
		p.cost = c.Timeout
	default:
		p.cost = time.Duration(prev.DurationMS * float64(time.Millisecond))
	}
	return p
}

func (s *Scheduler) request(c *matrix.Cell) build.Request {
	return build.Request{
		Case:         c.Case,
		Toolchain:    c.Toolchain,
		GOEXPERIMENT: c.GOEXPERIMENT,
		Env:          c.Env,
		Timeout:      c.BuildTimeout,
		Rebuild:      s.RebuildForExperiments,
		GoLine:       buildGoLine(c),
	}
}

// buildGoLine is the go line a cell's build asks for, "" when that is
// what the builder writes anyway (a case without a go.mod gets the
// toolchain's language), so equal binaries share one build.
func buildGoLine(c *matrix.Cell) string {
	own := c.Case.HasGoMod || c.Case.Module.Path != ""
	if !own && (c.GoLine == matrix.GoLineToolchain || c.GoLine == strings.TrimPrefix(c.Toolchain.Lang(), "go")) {
		return ""
	}
	return c.GoLine
}

// chains orders groups into chains of builds that share the compiled std
// in the build cache (see stdKey). A chain's builds run one after
// another, so std is compiled once, not once per concurrent build.
func chains(groups []*group) [][]*group {
	var out [][]*group
	index := map[string]int{}
	for _, g := range groups {
		k := stdKey(g.req)
		i, ok := index[k]
		if !ok {
			i = len(out)
			index[k] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], g)
	}
	return out
}

// coresOfBuild is the cores a build holds and the go build -p it gets
// (0: go build's default, every core).
type coresOfBuild struct{ weight, procs int }

// buildCores says what a build holds: one core each when there are
// enough chains to keep every core busy building, else all of them.
func buildCores(chains, par int) coresOfBuild {
	if chains >= par {
		return coresOfBuild{1, 1}
	}
	return coresOfBuild{par, 0}
}

// addBuild queues the build of chain's first group; when it is done, the
// build of the next one. A build that first rebuilds its toolchain with
// its GOEXPERIMENT holds every core, as the rebuild uses them all.
func (w *work) addBuild(chain []*group, bc coresOfBuild) {
	g := chain[0]
	r := g.req
	rebuild := r.Rebuild && build.NeedsVariant(r.Toolchain, r.GOEXPERIMENT) && !w.s.Builder.HasVariant(r.Toolchain, r.GOEXPERIMENT)
	j := &job{class: buildClass, weight: bc.weight, cost: math.MaxInt64, reserve: true, kind: SpanBuild, what: buildName(r)}
	if rebuild {
		j.weight, j.kind = w.par, SpanVariant
	}
	j.run = func() {
		start := time.Now()
		b, ok := w.build(g, bc.procs)
		if rebuild && ok {
			w.s.rebuilt(r, time.Since(start), b)
		}
		if len(chain) > 1 {
			w.addBuild(chain[1:], bc) // not started once ctx is cancelled
			return
		}
		w.mu.Lock()
		w.chains--
		w.mu.Unlock()
	}
	w.d.add(j)
}

// buildName names a build in the timeline: "busyloop go1.13.15
// E=preemptibleloops".
func buildName(r build.Request) string {
	name := r.Case.Name + " " + r.Toolchain.Version
	if s := results.SettingsName(0, "", r.GOEXPERIMENT, r.GoLine); s != "" {
		name += " " + s
	}
	return name
}

// build builds g with go build -p procs and queues the runs of its
// cells, or, when the build failed, finishes each of them as a
// build-error. ok is false when it was interrupted.
func (w *work) build(g *group, procs int) (b build.Result, ok bool) {
	b, err := w.s.Builder.Build(w.ctx, g.req, procs)
	if err != nil {
		if w.ctx.Err() != nil {
			return b, false // interrupted: the cells do not finish
		}
		b.Error = err.Error()
	}
	w.s.buildDone(g.req, b)
	for _, p := range g.cells {
		switch {
		case b.NoTests:
			w.finish(p, w.s.noTests(p.cell, b))
		case b.Binary == "":
			w.finish(p, w.s.buildFailed(p.cell, b))
		default:
			w.addRuns(p, b)
		}
	}
	return b, true
}

// addRuns queues a run of p per repeat. A run of GOMAXPROCS=n holds
// min(n, par) cores; unset, all of them. A timed cell's run holds one core
// more, within par: the runner's clock — its reader of the cell's output —
// needs a core of its own to be on time (measured: sysmon's complete_ms
// on 2 cores reached 26.7–36.8 ms next to another run, 19.9–25.9 ms
// alone, and the program's own figure fell to 7.8 ms, below sysmon's
// 10 ms floor, only next to another run).
//
// The runs of a timed cell wait until no more cells are to come (see
// quiet): a toolchain being fetched uses the cores too.
func (w *work) addRuns(p *pending, b build.Result) {
	weight := w.par
	if n := p.cell.GOMAXPROCS; n > 0 && n < w.par {
		weight = n
		if p.cell.Timed {
			weight++
		}
	}
	what := runName(p.cell)
	var jobs []*job
	for range max(p.cell.Repeat, 1) {
		jobs = append(jobs, &job{class: runClass, weight: weight, cost: int64(p.cost), kind: SpanRuns, what: what, run: func() {
			w.run(p, b)
		}})
	}
	w.mu.Lock()
	if p.cell.Timed && !w.quiet {
		w.timed = append(w.timed, jobs...)
		jobs = nil
	}
	w.mu.Unlock()
	for _, j := range jobs {
		w.d.add(j)
	}
}

// runName names a cell's run in the timeline: "busyloop go1.13.15 P=1".
func runName(c *matrix.Cell) string {
	name := c.Case.Name + " " + c.Toolchain.Version
	if s := results.SettingsName(c.GOMAXPROCS, c.GODEBUG, c.GOEXPERIMENT, c.GoLine); s != "" {
		name += " " + s
	}
	return name
}

// beQuiet records that no more cells are to come, and queues the runs
// of timed cells that waited for it.
func (w *work) beQuiet() {
	w.mu.Lock()
	w.quiet = true
	jobs := w.timed
	w.timed = nil
	w.mu.Unlock()
	for _, j := range jobs {
		w.d.add(j)
	}
}

// run runs p's binary once; after its last repeat, p finishes.
func (w *work) run(p *pending, b build.Result) {
	w.s.started(p)
	r, ok := w.s.runOnce(w.ctx, p.cell, b)
	if !ok {
		return // interrupted: the cell does not finish
	}
	if runs := w.record(p, r); runs != nil {
		w.finish(p, w.s.result(p.cell, b, runs))
	}
}

// record adds r to p's runs and returns them all once it was the last.
func (w *work) record(p *pending, r run.Result) []run.Result {
	w.mu.Lock()
	defer w.mu.Unlock()
	p.runs = append(p.runs, r)
	if len(p.runs) < max(p.cell.Repeat, 1) {
		return nil
	}
	return p.runs
}

// finish records r as p's result and keeps it in the result cache.
func (w *work) finish(p *pending, r *results.Cell) {
	w.s.Results.Put(p.key, r) // best effort: a lost entry is a cell run again
	w.set(p.index, p.cell, r)
}

// set records r as the result of cell i.
func (w *work) set(i int, c *matrix.Cell, r *results.Cell) {
	w.mu.Lock()
	w.out[i] = r
	w.mu.Unlock()
	w.s.done(c, r)
}

// runOnce runs c's binary once; ok is false when ctx was cancelled.
func (s *Scheduler) runOnce(ctx context.Context, c *matrix.Cell, b build.Result) (r run.Result, ok bool) {
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
	if c.Case.Kind == matrix.KindTest {
		return s.runTests(ctx, c, b, spec)
	}
	return s.runSpec(ctx, spec)
}

// runTests runs a test case's binary once, as go test would — in the
// package's directory, with -test.v and the case's test flags — and
// judges the run by the tests it printed.
func (s *Scheduler) runTests(ctx context.Context, c *matrix.Cell, b build.Result, spec run.Spec) (run.Result, bool) {
	p := gotest.New()
	spec.Args = TestArgs(c.Case.Test, c.Toolchain.Version)
	spec.Dir = filepath.Join(b.Dir, filepath.FromSlash(b.Package))
	spec.Lines = p.Line
	r, ok := s.runSpec(ctx, spec)
	if ok {
		r.Tests, r.Outcome, r.Reason = p.Judge(r.Outcome, r.Reason)
		if note := gotest.DumpDisagrees(r.Tests, r.GoroutineDump); r.Outcome == results.Hang && note != "" {
			r.Reason += " (" + note + ")"
		}
	}
	return r, ok
}

// runSpec runs spec once through RunCell; ok is false when ctx was
// cancelled.
func (s *Scheduler) runSpec(ctx context.Context, spec run.Spec) (r run.Result, ok bool) {
	runCell := s.RunCell
	if runCell == nil {
		runCell = run.Cell
	}
	r, err := runCell(ctx, spec)
	if err != nil {
		if ctx.Err() != nil {
			return r, false
		}
		// The binary could not be started at all: a fail, with why.
		r = run.Result{Outcome: results.Fail, Reason: "start: " + err.Error()}
	}
	return r, true
}

// TestArgs are the arguments of a test binary for flags t, built by
// toolchain version v: -test.v always; no timeout of its own, since the
// cell's timeout decides a hang and asks for the goroutine dump; from
// go1.16, os.Exit(0) inside a test fails it, as under go test.
func TestArgs(t matrix.TestFlags, v string) []string {
	args := []string{"-test.v", "-test.timeout=0"}
	if gover.Compare(v, "go1.16") >= 0 {
		args = append(args, "-test.paniconexit0")
	}
	for _, f := range []struct{ name, val string }{{"run", t.Run}, {"skip", t.Skip}, {"cpu", t.CPU}} {
		if f.val != "" {
			args = append(args, "-test."+f.name+"="+f.val)
		}
	}
	if t.Count > 0 {
		args = append(args, "-test.count="+strconv.Itoa(t.Count))
	}
	if t.Short {
		args = append(args, "-test.short")
	}
	return append(args, t.Flags...)
}
