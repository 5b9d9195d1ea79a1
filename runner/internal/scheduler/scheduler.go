package scheduler

import (
	"context"
	"sync"
	"time"

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
	// Rebuilt, when set, is called after each build that first rebuilt
	// its toolchain with its GOEXPERIMENT, with what the rebuild took.
	Rebuilt func(r results.Rebuild)
	// Timeline, when set, records every build and run (TimelineData).
	Timeline *Timeline

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
	all := make([]int, len(cells))
	for i := range all {
		all[i] = i
	}
	ready := make(chan []int, 1)
	ready <- all
	close(ready)
	return s.RunAsReady(ctx, cells, ready)
}

// RunAsReady is Run for cells whose toolchains arrive while it runs:
// ready yields the indexes in cells of the cells that can be built (their
// toolchain is in place, or they are skipped), each index once, and is
// closed when no more will come. Each batch is grouped, built and run as
// it comes, next to the work of earlier batches; a cell is not looked at
// before its batch. The runs of timed cells (Cell.Timed) wait until ready
// is closed: whatever fills it (a download) would share the cores with
// them. Cells that never come are nil in the results.
func (s *Scheduler) RunAsReady(ctx context.Context, cells []*matrix.Cell, ready <-chan []int) ([]*results.Cell, error) {
	w := s.newWork(ctx, len(cells))
	w.d.hold()
	var feed sync.WaitGroup
	feed.Go(func() {
		defer w.d.release()
		for {
			idx, ok := nextBatch(ctx, ready)
			if !ok {
				w.beQuiet()
				return
			}
			w.add(cells, idx)
		}
	})
	w.d.wait(ctx)
	feed.Wait()
	return w.out, ctx.Err()
}

// nextBatch returns the next batch ready yields, one that is there
// rather than ctx's end; ok is false once ready is closed or ctx done.
func nextBatch(ctx context.Context, ready <-chan []int) (idx []int, ok bool) {
	select {
	case idx, ok = <-ready:
		return idx, ok
	default:
	}
	select {
	case idx, ok = <-ready:
		return idx, ok
	case <-ctx.Done():
		return nil, false
	}
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

// rebuilt reports the rebuild of r's toolchain, which the build b that
// followed it, wall in all, paid for.
func (s *Scheduler) rebuilt(r build.Request, wall time.Duration, b build.Result) {
	if s.Rebuilt == nil {
		return
	}
	rb := results.Rebuild{Go: r.Toolchain.Version, GOEXPERIMENT: r.GOEXPERIMENT, MS: ms(wall)}
	if s.Builder.HasVariant(r.Toolchain, r.GOEXPERIMENT) {
		rb.MS = ms(wall - b.Duration - time.Duration(b.DownloadMS*float64(time.Millisecond)))
	} else {
		rb.Error = b.Error
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Rebuilt(rb)
}

func (s *Scheduler) buildDone(req build.Request, b build.Result) {
	if s.BuildDone != nil {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.BuildDone(req, b)
	}
}
