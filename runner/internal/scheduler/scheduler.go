package scheduler

import (
	"context"
	"sync"

	"github.com/gomatrix/gomatrix/runner/internal/build"
	"github.com/gomatrix/gomatrix/runner/internal/matrix"
	"github.com/gomatrix/gomatrix/runner/internal/results"
	"github.com/gomatrix/gomatrix/runner/internal/run"
	"github.com/gomatrix/gomatrix/runner/internal/toolchain"
)

// A Scheduler builds and runs cells.
type Scheduler struct {
	// Builder builds the cases: a *build.Builder, or a fake in tests.
	Builder Builder
	// RunCell runs one cell's binary once; nil means run.Cell. It is a
	// seam for tests, which run no process.
	RunCell func(ctx context.Context, spec run.Spec) (run.Result, error)
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

// A Builder builds the binary of a request; *build.Builder is one.
type Builder interface {
	// Build builds r with go build -p procs (procs 0: go build's
	// default). A failed build is a Result with Error set; the error is
	// for cancellation and the runner's own failures.
	Build(ctx context.Context, r build.Request, procs int) (build.Result, error)
	// HasVariant reports whether t rebuilt with GOEXPERIMENT=exp is
	// installed already: if not, a build that needs it runs make.bash
	// first, on every core.
	HasVariant(t toolchain.Toolchain, exp string) bool
}

// Run builds and runs cells and returns their results in the order of
// cells. When ctx is cancelled it stops every process and returns the
// results of the cells that finished (nil for the others), with ctx's
// error; no build or run of it is left running.
//
// The package doc says how the work shares the cores and in what order.
func (s *Scheduler) Run(ctx context.Context, cells []*matrix.Cell) ([]*results.Cell, error) {
	w := s.newWork(ctx, len(cells))
	chains := chains(w.group(cells))
	w.buildWeight, w.buildProcs = buildCores(len(chains), w.par)
	for _, chain := range chains {
		w.addBuild(chain)
	}
	w.d.wait(ctx)
	return w.out, ctx.Err()
}

// The callbacks, one call at a time.

func (s *Scheduler) started(p *pending) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p.started {
		return
	}
	p.started = true
	if s.CellStarted != nil {
		s.CellStarted(p.cell)
	}
}

func (s *Scheduler) done(c *matrix.Cell, r *results.Cell) {
	if s.CellDone != nil {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.CellDone(c, r)
	}
}

func (s *Scheduler) buildDone(req build.Request, b build.Result) {
	if s.BuildDone != nil {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.BuildDone(req, b)
	}
}
